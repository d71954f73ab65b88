"""Search latency: hybrid / BM25-only / dense-only, unfiltered and filtered (unit_type + topic).

Also times Chroma alone (unfiltered, and with the two-key `$and` filter) as the baseline the
Retriever's in-memory filtering is designed to avoid.
"""

from __future__ import annotations

import random
import time
from typing import Any

from benchmarks.common import QUERIES, latency_stats
from drafter.config import Settings
from drafter.embed import Embedder, HashingEmbedder
from drafter.index import CorpusIndex
from drafter.retrieve import Retriever


def _filters(index: CorpusIndex, rng: random.Random, n: int) -> list[dict[str, str]]:
    """unit_type + topic pairs drawn from real chunks, so each filter matches something."""
    chunks = index.chunks
    picks = [chunks[rng.randrange(len(chunks))].meta for _ in range(n)]
    return [{"unit_type": m.get("unit_type", ""), "topic": m.get("topic", "")} for m in picks]


def measure_search(
    settings: Settings,
    embedder: Embedder | None = None,
    queries: int = 200,
    seed: int = 7,
    client: Any = None,
) -> dict[str, Any]:
    """Latency per mode over `queries` queries against the index in `settings.data_dir`."""
    embedder = embedder or HashingEmbedder()
    started = time.perf_counter()
    index = CorpusIndex(settings, embedder, client=client)
    index.load()
    count = index.collection().count()
    load_s = time.perf_counter() - started
    retriever = Retriever(index)
    rng = random.Random(seed)
    texts = [QUERIES[i % len(QUERIES)] for i in range(queries)]
    rng.shuffle(texts)
    filters = _filters(index, rng, queries)
    share = sum(
        int(((index.column("unit_type") == f["unit_type"]) & (index.column("topic") == f["topic"])).sum())
        for f in filters
    ) / (len(filters) * max(1, len(index.chunks)))

    for q in QUERIES[:5]:  # warm-up: jieba, bm25s and Chroma caches
        retriever.search(q, k=5, filters=filters[0])
        retriever.search(q, k=5)

    def run(mode: str, filtered: bool) -> dict[str, float]:
        samples = []
        for text, flt in zip(texts, filters, strict=True):
            t0 = time.perf_counter()
            retriever.search(text, k=5, filters=flt if filtered else None, mode=mode)
            samples.append(time.perf_counter() - t0)
        return latency_stats(samples)

    modes: dict[str, dict[str, float]] = {}
    for mode in ("hybrid", "bm25", "dense"):
        modes[mode] = run(mode, False)
        modes[f"{mode}_filtered"] = run(mode, True)

    # Chroma alone, with the same query vectors: what a `where` filter costs in Chroma itself.
    collection = index.collection()
    vectors = [embedder.embed_query(t).tolist() for t in texts]
    plain, where = [], []
    for vector, flt in zip(vectors, filters, strict=True):
        t0 = time.perf_counter()
        collection.query(query_embeddings=[vector], n_results=min(100, count), include=[])
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        collection.query(
            query_embeddings=[vector],
            n_results=min(100, count),
            where={"$and": [{"unit_type": flt["unit_type"]}, {"topic": flt["topic"]}]},
            include=[],
        )
        where.append(time.perf_counter() - t0)
    modes["chroma_only"] = latency_stats(plain)
    modes["chroma_where_and"] = latency_stats(where)
    return {
        "chunks": len(index.chunks),
        "vectors": count,
        "load_s": round(load_s, 3),
        "filter_share": round(share, 4),
        "modes": modes,
    }


def agreement(settings: Settings, queries: int = 50, seed: int = 11) -> dict[str, float]:
    """Share of Chroma's own `where` top-5 that our filtered dense search also returns
    (our ranking of a selective filter's rows is exact; Chroma's HNSW is approximate)."""
    index = CorpusIndex(settings, HashingEmbedder())
    retriever = Retriever(index)
    rng = random.Random(seed)
    filters = _filters(index, rng, queries)
    col = index.collection()
    overlap = []
    for i, flt in enumerate(filters):
        text = QUERIES[i % len(QUERIES)]
        ours = [r.id for r in retriever.search(text, k=5, filters=flt, mode="dense")]
        hits = col.query(
            query_embeddings=[index.embedder.embed_query(text).tolist()],
            n_results=5,
            where={"$and": [{"unit_type": flt["unit_type"]}, {"topic": flt["topic"]}]},
            include=[],
        )
        theirs = hits["ids"][0]
        if theirs:
            overlap.append(len(set(ours) & set(theirs)) / len(theirs))
    return {"queries": len(overlap), "top5_overlap": round(sum(overlap) / max(1, len(overlap)), 3)}
