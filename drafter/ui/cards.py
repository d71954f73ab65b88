"""The section cards: one card per section of the shown draft, each with its own buttons.

A card's buttons update that card in place (no re-render), so unsaved edits in the other
cards are kept. Outputs are named: a handler returns {component: value} for what changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from drafter.config import safe_logger
from drafter.draft import Draft, Section
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.store import StoreError
from drafter.ui import render
from drafter.ui.backend import ACTION_LABELS, QueueEvents, stream_section
from drafter.ui.common import RENDER_QUEUE, Page, card_classes, owner_of
from drafter.ui.figure_facts import add_new_figures
from drafter.ui.section_list import build_add_section, build_list_tools
from drafter.write import REVISE_ACTIONS

log = safe_logger("drafter.ui")

NO_DRAFT = ('<p class="muted">在事实表单中填写本单位的情况（或点“填入示例”），然后点“生成提纲”看结构，'
            "或直接点“生成初稿”。生成后每一节都可以单独修改、重写、锁定。</p>")
# The card's operations: the declared revise actions (write.REVISE_ACTIONS) make their own buttons.
OPS = ("save", "rewrite", *REVISE_ACTIONS, "toggle_lock", "undo")


def draft_facts(draft: Draft) -> list[str]:
    """All the facts, problems and plans a draft was made from (for tracing figures)."""
    try:
        facts = Facts.from_dict(draft.facts)
    except (KeyError, TypeError, ValueError):
        return []
    return [*facts.facts, *facts.problems, *facts.plans]


@dataclass
class Card:
    position: int
    column: gr.Column
    head: gr.HTML
    heading: gr.Textbox
    text: gr.Textbox
    view: gr.HTML  # the text with its figures traced to the facts
    warnings: gr.HTML
    buttons: dict[str, gr.Button]  # by operation, in OPS order
    instruction: gr.Textbox
    add_fact: gr.Button  # 加入事实: shown while the section has figures no fact holds
    notice: gr.HTML
    saved_heading: gr.Textbox
    saved_text: gr.Textbox

    @property
    def controls(self) -> list[Any]:
        """What a running operation switches off: the buttons and the instruction box."""
        return [*self.buttons.values(), self.instruction]

    def outputs(self, page: Page) -> list[Any]:
        return [self.column, self.head, self.heading, self.text, self.view, self.warnings, *self.controls,
                self.add_fact, self.notice, page.notice_box, page.edits, self.saved_heading, self.saved_text]

    def showing(self, draft: Draft) -> dict[Any, Any]:
        """Every part of the card showing the stored section."""
        section = draft.sections[self.position]
        editable = not section.locked
        enabled = gr.update(interactive=editable)
        lock = gr.update(value="解锁" if section.locked else "锁定", interactive=True,
                         variant="primary" if section.locked else "secondary")
        return {
            self.column: gr.update(elem_classes=card_classes(section)),
            self.head: render.card_head(self.position, draft.numbered_headings()[self.position], section),
            self.heading: gr.update(value=section.heading, interactive=editable),
            self.text: gr.update(value=section.text, interactive=editable),
            self.view: render.traced_text(section, draft_facts(draft)),
            self.add_fact: gr.update(visible=bool(render.new_figures(section, draft_facts(draft))),
                                     interactive=editable),
            self.warnings: render.warnings_block(section),
            **{c: enabled for c in self.controls}, self.buttons["toggle_lock"]: lock,
            self.notice: "",
            self.saved_heading: section.heading,
            self.saved_text: section.text,
        }


def build_card(page: Page, position: int, shown: str, section: Section, draft: Draft) -> Card:
    editable = not section.locked
    with gr.Column(elem_classes=card_classes(section), elem_id=f"card-{position}") as column:
        head = gr.HTML(render.card_head(position, shown, section))
        heading = gr.Textbox(section.heading, label="小标题", visible=bool(section.heading), interactive=editable,
                             elem_id=f"heading-{position}")
        view = gr.HTML(render.traced_text(section, draft_facts(draft)), elem_id=f"view-{position}")
        text = gr.Textbox(
            section.text, label="正文（可直接修改，改完点“保存修改”）",
            lines=min(max(4, len(section.text) // 45 + 1), 10), max_lines=40,
            interactive=editable, elem_id=f"text-{position}",
        )
        # what is stored, for the unsaved-edits marker: updated together with the boxes above
        saved_heading = gr.Textbox(section.heading, label="已保存的小标题", visible="hidden", elem_id=f"saved-heading-{position}")
        saved_text = gr.Textbox(section.text, label="已保存的正文", visible="hidden", elem_id=f"saved-text-{position}")
        warnings = gr.HTML(render.warnings_block(section), elem_id=f"warnings-{position}", elem_classes="warnbox")
        small: dict[str, Any] = {"size": "sm", "min_width": 64, "interactive": editable}
        with gr.Row():
            buttons = {
                "save": gr.Button("保存修改", elem_id=f"save-{position}", **small),
                **{name: gr.Button(action.label, elem_id=f"{name}-{position}", **small)
                   for name, action in REVISE_ACTIONS.items()},
                "toggle_lock": gr.Button("解锁" if section.locked else "锁定", size="sm", min_width=64,
                                         variant="primary" if section.locked else "secondary",
                                         elem_id=f"lock-{position}"),
                "undo": gr.Button("撤销", elem_id=f"undo-{position}", **small),
            }
        with gr.Row(equal_height=True):
            instruction = gr.Textbox(label="重写要求", show_label=False, container=False,
                                     placeholder="重写要求，如：突出服务职工的成效，语言更简练", scale=5, interactive=editable, elem_id=f"instr-{position}")
            buttons["rewrite"] = gr.Button("重写", size="sm", scale=1, min_width=64, interactive=editable,
                                           elem_id=f"rewrite-{position}")
        add_fact = gr.Button(f"把{render.NEW_FIGURE}所在的句子加入事实", size="sm", interactive=editable,
                             visible=bool(render.new_figures(section, draft_facts(draft))),
                             elem_id=f"addfact-{position}")
        build_list_tools(page, position, draft, heading, text)
        notice = gr.HTML("", elem_id=f"cardmsg-{position}", elem_classes="msg")
        with gr.Accordion(f"参考来源（{len(section.sources)}）", open=False, elem_id=f"sources-{position}"):
            gr.HTML(render.sources_list(section))
    card = Card(position, column, head, heading, text, view, warnings, {op: buttons[op] for op in OPS},
                instruction, add_fact, notice, saved_heading, saved_text)
    def retrace(state: dict[str, Any] | None, typed: str) -> dict[Any, Any]:
        """The traced view follows the text as the user types (a typed figure shows as new)."""
        if not state or "draft" not in state:
            return {}
        shown = Draft.from_dict(state["draft"])
        if position >= len(shown.sections):
            return {}
        typed_section = shown.sections[position]
        typed_section.text = typed or ""
        facts = draft_facts(shown)
        return {view: render.traced_text(typed_section, facts),
                add_fact: gr.update(visible=bool(render.new_figures(typed_section, facts)))}

    text.input(retrace, [page.draft_state, text], [view, add_fact], trigger_mode="always_last",
               show_progress="hidden", api_visibility="undocumented")
    inputs = [page.draft_state, page.edits, heading, text, instruction]
    add_fact.click(_handler(page, card, "add_fact"), inputs, card.outputs(page), show_progress="hidden",
                   api_visibility="undocumented")
    for op, button in card.buttons.items():
        button.click(_handler(page, card, op), inputs, card.outputs(page), show_progress_on=[text],
                     api_visibility="undocumented")
    return card


def build_cards(page: Page) -> None:
    """The cards of the shown draft (re-rendered when another draft is shown)."""

    @gr.render(inputs=[page.draft_state], **RENDER_QUEUE)
    def cards(state: dict[str, Any] | None) -> None:
        if state and "draft" not in state:  # being generated: the live view shows it
            return
        if not state:
            gr.HTML(NO_DRAFT, elem_id="no-draft")
            return
        draft = Draft.from_dict(state["draft"])
        for position, (shown, section) in enumerate(zip(draft.numbered_headings(), draft.sections, strict=True)):
            build_card(page, position, shown, section, draft)
        build_add_section(page)


def _handler(page: Page, card: Card, op: str) -> Any:
    """A card button's handler (a plain function, so gradio passes it the request)."""
    def handle(state: dict[str, Any] | None, edit_count: int, heading: str, text: str, instruction: str,
               request: gr.Request) -> Iterator[dict[Any, Any]]:
        yield from on_section(page, card, op, state, edit_count, heading, text, instruction, owner_of(request))
    return handle


def on_section(page: Page, card: Card, op: str, state: dict[str, Any] | None, edit_count: int, heading: str,
               text: str, instruction: str, owner: str) -> Iterator[dict[Any, Any]]:
    """A card's button. A revision by the model streams into the text box, which goes back to
    the stored text if it is not accepted."""
    backend = page.backend
    if not state or "draft" not in state:
        box = render.notice("请先生成或打开一份草稿。", "warn")
        yield {card.notice: box, page.notice_box: box}
        return
    draft_id = state["draft"]["id"]
    streamed = False
    try:
        if op in ACTION_LABELS and backend.llm_configured:
            events = QueueEvents()
            job = partial(backend.section_action, owner, draft_id, card.position, op, heading, text, instruction, events)
            working = render.notice(f"大模型正在{ACTION_LABELS[op]}……核对通过后才会替换原文。", "info")
            for item in stream_section(job, events, card.position):
                if isinstance(item, tuple):
                    draft, message = item[0]
                    break
                streamed = True
                # buttons off while the answer streams; the stream is not an unsaved edit
                yield {card.text: gr.update(value=item, interactive=False),
                       **{c: gr.update(interactive=False) for c in card.controls},
                       card.notice: working, card.saved_text: item}
        elif op == "add_fact":  # what the user sees is saved first, then its new figures become facts
            backend.section_action(owner, draft_id, card.position, "save", heading, text)
            draft, message = add_new_figures(backend, owner, draft_id, card.position)
        else:
            draft, message = backend.section_action(owner, draft_id, card.position, op, heading, text, instruction)
    except (UserError, StoreError) as exc:
        # shown on the card (where the user clicked) and at the top; not as a toast, whose
        # title gradio shows in English
        box = render.notice(exc.message if isinstance(exc, UserError) else str(exc), "warn")
        yield {**_restored(page, card, owner, draft_id, streamed), card.notice: box, page.notice_box: box}
        return
    except Exception:
        log.exception("section operation failed")
        box = render.notice("操作失败，原文未改动，请稍后重试。", "error")
        yield {**_restored(page, card, owner, draft_id, streamed), card.notice: box, page.notice_box: box}
        return
    yield {**card.showing(draft), page.notice_box: render.notice(message, "ok"), page.edits: (edit_count or 0) + 1}


def _restored(page: Page, card: Card, owner: str, draft_id: str, streamed: bool) -> dict[Any, Any]:
    """After a failed operation the card is unchanged, except that a card that showed the
    model's streamed answer shows the stored text again, with its buttons back on."""
    stored = page.backend.get_draft(owner, draft_id) if streamed else None
    if stored is None or card.position >= len(stored.sections):
        return {}
    text = stored.sections[card.position].text
    return {card.text: gr.update(value=text, interactive=True),
            **{c: gr.update(interactive=True) for c in card.controls}, card.saved_text: text}
