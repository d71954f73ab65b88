"""The messages we send a model: one section written from the facts, a faithful draft polished,
a revision, a repair. Every piece of prompt text comes from prompts/ (templates and parts.yaml).

What the model answers is judged by drafter/gate.py, not trusted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drafter.draft import Section
from drafter.facts import Facts
from drafter.genre import active
from drafter.kinds import kind_of
from drafter.outline import PlannedSection
from drafter.prompts import parts, render
from drafter.retrieve import SearchResult

MAX_REFERENCE_CHARS = 500
REFERENCE_LABEL = "[范文{n}]"  # heads each retrieved passage in the write prompt
Messages = list[dict[str, str]]

# How a section is asked of the model: written from the facts with example passages ("write"),
# or the offline composer's faithful text handed over to be polished ("polish"). Small models
# do much better at the narrow second task (measured: benchmarks/quality.py).
STRATEGIES = ("polish", "write")


@dataclass(frozen=True)
class ReviseAction:
    name: str
    label: str  # the button and CLI wording
    request: str  # what the model is asked
    length: float  # wanted length as a factor of the current one
    needs_model: bool


def _revise_actions() -> dict[str, ReviseAction]:
    return {
        name: ReviseAction(name, str(a["label"]), str(a["request"]), float(a["length"]), bool(a["needs_model"]))
        for name, a in parts()["revise_actions"].items()
    }


REVISE_ACTIONS: dict[str, ReviseAction] = _revise_actions()


def _data(text: str) -> str:
    """Data placed between our <<< >>> delimiters may not contain them (no breaking out)."""
    return text.replace("<<<", "《").replace(">>>", "》")


def facts_block(items: Sequence[str]) -> str:
    if not items:
        return str(parts()["no_facts"])
    return "\n".join(f"- {_data(i)}" for i in items)


def references_block(passages: Sequence[SearchResult]) -> str:
    if not passages:
        return "（无）"
    blocks = []
    for n, p in enumerate(passages, 1):
        text = _data(p.text[:MAX_REFERENCE_CHARS])
        blocks.append(f"{REFERENCE_LABEL.format(n=n)} {_data(p.heading) or '开头'}\n{text}")
    return "\n\n".join(blocks)


def _messages(facts: Facts, title: str, user: str) -> Messages:
    return [
        {"role": "system", "content": render("system", unit_name=facts.union_name, title=title)},
        {"role": "user", "content": user},
    ]


def task_of(role: str) -> str:
    return kind_of(role).task()


def _heading(heading: str, role: str) -> str:
    """The section as named to the model: its heading, else its kind (开头段, 结束语)."""
    return heading or kind_of(role).label


def section_messages(
    facts: Facts,
    planned: PlannedSection,
    number: str,
    outline_headings: Sequence[str],
    passages: Sequence[SearchResult],
) -> Messages:
    """Write one section from the facts, in the style of the example passages."""
    items = list(planned.facts) if kind_of(planned.role).carries_items else []
    user = render(
        "section",
        title=facts.title,
        number=number or "开头",
        heading=_heading(planned.heading, planned.role),
        unit_name=facts.union_name,
        unit_type=facts.unit_type_raw or facts.unit_type,
        year=facts.year,
        period_phrase=active().periods[facts.period].phrase if facts.period in active().periods else "全年",
        task=task_of(planned.role),
        target_chars=planned.target_chars,
        outline="；".join(h for h in outline_headings if h),
        facts_block=facts_block(items),
        references_block=references_block(passages),
    )
    return _messages(facts, facts.title, user)


def polish_messages(facts: Facts, planned: PlannedSection, faithful: str) -> Messages:
    """Rewrite the offline composer's faithful section into better prose, keeping every fact."""
    user = render(
        "polish",
        title=facts.title,
        heading=_heading(planned.heading, planned.role),
        target_chars=max(planned.target_chars, len(faithful)),
        current_text=_data(faithful),
    )
    return _messages(facts, facts.title, user)


def max_tokens_for(target_chars: int) -> int:
    """Chinese runs ~1–1.5 tokens a character; leave room, but stop a model that runs on."""
    return int(target_chars * 2 + 200)


def max_chars_for(target_chars: int) -> int:
    """Longest acceptable section text: longer means the model ran on or wrote more than asked."""
    return max(int(target_chars * 2.2), target_chars + 400)


def revise_messages(facts: Facts, section: Section, instruction: str, title: str, action: str = "") -> Messages:
    length = len(section.text)
    factor = REVISE_ACTIONS[action].length if action in REVISE_ACTIONS else 1.0
    user = render(
        "revise",
        title=title,
        heading=_heading(section.heading, section.role),
        instruction=instruction,
        length_hint=f"约 {max(int(length * factor), 60)} 字",
        facts_block=facts_block(section.facts),
        current_text=_data(section.text),
    )
    return _messages(facts, title, user)


def repair_messages(facts: Facts, section: Section, problems: str, title: str) -> Messages:
    user = render(
        "repair",
        title=title,
        heading=_heading(section.heading, section.role),
        problems=problems,
        facts_block=facts_block(section.facts),
        current_text=_data(section.text),
    )
    return _messages(facts, title, user)
