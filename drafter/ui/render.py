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
    short_name,
)
from drafter.retrieve import SearchResult
from drafter.tokenize import tokenize
from drafter.trace import Figure, figures_of
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


def status_line(mode: str, corpus: str, offline: bool, has_notes: bool = False) -> str:
    """One line: which writer is in use and the corpus; details live in the help panel."""
    kind = "offline" if offline else "llm"
    note = '<span class="status-note">有提示，见下方“帮助/设置说明”</span>' if has_notes else ""
    return (f'<div class="status status-{kind}"><span class="status-llm">{esc(mode)}</span>'
            f'<span class="status-corpus">{esc(corpus)}</span>{note}</div>')


def help_panel(lines: Sequence[str], notes: Iterable[str]) -> str:
    """The help and settings text (settings names belong here, not on the main screens)."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    extra = "".join(f"<li class=\"status-note\">{esc(n)}</li>" for n in notes)
    return f'<ul class="help">{items}{extra}</ul>'


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


# A figure not in any fact: neutral, it may well be the user's own (a hand edit).
NEW_FIGURE = "新数字（不在事实中）"
# Kinds the figures mark themselves (an invented figure is a figure without a fact).
_FIGURE_KINDS = ("invented_number",)


def warning_spans(text: str, warnings: Sequence[Warning]) -> list[tuple[int, int, Warning]]:
    """Where in `text` each warning's offending piece stands (a piece may stand several times)."""
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
    return spans


def _warning_mark(piece: str, w: Warning) -> str:
    label = WARNING_LABELS.get(w.kind, w.kind)
    return f'<mark class="warn-{esc(w.kind)}" title="{esc(label)}：{esc(w.detail)}">{esc(piece)}</mark>'


def _figure_mark(figure: Figure, n: int) -> str:
    if figure.fact:
        tip, cls = f"来源：{figure.fact}", "fig"
    else:
        tip, cls = NEW_FIGURE, "fig fig-new"
    return (f'<span class="{cls}" tabindex="0" data-figure="{n}">{esc(figure.text)}'
            f'<span class="fig-tip">{esc(tip)}</span></span>')


def _marked(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` escaped, each (start, end, html) span replaced by its html; overlaps keep the first."""
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[str] = []
    pos = 0
    for start, end, markup in spans:
        if start < pos:
            continue
        out += [esc(text[pos:start]), markup]
        pos = end
    out.append(esc(text[pos:]))
    return "".join(f"<p>{p}</p>" for p in "".join(out).split("\n") if p.strip())


def highlight(text: str, warnings: Sequence[Warning]) -> str:
    """The section text with every offending piece the warnings name wrapped in <mark>."""
    return _marked(text, [(s, e, _warning_mark(text[s:e], w)) for s, e, w in warning_spans(text, warnings)])


def traced_text(section: Section, facts: Sequence[str]) -> str:
    """The section text as read on the card: each figure shows its fact on hover or click (a
    figure in no fact is called new, neutrally), and each warning's piece is marked in place."""
    if not section.text.strip():
        return ""
    text = section.text
    spans = [(s, e, _warning_mark(text[s:e], w)) for s, e, w in warning_spans(text, section.warnings)
             if w.kind not in _FIGURE_KINDS]
    figures = figures_of(text, [*section.facts, *facts])
    spans += [(f.start, f.end, _figure_mark(f, n)) for n, f in enumerate(figures)]
    new = sum(1 for f in figures if not f.fact)
    hint = f"；{new} 处{NEW_FIGURE}，请核实" if new else ""
    head = f'<div class="view-head">正文核对：指向数字可看它来自哪条事实{hint}</div>' if figures else ""
    return f'<div class="view">{head}{_marked(text, spans)}</div>'


def new_figures(section: Section, facts: Sequence[str]) -> list[str]:
    """Figures of the section that no fact holds (offered to be added to the facts)."""
    return list(dict.fromkeys(f.text for f in figures_of(section.text, [*section.facts, *facts]) if not f.fact))


def warnings_block(section: Section) -> str:
    """The card's warnings as a list; their pieces are marked in the text above, not repeated."""
    if not section.warnings:
        return ""
    items = "".join(
        f'<li><span class="warn-tag warn-tag-{esc(w.kind)}">{esc(WARNING_LABELS.get(w.kind, w.kind))}</span>'
        f"{esc(w.detail)}</li>"
        for w in section.warnings
    )
    located = bool(warning_spans(section.text, section.warnings))
    where = "（已在上方正文中标出）" if located else ""
    return (
        f'<div class="warnings"><div class="warn-head">请核对（{len(section.warnings)} 处）{where}</div>'
        f"<ul>{items}</ul></div>"
    )


def sources_list(section: Section) -> str:
    """The example passages a section drew on: the article's title and the heading, never a file name."""
    if not section.sources:
        return '<p class="muted">本节没有参考范文。</p>'
    items = []
    for s in section.sources:
        items.append(
            f'<li><div class="src-title">{esc(s.article or "范文")}</div>'
            f'<div class="src-where">{esc(s.heading)}</div>'
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
        f'<span class="card-title">{esc(short_name(shown, section.role))}</span>{origin}{badge}</div>'
    )


def draft_header(draft: Draft, target: int | None = None) -> str:
    """Title, how it was written, its length (honestly, against the length asked for) and its id."""
    mode = MODE_LABELS[draft.mode]
    unfinished = sum(1 for s in draft.sections if not s.text.strip())
    warn = ""
    if unfinished:
        warn = notice(f"有 {unfinished} 节还没有内容（生成可能被中断），可点“重新生成”补全。", "warn")
    locked = sum(1 for s in draft.sections if s.locked)
    lock_note = f" · 已锁定 {locked} 节" if locked else ""
    chars = sum(len(s.text) for s in draft.sections)
    length = f"全文约 {round(chars, -1)} 字"
    if target and draft.mode == "offline" and chars < 0.8 * target:
        length = f"事实较少，约 {round(chars, -1)} 字（所选篇幅约 {target} 字）；补充事实可更长"
    return (
        f'<div class="draft-head"><h2 class="draft-title">{esc(draft.title)}</h2>'
        f'<div class="muted">{mode} · 共 {len(draft.sections)} 节 · <span class="draft-length">{length}</span>'
        f"{lock_note} · 落款：{esc(draft.signoff.unit_name)} {esc(draft.signoff.date)}</div>"
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
