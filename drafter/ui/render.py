"""HTML fragments for the web UI (escaped; no gradio here)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from drafter.draft import (
    MODE_LABELS,
    ORIGIN_LABELS,
    PLACEHOLDER_CLOSE,
    PLACEHOLDER_OPEN,
    WARNING_LABELS,
    Draft,
    Section,
    Warning,
)
from drafter.retrieve import SearchResult
from drafter.tokenize import tokenize
from drafter.ui.backend import LiveDraft

_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_OPEN) + r"[^" + re.escape(PLACEHOLDER_CLOSE) + r"]*"
                          + re.escape(PLACEHOLDER_CLOSE))
_STATUS = {
    "waiting": "等待中", "writing": "正在写", "done": "已完成", "locked": "已锁定，保持不变",
    "kept": "手工修改，保持不变",
}


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(p)}</p>" for p in (text or "").split("\n") if p.strip())


def notice(message: str, kind: str = "info") -> str:
    """A visible notice box (kind: info | ok | warn | error)."""
    if not message:
        return ""
    return f'<div class="notice notice-{kind}" role="status">{esc(message)}</div>'


def form_errors(messages: Sequence[str]) -> str:
    if not messages:
        return ""
    items = "".join(f"<li>{esc(m)}</li>" for m in messages)
    return (
        '<div class="form-errors" role="alert"><strong>请先修改以下内容：</strong>'
        f"<ul>{items}</ul></div>"
    )


def status_line(llm_line: str, corpus_line: str, notices: Iterable[str], offline: bool) -> str:
    mode = "offline" if offline else "llm"
    extra = "".join(f'<div class="status-note">{esc(n)}</div>' for n in notices)
    return (
        f'<div class="status status-{mode}"><div class="status-llm">{esc(llm_line)}</div>'
        f'<div class="status-corpus">{esc(corpus_line)}</div>{extra}</div>'
    )


def live_view(live: LiveDraft) -> str:
    """The draft while it is being written: finished sections in full, the rest as they come."""
    if live.waiting_for and not live.sections:
        return f'<div class="live"><p class="live-wait">{esc(live.waiting_for)}</p></div>'
    total = len(live.sections)
    parts = [
        '<div class="live">',
        f'<div class="live-progress">正在生成：已完成 {live.finished}/{total} 节</div>',
        f'<h2 class="live-title">{esc(live.title)}</h2>',
    ]
    for n, s in enumerate(live.sections):
        heading = f"<h3>{esc(s.heading)}</h3>" if s.heading else ""
        body = paragraphs(s.text)
        if s.status == "writing":  # the cursor at the end of the text being written
            cursor = '<span class="cursor">▍</span>'
            body = body[: -len("</p>")] + cursor + "</p>" if body else f"<p>{cursor}</p>"
        parts.append(
            f'<div class="live-section live-{s.status}" data-position="{n}">{heading}'
            f'<span class="live-status">{_live_status(s.status, s.origin)}</span>{body}</div>'
        )
    for message in live.notices:
        parts.append(notice(message, "warn"))
    parts.append("</div>")
    return "".join(parts)


def _live_status(status: str, origin: str) -> str:
    if status == "done" and origin:
        return f"已完成 · {ORIGIN_LABELS[origin]}"
    return _STATUS[status]


def highlight(text: str, warnings: Sequence[Warning]) -> str:
    """The section text with every offending piece the warnings name wrapped in <mark>."""
    spans: list[tuple[int, int, Warning]] = []
    for w in warnings:
        if w.kind == "placeholder":
            spans += [(m.start(), m.end(), w) for m in _PLACEHOLDER.finditer(text)]
            continue
        needle = (w.text or "").strip()
        if not needle or w.kind in ("missing_fact", "injection"):
            continue
        start = text.find(needle)
        while start != -1:
            spans.append((start, start + len(needle), w))
            start = text.find(needle, start + len(needle))
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[str] = []
    pos = 0
    for start, end, w in spans:
        if start < pos:  # overlaps an earlier mark
            continue
        out.append(esc(text[pos:start]))
        label = WARNING_LABELS.get(w.kind, w.kind)
        out.append(
            f'<mark class="warn-{esc(w.kind)}" title="{esc(label)}：{esc(w.detail)}">'
            f"{esc(text[start:end])}</mark>"
        )
        pos = end
    out.append(esc(text[pos:]))
    return "".join(f"<p>{p}</p>" for p in "".join(out).split("\n") if p.strip())


def warnings_block(section: Section) -> str:
    """The card's warnings: a list, and the text with the offending pieces highlighted."""
    if not section.warnings:
        return ""
    items = "".join(
        f'<li><span class="warn-tag warn-tag-{esc(w.kind)}">{esc(WARNING_LABELS.get(w.kind, w.kind))}</span>'
        f"{esc(w.detail)}</li>"
        for w in section.warnings
    )
    marked = highlight(section.text, section.warnings)
    located = "<mark" in marked
    preview = f'<div class="warn-text">{marked}</div>' if located else ""
    return (
        f'<div class="warnings"><div class="warn-head">请核对（{len(section.warnings)} 处）</div>'
        f"<ul>{items}</ul>{preview}</div>"
    )


def sources_list(section: Section) -> str:
    if not section.sources:
        return '<p class="muted">本节没有参考范文。</p>'
    items = []
    for s in section.sources:
        where = " · ".join(x for x in (s.article, s.heading) if x)
        items.append(
            f'<li><div class="src-file">{esc(s.source)}</div>'
            f'<div class="src-where">{esc(where)}</div>'
            f'<div class="src-snippet">{esc(s.snippet)}</div></li>'
        )
    return f'<ol class="sources">{"".join(items)}</ol>'


def card_head(position: int, shown: str, section: Section) -> str:
    """The card's number, heading, lock badge and who wrote the text (with the reason on hover)."""
    badge = '<span class="lock-badge">已锁定</span>' if section.locked else ""
    why = f' title="{esc(section.origin_reason)}"' if section.origin_reason else ""
    origin = f'<span class="origin-badge origin-{esc(section.origin)}"{why}>{esc(ORIGIN_LABELS[section.origin])}</span>'
    return (
        f'<div class="card-head"><span class="card-no">{position + 1}</span>'
        f'<span class="card-title">{esc(shown or "开头段")}</span>{origin}{badge}</div>'
    )


def draft_header(draft: Draft) -> str:
    mode = MODE_LABELS[draft.mode]
    unfinished = sum(1 for s in draft.sections if not s.text.strip())
    warn = ""
    if unfinished:
        warn = notice(f"有 {unfinished} 节还没有内容（生成可能被中断），可点“重新生成”补全。", "warn")
    locked = sum(1 for s in draft.sections if s.locked)
    lock_note = f" · 已锁定 {locked} 节" if locked else ""
    return (
        f'<div class="draft-head"><h2 class="draft-title">{esc(draft.title)}</h2>'
        f'<div class="muted">{mode} · 共 {len(draft.sections)} 节{lock_note} · '
        f"落款：{esc(draft.signoff.unit_name)} {esc(draft.signoff.date)}</div>"
        f'<div class="muted">草稿编号 <span class="draft-id">{esc(draft.id)}</span>'
        f"（已自动保存；收藏本页网址即可随时回到这份草稿）</div>{warn}</div>"
    )


def search_results(results: Sequence[SearchResult], query: str) -> str:
    if not query.strip():
        return '<p class="muted">请输入要检索的内容，如“金秋助学”“职工书屋”。</p>'
    if not results:
        return '<p class="muted">没有找到相关段落，换个说法或放宽筛选条件试试。</p>'
    terms = sorted({t for t in tokenize(query) if len(t) >= 2}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in terms)) if terms else None
    items = []
    for n, r in enumerate(results, 1):
        raw = r.text[:400]
        text = _mark_terms(raw, pattern) + ("……" if len(r.text) > 400 else "")
        tags = " · ".join(x for x in (r.unit_type, r.period, r.topic) if x)
        where = " · ".join(x for x in (r.article, r.heading) if x)
        items.append(
            f'<li class="hit"><div class="hit-head"><span class="hit-n">{n}</span>'
            f'<span class="src-file">{esc(r.source)}</span><span class="muted">{esc(tags)}</span></div>'
            f'<div class="src-where">{esc(where)}</div><div class="hit-text">{text}</div></li>'
        )
    return f'<ol class="hits">{"".join(items)}</ol>'


def _mark_terms(text: str, pattern: re.Pattern[str] | None) -> str:
    """Escape `text`, wrapping each match of `pattern` in <mark> (one pass: no nested marks)."""
    if pattern is None:
        return esc(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out += [esc(text[pos : m.start()]), f"<mark>{esc(m.group())}</mark>"]
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)
