"""Cold start of the web app (`python app.py`) and the CLI's lazy imports."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import probe
from benchmarks.common import (
    ROOT,
    free_port,
    peak_rss_mb,
    python_env,
    run_python,
    stop_process,
    wait_http,
)

LLM_VARS = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DRAFTER_MODEL")


def app_env(data_dir: Path) -> dict[str, str]:
    env = python_env(
        {
            "DRAFTER_DATA_DIR": str(data_dir),
            "DRAFTER_EMBED_MODEL": "offline",
            "GRADIO_ANALYTICS_ENABLED": "False",
        }
    )
    for name in LLM_VARS:  # offline mode: never reach for a configured endpoint
        env.pop(name, None)
    return env


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 1024 / 1024
    except psutil.Error:
        return 0.0


def cold_start(data_dir: Path, log: Path, timeout: float = 60.0, settle_limit: float = 20.0) -> dict[str, Any]:
    """`python app.py --port N` until the first HTTP 200, then memory once the index is in."""
    app = ROOT / "app.py"
    if not app.exists():
        return {"skipped": "app.py 不存在"}
    port = free_port()
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(app), "--port", str(port), "--host", "127.0.0.1"],
            cwd=ROOT,
            env=app_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            ready = wait_http(f"http://127.0.0.1:{port}/", timeout, proc)
            to_200 = time.perf_counter() - started if ready is not None else None
            # The corpus index loads in a background thread: wait until memory stops growing.
            samples: list[float] = []
            deadline = time.perf_counter() + settle_limit
            while to_200 is not None and time.perf_counter() < deadline:
                samples.append(_tree_rss_mb(proc.pid))
                if len(samples) >= 8 and max(samples[-8:]) - min(samples[-8:]) < 2.0:
                    break
                time.sleep(0.25)
            peak = peak_rss_mb(proc.pid)
            exited = proc.poll()
        finally:
            stop_process(proc)
    result: dict[str, Any] = {
        "seconds_to_200": round(to_200, 2) if to_200 is not None else None,
        "peak_rss_mb": peak,
        "settled_rss_mb": round(samples[-1], 1) if samples else None,
    }
    if to_200 is None:
        result["error"] = f"no HTTP 200 within {timeout:.0f}s (exit code {exited}); see {log}"
    return result


def measure_cold_start(data_dir: Path, workdir: Path, runs: int = 3) -> dict[str, Any]:
    results = [cold_start(data_dir, workdir / f"app-{n}.log") for n in range(runs)]
    if "skipped" in results[0]:
        return results[0]
    times = [r["seconds_to_200"] for r in results if r.get("seconds_to_200") is not None]
    return {
        "runs": results,
        "first_s": results[0].get("seconds_to_200"),
        "median_s": round(statistics.median(times), 2) if times else None,
        "max_s": max(times) if times else None,
        "peak_rss_mb": max((r["peak_rss_mb"] or 0) for r in results),
    }


def measure_cli(data_dir: Path, runs: int = 3) -> dict[str, Any]:
    """Wall time of `drafter --help` and `drafter search` (offline), and what each imported."""
    env = app_env(data_dir)
    out: dict[str, Any] = {}
    for name, argv in (
        ("help", ["--help"]),
        ("search", ["search", "困难职工帮扶", "--topic", "帮扶", "--json"]),
    ):
        walls = []
        for _ in range(runs):
            wall, done = run_python(["-m", "drafter", *argv], env)
            if done.returncode != 0:
                out[name] = {"error": done.stderr[-500:]}
                break
            walls.append(wall)
        else:
            _, done = run_python(["-m", "benchmarks.probe", "imports", "--", *argv], env)
            info = probe.parse(done.stderr)
            out[name] = {
                "wall_s_median": round(statistics.median(walls), 3),
                "heavy_modules": info.get("heavy"),
                "lazy_ok": not set(info.get("heavy") or []) & {"torch", "sentence_transformers", "gradio"},
            }
    code = f"import sys, drafter.cli; print(sorted(m for m in {probe.HEAVY!r} if m in sys.modules))"
    _, done = run_python(["-c", code], env)
    out["import_drafter_cli"] = done.stdout.strip()
    return out


def measure_index_memory(data_dir: Path) -> dict[str, Any]:
    """RSS of a clean process that opened the index and ran a filtered search."""
    _, done = run_python(["-m", "benchmarks.probe", "memory", str(data_dir)], python_env(), timeout=300)
    return probe.parse(done.stdout) or {"error": done.stderr[-500:]}
