"""The corpus catalogue in PostgreSQL with vectors in a Chroma server (several app instances).

Real services on loopback: the session's PostgreSQL (a fresh database per test) and a
`chroma run` server per test. Instances are separate processes with separate, empty data dirs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from drafter.catalogue import INGEST_LOCK, DatabaseCorpusIndex, current_version
from drafter.config import Settings
from drafter.index import open_index
from drafter.ingest import ingest
from drafter.retrieve import Retriever
from tests.support.chroma import ChromaServer, chroma_cli
from tests.support.corpus_fixtures import ROOT, cli_env, write_corpus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

POLL = 0.5  # DRAFTER_CATALOGUE_POLL for these tests
REACH_LIMIT = 15.0  # the other instance must search the new chunks within this many seconds


@pytest.fixture
def services(postgres_server: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of an instance: a fresh database and a Chroma server of its own."""
    if chroma_cli() is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb)")
    url = postgres_server.new_database()
    with ChromaServer(tmp_path / "chroma-server") as chroma:
        yield {
            "DRAFTER_DATABASE_URL": url,
            "DRAFTER_CHROMA_HOST": "127.0.0.1",
            "DRAFTER_CHROMA_PORT": str(chroma.port),
            "DRAFTER_CATALOGUE_POLL": str(POLL),
        }
    from drafter.pg_store import close_pools

    close_pools()


def instance_settings(data_dir: Path, services: dict[str, str]) -> Settings:
    return Settings.from_env(env={"DRAFTER_DATA_DIR": str(data_dir), "DRAFTER_EMBED_MODEL": "offline", **services})


# The second instance: loads the catalogue, says how many chunks it has, then searches for the
# street summary's words until its chunks come back (bounded), printing when it saw them.
WATCHER = textwrap.dedent(
    """
    import json, sys, time
    from drafter.config import Settings
    from drafter.index import open_index
    from drafter.retrieve import Retriever

    index = open_index(Settings.from_env())
    retriever = Retriever(index)
    retriever.search("工会", k=1)
    print(json.dumps({"chunks": len(index.chunks), "version": index.loaded_version}), flush=True)
    deadline = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < deadline:
        hits = retriever.search("区域性集体合同 劳动争议 追回欠薪", k=3)
        if any(h.source == "street.txt" for h in hits):
            print(json.dumps({"seen_at": time.time(), "chunks": len(index.chunks),
                              "version": index.loaded_version}), flush=True)
            break
        time.sleep(0.05)
    else:
        print(json.dumps({"seen_at": None}), flush=True)
    """
)


def test_an_ingest_on_one_instance_reaches_the_other_without_a_restart(
    services: dict[str, str], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "enterprise.txt", "school.txt"))
    settings = instance_settings(tmp_path / "a", services)
    index = open_index(settings)
    assert isinstance(index, DatabaseCorpusIndex)
    first = ingest([corpus], settings, index)
    assert first.added == first.chunks > 0
    assert current_version(settings.database_url) == 1

    env = cli_env(tmp_path / "b", **services)
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(REACH_LIMIT + 30)],
        env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert watcher.stdout is not None
        started = json.loads(watcher.stdout.readline() or "{}")
        assert started == {"chunks": first.chunks, "version": 1}, watcher.stderr.read() if watcher.stderr else ""
        write_corpus(corpus, ("street.txt",))
        ingested_at = time.time()
        second = ingest([corpus], settings, index)
        assert second.added > 0 and second.chunks == first.chunks + second.added
        seen = json.loads(watcher.stdout.readline() or "{}")
        watcher.wait(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait(timeout=10)
    assert seen.get("seen_at") is not None, "the other instance never saw the new chunks"
    delay = seen["seen_at"] - ingested_at
    assert delay < REACH_LIMIT and seen["version"] == 2 and seen["chunks"] == second.chunks
    print(f"\nnew corpus version searched on the other instance {delay:.2f}s after the ingest began")
    # the second instance kept nothing in its data dir but lock files
    kept = {p.name for p in (tmp_path / "b").rglob("*")} if (tmp_path / "b").exists() else set()
    assert kept <= {"index.lock", "setup.lock"}, kept
    # this instance searches the new version too (its own ingest refreshed it)
    assert any(h.source == "street.txt" for h in Retriever(index).search("追回欠薪", k=3))


def waiting_for_ingest_lock(con: psycopg.Connection[Any]) -> int:
    row = con.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted"
    ).fetchone()
    return int(row[0]) if row else 0


def test_two_instances_ingesting_at_once_take_turns_and_never_corrupt(
    services: dict[str, str], tmp_path: Path
) -> None:
    """Both wait while a third party holds the ingest lock, then run one after the other."""
    one, two = tmp_path / "one", tmp_path / "two"
    write_corpus(one, ("township.txt", "enterprise.txt"))
    write_corpus(two, ("school.txt", "street.txt"))
    url = services["DRAFTER_DATABASE_URL"]
    settings = instance_settings(tmp_path / "check", services)
    DatabaseCorpusIndex(settings, open_index(settings).embedder)  # creates the tables

    holder = psycopg.connect(url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (INGEST_LOCK,))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "drafter", "ingest", str(folder), "--json"],
            env=cli_env(tmp_path / f"data-{folder.name}", **services), cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for folder in (one, two)
    ]
    try:
        deadline = time.monotonic() + 90
        while waiting_for_ingest_lock(holder) < 2:  # both instances are queued behind the holder
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "the two ingests never waited for the lock"
            time.sleep(0.2)
        assert current_version(url) == 0  # nobody wrote while the lock was held
        holder.close()  # releases the lock
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert "另一个程序正在更新范文库" in err
    reports = [json.loads(out) for out, _ in outputs]
    assert current_version(url) == 2

    # Integrity: the version's ids are exactly the stored rows and Chroma's vectors, every file
    # of both folders is in the catalogue (each ingest kept the other's files).
    with psycopg.connect(url) as con:
        ids = con.execute("SELECT ids FROM corpus_state").fetchone()[0].split("\n")
        rows = {r[0] for r in con.execute("SELECT id FROM corpus_chunks")}
        files = {Path(r[0]).name for r in con.execute("SELECT path FROM corpus_files")}
    assert len(ids) == len(set(ids)) == len(rows) and set(ids) == rows
    assert files == {"township.txt", "enterprise.txt", "school.txt", "street.txt"}
    assert max(r["chunks"] for r in reports) == len(ids)
    index = open_index(instance_settings(tmp_path / "reader", services))
    assert index.vector_count() == len(ids)
    sources = {c.meta["source"] for c in index.chunks}
    assert sources == files


def test_chroma_down_mid_draft_keeps_finished_sections_and_work_resumes(
    postgres_server: Any, tmp_path: Path
) -> None:
    from drafter.drafting import DraftEvents
    from drafter.facts import load_facts
    from drafter.index import SearchServiceUnavailable
    from drafter.services import make_drafter, open_store

    if chroma_cli() is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb)")
    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    try:
        settings = instance_settings(tmp_path / "a", {
            "DRAFTER_DATABASE_URL": postgres_server.new_database(),
            "DRAFTER_CHROMA_HOST": "127.0.0.1", "DRAFTER_CHROMA_PORT": str(chroma.port),
        })

        class StopChromaAfterTwo(DraftEvents):
            done: list[int] = []

            def section_done(self, position: int, section: object) -> None:
                self.done.append(position)
                if len(self.done) == 2:
                    chroma.stop()

        drafter = make_drafter(settings, offline=True, events=StopChromaAfterTwo())
        with pytest.raises(SearchServiceUnavailable) as info:
            drafter.draft(load_facts(ROOT / "examples" / "township.yaml"), offline=True)
        assert "范文检索服务" in info.value.message and info.value.exit_code == 3
        store = open_store(settings)
        [summary] = store.list_drafts()
        kept = store.get(summary.id)
        assert [bool(s.text) for s in kept.sections[:2]] == [True, True]
        assert not any(s.text for s in kept.sections[2:])

        chroma.start()  # the same port and folder: the client reconnects by itself
        result = drafter.regenerate(summary.id, offline=True)
        assert all(s.text for s in result.draft.sections)
    finally:
        chroma.stop()
        from drafter.pg_store import close_pools

        close_pools()
