"""The drafting pipeline offline, on the bundled corpus: unseen fact sheets → faithful drafts.

Checks the issue's acceptance criteria on six fact sheets no code was tuned on by name: every
fact's figures in exactly one section, zero invented numbers, genre structure, no corpus noise,
no passage over 40 characters copied from any chunk of the index, determinism, and the length
reached (printed). Then revising, locking, regeneration and the store's transactions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drafter.compose import as_clause
from drafter.draft import Draft, Section
from drafter.drafting import Drafter, DraftEvents
from drafter.errors import UserError
from drafter.facts import Facts, load_facts
from drafter.guard import COPY_LIMIT, NOISE, invented_numbers
from drafter.index import CorpusIndex, open_index
from drafter.numbers import number_tokens
from drafter.outline import target_length
from drafter.retrieve import Retriever
from drafter.store import DraftStore
from tests.support.corpus_fixtures import offline_settings, shared_corpus

DATA = Path(__file__).parent / "data" / "facts"
UNSEEN = sorted((DATA / "unseen").glob("*.yaml"))
NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    idx = open_index(offline_settings(shared_corpus(tmp_path_factory)))
    idx.load()
    assert len(idx.chunks) > 100
    return idx


@pytest.fixture(scope="session")
def corpus_blob(index: CorpusIndex) -> str:
    """Every chunk text, whitespace removed, joined by a separator no draft contains."""
    return "\x00".join(re.sub(r"\s+", "", c.text) for c in index.chunks)


@pytest.fixture
def drafter(index: CorpusIndex, tmp_path: Path) -> Drafter:
    return Drafter(Retriever(index), DraftStore(tmp_path / "drafts.sqlite3"))


def full_text(draft: Draft) -> str:
    return "\n".join([draft.title, *(s.text for s in draft.sections)])


def copies(text: str, blob: str) -> list[str]:
    compact = re.sub(r"\s+", "", text)
    window = COPY_LIMIT + 1
    return [compact[i : i + window] for i in range(len(compact) - window + 1) if compact[i : i + window] in blob]


LENGTHS: dict[str, float] = {}


@pytest.mark.parametrize("path", UNSEEN, ids=lambda p: p.stem)
def test_offline_draft_of_an_unseen_fact_sheet(path: Path, drafter: Drafter, corpus_blob: str) -> None:
    facts = load_facts(path)
    result = drafter.draft(facts, offline=True)
    draft = result.draft
    assert result.llm_error == "" and draft.mode == "offline"
    text = full_text(draft)

    # Title and sign-off follow the genre.
    head = f"{facts.union_name}{facts.year}年"
    expected = {"年度": head + "工作总结", "上半年": head + "上半年工作总结", "下半年": head + "下半年工作总结",
                "专项": head + facts.topic.removesuffix("工作") + "工作总结"}[facts.period]
    assert draft.title == expected
    assert (draft.signoff.unit_name, draft.signoff.date) == (facts.union_name, facts.signoff_date)

    # Opening, ≥ 3 numbered body sections, problems and plans, in that order.
    sections = draft.sections
    assert sections[0].heading == "" and sections[0].role == "opening"
    assert sections[0].text.endswith("总结如下：")
    bodies = [s for s in sections if s.role == "body"]
    assert len(bodies) >= 3
    assert [s.role for s in sections[-2:]] == ["problems", "plans"]
    numbered = draft.numbered_headings()
    assert all(NUMBERED.match(h) for h in numbered[1:]) and numbered[0] == ""
    for section, given in ((sections[-2], facts.problems), (sections[-1], facts.plans)):
        if given:
            assert all(as_clause(item) in section.text for item in given)
            assert "【待补充：" not in section.text
        else:
            assert section.text.startswith("【待补充：") and section.text.endswith("】")
            assert [w.kind for w in section.warnings] == ["placeholder"]

    # Every fact in exactly one section, with all its figures; nothing invented anywhere.
    for fact in facts.facts:
        holders = [s for s in sections if fact in s.facts]
        assert len(holders) == 1, fact
        assert as_clause(fact) in holders[0].text
        assert set(number_tokens(fact)) <= set(number_tokens(holders[0].text)), fact
        assert sum(as_clause(fact) in s.text for s in sections) == 1, fact
    assert invented_numbers(text, facts) == []
    assert not [w for s in sections for w in s.warnings if w.kind != "placeholder"]

    # No corpus noise, no Markdown, no copied passage over 40 characters from any chunk.
    assert not NOISE.search(text)
    assert not re.search(r"小编|xx|XX|202_|20__|□|\*\*|^#|^- |`", text, re.MULTILINE)
    assert copies(text, corpus_blob) == []

    # Sources are the retrieved passages the section drew on.
    for section in bodies:
        assert section.sources and all(s.source.endswith(".txt") and s.snippet for s in section.sources)

    # Deterministic: the same facts give the same text.
    again = drafter.draft(facts, offline=True).draft
    assert [s.text for s in again.sections] == [s.text for s in sections] and again.id != draft.id

    total = sum(len(s.text) for s in sections)
    LENGTHS[path.stem] = total / target_length(facts)
    print(f"\n{path.stem}: {total} chars / target {target_length(facts)} = {LENGTHS[path.stem]:.2f}")
    assert 0.55 <= LENGTHS[path.stem] <= 1.3


def test_instruction_facts_are_left_out_and_reported(drafter: Drafter) -> None:
    facts = load_facts(DATA / "injection.yaml")
    assert len(facts.rejected) == 3
    draft = drafter.draft(facts, offline=True).draft
    text = full_text(draft)
    for rejected in facts.rejected:
        assert rejected.text not in text
    assert not re.search(r"系统提示|提示词|忽略|指令|system|assistant", text)
    warnings = [w for s in draft.sections for w in s.warnings if w.kind == "injection"]
    assert sorted(w.text for w in warnings) == sorted(r.text for r in facts.rejected)
    assert all("指令" in w.detail for w in warnings)
    assert draft.sections[-2].text.startswith("【待补充：")  # its only problem was an instruction
    for fact in facts.facts:
        assert as_clause(fact) in text


# ---- revising ------------------------------------------------------------------------------
def stored(store: DraftStore, draft_id: str) -> tuple[list[str], list[int]]:
    draft = store.get(draft_id)
    versions = [len(store.history(draft_id, i)) for i in range(len(draft.sections))]
    return [s.text for s in draft.sections], versions


def first_body(draft: Draft) -> int:
    return next(i for i, s in enumerate(draft.sections) if s.role == "body" and len(s.facts) >= 2)


@pytest.mark.parametrize("action", ["expand", "shorten"])
def test_offline_expand_and_shorten_change_only_that_section(drafter: Drafter, action: str) -> None:
    facts = load_facts(DATA / "unseen" / "hospital_annual.yaml")
    draft = drafter.draft(facts, offline=True).draft
    n = first_body(draft)
    texts, versions = stored(drafter.store, draft.id)
    section = drafter.revise(draft.id, n, action=action, offline=True)
    after_texts, after_versions = stored(drafter.store, draft.id)
    assert after_texts[n] == section.text != texts[n]
    assert (len(section.text) > len(texts[n])) == (action == "expand")
    if action == "expand":
        assert len(section.text) >= len(texts[n]) * 1.3
    else:
        assert len(section.text) <= len(texts[n]) * 0.8
    for fact in draft.sections[n].facts:
        assert as_clause(fact) in section.text
        assert set(number_tokens(fact)) <= set(number_tokens(section.text))
    assert invented_numbers(section.text, facts) == []
    assert not section.warnings
    assert after_versions[n] == versions[n] + 1
    others = [i for i in range(len(texts)) if i != n]
    assert [after_texts[i] for i in others] == [texts[i] for i in others]
    assert [after_versions[i] for i in others] == [versions[i] for i in others]
    # deterministic: the same action on the same text gives the same result
    redo = Drafter(drafter.retriever, drafter.store)
    drafter.store.undo(draft.id, n)
    assert redo.revise(draft.id, n, action=action, offline=True).text == section.text


def test_offline_expand_of_opening_keeps_the_hand_over(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "street_annual.yaml"), offline=True).draft
    section = drafter.revise(draft.id, 0, action="expand", offline=True)
    assert len(section.text) > len(draft.sections[0].text)
    assert section.text.endswith("总结如下：")


def test_offline_resize_of_a_placeholder_is_refused(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "school_annual.yaml"), offline=True).draft
    with pytest.raises(UserError, match="待补充"):
        drafter.revise(draft.id, len(draft.sections) - 1, action="expand", offline=True)


@pytest.mark.parametrize("request_", [{"action": "polish"}, {"instruction": "语气更正式"}])
def test_offline_polish_and_instruction_need_an_llm(drafter: Drafter, request_: dict) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "coal_h1.yaml"), offline=True).draft
    before = stored(drafter.store, draft.id)
    with pytest.raises(UserError, match="大模型") as info:
        drafter.revise(draft.id, 1, offline=True, **request_)
    assert re.search(r"[\u4e00-\u9fff]", info.value.message)
    assert stored(drafter.store, draft.id) == before


def test_edit_undo_and_lock(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "farm_h2.yaml"), offline=True).draft
    store = drafter.store
    original = draft.sections[1].text
    edited = drafter.edit(draft.id, 1, "手工改写：秋收期间组织劳动竞赛，参赛职工86人，另有99人观摩。")
    assert store.get(draft.id).sections[1].text == edited.text
    # 99 is the user's own figure: a neutral 新数字, not 编造数字 (issue 11)
    assert [w.text for w in edited.warnings if w.kind == "new_number"] == ["99"]
    assert not [w for w in edited.warnings if w.kind == "invented_number"]
    assert {w.text for w in edited.warnings if w.kind == "missing_fact"} == set(draft.sections[1].facts)
    restored = store.undo(draft.id, 1)
    assert restored.text == original == store.get(draft.id).sections[1].text

    store.set_locked(draft.id, 1, True)
    with pytest.raises(UserError, match="锁定"):
        drafter.edit(draft.id, 1, "不应保存")
    with pytest.raises(UserError, match="锁定"):
        drafter.revise(draft.id, 1, action="expand", offline=True)
    assert store.get(draft.id).sections[1].text == original


def test_regenerate_leaves_locked_sections_byte_identical(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "coal_h1.yaml"), offline=True).draft
    store = drafter.store
    drafter.edit(draft.id, 1, "我自己写的第一节，锁定后不许改。")
    drafter.edit(draft.id, 2, "我自己写的第二节，没有锁定。")
    store.set_locked(draft.id, 1, True)
    locked_history = store.history(draft.id, 1)
    result = drafter.regenerate(draft.id, offline=True, replace_edited=True)
    after = result.draft
    assert after.sections[1].text == "我自己写的第一节，锁定后不许改。" and after.sections[1].locked
    assert store.history(draft.id, 1) == locked_history  # not even a new version
    assert after.sections[2].text == draft.sections[2].text  # regenerated from the facts again
    assert after.sections[2].origin == "offline"
    assert [s.text for s in after.sections[3:]] == [s.text for s in draft.sections[3:]]


class Notices(DraftEvents):
    def __init__(self) -> None:
        self.notices: list[str] = []

    def notice(self, message: str) -> None:
        self.notices.append(message)


def test_regenerate_skips_hand_edits_unless_told_and_says_which(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "coal_h1.yaml"), offline=True).draft
    store = drafter.store
    drafter.edit(draft.id, 2, "我自己写的第二节。")
    edited_history = store.history(draft.id, 2)
    versions = len(store.history(draft.id, 3))
    drafter.events = events = Notices()
    after = drafter.regenerate(draft.id, offline=True).draft
    assert after.sections[2].text == "我自己写的第二节。" and store.history(draft.id, 2) == edited_history
    assert len(store.history(draft.id, 3)) == versions + 1  # the others were written again
    heading = draft.sections[2].heading
    assert events.notices == [f"第3节“{heading}”有您手工修改的内容，本次未重新生成。"]
    after = drafter.regenerate(draft.id, offline=True, replace_edited=True).draft
    assert after.sections[2].text == draft.sections[2].text
    assert store.undo(draft.id, 2).text == "我自己写的第二节。"  # and it can be had back


def test_regenerate_skips_hand_edited_sections_unless_asked(drafter: Drafter) -> None:
    draft = drafter.draft(load_facts(DATA / "unseen" / "coal_h1.yaml"), offline=True).draft
    drafter.edit(draft.id, 2, "我自己写的第二节。")
    assert drafter.store.get(draft.id).sections[2].origin == "user"
    result = drafter.regenerate(draft.id, offline=True)
    assert result.report.skipped_edited == [2]
    assert result.draft.sections[2].text == "我自己写的第二节。"
    assert result.draft.sections[2].origin == "user"
    assert [s.text for s in result.draft.sections[3:]] == [s.text for s in draft.sections[3:]]


# ---- transactions ------------------------------------------------------------------------------
class Boom(Exception):
    pass


class FailAfter(DraftEvents):
    """Raises while reporting the n-th finished section (as a cancelling UI would)."""

    def __init__(self, n: int) -> None:
        self.n, self.done = n, 0

    def section_done(self, position: int, section: Section) -> None:
        self.done += 1
        if self.done == self.n:
            raise Boom()


def test_a_failure_mid_generation_keeps_the_finished_sections(index: CorpusIndex, tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts.sqlite3")
    drafter = Drafter(Retriever(index), store, events=FailAfter(3))
    facts = load_facts(DATA / "unseen" / "hospital_annual.yaml")
    with pytest.raises(Boom):
        drafter.draft(facts, offline=True)
    [summary] = store.list_drafts()
    saved = store.get(summary.id)
    assert len(saved.sections) == 8
    assert all(s.text for s in saved.sections[:3])  # finished (and saved) before the failure
    assert all(not s.text for s in saved.sections[3:])  # never started: nothing half-written
    complete = Drafter(Retriever(index), store).draft(facts, offline=True).draft
    assert [s.text for s in saved.sections[:3]] == [s.text for s in complete.sections[:3]]


def test_facts_roundtrip_through_the_store(drafter: Drafter) -> None:
    facts = load_facts(DATA / "unseen" / "district_special.yaml")
    draft = drafter.draft(facts, offline=True).draft
    assert Facts.from_dict(drafter.store.get(draft.id).facts) == facts
