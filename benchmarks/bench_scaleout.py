"""Chroma in client/server mode: a `chroma run` server on loopback, started and stopped here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import measure_ingest
from benchmarks.bench_search import measure_search
from benchmarks.common import free_port, stop_process, wait_http
from drafter.config import Settings

STARTUP_LIMIT = 60.0


def chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.is_file() else shutil.which("chroma")


def measure_chroma_server(corpus: Path, workdir: Path, queries: int = 200) -> dict[str, Any]:
    exe = chroma_cli()
    if exe is None:
        return {"skipped": "chroma 命令不存在"}
    port = free_port()
    log_path = workdir / "chroma-server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(workdir / "chroma-server-db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            startup = wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", STARTUP_LIMIT, proc)
            if startup is None:
                return {"error": f"chroma run did not answer within {STARTUP_LIMIT:.0f}s; see {log_path}"}
            data_dir = workdir / "server-client-data"
            ingest_result = measure_ingest(corpus, data_dir, chroma_host="127.0.0.1", chroma_port=port)
            settings = Settings(data_dir=data_dir, embed_model="offline", chroma_host="127.0.0.1", chroma_port=port)
            search = measure_search(settings, queries=queries)
        finally:
            stop_process(proc)
    return {"server_startup_s": round(startup, 2), "ingest": ingest_result, "search": search}
