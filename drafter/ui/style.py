"""The look of the web UI: stylesheet, theme and the small scripts that run in the browser."""

from __future__ import annotations

import gradio as gr

SET_URL_JS = """
(id) => {
  try {
    const u = new URL(window.location.href);
    if (id) { u.searchParams.set('draft', id); } else { u.searchParams.delete('draft'); }
    window.history.replaceState(window.history.state, '', u.toString());
  } catch (e) {}
}
"""

# Unsaved card text: a card whose text or heading differs from what is stored (kept in hidden
# "saved-…" boxes that the server updates together with the card) is marked, and leaving or
# reloading the page asks first.
UNSAVED_JS = """
() => {
  const field = (sel) => document.querySelector(`${sel} textarea, ${sel} input`);
  const dirty = (card) => {
    const n = card.id.slice('card-'.length);
    return ['text', 'heading'].some((kind) => {
      const shown = field(`#${kind}-${n}`), saved = field(`#saved-${kind}-${n}`);
      return !!shown && !!saved && shown.value !== saved.value;
    });
  };
  const cards = () => Array.from(document.querySelectorAll("[id^='card-']"));
  const mark = () => {
    let any = false;
    for (const card of cards()) {
      const d = dirty(card);
      any = any || d;
      if ((card.dataset.dirty === '1') !== d) { card.dataset.dirty = d ? '1' : '0'; }
    }
    return any;
  };
  document.addEventListener('input', mark, true);
  setInterval(mark, 700);
  window.addEventListener('beforeunload', (event) => {
    if (mark()) { event.preventDefault(); event.returnValue = ''; }
  });
}
"""

CSS = """
.gradio-container { max-width: 1400px !important; }
#app-head h1 { font-size: 1.6rem; margin: 0.2rem 0; }
#app-head p { margin: 0; color: var(--body-text-color-subdued); }
.status { border-radius: 8px; padding: 6px 12px; font-size: 0.92rem; line-height: 1.6; }
.status-llm { font-weight: 600; }
.status.status-llm { background: #ecfdf5; border: 1px solid #a7f3d0; }
.status.status-offline { background: #fffbeb; border: 1px solid #fde68a; }
.status-note { color: #92400e; }
.notice { border-radius: 8px; padding: 8px 12px; margin: 4px 0; }
.notice-info { background: #eff6ff; border: 1px solid #bfdbfe; }
.notice-ok { background: #ecfdf5; border: 1px solid #a7f3d0; }
.notice-warn { background: #fffbeb; border: 1px solid #fcd34d; color: #78350f; }
.notice-error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; }
.form-errors { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; border-radius: 8px; padding: 8px 12px; }
.form-errors ul { margin: 4px 0 0 1.2em; padding: 0; }
.live { border: 1px dashed #cbd5e1; border-radius: 10px; padding: 12px 16px; background: #fff; }
.live-progress { color: #475569; font-size: 0.9rem; }
.live-title, .draft-title { text-align: center; font-size: 1.35rem; margin: 8px 0; }
.live-section { margin: 10px 0; }
.live-section h3 { font-size: 1.05rem; margin: 4px 0; }
.live-section p { text-indent: 2em; margin: 4px 0; line-height: 1.8; }
.live-status { font-size: 0.8rem; color: #64748b; }
.live-waiting { color: #94a3b8; }
.live-locked { background: #f1f5f9; border-radius: 6px; padding: 4px 8px; }
.cursor { animation: blink 1s step-start infinite; color: #b91c1c; }
@keyframes blink { 50% { opacity: 0; } }
.draft-head { margin-bottom: 6px; }
.draft-head .muted { text-align: center; }
.muted { color: #64748b; font-size: 0.88rem; }
.card { border: 1px solid #e2e8f0 !important; border-radius: 10px !important; padding: 10px 12px !important;
        margin: 10px 0 !important; background: #fff; }
.card-locked { background: #f8fafc !important; border-color: #94a3b8 !important; }
.card-head { font-weight: 600; font-size: 1.05rem; display: flex; gap: 8px; align-items: center; }
.card-no { background: #b91c1c; color: #fff; border-radius: 999px; min-width: 1.6em; text-align: center;
           font-size: 0.85rem; padding: 0 6px; }
.lock-badge { background: #475569; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 0.8rem; }
.origin-badge { border-radius: 4px; padding: 0 6px; font-size: 0.8rem; margin-left: 6px; }
.origin-llm { background: #dbeafe; color: #1e3a8a; }
.origin-offline { background: #e2e8f0; color: #334155; }
.origin-fallback { background: #fef3c7; color: #92400e; }
.origin-user { background: #dcfce7; color: #14532d; }
.card[data-dirty="1"] { border-color: #f59e0b !important; box-shadow: 0 0 0 1px #f59e0b; }
.card[data-dirty="1"] .card-head::after { content: "有未保存的修改，请点“保存修改”"; font-weight: 400;
  font-size: 0.8rem; background: #fef3c7; color: #92400e; border-radius: 4px; padding: 0 6px; }
.live-kept { background: #fefce8; border-radius: 6px; padding: 4px 8px; }
#regen-confirm { border: 1px solid #fcd34d; background: #fffbeb; border-radius: 10px; padding: 8px 12px; }
.warnings { background: #fffbeb; border: 1px solid #fcd34d; border-radius: 8px; padding: 6px 10px; }
.warn-head { font-weight: 600; color: #92400e; }
.warnings ul { margin: 4px 0 4px 1.2em; padding: 0; }
.warn-tag { display: inline-block; background: #f59e0b; color: #fff; border-radius: 4px; padding: 0 5px;
            margin-right: 6px; font-size: 0.78rem; }
.warn-text p { margin: 4px 0; line-height: 1.7; }
mark { background: #fde047; padding: 0 1px; border-radius: 2px; }
mark.warn-invented_number, mark.warn-copied { background: #fca5a5; }
.sources { margin: 0; padding-left: 1.4em; }
.sources li { margin: 6px 0; }
.src-file { font-family: monospace; font-size: 0.85rem; color: #1e3a8a; }
.src-where { font-size: 0.85rem; color: #475569; }
.src-snippet, .hit-text { font-size: 0.9rem; line-height: 1.6; }
.hits { padding-left: 0; list-style: none; }
.hit { border-bottom: 1px solid #e2e8f0; padding: 8px 0; }
.hit-head { display: flex; gap: 10px; align-items: baseline; }
.hit-n { background: #1e3a8a; color: #fff; border-radius: 999px; padding: 0 7px; font-size: 0.8rem; }
/* status: one line, plain Chinese */
.status { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status span + span::before { content: " · "; color: #94a3b8; }
/* gradio's own progress texts ("processing | 0.5s", queue and eta) are English: the spinner stays */
.progress-text, .meta-text, .meta-text-center, .eta-bar, .wrap .error { display: none !important; }
/* a button beside fields sits on their baseline instead of stretching to the row's height */
.align-end { align-items: flex-end !important; }
.align-end > button { flex-grow: 0 !important; margin-bottom: 2px; }
/* gradio titles its toasts “Info”/“Warning” whatever title is passed: shown in Chinese instead */
.toast-title { font-size: 0 !important; }
.toast-title::before { content: "提示"; font-size: var(--text-lg); }
.toast-title.warning::before, .toast-title.error::before { content: "请注意"; }
/* figures traced to their facts */
.view { line-height: 1.8; font-size: 0.95rem; background: #f8fafc; border-radius: 8px; padding: 6px 10px; }
.view p { text-indent: 2em; margin: 4px 0; }
.view-head { font-size: 0.8rem; color: #64748b; }
.fig { position: relative; background: #dbeafe; border-bottom: 2px solid #3b82f6; cursor: help;
       border-radius: 2px; padding: 0 1px; outline: none; }
.fig-new { background: #fef3c7; border-bottom-color: #f59e0b; }
.fig-tip { display: none; position: absolute; left: 0; top: 1.6em; z-index: 30; width: max-content;
           max-width: 22em; white-space: normal; text-indent: 0; background: #1e293b; color: #fff;
           font-size: 0.82rem; line-height: 1.5; border-radius: 6px; padding: 4px 8px; }
.fig:hover .fig-tip, .fig:focus .fig-tip { display: block; }
.view mark[class^="warn-"] { background: #fde047; }
/* the outline step */
#outline-panel { border: 1px solid #e2e8f0; border-radius: 10px; padding: 8px 12px; background: #fcfcfd; }
.ol-title { text-align: center; font-size: 1.2rem; font-weight: 600; margin: 4px 0; }
.ol-row { border-top: 1px dashed #e2e8f0; padding-top: 6px !important; }
.ol-buttons { gap: 6px !important; }
.ol-buttons button { padding: 2px 10px !important; }
.ol-facts { margin: 0 0 0 1.4em; padding: 0; font-size: 0.88rem; color: #334155; }
.ol-facts li { margin: 2px 0; }
.ol-kind { font-size: 0.8rem; color: #64748b; }
.src-title { font-weight: 600; color: #1e3a8a; }
/* phone: the draft first, the form below it */
@media (max-width: 640px) {
  #draft-area { order: -1; }
  #app-head p { display: none; }
  .card { padding: 8px !important; }
}
footer { display: none !important; }
/* message slots take no room while empty */
.msg:not(:has(.notice)):not(:has(.form-errors)) { display: none !important; }
.warnbox:not(:has(.warnings)) { display: none !important; }
"""


def theme() -> gr.themes.Base:
    # System fonts only: Google Fonts are unreachable from many networks in China and would
    # stall the first page load.
    return gr.themes.Soft(
        primary_hue="red",
        neutral_hue="slate",
        font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "sans-serif"],
        font_mono=["SFMono-Regular", "Consolas", "monospace"],
    ).set(
        block_label_background_fill="*neutral_100",
        block_label_text_color="*neutral_700",
        block_title_background_fill="transparent",
        block_title_text_color="*neutral_800",
        block_title_text_weight="600",
    )



# On a phone the draft area sits above the form (CSS): a click that starts a draft or an
# outline brings it into view. It runs before the handler and hands the inputs on unchanged.
SHOW_DRAFT_JS = """
(...args) => {
  if (window.innerWidth <= 640) {
    document.querySelector('#draft-area')?.scrollIntoView({behavior: 'smooth', block: 'start'});
  }
  return args;
}
"""
