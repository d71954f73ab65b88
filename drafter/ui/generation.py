"""Writing a whole draft in the UI: generate (from the form or a shaped outline), regenerate.

The draft streams into the live view section by section; once done the cards show it.
Outputs are named: each handler yields {component: value} for what changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafter.config import safe_logger
from drafter.drafting import DraftResult, section_labels
from drafter.errors import UserError
from drafter.facts import Facts, FactsError
from drafter.outline import Outline
from drafter.store import StoreError
from drafter.ui import render
from drafter.ui.backend import LiveDraft, QueueEvents, stream_job
from drafter.ui.common import Page, draft_state, owner_of, pending, shown_draft_id
from drafter.ui.form import FactsForm, parse_form
from drafter.ui.style import SHOW_DRAFT_JS

log = safe_logger("drafter.ui")

GENERATE_CONCURRENCY = 16  # drafts written at once; each also runs llm_concurrency sections
CORPUS_WAIT_SECONDS = 600
DONE = "初稿已生成并保存。请逐节核对，满意的节可以锁定，最后下载 Word。"


@dataclass
class DraftArea:
    """The right-hand column's parts around the cards."""

    draft_id_box: gr.Textbox  # feeds the URL and the API; the id is shown in the header
    draft_tools: gr.Row
    docx_btn: gr.DownloadButton
    md_btn: gr.DownloadButton
    regen_btn: gr.Button
    confirm_box: gr.Column  # asked before regeneration would replace hand-edited sections
    confirm_msg: gr.HTML
    keep_btn: gr.Button
    replace_btn: gr.Button
    cancel_btn: gr.Button
    live: gr.HTML
    draft_head: gr.HTML

    def generate_outputs(self, page: Page, form: FactsForm) -> list[Any]:
        return [form.errors, self.live, self.draft_id_box, page.draft_state, page.notice_box]


def build_draft_area() -> DraftArea:
    draft_id_box = gr.Textbox(label="草稿编号", interactive=False, visible="hidden", elem_id="draft-id")
    with gr.Row(visible=False, elem_id="draft-tools") as draft_tools:
        docx_btn = gr.DownloadButton("下载 Word", variant="primary", size="md", scale=1, min_width=100,
                                     elem_id="dl-docx")
        md_btn = gr.DownloadButton("下载文本稿", size="md", scale=1, min_width=90, elem_id="dl-md")
        regen_btn = gr.Button("重新生成未锁定的节", size="md", scale=2, min_width=160, elem_id="btn-regenerate")
    with gr.Column(visible=False, elem_id="regen-confirm") as confirm_box:
        confirm_msg = gr.HTML("", elem_id="regen-confirm-msg")
        with gr.Row():
            keep_btn = gr.Button("跳过手工修改的节", variant="primary", size="md", elem_id="btn-regen-keep")
            replace_btn = gr.Button("仍然全部重新生成", variant="stop", size="md", elem_id="btn-regen-replace")
            cancel_btn = gr.Button("取消", size="md", elem_id="btn-regen-cancel")
    live = gr.HTML("", visible=False, elem_id="live")
    draft_head = gr.HTML("", elem_id="draft-head")
    return DraftArea(draft_id_box, draft_tools, docx_btn, md_btn, regen_btn, confirm_box, confirm_msg, keep_btn,
                     replace_btn, cancel_btn, live, draft_head)


def run_draft(page: Page, area: DraftArea, errors: gr.HTML, owner: str, facts: Facts,
              outline: Outline | None = None) -> Iterator[dict[Any, Any]]:
    """Write a draft from `facts` (following `outline` when the user shaped one), streamed."""
    backend = page.backend
    live = LiveDraft()
    shown = {errors: "", area.live: gr.update(visible=True), page.draft_state: pending(), page.notice_box: ""}
    deadline = time.monotonic() + CORPUS_WAIT_SECONDS
    while not backend.ready.wait(0.5) and time.monotonic() < deadline:
        live.waiting_for = f"范文库正在准备中（{backend.corpus_progress}），完成后自动开始生成……"
        yield {**shown, area.live: gr.update(value=render.live_view(live), visible=True)}
    live.waiting_for = "正在按提纲检索范文……" if outline else "正在规划提纲、检索范文……"
    yield {**shown, area.live: gr.update(value=render.live_view(live), visible=True)}
    events = QueueEvents()
    drafter = backend.drafter(owner, events)  # its store creates the draft as this owner's
    shown_id = ""
    result: DraftResult | None = None
    try:
        for item in stream_job(lambda: drafter.draft(facts, outline=outline), events, live):
            if isinstance(item, DraftResult):
                result = item
                break
            update: dict[Any, Any] = {area.live: gr.update(value=render.live_view(item), visible=True)}
            if item.draft_id != shown_id:
                update[area.draft_id_box] = shown_id = item.draft_id
            yield update
    except Exception as exc:
        if not isinstance(exc, UserError):
            log.exception("generation failed")
        message = exc.message if isinstance(exc, UserError) else "生成时出错，已完成的部分已保存。请稍后点“重新生成”。"
        partial_draft = backend.get_draft(owner, live.draft_id) if live.draft_id else None
        failed: dict[Any, Any] = {area.live: gr.update(visible=False),
                                  page.draft_state: draft_state(partial_draft) if partial_draft else None,
                                  page.notice_box: render.notice(message, "error")}
        if live.draft_id:
            failed[area.draft_id_box] = live.draft_id
        yield failed
        return
    assert result is not None
    summary = result.report.summary()
    yield {errors: "", area.live: gr.update(visible=False), area.draft_id_box: result.draft.id,
           page.draft_state: draft_state(result.draft),
           page.notice_box: render.notice(f"{summary}{DONE}", "warn" if result.report.fallbacks else "ok")}


def regenerate_runs(page: Page, area: DraftArea, owner: str, state: dict[str, Any] | None,
                    choice: str) -> Iterator[dict[Any, Any]]:
    """Rewrite every unlocked section. `choice`: "ask" shows the confirmation when sections the
    user edited by hand would be replaced; "replace" rewrites them too; "keep" skips them."""
    backend = page.backend
    hide = gr.update(visible=False)
    draft = backend.get_draft(owner, shown_draft_id(state))
    if draft is None:
        yield {page.notice_box: render.notice("请先生成或打开一份草稿。", "warn"), area.confirm_box: hide}
        return
    if all(s.locked for s in draft.sections):
        yield {page.notice_box: render.notice("所有节都已锁定，没有需要重新生成的内容。", "warn"), area.confirm_box: hide}
        return
    drafter = backend.drafter(owner, QueueEvents())
    edited = drafter.store.hand_edited_positions(draft.id)
    if edited and choice == "ask":
        question = (f"{section_labels(draft, edited)}有您手工修改的内容。重新生成会用新写的内容替换"
                    "这些修改（之后仍可逐节“撤销”找回）。请选择：")
        yield {page.notice_box: render.notice("重新生成前请先确认如何处理手工修改过的节。", "warn"),
               area.confirm_box: gr.update(visible=True), area.confirm_msg: render.notice(question, "warn")}
        return
    replace = choice == "replace"
    kept = [] if replace else edited
    events = drafter.events
    assert isinstance(events, QueueEvents)
    live = LiveDraft.of(draft, regenerate=True, keep=kept)
    yield {area.live: gr.update(value=render.live_view(live), visible=True), page.draft_state: pending(),
           page.notice_box: render.notice("正在重新生成未锁定的各节，已锁定的节保持不变……", "info"),
           area.confirm_box: hide, area.confirm_msg: ""}
    result: DraftResult | None = None
    try:
        for item in stream_job(lambda: drafter.regenerate(draft.id, replace_edited=replace), events, live):
            if isinstance(item, DraftResult):
                result = item
                break
            yield {area.live: gr.update(value=render.live_view(item), visible=True)}
    except Exception as exc:
        if isinstance(exc, (UserError, StoreError)):
            message = exc.message if isinstance(exc, UserError) else str(exc)
        else:
            log.exception("regeneration failed")
            message = "重新生成时出错，已完成的部分已保存，请稍后再试。"
        fresh = backend.get_draft(owner, draft.id)
        failed: dict[Any, Any] = {area.live: hide, page.notice_box: render.notice(message, "error")}
        if fresh:
            failed[page.draft_state] = draft_state(fresh)
        yield failed
        return
    assert result is not None
    locked = sum(1 for s in result.draft.sections if s.locked)
    kept_note = f"；{section_labels(draft, kept)}是手工修改的" if kept else ""
    message = f"{result.report.summary()}已重新生成未锁定的各节（{locked} 节已锁定{kept_note}，保持不变）。"
    yield {area.live: hide, page.draft_state: draft_state(result.draft),
           page.notice_box: render.notice(message, "warn" if result.report.fallbacks else "ok")}


def wire_generation(page: Page, area: DraftArea, form: FactsForm) -> None:
    """生成初稿 (API: generate) and the three regenerate endpoints."""
    outputs = area.generate_outputs(page, form)

    def generate(unit_name: str, unit_type: str, period: str, year: Any, topic: str, facts: str,
                 problems: str, plans: str, length: Any, date: str, closing: bool, headline_style: str,
                 plans_done: str, request: gr.Request) -> Iterator[dict[Any, Any]]:
        """Validate the form, then stream the draft as it is written (outputs: errors, live view,
        draft id, notice)."""
        try:
            parsed = parse_form([unit_name, unit_type, period, year, topic, facts, problems, plans, length, date,
                                 closing, headline_style, plans_done])
        except FactsError as exc:
            yield {form.errors: render.form_errors(exc.messages), area.live: gr.update(visible=False),
                   page.notice_box: render.notice("表单还有需要修改的地方，见事实表单中的红框。", "warn")}
            return
        yield from run_draft(page, area, form.errors, owner_of(request), parsed)

    form.generate_btn.click(generate, form.fields, outputs, api_name="generate", show_progress="hidden",
                            concurrency_limit=GENERATE_CONCURRENCY, concurrency_id="drafting", js=SHOW_DRAFT_JS)

    regen_outputs = [area.live, page.draft_state, page.notice_box, area.confirm_box, area.confirm_msg]

    def runs(choice: str) -> Callable[..., Iterator[dict[Any, Any]]]:
        def handler(state: dict[str, Any] | None, request: gr.Request) -> Iterator[dict[Any, Any]]:
            yield from regenerate_runs(page, area, owner_of(request), state, choice)
        return handler

    for button, name, choice in ((area.regen_btn, "regenerate", "ask"),
                                 (area.replace_btn, "regenerate_replace_edited", "replace"),
                                 (area.keep_btn, "regenerate_keep_edited", "keep")):
        button.click(runs(choice), [page.draft_state], regen_outputs, api_name=name, show_progress="hidden",
                     concurrency_limit=GENERATE_CONCURRENCY, concurrency_id="drafting")
    area.cancel_btn.click(lambda: {area.confirm_box: gr.update(visible=False),
                                   page.notice_box: render.notice("已取消重新生成。", "info")},
                          None, [area.confirm_box, page.notice_box], api_visibility="undocumented")
    # a question about one draft never stays up beside another (opened, generated, reloaded)
    page.draft_state.change(lambda: gr.update(visible=False), None, [area.confirm_box],
                            api_visibility="undocumented")
