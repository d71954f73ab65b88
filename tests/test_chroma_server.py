"""Chroma in server mode: a real `chroma run` on loopback, ingest and search through HttpClient."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.embed import HashingEmbedder
from drafter.index import COLLECTION, CorpusIndex, make_chroma_client
from drafter.ingest import ingest
from drafter.retrieve import Retriever
from tests.support.corpus_fixtures import (
    cli_env,
    free_port,
    offline_settings,
    run_cli,
    write_corpus,
)

STARTUP_LIMIT = 60.0


def chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.is_file() else shutil.which("chroma")


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    exe = chroma_cli()
    if exe is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb)")
    port = free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while not _heartbeat(port):
            if proc.poll() is not None:
                pytest.fail(f"chroma exited with {proc.returncode}: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"chroma did not answer within {STARTUP_LIMIT:.0f} s")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.mark.slow
def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, chroma_server: int) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "enterprise.txt", "school.txt"))
    data = tmp_path / "data"
    env = cli_env(data, DRAFTER_CHROMA_HOST="127.0.0.1", DRAFTER_CHROMA_PORT=str(chroma_server))

    proc = run_cli(["ingest", str(corpus), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == report["chunks"] > 0
    assert not (data / "chroma").exists()  # nothing embedded on disk: the vectors went to the server

    proc = run_cli(["search", "金秋助学 互助保险", "--json", "-k", "3"], env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert results and results[0]["source"] == "township.txt" and results[0]["topic"] == "帮扶"

    # The server itself holds the collection, with the embedder recorded.
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    collection = client.get_collection(COLLECTION)
    assert collection.count() == report["chunks"]
    assert collection.metadata["embedder"] == HashingEmbedder().id

    # In-process, with settings read from the same variables: incremental update over HTTP.
    from drafter.config import Settings

    settings = Settings.from_env(env)
    assert (settings.chroma_host, settings.chroma_port) == ("127.0.0.1", chroma_server)
    (corpus / "school.txt").unlink()
    index = CorpusIndex(settings, HashingEmbedder())
    removed = ingest([corpus], settings, index)
    assert removed.removed > 0 and removed.added == 0
    assert collection.count() == removed.chunks
    assert not (data / "chroma").exists()
    results = Retriever(CorpusIndex(settings, HashingEmbedder())).search("教代会", k=5)
    assert results and all(r.source != "school.txt" for r in results)


def test_settings_without_host_use_the_embedded_client(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path)
    client = make_chroma_client(settings)
    assert (tmp_path / "chroma").is_dir()
    assert client.heartbeat() > 0
