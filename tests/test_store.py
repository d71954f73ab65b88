"""Draft store: round trip, versions, undo (and its floor), locks, owners, the schema migration,
persistence, concurrency, crash safety.

Every test taking `store` or `location` runs twice: on a SQLite file and on a real PostgreSQL
server (tests/support/postgres.py; a fresh database per test)."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drafter.draft import Draft, Section, Signoff, Source, Warning
from drafter.store import (
    HAND_EDIT_NOTE,
    SCHEMA_VERSION,
    AdminOnly,
    DraftNotFound,
    DraftStore,
    NewerSchema,
    NothingToUndo,
    SectionLocked,
    SectionNotFound,
    open_draft_store,
)

ROOT = Path(__file__).resolve().parent.parent


def make_draft(title: str = "青山镇总工会2025年工作总结") -> Draft:
    return Draft(
        title=title,
        mode="llm",
        signoff=Signoff(unit_name="青山镇总工会", date="2025年12月31日"),
        facts={"unit_name": "青山镇总工会", "year": 2025, "facts": ["新建工会12家"]},
        sections=[
            Section(heading="", text="2025年，在镇党委的坚强领导下……现将工作总结如下：", role="opening"),
            Section(
                heading="抓组建，夯实工会组织基础",
                text="全年新建非公企业工会12家，新发展会员860人。",
                topic="组织建设",
                facts=["新建非公企业工会12家，新发展会员860人"],
                sources=[Source(source="001.txt", article="篇一", heading="一、组织建设", snippet="……")],
                warnings=[Warning(kind="invented_number", detail="数字“15”不在事实中", text="15")],
            ),
            Section(heading="存在的问题和不足", text="部分企业工会作用发挥不明显。", role="problems"),
        ],
    )


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """Where a test's drafts live: a SQLite file, or a fresh PostgreSQL database's address."""
    if request.param == "sqlite":
        yield tmp_path / "nested" / "dir" / "drafts.sqlite3"
        return
    server = request.getfixturevalue("postgres_server")
    yield server.new_database()
    from drafter.pg_store import close_pools

    close_pools()


@pytest.fixture
def store(location: str | Path) -> DraftStore:
    return open_draft_store(location)


def count_rows(store: DraftStore, sql: str, *params: Any) -> int:
    """A count straight from the store's database (either backend)."""
    with store._read() as con:
        return int(con.execute(sql, params).fetchone()[0])


def texts(store: DraftStore, draft_id: str, position: int) -> list[str]:
    return [h["text"] for h in store.history(draft_id, position)]


def test_create_get_round_trip(store: DraftStore) -> None:
    draft = make_draft()
    assert store.create(draft) == draft.id
    assert store.get(draft.id).to_dict() == draft.to_dict()
    if store.backend == "sqlite":
        assert store.path.parent.is_dir()
        con = sqlite3.connect(store.path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()


def test_missing_draft(store: DraftStore) -> None:
    with pytest.raises(DraftNotFound) as info:
        store.get("nope")
    assert str(info.value) == "找不到草稿 nope"
    for call in (
        lambda: store.save_section("nope", 0, Section(heading="", text="x")),
        lambda: store.undo("nope", 0),
        lambda: store.delete("nope"),
        lambda: store.history("nope", 0),
    ):
        with pytest.raises(DraftNotFound):
            call()
    draft = make_draft()
    store.create(draft)
    with pytest.raises(SectionNotFound):
        store.history(draft.id, 9)
    with pytest.raises(SectionNotFound):
        store.set_locked(draft.id, 9, True)


def test_versions_and_undo_twice(store: DraftStore) -> None:
    draft = make_draft()
    store.create(draft)
    for text in ("B", "C"):
        section = store.get(draft.id).sections[1]
        section.text = text
        store.save_section(draft.id, 1, section, note="改写")
    assert store.get(draft.id).sections[1].text == "C"

    assert store.undo(draft.id, 1).text == "B"
    assert store.get(draft.id).sections[1].text == "B"
    restored = store.undo(draft.id, 1)
    assert restored == draft.sections[1]  # all fields, sources and warnings included
    assert store.get(draft.id).to_dict() == draft.to_dict()
    with pytest.raises(NothingToUndo) as info:
        store.undo(draft.id, 1)
    assert "没有可以撤销" in str(info.value)

    history = store.history(draft.id, 1)
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5]
    assert [h["text"] for h in history][1:] == ["B", "C", "B", draft.sections[1].text]
    assert [h["note"] for h in history][3:] == ["撤销", "撤销"]

    # an edit after undoing, then undo: back to the state the edit replaced
    section = store.get(draft.id).sections[1]
    section.text = "D"
    assert store.save_section(draft.id, 1, section) == 6
    assert store.undo(draft.id, 1).text == draft.sections[1].text
    # other sections untouched
    assert len(store.history(draft.id, 0)) == 1 and len(store.history(draft.id, 2)) == 1


def test_lock_blocks_save_section_and_undo(store: DraftStore) -> None:
    draft = make_draft()
    store.create(draft)
    section = copy.deepcopy(draft.sections[1])
    section.text = "B"
    store.save_section(draft.id, 1, section)
    store.set_locked(draft.id, 1, True)
    assert store.get(draft.id).sections[1].locked
    section.text = "C"
    with pytest.raises(SectionLocked) as info:
        store.save_section(draft.id, 1, section)
    assert "已锁定" in str(info.value) and "抓组建" in str(info.value)
    with pytest.raises(SectionLocked):
        store.undo(draft.id, 1)
    assert texts(store, draft.id, 1) == [draft.sections[1].text, "B"]  # lock is not a version

    section.locked = True
    assert store.save_section(draft.id, 1, section, force=True) == 3
    store.set_locked(draft.id, 1, False)
    section.locked = False
    section.text = "D"
    assert store.save_section(draft.id, 1, section) == 4


def test_save_draft_writes_only_changes_and_skips_locked(store: DraftStore) -> None:
    draft = make_draft()
    store.create(draft)
    store.set_locked(draft.id, 2, True)

    edited = store.get(draft.id)
    edited.title = "青山镇总工会2025年度工作总结"
    edited.sections[1].text = "改过的正文"
    edited.sections[2].text = "不该被保存"  # locked
    edited.sections.append(Section(heading="下一步工作打算", text="继续推进建会。", role="plans"))
    assert store.save_draft(edited, note="整篇保存") == [1, 3]

    got = store.get(draft.id)
    assert got.title == edited.title
    assert got.sections[1].text == "改过的正文"
    assert got.sections[2].text == draft.sections[2].text and got.sections[2].locked
    assert got.sections[3].heading == "下一步工作打算"
    assert [len(store.history(draft.id, p)) for p in range(4)] == [1, 2, 1, 1]

    # saving the same draft again writes nothing
    assert store.save_draft(store.get(draft.id)) == []
    assert [len(store.history(draft.id, p)) for p in range(4)] == [1, 2, 1, 1]

    # a lock change alone is applied without a new version
    again = store.get(draft.id)
    again.sections[0].locked = True
    assert store.save_draft(again) == []
    assert store.get(draft.id).sections[0].locked
    assert len(store.history(draft.id, 0)) == 1


def test_sections_added_after_creation(store: DraftStore) -> None:
    draft = make_draft()
    draft.sections = []
    store.create(draft)
    assert store.get(draft.id).sections == []
    # generation finishes sections out of order
    store.save_section(draft.id, 2, Section(heading="三", text="c"))
    store.save_section(draft.id, 0, Section(heading="", text="a", role="opening"))
    with pytest.raises(ValueError):  # a gap: the draft is still being generated
        store.save_draft(store.get(draft.id))
    store.save_section(draft.id, 1, Section(heading="二", text="b"))
    assert [s.text for s in store.get(draft.id).sections] == ["a", "b", "c"]
    assert store.save_draft(store.get(draft.id)) == []


def test_persistence_across_instances(location: str | Path) -> None:
    first = open_draft_store(location)
    draft = make_draft()
    first.create(draft)
    edited = copy.deepcopy(draft.sections[1])
    edited.text = "第二版"
    first.save_section(draft.id, 1, edited)
    first.set_locked(draft.id, 0, True)
    del first

    second = open_draft_store(location)
    got = second.get(draft.id)
    assert got.sections[1].text == "第二版" and got.sections[0].locked
    assert second.undo(draft.id, 1).text == draft.sections[1].text
    assert [s.id for s in second.list_drafts()] == [draft.id]


def test_list_and_delete(store: DraftStore) -> None:
    drafts = [make_draft(f"标题{i}") for i in range(4)]
    for d in drafts:
        store.create(d)
    assert [s.title for s in store.list_drafts()] == ["标题3", "标题2", "标题1", "标题0"]
    section = copy.deepcopy(drafts[1].sections[0])
    section.text = "更新"
    store.save_section(drafts[1].id, 0, section)
    summaries = store.list_drafts(limit=2)
    assert [s.title for s in summaries] == ["标题1", "标题3"]
    assert summaries[0].mode == "llm" and summaries[0].updated_at > summaries[0].created_at

    store.delete(drafts[1].id)
    with pytest.raises(DraftNotFound):
        store.get(drafts[1].id)
    assert len(store.list_drafts()) == 3
    assert count_rows(store, "SELECT COUNT(*) FROM section_versions WHERE draft_id=?", drafts[1].id) == 0


def test_create_twice_refused(store: DraftStore) -> None:
    draft = make_draft()
    store.create(draft)
    with pytest.raises(Exception, match="已存在"):
        store.create(draft)


def test_concurrent_writers(location: str | Path) -> None:
    """8 users on their own drafts + 4 workers on one draft; no lost write, no lock error."""
    shared_store = open_draft_store(location)
    shared = make_draft("共享草稿")
    shared.sections = [Section(heading="", text="start")]
    shared_store.create(shared)

    users, workers, rounds = 8, 4, 15
    barrier = threading.Barrier(users + workers)
    errors: list[BaseException] = []
    user_ids: list[str] = [""] * users

    def user(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            draft = make_draft(f"用户{i}")
            user_ids[i] = shared_store.create(draft)
            for r in range(rounds):
                section = copy.deepcopy(draft.sections[r % 3])
                section.text = f"u{i}-r{r}"
                shared_store.save_section(draft.id, r % 3, section)
                shared_store.get(draft.id)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    def worker(w: int) -> None:
        try:
            own = open_draft_store(location)  # separate instance, as a second process would have
            barrier.wait(timeout=30)
            for r in range(rounds):
                own.save_section(shared.id, 0, Section(heading="", text=f"w{w}-shared-{r}"))
                own.save_section(shared.id, w + 1, Section(heading=f"节{w}", text=f"w{w}-own-{r}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    threads += [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - start
    assert not any(t.is_alive() for t in threads)
    assert errors == [], errors[:3]

    for i, draft_id in enumerate(user_ids):
        got = open_draft_store(location).get(draft_id)
        assert got.title == f"用户{i}"
        total = sum(len(shared_store.history(draft_id, p)) for p in range(3))
        assert total == 3 + rounds
    shared_history = shared_store.history(shared.id, 0)
    assert [h["version"] for h in shared_history] == list(range(1, 2 + workers * rounds))
    assert {h["text"] for h in shared_history[1:]} == {
        f"w{w}-shared-{r}" for w in range(workers) for r in range(rounds)
    }
    got = shared_store.get(shared.id)
    assert [s.text for s in got.sections[1:]] == [f"w{w}-own-{rounds - 1}" for w in range(workers)]
    # 8*(1 create + 15 saves) + 4*30 saves = 248 write transactions
    print(f"\n248 write transactions from 12 threads in {elapsed:.2f}s ({shared_store.backend})")


CRASH_MID_TRANSACTION = textwrap.dedent(
    """
    import sys
    from drafter.store import _now, open_draft_store

    store = open_draft_store(sys.argv[1])
    draft_id = sys.argv[2]
    big = "半截写入" * 400_000  # several MB: pages spill into the WAL before commit
    with store._write() as con:
        current = store._current(con, draft_id, 1)
        values = {k: current[k] for k in current.keys()}
        values["text"] = big
        store._insert_version(con, draft_id, 1, values, current["version"], "crash", _now())
        con.execute("UPDATE drafts SET title='坏标题' WHERE id=?", (draft_id,))
        print("READY", flush=True)
        sys.stdin.readline()  # hold the transaction open until killed
    """
)


def run_child(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, cwd=ROOT,
    )


def test_crash_mid_transaction_keeps_last_good_version(location: str | Path) -> None:
    store = open_draft_store(location)
    draft = make_draft()
    store.create(draft)
    good = copy.deepcopy(draft.sections[1])
    good.text = "最后一个好版本"
    store.save_section(draft.id, 1, good)

    child = run_child(CRASH_MID_TRANSACTION, str(location), draft.id)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "READY", child.stderr.read() if child.stderr else ""
        if store.backend == "sqlite":
            wal = location.with_name(location.name + "-wal")  # type: ignore[union-attr]
            assert wal.stat().st_size > 1_000_000  # uncommitted pages really hit the disk
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    after = open_draft_store(location)
    got = after.get(draft.id)
    assert got.title == draft.title
    assert got.sections[1].text == "最后一个好版本"
    assert texts(after, draft.id, 1) == [draft.sections[1].text, "最后一个好版本"]
    if store.backend == "sqlite":
        con = sqlite3.connect(location)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    # the dead writer's lock is gone: writing works at once
    start = time.perf_counter()
    good.text = "崩溃之后"
    assert after.save_section(draft.id, 1, good) == 3
    assert time.perf_counter() - start < 5


CRASH_WHILE_SAVING = textwrap.dedent(
    """
    import sys
    from drafter.draft import Section
    from drafter.store import open_draft_store

    store = open_draft_store(sys.argv[1])
    draft_id = sys.argv[2]
    for i in range(100_000):
        section = Section(heading="节", text=f"v{i + 2}:" + "字" * 20_000)
        version = store.save_section(draft_id, 0, section)
        print(version, flush=True)
    """
)


def test_kill_during_continuous_saves_loses_no_committed_version(location: str | Path) -> None:
    store = open_draft_store(location)
    draft = make_draft()
    draft.sections = [Section(heading="节", text="v1")]
    store.create(draft)

    child = run_child(CRASH_WHILE_SAVING, str(location), draft.id)
    acknowledged = 0
    try:
        assert child.stdout is not None
        for _ in range(30):  # bounded: kill after 30 acknowledged commits
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            acknowledged = int(line)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)

    after = open_draft_store(location)
    history = after.history(draft.id, 0)
    versions = [h["version"] for h in history]
    assert versions == list(range(1, len(versions) + 1))
    assert len(versions) >= acknowledged  # every acknowledged commit survived
    for h in history[1:]:  # no half-written row
        assert h["text"] == f"v{h['version']}:" + "字" * 20_000
    assert after.get(draft.id).sections[0].text.startswith(f"v{versions[-1]}:")


# ---- the undo floor ------------------------------------------------------------------------------


def outline_only(draft: Draft) -> Draft:
    """The draft as drafting stores it before generation: every section still empty."""
    empty = copy.deepcopy(draft)
    for section in empty.sections:
        section.text = ""
    return empty


def generate(store: DraftStore, draft: Draft, prefix: str = "") -> None:
    """What generation does: save each section's text over the stored outline."""
    for position, section in enumerate(draft.sections):
        written = copy.deepcopy(section)
        written.text = prefix + section.text
        store.save_section(draft.id, position, written, note="生成")


def test_undo_right_after_generation_has_nothing_to_undo(store: DraftStore) -> None:
    draft = make_draft()
    store.create(outline_only(draft))
    generate(store, draft)
    with pytest.raises(NothingToUndo) as info:
        store.undo(draft.id, 1)
    assert str(info.value) == "“抓组建，夯实工会组织基础”一节没有可以撤销的修改。"
    with pytest.raises(NothingToUndo):
        store.undo(draft.id, 0)  # the opening too
    assert store.get(draft.id).sections[1].text == draft.sections[1].text  # nothing was emptied
    assert texts(store, draft.id, 1) == ["", draft.sections[1].text]


def test_undo_after_regeneration_returns_the_first_generated_text_and_stops_there(store: DraftStore) -> None:
    draft = make_draft()
    store.create(outline_only(draft))
    generate(store, draft)
    generate(store, draft, prefix="重写：")
    assert store.get(draft.id).sections[1].text.startswith("重写：")
    assert store.undo(draft.id, 1).text == draft.sections[1].text
    with pytest.raises(NothingToUndo):
        store.undo(draft.id, 1)
    assert store.get(draft.id).sections[1].text == draft.sections[1].text
    # a later edit can still be undone, back to the floor and no further
    edited = store.get(draft.id).sections[1]
    edited.text = "手工改过"
    store.save_section(draft.id, 1, edited, note=HAND_EDIT_NOTE)
    assert store.undo(draft.id, 1).text == draft.sections[1].text
    with pytest.raises(NothingToUndo):
        store.undo(draft.id, 1)


def test_undo_never_restores_the_empty_placeholder_of_an_older_file(store: DraftStore) -> None:
    """Files written before the floor rule link the first generated version to the empty one."""
    draft = make_draft()
    store.create(outline_only(draft))
    generate(store, draft)
    with store._write() as con:
        con.execute("UPDATE section_versions SET parent=1 WHERE draft_id=? AND version=2", (draft.id,))
    with pytest.raises(NothingToUndo):
        store.undo(draft.id, 1)
    assert store.get(draft.id).sections[1].text == draft.sections[1].text


def test_an_interrupted_generation_is_finished_without_an_undo_to_empty(store: DraftStore) -> None:
    """Sections still empty after a crash are written later (regenerate): still the floor."""
    draft = make_draft()
    store.create(outline_only(draft))
    written = copy.deepcopy(draft.sections[0])
    store.save_section(draft.id, 0, written, note="生成")  # the crash came after section 0
    generate(store, draft)  # regenerate writes all three
    with pytest.raises(NothingToUndo):
        store.undo(draft.id, 2)
    assert store.undo(draft.id, 0).text == draft.sections[0].text


def test_hand_edited_positions(store: DraftStore) -> None:
    draft = make_draft()
    store.create(outline_only(draft))
    generate(store, draft)
    assert store.hand_edited_positions(draft.id) == []
    edited = store.get(draft.id).sections[1]
    edited.text, edited.origin = "我自己写的这一节。", "user"
    store.save_section(draft.id, 1, edited, note=HAND_EDIT_NOTE)
    assert store.hand_edited_positions(draft.id) == [1]
    store.set_locked(draft.id, 1, True)  # locked sections are never regenerated anyway
    assert store.hand_edited_positions(draft.id) == []
    store.set_locked(draft.id, 1, False)
    polished = store.get(draft.id).sections[1]
    polished.text, polished.origin = "润色后：我自己写的这一节。", "llm"
    store.save_section(draft.id, 1, polished, note="润色")
    assert store.hand_edited_positions(draft.id) == []  # the model's text now
    store.undo(draft.id, 1)  # back to the user's own text
    assert store.hand_edited_positions(draft.id) == [1]


# ---- owners ----------------------------------------------------------------------------------------


def test_owner_views_see_and_change_only_their_own_drafts(store: DraftStore) -> None:
    alice, bob, nobody = store.for_owner("alice"), store.for_owner("bob"), store.for_owner("")
    mine = make_draft("爱丽丝的总结")
    alice.create(mine)
    assert mine.owner == "alice"
    theirs = make_draft("鲍勃的总结")
    bob.create(theirs)
    wrong = "0123456789ab"

    def attempts(view: DraftStore, draft_id: str) -> list[Any]:
        section = Section(heading="", text="鲍勃改的")
        stolen = copy.deepcopy(mine)
        stolen.id = draft_id
        stolen.title = "被改的标题"
        return [
            lambda: view.get(draft_id),
            lambda: view.save_section(draft_id, 1, section, force=True),
            lambda: view.save_draft(stolen),
            lambda: view.undo(draft_id, 1, force=True),
            lambda: view.set_locked(draft_id, 1, True),
            lambda: view.history(draft_id, 1),
            lambda: view.hand_edited_positions(draft_id),
            lambda: view.delete(draft_id),
        ]

    before = {i: texts(store, mine.id, i) for i in range(3)}
    for other, unknown in zip(attempts(bob, mine.id), attempts(bob, wrong), strict=True):
        with pytest.raises(DraftNotFound) as got:
            other()
        with pytest.raises(DraftNotFound) as missing:
            unknown()
        # word for word the answer for an id that does not exist
        assert str(got.value).replace(mine.id, "ID") == str(missing.value).replace(wrong, "ID")
    for call in attempts(nobody, mine.id)[:1]:
        with pytest.raises(DraftNotFound):
            call()
    assert {i: texts(store, mine.id, i) for i in range(3)} == before
    assert store.get(mine.id).to_dict() == mine.to_dict()

    assert [d.id for d in alice.list_drafts()] == [mine.id]
    assert [d.id for d in bob.list_drafts()] == [theirs.id]
    assert nobody.list_drafts() == []
    # the administrator's view (the CLI) sees every draft and whose it is
    assert {(d.id, d.owner) for d in store.list_drafts()} == {(mine.id, "alice"), (theirs.id, "bob")}
    assert store.get(mine.id).owner == "alice"
    assert alice.get(mine.id).sections[1].text == mine.sections[1].text


def test_transfer_is_for_the_administrator_only(store: DraftStore) -> None:
    alice, bob = store.for_owner("alice"), store.for_owner("bob")
    draft = make_draft()
    store.create(draft)  # the administrator's drafts keep the draft's owner: "" here
    assert store.get(draft.id).owner == "" and store.for_owner("").get(draft.id).id == draft.id
    with pytest.raises(DraftNotFound):
        alice.get(draft.id)
    with pytest.raises(AdminOnly) as info:
        alice.set_owner(draft.id, "alice")
    assert "管理员" in str(info.value)
    store.set_owner(draft.id, "bob")
    assert bob.get(draft.id).owner == "bob"
    with pytest.raises(DraftNotFound):
        store.for_owner("").get(draft.id)
    with pytest.raises(DraftNotFound):
        store.set_owner("0123456789ab", "bob")


_VERSION_1 = """
CREATE TABLE drafts (id TEXT PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL, facts TEXT NOT NULL,
    signoff TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE section_versions (draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, version INTEGER NOT NULL, parent INTEGER, heading TEXT NOT NULL,
    text TEXT NOT NULL, role TEXT NOT NULL, topic TEXT NOT NULL, facts TEXT NOT NULL, sources TEXT NOT NULL,
    warnings TEXT NOT NULL, locked INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, PRIMARY KEY (draft_id, position, version));
CREATE INDEX drafts_by_update ON drafts(updated_at);
INSERT INTO drafts VALUES ('old000000001', '旧草稿', 'offline', '{}',
    '{"date": "2024年12月31日", "unit_name": "青山镇总工会"}', '2024-12-01T00:00:00+00:00',
    '2024-12-01T00:00:00+00:00');
INSERT INTO section_versions VALUES ('old000000001', 0, 1, NULL, '', '', 'opening', '', '[]', '[]', '[]', 0,
    '生成', '2024-12-01T00:00:00+00:00');
INSERT INTO section_versions VALUES ('old000000001', 0, 2, 1, '', '2024年，我们……', 'opening', '', '[]', '[]',
    '[]', 0, '生成', '2024-12-01T00:00:01+00:00');
PRAGMA user_version=1;
"""


def test_a_version_1_file_is_migrated_and_its_drafts_belong_to_the_no_login_user(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(_VERSION_1)
    con.close()
    store = DraftStore(path)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    con.close()
    old = store.get("old000000001")
    assert old.owner == "" and old.title == "旧草稿" and old.sections[0].text == "2024年，我们……"
    assert old.sections[0].origin == "offline"  # versions from before provenance
    assert [d.id for d in store.for_owner("").list_drafts()] == ["old000000001"]
    assert store.for_owner("alice").list_drafts() == []
    with pytest.raises(NothingToUndo):  # the old file's empty placeholder is not restored
        store.undo("old000000001", 0)
    # new drafts next to the old one; opening the file again changes nothing
    store.for_owner("alice").create(make_draft())
    again = DraftStore(path)
    assert len(again.list_drafts()) == 2 and again.get("old000000001").owner == ""


def test_a_file_from_a_newer_version_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    DraftStore(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version=99")
    con.close()
    with pytest.raises(NewerSchema) as info:
        DraftStore(path)
    assert "升级" in str(info.value)


def test_a_database_from_a_newer_version_is_refused_in_chinese(postgres_server: Any) -> None:
    from drafter.pg_store import close_pools

    url = postgres_server.new_database()
    store = open_draft_store(url)
    with store._write() as con:
        con.execute("UPDATE drafter_schema SET version=99 WHERE name='drafts'")
    close_pools()  # a new process: the schema is checked again
    try:
        with pytest.raises(NewerSchema) as info:
            open_draft_store(url)
        assert "升级" in str(info.value)
    finally:
        close_pools()
