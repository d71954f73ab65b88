"""A real `chroma run` server on loopback for tests and benchmarks, stopped on exit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.corpus_fixtures import free_port

STARTUP_LIMIT = 60.0


def chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.is_file() else shutil.which("chroma")


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


class ChromaServer:
    """`chroma run --path <folder>` on 127.0.0.1 and a free port; `stop()`/`start()` for outages."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        exe = chroma_cli()
        if exe is None:
            raise FileNotFoundError("the `chroma` command is not installed (pip install chromadb)")
        self.exe, self.folder, self.port = exe, folder, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder.with_name(folder.name + ".log")

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.exe, "run", "--path", str(self.folder), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_LIMIT
        while not heartbeat(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"chroma did not answer within {STARTUP_LIMIT:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> ChromaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
