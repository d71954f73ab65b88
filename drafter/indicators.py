"""Figures in Chinese work text: the number as written, its unit, and the label it counts.

"新发展会员1,260人" → Figure(raw="1,260人", value=1260, unit="人", label="新发展会员"). Used by
material extraction (a fact's figures), last year's summary (its indicators) and the
year-on-year comparison (same label and unit in both years). Dates, document numbers, list
markers and telephone numbers are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from drafter.gate import _GENERIC_WORDS as GENERIC_WORDS
from drafter.guard import _DATE as DATE_PATTERN
from drafter.numbers import number_tokens
from drafter.tokenize import tokenize

# Verbs that make a sentence a piece of work done (not a greeting, a date line or a notice).
WORK_VERBS: tuple[str, ...] = (
    "开展", "组织", "举办", "举行", "召开", "慰问", "走访", "发放", "资助", "新建", "建立", "组建", "建成",
    "发展", "签订", "培训", "参加", "参与", "参赛", "完成", "投入", "筹集", "帮扶", "救助", "表彰", "评选",
    "命名", "接待", "受理", "调解", "化解", "覆盖", "惠及", "受益", "推荐", "选树", "落实", "办理", "送去",
    "承办", "录入", "吸纳", "服务", "解决", "提供", "购买", "拨付", "支出", "使用", "达到", "提出", "采纳",
    "征集", "排查", "整改", "检查", "宣讲", "授课", "举荐", "创建", "打造", "设立", "配备", "新增", "入会",
    "签约", "协商", "讨薪", "追回", "捐赠", "捐款", "看望", "体检", "疗休养", "达标", "获评", "获得", "荣获",
)
# Verbs a plan is phrased with: sharing 新建 or 建设 does not make a fact carry out a plan, sharing
# what is built (职工书屋) does.
PLAN_VERBS = frozenset("建设 深化 提升 打造 完善 扩大 持续 推动 强化 健全 丰富 做好 抓好 办好 关爱 加大 拓展 巩固 规范".split())
DOING_WORDS = frozenset(WORK_VERBS) | PLAN_VERBS
# Verbs a label may start with that do not change what it counts (签订集体合同 ~ 集体合同).
LABEL_VERBS = PLAN_VERBS | frozenset("开展 组织 举办 举行 召开 新建 建立 组建 建成 发展 签订 发放 完成 新增 达到 "
                                     "提供 使用 拨付 筹集 投入 走访 累计".split())
# Who work is done for: shared by items about different things.
PEOPLE_WORDS = frozenset("职工 教职工 员工 教师 老师 工人 群众 同志 全体 干部职工 会员 广大职工".split())

# Units after a number, longest first so 万元 wins over 元 and 人次 over 人.
UNITS: tuple[str, ...] = tuple(sorted(
    {
        "个百分点", "百分点", "%", "‰", "万元", "亿元", "千元", "元", "万人次", "人次", "万人", "人", "名",
        "户次", "户", "家", "个", "场次", "场", "次", "期", "份", "册", "本", "项", "条", "篇", "所",
        "支", "处", "座", "天", "小时", "学时", "课时", "批", "件", "套", "台", "间", "平方米", "公里",
        "类", "组", "队", "届", "位", "对", "张", "幅", "部", "块", "栏", "封", "单", "笔", "起", "例",
        "万册", "岗", "班", "节", "轮", "年度",
    },
    key=len, reverse=True,
))
# Units that count the same thing: 260名女职工 and a 台账's 人数 260 agree.
UNIT_ALIASES = {"名": "人", "位": "人", "百分点": "个百分点", "％": "%"}
_APPROX = "余多"  # 300余人, 300多人: kept in the raw text, not in the unit
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
FIGURE_RE = re.compile(
    r"(?<![\d.])(\d+(?:,\d{3})*(?:\.\d+)?)\s*([" + _APPROX + r"]?)\s*(" + _UNIT_RE + r"|％)?"
)
_NOT_FIGURE = re.compile(
    r"[〔\[【(（]\s*20\d\d\s*[〕\]】)）]\s*\d+\s*号"  # document numbers 〔2025〕12号
    r"|第\s*\d+\s*[期届名次批号季]"  # issue numbers, rankings
    r"|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"  # dates written 2025/4/23, 2025-04-23
    r"|\d{1,2}\s*[:：]\s*\d{2}"  # times of day
    r"|\d{3,4}-\d{7,8}|1[3-9]\d{9}"  # telephone numbers
    r"|(?m:^\s*\d{1,2}\s*[、.．](?!\d))"  # list markers
)
# Words between a label and its number that are not part of the label.
_LABEL_TAIL = re.compile(r"(共计|合计|累计|总计|共有|共|达到|达|为|约|近|超过|逾|多达|计|有|了|到|至|总数)+$")
_LABEL_HEAD = re.compile(r"^(其中|全年|今年|本年度|本年|年内|当年|上年|去年|同时|此外|另外|并|共|累计|全镇|全区|全县|全市)+")
_CLAUSE = re.compile(r"[，,。；;：:、！？（）()\s]")


@dataclass(frozen=True)
class Figure:
    raw: str  # as written: "1,260人", "300余人", "95%"
    value: Decimal
    unit: str  # "人" (also for 名), "万元", "%"; "" when none follows
    label: str  # what it counts, from the words before it in the same clause
    start: int
    approx: bool = False
    label_after: bool = False  # the label is the noun after the number ("72名教职工")

    @property
    def token(self) -> str:
        """The number as the guard compares numbers (numbers.number_tokens)."""
        return number_tokens(self.raw)[0]

    @property
    def base(self) -> tuple[Decimal, str]:
        """Value and unit with 万/亿 folded in, so 4.56万元 and 45600元 compare equal."""
        for prefix, factor in (("亿", Decimal(100_000_000)), ("万", Decimal(10_000)), ("千", Decimal(1000))):
            if self.unit.startswith(prefix) and len(self.unit) > 1:
                return (self.value * factor).normalize(), self.unit[1:]
        return self.value.normalize(), self.unit

    @property
    def is_rate(self) -> bool:
        return self.unit in ("%", "‰")


def _masked(text: str) -> str:
    """Dates, document numbers, times and phone numbers blanked out (positions kept)."""
    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group())

    return _NOT_FIGURE.sub(blank, DATE_PATTERN.sub(blank, text))


def figures_in(text: str) -> list[Figure]:
    """Every figure of `text` with its unit and label, in order."""
    masked = _masked(text)
    out: list[Figure] = []
    clause_start = 0
    for m in FIGURE_RE.finditer(masked):
        number, approx, unit = m.group(1), m.group(2), m.group(3) or ""
        unit = UNIT_ALIASES.get(unit, unit)
        if not unit and len(number.replace(",", "")) >= 7 and "." not in number:
            continue  # a long bare number is an id or a phone number, not a count
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            continue
        label = _label(masked, clause_start, m.start())
        after = not label
        label = label or _label_after(masked, m.end())
        raw = text[m.start(1) : m.end()].strip()
        out.append(Figure(raw, value, unit, label, m.start(), approx=bool(approx), label_after=after))
        clause_start = m.end()
    return out


def _label(masked: str, after: int, at: int) -> str:
    before = masked[after:at]
    parts = _CLAUSE.split(before)
    label = parts[-1] if parts else ""
    label = _LABEL_TAIL.sub("", label.strip())
    label = _LABEL_HEAD.sub("", label)
    return re.sub(r"[“”\"‘’「」]", "", label).strip()


def _label_after(masked: str, at: int) -> str:
    """For "300余名女职工参加": the counted noun follows the number."""
    rest = re.split(r"\d", _CLAUSE.split(masked[at : at + 12])[0])[0]
    return re.sub(r"(参加|参与|参赛|受益|到场|出席|报名).*$", "", rest).strip()


def content_words(text: str, parts: bool = False) -> set[str]:
    """The words that say what a text is about: no generic work words, numbers or single characters.
    With `parts`, also the parts of long words (for short labels: 合理化建议 ~ 建议)."""
    words = {
        w for w in tokenize(text)
        if len(w) >= 2 and w not in GENERIC_WORDS and w not in UNITS and not re.search(r"\d", w)
    }
    if parts:
        return words
    # jieba's search mode also yields the parts of a long word (教职工 → 教职): counting them
    # would make any two texts about 教职工 look alike.
    return {w for w in words if not any(w != o and w in o for o in words)}


def overlap(a: set[str], b: set[str]) -> float:
    """Share of the smaller word set found in the other (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_indicator(a: Figure, b: Figure) -> float:
    """How surely two figures count the same thing: 0 unless the units agree; then label words."""
    if a.unit != b.unit or not a.label or not b.label:
        return 0.0
    if a.label == b.label:
        return 1.0
    if a.label_after or b.label_after:
        return 0.0  # "72名教职工参加": a weak label, only an equal one is the same indicator
    short, long = sorted((a.label, b.label), key=len)
    if short in long:
        rest = long.replace(short, "", 1)
        # 新发展会员 ~ 发展会员; 教职工体检 is not 教职工
        return 0.9 if not (content_words(rest) - LABEL_VERBS) else 0.0
    return overlap(content_words(a.label, parts=True), content_words(b.label, parts=True)) * 0.85
