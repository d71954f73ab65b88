"""What the UI's components share: the page's common parts and small value helpers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gradio as gr

from drafter.config import Settings
from drafter.draft import Draft, Section
from drafter.ui import render
from drafter.ui.backend import Backend


@dataclass
class Page:
    """The parts of the page every component may read or update."""

    backend: Backend
    settings: Settings
    draft_state: gr.State  # the draft being shown; a change re-renders the cards
    edits: gr.State  # bumped by every change made on a card (cards update in place)
    notice_box: gr.HTML  # the page's notice above the draft


def owner_of(request: gr.Request | None) -> str:
    """Whose drafts a request may touch: the logged-in user; "" without login."""
    return str(getattr(request, "username", None) or "")


def pending() -> dict[str, Any]:
    """The draft state while a draft is being (re)written: no cards, the live view shows it."""
    return {"pending": True}


def draft_state(draft: Draft) -> dict[str, Any]:
    # A fresh "rev" on every update, so the cards re-render even when only a lock flag changed.
    return {"draft": draft.to_dict(), "rev": secrets.token_hex(4)}


def shown_draft_id(state: dict[str, Any] | None) -> str:
    return str(state["draft"]["id"]) if state and "draft" in state else ""


def year_value(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return str(value)


def default_year() -> int:
    # summaries are written at the end of the period: early in the year, last year's
    now = datetime.now()
    return now.year if now.month >= 6 else now.year - 1


def length_value(value: Any) -> str | None:
    text = str(value or "").strip()
    return None if text in ("", "自动") else text


def card_classes(section: Section) -> list[str]:
    return ["card", "card-locked"] if section.locked else ["card"]


def local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


# gradio's dynamic renders register their event listeners in the app's shared tables, which is
# not thread-safe: two renders at once (the cards and the outline, or two users) once failed
# with "dictionary changed size during iteration" and left a card under a loading overlay.
# Every gr.render runs under this one concurrency id, one at a time.
RENDER_QUEUE: dict[str, object] = {"concurrency_limit": 1, "concurrency_id": "render"}


def notice_and_toast(message: str, kind: str = "ok") -> str:
    """The page's notice, shown also as a toast: for buttons far below the notice box (the
    section list at the end of a long draft), where the notice itself is out of view."""
    (gr.Warning if kind in ("warn", "error") else gr.Info)(message, title="提示", duration=4)
    return render.notice(message, kind)
