"""Sections added, removed and moved in a stored draft, and facts moved between sections (issue 11).

A section keeps its whole history (and undo) wherever it goes; a removed section is kept, not
deleted; locks and owners hold as for every other change. Then the same through the real CLI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drafter.draft import Draft, Section, Signoff
from drafter.drafting import Drafter
from drafter.errors import UserError
from drafter.facts import load_facts
from drafter.numbers import number_tokens
from drafter.store import DraftNotFound, DraftStore, SectionLocked, SectionNotFound, StoreError
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus

DATA = Path(__file__).parent / "data" / "facts"
TOWNSHIP = DATA / "township.yaml"


def small_draft() -> Draft:
    return Draft(
        title="测试工会2025年工作总结",
        sections=[Section("", "开头。", role="opening"), *(Section(h, f"{h}的正文。") for h in ("甲", "乙", "丙"))],
        signoff=Signoff("测试工会", "2025年12月31日"),
    )


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "d.sqlite3")


def headings(store: DraftStore, did: str) -> list[str]:
    return [s.heading for s in store.get(did).sections]


def test_move_keeps_each_sections_history_and_undo(store: DraftStore) -> None:
    did = store.create(small_draft())
    store.save_section(did, 1, Section("甲", "甲改过一次。"), note="手工修改")
    store.move_section(did, 1, 3)
    assert headings(store, did) == ["", "乙", "丙", "甲"]
    assert [v["text"] for v in store.history(did, 3)] == ["甲的正文。", "甲改过一次。"]
    assert store.undo(did, 3).text == "甲的正文。"
    store.move_section(did, 3, 1)
    assert headings(store, did) == ["", "甲", "乙", "丙"]
    assert store.get(did).sections[1].text == "甲的正文。"
    with pytest.raises(SectionNotFound):
        store.move_section(did, 1, 4)


def test_insert_then_remove_keeps_the_removed_text(store: DraftStore) -> None:
    did = store.create(small_draft())
    store.insert_section(did, 2, Section("新", "新的一节。"))
    assert headings(store, did) == ["", "甲", "新", "乙", "丙"]
    assert [v["note"] for v in store.history(did, 2)] == ["添加一节"]
    with pytest.raises(StoreError):  # nothing to undo past a section's first version
        store.undo(did, 2)
    removed = store.remove_section(did, 3)
    assert removed.heading == "乙" and headings(store, did) == ["", "甲", "新", "丙"]
    store.remove_section(did, 1)
    assert [s.text for s in store.removed_sections(did)] == ["甲的正文。", "乙的正文。"]  # last removed first
    # the draft as saved still round-trips: removed sections are not counted as positions
    draft = store.get(did)
    draft.sections[1].text = "新的一节，改了。"
    assert store.save_draft(draft) == [1]
    with pytest.raises(SectionNotFound):  # a removed section cannot be reached by position
        store.undo(did, -1)
    # put back: with its history, where asked; the other removed one stays removed
    back = store.restore_section(did, 1, 3)
    assert back.text == "乙的正文。" and headings(store, did) == ["", "新", "丙", "乙"]
    assert [v["text"] for v in store.history(did, 3)] == ["乙的正文。"]
    assert [s.heading for s in store.removed_sections(did)] == ["甲"]
    with pytest.raises(StoreError, match="没有第 2 个删除过的节"):
        store.restore_section(did, 1, 0)
    with pytest.raises(SectionNotFound):
        store.restore_section(did, 0, 9)


def test_locks_and_owners_hold(store: DraftStore) -> None:
    did = store.for_owner("alice").create(small_draft())
    store.set_locked(did, 2, True)
    with pytest.raises(SectionLocked):
        store.remove_section(did, 2)
    store.move_section(did, 2, 1)  # a lock protects the text, not the place
    assert store.get(did).sections[1].locked and headings(store, did) == ["", "乙", "甲", "丙"]
    bob = store.for_owner("bob")
    for action in (
        lambda: bob.insert_section(did, 1, Section("x", "y")),
        lambda: bob.remove_section(did, 3),
        lambda: bob.move_section(did, 1, 2),
        lambda: bob.removed_sections(did),
    ):
        with pytest.raises(DraftNotFound):
            action()
    assert headings(store, did) == ["", "乙", "甲", "丙"]


def test_refused_while_generation_has_gaps(store: DraftStore) -> None:
    draft = small_draft()
    did = store.create(Draft(draft.title, draft.sections[:1], draft.signoff))
    store.save_section(did, 2, Section("丙", "先写完的一节。"))  # position 1 not stored yet
    with pytest.raises(StoreError, match="生成中"):
        store.move_section(did, 0, 1)


# ---- the drafter ---------------------------------------------------------------------------------


@pytest.fixture
def drafter(store: DraftStore) -> Drafter:
    return Drafter(None, store)


def test_move_fact_rewrites_both_sections(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(TOWNSHIP), offline=True).draft
    fact = "组织职工参加安全知识竞赛，参赛320人"
    source = next(i for i, s in enumerate(draft.sections) if fact in s.facts)
    target = next(i for i, s in enumerate(draft.sections) if "抓维权" in s.heading)
    after = drafter.move_fact(draft.id, fact, target, offline=True).draft
    assert fact not in after.sections[source].facts and after.sections[target].facts[-1] == fact
    assert "320" in number_tokens(after.sections[target].text)
    assert "320" not in number_tokens(after.sections[source].text)
    for s in after.sections:
        assert not [w for w in s.warnings if w.kind in ("missing_fact", "invented_number")], s.heading
    assert [v["note"] for v in drafter.store.history(draft.id, target)][-2:] == ["移动事实", "生成"]
    with pytest.raises(UserError, match="已在"):
        drafter.move_fact(draft.id, fact, target)
    with pytest.raises(UserError, match="没有这条事实"):
        drafter.move_fact(draft.id, "不存在的事实", target)
    with pytest.raises(UserError, match="开头段不放事实"):
        drafter.move_fact(draft.id, fact, 0)


def test_move_fact_keeps_a_hand_edited_text(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(TOWNSHIP), offline=True).draft
    fact = "组织职工参加安全知识竞赛，参赛320人"
    target = next(i for i, s in enumerate(draft.sections) if "抓维权" in s.heading)
    drafter.edit(draft.id, target, "我自己写的维权一节。")
    result = drafter.move_fact(draft.id, fact, target, offline=True)
    section = result.draft.sections[target]
    assert section.text == "我自己写的维权一节。" and result.report.skipped_edited == [target]
    assert fact in {w.text for w in section.warnings if w.kind == "missing_fact"}  # says what is missing


def test_add_and_remove_section_guard_the_facts(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(TOWNSHIP), offline=True).draft
    n = len(draft.sections)
    after = drafter.add_section(draft.id, "抓阵地，建设职工之家")
    added = next(i for i, s in enumerate(after.sections) if s.heading == "抓阵地，建设职工之家")
    assert after.sections[added + 1].role == "problems" and len(after.sections) == n + 1
    assert "【待补充" in after.sections[added].text
    with pytest.raises(UserError, match="小标题"):
        drafter.add_section(draft.id, "  ")
    culture = next(i for i, s in enumerate(after.sections) if "抓文化" in s.heading)
    with pytest.raises(UserError, match="含有 1 条事实"):
        drafter.remove_section(draft.id, culture)
    fact = after.sections[culture].facts[0]
    drafter.move_fact(draft.id, fact, added, offline=True)
    removed = drafter.remove_section(draft.id, culture)
    assert "抓文化" in removed.heading
    final = drafter.store.get(draft.id)
    assert [s.heading for s in final.sections if s.heading == "抓阵地，建设职工之家"]
    assert "2600" in number_tokens(next(s.text for s in final.sections if s.heading == "抓阵地，建设职工之家"))
    assert drafter.store.removed_sections(draft.id)[0].heading == removed.heading
    moved = drafter.move_section(draft.id, 1, 2)
    assert moved.sections[2].heading == final.sections[1].heading
    # restored where a work section stands (before the problems), its text and facts intact
    restored, at = drafter.restore_section(draft.id, 0)
    assert restored.sections[at].heading == removed.heading
    assert restored.sections[at + 1].role == "problems" and restored.sections[at].text == removed.text
    assert drafter.store.removed_sections(draft.id) == []
    with pytest.raises(UserError, match="没有第 1 个删除过的节"):
        drafter.restore_section(draft.id, 0)


def test_a_heading_less_closing_goes_back_last(drafter: Drafter) -> None:
    facts = load_facts(TOWNSHIP)
    facts.closing = True
    draft = drafter.draft(facts, offline=True).draft
    last = len(draft.sections) - 1
    assert draft.sections[last].role == "closing" and draft.sections[last].heading == ""
    drafter.remove_section(draft.id, last)
    restored, at = drafter.restore_section(draft.id, 0)
    assert at == last and restored.sections[at].role == "closing"  # not where the opening (also heading-less) is


# ---- the CLI -------------------------------------------------------------------------------------


def test_cli_section_commands(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), data_dir, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    env = cli_env(data_dir)
    r = run_cli(["draft", str(TOWNSHIP), "--offline", "-o", str(tmp_path / "d.json")], env)
    assert r.returncode == 0, r.stderr
    store = DraftStore(data_dir / "drafts.sqlite3")
    did = store.list_drafts()[0].id
    before = [s.heading for s in store.get(did).sections]

    r = run_cli(["section", "add", did, "--heading", "抓阵地，建设职工之家", "--at", "3"], env)
    assert r.returncode == 0 and "已添加一节" in r.stderr, r.stderr
    assert store.get(did).sections[2].heading == "抓阵地，建设职工之家"
    r = run_cli(["section", "move-fact", did, "--fact", "新建职工书屋4个，新增图书2,600册", "--to", "3", "--offline"], env)
    assert r.returncode == 0, r.stderr
    assert "2600" in number_tokens(store.get(did).sections[2].text)
    r = run_cli(["section", "move", did, "--section", "3", "--to", "2"], env)
    assert r.returncode == 0, r.stderr
    assert store.get(did).sections[1].heading == "抓阵地，建设职工之家"
    culture = 1 + next(i for i, s in enumerate(store.get(did).sections) if "抓文化" in s.heading)
    r = run_cli(["section", "remove", did, "--section", str(culture)], env)
    assert r.returncode == 0 and "原文保留" in r.stderr, r.stderr
    r = run_cli(["section", "removed", did], env)
    assert r.returncode == 0 and "抓文化" in r.stdout
    headings_now = [s.heading for s in store.get(did).sections]
    assert headings_now[1] == "抓阵地，建设职工之家" and len(headings_now) == len(before)
    r = run_cli(["section", "restore", did, "--at", str(culture)], env)
    assert r.returncode == 0 and f"放在第 {culture} 节" in r.stderr and "抓文化" in r.stderr, r.stderr
    assert "抓文化" in store.get(did).sections[culture - 1].heading
    r = run_cli(["section", "remove", did, "--section", str(culture), "--force"], env)
    assert r.returncode == 0, r.stderr

    # bad input: Chinese, exit 2, no traceback
    for args, words in (
        (["section", "move", did, "--section", "1", "--to", "99"], "没有第 99 节"),
        (["section", "remove", did, "--section", "2"], "含有"),
        (["section", "add-fact", did, "--section", "2", "--figure", "4321"], "没有数字"),
        (["section", "add", "000000000000", "--heading", "x"], "找不到草稿"),
        (["section", "restore", did, "--removed", "5"], "没有第 5 个删除过的节"),
    ):
        r = run_cli(args, env)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
