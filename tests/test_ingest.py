"""Ingest: the bundled corpus end to end, noise never stored, incremental and idempotent updates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drafter.config import BUNDLED_CORPUS, Settings
from drafter.embed import HashingEmbedder
from drafter.index import CorpusIndex
from drafter.ingest import IngestReport, ingest
from tests.support.corpus_fixtures import SAMPLES, noise_in, offline_settings, write_corpus

# More of what the web copies carry, beyond the list.
EXTRA_NOISE = re.compile(r"欢迎阅读|希望大家|精心整理|https?://|\*|\\|^#", re.MULTILINE)


def open_offline(settings: Settings, dim: int = 512) -> CorpusIndex:
    return CorpusIndex(settings, HashingEmbedder(dim))


def stored_by_source(index: CorpusIndex) -> dict[str, set[str]]:
    """Chunk ids per source file, read back from Chroma itself."""
    got = index.collection().get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
        out.setdefault(meta["source"], set()).add(chunk_id)
    return out


def assert_consistent(index: CorpusIndex, report: IngestReport) -> None:
    """Chroma, the BM25 catalogue and the report agree on what is stored."""
    fresh = open_offline(index.settings, index.embedder.dim)  # type: ignore[attr-defined]
    chroma_ids = fresh.stored_ids()
    catalogue = [c.id for c in fresh.chunks]
    assert len(catalogue) == len(set(catalogue)) == report.chunks
    assert set(catalogue) == chroma_ids
    assert fresh.bm25 is not None and fresh.bm25.scores["num_docs"] == report.chunks


# ---- the bundled corpus -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, IngestReport, IngestReport]:
    settings = offline_settings(tmp_path_factory.mktemp("bundled"))
    first = ingest([BUNDLED_CORPUS], settings, open_offline(settings))
    second = ingest([BUNDLED_CORPUS], settings, open_offline(settings))
    return settings, first, second


def test_bundled_corpus_finds_every_article(bundled) -> None:  # type: ignore[no-untyped-def]
    _, report, _ = bundled
    corpus_files = sorted(BUNDLED_CORPUS.glob("*.txt"))
    assert report.files == len(corpus_files) and report.skipped == []
    assert report.articles + report.duplicates == 40
    assert report.duplicates >= 2  # several summaries appear twice in the collected files
    assert report.added == report.chunks > report.articles and report.removed == 0
    assert report.sections >= report.articles * 3
    assert report.embedder == HashingEmbedder().id and not report.rebuilt


def test_bundled_corpus_stores_no_noise(bundled) -> None:  # type: ignore[no-untyped-def]
    settings, report, _ = bundled
    chunks = open_offline(settings).chunks
    assert len(chunks) == report.chunks
    for chunk in chunks:
        for field in (chunk.text, chunk.meta["heading"], chunk.meta["article"]):
            assert not noise_in(field), (noise_in(field), field[:200])
            assert not EXTRA_NOISE.search(field), (EXTRA_NOISE.search(field), field[:200])
    # The raw files really do carry that noise: the test would notice if cleaning stopped.
    raw = "".join(p.read_text(encoding="utf-8") for p in sorted(BUNDLED_CORPUS.glob("*.txt")))
    assert {"小编", "篇一", r"\_", "pinyin", "□", "xx", "202_", "20__", "__"} <= set(noise_in(raw))


def test_bundled_corpus_metadata(bundled) -> None:  # type: ignore[no-untyped-def]
    settings, report, _ = bundled
    index = open_offline(settings)
    sources = {p.name for p in BUNDLED_CORPUS.glob("*.txt")}
    articles = set()
    for chunk in index.chunks:
        meta = chunk.meta
        assert meta["source"] in sources
        assert meta["article"] and meta["role"] in {"opening", "body", "problems", "plans", "closing"}
        assert meta["unit_type"] and meta["period"] and meta["topic"]
        assert len(chunk.text) >= 30
        articles.add((meta["source"], meta["article"]))
    roles = {c.meta["role"] for c in index.chunks}
    assert roles >= {"opening", "body", "problems", "plans"}
    periods = {c.meta["period"] for c in index.chunks}
    assert {"年度", "上半年"} <= periods
    assert_consistent(index, report)


def test_second_run_changes_nothing(bundled) -> None:  # type: ignore[no-untyped-def]
    _, first, second = bundled
    assert (second.added, second.removed) == (0, 0)
    assert (second.files, second.articles, second.chunks, second.duplicates) == (
        first.files,
        first.articles,
        first.chunks,
        first.duplicates,
    )


def test_parse_cache_keeps_only_tracked_files(bundled) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    settings, report, _ = bundled
    db = sqlite3.connect(settings.data_dir / "ingest.sqlite3")
    try:
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        parses = db.execute("SELECT COUNT(*) FROM parses").fetchone()[0]
    finally:
        db.close()
    assert files == parses == report.files


# ---- incremental updates on a tmp corpus -------------------------------------------------------
def test_incremental_add_change_remove(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "enterprise.txt", "school.txt"))
    settings = offline_settings(tmp_path / "data")

    first = ingest([corpus], settings, open_offline(settings))
    assert (first.files, first.articles, first.removed) == (3, 1 * 3, 0)
    before = stored_by_source(open_offline(settings))
    assert set(before) == {"township.txt", "enterprise.txt", "school.txt"}
    assert first.added == first.chunks == sum(len(v) for v in before.values())

    # Add a file: only its chunks are added.
    (corpus / "street.txt").write_text(SAMPLES["street.txt"], encoding="utf-8")
    added = ingest([corpus], settings, open_offline(settings))
    after_add = stored_by_source(open_offline(settings))
    assert added.removed == 0 and added.added == len(after_add["street.txt"]) > 0
    assert {k: v for k, v in after_add.items() if k != "street.txt"} == before
    assert_consistent(open_offline(settings), added)

    # Change a file: its old chunks go, its new ones come, the others are untouched.
    changed_text = SAMPLES["school.txt"].replace("召开教代会两次", "召开教代会三次").replace(
        "开展读书交流活动4次。", "开展读书交流活动4次。\n四、加强经费管理，做好经审工作\n严格执行工会经费管理制度，全年开展经费审查2次，做到收支公开透明，接受会员监督。"
    )
    (corpus / "school.txt").write_text(changed_text, encoding="utf-8")
    changed = ingest([corpus], settings, open_offline(settings))
    after_change = stored_by_source(open_offline(settings))
    old_school, new_school = after_add["school.txt"], after_change["school.txt"]
    assert changed.removed == len(old_school - new_school) > 0
    assert changed.added == len(new_school - old_school) > 0
    assert changed.added > changed.removed - 1  # one section more than before
    assert {k: v for k, v in after_change.items() if k != "school.txt"} == {
        k: v for k, v in after_add.items() if k != "school.txt"
    }
    catalogue = "\n".join(c.text for c in open_offline(settings).chunks)
    assert "召开教代会三次" in catalogue and "召开教代会两次" not in catalogue
    assert "经费审查2次" in catalogue

    # Remove a file: its chunks go, nothing else changes.
    (corpus / "enterprise.txt").unlink()
    removed = ingest([corpus], settings, open_offline(settings))
    after_remove = stored_by_source(open_offline(settings))
    assert removed.added == 0 and removed.removed == len(after_change["enterprise.txt"])
    assert "enterprise.txt" not in after_remove
    assert after_remove == {k: v for k, v in after_change.items() if k != "enterprise.txt"}
    assert removed.files == 3
    assert_consistent(open_offline(settings), removed)

    # Unchanged: nothing to do.
    again = ingest([corpus], settings, open_offline(settings))
    assert (again.added, again.removed, again.chunks) == (0, 0, removed.chunks)
    assert not again.rebuilt


def test_duplicate_file_is_counted_not_stored(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "enterprise.txt"))
    (corpus / "township_copy.txt").write_text(
        "下面是小编整理的工会工作总结，欢迎阅读。\n" + SAMPLES["township.txt"], encoding="utf-8"
    )
    settings = offline_settings(tmp_path / "data")
    report = ingest([corpus], settings, open_offline(settings))
    assert (report.articles, report.duplicates) == (2, 1)
    assert set(stored_by_source(open_offline(settings))) == {"township.txt", "enterprise.txt"}

    # Once the original is gone, the copy is no longer a duplicate and takes its place.
    (corpus / "township.txt").unlink()
    report = ingest([corpus], settings, open_offline(settings))
    assert (report.articles, report.duplicates) == (2, 0)
    assert set(stored_by_source(open_offline(settings))) == {"township_copy.txt", "enterprise.txt"}


def test_single_files_accumulate_and_rebuild_flag(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path / "corpus", ("township.txt", "school.txt"))
    settings = offline_settings(tmp_path / "data")
    one = ingest([paths[0]], settings, open_offline(settings))
    two = ingest([paths[1]], settings, open_offline(settings))
    assert two.files == 2 and two.removed == 0 and two.chunks == one.chunks + two.added
    forced = ingest([paths[0], paths[1]], settings, open_offline(settings), rebuild=True)
    assert forced.rebuilt and forced.added == forced.chunks == two.chunks and forced.removed == 0


def test_switching_embedders_rebuilds_cleanly(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus")
    settings = offline_settings(tmp_path / "data")
    first = ingest([tmp_path / "corpus"], settings, open_offline(settings))
    other = open_offline(settings, dim=256)  # another embedder id and another vector size
    assert not other.embedder_matches()
    switched = ingest([tmp_path / "corpus"], settings, other)
    assert switched.rebuilt and switched.embedder == "offline-hash-v1-256"
    assert switched.added == switched.chunks == first.chunks and switched.removed == 0
    fresh = open_offline(settings, dim=256)
    assert fresh.embedder_matches()
    assert fresh.collection().metadata["embedder"] == "offline-hash-v1-256"
    assert_consistent(fresh, switched)
    back = ingest([tmp_path / "corpus"], settings, open_offline(settings))
    assert back.rebuilt and back.added == first.chunks


def test_switching_embedders_keeps_every_file_already_in_the_corpus(tmp_path: Path) -> None:
    """A new embedder re-embeds the whole corpus, not only the paths of this run (e.g. the UI's
    uploads stay when the bundled corpus is re-ingested for a new model)."""
    own, extra = write_corpus(tmp_path / "own", ("township.txt",)), write_corpus(tmp_path / "extra", ("school.txt",))
    settings = offline_settings(tmp_path / "data")
    ingest([own[0]], settings, open_offline(settings))
    before = ingest([extra[0]], settings, open_offline(settings))
    switched = ingest([extra[0]], settings, open_offline(settings, dim=256))
    assert switched.rebuilt and switched.files == 2
    assert switched.chunks == switched.added == before.chunks
    assert_consistent(open_offline(settings, dim=256), switched)
    forced = ingest([extra[0]], settings, open_offline(settings, dim=256), rebuild=True)
    assert forced.files == 1 and forced.chunks < before.chunks  # --rebuild starts from the paths given


def test_progress_callback_reports_each_stage(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus")
    settings = offline_settings(tmp_path / "data")
    events: list[tuple[str, int, int]] = []
    ingest([tmp_path / "corpus"], settings, open_offline(settings), progress=lambda *e: events.append(e))
    assert [e for e in events if e[0] == "read"] == [("read", 1, 3), ("read", 2, 3), ("read", 3, 3)]
    embeds = [e for e in events if e[0] == "embed"]
    assert embeds and embeds[-1][1] == embeds[-1][2] > 0


def test_report_serialises(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", ("street.txt",))
    settings = offline_settings(tmp_path / "data")
    data = json.loads(json.dumps(ingest([tmp_path / "corpus"], settings, open_offline(settings)).to_dict()))
    assert data["files"] == 1 and data["articles"] == 1 and data["skipped"] == []


def test_metadata_change_without_text_change_is_updated(tmp_path: Path) -> None:
    """Editing only a file's title changes every chunk's unit type: the index must follow."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "school.txt"))
    settings = offline_settings(tmp_path / "data")
    ingest([corpus], settings, open_offline(settings))
    units = {c.meta["unit_type"] for c in open_offline(settings).chunks if c.meta["source"] == "township.txt"}
    assert units == {"乡镇/街道"}

    text = SAMPLES["township.txt"].replace("青山镇总工会2025年工作总结", "红星机械公司工会2025年工作总结", 1)
    (corpus / "township.txt").write_text(text, encoding="utf-8")
    report = ingest([corpus], settings, open_offline(settings))
    assert report.added > 0 and report.removed == report.added
    index = open_offline(settings)
    assert {c.meta["unit_type"] for c in index.chunks if c.meta["source"] == "township.txt"} == {"企业"}
    got = index.collection().get(where={"source": "township.txt"}, include=["metadatas"])
    assert {m["unit_type"] for m in got["metadatas"]} == {"企业"}


def test_file_that_becomes_unusable_loses_its_chunks(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "school.txt"))
    settings = offline_settings(tmp_path / "data")
    first = ingest([corpus], settings, open_offline(settings))
    (corpus / "school.txt").write_bytes(b"")
    report = ingest([corpus], settings, open_offline(settings))
    assert [Path(s["path"]).name for s in report.skipped] == ["school.txt"]
    assert report.files == 1 and report.added == 0 and report.removed == first.chunks - report.chunks > 0
    assert set(stored_by_source(open_offline(settings))) == {"township.txt"}
