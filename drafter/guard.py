"""Faithfulness and hygiene checks on a section's text, and the instructions to repair it.

- Every Arabic number (outside dates and list markers) must come from the user's facts.
- Every fact placed in the section must show its figures there.
- No corpus noise (SEO words, 篇N, placeholders, Markdown, pinyin) may appear.
- No passage longer than 40 characters may be copied verbatim from the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from drafter.draft import PLACEHOLDER_OPEN, Warning
from drafter.facts import Facts
from drafter.kinds import kind_of
from drafter.numbers import number_tokens

COPY_LIMIT = 40
_DATE = re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*日")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:\d{1,2}\s*[、.．](?!\d)|[（(]\d{1,2}[）)])")
NOISE = re.compile(
    r"小编|欢迎阅读|希望大家|范文|篇[一二三四五六七八九十](?![\u4e00-\u9fff])|篇\s*\d|[xX]{2,}|"
    r"[_＿]{2,}|(?<!\d)20\d_|□|\\_|\*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+|\*\*|^#+\s",
    re.MULTILINE,
)


def allowed_numbers(facts: Facts) -> set[str]:
    texts = [*facts.facts, *facts.problems, *facts.plans, facts.topic, facts.unit_name]
    return {n for t in texts for n in number_tokens(t)}


def invented_numbers(text: str, facts: Facts) -> list[str]:
    """Numbers in `text` that no fact contains (dates, years and list markers are exempt)."""
    allowed = allowed_numbers(facts)
    stripped = _LIST_MARKER.sub(" ", _DATE.sub(" ", text))
    return [n for n in dict.fromkeys(number_tokens(stripped)) if n not in allowed]


def non_figure_spans(text: str) -> list[tuple[int, int]]:
    """Where dates, years and list markers stand in `text`: numbers there are not figures."""
    return [m.span() for rx in (_DATE, _LIST_MARKER) for m in rx.finditer(text)]


def as_user_numbers(warnings: list[Warning], typed: set[str]) -> list[Warning]:
    """A figure the user typed in a hand edit is theirs, not an invented one: its warning
    becomes the neutral "new_number" (offered to be added to the facts)."""
    return [
        Warning("new_number", f"数字“{w.text}”是您手工输入的，不在事实中；如属实，可把它加入事实。", w.text)
        if w.kind == "invented_number" and w.text in typed
        else w
        for w in warnings
    ]


# ---- year-on-year comparisons (issue 12) ------------------------------------------------------
# Changes against last year are computed in code (compare.py) and reach a draft as facts. A
# comparison figure in a draft (增长5.0%, 提高3个百分点, 比上年增加60人) that no fact states in a
# comparison was computed by whoever wrote the text, and is flagged.
_COMPARISON = re.compile(
    r"(?:增长|下降|提高|降低|上升|回落|增幅|降幅|翻了?)(?:了)?(?:约|近|超过|达)?\s*"
    r"(\d+(?:\.\d+)?\s*(?:%|％|个百分点|百分点|倍|成))"
    r"|(?:比上年|较上年|同比|比去年|较去年|与上年相比|与去年相比)[^。；，,]{0,12}?(?:增加|减少|多|少|增长|下降|提高|降低)"
    r"(?:了)?(?:约|近)?\s*(\d+(?:,\d{3})*(?:\.\d+)?\s*(?:%|％|个百分点|百分点|倍|成)?)"
)


def comparison_figures(text: str) -> list[str]:
    """The figures of the comparisons in `text`, as number tokens ("5%", "3个百分点", "60")."""
    out: list[str] = []
    for m in _COMPARISON.finditer(text):
        figure = m.group(1) or m.group(2)
        # 4个百分点 is not 增加4户: the kind of change stays with its number
        kind = "个百分点" if "百分点" in figure else next((k for k in ("倍", "成") if k in figure), "")
        out.extend(n + kind for n in number_tokens(figure.replace("个百分点", "").replace("百分点", "")))
    return out


def unsupported_comparisons(text: str, facts: Facts) -> list[str]:
    """Comparison figures in `text` that no fact states as a comparison."""
    allowed = {n for t in [*facts.facts, *facts.problems, *facts.plans] for n in comparison_figures(t)}
    return [n for n in dict.fromkeys(comparison_figures(text)) if n not in allowed]


def missing_facts(text: str, section_facts: Iterable[str]) -> list[str]:
    """Facts of this section whose figures are not all in the text."""
    present = set(number_tokens(text))
    return [f for f in section_facts if not set(number_tokens(f)) <= present]


def copied_passages(text: str, corpus_texts: Sequence[str], limit: int = COPY_LIMIT) -> list[str]:
    """Maximal runs of more than `limit` characters that also stand verbatim in a corpus text."""
    found: list[str] = []
    compact = text.replace("\n", "")
    i = 0
    window = limit + 1
    while i + window <= len(compact):
        piece = compact[i : i + window]
        source = next((c for c in corpus_texts if piece in c), None)
        if source is None:
            i += 1
            continue
        end = i + window  # extend the run as far as it keeps matching
        while end < len(compact) and compact[i : end + 1] in source:
            end += 1
        found.append(compact[i:end])
        i = end
    return found


_SPACE = re.compile(r"\s+")


class CopyIndex:
    """All corpus texts, indexed so a verbatim copy of more than `limit` characters is found fast.

    Windows of k = ⌈(limit+1)/2⌉ characters are indexed at every k-th position of each text: any
    run of limit+1 copied characters contains one of them whole, so looking up every window of
    the draft finds every text a copy could come from; only those are then scanned. Whitespace
    is ignored on both sides (a copy may straddle a line break). Memory: about 1/k of the corpus.
    """

    def __init__(self, texts: Sequence[str], limit: int = COPY_LIMIT) -> None:
        self.limit = limit
        self.k = (limit + 2) // 2
        self.texts = [_SPACE.sub("", t) for t in texts]
        self._windows: dict[str, list[int]] = {}
        for n, t in enumerate(self.texts):
            for i in range(0, len(t) - self.k + 1, self.k):
                ids = self._windows.setdefault(t[i : i + self.k], [])
                if not ids or ids[-1] != n:
                    ids.append(n)

    def find(self, text: str) -> list[str]:
        """Maximal runs of more than `limit` characters of `text` that stand in some corpus text."""
        compact = _SPACE.sub("", text)
        candidates: set[int] = set()
        for i in range(len(compact) - self.k + 1):
            candidates.update(self._windows.get(compact[i : i + self.k], ()))
        if not candidates:
            return []
        return copied_passages(compact, [self.texts[n] for n in sorted(candidates)], self.limit)


def check_section(
    text: str,
    facts: Facts,
    section_facts: Sequence[str],
    corpus_texts: Sequence[str],
    role: str = "body",
    copy_index: CopyIndex | None = None,
) -> list[Warning]:
    """Every problem of one section's text, as warnings (empty when it is clean).

    Copies are looked for in the whole corpus via `copy_index` when given, else in `corpus_texts`.
    """
    warnings: list[Warning] = []
    for n in invented_numbers(text, facts):
        warnings.append(Warning("invented_number", f"数字“{n}”不在您提供的事实中，请核实或删除。", n))
    for n in unsupported_comparisons(text, facts):
        warnings.append(Warning("comparison", f"“{n}”这个增减比较不是程序根据上年数据算出的，请核实或删除。", n))
    if kind_of(role).carries_items:
        for fact in missing_facts(text, section_facts):
            warnings.append(Warning("missing_fact", f"本节缺少这条事实中的数据：{fact}", fact))
    for m in NOISE.finditer(text):
        warnings.append(Warning("noise", f"出现了不应有的字样“{m.group()}”，请删除。", m.group()))
    # The copy index holds every chunk, the retrieved passages among them: scanning those again
    # would find nothing new.
    copies = copy_index.find(text) if copy_index is not None else copied_passages(text, corpus_texts)
    copies = [c for c in copies if len(c) > COPY_LIMIT]  # the index may look for shorter runs
    for passage in copies:
        warnings.append(
            Warning("copied", f"有一段 {len(passage)} 字与范文完全相同，请改写：{passage[:30]}…", passage)
        )
    if PLACEHOLDER_OPEN in text:
        warnings.append(Warning("placeholder", "本节含有待补充内容，请填写后再使用。", PLACEHOLDER_OPEN))
    return warnings
