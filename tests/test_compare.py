"""Last year's summary, plan follow-up, year-on-year arithmetic, structure checks, and the
guard's and gate's handling of comparison figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from drafter.compare import (
    compare,
    derived_facts,
    follow_up,
    reused_from,
    with_changes,
    year_on_year,
)
from drafter.draft import Draft, Section, Signoff
from drafter.export import export_json
from drafter.facts import load_facts, parse_facts
from drafter.gate import Expectation, judge
from drafter.guard import check_section, unsupported_comparisons
from drafter.last_year import parse_summary, read_last_year, split_items

DATA = Path(__file__).parent / "data" / "materials"


# ---- arithmetic ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("last", "this", "unit", "change", "text"),
    [
        ("1200", "1260", "人", "增加60人，增长5.0%", "（1260−1200）÷1200×100%≈5.0%"),
        ("9.6", "10.4", "万元", "增加0.8万元，增长8.3%", "（10.4−9.6）÷9.6×100%≈8.3%"),
        ("50", "40", "人", "减少10人，下降20.0%", "（40−50）÷50×100%≈-20.0%"),
        ("3", "2", "个", "减少1个，下降33.3%", "（2−3）÷3×100%≈-33.3%"),
        ("8", "9", "场", "增加1场，增长12.5%", "（9−8）÷8×100%≈12.5%"),  # half up, not to even
        ("11", "11", "份", "持平", "11−11=0"),
    ],
)
def test_counts_and_amounts_change_by_difference_and_percentage(
    last: str, this: str, unit: str, change: str, text: str
) -> None:
    c = year_on_year("指标", Decimal(last), Decimal(this), unit)
    assert c.change == change
    assert c.text.startswith(text)
    if "%" in change:
        assert "保留一位小数" in c.text


def test_rates_change_in_percentage_points() -> None:
    up = year_on_year("参保率", Decimal("92"), Decimal("96"), "%")
    assert up.change == "提高4.0个百分点" and up.text.startswith("96%−92%=4.0个百分点")
    assert "增长" not in up.change  # never a percentage of a percentage
    down = year_on_year("建会率", Decimal("93.5"), Decimal("90"), "%")
    assert down.change == "下降3.5个百分点"
    assert down.fact == "建会率由上年的93.5%下降到90%，下降3.5个百分点"


def test_a_zero_last_year_gives_no_percentage() -> None:
    c = year_on_year("妈咪小屋", Decimal("0"), Decimal("2"), "间")
    assert c.change.startswith("增加2间") and "上年为零" in c.change
    assert "÷" not in c.text and "%" not in c.change
    assert c.fact == "妈咪小屋2间，比上年增加2间（上年为零）"


def test_a_missing_last_year_value_is_not_compared() -> None:
    c = year_on_year("职工书屋", None, Decimal("3"), "个")
    assert "上年无此数据" in c.change and c.fact == ""
    assert derived_facts([c]) == []


# ---- last year's summary -------------------------------------------------------------------
def test_text_summary_plans_problems_and_figures() -> None:
    last = read_last_year(DATA / "上年总结2023.txt")
    assert last.year == 2023
    assert last.plans == [
        "深化合理化建议活动，征集合理化建议150条",
        "建设“妈咪小屋”，关爱哺乳期女职工",
        "丰富职工文化生活，组建职工文体协会",
        "加强班组工会建设，开展优秀班组工会评选",
    ]
    assert last.problems == ["职工文化活动形式比较单一", "班组工会建设不平衡"]
    labelled = {(f.label, f.raw) for f in last.figures}
    assert ("参保率", "92%") in labelled and ("发放慰问金", "4.8万元") in labelled
    assert not any("150" in f.raw for f in last.figures)  # a plan's target is not a result


def test_ordinal_plans_in_one_paragraph() -> None:
    items = split_items(["明年重点做好以下工作：一是推进建会入会，新建工会10家；二是深化集体协商。三是办好职工书屋"])
    assert items == ["推进建会入会，新建工会10家", "深化集体协商", "办好职工书屋"]


def test_plans_under_a_second_half_heading_with_sub_headings() -> None:
    last = parse_summary([
        ("某公司工会2025年上半年工作总结", True),
        ("一、主要工作", True), ("开展技能比武3场，参赛职工210人。", False),
        ("二、下半年工作计划", True),
        ("（一）加强民主管理，召开职代会。", False),
        ("（二）办好职工运动会。", False),
    ], "h1.txt")
    assert last.plans == ["加强民主管理，召开职代会", "办好职工运动会"]
    assert [f.raw for f in last.figures] == ["3场", "210人"]


def test_the_drafters_own_json_export(tmp_path: Path) -> None:
    draft = Draft(
        title="某镇总工会2024年工作总结",
        sections=[
            Section("", "2024年，镇总工会各项工作取得新进展。现将全年工作总结如下：", role="opening"),
            Section("抓组建，夯实工会组织基础", "全年新发展会员1,200人。", role="body"),
            Section("下一步工作打算", "一是继续推进建会；二是加强干部培训。", role="plans"),
        ],
        signoff=Signoff("某镇总工会", "2024年12月31日"),
        facts={"year": 2024, "plans": ["继续推进非公企业建会入会", "加强基层工会干部培训"]},
    )
    path = tmp_path / "2024.json"
    path.write_text(export_json(draft), encoding="utf-8")
    last = read_last_year(path)
    assert last.year == 2024
    assert last.plans == ["继续推进非公企业建会入会", "加强基层工会干部培训"]
    assert [(f.label, f.raw) for f in last.figures] == [("新发展会员", "1,200人")]


def test_a_json_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    from drafter.materials import MaterialError

    path = tmp_path / "x.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(MaterialError, match="导出"):
        read_last_year(path)


# ---- follow-up and comparison on the test set -----------------------------------------------
@pytest.fixture(scope="module")
def result():
    return compare(load_facts(DATA / "facts_2024.yaml"), read_last_year(DATA / "上年总结2023.txt"))


def test_plan_statuses(result) -> None:
    status = {p.plan[:6]: p.status for p in result.plans}
    assert status == {"深化合理化建": "partly", "建设“妈咪小": "done", "丰富职工文化": "none", "加强班组工会": "none"}
    target = next(p for p in result.plans if p.plan.startswith("深化"))
    assert target.note == "目标150条，实际132条" and target.facts


def test_year_on_year_changes(result) -> None:
    changes = {(c.indicator, c.unit): c for c in result.changes}
    assert changes["参保率", "%"].change == "提高4.0个百分点"
    assert changes["发放慰问金", "万元"].change == "减少0.24万元，下降5.0%"
    assert changes["参保职工", "人"].change == "增加150人，增长8.8%"
    assert changes["新建妈咪小屋", "间"].change.startswith("增加2间") and "上年为零" in changes["新建妈咪小屋", "间"].change
    for c in result.changes:
        assert c.last and c.this and c.text


def test_structure_warnings(result) -> None:
    text = "\n".join(result.warnings)
    assert "工会干部业务能力有待提高" in text and "没有对应的下一步打算" in text
    assert "职工文化活动形式比较单一" not in text  # it has a plan
    assert "没有任何数据" in text  # the reading activity's section
    assert "与上年总结雷同" in text and "团结带领全厂职工建功立业" in text


def test_a_first_half_summary_claiming_whole_year_results_is_flagged() -> None:
    facts = parse_facts({"unit_name": "某厂工会", "unit_type": "企业工会", "year": 2025, "period": "上半年",
                         "facts": ["全年开展技能比武3场", "慰问困难职工20户"]})
    warnings = compare(facts, None).warnings
    assert any("上半年总结不应写全年成绩" in w and "技能比武" in w for w in warnings)


def test_a_short_shared_phrase_is_not_reuse() -> None:
    assert reused_from("继续推进非公企业建会入会工作", "一是继续推进非公企业建会入会工作；") == []
    assert reused_from("坚持以职工需求为导向，不断完善困难职工帮扶机制，确保帮扶工作常态化",
                       "我们坚持以职工需求为导向，不断完善困难职工帮扶机制，确保帮扶工作常态化。")


def test_follow_up_without_any_fact() -> None:
    assert follow_up("推进职工书屋建设，新建职工书屋3个", ["慰问困难职工20户"]).status == "none"


# ---- guard and gate: derived figures only ---------------------------------------------------
@pytest.fixture
def derived_facts_obj():
    base = load_facts(DATA / "facts_2024.yaml")
    last = read_last_year(DATA / "上年总结2023.txt")
    base.facts += derived_facts(compare(base, last).changes)
    return base


def test_guard_accepts_the_computed_change_and_flags_any_other(derived_facts_obj) -> None:
    facts = derived_facts_obj
    good = "参保职工1850人，比上年增加150人，增长8.8%；参保率提高4.0个百分点。"
    assert unsupported_comparisons(good, facts) == []
    bad = "参保职工1850人，比上年增长9.5%，征集提案同比增长20%。"
    assert unsupported_comparisons(bad, facts) == ["9.5%", "20%"]
    kinds = [w.kind for w in check_section(bad, facts, [], [])]
    assert kinds.count("comparison") == 2


def test_gate_refuses_a_model_text_with_a_wrong_percentage(derived_facts_obj) -> None:
    facts = derived_facts_obj
    item = next(f for f in facts.facts if f.startswith("参保职工"))
    expect = Expectation(facts=facts, role="body", heading="抓帮扶", items=[item])
    right = judge(f"工会持续做好医疗互助保障工作。{item}，职工参保的积极性明显提高。", expect)
    assert right.accepted, right.reason
    wrong = judge(f"工会持续做好医疗互助保障工作。{item}，参保人数同比增长9.5%，职工参保积极性提高。", expect)
    assert not wrong.accepted and "comparison" in wrong.codes


def test_sharing_only_a_verb_does_not_carry_out_a_plan() -> None:
    facts = ["新建“爱心驿站”户外劳动者服务站点6个", "全年新建非公企业工会15家，新发展会员1,260人"]
    assert follow_up("推进职工书屋建设，新建职工书屋3个", facts).status == "none"
    assert follow_up("建设户外劳动者服务站点，打造“爱心驿站”服务品牌", facts).status == "done"


def test_indicators_match_on_what_they_count() -> None:
    from drafter.indicators import figures_in, same_indicator

    def fig(text: str):
        return figures_in(text)[0]

    assert same_indicator(fig("全年新发展会员1,260人"), fig("发展会员1,200人")) >= 0.6
    assert same_indicator(fig("教职工体检115人"), fig("教职工体检128人")) == 1.0
    assert same_indicator(fig("共有72名教职工参加"), fig("教职工体检115人")) == 0.0  # a noun after the number
    assert same_indicator(fig("教职工体检115人"), fig("教职工115人")) == 0.0
    assert same_indicator(fig("发放慰问金9.6万元"), fig("走访慰问困难职工48户")) == 0.0  # units differ


def test_people_words_alone_do_not_carry_out_a_plan() -> None:
    facts = ["庆三八教职工插花活动，参与人数58人", "举办教职工气排球比赛，72名教职工参加"]
    assert follow_up("组建教职工羽毛球队", facts).status == "none"


def test_changes_are_written_after_their_figure() -> None:
    facts = load_facts(DATA / "facts_2024.yaml")
    result = compare(facts, read_last_year(DATA / "上年总结2023.txt"))
    written = with_changes(facts.facts, result.changes)
    assert len(written) == len(facts.facts)
    joined = "\n".join(written)
    assert "参保职工1,850人（比上年增加150人，增长8.8%），参保率达到96%（比上年提高4.0个百分点）" in joined
    assert "新建“妈咪小屋”2间（比上年增加2间，上年为零）" in joined


def test_percentage_points_are_not_matched_by_a_count_with_the_same_number(derived_facts_obj) -> None:
    facts = derived_facts_obj  # has 比上年增加4件 (提案) and 提高4.0个百分点 (参保率)
    assert unsupported_comparisons("参保率提高4个百分点。", facts) == []
    assert unsupported_comparisons("参保率提高7个百分点，立案数同比增加4件。", facts) == ["7个百分点"]
