"""我的草稿: the user's drafts (with login: all of them; without: this browser's), opened by
choice or by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafter.ui import render
from drafter.ui.common import Page, draft_state, local_time, owner_of

MAX_MY_DRAFTS = 100
MINE_INTRO_BROWSER = "在本浏览器中生成或打开过的草稿。选中一份后点“打开”。"
MINE_INTRO_LOGIN = "您（{user}）的全部草稿，在哪台电脑上生成的都在这里。选中一份后点“打开”。"


@dataclass
class MyDrafts:
    intro: gr.Markdown
    choices: gr.Radio
    open_btn: gr.Button
    refresh_btn: gr.Button
    open_id: gr.Textbox
    open_id_btn: gr.Button
    notice: gr.HTML


def build_mine() -> MyDrafts:
    intro = gr.Markdown(MINE_INTRO_BROWSER, elem_id="mine-intro")
    choices = gr.Radio([], label="我的草稿（最近修改的在前）", elem_id="my-drafts")
    with gr.Row():
        open_btn = gr.Button("打开所选草稿", variant="primary", elem_id="btn-open")
        refresh_btn = gr.Button("刷新列表", elem_id="btn-refresh-list")
    with gr.Row():
        open_id = gr.Textbox(label="按草稿编号打开", placeholder="草稿标题下方的编号", scale=3, elem_id="open-id")
        open_id_btn = gr.Button("打开", scale=1, elem_id="btn-open-id")
    notice = gr.HTML("", elem_id="mine-notice", elem_classes="msg")
    return MyDrafts(intro, choices, open_btn, refresh_btn, open_id, open_id_btn, notice)


def my_choices(page: Page, owner: str, ids: list[str] | None) -> list[tuple[str, str]]:
    """我的草稿: with login, all the user's drafts; without, those this browser made or opened."""
    drafts = page.backend.list_drafts(owner, None if owner else list(ids or []), limit=MAX_MY_DRAFTS)
    return [(f"{d.title}（{local_time(d.updated_at)}，编号 {d.id}）", d.id) for d in drafts]


def intro_for(owner: str) -> str:
    return MINE_INTRO_LOGIN.format(user=owner) if owner else MINE_INTRO_BROWSER


def wire_mine(page: Page, mine: MyDrafts, draft_id_box: gr.Textbox, tabs: gr.Tabs, my_ids: gr.BrowserState,
              fill_form: Any, form_fields: list[Any]) -> None:
    """Open a draft (its facts go back into the form) and refresh the list.
    `fill_form(draft)` gives the form's fields filled from a draft."""

    def open_draft(draft_id: str | None, request: gr.Request) -> dict[Any, Any]:
        draft = page.backend.get_draft(owner_of(request), (draft_id or "").strip())
        if draft is None:
            message = "请先选择一份草稿。" if not draft_id else f"找不到草稿 {draft_id[:64]}，请检查编号。"
            return {mine.notice: render.notice(message, "warn")}
        opened = f"已打开：{draft.title}。事实表单已填入它的事实，补充后点“生成初稿”可另起一稿。"
        return {draft_id_box: draft.id, page.draft_state: draft_state(draft),
                page.notice_box: render.notice(opened, "info"), mine.notice: "", tabs: gr.Tabs(selected="draft"),
                **fill_form(draft)}

    def refresh_list(ids: list[str] | None, request: gr.Request) -> Any:
        return gr.update(choices=my_choices(page, owner_of(request), ids))

    outputs = [draft_id_box, page.draft_state, page.notice_box, mine.notice, tabs, *form_fields]
    mine.open_btn.click(open_draft, [mine.choices], outputs, api_name="open_draft", api_visibility="undocumented")
    mine.open_id_btn.click(open_draft, [mine.open_id], outputs, api_name="open_draft_1",
                           api_visibility="undocumented")
    mine.refresh_btn.click(refresh_list, [my_ids], [mine.choices], api_visibility="undocumented")
