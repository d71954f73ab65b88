"""Section text with the LLM: prompts in, well-formed section text out, whatever the model does.

Small local models often ignore "write only this section": they add the title, the heading,
other sections, Markdown, a sign-off, or run on. `clean_output` removes all of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from drafter.draft import Section
from drafter.facts import Facts
from drafter.llm import LLMClient
from drafter.outline import PERIOD_PHRASE, PlannedSection
from drafter.prompts import render
from drafter.retrieve import SearchResult

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


def facts_block(items: Sequence[str]) -> str:
    return "\n".join(f"- {i}" for i in items) if items else "（本节没有具体事实，只写概括性的过渡文字，不要出现任何数字）"


def references_block(passages: Sequence[SearchResult]) -> str:
    if not passages:
        return "（无）"
    parts = []
    for n, p in enumerate(passages, 1):
        text = p.text[:MAX_REFERENCE_CHARS]
        parts.append(f"[范文{n}] {p.heading or '开头'}\n{text}")
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


def clean_output(text: str, heading: str, title: str, other_headings: Sequence[str], unit_name: str) -> str:
    """Strip what does not belong to this section's body text."""
    lines = [ln.rstrip() for ln in text.replace("\r", "").split("\n")]
    out: list[str] = []
    for raw in lines:
        line = _MD_INLINE.sub("", _MD_LINE.sub("", raw)).strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        bare = _TOP_HEADING.sub("", line).strip("：:。 ")
        if not out or all(x == "" for x in out):
            # leading title, heading echo or label
            if "工作总结" in line and len(line) <= 40:
                continue
            if heading and (bare == heading.strip("：: ") or line.strip("：: ") == heading):
                continue
            if len(line) <= 12 and line.endswith(("：", ":")) and not re.search(r"\d", line):
                continue
        if _is_other_section(line, bare, heading, other_headings):
            break  # the model went on to another section: cut here
        if line == unit_name or _SIGNOFF_DATE.match(line):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(x for x in _merge_blank(out))


def _is_other_section(line: str, bare: str, heading: str, others: Sequence[str]) -> bool:
    if any(o and bare.startswith(o.strip("：: ")) for o in others if o != heading):
        return True
    if _TOP_HEADING.match(line) and len(line) <= 40:
        return not (heading and heading in line)
    if len(line) <= 20 and _STRAY_HEADINGS.search(line) and not _STRAY_HEADINGS.search(heading or "-"):
        return "。" not in line
    return False


def _merge_blank(lines: list[str]) -> list[str]:
    """Paragraphs separated by one newline (blank lines dropped)."""
    return [ln for ln in lines if ln != ""]


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
    return clean_output(raw, planned.heading, title, other_headings, unit_name)


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
        current_text=section.text,
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
        current_text=section.text,
    )
    return [
        {"role": "system", "content": render("system", unit_name=facts.union_name, title=title)},
        {"role": "user", "content": user},
    ]
