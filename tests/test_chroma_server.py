"""Chroma in server mode: a real `chroma run` on loopback, ingest and search through HttpClient."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.embed import HashingEmbedder
from drafter.index import COLLECTION, CorpusIndex, make_chroma_client
from drafter.ingest import ingest
from drafter.retrieve import Retriever
from tests.support.chroma import ChromaServer, chroma_cli
from tests.support.corpus_fixtures import (
    cli_env,
    offline_settings,
    run_cli,
    write_corpus,
)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` on loopback for the test (tests/support/chroma.py)."""
    if chroma_cli() is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb)")
    with ChromaServer(tmp_path / "server-db") as server:
        yield server.port


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
