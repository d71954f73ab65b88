"""Hybrid retrieval: BM25 over jieba tokens + dense vectors from Chroma, fused by RRF.

Hard filters (CLI/UI filters) and soft boosts (drafting prefers the user's unit type, period
and the section's topic) are applied in memory on the catalogue loaded with the index, which
keeps a filtered query as fast as an unfiltered one; Chroma's `where` is used only as a
fallback when a filter leaves too few dense candidates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from drafter.index import CorpusIndex
from drafter.tokenize import tokenize

RRF_K = 60
FILTER_KEYS = ("unit_type", "period", "role", "topic")


@dataclass
class SearchResult:
    id: str
    text: str
    score: float
    source: str
    article: str
    heading: str
    unit_type: str
    period: str
    role: str
    topic: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class Retriever:
    def __init__(self, index: CorpusIndex, candidates: int = 100) -> None:
        self.index = index
        self.candidates = candidates

    def search(
        self,
        query: str,
        k: int = 5,
        filters: dict[str, str] | None = None,
        prefer: dict[str, str] | None = None,
        mode: str = "hybrid",
    ) -> list[SearchResult]:
        """Top-k chunks for a query. `filters` must match; `prefer` only lifts the ranking."""
        filters = {key: v for key, v in (filters or {}).items() if v}
        prefer = {key: v for key, v in (prefer or {}).items() if v}
        if self.index.is_empty() or not query.strip():
            return []
        mask = self._mask(filters)
        if mask is not None and not mask.any():
            return []
        rankings: list[list[int]] = []
        if mode in ("hybrid", "bm25"):
            rankings.append(self._bm25_rows(query, mask))
        if mode in ("hybrid", "dense"):
            rankings.append(self._dense_rows(query, mask, filters))
        scores: dict[int, float] = {}
        for ranking in rankings:
            for rank, row in enumerate(ranking):
                scores[row] = scores.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        if prefer:
            for row in scores:
                matches = sum(
                    1 for key, value in prefer.items() if self.index.column(key)[row] == value
                )
                scores[row] *= 1.0 + 0.25 * matches
        results: list[SearchResult] = []
        seen_texts: set[str] = set()
        for row in sorted(scores, key=lambda r: scores[r], reverse=True):
            key = self.index.chunks[row].text[:80]
            if key in seen_texts:  # the same passage reused by two articles: show it once
                continue
            seen_texts.add(key)
            results.append(self._result(row, scores[row]))
            if len(results) == k:
                break
        return results

    def _mask(self, filters: dict[str, str]) -> np.ndarray | None:
        if not filters:
            return None
        mask = np.ones(len(self.index.chunks), dtype=bool)
        for key, value in filters.items():
            mask &= self.index.column(key) == value
        return mask

    def _bm25_rows(self, query: str, mask: np.ndarray | None) -> list[int]:
        bm25 = self.index.bm25
        tokens = [t for t in tokenize(query) if t in bm25.vocab_dict] if bm25 is not None else []
        if not tokens:
            return []
        n = min(self.candidates, len(self.index.chunks))
        weight = mask.astype(np.float32) if mask is not None else None
        rows, scores = bm25.retrieve(
            [tokens], k=n, show_progress=False, weight_mask=weight, n_threads=0
        )
        return [int(r) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]

    def _dense_rows(self, query: str, mask: np.ndarray | None, filters: dict[str, str]) -> list[int]:
        collection = self.index.collection()
        total = collection.count()
        if not total:
            return []
        vector = self.index.embedder.embed_query(query).tolist()
        n = min(self.candidates, total)
        rows = self._rows(collection.query(query_embeddings=[vector], n_results=n, include=[]))
        if mask is not None:
            rows = [r for r in rows if mask[r]]
            if len(rows) < min(10, int(mask.sum())):  # filter too selective for the candidates
                where = _where(filters)
                hits = collection.query(
                    query_embeddings=[vector], n_results=min(n, int(mask.sum())), where=where, include=[]
                )
                rows = [r for r in self._rows(hits) if mask[r]]
        return rows

    def _rows(self, hits: dict) -> list[int]:
        rows = (self.index.row_of(i) for i in hits["ids"][0])
        return [r for r in rows if r is not None]

    def _result(self, row: int, score: float) -> SearchResult:
        chunk = self.index.chunks[row]
        meta = chunk.meta
        return SearchResult(
            id=chunk.id,
            text=chunk.text,
            score=round(score, 6),
            source=meta.get("source", ""),
            article=meta.get("article", ""),
            heading=meta.get("heading", ""),
            unit_type=meta.get("unit_type", ""),
            period=meta.get("period", ""),
            role=meta.get("role", ""),
            topic=meta.get("topic", ""),
        )


def _where(filters: dict[str, str]) -> dict:
    clauses = [{key: value} for key, value in filters.items()]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
