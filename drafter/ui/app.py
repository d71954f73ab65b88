"""The Gradio app: fact form → outline → streamed draft → per-section cards → Word; corpus page.

This module puts the page together from its components (form.py, outline_step.py,
generation.py, cards.py, mine.py, corpus_page.py, status.py, session.py) and serves it.

Per-user state lives only in the session (`gr.State`) and in the browser (the draft id in the
URL and in `gr.BrowserState`); the `Backend` holds what all sessions share. With login on,
every handler acts for the logged-in user (`gr.Request.username`) and sees only their drafts;
without login the owner is "". API names of the main endpoints: generate, plan_outline,
draft_from_outline, regenerate (asks first when hand-edited sections would be replaced),
regenerate_replace_edited, regenerate_keep_edited, sample_facts, import_facts, search,
ingest_upload, get_draft, section_action, list_my_drafts.
"""

from __future__ import annotations

import secrets
from typing import Any

import gradio as gr

from drafter.config import Settings
from drafter.errors import UserError
from drafter.store import StoreError
from drafter.ui import style
from drafter.ui.backend import Backend, parse_auth
from drafter.ui.cards import build_cards
from drafter.ui.common import Page, owner_of
from drafter.ui.corpus_page import build_corpus_page
from drafter.ui.form import FIELD_ORDER, build_form, wire_form
from drafter.ui.generation import build_draft_area, wire_generation
from drafter.ui.materials_tab import MATERIAL_FIELDS, build_materials_tab
from drafter.ui.mine import build_mine, wire_mine
from drafter.ui.outline_step import build_outline_step, wire_outline_step
from drafter.ui.session import Session, wire_session
from drafter.ui.status import STEPS, build_status

QUEUE_CONCURRENCY = 16
UPLOAD_TRANSPORT_FACTOR = 4  # gradio refuses uploads above this × max_upload_mb outright


class DrafterBlocks(gr.Blocks):
    """Blocks whose launch() brings the drafter's defaults (host, port, auth, limits, style)."""

    drafter_settings: Settings

    def launch(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        s = self.drafter_settings
        pairs = parse_auth(s.auth)
        defaults: dict[str, Any] = {
            "server_name": s.host,
            "server_port": s.port,
            "auth": pairs or None,
            "auth_message": "请输入管理员分配的账号和密码。",
            "max_file_size": int(s.max_upload_mb * UPLOAD_TRANSPORT_FACTOR * 1024 * 1024),
            "max_threads": 64,
            "css": style.CSS,
            "js": style.UNSAVED_JS,
            "theme": style.theme(),
            "footer_links": [],
            "ssr_mode": False,
            "show_error": False,
        }
        for key, value in defaults.items():
            if kwargs.get(key) is None:
                kwargs[key] = value
        return super().launch(*args, **kwargs)


def _browser_secret(settings: Settings) -> str:
    """A stable key for gr.BrowserState, so the remembered draft survives a server restart."""
    path = settings.data_dir / "ui_secret"
    try:
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    except OSError:
        pass
    value = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value, encoding="utf-8")
    try:
        path.chmod(0o600)
    except OSError:
        pass
    return value


def build_ui(settings: Settings, backend: Backend | None = None) -> DrafterBlocks:
    """The whole app. `backend` may be passed in (tests); by default it is created and started."""
    backend = (backend or Backend(settings)).start()
    secret = _browser_secret(settings)

    with DrafterBlocks(title="工会工作总结起草助手", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        demo.drafter_settings = settings
        draft_state = gr.State(None)
        edits = gr.State(0)
        current_id = gr.BrowserState("", storage_key="drafter-current-draft", secret=secret)
        my_ids = gr.BrowserState([], storage_key="drafter-my-drafts", secret=secret)

        gr.HTML(f"<h1>工会工作总结起草助手</h1><p>{STEPS}</p>", elem_id="app-head")
        status, help_box = build_status(backend)
        timer = gr.Timer(1.0, active=not backend.ready.is_set())

        with gr.Tabs(selected="draft") as tabs:
            with gr.Tab("起草总结", id="draft"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=340, elem_id="form"):
                        form = build_form()
                    with gr.Column(scale=3, min_width=340, elem_id="draft-area"):
                        notice_box = gr.HTML("", elem_id="notice", elem_classes="msg")
                        page = Page(backend, settings, draft_state, edits, notice_box)
                        step = build_outline_step(secret)
                        area = build_draft_area()
                        build_cards(page)
            with gr.Tab("从素材提取", id="materials"):
                build_materials_tab(backend.service, {key: form.fields[FIELD_ORDER.index(key)] for key in MATERIAL_FIELDS})
            with gr.Tab("我的草稿", id="mine"):
                mine = build_mine()
            with gr.Tab("范文库", id="corpus"):
                corpus_info = build_corpus_page(page, status)

        wire_form(form, notice_box)
        wire_outline_step(step, page, form, area)
        wire_generation(page, area, form)
        wire_mine(page, mine, area.draft_id_box, tabs, my_ids, form.fill_from, form.fields)
        wire_session(page, Session(current_id, my_ids, status, help_box, timer, corpus_info), area, form, mine,
                     step, demo)
        _api_endpoints(backend)

    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY)
    return demo


def _api_endpoints(backend: Backend) -> None:
    """Endpoints for scripts (no component of their own)."""

    def get_draft(draft_id: str, request: gr.Request) -> dict:
        """The draft with this id as JSON ({} when unknown, or not yours)."""
        draft = backend.get_draft(owner_of(request), draft_id)
        return draft.to_dict() if draft else {}

    def section_action(draft_id: str, position: int, action: str, instruction: str = "",
                       text: str = "", request: gr.Request | None = None) -> dict:
        """rewrite | polish | expand | shorten | lock | unlock | undo | save (a hand edit: `text`)
        on one section (0 = opening)."""
        if action == "save" and not text.strip():
            return {"ok": False, "message": "请在 text 中给出修改后的正文。"}
        try:
            draft, message = backend.section_action(owner_of(request), draft_id, int(position), action,
                                 text=text if action == "save" else None, instruction=instruction)
        except UserError as exc:
            return {"ok": False, "message": exc.message}
        except StoreError as exc:
            return {"ok": False, "message": str(exc)}
        return {"ok": True, "message": message, "draft": draft.to_dict()}

    def list_my_drafts(ids: list, request: gr.Request) -> list:
        """Titles and ids of the given drafts that exist and are yours, newest first."""
        return [{"id": d.id, "title": d.title, "updated_at": d.updated_at}
                for d in backend.list_drafts(owner_of(request), [str(i) for i in ids])]

    gr.api(get_draft, api_name="get_draft")
    gr.api(section_action, api_name="section_action")
    gr.api(list_my_drafts, api_name="list_my_drafts")


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Build the UI and serve it until interrupted (`drafter serve`, `python app.py`)."""
    try:
        parse_auth(settings.auth)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    demo = build_ui(settings)
    print(f"工会工作总结起草助手：http://{host or settings.host}:{port or settings.port}", flush=True)
    demo.launch(server_name=host or settings.host, server_port=port or settings.port, quiet=True)
