"""Process safety: many `drafter` processes on one data dir (issue 10), with real subprocesses.

1. Parallel drafts: 4 `drafter draft examples/township.yaml --offline -o …` start at once on an
   empty data dir, so all of them find no corpus and race to ingest it. Each must exit 0
   without a traceback, print its draft id, write its file, and the draft must be in the store.
2. Ingest while searching: `drafter ingest` of a folder whose files are added, changed and
   removed round after round (with a `--rebuild` among them), while other processes search in loops: `drafter search` runs
   and one fast reader that opens the index again and again. Every chunk of the test corpus
   holds the query word and k exceeds the chunk count, so a correct answer is exactly the whole
   catalogue of one published version; a mix of versions or half an index shows as a mismatch.

    python -m benchmarks.process_safety [--rounds 10] [--ingest-rounds 8] [--seconds 180]

prints the counts and exits 1 if anything crashed, was lost or was inconsistent. The CI test
(tests/test_process_safety.py) runs the same scenarios with smaller bounds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import ROOT, python_env
from drafter import locks
from drafter.index import WRITER_LOCK
from drafter.versions import VersionedDir

FACTS = ROOT / "examples" / "township.yaml"
DRAFT_ID = re.compile(r"草稿编号：([0-9a-f]{12})")
QUERY = "核验"  # the marker word put into every paragraph of the changing corpus
MARK = "（核验第{version}版）"
K = 200  # more than a version's chunks: a search returns the whole catalogue
MAX_CHUNKS = 90  # below the retriever's 100 BM25 candidates, so none is cut off
UNITS = 6  # synthetic summaries the changing folder draws from
PROCESS_TIMEOUT = 180.0


def cli_env(data_dir: Path, home: Path) -> dict[str, str]:
    """An isolated, offline child environment: own data dir and HOME, no LLM, no hub."""
    env = python_env({"HOME": str(home), "PYTHONIOENCODING": "utf-8"})
    for name in [k for k in env if k.startswith(("DRAFTER_", "OPENAI_"))]:
        del env[name]
    env.update(DRAFTER_DATA_DIR=str(data_dir), DRAFTER_EMBED_MODEL="offline", HF_HUB_OFFLINE="1")
    return env


def crashed(returncode: int, stderr: str) -> bool:
    return returncode != 0 or "Traceback" in stderr


# ---- 1. parallel drafts ----------------------------------------------------------------------
@dataclass
class DraftCounts:
    rounds: int = 0
    runs: int = 0
    crashes: int = 0
    lost_drafts: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def parallel_drafts(work: Path, rounds: int, processes: int = 4) -> DraftCounts:
    """`rounds` times: `processes` offline drafts at once on a new empty data dir."""
    from drafter.store import DraftNotFound, DraftStore

    counts = DraftCounts()
    started = time.perf_counter()
    for n in range(rounds):
        base = work / f"drafts-{n}"
        data = base / "data"
        base.mkdir(parents=True)
        env = cli_env(data, base)
        outs = [base / f"draft-{i}.json" for i in range(processes)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "drafter", "draft", str(FACTS), "--offline", "-o", str(out)],
                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8",
            )
            for out in outs
        ]
        ids: list[str | None] = []
        for proc, out in zip(procs, outs, strict=True):
            try:
                _, stderr = proc.communicate(timeout=PROCESS_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate()
                stderr += "\n(timed out)"
            counts.runs += 1
            found = DRAFT_ID.search(stderr)
            ids.append(found.group(1) if found else None)
            if crashed(proc.returncode, stderr):
                counts.crashes += 1
                counts.problems.append(f"round {n}: exit {proc.returncode}: {stderr.strip()[-400:]}")
            elif not out.is_file() or json.loads(out.read_text(encoding="utf-8")).get("id") != ids[-1]:
                counts.problems.append(f"round {n}: {out.name} missing or not the printed draft")
        store = DraftStore(data / "drafts.sqlite3")
        for draft_id in ids:
            try:
                if draft_id is None:
                    raise DraftNotFound("?")
                store.get(draft_id)
            except DraftNotFound:
                counts.lost_drafts += 1
        counts.rounds += 1
    counts.seconds = round(time.perf_counter() - started, 1)
    return counts


# ---- 2. ingest while searching ---------------------------------------------------------------
@dataclass
class SearchCounts:
    ingests: int = 0  # `drafter ingest` runs, every fourth with --rebuild
    ingest_errors: int = 0
    versions: int = 0  # distinct catalogues published (a rebuild publishes the same one again)
    cli_searches: int = 0
    reader_loads: int = 0
    errors: int = 0  # searches or loads that crashed or gave no answer
    inconsistent: int = 0  # answered, but not exactly the catalogue of one published version
    in_use_at_end: int = 0  # old versions still on disk when the loops stopped (a reader may hold one)
    old_versions_left: int = 0  # old versions left after the next writer's clean-up, no reader running
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.cli_searches + self.reader_loads


def digest(ids: list[str]) -> str:
    """One short name for a set of chunk ids (a search answer or a version's catalogue)."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


class ChangingCorpus:
    """A folder of synthetic summaries that each round adds, changes or removes a file in.
    Every paragraph carries the marker word with the file's version number."""

    def __init__(self, folder: Path, seed: int = 7) -> None:
        from benchmarks import synth

        rng = random.Random(seed)
        pools = synth.source_blocks()
        self.texts = [synth.synth_article(pools, rng)[0] for _ in range(UNITS)]
        self.folder = folder
        self.rng = rng
        self.version = {unit: 1 for unit in range(3)}  # unit → version, for files present
        self.next_version = 2
        folder.mkdir(parents=True, exist_ok=True)
        for unit in self.version:
            self._write(unit)

    def _write(self, unit: int) -> None:
        lines = self.texts[unit].split("\n")
        mark = MARK.format(version=self.version[unit])
        marked = lines[:1] + [line + mark if len(line) >= 20 else line for line in lines[1:]]
        (self.folder / f"unit_{unit}.txt").write_text("\n".join(marked), encoding="utf-8")

    def change(self, round_no: int) -> str:
        """One change, by turns: add a file, rebuild the whole index (files unchanged), change
        a file, remove one (at least two stay)."""
        absent = [u for u in range(UNITS) if u not in self.version]
        kind = ("add", "rebuild", "change", "remove")[round_no % 4]
        if kind == "rebuild":
            return kind
        if kind == "add" and not absent:
            kind = "remove"
        if kind == "remove" and len(self.version) <= 2:
            kind = "add" if absent else "change"
        if kind == "add":
            unit = self.rng.choice(absent)
        else:
            unit = self.rng.choice(sorted(self.version))
        if kind == "remove":
            del self.version[unit]
            (self.folder / f"unit_{unit}.txt").unlink()
        else:
            self.version[unit] = self.next_version
            self.next_version += 1
            self._write(unit)
        return f"{kind} unit_{unit}"


def published_catalogue(data: Path) -> tuple[str, list[str]]:
    """The digest of the version now published, checked to suit the scenario."""
    from drafter.config import Settings
    from drafter.embed import HashingEmbedder
    from drafter.index import CorpusIndex

    index = CorpusIndex(Settings(data_dir=data, embed_model="offline"), HashingEmbedder())
    chunks = index.chunks
    problems = []
    if len(chunks) > MAX_CHUNKS:
        problems.append(f"{len(chunks)} chunks: more than {MAX_CHUNKS}, searches would cut some off")
    if any(QUERY not in c.text for c in chunks):
        problems.append("a chunk without the marker word: searches would miss it")
    if len({c.text[:80] for c in chunks}) != len(chunks):
        problems.append("chunks sharing their first 80 characters: search shows them once")
    return digest([c.id for c in chunks]), problems


def _cli_search_loop(env: dict[str, str], stop: threading.Event, deadline: float, limit: int,
                     answers: list[str], counts: SearchCounts, lock: threading.Lock) -> None:
    for _ in range(limit):
        if stop.is_set() or time.monotonic() > deadline:
            return
        proc = subprocess.run(
            [sys.executable, "-m", "drafter", "search", QUERY, "-k", str(K), "--json"],
            env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
            timeout=PROCESS_TIMEOUT,
        )
        with lock:
            try:
                if crashed(proc.returncode, proc.stderr):
                    raise ValueError(f"exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
                answers.append(digest([hit["id"] for hit in json.loads(proc.stdout)]))
                counts.cli_searches += 1
            except ValueError as exc:  # json errors are ValueErrors too
                counts.errors += 1
                counts.problems.append(f"search: {exc}")


def reader(data: Path, stop: Path, seconds: float, limit: int) -> None:
    """The fast reader (a subprocess): open the index again and again while it changes, search
    it, and print one JSON line per answer (or error), without the CLI's start-up cost. Ends
    when the `stop` file appears, after `seconds` or after `limit` answers."""
    import traceback

    from drafter.config import Settings
    from drafter.embed import HashingEmbedder
    from drafter.index import CorpusIndex, make_chroma_client
    from drafter.retrieve import Retriever

    settings = Settings(data_dir=data, embed_model="offline")
    client = make_chroma_client(settings)
    deadline = time.monotonic() + seconds
    for _ in range(limit):
        if stop.exists() or time.monotonic() > deadline:
            break
        try:
            index = CorpusIndex(settings, HashingEmbedder(), client=client)
            hits = Retriever(index).search(QUERY, k=K)
            line = {"answer": digest([h.id for h in hits])}
        except Exception:
            line = {"error": traceback.format_exc()[-600:]}
        print(json.dumps(line), flush=True)
        time.sleep(0.01)  # leave the cores to the ingests and CLI searches it races with


def ingest_while_searching(work: Path, ingest_rounds: int, seconds: float, search_loops: int = 2,
                           searches_per_loop: int = 50, reader_limit: int = 5000) -> SearchCounts:
    """Ingest a changing folder `ingest_rounds` times (bounded by `seconds` too) while
    `search_loops` CLI search loops and one fast reader process run."""
    counts = SearchCounts()
    started = time.perf_counter()
    deadline = time.monotonic() + seconds
    data, corpus = work / "search" / "data", work / "search" / "corpus"
    env = cli_env(data, work / "search")
    folder = ChangingCorpus(corpus)
    published: set[str] = set()

    def ingest_once(what: str) -> None:
        rebuild = ["--rebuild"] if what == "rebuild" else []
        proc = subprocess.run(
            [sys.executable, "-m", "drafter", "ingest", str(corpus), "--json", *rebuild],
            env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
            timeout=PROCESS_TIMEOUT,
        )
        counts.ingests += 1
        if crashed(proc.returncode, proc.stderr):
            counts.ingest_errors += 1
            counts.problems.append(f"ingest ({what}): exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
            return
        version, problems = published_catalogue(data)
        published.add(version)
        counts.problems.extend(f"test corpus ({what}): {p}" for p in problems)

    ingest_once("first")
    stop, lock = threading.Event(), threading.Lock()
    answers: list[str] = []
    loops = [
        threading.Thread(
            target=_cli_search_loop,
            args=(env, stop, deadline, searches_per_loop, answers, counts, lock),
        )
        for _ in range(search_loops)
    ]
    stop_file = work / "search" / "stop"
    fast = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.process_safety", "--reader", str(data), "--stop", str(stop_file),
         "--seconds", str(max(1.0, deadline - time.monotonic())), "--limit", str(reader_limit)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )
    for loop in loops:
        loop.start()
    try:
        for n in range(ingest_rounds):
            if time.monotonic() > deadline:
                break
            ingest_once(folder.change(n))
    finally:
        stop.set()
        stop_file.touch()
        for loop in loops:
            loop.join()
        out, err = fast.communicate(timeout=PROCESS_TIMEOUT)
    for line in out.splitlines():
        row = json.loads(line)
        if "answer" in row:
            counts.reader_loads += 1
            answers.append(row["answer"])
        else:
            counts.errors += 1
            counts.problems.append(f"reader: {row['error']}")
    if "Traceback" in err:
        counts.errors += 1
        counts.problems.append(f"reader: {err.strip()[-400:]}")
    counts.versions = len(published)
    current = int((data / "bm25" / "CURRENT").exists())
    counts.in_use_at_end = len(list((data / "bm25").glob("v-*"))) - current
    # An old version a reader was loading at the last publish is deleted by the next writer, as
    # designed: clean up as that writer would (under the writer lock), then count what is left.
    with locks.exclusive(data / WRITER_LOCK):
        VersionedDir(data / "bm25").collect()
    counts.old_versions_left = len(list((data / "bm25").glob("v-*"))) - current
    counts.inconsistent = sum(1 for answer in answers if answer not in published)
    counts.seconds = round(time.perf_counter() - started, 1)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 4 parallel drafts")
    parser.add_argument("--ingest-rounds", type=int, default=8, help="changes of the ingested folder")
    parser.add_argument("--seconds", type=float, default=180.0, help="time bound of the search scenario")
    parser.add_argument("--reader", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=2000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reader:
        reader(args.reader, args.stop, args.seconds, args.limit)
        return 0
    with tempfile.TemporaryDirectory(prefix="drafter-safety-") as tmp:
        drafts = parallel_drafts(Path(tmp), args.rounds)
        print(
            f"parallel drafts: {drafts.rounds} rounds × 4 processes = {drafts.runs} runs, "
            f"{drafts.crashes} crashes, {drafts.lost_drafts} lost drafts ({drafts.seconds} s)"
        )
        search = ingest_while_searching(Path(tmp), args.ingest_rounds, args.seconds)
        print(
            f"ingest while searching: {search.ingests} ingests ({search.ingest_errors} failed, "
            f"{search.versions} versions), {search.answered} searches answered "
            f"({search.cli_searches} CLI, {search.reader_loads} fast reader), {search.errors} errors, "
            f"{search.inconsistent} not from one complete version, {search.in_use_at_end} old versions "
            f"still on disk at the end, {search.old_versions_left} after the next clean-up ({search.seconds} s)"
        )
    for problem in drafts.problems + search.problems:
        print("  " + problem)
    bad = drafts.crashes + drafts.lost_drafts + search.ingest_errors + search.errors + search.inconsistent
    return 1 if bad or drafts.problems or search.problems else 0


if __name__ == "__main__":
    sys.exit(main())
