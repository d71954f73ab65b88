"""What retrieval asks of a corpus index (retrieve.py ranks; BM25, the catalogue and the vectors
stay inside the index): a mixin of CorpusIndex, so the database-backed index has it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class IndexQueries:
    """Needs `bm25`, `chunks`, `vectors`, `row_of` and `collection()` from the index."""

    bm25: Any
    chunks: Any
    vectors: np.ndarray | None

    def row_of(self, chunk_id: str) -> int | None:
        raise NotImplementedError

    def collection(self) -> Any:
        raise NotImplementedError

    def lexical_tokens(self, tokens: Sequence[str]) -> list[str]:
        """The query tokens BM25 knows (the others cannot score)."""
        bm25 = self.bm25
        return [t for t in tokens if t in bm25.vocab_dict] if bm25 is not None else []

    def lexical_top(self, tokens: list[str], n: int) -> list[int]:
        """Rows of the n best BM25 matches that score at all, best first."""
        n = min(n, len(self.chunks))
        rows, scores = self.bm25.retrieve([tokens], k=n, show_progress=False, n_threads=0)
        return [int(r) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """Every row's BM25 score for the tokens."""
        return self.bm25.get_scores(tokens)

    def nearest_rows(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[int]:
        """Rows of Chroma's n nearest vectors (optionally under a `where`), nearest first; ids
        the loaded catalogue does not know (a writer's newer chunks) are left out."""
        kwargs: dict[str, Any] = {"where": where} if where else {}
        hits = self.collection().query(query_embeddings=[vector.tolist()], n_results=n, include=[], **kwargs)
        rows = (self.row_of(i) for i in hits["ids"][0])
        return [r for r in rows if r is not None]

    def exact_scores(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        """Exact cosine of `rows`' kept vectors with `vector` (unit length); None if none kept."""
        vectors = self.vectors
        if vectors is None:
            return None
        return vectors[rows] @ vector.astype(np.float32, copy=False)
