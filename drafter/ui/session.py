"""A browser session: what the page shows when it opens, the draft id in the URL and the
browser's storage, the header and downloads of the shown draft, the start-up poll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafter.config import safe_logger
from drafter.facts import Facts
from drafter.outline import target_length
from drafter.ui import render
from drafter.ui.backend import form_from_facts
from drafter.ui.common import Page, draft_state, owner_of, shown_draft_id
from drafter.ui.form import FactsForm
from drafter.ui.generation import DraftArea
from drafter.ui.mine import MAX_MY_DRAFTS, MyDrafts, intro_for, my_choices
from drafter.ui.outline_step import OutlineStep
from drafter.ui.status import help_html, status_html
from drafter.ui.style import SET_URL_JS

log = safe_logger("drafter.ui")

REOPENED = "已打开上次的草稿，可继续修改；事实表单已填入它的事实，补充后点“生成初稿”可另起一稿。"
OUTLINE_BACK = "已恢复您还没有起草的提纲，事实表单已填入它的事实。"


@dataclass
class Session:
    current_id: gr.BrowserState
    my_ids: gr.BrowserState
    status: gr.HTML
    help_box: gr.HTML
    timer: gr.Timer
    corpus_info: gr.HTML


def wire_session(page: Page, session: Session, area: DraftArea, form: FactsForm, mine: MyDrafts,
                 step: OutlineStep, demo: gr.Blocks) -> None:
    backend = page.backend

    def refresh_draft_view(state: dict[str, Any] | None, _edits: int, request: gr.Request) -> dict[Any, Any]:
        """The header and the downloads of the current draft (exported afresh each time)."""
        draft = backend.get_draft(owner_of(request), shown_draft_id(state))
        if draft is None:
            return {area.docx_btn: None, area.md_btn: None, area.draft_tools: gr.update(visible=False),
                    area.draft_head: ""}
        try:
            target = target_length(Facts.from_dict(draft.facts)) if draft.facts else None
        except (KeyError, TypeError, ValueError):
            target = None
        head = render.draft_header(draft, target)
        try:
            docx_path, md_path = backend.export(draft)
        except Exception:
            log.exception("export failed")
            return {area.docx_btn: None, area.md_btn: None, area.draft_tools: gr.update(visible=True),
                    area.draft_head: head}
        return {area.docx_btn: str(docx_path), area.md_btn: str(md_path),
                area.draft_tools: gr.update(visible=True), area.draft_head: head}

    view_outputs = [area.docx_btn, area.md_btn, area.draft_tools, area.draft_head]
    for trigger in (page.draft_state.change, page.edits.change):
        trigger(refresh_draft_view, [page.draft_state, page.edits], view_outputs, api_visibility="undocumented")

    def remember(draft_id: str, ids: list[str] | None, request: gr.Request) -> dict[Any, Any]:
        if not draft_id:
            return {}
        mine_ids = ([draft_id] + [i for i in (ids or []) if i != draft_id])[:MAX_MY_DRAFTS]
        return {session.current_id: draft_id, session.my_ids: mine_ids,
                mine.choices: gr.update(choices=my_choices(page, owner_of(request), mine_ids), value=draft_id)}

    area.draft_id_box.change(None, [area.draft_id_box], None, js=SET_URL_JS)
    area.draft_id_box.change(remember, [area.draft_id_box, session.my_ids],
                             [session.current_id, session.my_ids, mine.choices], api_visibility="undocumented")

    def on_load(remembered: str, ids: list[str] | None, kept_outline: dict[str, Any] | None,
                request: gr.Request) -> dict[Any, Any]:
        """The page opens: the draft in the URL (else the one this browser last had), its facts in
        the form, an outline not yet drafted, 我的草稿, the status line."""
        owner = owner_of(request)
        wanted = (request.query_params.get("draft") or "").strip() if request is not None else ""
        message = ""
        draft = backend.get_draft(owner, wanted) if wanted else None
        if wanted and draft is None:
            message = f"找不到网址中的草稿 {wanted[:64]}，已打开上次的草稿。" if remembered else \
                f"找不到网址中的草稿 {wanted[:64]}。"
        if draft is None and remembered:
            draft = backend.get_draft(owner, remembered)
        out: dict[Any, Any] = {
            session.status: status_html(backend), session.help_box: help_html(backend),
            mine.choices: gr.update(choices=my_choices(page, owner, ids), value=draft.id if draft else None),
            session.timer: gr.Timer(active=not backend.ready.is_set()),
            session.corpus_info: render.notice(backend.corpus_line()), mine.intro: intro_for(owner),
            page.notice_box: render.notice(message, "warn") if message else "",
        }
        if draft is not None:
            out.update({area.draft_id_box: draft.id, page.draft_state: draft_state(draft), **form.fill_from(draft)})
            if not message:
                out[page.notice_box] = render.notice(REOPENED, "info")
        if kept_outline and kept_outline.get("outline") and kept_outline.get("owner", "") == owner:
            out[step.state] = kept_outline
            try:
                out.update(form.fill(form_from_facts(Facts.from_dict(kept_outline["facts"]))))
                out[step.notice] = render.notice(OUTLINE_BACK, "info")
            except (KeyError, TypeError, ValueError):
                pass
        return out

    demo.load(
        on_load, [session.current_id, session.my_ids, step.saved],
        [session.status, session.help_box, area.draft_id_box, page.draft_state, page.notice_box, mine.choices,
         session.timer, session.corpus_info, mine.intro, step.state, step.notice, *form.fields],
        api_visibility="undocumented",
    )

    def poll_status() -> dict[Any, Any]:
        return {session.status: status_html(backend), session.help_box: help_html(backend),
                session.timer: gr.Timer(active=not backend.ready.is_set()),
                session.corpus_info: render.notice(backend.corpus_line())}

    session.timer.tick(poll_status, None, [session.status, session.help_box, session.timer, session.corpus_info],
                       api_visibility="undocumented", show_progress="hidden")
