"""Several processes on one data dir (issue 10): the writer lock, versioned BM25 folders with an
atomic pointer, race-free first-time creation. Real subprocesses and real files throughout.

The two scenarios live in benchmarks/process_safety.py (which repeats them with larger
bounds); here they run small enough for CI.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.process_safety import FACTS, cli_env, ingest_while_searching, parallel_drafts
from drafter import locks
from drafter.config import BUNDLED_CORPUS
from drafter.embed import HashingEmbedder
from drafter.index import WRITER_LOCK, CorpusIndex
from drafter.ingest import ingest
from drafter.retrieve import Retriever
from drafter.versions import POINTER
from tests.support.corpus_fixtures import ROOT, offline_settings, write_corpus


def index_of(data: Path) -> CorpusIndex:
    return CorpusIndex(offline_settings(data), HashingEmbedder())


def versions_on_disk(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "bm25").glob("v-*"))


def test_four_parallel_drafts_on_an_empty_data_dir_all_succeed(tmp_path: Path) -> None:
    counts = parallel_drafts(tmp_path, rounds=2)
    assert counts.runs == 8
    assert counts.problems == []
    assert (counts.crashes, counts.lost_drafts) == (0, 0)


def test_searches_during_ingests_each_see_one_complete_version(tmp_path: Path) -> None:
    counts = ingest_while_searching(
        tmp_path, ingest_rounds=3, seconds=45, search_loops=1, searches_per_loop=8, reader_limit=400
    )
    assert counts.problems == []
    # the first ingest, a file added, a rebuild, a file changed (time allowing)
    assert counts.ingests >= 3 and counts.ingest_errors == 0
    assert counts.versions == counts.ingests - (counts.ingests >= 3)  # the rebuild's is the same
    assert counts.cli_searches >= 2 and counts.reader_loads >= 20
    assert (counts.errors, counts.inconsistent) == (0, 0)
    assert counts.old_versions_left == 0


def test_a_dead_writer_never_leaves_the_lock_held(tmp_path: Path) -> None:
    lock = tmp_path / WRITER_LOCK
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from drafter import locks\n"
         "with locks.exclusive(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
         str(lock)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert locks.try_exclusive(lock) is None  # held by the other process
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs in the holder
        holder.wait(timeout=10)
    fd = locks.try_exclusive(lock)
    assert fd is not None
    try:
        assert locks.try_exclusive(lock) is None  # ours now
    finally:
        os.close(fd)


def read_until(proc: subprocess.Popen[bytes], text: str, seconds: float) -> str:
    """What the process wrote to stderr until `text` appeared (or it exited, or time ran out)."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + seconds
    while text.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stderr.fileno(), 4096) if ready else b""
        if not chunk:
            break
        seen += chunk
    return seen.decode("utf-8")


def test_a_process_that_waited_for_the_lock_does_not_ingest_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    index = index_of(data)
    with index.writing():  # as if another process were ingesting the bundled corpus
        draft = subprocess.Popen(
            [sys.executable, "-m", "drafter", "draft", str(FACTS), "--offline", "-o", str(tmp_path / "d.json")],
            env=cli_env(data, tmp_path), cwd=ROOT, stderr=subprocess.PIPE,
        )
        waiting = "另一个程序正在准备范文库"
        stderr = read_until(draft, waiting, seconds=60)  # it found no corpus and waits for us
        assert waiting in stderr
        ingest([BUNDLED_CORPUS], index.settings, index)
        published = versions_on_disk(data)
    stderr += draft.communicate(timeout=120)[1].decode("utf-8")
    assert draft.returncode == 0, stderr
    assert "首次使用" not in stderr  # it found our corpus and did not ingest it again
    assert versions_on_disk(data) == published and len(published) == 1
    assert (tmp_path / "d.json").is_file()


def test_a_version_being_read_is_kept_until_the_reader_is_done(tmp_path: Path) -> None:
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    write_corpus(corpus, ("township.txt",))
    first = index_of(data)
    ingest([corpus], first.settings, first)
    old = first.versions.current()
    assert old is not None and old.name.startswith("v-")
    write_corpus(corpus, ("township.txt", "school.txt"))
    env = cli_env(data, tmp_path)
    with first.versions.reading() as held:  # a reader in the middle of loading
        assert held == old
        done = subprocess.run([sys.executable, "-m", "drafter", "ingest", str(corpus)], env=env,
                              cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
        assert done.returncode == 0, done.stderr
        assert first.versions.current() != old  # the new version is published…
        assert (old / "chunks.jsonl").read_text(encoding="utf-8")  # …and the old one still whole
    # the next writer (or a reader that loaded the old version) deletes it once nobody reads it
    again = subprocess.run([sys.executable, "-m", "drafter", "ingest", str(corpus)], env=env,
                           cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert again.returncode == 0, again.stderr
    assert not old.exists() and versions_on_disk(data) == [first.versions.current().name]
    assert {c.meta["source"] for c in index_of(data).chunks} == {"township.txt", "school.txt"}


def test_a_data_dir_in_the_old_layout_is_read_then_migrated(tmp_path: Path) -> None:
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "school.txt"))
    index = index_of(data)
    ingest([corpus], index.settings, index)
    # turn it into the layout before versions: files straight in bm25/, no pointer
    bm25 = data / "bm25"
    version = index.versions.current()
    assert version is not None
    for name in ("bm25", "chunks.jsonl", "vectors.npy"):
        (version / name).rename(bm25 / name)
    shutil.rmtree(version)
    (bm25 / POINTER).unlink()
    (data / "bm25.tmp").mkdir()  # the old shared build folder, left by a crash

    old = index_of(data)
    assert {c.meta["source"] for c in old.chunks} == {"township.txt", "school.txt"}
    assert old.vectors is not None and len(old.vectors) == len(old.chunks)
    assert Retriever(old).search("金秋助学", k=3)

    write_corpus(corpus, ("township.txt", "school.txt", "street.txt"))
    report = ingest([corpus], old.settings, index_of(data))
    assert report.added > 0 and not report.rebuilt  # no re-ingest of what was there
    assert (bm25 / POINTER).is_file() and len(versions_on_disk(data)) == 1
    assert not any((bm25 / name).exists() for name in ("bm25", "chunks.jsonl", "vectors.npy"))
    assert not (data / "bm25.tmp").exists()
    fresh = index_of(data)
    assert {c.meta["source"] for c in fresh.chunks} == {"township.txt", "school.txt", "street.txt"}
    assert fresh.vectors is not None and len(fresh.vectors) == len(fresh.chunks)


def test_a_crashed_build_is_cleaned_up_by_the_next_ingest(tmp_path: Path) -> None:
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    write_corpus(corpus, ("township.txt",))
    index = index_of(data)
    ingest([corpus], index.settings, index)
    crashed = data / "bm25" / "build-deadbeef0000"
    crashed.mkdir()
    (crashed / "chunks.jsonl").write_text("{half", encoding="utf-8")
    assert len(index_of(data).chunks) > 0  # readers never look at builds
    ingest([corpus], index.settings, index_of(data))
    assert not crashed.exists()


DENSE_CHECK = """
import json, sys
import numpy as np
from pathlib import Path
from drafter.config import Settings
from drafter.embed import HashingEmbedder
from drafter.index import CorpusIndex
index = CorpusIndex(Settings(data_dir=Path(sys.argv[1]), embed_model="offline"), HashingEmbedder())
catalogue = {c.id for c in index.chunks}
col = index.collection()
query = np.ones(HashingEmbedder().dim, dtype=np.float32).tolist()
found = set(col.query(query_embeddings=[query], n_results=col.count(), include=[])["ids"][0])
print(json.dumps({"catalogue": len(catalogue), "count": col.count(), "found": len(found),
                  "missing": len(catalogue - found), "extra": len(found - catalogue)}))
"""


def test_a_long_running_writer_keeps_other_processes_vectors(tmp_path: Path) -> None:
    """The web app stays up while the CLI ingests; its own later ingest must not save its old
    copy of Chroma's vector graph over the CLI's (those vectors would vanish from search)."""
    from benchmarks import synth

    data = tmp_path / "data"
    for n, name in enumerate(("first", "cli", "app")):
        synth.generate(tmp_path / name, 1200, seed=n)  # over Chroma's 1000-vector save threshold
    app = index_of(data)  # the long-running process: ingests, then searches (Chroma loads)
    ingest([tmp_path / "first"], app.settings, app)
    assert Retriever(app).search("困难职工帮扶", k=3)
    cli = subprocess.run([sys.executable, "-m", "drafter", "ingest", str(tmp_path / "cli")],
                         env=cli_env(data, tmp_path), cwd=ROOT, capture_output=True, text=True,
                         encoding="utf-8", timeout=120)
    assert cli.returncode == 0, cli.stderr
    upload = CorpusIndex(app.settings, app.embedder, client=app.client)  # as the app's upload does
    ingest([tmp_path / "app"], app.settings, upload)
    check = subprocess.run([sys.executable, "-c", DENSE_CHECK, str(data)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    seen = json.loads(check.stdout)
    assert seen["catalogue"] == seen["count"] > 2000
    assert (seen["missing"], seen["extra"]) == (0, 0), seen
