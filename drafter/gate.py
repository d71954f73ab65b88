"""The acceptance gate: model text replaces the faithful offline text only when it passes here.

One place decides, for drafting, regeneration and every revision. The model may only improve
on the offline draft, so everything that makes its answer worse than the floor is a rejection
with a short Chinese reason: our own prompt text echoed, markup, another section or a whole
summary, mostly non-Chinese text, a cut-off ending, a verbatim copy from the examples, a
figure not in the facts, or any of the section's facts, problems or plans missing. Revisions
must also change the text, and shorten or lengthen it when asked to.

Only harmless wrapping is tidied away before judging (a chatty first line, the section's own
heading echoed, bold markers, bullet signs, a trailing sign-off, repeated sentences): anything
that changes what the section says is judged, never cut to fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from drafter.facts import Facts
from drafter.guard import CopyIndex, invented_numbers, unsupported_comparisons
from drafter.kinds import kind_of
from drafter.numbers import number_tokens
from drafter.prompts import parts, scaffolding_texts
from drafter.sentences import sentences
from drafter.tokenize import tokenize
from drafter.write import REFERENCE_LABEL, REVISE_ACTIONS

COPY_LIMIT = 30  # a verbatim run longer than this from the examples is a copy
NGRAM = 8  # an echoed run of our prompt text at least this long is scaffolding
MIN_CHINESE_SHARE = 0.7  # of letters (CJK + Latin) in the text
ITEM_COVERAGE = 0.6  # share of an item's content words that must be in the text
SAME_TEXT = 0.97  # a revision this similar to its input is "unchanged"

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s+")
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>\n]{0,200}>|&(nbsp|lt|gt|amp|quot);")
_MARKDOWN_BLOCK = re.compile(r"(?m)^\s*(#{1,6}\s|```|~~~|\|.*\|\s*$|([-*_=]\s*){3,}$|>\s)")
_SUB_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]\s*")
_TOP_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SIGNOFF_DATE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_HAND_OVER = re.compile(r"(总结|汇报|报告)如下")
_GENRE_HEADINGS = re.compile(r"存在的(主要)?问题|不足之处|下一步|工作打算|工作计划|工作思路|今后(的)?工作")
_PREAMBLE = re.compile(
    r"^(好的|好|当然|以下是|下面是|根据(您|你)|按照(您|你)|这是|为您|我将|我来|现在|修改后|润色后|改写后)"
    r"[^。]{0,40}[：:]$|^(好的|当然|明白)[，,！!。]?$"
)
_LABEL = re.compile(r"^[（(]?(正文|内容|修改后的正文|润色后的正文|本节正文)[）)]?[：:]\s*")
_NOTE = re.compile(r"^[（(]?(注|说明|备注|字数|提示)[：:]|^[（(](本节|全文|共|约)[^）)]{0,20}字[）)]$")
_BOLD = re.compile(r"\*\*|__")
_BULLET = re.compile(r"^\s*[-*+•]\s+")
_ORPHAN_STARTS = "，。；、：,.;:！？)）”"
_ENDINGS = "。！？：”’」』）)…"
_GENERIC_WORDS = frozenset(
    "工作 开展 进行 加强 推进 组织 活动 全年 本年 今年 以及 进一步 继续 积极 深入 有效 部分 相关 方面 "
    "工会 职工 单位 我们 共计 累计 其中".split()
)


@dataclass(frozen=True)
class Expectation:
    """What one section's text must satisfy."""

    facts: Facts
    role: str
    heading: str
    items: Sequence[str] = ()  # the facts, problems or plans this section must carry
    other_headings: Sequence[str] = ()
    other_items: Sequence[str] = ()  # facts placed in other sections
    max_chars: int = 0  # 0: no limit
    min_chars: int = 0  # shorter than this is worse than the faithful text it would replace
    given: str = ""  # text the model was given to work on: copying it is not copying the examples
    action: str = ""  # for revisions: polish | expand | shorten | rewrite


@dataclass(frozen=True)
class Problem:
    code: str  # machine tag, e.g. "scaffolding", "missing_item"
    reason: str  # short Chinese text for the user
    items: tuple[str, ...] = ()  # the offending figures, facts or passages, for a repair request


# Problems one repair request may fix; anything else means the answer is not worth repairing.
REPAIRABLE = frozenset({"invented_number", "missing_item", "copied"})
# gate problem → the line of prompts/parts.yaml `repair` that asks to fix it
_REPAIR_LINE = {"invented_number": "invented_number", "missing_item": "missing_fact", "copied": "copied"}


@dataclass
class Verdict:
    text: str  # the tidied text that was judged
    problems: list[Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @property
    def reason(self) -> str:
        """One Chinese phrase naming every reason, e.g. "夹带了提示词或任务说明；漏写了 1 条事实"."""
        return "；".join(dict.fromkeys(p.reason for p in self.problems))

    @property
    def repairable(self) -> bool:
        return bool(self.problems) and all(p.code in REPAIRABLE for p in self.problems)

    def repair_request(self) -> str:
        """The lines asking a model to fix what it got wrong (from prompts/parts.yaml)."""
        lines = parts()["repair"]
        return "\n".join(
            f"- {lines[_REPAIR_LINE[p.code]].format(text=item)}"
            for p in self.problems
            if p.code in _REPAIR_LINE
            for item in p.items
        )


def tidy(text: str, heading: str, unit_name: str) -> str:
    """Remove harmless wrapping only; nothing that changes what the section says."""
    own = heading.strip("：: ")
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n")]
    out: list[str] = []
    for line in lines:
        line = _BULLET.sub("", _BOLD.sub("", line)).strip()
        if not out and (_PREAMBLE.match(line) or not line):
            continue
        if _NOTE.match(line):
            continue
        bare = _SUB_NUMBER.sub("", _TOP_HEADING.sub("", line)).strip("：:。《》 ")
        if own and bare == own:
            continue
        if not out:
            line = _LABEL.sub("", line)
            if own and line.startswith((own + "：", own + ":")):
                line = line[len(own) + 1 :].strip()  # "特色亮点：……": the heading used as a label
            if len(line) <= 12 and line.endswith(("：", ":")) and not re.search(r"\d", line):
                continue  # a bare label such as "开头段："
        out.append(line)
    while out and (not out[-1] or _is_signoff(out[-1], unit_name)):
        out.pop()  # a trailing sign-off (unit name, date) is the document's, not the section's
    return "\n".join(_dedupe([p for p in out if p]))


def judge(
    raw: str,
    expect: Expectation,
    *,
    finish_reason: str | None = "stop",
    copies: CopyIndex | None = None,
    previous: str = "",
) -> Verdict:
    """Tidy the model's answer and decide whether it may replace the faithful text."""
    text = tidy(raw, expect.heading, expect.facts.union_name)
    verdict = Verdict(text)
    add = verdict.problems.append
    if not text.strip():
        add(Problem("empty", "大模型没有返回正文"))
        return verdict
    markup = has_markup(text)
    if finish_reason == "length":
        add(Problem("truncated", "输出被截断（超出长度上限）"))
    elif text.rstrip()[-1] not in _ENDINGS and not markup:  # markup ends in ">" or "```"
        add(Problem("truncated", "输出在句子中间断开"))
    elif text[0] in _ORPHAN_STARTS:
        add(Problem("truncated", "输出开头残缺"))
    if scaffolding_in(text, expect):
        add(Problem("scaffolding", "夹带了提示词或任务说明"))
    if markup:
        add(Problem("markup", "含有网页代码或排版标记"))
    if not _mostly_chinese(text):
        add(Problem("language", "大部分不是中文"))
    if _other_sections(text, expect):
        add(Problem("other_section", "写进了其他章节或整篇总结"))
    if expect.max_chars and len(text) > expect.max_chars:
        add(Problem("too_long", f"篇幅过长（{len(text)} 字）"))
    if len(text) < expect.min_chars:
        add(Problem("too_short", f"篇幅过短（{len(text)} 字）"))
    copied = [c for c in _copies(text, copies) if c not in _SPACE.sub("", expect.given)]
    if copied:
        add(Problem("copied", f"照抄范文（{max(len(c) for c in copied)} 字）", tuple(copied)))
    invented = invented_numbers(text, expect.facts)
    if invented:
        add(Problem("invented_number", f"出现事实中没有的数字（{'、'.join(invented[:3])}）", tuple(invented)))
    comparisons = unsupported_comparisons(text, expect.facts)  # year-on-year: only computed ones
    if comparisons:
        add(Problem("comparison", f"写了未经计算的增减比较（{'、'.join(comparisons[:3])}）", tuple(comparisons)))
    missing = missing_items(text, expect.items)
    if missing:
        add(Problem("missing_item", f"漏写了事实、问题或打算（{len(missing)} 条）", tuple(missing)))
    for code, reason in kind_of(expect.role).gate_problems(text):  # e.g. no figures in a closing
        add(Problem(code, reason))
    if previous:
        _judge_revision(text, previous, expect.action, add)
    return verdict


UNCHANGED = Problem("unchanged", "修改后与原文几乎相同")


def unchanged(previous: str, text: str) -> bool:
    """`text` is `previous` again, but for spacing and a few characters."""
    before, after = _SPACE.sub("", previous), _SPACE.sub("", text)
    return after == before or _similarity(before, after) >= SAME_TEXT


def _judge_revision(text: str, previous: str, action: str, add: Callable[[Problem], None]) -> None:
    before, after = _SPACE.sub("", previous), _SPACE.sub("", text)
    if unchanged(previous, text):
        add(UNCHANGED)
        return
    declared = REVISE_ACTIONS.get(action)  # its declared length says which way the text must go
    if declared is not None and declared.length < 1 and len(after) >= len(before):
        add(Problem("not_shorter", f"{declared.label}后反而没有变短"))
    elif declared is not None and declared.length > 1 and len(after) <= len(before):
        add(Problem("not_longer", f"{declared.label}后反而没有变长"))


# ---- the checks ---------------------------------------------------------------------------------
def scaffolding_in(text: str, expect: Expectation) -> bool:
    """Any run of our own prompt or task text, or its delimiters and labels, in the answer.

    Runs that also stand in the user's own words (facts, heading, unit name) do not count.
    """
    if _delimiters().search(text) or any(r.search(text) for r in _label_patterns()):
        return True
    own = _SPACE.sub("", "\n".join([*expect.items, expect.heading, expect.facts.union_name, expect.given]))
    compact = _SPACE.sub("", text)
    grams = _scaffold_ngrams()
    for i in range(len(compact) - NGRAM + 1):
        gram = compact[i : i + NGRAM]
        if gram in grams and gram not in own:
            return True
    return False


def has_markup(text: str) -> bool:
    """HTML tags or entities, Markdown headings, code fences, tables, rules or quotes."""
    return bool(_HTML.search(text) or _MARKDOWN_BLOCK.search(text))


def missing_items(text: str, items: Sequence[str]) -> list[str]:
    """Items whose figures, or most of whose content words, are not in the text."""
    figures = set(number_tokens(text))
    words = set(tokenize(text))
    compact = _SPACE.sub("", text)
    missing = []
    for item in items:
        if not set(number_tokens(item)) <= figures:
            missing.append(item)
            continue
        wanted = {w for w in tokenize(item) if len(w) >= 2 and w not in _GENERIC_WORDS and not w.isdigit()}
        if not wanted:
            continue
        found = sum(1 for w in wanted if w in words or w in compact)
        if found / len(wanted) < ITEM_COVERAGE:
            missing.append(item)
    return missing


def _other_sections(text: str, expect: Expectation) -> bool:
    """Another section's heading or facts, the document's title or a sign-off: not this section."""
    title = expect.facts.title
    for line in text.split("\n"):
        bare = _TOP_HEADING.sub("", line).strip("：:。《》 ")
        if title and title in line:
            return True
        if any(h and bare.startswith(h.strip("：: ")) for h in expect.other_headings if h != expect.heading):
            return True
        if _TOP_HEADING.match(line) and len(line) <= 40 and "。" not in line and not re.search(r"\d", line):
            return True  # "二、抓帮扶，…" is a heading; "一、新建工会12家，…。" is a list item
        if len(line) <= 20 and "。" not in line and _GENRE_HEADINGS.search(line) and not _GENRE_HEADINGS.search(
            expect.heading or "-"
        ):
            return True
        if _is_signoff(line, expect.facts.union_name):
            return True
    if kind_of(expect.role).sums_up:  # the opening may sum up the year with the sections' figures
        return False
    if _HAND_OVER.search(text):  # "现将……总结如下" belongs to the opening
        return True
    figures = set(number_tokens(text))
    borrowed = [f for f in expect.other_items if number_tokens(f) and set(number_tokens(f)) <= figures]
    return len(borrowed) >= 2


def _mostly_chinese(text: str) -> bool:
    text = _HTML.sub("", text)  # tags are reported as markup, not as a foreign language
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    return cjk >= 10 and cjk / (cjk + latin) >= MIN_CHINESE_SHARE


def _copies(text: str, copies: CopyIndex | None) -> list[str]:
    if copies is None:
        return []
    return [c for c in copies.find(text) if len(c) > COPY_LIMIT]


def _similarity(a: str, b: str) -> float:
    """Share of character bigrams in common (Dice), cheap and order-tolerant."""
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return 0.0
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def _is_signoff(line: str, unit_name: str) -> bool:
    if _SIGNOFF_DATE.match(line):
        return True
    if unit_name and line.startswith(unit_name):
        rest = line[len(unit_name) :].strip()
        return rest == "" or bool(_SIGNOFF_DATE.match(rest))
    return False


def _dedupe(paragraphs: list[str]) -> list[str]:
    """Drop repeated sentences and paragraphs (small models loop)."""
    seen: set[str] = set()
    out: list[str] = []
    for paragraph in paragraphs:
        kept = []
        for sentence in sentences(paragraph):
            key = sentence.strip()
            if len(key) >= 8 and key in seen:
                continue
            seen.add(key)
            kept.append(sentence)
        joined = "".join(kept).strip()
        if joined:
            out.append(joined)
    return out


# ---- our own prompt text, wherever it lives -------------------------------------------------------
@cache
def _scaffold_ngrams() -> frozenset[str]:
    grams: set[str] = set()
    for piece in scaffolding_texts():
        for fragment in _fragments(piece):
            grams.update(fragment[i : i + NGRAM] for i in range(len(fragment) - NGRAM + 1))
    return frozenset(g for g in grams if len(_CJK.findall(g)) >= NGRAM // 2)


@cache
def _delimiters() -> re.Pattern[str]:
    """Our data delimiters (<<< >>>, the passage label) and every 【label】 the prompt files use."""
    labels = {m for piece in scaffolding_texts() for m in re.findall(r"【[^】\n]{1,12}】", piece)}
    passage = re.escape(REFERENCE_LABEL).replace(r"\{n\}", r"\d+")
    return re.compile("|".join(["<<<", ">>>", passage, *map(re.escape, sorted(labels))]))


@cache
def _label_patterns() -> tuple[re.Pattern[str], ...]:
    """Labels our prompts put at the start of a line ("本节任务：", "篇幅：") echoed as labels."""
    labels = {
        m.group(1)
        for piece in scaffolding_texts()
        for m in re.finditer(r"(?m)^([\u4e00-\u9fff]{2,10})[：:]", piece)
    }
    out = []
    for label in sorted(labels):
        # Short labels (单位：) only count at a line start; longer ones anywhere.
        prefix = "" if len(label) >= 4 else r"(?m)^\s*"
        out.append(re.compile(prefix + re.escape(label) + "[：:]"))
    return tuple(out)


def _fragments(template: str) -> list[str]:
    """A template's literal text between its {placeholders} and line breaks, spaces removed."""
    parts = re.split(r"\{[a-z_]+\}|\n", template)
    return [_SPACE.sub("", p) for p in parts if len(_SPACE.sub("", p)) >= NGRAM]

