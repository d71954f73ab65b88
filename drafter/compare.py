"""This year's facts against last year's summary: plan follow-up, year-on-year figures computed
here (never by a model), and the genre's structure checks.

- A plan is `done` when a fact covers its content words (and reaches any target figure it set),
  `partly` when facts touch it or fall short of its target, `none` when no fact does.
- A change is computed when the same indicator (label and unit) has a figure both years:
  增加/减少 N and 增长/下降 X% (one decimal, rounded half up), 百分点 for rates; a zero last-year
  value gives no percentage (上年为零). Each change carries its arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drafter.facts import Facts
from drafter.guard import copied_passages
from drafter.indicators import (
    DOING_WORDS,
    PEOPLE_WORDS,
    content_words,
    figures_in,
    overlap,
    same_indicator,
)
from drafter.last_year import LastYear
from drafter.numbers import number_tokens

DONE_COVERAGE = 0.5  # share of a plan's content words one fact must carry for `done`
PARTLY_COVERAGE = 0.25
SAME_INDICATOR = 0.6
REUSE_LIMIT = 20  # a run longer than this copied from last year's summary is 雷同 (a phrase is shorter)
ROUNDING_NOTE = "保留一位小数，四舍五入"
STATUS_LABELS = {"done": "已落实", "partly": "部分落实", "none": "未见落实"}
def subject_words(text: str) -> set[str]:
    """What a plan or fact is about: its content words without the verbs of doing or the people
    it is done for (教职工 in two items does not make them one)."""
    return {w for w in content_words(text) if w not in DOING_WORDS and w not in PEOPLE_WORDS}


@dataclass
class PlanFollowUp:
    plan: str
    status: str  # done | partly | none
    facts: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Change:
    indicator: str
    last: str
    this: str
    unit: str
    change: str  # 增加60人，增长5.0%
    text: str  # the arithmetic: （1260−1200）÷1200×100%≈5.0%
    fact: str  # the derived fact offered to the draft
    source: str = ""  # this year's fact the figure comes from

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Comparison:
    plans: list[PlanFollowUp]
    changes: list[Change]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plans": [asdict(p) for p in self.plans],
            "changes": [c.to_dict() for c in self.changes],
            "warnings": list(self.warnings),
        }


def compare(facts: Facts, last: LastYear | None) -> Comparison:
    plans = [follow_up(p, facts.facts) for p in last.plans] if last else []
    changes = year_on_year_changes(facts, last) if last else []
    return Comparison(plans, changes, structure_warnings(facts, last))


# ---- plans -----------------------------------------------------------------------------------
def follow_up(plan: str, facts: list[str]) -> PlanFollowUp:
    wanted = subject_words(plan)
    scored = []
    for fact in facts:
        words = subject_words(fact)
        shared = len(wanted & words)
        if not shared:
            continue
        # covers most of the plan, or the fact is mostly about what the plan names
        coverage = max(shared / len(wanted), overlap(wanted, words) if shared >= 2 else 0.0)
        if shared >= 2 or coverage >= PARTLY_COVERAGE:
            scored.append((coverage, fact))
    scored.sort(key=lambda x: -x[0])
    matched = [f for _, f in scored]
    if not matched:
        return PlanFollowUp(plan, "none")
    status = "done" if scored[0][0] >= DONE_COVERAGE else "partly"
    short = _target_short(plan, matched)
    if short:
        return PlanFollowUp(plan, "partly", matched, short)
    return PlanFollowUp(plan, status, matched)


def _target_short(plan: str, facts: list[str]) -> str:
    """A plan that set a figure ("新建非公企业工会20家") is only partly done below it."""
    for target in figures_in(plan):
        for fact in facts:
            for got in figures_in(fact):
                if same_indicator(target, got) >= SAME_INDICATOR and got.value < target.value:
                    return f"目标{target.raw}，实际{got.raw}"
    return ""


# ---- year on year ----------------------------------------------------------------------------
def year_on_year_changes(facts: Facts, last: LastYear) -> list[Change]:
    changes: list[Change] = []
    used: set[int] = set()
    for fact in facts.facts:
        for this in figures_in(fact):
            if not this.label or not this.unit:
                continue
            best, best_i = 0.0, -1
            for i, old in enumerate(last.figures):
                if i in used:
                    continue
                score = same_indicator(this, old)
                if score > best:
                    best, best_i = score, i
            if best >= SAME_INDICATOR:
                used.add(best_i)
                change = year_on_year(this.label, last.figures[best_i].value, this.value, this.unit)
                change.source = fact
                changes.append(change)
    return changes


def _num(value: Decimal) -> str:
    """1260 → "1260", 10.40 → "10.4", 0.80 → "0.8"."""
    text = format(value.normalize(), "f")
    return text


def year_on_year(indicator: str, last: Decimal | None, this: Decimal, unit: str) -> Change:
    """One indicator's change, computed here; rates (%) change in 百分点."""
    now = _num(this)
    shown_unit = "%" if unit == "%" else unit
    if last is None:
        return Change(indicator, "", now, unit, "上年无此数据，不作比较", "上年总结中没有这项数据", "")
    before = _num(last)
    diff = this - last
    if unit in ("%", "‰"):
        points = abs(diff).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        sign = unit
        if diff == 0:
            change = "持平"
        else:
            change = f"{'提高' if diff > 0 else '下降'}{points}个百分点"
        text = f"{now}{sign}−{before}{sign}={'-' if diff < 0 else ''}{points}个百分点（{ROUNDING_NOTE}）"
        fact = f"{indicator}由上年的{before}{sign}{'提高' if diff > 0 else '下降'}到{now}{sign}，{change}" if diff else \
            f"{indicator}为{now}{sign}，与上年持平"
        return Change(indicator, before, now, unit, change, text, fact)
    if diff == 0:
        return Change(indicator, before, now, unit, "持平", f"{now}−{before}=0",
                      f"{indicator}{now}{shown_unit}，与上年持平")
    verb, rate_verb = ("增加", "增长") if diff > 0 else ("减少", "下降")
    amount = f"{verb}{_num(abs(diff))}{shown_unit}"
    if last == 0:
        change = f"{amount}（上年为零，不计算增长率）"
        text = f"{now}−{before}={_num(diff)}；上年为零，增长率无法计算"
        fact = f"{indicator}{now}{shown_unit}，比上年{amount}（上年为零）"
        return Change(indicator, before, now, unit, change, text, fact)
    pct = (abs(diff) / last * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    change = f"{amount}，{rate_verb}{pct}%"
    text = f"（{now}−{before}）÷{before}×100%≈{'-' if diff < 0 else ''}{pct}%（{ROUNDING_NOTE}）"
    fact = f"{indicator}{now}{shown_unit}，比上年{change}"
    return Change(indicator, before, now, unit, change, text, fact)


def derived_facts(changes: list[Change]) -> list[str]:
    """The computed changes as fact items of their own (only those with something to say)."""
    return [c.fact for c in changes if c.fact]


def with_changes(facts: list[str], changes: list[Change]) -> list[str]:
    """This year's facts with each computed change written right after its figure:
    "收到提案15件" → "收到提案15件（比上年增加3件，增长25.0%）". A change whose fact is not in
    the list is added as a derived fact of its own."""
    out = list(facts)
    for c in changes:
        if not c.fact:
            continue
        i = facts.index(c.source) if c.source in facts else -1  # `out[i]` may hold an earlier change
        figure = next((f for f in figures_in(c.source) if f.unit == c.unit and _num(f.value) == c.this), None)
        if i < 0 or figure is None:
            out.append(c.fact)
            continue
        clause = "与上年持平" if c.change == "持平" else "比上年" + c.change.replace("（上年为零，不计算增长率）", "，上年为零")
        if f"（{clause}）" in out[i]:  # written before (the facts were compared once already)
            continue
        m = re.search(re.escape(figure.raw) + r"(?!（比上年|（与上年)", out[i])
        if m is None:
            out.append(c.fact)
            continue
        out[i] = f"{out[i][: m.end()]}（{clause}）{out[i][m.end() :]}"
    return out


def not_carried_out(plan: str) -> str:
    """A plan of last year no fact carried out, as a problem item of this year."""
    return f"上年提出的“{plan}”尚未落实"


def apply_comparison(facts: Facts, result: Comparison) -> tuple[Facts, list[str]]:
    """The facts a draft is made from, with the comparison in them: each computed change after its
    figure, last year's plans carried out for the opening (plans_done), the plans no fact carried
    out as problems; and one line per change made, to tell the user. `facts` is not changed."""
    notes = [f"同比（程序计算）：{c.indicator} {c.change}　算式：{c.text}" for c in result.changes if c.fact]
    done = [p.plan for p in result.plans if p.status == "done"]
    not_done = [not_carried_out(p.plan) for p in result.plans if p.status == "none"]
    notes += [f"上年打算已落实，开头段会提到：{plan}" for plan in done if plan not in facts.plans_done]
    notes += [f"没有找到落实这条上年打算的事实，已写入存在问题（如已落实，请补充事实）：{item}"
              for item in not_done if item not in facts.problems]
    updated = replace(
        facts,
        facts=with_changes(facts.facts, result.changes),
        problems=facts.problems + [n for n in not_done if n not in facts.problems],
        plans_done=facts.plans_done + [p for p in done if p not in facts.plans_done],
    )
    return updated, notes


# ---- structure checks ------------------------------------------------------------------------
def structure_warnings(facts: Facts, last: LastYear | None) -> list[str]:
    from drafter.outline import plan_outline

    warnings: list[str] = []
    for problem in facts.problems:
        words = content_words(problem)
        if not any(overlap(words, content_words(p)) >= 0.3 for p in facts.plans):
            warnings.append(f"存在问题“{problem}”没有对应的下一步打算，请补上措施。")
    for section in plan_outline(facts).sections:
        if section.role == "body" and section.facts and not any(number_tokens(f) for f in section.facts):
            warnings.append(f"“{section.heading}”一节的工作没有任何数据，请补充成效数字。")
    if facts.period == "上半年":
        for fact in facts.facts:
            if "全年" in fact:
                warnings.append(f"上半年总结不应写全年成绩：“{fact}”")
    if last is not None:
        for item in [*facts.facts, *facts.problems, *facts.plans]:
            for passage in reused_from(item, last.text):
                warnings.append(f"与上年总结雷同：“{passage}”，请结合今年实际改写。")
    return warnings


def reused_from(text: str, last_text: str) -> list[str]:
    """Runs of more than REUSE_LIMIT characters that also stand in last year's summary."""
    return copied_passages(text, [last_text.replace("\n", "")], limit=REUSE_LIMIT)


