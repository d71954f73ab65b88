"""The guard: invented and missing figures, corpus noise, verbatim copies (plain and indexed)."""

from __future__ import annotations

import random
import time

import pytest

from drafter.draft import placeholder
from drafter.facts import parse_facts
from drafter.guard import (
    COPY_LIMIT,
    NOISE,
    CopyIndex,
    check_section,
    copied_passages,
    invented_numbers,
    missing_facts,
)

FACTS = parse_facts(
    {
        "unit_name": "青山镇总工会",
        "unit_type": "乡镇工会",
        "year": 2025,
        "facts": [
            "新建非公企业工会12家，新发展会员1,200人",
            "发放慰问金9.2万元，受益职工占比达95%",
            "举办技能比武3场",
        ],
        "problems": ["2个村级工会长期未换届"],
        "plans": ["新建职工书屋4个"],
    }
)


def test_fact_figures_are_allowed_in_any_spelling() -> None:
    text = "新建工会12家，会员1200人（即1,200人），慰问金9.20万元，占比95％，比武3场。"
    assert invented_numbers(text, FACTS) == []


def test_figures_from_problems_plans_and_unit_name_are_allowed() -> None:
    assert invented_numbers("有2个村级工会未换届，将新建书屋4个。", FACTS) == []


def test_invented_numbers_are_found_once_each_in_order() -> None:
    text = "新建工会12家，其中示范工会7家；会员增长15.5%，示范工会7家。"
    assert invented_numbers(text, FACTS) == ["7", "15.5%"]


def test_dates_years_and_list_markers_are_exempt() -> None:
    text = "2025年，我们于3月8日、2024年12月召开会议。\n1. 新建工会12家\n（2）举办比武3场\n20日完成。"
    assert invented_numbers(text, FACTS) == []


def test_a_number_in_a_list_marker_position_mid_line_is_not_exempt() -> None:
    assert invented_numbers("新建工会12家，另有8.5家在建。", FACTS) == ["8.5"]


def test_missing_facts_names_the_fact_whose_figures_are_absent() -> None:
    facts = FACTS.facts
    text = "新建非公企业工会12家，新发展会员1,200人。发放慰问金9.2万元。举办技能比武3场。"
    assert missing_facts(text, facts) == [facts[1]]  # 95% is missing
    assert missing_facts(text + "占比95%。", facts) == []


@pytest.mark.parametrize(
    "noise",
    ["下面是小编整理的", "欢迎阅读", "希望大家能够喜欢", "工会工作总结篇一", "篇2", "20xx年", "XX镇", "202_年",
     "__镇", "□□", r"\_\_", "加强*guǎnlǐ", "**加粗**", "# 标题", "范文"],
)
def test_noise_patterns_are_caught(noise: str) -> None:
    assert NOISE.search(noise), noise


@pytest.mark.parametrize(
    "clean",
    ["新建工会12家。", "篇幅适中。", "一是新建工会；二是发展会员。", "2025年工作总结", "篇章"],
)
def test_ordinary_text_is_not_noise(clean: str) -> None:
    assert not NOISE.search(clean), clean


CORPUS = [
    "全年新建基层工会十二家，发展会员八百余人，其中农民工会员四百三十人，非公企业建会率进一步提高，"
    "对村级工会进行规范化建设，完成换届选举若干家。",
    "春节期间开展送温暖活动，走访慰问困难职工三十五户，\n发放慰问金七万元，开展金秋助学，资助困难职工子女上大学。",
]


def test_a_copy_over_the_limit_is_reported_whole() -> None:
    copied = CORPUS[0][5:60]  # 55 characters
    text = "我们认为，" + copied + "这是自己的话。"
    found = copied_passages(text, CORPUS)
    assert found == [copied]


def test_a_copy_at_the_limit_is_allowed() -> None:
    text = "我们认为，" + CORPUS[0][:COPY_LIMIT] + "这是自己的话。"
    assert copied_passages(text, CORPUS) == []
    assert CopyIndex(CORPUS).find(text) == []


def test_copy_index_ignores_line_breaks_on_both_sides() -> None:
    source = CORPUS[1].replace("\n", "")
    copied = source[10:60]
    text = copied[:20] + "\n" + copied[20:]
    assert CopyIndex(CORPUS).find(text) == [copied]


def test_copy_index_agrees_with_the_plain_scan() -> None:
    rng = random.Random(7)
    alphabet = "工会职工组织建设维权帮扶竞赛文化安全经费会员困难慰问开展活动推进加强的了和在，。"
    corpus = ["".join(rng.choice(alphabet) for _ in range(rng.randint(200, 600))) for _ in range(40)]
    index = CopyIndex(corpus)
    for trial in range(60):
        pieces = []
        for _ in range(rng.randint(1, 3)):
            src = rng.choice(corpus)
            start = rng.randint(0, len(src) - 80)
            pieces.append(src[start : start + rng.randint(30, 80)])
            pieces.append("（自写）" * rng.randint(1, 2))
        text = "".join(pieces)
        assert index.find(text) == copied_passages(text, corpus), trial


def test_copy_index_is_fast_on_a_large_corpus() -> None:
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    corpus = ["".join(rng.choice(alphabet) for _ in range(1000)) for _ in range(2000)]  # 2M chars
    index = CopyIndex(corpus)
    draft = "".join(rng.choice(alphabet) for _ in range(3000)) + corpus[1234][100:160]
    started = time.perf_counter()
    found = index.find(draft)
    elapsed = time.perf_counter() - started
    assert found == [corpus[1234][100:160]]
    assert elapsed < 0.5, elapsed


def test_check_section_reports_every_kind() -> None:
    text = (
        "新建非公企业工会12家，其中示范工会7家。小编推荐。"
        + CORPUS[0][:50]
        + placeholder("问题")
    )
    kinds = [w.kind for w in check_section(text, FACTS, FACTS.facts[:1], CORPUS)]
    assert kinds.count("invented_number") == 1
    assert kinds.count("missing_fact") == 1  # 1,200 is absent
    assert "noise" in kinds and "copied" in kinds and "placeholder" in kinds
    for w in check_section(text, FACTS, FACTS.facts[:1], CORPUS):
        assert w.detail and not w.detail.isascii()  # Chinese detail for the user


def test_check_section_uses_the_copy_index_for_the_whole_corpus() -> None:
    text = "我们写道：" + CORPUS[1][:45]
    assert not [w for w in check_section(text, FACTS, [], []) if w.kind == "copied"]
    warnings = check_section(text, FACTS, [], [], copy_index=CopyIndex(CORPUS))
    assert [w.kind for w in warnings] == ["copied"]


def test_opening_is_not_checked_for_missing_facts() -> None:
    assert check_section("开头没有数字。", FACTS, FACTS.facts, [], role="opening") == []


