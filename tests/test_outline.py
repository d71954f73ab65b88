"""Facts → outline: genre title, sections, placement of every fact exactly once, budgets."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from drafter.facts import Facts, load_facts, parse_facts
from drafter.outline import (
    MIN_BODY_SECTIONS,
    PLANS_HEADING,
    PROBLEMS_HEADING,
    placement_scores,
    plan_outline,
    retitle,
    target_length,
    topic_of_fact,
    topic_slots,
)
from drafter.taxonomy import GENERAL_TOPIC

DATA = Path(__file__).parent / "data" / "facts"
SHEETS = sorted((DATA / "unseen").glob("*.yaml")) + [DATA / "township.yaml", DATA / "special.yaml"]


def facts(**changes: object) -> Facts:
    data: dict = {
        "unit_name": "青山镇总工会",
        "unit_type": "乡镇工会",
        "year": 2025,
        "facts": ["新建非公企业工会12家", "走访慰问困难职工46户", "举办技能比武3场"],
    }
    data.update(changes)
    return parse_facts(data)


@pytest.mark.parametrize(
    ("period", "topic", "title"),
    [
        ("年度", "", "青山镇总工会2025年工作总结"),
        ("上半年", "", "青山镇总工会2025年上半年工作总结"),
        ("下半年", "", "青山镇总工会2025年下半年工作总结"),
        ("专项", "工会组建工作", "青山镇总工会2025年工会组建工作总结"),
        ("专项", "新就业形态劳动者入会", "青山镇总工会2025年新就业形态劳动者入会工作总结"),
    ],
)
def test_title_follows_the_genre(period: str, topic: str, title: str) -> None:
    assert plan_outline(facts(period=period, topic=topic)).title == title


def test_unit_without_union_in_its_name_gets_it_in_the_title() -> None:
    assert plan_outline(facts(unit_name="城南实验中学", unit_type="学校")).title == "城南实验中学工会2025年工作总结"


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_every_fact_is_placed_exactly_once(path: Path) -> None:
    f = load_facts(path)
    outline = plan_outline(f)
    placed = Counter(x for s in outline.sections if s.role == "body" for x in s.facts)
    assert placed == Counter(f.facts)
    opening = outline.sections[0]
    assert (opening.heading, opening.role, opening.facts) == ("", "opening", [])
    roles = [s.role for s in outline.sections]
    assert roles[-2:] == ["problems", "plans"]
    assert set(roles[1:-2]) == {"body"}
    if len(f.facts) >= 3:
        assert roles.count("body") >= MIN_BODY_SECTIONS
    headings = [s.heading for s in outline.sections[1:]]
    assert len(set(headings)) == len(headings)
    assert all(h and "，" in h for s, h in zip(outline.sections[1:], headings, strict=True) if s.role == "body"
               and f.period != "专项")


def test_problems_and_plans_hold_the_users_items_or_a_placeholder() -> None:
    given = plan_outline(facts(problems=["干部兼职多"], plans=["加强培训"]))
    assert given.sections[-2].facts == ["干部兼职多"] and not given.sections[-2].placeholder
    assert given.sections[-1].facts == ["加强培训"] and not given.sections[-1].placeholder
    empty = plan_outline(facts())
    for section in empty.sections[-2:]:
        assert section.facts == []
        assert section.placeholder.startswith("【待补充：") and section.placeholder.endswith("】")


@pytest.mark.parametrize("period", ["年度", "上半年", "下半年"])
def test_tail_headings_follow_the_period(period: str) -> None:
    outline = plan_outline(facts(period=period))
    assert outline.sections[-2].heading == PROBLEMS_HEADING
    assert outline.sections[-1].heading == PLANS_HEADING[period]


@pytest.mark.parametrize(
    ("fact", "topic"),
    [
        ("为全体教职工进行健康体检，体检人数226人", "帮扶"),
        ("组织职工运动会和迎新春文艺汇演，参与职工1,100人次", "职工文化"),
        ("院务公开栏全年更新12期，公开事项86项", "民主管理"),
        ("发动群监员排查整改安全隐患318条", "安全生产"),
        ("开展女职工“两癌”筛查，筛查女职工980人", "女职工"),
        ("受理劳动争议调解案件27件，帮助职工追回欠薪41.6万元", "维权"),
        ("举办工会干部业务培训班2期，培训基层工会主席150人次", "自身建设"),
        ("推动平台区域站点建立站点工会21家", "组织建设"),
    ],
)
def test_facts_land_in_the_topic_a_cadre_would_choose(fact: str, topic: str) -> None:
    assert topic_of_fact(fact, facts(), None) == topic


def test_a_fact_without_cues_is_general_without_a_corpus() -> None:
    assert topic_of_fact("完成了年度目标任务", facts(), None) == GENERAL_TOPIC
    assert not any(placement_scores("完成了年度目标任务").values())


def test_one_topic_still_gives_three_body_sections() -> None:
    items = [f"走访慰问困难职工{n}户，发放慰问金{n}万元" for n in (11, 12, 13, 14)]
    outline = plan_outline(facts(facts=items))
    bodies = [s for s in outline.sections if s.role == "body"]
    assert len(bodies) == 3
    assert sorted(x for s in bodies for x in s.facts) == sorted(items)
    assert len({s.heading for s in bodies}) == 3


def test_a_fact_with_a_second_topic_moves_to_its_own_section() -> None:
    items = ["走访慰问困难职工46户", "为困难职工办理互助保障120人", "金秋助学资助困难职工子女18名，并开展安全培训"]
    outline = plan_outline(facts(facts=items))
    bodies = [s for s in outline.sections if s.role == "body"]
    assert len(bodies) == 3
    assert {s.topic for s in bodies} >= {"帮扶", "安全生产"}


def test_two_facts_give_two_body_sections_at_most() -> None:
    outline = plan_outline(facts(facts=["走访慰问困难职工46户", "发放慰问金9.2万元"]))
    assert 1 <= sum(s.role == "body" for s in outline.sections) <= 2


def test_many_topics_are_merged_to_at_most_six_sections() -> None:
    f = load_facts(DATA / "unseen" / "hospital_annual.yaml")
    bodies = [s for s in plan_outline(f).sections if s.role == "body"]
    assert MIN_BODY_SECTIONS <= len(bodies) <= 6


def test_budget_follows_length_and_skips_placeholders() -> None:
    f = facts(length=3000, problems=["干部兼职多"])
    outline = plan_outline(f)
    total = sum(s.target_chars for s in outline.sections if not s.placeholder)
    assert 0.9 * 3000 <= total <= 1.1 * 3000
    assert outline.sections[-1].placeholder and outline.sections[-1].target_chars < 100


def test_default_length_grows_with_the_facts() -> None:
    few, many = facts(), facts(facts=[f"举办活动{n}场" for n in range(1, 13)])
    assert 1500 <= target_length(few) < target_length(many) <= 3000
    assert target_length(facts(length=5000)) == 5000


def test_special_summary_sections_follow_the_work_not_topics() -> None:
    f = load_facts(DATA / "unseen" / "district_special.yaml")
    bodies = [s for s in plan_outline(f).sections if s.role == "body"]
    assert [s.heading for s in bodies] == ["主要做法", "取得的成效", "特色亮点"]
    assert [x for s in bodies for x in s.facts] == f.facts  # in the user's order
    assert topic_slots(plan_outline(f).sections)[1:4] == [(0, 3), (1, 3), (2, 3)]


def test_outline_is_deterministic() -> None:
    f = load_facts(DATA / "unseen" / "street_annual.yaml")
    assert plan_outline(f) == plan_outline(f)


def test_a_schools_headlines_are_in_its_own_words_in_both_styles() -> None:
    facts = load_facts(DATA / "school_h1.yaml")
    for style in ("plain", "parallel"):
        outline = plan_outline(facts, headline_style=style)
        headings = [s.heading for s in outline.sections if s.role == "body"]
        assert all(not re.search(r"(?<!教)职工", h) for h in headings), headings
    plain = plan_outline(facts, headline_style="plain")
    assert retitle(retitle(plain, "parallel"), "plain") == plain  # adapted headlines still switch back and forth
    assert "女教职工工作" in [s.heading for s in plain.sections]
    township = plan_outline(load_facts(DATA / "township.yaml"), headline_style="plain")
    assert any("职工" in s.heading and "教职工" not in s.heading for s in township.sections)  # others keep 职工
