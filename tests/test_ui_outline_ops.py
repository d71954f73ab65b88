"""The UI's pieces without a browser: outline operations, traced figures, 加入事实, the status line."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.draft import Draft, Section, Signoff, Warning
from drafter.errors import UserError
from drafter.facts import facts_from_form
from drafter.outline import plan_outline
from drafter.trace import figures_of, sentence_at
from drafter.ui import outline_ops as ops
from drafter.ui import render
from drafter.ui.backend import SAMPLE_FORM, Backend
from drafter.ui.figure_facts import add_new_figures
from tests.support.ui_app import ui_settings


def sample_facts():  # noqa: ANN201 - a Facts
    f = SAMPLE_FORM
    return facts_from_form(f["unit_name"], f["unit_type"], f["period"], f["year"], f["facts"], f["problems"],
                           f["plans"], f["topic"], f["length"], f["date"])


def planned() -> ops.Outline:
    return plan_outline(sample_facts())


def body_headings(outline: ops.Outline) -> list[str]:
    return [outline.sections[i].heading for i in ops.body_positions(outline)]


def test_outline_round_trips_through_the_session_dict() -> None:
    outline = planned()
    assert ops.from_dict(ops.to_dict(outline)) == outline


def test_heading_less_sections_are_named_by_their_kind_in_the_outline_and_on_the_card() -> None:
    facts = sample_facts()
    facts.closing = True
    outline = plan_outline(facts)
    names = ops.labels(outline)
    assert names[0] == "开头段" and names[-1] == "结束语" and names[1].startswith("一、")
    closing = Section("", "新的一年，我们将奋力开创工会工作新局面。", role="closing")
    assert ">结束语<" in render.card_head(len(outline.sections) - 1, "", closing)
    assert ">开头段<" in render.card_head(0, "", Section("", "开头。", role="opening"))


def test_rename_move_add_remove_merge_and_move_a_fact() -> None:
    outline = planned()
    facts_before = sorted(f for f, _ in ops.body_facts(outline))
    budget = sum(outline.sections[i].target_chars for i in ops.body_positions(outline))
    first, second = ops.body_positions(outline)[:2]

    outline, message = ops.rename(outline, first, "  抓组建， 把职工组织起来 ")
    assert outline.sections[first].heading == "抓组建， 把职工组织起来" and "改为" in message
    with pytest.raises(UserError, match="已有一节"):
        ops.rename(outline, second, "抓组建， 把职工组织起来")
    with pytest.raises(UserError, match="不能为空"):
        ops.rename(outline, second, "  ")
    assert ops.rename(outline, first, "抓组建， 把职工组织起来")[1] == ""  # unchanged: nothing to say

    names = body_headings(outline)
    outline, _ = ops.move(outline, first, 1)
    assert body_headings(outline)[:2] == [names[1], names[0]]
    outline, message = ops.move(outline, first, -1)  # the first body section cannot go higher
    assert message == "已经是第一节。" and body_headings(outline)[:2] == [names[1], names[0]]
    with pytest.raises(UserError, match="固定"):
        ops.move(outline, 0, 1)  # the opening stays first

    outline, _ = ops.add(outline, "抓创新，激发基层活力")
    added = body_headings(outline).index("抓创新，激发基层活力")
    position = ops.body_positions(outline)[added]
    assert outline.sections[position + 1].role == "problems"  # added after the last body section
    assert ops.problems_before_drafting(outline) and "还没有事实" in ops.problems_before_drafting(outline)[0]

    richest = max(ops.body_positions(outline), key=lambda i: len(outline.sections[i].facts))
    fact = outline.sections[richest].facts[0]
    outline, _ = ops.move_fact(outline, fact, position)
    assert outline.sections[position].facts == [fact] and not ops.problems_before_drafting(outline)

    outline, message = ops.merge_up(outline, position)
    assert "并入" in message and "抓创新，激发基层活力" not in body_headings(outline)
    holder = ops.body_positions(outline)[-1]
    outline, message = ops.remove(outline, holder)
    assert "条事实移到了" in message

    # no fact lost or doubled, and the body keeps its length budget
    assert sorted(f for f, _ in ops.body_facts(outline)) == facts_before
    kept = sum(outline.sections[i].target_chars for i in ops.body_positions(outline))
    assert budget <= kept <= budget + ops.MIN_TARGET_CHARS + len(ops.body_positions(outline)), (budget, kept)
    with pytest.raises(UserError, match="至少"):
        only = ops.from_dict(ops.to_dict(outline))
        for p in ops.body_positions(only)[1:][::-1]:
            only, _ = ops.remove(only, p)
        ops.remove(only, ops.body_positions(only)[0])


def test_figures_are_traced_and_a_new_one_is_named_neutrally() -> None:
    facts = ["新建基层工会8家，新发展会员436人", "发放慰问金11.6万元"]
    text = "2025年，新建基层工会8家，发展会员436人；发放慰问金11.6万元。另开展活动77场。"
    figures = figures_of(text, facts)
    assert [(f.text, f.fact) for f in figures] == [("8", facts[0]), ("436", facts[0]), ("11.6万", facts[1]),  # 万 stays with its number
                                                  ("77", "")]  # the year is not a figure
    section = Section("抓组建", text, facts=facts, warnings=[Warning("invented_number", "数字“77”…", "77")])
    html = render.traced_text(section, [])
    assert html.count('class="fig"') == 3 and html.count("fig fig-new") == 1
    assert "来源：发放慰问金11.6万元" in html and render.NEW_FIGURE in html and "编造" not in html
    assert render.new_figures(section, []) == ["77"]
    # the warning list does not repeat the text; its pieces are marked in the text
    block = render.warnings_block(Section("x", "文中有【待补充：人数】。", warnings=[Warning("placeholder", "请补充", "")]))
    assert "已在上方正文中标出" in block and "文中有" not in block
    assert sentence_at(text, text.index("77")) == "另开展活动77场。"


def test_sources_name_the_article_not_the_file() -> None:
    from drafter.draft import Source

    section = Section("x", "y", sources=[Source("004_6d918536e590b982.txt", "某镇工会2023年工作总结", "二、抓维权", "片段")])
    html = render.sources_list(section)
    assert "某镇工会2023年工作总结" in html and "二、抓维权" in html and ".txt" not in html


def test_add_new_figures_makes_the_sentence_a_fact(tmp_path: Path) -> None:
    backend = Backend(ui_settings(tmp_path / "data"))
    facts = sample_facts()
    text = "新建基层工会8家，新发展会员436人。另组织职工志愿服务活动77场。"
    draft = Draft(facts.title, [Section("", "开头。", role="opening"),
                                Section("抓组建", text, facts=[facts.facts[0]],
                                        warnings=[Warning("invented_number", "数字“77”不在事实中", "77")])],
                  Signoff(facts.union_name, "2025年12月31日"), facts=facts.to_dict())
    backend.service.drafts("").create(draft)
    fresh, message = add_new_figures(backend, "", draft.id, 1)
    assert "另组织职工志愿服务活动77场" in message
    assert fresh.facts["facts"][-1] == "另组织职工志愿服务活动77场"
    assert fresh.facts["unit_type_raw"] == facts.unit_type_raw  # the rest of the facts unchanged
    assert fresh.sections[1].facts[-1] == "另组织职工志愿服务活动77场"
    assert not [w for w in fresh.sections[1].warnings if w.kind == "invented_number"]
    assert add_new_figures(backend, "", draft.id, 1)[1].endswith("没有新数字。")
    with pytest.raises(UserError):
        add_new_figures(backend, "someone-else", draft.id, 1)  # not theirs: not found


def test_status_is_one_line_and_settings_stay_in_help(tmp_path: Path) -> None:
    from drafter.ui.status import help_html, status_html

    backend = Backend(ui_settings(tmp_path / "data"))
    line = status_html(backend)
    assert "离线模式（未接入大模型）" in line and "OPENAI" not in line and "DRAFTER_" not in line
    assert "<div" not in line.split(">", 1)[1]  # one block: spans only
    assert "OPENAI_BASE_URL" in help_html(backend) and str(backend.settings.data_dir) in help_html(backend)
