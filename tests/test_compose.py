"""The offline composer and its phrase bank: every fact, nothing invented, no corpus leaks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drafter import phrases
from drafter.compose import (
    as_clause,
    compose_body,
    compose_opening,
    compose_plans,
    compose_problems,
    enumerate_items,
    hand_over,
    section_topics,
    usable_frames,
)
from drafter.draft import PLACEHOLDER_OPEN
from drafter.facts import load_facts, parse_facts
from drafter.guard import COPY_LIMIT, NOISE, invented_numbers
from drafter.outline import PlannedSection, plan_outline, topic_slots
from drafter.retrieve import SearchResult

DATA = Path(__file__).parent / "data" / "facts"
CJK_DIGITS = re.compile(r"[0-9０-９]")


def all_phrases() -> list[str]:
    out: list[str] = []
    for bank in phrases.PHRASES.values():
        for group in bank.values():
            out.extend(group)
    for table in (phrases.SPECIAL_OPEN, phrases.SPECIAL_METHOD, phrases.OPENING, phrases.PROBLEMS,
                  phrases.PLANS, phrases.TAIL_EXPAND):
        for group in table.values():
            out.extend(group)
    out.extend(phrases.EFFECT_LEADS)
    return out


def test_phrase_bank_is_figure_free_short_and_clean() -> None:
    bank = all_phrases()
    assert len(bank) > 150
    for sentence in bank:
        assert not CJK_DIGITS.search(sentence), sentence
        assert len(sentence) <= COPY_LIMIT, sentence  # alone it can never be a >40-char copy
        assert not NOISE.search(sentence), sentence
        assert PLACEHOLDER_OPEN not in sentence
        assert not re.search(r"[A-Za-z_□]|我(镇|校|厂|矿|县|区|市)|某", sentence), sentence


def test_every_topic_has_enough_material() -> None:
    for topic, bank in phrases.PHRASES.items():
        assert len(bank["open"]) >= 2 and len(bank["effect"]) >= 2, topic
        assert len(bank["method"]) >= 6, topic
        assert len(set(bank["method"])) == len(bank["method"]), topic


def test_enumerate_items_uses_chinese_ordinals_only() -> None:
    items = [f"事项{n}完成" for n in range(1, 13)]
    text = enumerate_items(items)
    assert text.startswith("一是事项1完成；二是") and "十一是事项11完成；十二是事项12完成。" in text
    f = parse_facts({"unit_name": "甲工会", "unit_type": "企业", "year": 2025, "facts": items})
    assert invented_numbers(text, f) == []
    assert enumerate_items(["新建工会12家。"]) == "新建工会12家。"
    assert enumerate_items(["甲", "乙"], start=3) == "四是甲；五是乙。"


def test_as_clause_softens_inner_full_stops() -> None:
    assert as_clause("召开会议。审议方案；") == "召开会议，审议方案"


def body(section_facts: list[str], topic: str, target: int = 500, **kw: object) -> str:
    planned = PlannedSection("抓组建，夯实工会组织基础", "body", topic, section_facts, target)
    return compose_body(planned, "seed", [], target, **kw)


FACTS = ["新建非公企业工会12家，新发展会员860人", "建立行业工会联合会3个", "发展新就业形态劳动者会员1,120人"]


def test_body_holds_every_fact_verbatim_and_nothing_invented() -> None:
    f = parse_facts({"unit_name": "甲工会", "unit_type": "乡镇工会", "year": 2025, "facts": FACTS})
    text = body(FACTS, "组织建设")
    for fact in FACTS:
        assert as_clause(fact) in text
    assert invented_numbers(text, f) == []
    assert not NOISE.search(text)
    assert text.count("\n") >= 2  # opener / facts / methods and effect: paragraphs, not one block


def test_body_grows_toward_its_target_but_stays_bounded() -> None:
    short, long = body(FACTS, "组织建设", 200), body(FACTS, "组织建设", 900)
    assert len(short) < len(long)
    assert len(long) <= 900 * 1.15
    thin = body(FACTS[:1], "组织建设", 5000)  # one fact cannot carry 5000 characters of framing
    assert len(thin) < 600


def test_body_is_deterministic_and_depends_on_the_seed() -> None:
    assert body(FACTS, "组织建设") == body(FACTS, "组织建设")
    planned = PlannedSection("抓组建", "body", "组织建设", FACTS, 500)
    one, other = (compose_body(planned, "s", [], 500, draft_seed=unit) for unit in ("甲工会", "乙工会"))
    assert one != other  # another unit's draft does not read word for word the same
    assert set(re.findall(r"[^。\n]+。", one)) & set(re.findall(r"[^。\n]+。", other))  # same bank


def test_sections_sharing_a_topic_never_repeat_a_sentence() -> None:
    texts = [body([FACTS[n]], "组织建设", 400, slot=n, slots=3) for n in range(3)]
    sentences = [set(re.findall(r"[^。\n]+。", t)) - {as_clause(f) + "。" for f in FACTS} for t in texts]
    assert not (sentences[0] & sentences[1]) and not (sentences[1] & sentences[2])
    assert not (sentences[0] & sentences[2])


def test_a_merged_section_draws_on_each_of_its_topics() -> None:
    planned = PlannedSection("抓帮扶，把温暖送到职工身边", "body", "帮扶",
                             ["走访慰问困难职工46户", "开展女职工两癌筛查980人"], 600)
    assert section_topics(planned) == ["帮扶", "女职工"]
    text = compose_body(planned, "s", [], 600)
    assert "女职工" in text.replace("开展女职工两癌筛查980人", "")


def test_school_wording_is_adapted_but_facts_are_not() -> None:
    fact = "召开第六届职工代表大会，征集提案32件"
    text = body([fact], "民主管理", 400, unit_type="学校")
    assert fact in text  # the user's words stay as written
    framing = text.replace(fact, "")
    assert "教职工" in framing and not re.search(r"(?<!教)职工", framing)


@pytest.mark.parametrize(
    ("sheet", "ending"),
    [("unseen/street_annual.yaml", "现将一年来的工会工作总结如下："),
     ("unseen/coal_h1.yaml", "现将上半年工会工作总结如下："),
     ("unseen/farm_h2.yaml", "现将下半年工会工作总结如下："),
     ("unseen/district_special.yaml", "现将新就业形态劳动者入会工作总结如下：")],
)
def test_opening_ends_with_the_hand_over(sheet: str, ending: str) -> None:
    f = load_facts(DATA / sheet)
    outline = plan_outline(f)
    text = compose_opening(f, [s for s in outline.sections if s.role == "body"], [], 250)
    assert text.endswith(ending) and hand_over(f) == ending
    assert text.startswith(f"{f.year}年")
    assert f.union_name in text
    assert invented_numbers(text, f) == []
    assert "\n" not in text


def test_problems_and_plans_frame_only_the_users_items() -> None:
    f = load_facts(DATA / "unseen" / "street_annual.yaml")
    outline = plan_outline(f)
    problems, plans = outline.sections[-2], outline.sections[-1]
    p_text, l_text = compose_problems(problems, f), compose_plans(plans, f)
    assert all(as_clause(x) in p_text for x in f.problems)
    assert all(as_clause(x) in l_text for x in f.plans)
    assert "一是" in p_text and "二是" in p_text and "三是" not in p_text  # no invented third problem
    empty = plan_outline(load_facts(DATA / "unseen" / "school_annual.yaml"))
    assert compose_problems(empty.sections[-2]) == empty.sections[-2].placeholder
    assert compose_plans(empty.sections[-1], f) == empty.sections[-1].placeholder


def result(text: str) -> SearchResult:
    return SearchResult("x", text, 1.0, "a.txt", "文章", "一、", "企业", "年度", "body", "维权")


@pytest.mark.parametrize(
    "bad",
    [
        "塔山x党委非常注重加强基层工会自身建设。",  # a name and an anonymised x
        "每逢节日，我们都积极筹措资金进行慰问。",  # reports a practice of one unit
        "工会组建工作进展不平衡，部分企业对工会组建工作重视不够。",  # a problem, not a frame
        "全年维权工作共受理案件12件，维护职工合法权益。",  # figures
        "努力提高工会工作管理水平，为构建和谐三北作出自己应有贡献。",  # a place name
        "半年来由工会牵头，举办一系列维权活动，维护职工合法权益。",  # an event
        "维权是工会工作的重中之重,必须维护好职工的合法权益。",  # scraped punctuation
    ],
)
def test_mined_frames_reject_specifics(bad: str) -> None:
    assert usable_frames([result(bad)], "维权", "企业") == []


def test_mined_frames_accept_general_statements_on_topic() -> None:
    good = "维权是工会工作的重中之重。"
    off_topic = "职工文化是凝聚人心的重要力量。"
    school_only = "维护教师合法权益是学校工会的基本职责。"
    frames = usable_frames([result(good + off_topic + school_only)], "维权", "企业")
    assert frames == [good]
    assert school_only in usable_frames([result(school_only)], "维权", "学校")


def test_slots_partition_only_sections_of_the_same_topic() -> None:
    f = load_facts(DATA / "unseen" / "street_annual.yaml")
    slots = topic_slots(plan_outline(f).sections)
    assert all(s == (0, 1) for s in slots)  # every topic has one section
