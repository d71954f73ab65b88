"""Run in a child process by the benchmarks, so what it loads and how much memory it takes are
measured in a clean interpreter.

    python -m benchmarks.probe imports -- search 困难职工 --json   # the CLI, then heavy modules loaded
    python -m benchmarks.probe memory DATA_DIR                     # open an index, search, report RSS
"""

from __future__ import annotations

import json
import sys
import time

HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "chromadb", "bm25s", "jieba")
MARK = "BENCH-PROBE "


def _imports(argv: list[str]) -> int:
    from drafter.cli import main

    started = time.perf_counter()
    try:
        rc = main(argv)
    except SystemExit as exc:  # --help exits from argparse
        rc = exc.code if isinstance(exc.code, int) else 0
    elapsed = time.perf_counter() - started
    loaded = [m for m in HEAVY if m in sys.modules]
    print(MARK + json.dumps({"rc": rc, "seconds": round(elapsed, 3), "heavy": loaded}), file=sys.stderr)
    return 0


def _memory(data_dir: str) -> int:
    from pathlib import Path

    from benchmarks.common import self_peak_rss_mb
    from drafter.config import Settings
    from drafter.embed import HashingEmbedder
    from drafter.index import CorpusIndex
    from drafter.retrieve import Retriever

    before = self_peak_rss_mb()
    index = CorpusIndex(Settings(data_dir=Path(data_dir), embed_model="offline"), HashingEmbedder())
    started = time.perf_counter()
    index.load()
    loaded = time.perf_counter() - started
    chunk = index.chunks[0].meta
    retriever = Retriever(index)
    retriever.search("困难职工帮扶", k=5)
    retriever.search("困难职工帮扶", k=5, filters={"unit_type": chunk["unit_type"], "topic": chunk["topic"]})
    _ = index.vectors  # what a selective filter loads
    print(
        MARK
        + json.dumps(
            {
                "chunks": len(index.chunks),
                "load_s": round(loaded, 3),
                "rss_before_mb": before,
                "peak_rss_mb": self_peak_rss_mb(),
            }
        )
    )
    return 0


def parse(output: str) -> dict:
    """The probe's JSON line from a child's output ({} if it printed none)."""
    for line in output.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    return {}


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["imports"]:
        sys.exit(_imports(args[2:] if args[1:2] == ["--"] else args[1:]))
    if args[:1] == ["memory"] and len(args) == 2:
        sys.exit(_memory(args[1]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
