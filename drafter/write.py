"""Section text with the LLM: prompts in, well-formed section text out, whatever the model does.

Small local models often ignore "write only this section": they add the title, the heading,
other sections, Markdown, a sign-off, or run on. `clean_output` removes all of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from drafter.draft import Section
from drafter.facts import Facts
from drafter.outline import PERIOD_PHRASE, PlannedSection
from drafter.prompts import render
from drafter.retrieve import SearchResult

if TYPE_CHECKING:
    from drafter.llm import LLMClient

Delta = Callable[[str], None]

_TASKS = {
    "opening": "开头段：概述本期工作的背景、在谁的领导下、工作主线和总体成效，以“现将……总结如下：”结尾。只写一段。",
    "body": "正文部分：围绕本节主题，把下列事实写成连贯的段落，先概括做法，再写具体事实，最后点明成效。",
    "problems": "存在的问题和不足：把下列问题写成实事求是的段落，不要夸大，也不要补充事实之外的问题。",
    "plans": "下一步工作打算：把下列打算写成条理清楚的段落，可用“一是……；二是……”。",
}
MAX_REFERENCE_CHARS = 500

_MD_LINE = re.compile(r"^\s*(#{1,6}\s*|[-*+•]\s+|>\s*)")
_MD_INLINE = re.compile(r"\*\*|__|`|\*(?=\S)|(?<=\S)\*")
_TOP_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SIGNOFF_DATE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_STRAY_HEADINGS = re.compile(r"存在的(主要)?问题|不足之处|下一步|工作打算|工作计划|工作思路|今后(的)?工作")


def _data(text: str) -> str:
    """Data placed between our <<< >>> delimiters may not contain them (no breaking out)."""
    return text.replace("<<<", "《").replace(">>>", "》")


def facts_block(items: Sequence[str]) -> str:
    if not items:
        return "（本节没有具体事实，只写概括性的过渡文字，不要出现任何数字）"
    return "\n".join(f"- {_data(i)}" for i in items)


def references_block(passages: Sequence[SearchResult]) -> str:
    if not passages:
        return "（无）"
    parts = []
    for n, p in enumerate(passages, 1):
        text = _data(p.text[:MAX_REFERENCE_CHARS])
        parts.append(f"[范文{n}] {_data(p.heading) or '开头'}\n{text}")
    return "\n\n".join(parts)


def section_messages(
    facts: Facts,
    planned: PlannedSection,
    number: str,
    outline_headings: Sequence[str],
    passages: Sequence[SearchResult],
) -> list[dict[str, str]]:
    heading = planned.heading or "开头段"
    items = list(planned.facts)
    if planned.role == "opening":
        items = []
    user = render(
        "section",
        title=facts.title,
        number=number or "开头",
        heading=heading,
        unit_name=facts.union_name,
        unit_type=facts.unit_type_raw or facts.unit_type,
        year=facts.year,
        period_phrase=PERIOD_PHRASE.get(facts.period, "全年"),
        task=_TASKS.get(planned.role, _TASKS["body"]),
        target_chars=planned.target_chars,
        outline="；".join(h for h in outline_headings if h),
        facts_block=facts_block(items),
        references_block=references_block(passages),
    )
    return [
        {"role": "system", "content": render("system", unit_name=facts.union_name, title=facts.title)},
        {"role": "user", "content": user},
    ]


def max_tokens_for(target_chars: int) -> int:
    """Chinese runs ~1–1.5 tokens a character; leave room, but stop a model that runs on."""
    return int(target_chars * 2 + 200)


_PREAMBLE = re.compile(
    r"^(好的|好|当然|以下是|下面是|根据(您|你)|按照(您|你)|这是|为您|我将|我来|现在)[^。]{0,40}[：:]$|^(好的|当然|明白)[，,！!。]?$"
)
_DELIMITER = re.compile(
    r"^(<<<|>>>)|(开始|结束)\s*>>>$|^【(用户事实|参考范文|需要修正的正文|现有正文|正文)】|^\[范文\d+\]"
)
_RULE = re.compile(r"^([-*_=~]\s*){3,}$|^\|.*\|$")  # horizontal rules, table rows
_NOTE = re.compile(r"^[（(]?(注|说明|备注|字数|提示)[：:]|^[（(](本节|全文|共|约)[^）)]{0,20}字[）)]$")
_SUB_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]\s*")
_SENTENCE_END = re.compile(r"[。！？]")
OPENING_LABELS = ("开头段", "开头", "前言", "引言", "开篇", "开头部分")


def clean_output(
    text: str,
    heading: str,
    title: str,
    other_headings: Sequence[str],
    unit_name: str,
    max_chars: int | None = None,
) -> str:
    """Strip what does not belong to this section's body text.

    Removes Markdown, a chatty preamble, the title, the section's own heading (wherever it is
    echoed), echoed prompt delimiters, notes and the sign-off; cuts where the model moves on to
    another section or starts the document again; drops repeated sentences; and, when
    `max_chars` is given, ends a run-on answer at the last full sentence within it.
    """
    own = {heading.strip("：: ")} if heading else set(OPENING_LABELS)
    lines = [ln.rstrip() for ln in text.replace("\r", "").split("\n")]
    out: list[str] = []
    for raw in lines:
        line = _MD_INLINE.sub("", _MD_LINE.sub("", raw)).strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if _RULE.match(line) or _DELIMITER.search(line) or _NOTE.match(line):
            continue
        bare = _SUB_NUMBER.sub("", _TOP_HEADING.sub("", line)).strip("：:。《》 ")
        started = any(x for x in out)
        if not started and (_PREAMBLE.match(line) or _is_title(line, title)):
            continue
        if bare in own:
            continue  # the section's own heading, echoed
        if not started and len(line) <= 12 and line.endswith(("：", ":")) and not re.search(r"\d", line):
            continue  # a label such as "正文："
        if started and _is_title(line, title):
            break  # the model starts the whole document again
        if _is_other_section(line, bare, heading, other_headings):
            break  # the model went on to another section: cut here
        if _is_signoff(line, unit_name):
            if started:
                break  # what follows a sign-off is not this section
            continue
        out.append(line)
    paragraphs = _dedupe([x for x in out if x])
    if max_chars is not None:
        paragraphs = _cap(paragraphs, max_chars)
    return "\n".join(paragraphs)


def _is_title(line: str, title: str = "") -> bool:
    """The draft's title echoed ("《…2025年工作总结》"): short, no sentence punctuation."""
    line = line.strip("《》 ")
    if title and line == title:
        return True
    return "总结" in line and len(line) <= 45 and not re.search(r"[，。；：:,;！？]", line)


def _is_signoff(line: str, unit_name: str) -> bool:
    if _SIGNOFF_DATE.match(line):
        return True
    rest = line.replace(unit_name, "", 1).strip() if unit_name and line.startswith(unit_name) else None
    return rest is not None and (rest == "" or bool(_SIGNOFF_DATE.match(rest)))


def _dedupe(paragraphs: list[str]) -> list[str]:
    """Drop repeated paragraphs and sentences (small models loop)."""
    seen: set[str] = set()
    out: list[str] = []
    for paragraph in paragraphs:
        kept: list[str] = []
        for sentence in re.findall(r"[^。！？]+[。！？]?", paragraph):
            key = sentence.strip()
            if len(key) >= 8 and key in seen:
                continue
            seen.add(key)
            kept.append(sentence)
        text = "".join(kept).strip()
        if text:
            out.append(text)
    return out


def _cap(paragraphs: list[str], max_chars: int) -> list[str]:
    """At most `max_chars` characters, ending at a full sentence (a run-on answer is cut)."""
    out: list[str] = []
    used = 0
    for paragraph in paragraphs:
        if used + len(paragraph) <= max_chars:
            out.append(paragraph)
            used += len(paragraph)
            continue
        room = paragraph[: max_chars - used]
        ends = [m.end() for m in _SENTENCE_END.finditer(room)]
        if ends:
            out.append(room[: ends[-1]])
        break
    return out or paragraphs[:1]


def _is_other_section(line: str, bare: str, heading: str, others: Sequence[str]) -> bool:
    if any(o and bare.startswith(o.strip("：: ")) for o in others if o != heading):
        return True
    if _TOP_HEADING.match(line) and len(line) <= 40:
        # "二、抓帮扶，…" is a heading; "一、新建工会12家，…。" is the model's own list item
        return not re.search(r"\d", line) and "。" not in line
    if len(line) <= 20 and _STRAY_HEADINGS.search(line) and not _STRAY_HEADINGS.search(heading or "-"):
        return "。" not in line
    return False


def write_section(
    llm: LLMClient,
    messages: list[dict[str, str]],
    planned: PlannedSection,
    title: str,
    other_headings: Sequence[str],
    unit_name: str,
    on_delta: Delta | None = None,
    on_restart: Callable[[], None] | None = None,
) -> str:
    raw = llm.chat(
        messages,
        max_tokens=max_tokens_for(planned.target_chars),
        on_delta=on_delta,
        on_restart=on_restart,
    )
    return clean_output(raw, planned.heading, title, other_headings, unit_name, max_chars_for(planned.target_chars))


def max_chars_for(target_chars: int) -> int:
    """Longest acceptable section text: a model that runs on is cut at a sentence end."""
    return max(int(target_chars * 2.2), target_chars + 400)


REVISE_ACTIONS = {
    "polish": "润色语言，使表达更规范、流畅、有公文气，内容和篇幅基本不变。",
    "expand": "在不增加任何新事实和数字的前提下扩写，充实做法和意义的表述，篇幅增加约一半。",
    "shorten": "精简压缩，删去空话套话，保留全部事实和数字，篇幅减少约一半。",
}


def revise_messages(facts: Facts, section: Section, instruction: str, title: str) -> list[dict[str, str]]:
    length = len(section.text)
    hint = {"expand": f"约 {int(length * 1.5)} 字", "shorten": f"约 {max(int(length * 0.5), 60)} 字"}
    user = render(
        "revise",
        title=title,
        heading=section.heading or "开头段",
        instruction=instruction,
        length_hint=hint.get(_action_of(instruction), f"约 {length} 字"),
        facts_block=facts_block(section.facts),
        current_text=_data(section.text),
    )
    return [
        {"role": "system", "content": render("system", unit_name=facts.union_name, title=title)},
        {"role": "user", "content": user},
    ]


def _action_of(instruction: str) -> str:
    for key, text in REVISE_ACTIONS.items():
        if instruction == text:
            return key
    return ""


def repair_messages(facts: Facts, section: Section, problems: str, title: str) -> list[dict[str, str]]:
    user = render(
        "repair",
        title=title,
        heading=section.heading or "开头段",
        problems=problems,
        facts_block=facts_block(section.facts),
        current_text=_data(section.text),
    )
    return [
        {"role": "system", "content": render("system", unit_name=facts.union_name, title=title)},
        {"role": "user", "content": user},
    ]
