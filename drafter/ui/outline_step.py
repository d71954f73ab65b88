"""The outline step: after the facts, the planned outline, shaped by the user, then drafted.

The outline lives in the session (gr.State) and is mirrored into the browser's storage, so a
reload brings back an outline not yet drafted (with its facts in the form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafter.errors import UserError
from drafter.facts import Facts, FactsError
from drafter.genre import DEFAULT_STYLE
from drafter.kinds import kind_of
from drafter.outline import Outline, plan_outline
from drafter.ui import outline_ops as ops
from drafter.ui import render
from drafter.ui.common import RENDER_QUEUE, Page, owner_of
from drafter.ui.form import FactsForm, parse_form
from drafter.ui.generation import GENERATE_CONCURRENCY, DraftArea, run_draft
from drafter.ui.style import SHOW_DRAFT_JS

KIND_NOTES = {"problems": "存在问题", "plans": "下一步打算"}
INTRO = ("先看看结构：可以改小标题、上下移动、并入上一节、删除或添加一节，把事实移到别的节，"
         "满意后点“按提纲起草”。提纲按生成时的事实排列，改了事实表单请重新生成提纲。")


@dataclass
class OutlineStep:
    state: gr.State  # {"owner", "facts": Facts.to_dict(), "outline": outline_ops.to_dict()} or None
    saved: gr.BrowserState  # the same, kept in the browser
    panel: gr.Column
    head: gr.HTML
    fact: gr.Dropdown
    target: gr.Dropdown
    move_btn: gr.Button
    new_heading: gr.Textbox
    add_btn: gr.Button
    style: gr.Radio
    notice: gr.HTML
    draft_btn: gr.Button


def outline_of(state: dict[str, Any] | None) -> Outline | None:
    return ops.from_dict(state["outline"]) if state and state.get("outline") else None


def head_html(outline: Outline) -> str:
    return f'<div class="ol-title">{render.esc(outline.title)}</div><p class="muted">{render.esc(INTRO)}</p>'


def facts_html(section: Any) -> str:
    if not section.facts:
        empty = "（未填写，草稿中会留“待补充”）" if section.role in KIND_NOTES else "（还没有事实，请移入或删除这一节）"
        return f'<p class="muted">{empty}</p>'
    kind = KIND_NOTES.get(section.role, "事实")
    items = "".join(f"<li>{render.esc(f)}</li>" for f in section.facts)
    return f'<div class="ol-kind">{kind}（{len(section.facts)}）</div><ul class="ol-facts">{items}</ul>'


def build_outline_step(secret: str) -> OutlineStep:
    state = gr.State(None)
    saved = gr.BrowserState(None, storage_key="drafter-outline", secret=secret)
    with gr.Column(visible=False, elem_id="outline-panel") as panel:
        head = gr.HTML("", elem_id="outline-head")
        style = gr.Radio([(label, key) for key, label in ops.styles().items()], value=None, label="小标题样式",
                         elem_id="ol-style")

        @gr.render(inputs=[state], **RENDER_QUEUE)
        def sections(current: dict[str, Any] | None) -> None:
            outline = outline_of(current)
            if outline is None:
                return
            _section_rows(step, outline)

        with gr.Row(equal_height=False, elem_classes=["ol-row", "align-end"]):
            fact = gr.Dropdown([], label="把这条事实", scale=3, elem_id="ol-fact")
            target = gr.Dropdown([], label="移到", scale=2, elem_id="ol-target")
            move_btn = gr.Button("移动", size="md", scale=1, min_width=70, elem_id="ol-move")
        with gr.Row(equal_height=False, elem_classes="align-end"):
            new_heading = gr.Textbox(label="添加一节（写小标题）", placeholder="如：抓阵地，建设温馨职工之家（或：职工之家建设）",
                                     scale=4, elem_id="ol-new")
            add_btn = gr.Button("添加一节", size="md", scale=1, min_width=90, elem_id="ol-add")
        notice = gr.HTML("", elem_id="ol-notice", elem_classes="msg")
        draft_btn = gr.Button("按提纲起草", variant="primary", size="lg", elem_id="btn-draft-outline")
    step = OutlineStep(state, saved, panel, head, fact, target, move_btn, new_heading, add_btn, style, notice,
                       draft_btn)
    return step


def style_of(state: dict[str, Any]) -> str:
    """The headline style the outline is in: as switched, else as the facts asked, else the default."""
    return str(state.get("style") or state.get("facts", {}).get("headline_style") or DEFAULT_STYLE)


def _section_rows(step: OutlineStep, outline: Outline) -> None:
    """One row per section: its headline (editable), buttons to move, merge and remove it, its facts."""
    names = ops.labels(outline)
    bodies = ops.body_positions(outline)
    for i, section in enumerate(outline.sections):
        with gr.Column(elem_classes="ol-row", elem_id=f"ol-section-{i}"):
            if not section.heading:  # the opening, the closing: no headline to edit
                gr.HTML(f"<b>{names[i]}</b>：{kind_of(section.role).purpose}（不设小标题）")
                continue
            number = names[i].split("、", 1)[0]
            heading = gr.Textbox(section.heading, label=f"第{number}节小标题（改完按回车）",
                                 interactive=True, elem_id=f"ol-heading-{i}")
            if i in bodies:
                with gr.Row(elem_classes="ol-buttons"):
                    small: dict[str, Any] = {"size": "sm", "scale": 0, "min_width": 96}
                    up = gr.Button("上移", elem_id=f"ol-up-{i}", **small)
                    down = gr.Button("下移", elem_id=f"ol-down-{i}", **small)
                    merge = gr.Button("并入上一节", elem_id=f"ol-merge-{i}", **small)
                    remove = gr.Button("删除这一节", variant="stop", elem_id=f"ol-remove-{i}", **small)
            gr.HTML(facts_html(section), elem_id=f"ol-facts-{i}")
        outputs = [step.state, step.notice]
        for trigger in (heading.submit, heading.blur):
            trigger(_apply(ops.rename, i), [step.state, heading], outputs, api_visibility="undocumented")
        if i in bodies:
            up.click(_apply(ops.move, i, -1), [step.state], outputs, api_visibility="undocumented")
            down.click(_apply(ops.move, i, 1), [step.state], outputs, api_visibility="undocumented")
            merge.click(_apply(ops.merge_up, i), [step.state], outputs, api_visibility="undocumented")
            remove.click(_apply(ops.remove, i), [step.state], outputs, api_visibility="undocumented")


def _apply(operation: Callable[..., tuple[Outline, str]], *bound: Any) -> Callable[..., tuple[Any, str]]:
    """A handler running one outline operation: (state, *inputs) → (new state, notice)."""
    def handle(state: dict[str, Any] | None, *inputs: Any) -> tuple[Any, str]:
        outline = outline_of(state)
        if outline is None:
            return gr.skip(), render.notice("请先生成提纲。", "warn")
        assert state is not None
        try:
            changed, message = operation(outline, *bound, *inputs)
        except UserError as exc:
            return gr.skip(), render.notice(exc.message, "warn")
        if not message:  # nothing changed (e.g. a headline left as it was)
            return gr.skip(), gr.skip()
        return {**state, "outline": ops.to_dict(changed)}, render.notice(message, "ok")
    return handle


def wire_outline_step(step: OutlineStep, page: Page, form: FactsForm, area: DraftArea) -> None:
    backend = page.backend

    def make_outline(*values: Any) -> dict[Any, Any]:
        *fields, request = values
        try:
            facts = parse_form(fields)
        except FactsError as exc:
            return {form.errors: render.form_errors(exc.messages),
                    page.notice_box: render.notice("表单还有需要修改的地方，见事实表单中的红框。", "warn")}
        outline = plan_outline(facts, backend.retriever())
        state = {"owner": owner_of(request), "facts": facts.to_dict(), "outline": ops.to_dict(outline)}
        return {form.errors: "", step.state: state, step.notice: "",
                page.notice_box: render.notice("提纲已生成，请调整提纲后点“按提纲起草”。", "ok")}

    def make_outline_handler(unit_name: str, unit_type: str, period: str, year: Any, topic: str, facts: str,
                             problems: str, plans: str, length: Any, date: str, closing: bool,
                             headline_style: str, plans_done: str, request: gr.Request) -> dict[Any, Any]:
        """The planned outline of the form's facts (shown for the user to shape)."""
        return make_outline(unit_name, unit_type, period, year, topic, facts, problems, plans, length, date,
                            closing, headline_style, plans_done, request)

    form.outline_btn.click(make_outline_handler, form.fields,
                           [form.errors, step.state, step.notice, page.notice_box], api_name="plan_outline",
                           js=SHOW_DRAFT_JS)

    def shown(state: dict[str, Any] | None) -> dict[Any, Any]:
        """The panel follows the state; the state is kept in the browser too."""
        outline = outline_of(state)
        if outline is None:  # {}: gradio's browser state keeps its old value when given None
            return {step.panel: gr.update(visible=False), step.saved: {}}
        names = ops.labels(outline)
        facts = [(f"{f[:40]}（{names[i].split('、')[0]}）", f) for f, i in ops.body_facts(outline)]
        targets = [(names[i], i) for i in ops.body_positions(outline)]
        return {step.panel: gr.update(visible=True), step.saved: state, step.head: head_html(outline),
                step.fact: gr.update(choices=facts, value=None), step.target: gr.update(choices=targets, value=None),
                step.style: style_of(state)}

    step.state.change(shown, [step.state], [step.panel, step.saved, step.head, step.fact, step.target, step.style],
                      api_visibility="undocumented", show_progress="hidden")

    def move_fact(state: dict[str, Any] | None, fact: str | None, target: int | None) -> tuple[Any, str]:
        if not fact or target is None:
            return gr.skip(), render.notice("请先选择要移动的事实和要移到的节。", "warn")
        return _apply(ops.move_fact)(state, fact, int(target))

    step.move_btn.click(move_fact, [step.state, step.fact, step.target], [step.state, step.notice],
                        api_visibility="undocumented")

    def add_section(state: dict[str, Any] | None, heading: str) -> tuple[Any, str, Any]:
        new_state, message = _apply(ops.add)(state, heading)
        return new_state, message, ("" if isinstance(new_state, dict) and new_state.get("outline") else gr.skip())

    step.add_btn.click(add_section, [step.state, step.new_heading], [step.state, step.notice, step.new_heading],
                       api_visibility="undocumented")
    step.new_heading.submit(add_section, [step.state, step.new_heading],
                            [step.state, step.notice, step.new_heading], api_visibility="undocumented")
    def restyle(state: dict[str, Any] | None, style: str) -> tuple[Any, str]:
        new_state, message = _apply(ops.restyle)(state, style)
        if isinstance(new_state, dict):
            new_state["style"] = style  # the switch shows it again after a change or a reload
        return new_state, message

    # .input, not .change: `shown` sets the switch from the state, which must not restyle again
    step.style.input(restyle, [step.state, step.style], [step.state, step.notice], api_visibility="undocumented")

    def clear_when_drafting(*fields: Any) -> Any:
        """生成初稿 drafts from the form, not from the outline on screen: once the form is valid,
        that outline is put away (it would otherwise come back on every reload)."""
        try:
            parse_form(fields)
        except FactsError:
            return gr.skip()
        return None

    form.generate_btn.click(clear_when_drafting, form.fields, [step.state], api_visibility="undocumented",
                            show_progress="hidden")

    outputs = [*area.generate_outputs(page, form), step.state, step.notice]

    def draft_from_outline(state: dict[str, Any] | None, request: gr.Request) -> Iterator[dict[Any, Any]]:
        """Draft following the outline the user shaped (outputs as for generate)."""
        outline = outline_of(state)
        if outline is None or state is None:
            yield {step.notice: render.notice("请先生成提纲。", "warn")}
            return
        problems = ops.problems_before_drafting(outline)
        if problems:
            yield {step.notice: render.notice(" ".join(problems), "warn")}
            return
        facts = Facts.from_dict(state["facts"])
        for update in run_draft(page, area, form.errors, owner_of(request), facts, outline):
            if page.draft_state in update and isinstance(update[page.draft_state], dict) \
                    and "draft" in update[page.draft_state]:
                update[step.state] = None  # drafted: the outline is the draft's now
            yield update

    step.draft_btn.click(draft_from_outline, [step.state], outputs, api_name="draft_from_outline",
                         show_progress="hidden", concurrency_limit=GENERATE_CONCURRENCY,
                         concurrency_id="drafting", js=SHOW_DRAFT_JS)
