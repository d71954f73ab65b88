"""The section list of a drafted draft: move a section up or down, remove it (and put the last
removed back), add a new one.

A change of the list re-renders every card, so it is refused while another card has unsaved
edits (the browser counts the cards marked dirty); this card's own shown edits are saved first.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafter.draft import Draft, section_name
from drafter.errors import DrafterError, UserError
from drafter.ui.common import Page, draft_state, notice_and_toast, owner_of

# Passes the number of cards with unsaved edits along with the inputs.
COUNT_DIRTY_JS = "(...args) => [...args.slice(0, -1), document.querySelectorAll('.card[data-dirty=\"1\"]').length]"


def build_list_tools(page: Page, position: int, draft: Draft, heading: Any, text: Any) -> None:
    """上移 / 下移 / 删除本节 on a body card (the opening stays first)."""
    section = draft.sections[position]
    if section.role == "opening":
        return
    last = len(draft.sections) - 1
    dirty = gr.Number(0, visible=False)
    with gr.Row(elem_classes="list-tools"):
        up = gr.Button("上移", size="sm", min_width=56, interactive=position > 1, elem_id=f"up-{position}")
        down = gr.Button("下移", size="sm", min_width=56, interactive=position < last, elem_id=f"down-{position}")
        remove = gr.Button("删除本节", size="sm", min_width=72, variant="stop", interactive=not section.locked,
                           elem_id=f"remove-{position}")
    inputs = [page.draft_state, heading, text, dirty]
    for button, op in ((up, "up"), (down, "down"), (remove, "remove")):
        button.click(_list_handler(page, position, op), inputs, [page.draft_state, page.notice_box],
                     js=COUNT_DIRTY_JS, show_progress="hidden", api_visibility="undocumented")


def build_add_section(page: Page) -> None:
    """添加一节: a new section before 存在的问题 (its text a 待补充 gap to fill in); 恢复删除的节:
    the last removed section back where its kind stands, with its history."""
    with gr.Row(elem_id="add-section-row", equal_height=True):
        heading = gr.Textbox(show_label=False, container=False, scale=4, elem_id="add-section-heading",
                             placeholder="新一节的小标题，如：抓阵地，建好职工之家")
        button = gr.Button("添加一节", size="sm", scale=1, min_width=80, elem_id="add-section")
        restore = gr.Button("恢复删除的节", size="sm", scale=1, min_width=96, elem_id="restore-section")
    dirty = gr.Number(0, visible=False)

    def put_back(state: dict[str, Any] | None, dirty_cards: float, request: gr.Request) -> dict[Any, Any]:
        if not state or "draft" not in state:
            return {page.notice_box: notice_and_toast("请先生成或打开一份草稿。", "warn")}
        if dirty_cards:
            return {page.notice_box: notice_and_toast("有的节还有未保存的修改，请先保存，再恢复删除的节。", "warn")}
        owner, draft_id, service = owner_of(request), state["draft"]["id"], page.backend.service
        try:
            removed = service.removed_sections(owner, draft_id)
            if not removed:
                return {page.notice_box: notice_and_toast("这份草稿没有删除过的节。", "info")}
            fresh, _ = service.restore_section(owner, draft_id, 0)
        except DrafterError as exc:
            return {page.notice_box: notice_and_toast(exc.message, "warn")}
        name = section_name(removed[0].heading, removed[0].role)
        message = f"已恢复最近删除的{name}（连同修改历史）。" + (f"还有 {len(removed) - 1} 个删除过的节，可再点一次恢复。"
                                                          if len(removed) > 1 else "")
        return {page.draft_state: draft_state(fresh), page.notice_box: notice_and_toast(message, "ok")}

    restore.click(put_back, [page.draft_state, dirty], [page.draft_state, page.notice_box],
                  js=COUNT_DIRTY_JS, show_progress="hidden", api_visibility="undocumented")

    def add(state: dict[str, Any] | None, title: str, dirty_cards: float, request: gr.Request) -> dict[Any, Any]:
        if not state or "draft" not in state:
            return {page.notice_box: notice_and_toast("请先生成或打开一份草稿。", "warn")}
        if dirty_cards:
            return {page.notice_box: notice_and_toast("有的节还有未保存的修改，请先保存，再添加一节。", "warn")}
        try:
            fresh = page.backend.service.add_section(owner_of(request), state["draft"]["id"], title)
        except DrafterError as exc:
            return {page.notice_box: notice_and_toast(exc.message, "warn")}
        message = f"已添加一节“{title.strip()}”，请在这一节填写内容。"
        return {page.draft_state: draft_state(fresh), page.notice_box: notice_and_toast(message, "ok"), heading: ""}

    button.click(add, [page.draft_state, heading, dirty], [page.draft_state, page.notice_box, heading],
                 js=COUNT_DIRTY_JS, show_progress="hidden", api_visibility="undocumented")


def _list_handler(page: Page, position: int, op: str) -> Any:
    def handle(state: dict[str, Any] | None, heading: str, text: str, dirty_cards: float,
               request: gr.Request) -> dict[Any, Any]:
        if not state or "draft" not in state:
            return {page.notice_box: notice_and_toast("请先生成或打开一份草稿。", "warn")}
        owner, draft_id = owner_of(request), state["draft"]["id"]
        service = page.backend.service
        try:
            shown = service.get(owner, draft_id)
            section = shown.sections[position]
            own_edit = text.strip() != section.text.strip() or (heading or "").strip() != section.heading
            if dirty_cards - (1 if own_edit else 0) > 0:
                raise UserError("其他节还有未保存的修改，请先保存，再调整章节。")
            if own_edit and not section.locked:
                page.backend.section_action(owner, draft_id, position, "save", heading, text)
            name = section_name(section.heading, section.role)
            if op == "remove":
                service.remove_section(owner, draft_id, position)
                message = f"已删除{name}（原文保留，可点“恢复删除的节”放回）。"
            else:
                target = position - 1 if op == "up" else position + 1
                service.move_section(owner, draft_id, position, target)
                message = f"已把{name}{'上移' if op == 'up' else '下移'}一节。"
        except DrafterError as exc:
            return {page.notice_box: notice_and_toast(exc.message, "warn")}
        return {page.draft_state: draft_state(service.get(owner, draft_id)),
                page.notice_box: notice_and_toast(message, "ok")}
    return handle

