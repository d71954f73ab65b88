"""The outline file (issue 11): written by `drafter outline`, edited by a cadre, drafted from.

Round trip, every kind of bad file naming its line, and drafts that follow an edited outline —
through the library and through the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drafter.drafting import Drafter
from drafter.facts import Facts, load_facts
from drafter.numbers import number_tokens
from drafter.outline import Outline, PlannedSection, plan_outline
from drafter.outline_file import (
    OutlineError,
    load_outline,
    outline_text,
    parse_outline,
    write_outline,
)
from drafter.store import DraftStore
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus

DATA = Path(__file__).parent / "data" / "facts"
SHEETS = [DATA / "township.yaml", DATA / "school_h1.yaml", DATA / "special.yaml", *sorted((DATA / "unseen").glob("*.yaml"))]
TOWNSHIP = DATA / "township.yaml"


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def line_no(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based number of the nth line holding `needle`."""
    hits = [n for n, line in enumerate(lines_of(text), 1) if needle in line]
    assert len(hits) >= nth, needle
    return hits[nth - 1]


def problems(text: str, facts: Facts) -> list[str]:
    with pytest.raises(OutlineError) as info:
        parse_outline(text, facts)
    assert info.value.exit_code == 2
    return info.value.messages


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_outline(path: Path) -> None:
    facts = load_facts(path)
    planned = plan_outline(facts)
    text = outline_text(planned)
    assert parse_outline(text, facts) == planned
    # the facts stand in the file exactly as the user wrote them, each once
    for item in [*facts.facts, *facts.problems, *facts.plans]:
        assert sum(line.strip() in (f"- {item}", f"- {json.dumps(item, ensure_ascii=False)}") for line in lines_of(text)) == 1, item


def test_closing_round_trips_without_a_headline_or_facts() -> None:
    """The closing (结束语) has no headline, like the opening: a written outline parses back."""
    facts = Facts(unit_name="测试工会", unit_type="企业", year=2025, facts=["开展技能比武3场"], closing=True)
    planned = plan_outline(facts)
    assert planned.sections[-1].role == "closing"
    text = outline_text(planned)
    assert "结束语没有小标题" in text
    assert parse_outline(text, facts) == planned


def test_tricky_fact_text_round_trips() -> None:
    items = ["职工满意率: 95%", "- 以横线开头的事实12条", "#井号开头3次", '含"引号"的事实5次', "yes", "2025-12-31 举办活动1场"]
    facts = Facts(unit_name="测试工会", unit_type="企业", year=2025, facts=items)
    planned = plan_outline(facts)
    assert parse_outline(outline_text(planned), facts) == planned


def test_written_file_explains_the_edits_in_chinese(tmp_path: Path) -> None:
    facts = load_facts(TOWNSHIP)
    path = write_outline(plan_outline(facts), tmp_path / "提纲.yaml")
    text = path.read_text(encoding="utf-8")
    for words in ("改小标题", "调整顺序", "增加一节", "删除一节", "合并两节", "移动事实", "小标题:", "事实:", "类型: 正文"):
        assert words in text
    assert load_outline(path, facts) == plan_outline(facts)


def test_unknown_fact_is_named_with_its_line() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts)).replace("举办职工技能比武3场", "举办职工技能比武30场")
    msgs = problems(text, facts)
    line = line_no(text, "举办职工技能比武30场")
    assert any(m.startswith(f"第 {line} 行") and "事实文件中没有这条事实" in m for m in msgs), msgs
    # and the fact it replaced is placed nowhere now: said too, never dropped silently
    assert any("没有放进任何一节" in m and "举办职工技能比武3场" in m for m in msgs), msgs


def test_duplicate_fact_is_named_with_both_lines() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts))
    dup = "      - 新建职工书屋4个，新增图书2,600册\n"
    text = text.replace("      - 举办职工技能比武3场，参赛职工210人\n", "      - 举办职工技能比武3场，参赛职工210人\n" + dup)
    first, second = line_no(text, "新建职工书屋4个"), line_no(text, "新建职工书屋4个", 2)
    msgs = problems(text, facts)
    assert any(m.startswith(f"第 {second} 行") and f"第 {first} 行已经出现过" in m for m in msgs), msgs


def test_fact_placed_nowhere_is_an_error() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts)).replace("      - 新建职工书屋4个，新增图书2,600册\n", "")
    msgs = problems(text, facts)
    assert any("没有放进任何一节" in m and "新建职工书屋4个" in m for m in msgs), msgs


def test_empty_section_names_its_line() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts))
    text = text.replace("  - 小标题: 抓维权，维护职工合法权益\n", "  - 小标题: 新的一节\n    类型: 正文\n    事实: []\n\n  - 小标题: 抓维权，维护职工合法权益\n")
    msgs = problems(text, facts)
    assert any(m.startswith(f"第 {line_no(text, '新的一节')} 行") and "没有事实" in m for m in msgs), msgs


def test_unknown_role_and_key_name_their_lines() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts)).replace("类型: 问题", "类型: 问答").replace("    篇幅: 257\n", "    字体: 黑体\n", 1)
    msgs = problems(text, facts)
    assert any(m.startswith(f"第 {line_no(text, '类型: 问答')} 行") and "类型“问答”无法识别" in m for m in msgs), msgs
    assert any(m.startswith(f"第 {line_no(text, '字体: 黑体')} 行") and "无法识别“字体”" in m for m in msgs), msgs


def test_bad_yaml_names_its_line() -> None:
    facts = load_facts(TOWNSHIP)
    text = outline_text(plan_outline(facts)).replace("    类型: 正文\n    主题: 维权", "   类型: 正文\n    主题: 维权")
    (msg,) = problems(text, facts)
    bad_line = lines_of(text).index("   类型: 正文") + 1  # the line indented one space short
    assert msg == f"第 {bad_line} 行附近格式有误，请检查缩进、冒号和“- ”。"


def edited_outline(facts: Facts) -> tuple[str, Outline]:
    """The township plan, edited as the issue asks: a headline renamed, two sections swapped,
    a fact moved, a section added (with a fact moved in) and a section removed (merged)."""
    text = outline_text(plan_outline(facts))
    text = text.replace("抓组建，夯实工会组织基础", "抓组建，让工会覆盖更广")  # rename
    blocks = text.split("\n\n")  # one block per section after the header and title
    wei = next(i for i, b in enumerate(blocks) if "抓维权" in b)
    bang = next(i for i, b in enumerate(blocks) if "抓帮扶" in b)
    blocks[wei], blocks[bang] = blocks[bang], blocks[wei]  # reorder
    text = "\n\n".join(blocks)
    # move a fact: the safety contest from 竞赛 to 维权
    safety = "      - 组织职工参加安全知识竞赛，参赛320人\n"
    text = text.replace(safety, "").replace("      - 组织开展工资集体协商", safety + "      - 组织开展工资集体协商")
    # merge: 文化 into a new section, removing the old one
    culture = next(b for b in text.split("\n\n") if "抓文化" in b)
    text = text.replace("\n\n" + culture, "")
    added = (
        "  - 小标题: 抓阵地，建设职工之家\n    类型: 正文\n    事实:\n"
        "      - 新建职工书屋4个，新增图书2,600册\n"
    )
    text = text.replace("  - 小标题: 存在的问题和不足", added + "\n  - 小标题: 存在的问题和不足")
    return text, parse_outline(text, facts)


def test_edited_outline_parses_to_the_edits() -> None:
    facts = load_facts(TOWNSHIP)
    _, outline = edited_outline(facts)
    bodies = [s for s in outline.sections if s.role == "body"]
    assert [s.heading for s in bodies] == [
        "抓组建，让工会覆盖更广", "抓帮扶，把温暖送到职工心坎上", "抓维权，维护职工合法权益",
        "抓竞赛，团结动员职工建功立业", "抓阵地，建设职工之家",
    ]
    assert bodies[2].facts[0] == "组织职工参加安全知识竞赛，参赛320人"
    assert bodies[3].facts == ["举办职工技能比武3场，参赛职工210人"]
    assert bodies[4] == PlannedSection("抓阵地，建设职工之家", "body", "职工文化", ["新建职工书屋4个，新增图书2,600册"], 300)


def test_drafting_follows_the_edited_outline(tmp_path: Path) -> None:
    facts = load_facts(TOWNSHIP)
    _, outline = edited_outline(facts)
    draft = Drafter(None, DraftStore(tmp_path / "d.sqlite3")).draft(facts, offline=True, outline=outline).draft
    assert [s.heading for s in draft.sections] == [s.heading for s in outline.sections]
    assert [s.facts for s in draft.sections] == [s.facts for s in outline.sections]
    for section in draft.sections:
        for fact in section.facts:  # each fact's figures stand in its own section
            assert set(number_tokens(fact)) <= set(number_tokens(section.text)), (section.heading, fact)


# ---- the real CLI -------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), target, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    return target


def test_cli_outline_edit_then_draft(data_dir: Path, tmp_path: Path) -> None:
    env = cli_env(data_dir)
    out = tmp_path / "提纲.yaml"
    r = run_cli(["outline", str(TOWNSHIP), "-o", str(out)], env)
    assert r.returncode == 0, r.stderr
    assert f"提纲已保存到 {out}" in r.stderr and "--outline" in r.stderr
    facts = load_facts(TOWNSHIP)
    assert load_outline(out, facts).sections  # the file the CLI wrote reads back
    text, outline = edited_outline(facts)
    out.write_text(text, encoding="utf-8")
    r = run_cli(["draft", str(TOWNSHIP), "--outline", str(out), "--offline", "--json"], env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [s["heading"] for s in data["sections"]] == [s.heading for s in outline.sections]
    assert [s["facts"] for s in data["sections"]] == [s.facts for s in outline.sections]


def test_cli_bad_outline_exits_2_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    env = cli_env(data_dir)
    facts = load_facts(TOWNSHIP)
    bad = tmp_path / "坏提纲.yaml"
    text = outline_text(plan_outline(facts)).replace("类型: 打算", "类型: 计划")
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "稿.docx"
    r = run_cli(["draft", str(TOWNSHIP), "--outline", str(bad), "--offline", "-o", str(out)], env)
    assert r.returncode == 2
    assert f"第 {line_no(text, '类型: 计划')} 行" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert not (data_dir / "drafts.sqlite3").exists() or not DraftStore(data_dir / "drafts.sqlite3").list_drafts()
    r = run_cli(["outline", str(TOWNSHIP), "-o", str(tmp_path / "提纲.txt")], env)
    assert r.returncode == 2 and ".yaml" in r.stderr


def test_outline_problems_for_an_outline_shaped_in_the_ui() -> None:
    """The same rules for an Outline built in memory (the UI): each problem names its section."""
    from drafter.outline_file import outline_problems

    facts = load_facts(TOWNSHIP)
    planned = plan_outline(facts)
    assert outline_problems(planned, facts) == []
    culture = next(s for s in planned.sections if "抓文化" in s.heading)
    moved = culture.facts.pop()
    planned.sections.insert(2, PlannedSection("抓阵地，建设职工之家", "body"))
    planned.sections[1].facts.append(planned.sections[1].facts[0])
    msgs = outline_problems(planned, facts)
    assert "“抓阵地，建设职工之家”一节：这一节没有事实；请移入至少一条事实，或删掉这一节。" in msgs
    assert any(m.startswith(f"“{culture.heading}”一节：") and "没有事实" in m for m in msgs), msgs
    assert any("已经出现过" in m and m.startswith(f"“{planned.sections[1].heading}”一节") for m in msgs), msgs
    assert any("没有放进任何一节" in m and moved[:20] in m for m in msgs), msgs
