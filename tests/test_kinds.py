"""Section kinds as units, the optional closing (结束语) as the proof, and the one sentence splitter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from drafter.draft import section_name
from drafter.drafting import Drafter
from drafter.export import draft_blocks, export_docx, export_markdown
from drafter.facts import Facts, load_facts, parse_facts
from drafter.gate import Expectation, judge
from drafter.genre import load_genre
from drafter.kinds import KINDS, kind_of
from drafter.llm import LLMClient
from drafter.numbers import number_tokens
from drafter.outline import plan_outline
from drafter.resize import offline_resize
from drafter.sentences import sentence_bodies, sentences
from drafter.store import DraftStore
from drafter.taxonomy import ROLES
from tests.support.fake_llm import FakeLLM, _text_of

DATA = Path(__file__).parent / "data" / "facts"
GOOD_CLOSING = "回顾一年来的工作，我们深切体会到，做好工会工作必须紧紧依靠广大职工。新的一年，我们将团结带领广大职工，奋力开创工会工作新局面。"
FIGURED_CLOSING = "一年来我们新建工会12家，成绩来之不易。新的一年，我们将团结带领广大职工，奋力开创工会工作新局面。"


def with_closing(name: str = "township.yaml", **changes: Any) -> Facts:
    facts = load_facts(DATA / name)
    facts.closing = True
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def offline_draft(tmp_path: Path, facts: Facts):
    return Drafter(None, DraftStore(tmp_path / "drafts.sqlite3")).draft(facts, offline=True).draft


def test_every_role_has_one_kind_in_draft_order() -> None:
    assert ROLES == ("opening", "body", "problems", "plans", "closing") == tuple(KINDS)
    assert kind_of("no-such-role") is KINDS["body"]
    assert section_name("", "closing") == "结束语" and section_name("") == "开头段"


def test_closing_is_asked_for_in_chinese_or_english_and_off_by_default() -> None:
    base = {"unit_name": "甲镇总工会", "unit_type": "乡镇", "year": 2025, "facts": ["走访慰问困难职工46户"]}
    assert not parse_facts(base).closing
    assert parse_facts({**base, "结束语": "是"}).closing and parse_facts({**base, "closing": True}).closing
    assert not parse_facts({**base, "结束语": "否"}).closing
    with pytest.raises(Exception, match="结束语请填“是”或“否”"):
        parse_facts({**base, "结束语": "也许"})
    facts = load_facts(DATA / "township.yaml")
    assert [s.role for s in plan_outline(facts).sections][-1] == "plans"
    outline = plan_outline(facts, closing=True)
    assert outline.sections[-1].role == "closing" and outline.sections[-1].heading == ""
    assert plan_outline(with_closing(), closing=False).sections[-1].role == "plans"


def test_the_closing_takes_its_share_from_the_body_only() -> None:
    plain, closed = plan_outline(load_facts(DATA / "township.yaml")), plan_outline(with_closing())
    assert [s.target_chars for s in plain.sections if s.role != "body"] == [
        s.target_chars for s in closed.sections if s.role not in ("body", "closing")
    ]
    body = sum(s.target_chars for s in plain.sections if s.role == "body")
    assert sum(s.target_chars for s in closed.sections if s.role == "body") < body


@pytest.mark.parametrize("name", ["township.yaml", "school_h1.yaml", "special.yaml"])
def test_offline_closing_is_figure_free_unit_appropriate_and_unnumbered_in_the_export(tmp_path: Path, name: str) -> None:
    facts = with_closing(name)
    draft = offline_draft(tmp_path, facts)
    closing = draft.sections[-1]
    assert closing.role == "closing" and closing.heading == "" and closing.text
    assert number_tokens(closing.text) == [] and "\n" not in closing.text and not closing.warnings
    assert "总结如下" not in closing.text
    phrases = load_genre().section_phrases["closing"]
    if facts.unit_type == "学校":
        assert "教职工" in closing.text and not re.search(r"(?<!教)职工", closing.text)
    else:
        assert any(p in closing.text for p in phrases["look_back"] + phrases["resolve"])
    blocks = draft_blocks(draft)
    kinds = [b.kind for b in blocks]
    assert kinds[-3:] == ["blank", "unit", "date"]
    assert blocks[-4].kind == "body" and blocks[-4].text.startswith(closing.text[:10])  # last, before the sign-off
    assert len([b for b in blocks if b.kind == "h1"]) == len([s for s in draft.sections if s.heading])
    md = export_markdown(draft)
    assert md.index(closing.text[:10]) > md.index(draft.sections[-2].text[:10])
    assert not re.search(r"(?m)^#+ .*结束语", md)
    export_docx(draft, tmp_path / "x.docx")
    paragraphs = [p.text for p in Document(str(tmp_path / "x.docx")).paragraphs if p.text.strip()]
    assert paragraphs[-3].startswith(closing.text[:10]) and paragraphs[-1] == draft.signoff.date


def test_offline_expand_of_the_closing_keeps_its_resolve_last(tmp_path: Path) -> None:
    draft = offline_draft(tmp_path, with_closing())
    closing = draft.sections[-1]
    longer = offline_resize(closing, "expand", "seed", with_closing())
    assert len(longer) > len(closing.text) and number_tokens(longer) == []
    assert longer.endswith(sentences(closing.text)[-1])


def test_regenerating_keeps_each_heading_less_sections_own_length(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts.sqlite3")
    drafter = Drafter(None, store)
    first = drafter.draft(with_closing(length=5000), offline=True).draft  # the opening's share fits extras
    again = drafter.regenerate(first.id, offline=True).draft
    assert [s.text for s in again.sections] == [s.text for s in first.sections]


# ---- the gate's rules of a kind ---------------------------------------------------------------------------
def expectation(role: str, facts: Facts) -> Expectation:
    return Expectation(facts=facts, role=role, heading="", other_headings=("抓组建，夯实工会组织基础",))


def test_the_gate_refuses_figures_and_a_hand_over_in_a_closing() -> None:
    facts = with_closing()
    assert judge(GOOD_CLOSING, expectation("closing", facts)).accepted
    verdict = judge(FIGURED_CLOSING, expectation("closing", facts))
    assert "figures_in_closing" in verdict.codes and "结束语中不应出现数字" in verdict.reason
    handing = judge("回顾一年来的工作，我们倍感振奋。现将一年来的工会工作总结如下：", expectation("closing", facts))
    assert "other_section" in handing.codes
    assert "other_section" not in judge(
        "一年来，我们扎实推进工会工作，取得了新的进展。现将一年来的工会工作总结如下：", expectation("opening", facts)
    ).codes


@pytest.mark.parametrize(("answer", "origin"), [(GOOD_CLOSING, "llm"), (FIGURED_CLOSING, "fallback")])
def test_a_model_closing_goes_through_the_same_gate(
    tmp_path: Path, fake_llm: FakeLLM, answer: str, origin: str
) -> None:
    def responder(request: dict[str, Any]) -> str:
        user = _text_of(request["messages"][-1]["content"])
        return answer if "结束语" in user else "好"  # other sections: refused, offline text stays

    fake_llm.responder = responder
    llm = LLMClient(fake_llm.base_url, "test-key", "fake-model", timeout=5.0, max_retries=0)
    result = Drafter(None, DraftStore(tmp_path / "drafts.sqlite3"), llm=llm).draft(with_closing())
    closing = result.draft.sections[-1]
    assert closing.role == "closing" and closing.origin == origin
    asked = [r for r in fake_llm.requests if "结束语" in _text_of(r.messages[-1]["content"])]
    assert asked  # the model was asked for the closing
    if origin == "llm":
        assert closing.text == GOOD_CLOSING
    else:
        assert "结束语中不应出现数字" in closing.origin_reason and number_tokens(closing.text) == []


# ---- last year's plans carried out, named in the opening ---------------------------------------------------------
def test_the_opening_names_last_years_plans_carried_out_without_their_figures(tmp_path: Path) -> None:
    facts = load_facts(DATA / "township.yaml")
    facts.plans_done = ["深化工资集体协商，扩大集体合同覆盖面", "新建职工书屋3个", "继续建设户外劳动者服务站点"]
    opening = offline_draft(tmp_path, facts).sections[0].text
    assert "“深化工资集体协商”“建设户外劳动者服务站点”等工作打算" in opening
    assert "职工书屋" not in opening and "3" not in number_tokens(opening)  # last year's target is not a fact
    assert opening.endswith("总结如下：")
    assert kind_of("opening").finish(opening, facts).count("等工作打算") == 1  # said once, not twice
    facts.plans_done = ["新建职工书屋3个"]  # nothing figure-free to quote: named as a whole
    generic = offline_draft(tmp_path, facts).sections[0].text
    assert generic.count("各项工作打算") == 1
    assert kind_of("opening").finish(generic, facts).count("工作打算") == 1
    facts.plans_done = []
    assert "打算" not in offline_draft(tmp_path, facts).sections[0].text


def test_a_model_opening_that_leaves_the_plans_out_gets_them_before_the_hand_over(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    facts = load_facts(DATA / "township.yaml")
    facts.plans_done = ["深化工资集体协商，扩大集体合同覆盖面"]
    opening_text = ("2025年，在镇党委、政府和上级工会的正确领导下，我们坚持以职工为中心，团结动员广大职工，"
                    "围绕中心、服务大局，扎实推进各项工会工作，充分发挥工会组织的桥梁纽带作用。现将一年来的工会工作总结如下：")

    def responder(request: dict[str, Any]) -> str:
        user = _text_of(request["messages"][-1]["content"])
        return opening_text if "开头段" in user else "好"

    fake_llm.responder = responder
    llm = LLMClient(fake_llm.base_url, "test-key", "fake-model", timeout=5.0, max_retries=0)
    opening = Drafter(None, DraftStore(tmp_path / "drafts.sqlite3"), llm=llm).draft(facts).draft.sections[0]
    assert opening.origin == "llm", opening.origin_reason
    assert "“深化工资集体协商”等工作打算" in opening.text
    assert opening.text.index("等工作打算") < opening.text.index("现将") and opening.text.endswith("总结如下：")


# ---- one sentence splitter ------------------------------------------------------------------------------------
def test_sentences_keep_their_marks_and_clauses_split_at_semicolons() -> None:
    text = "一是甲；二是乙。好！\n第二段？末尾"
    assert sentences(text) == ["一是甲；二是乙。", "好！\n", "第二段？", "末尾"]
    assert sentences(text, clauses=True)[:2] == ["一是甲；", "二是乙。"]
    assert "".join(sentences(text)) == text
    assert sentence_bodies("这是一个足够长的句子的主体部分。短句。", min_chars=12) == ["这是一个足够长的句子的主体部分"]
