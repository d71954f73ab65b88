"""The acceptance gate: what a model's answer must be to replace the faithful offline text.

Each failure seen from a real weak model (prompt echo, instructions instead of content, HTML, a
whole summary in Markdown, English, truncation, copies, invented figures, dropped problems)
has a case here, and the faithful texts the offline composer writes must all pass.
"""

from __future__ import annotations

import re

import pytest

from drafter.facts import parse_facts
from drafter.gate import COPY_LIMIT, Expectation, judge, missing_items, tidy
from drafter.guard import CopyIndex
from drafter.prompts import load_template, parts, scaffolding_texts
from drafter.write import facts_block, polish_messages, section_messages

FACTS = parse_facts(
    {
        "unit_name": "青山镇总工会",
        "unit_type": "乡镇工会",
        "year": 2025,
        "facts": [
            "新建非公企业工会12家，新发展会员860人",
            "走访慰问困难职工46户，发放慰问金9.2万元",
            "举办职工技能比武3场，参赛职工210人",
        ],
        "problems": ["部分非公企业工会组织不健全，作用发挥不明显", "工会干部多为兼职，业务能力有待提高"],
        "plans": ["继续推进非公企业建会入会工作", "加强基层工会干部培训"],
    }
)
HEADING = "抓组建，夯实工会组织基础"
OTHERS = ("抓帮扶，把温暖送到职工心坎上", "抓竞赛，团结动员职工建功立业", "存在的问题和不足", "下一步工作打算")
BODY = "我们坚持把建会入会作为基础工作。新建非公企业工会12家，新发展会员860人。工会组织覆盖面进一步扩大。"
PROBLEMS = (
    "在肯定成绩的同时，我们也清醒地看到，工作中还存在一些不足：一是部分非公企业工会组织不健全，作用发挥不明显；"
    "二是工会干部多为兼职，业务能力有待提高。"
)
EXAMPLE = (
    "某某镇总工会全年新建工会组织二十六家，发展会员三千余人，"
    "深入开展“我为职工办实事”活动，慰问困难职工一百余户，职工满意度持续提升，工作成效显著。"
)


def body(**changes: object) -> Expectation:
    values: dict[str, object] = {
        "facts": FACTS,
        "role": "body",
        "heading": HEADING,
        "items": (FACTS.facts[0],),
        "other_headings": OTHERS,
        "other_items": tuple(FACTS.facts[1:]),
        "max_chars": 600,
    }
    values.update(changes)
    return Expectation(**values)  # type: ignore[arg-type]


def problems() -> Expectation:
    return body(role="problems", heading="存在的问题和不足", items=tuple(FACTS.problems), other_items=tuple(FACTS.facts),
                other_headings=(HEADING, *OTHERS[:2], "下一步工作打算"))


COPIES = CopyIndex([EXAMPLE], limit=COPY_LIMIT)


def codes(raw: str, expect: Expectation | None = None, **kwargs: object) -> list[str]:
    return judge(raw, expect or body(), copies=COPIES, **kwargs).codes  # type: ignore[arg-type]


# ---- accepted --------------------------------------------------------------------------------
def test_a_clean_section_is_accepted_unchanged() -> None:
    verdict = judge(BODY, body(), copies=COPIES)
    assert verdict.accepted and verdict.text == BODY and verdict.reason == ""


def test_harmless_wrapping_is_tidied_not_rejected() -> None:
    raw = (
        f"好的，以下是润色后的正文：\n\n一、{HEADING}\n\n**{BODY}**\n\n- 工会组织覆盖面进一步扩大。\n"
        f"（本节约 80 字）\n\n{FACTS.union_name}\n2025年12月31日\n"
    )
    verdict = judge(raw, body(), copies=COPIES)
    assert verdict.accepted, verdict.reason
    assert verdict.text == BODY  # the repeated last sentence is dropped too


def test_model_numbered_list_items_with_figures_are_kept() -> None:
    raw = "一、新建非公企业工会12家，新发展会员860人。\n二、工会组织覆盖面进一步扩大。"
    verdict = judge(raw, body(), copies=COPIES)
    assert verdict.accepted and verdict.text == raw


def test_a_problems_section_in_other_words_is_accepted() -> None:
    raw = "工作中也存在不足。部分非公企业的工会组织还不健全，作用发挥得不够明显；工会干部大多兼职，业务能力还有待提高。"
    assert judge(raw, problems(), copies=COPIES).accepted


def test_a_copy_of_the_text_it_was_given_is_not_a_copy_of_the_examples() -> None:
    given = EXAMPLE + BODY
    expect = body(given=given, items=())
    assert codes(EXAMPLE, expect) == []
    assert codes(EXAMPLE, body(items=())) == ["copied"]


# ---- rejected: what weak models do ------------------------------------------------------------
def test_the_prompt_echoed_as_the_opening_is_rejected() -> None:
    raw = (
        "单位：青山镇总工会（乡镇工会）期间：2025年全年本节任务：开头段：概述本期工作的背景、在谁的领导下、"
        "工作主线和总体成效，以“现将……总结如下：”结尾。只写一段。篇幅：约 200 字。"
    )
    assert "scaffolding" in codes(raw, body(role="opening", heading="", items=()))


def test_the_task_instead_of_the_problems_is_rejected_and_names_the_dropped_items() -> None:
    raw = "存在的问题和不足：把下列问题写成实事求是的段落，不要夸大，也不要补充事实之外的问题。"
    verdict = judge(raw, problems(), copies=COPIES)
    assert {"scaffolding", "missing_item"} <= set(verdict.codes)
    missing = next(p for p in verdict.problems if p.code == "missing_item")
    assert set(missing.items) == set(FACTS.problems)
    assert "漏写" in verdict.reason and "提示词" in verdict.reason


@pytest.mark.parametrize(
    "raw",
    [
        "<!DOCTYPE html><html lang=\"zh-CN\"><body><p>" + BODY + "</p></body></html>",
        BODY + "<br>工作取得实效。",
        "```\n" + BODY + "\n```",
        "## 小结\n" + BODY,
        "| 项目 | 数量 |\n| 新建工会 | 12 |\n" + BODY,
    ],
    ids=["html", "br", "code-fence", "md-heading", "md-table"],
)
def test_markup_is_rejected(raw: str) -> None:
    assert "markup" in codes(raw)


def test_a_whole_summary_in_markdown_is_rejected() -> None:
    raw = (
        f"# {FACTS.title}\n\n## 一、{HEADING}\n\n{BODY}\n\n## 二、{OTHERS[0]}\n\n走访慰问困难职工46户，发放慰问金9.2万元。"
        f"\n\n## 三、{OTHERS[1]}\n\n举办职工技能比武3场，参赛职工210人。\n\n{FACTS.union_name}\n2025年12月31日"
    )
    assert {"markup", "other_section"} <= set(codes(raw))


@pytest.mark.parametrize(
    "raw",
    [
        f"{BODY}\n\n二、{OTHERS[0]}\n走访慰问困难职工46户。",
        f"{BODY}\n{OTHERS[1]}\n别的内容。",
        f"{BODY}\n下一步工作打算：\n继续努力。",
        f"{BODY}\n{FACTS.title}\n2025年，我镇……",
        f"{BODY}\n{FACTS.union_name} 2025年12月31日\n附：后面的东西。",
        BODY + "另外，走访慰问困难职工46户，发放慰问金9.2万元；举办职工技能比武3场，参赛职工210人。",
    ],
    ids=["numbered-heading", "bare-heading", "plans-heading", "title", "signoff-mid", "other-facts"],
)
def test_another_section_or_the_whole_document_is_rejected(raw: str) -> None:
    assert "other_section" in codes(raw)


def test_an_answer_in_english_is_rejected() -> None:
    raw = "This year the trade union founded 12 new unions and recruited 860 members (新建非公企业工会12家，新发展会员860人)."
    assert "language" in codes(raw)


def test_a_cut_off_answer_is_rejected() -> None:
    assert codes(BODY, finish_reason="length") == ["truncated"]
    assert codes(BODY + "部分企业工会作用发挥不") == ["truncated"]


def test_a_run_on_answer_is_rejected() -> None:
    raw = BODY + "".join(f"第{n}项工作我们继续坚持服务职工的宗旨。" for n in range(60))
    assert "too_long" in codes(raw)


def test_a_verbatim_copy_from_the_examples_is_rejected_even_without_figures() -> None:
    assert "copied" in codes(BODY + EXAMPLE[:40] + "。")
    assert "copied" not in codes(BODY + EXAMPLE[:COPY_LIMIT] + "。")


def test_an_invented_figure_is_rejected() -> None:
    verdict = judge(BODY + "另外建成帮扶示范点77个。", body(), copies=COPIES)
    assert verdict.codes == ["invented_number"] and verdict.repairable
    assert "77" in verdict.repair_request()


def test_a_fact_missing_in_substance_is_rejected_even_when_its_figures_are_there() -> None:
    assert codes("我们在12个方面、860项工作中取得进展。") == ["missing_item"]


def test_an_empty_answer_is_rejected() -> None:
    assert codes("好的，以下是正文：\n\n") == ["empty"]


# ---- our own prompt text, wherever it lives ------------------------------------------------
def _static_runs(text: str) -> list[str]:
    """Literal runs of a template between its placeholders, long enough to be recognisable."""
    return [p.strip() for p in re.split(r"\{[a-z_]+\}", text) if len(re.sub(r"\s", "", p)) >= 12]


@pytest.mark.parametrize("piece", [r for t in scaffolding_texts() for r in _static_runs(t)][:80])
def test_every_run_of_our_prompt_text_is_scaffolding(piece: str) -> None:
    raw = "2025年，我们扎实工作。" + piece.replace("\n", "") + "新建非公企业工会12家，新发展会员860人。"
    assert "scaffolding" in codes(raw)


def test_rendered_prompts_echoed_back_are_scaffolding() -> None:
    from drafter.outline import plan_outline

    planned = next(s for s in plan_outline(FACTS).sections if s.role == "body")
    for messages in (section_messages(FACTS, planned, "一", OTHERS, []), polish_messages(FACTS, planned, BODY)):
        for message in messages:
            assert "scaffolding" in codes(message["content"], body(items=tuple(planned.facts)))


def test_the_users_own_words_are_not_scaffolding_even_when_a_prompt_shares_them() -> None:
    # A fact that happens to repeat the prompt's wording is the user's data.
    task = str(parts()["tasks"]["body"])
    fact = "组织开展“" + task[5:17] + "”主题活动12场"
    expect = body(items=(fact,))
    assert "scaffolding" not in codes(f"我们{fact}。工作取得实效。", expect)


def test_prompt_files_are_all_known_to_the_gate() -> None:
    assert load_template("polish") in scaffolding_texts()
    assert facts_block([]) in scaffolding_texts()


# ---- revisions -------------------------------------------------------------------------------
def test_a_revision_must_change_the_text() -> None:
    assert codes(BODY, body(action="polish", given=BODY), previous=BODY) == ["unchanged"]
    assert codes(BODY.replace("。", "。", 1), body(action="rewrite", given=BODY), previous=BODY) == ["unchanged"]


def test_shorten_must_shorten_and_expand_must_lengthen() -> None:
    longer = BODY + "我们将继续努力，把建会入会工作做得更加扎实。"
    shorter = "新建非公企业工会12家，新发展会员860人。"
    assert codes(longer, body(action="shorten", given=BODY), previous=BODY) == ["not_shorter"]
    assert codes(shorter, body(action="expand", given=BODY), previous=BODY) == ["not_longer"]
    assert codes(shorter, body(action="shorten", given=BODY), previous=BODY) == []
    assert codes(longer, body(action="expand", given=BODY), previous=BODY) == []


# ---- the substance of an item -------------------------------------------------------------------
def test_missing_items_by_figures_and_by_words() -> None:
    text = "一是部分非公企业工会组织不健全；二是干部大多兼职，业务能力有待提高。新建工会12家。"
    assert missing_items(text, FACTS.problems) == []
    assert missing_items("一是部分非公企业工会组织不健全，作用发挥不明显。", FACTS.problems) == [FACTS.problems[1]]
    assert missing_items("一是部分企业工会组织不健全。", FACTS.problems) == list(FACTS.problems)
    assert missing_items(text, [FACTS.facts[0]]) == [FACTS.facts[0]]  # 860 is not there


def test_tidy_keeps_what_the_section_says() -> None:
    assert tidy(f"开头段：\n{BODY}", "", FACTS.union_name) == BODY
    assert tidy(f"{BODY}\n（一）{HEADING}\n工作取得实效。", HEADING, FACTS.union_name) == BODY + "\n工作取得实效。"


def test_an_answer_much_shorter_than_the_text_it_replaces_is_rejected() -> None:
    faithful = BODY * 3
    assert codes(BODY, body(min_chars=len(faithful) // 2)) == ["too_short"]
    assert codes(BODY, body(min_chars=len(BODY) // 2)) == []


def test_the_heading_used_as_a_label_is_tidied() -> None:
    assert tidy(f"{HEADING}：{BODY}", HEADING, FACTS.union_name) == BODY
