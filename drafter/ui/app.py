"""The Gradio app: fact form → streamed draft → per-section cards → Word download; corpus page.

Per-user state lives only in the session (`gr.State`) and in the browser (the draft id in the
URL and in `gr.BrowserState`); the `Backend` holds what all sessions share. With login on,
every handler acts for the logged-in user (`gr.Request.username`) and sees only their drafts;
without login the owner is "". API names of the main endpoints: generate, regenerate (asks
first when hand-edited sections would be replaced), regenerate_replace_edited,
regenerate_keep_edited, sample_facts, import_facts, search, ingest_upload, get_draft,
section_action, list_my_drafts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from drafter.config import Settings, safe_logger
from drafter.draft import Draft, Section, section_name
from drafter.drafting import DraftEvents, DraftResult, section_labels
from drafter.errors import UserError
from drafter.facts import PERIOD_CHOICES, Facts, FactsError, facts_from_form, load_facts
from drafter.store import StoreError
from drafter.taxonomy import GENERAL_TOPIC, TOPICS, UNIT_TYPES
from drafter.ui import render
from drafter.ui.backend import (
    SAMPLE_FORM,
    Backend,
    LiveDraft,
    QueueEvents,
    form_from_facts,
    parse_auth,
    stream_job,
    stream_section,
)
from drafter.write import REVISE_ACTIONS

log = safe_logger("drafter.ui")

UNIT_TYPE_CHOICES = [
    "乡镇/街道工会", "企业工会", "事业单位/机关工会", "学校工会", "区县/市总工会", "农场连队工会",
]
LENGTH_CHOICES = [
    ("自动（按事实多少）", "自动"), ("约1500字", "1500"), ("约2500字", "2500"),
    ("约4000字", "4000"), ("约6000字", "6000"),
]
GENERATE_CONCURRENCY = 16  # drafts written at once; each also runs llm_concurrency sections
QUEUE_CONCURRENCY = 16
CORPUS_WAIT_SECONDS = 600
MAX_MY_DRAFTS = 100
UPLOAD_TRANSPORT_FACTOR = 4  # gradio refuses uploads above this × max_upload_mb outright
MINE_INTRO_BROWSER = "在本浏览器中生成或打开过的草稿。选中一份后点“打开”。"
MINE_INTRO_LOGIN = "您（{user}）的全部草稿，在哪台电脑上生成的都在这里。选中一份后点“打开”。"

# The card's revision buttons: a rewrite with the user's instruction, then the declared actions.
ACTION_LABELS = {"rewrite": "重写", **{name: a.label for name, a in REVISE_ACTIONS.items()}}

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
.status { border-radius: 8px; padding: 8px 12px; font-size: 0.92rem; line-height: 1.6; }
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
footer { display: none !important; }
/* message slots take no room while empty */
.msg:not(:has(.notice)):not(:has(.form-errors)) { display: none !important; }
.warnbox:not(:has(.warnings)) { display: none !important; }
"""


def _theme() -> gr.themes.Base:
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
            "css": CSS,
            "js": UNSAVED_JS,
            "theme": _theme(),
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


def _pending() -> dict[str, Any]:
    """The draft state while a draft is being (re)written: no cards, the live view shows it."""
    return {"pending": True}


def _state(draft: Draft) -> dict[str, Any]:
    # A fresh "rev" on every update, so the cards re-render even when only a lock flag changed.
    return {"draft": draft.to_dict(), "rev": secrets.token_hex(4)}


def _year(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return str(value)


def _default_year() -> int:
    # summaries are written at the end of the period: early in the year, last year's
    now = datetime.now()
    return now.year if now.month >= 6 else now.year - 1


def _length(value: Any) -> str | None:
    text = str(value or "").strip()
    return None if text in ("", "自动") else text


def _card_classes(section: Section) -> list[str]:
    return ["card", "card-locked"] if section.locked else ["card"]


def _owner(request: gr.Request | None) -> str:
    """Whose drafts a request may touch: the logged-in user; "" without login."""
    return str(getattr(request, "username", None) or "")


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def build_ui(settings: Settings, backend: Backend | None = None) -> DrafterBlocks:
    """The whole app. `backend` may be passed in (tests); by default it is created and started."""
    backend = (backend or Backend(settings)).start()
    secret = _browser_secret(settings)

    def status_html() -> str:
        return render.status_line(
            backend.llm_line(), backend.corpus_line(), backend.notices, not backend.llm_configured
        )

    with DrafterBlocks(title="工会工作总结起草助手", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        demo.drafter_settings = settings
        draft_state = gr.State(None)  # the draft being shown; a change re-renders the cards
        edits = gr.State(0)  # bumped by every change made on a card (cards update in place)
        current_id = gr.BrowserState("", storage_key="drafter-current-draft", secret=secret)
        my_ids = gr.BrowserState([], storage_key="drafter-my-drafts", secret=secret)

        gr.HTML(
            "<h1>工会工作总结起草助手</h1>"
            "<p>① 填写本单位情况和主要工作 → ② 生成初稿 → ③ 逐节修改、锁定满意的部分 → ④ 下载 Word</p>",
            elem_id="app-head",
        )
        status = gr.HTML(status_html(), elem_id="status")
        timer = gr.Timer(1.0, active=not backend.ready.is_set())

        with gr.Tabs(selected="draft") as tabs:
            # ---------------------------------------------------------------- drafting page
            with gr.Tab("起草总结", id="draft"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=340, elem_id="form"):
                        unit_name = gr.Textbox(label="单位名称", placeholder="如：青山镇总工会", elem_id="f-unit-name")
                        unit_type = gr.Dropdown(
                            UNIT_TYPE_CHOICES, value=None, label="单位类型", allow_custom_value=True,
                            info="可从列表选择，也可直接输入", elem_id="f-unit-type",
                        )
                        with gr.Row():
                            period = gr.Dropdown(list(PERIOD_CHOICES), value="年度", label="总结期间", elem_id="f-period")
                            year = gr.Number(
                                value=_default_year(), precision=0, minimum=2000, maximum=2100,
                                label="年份", elem_id="f-year",
                            )
                            length = gr.Dropdown(
                                LENGTH_CHOICES, value="自动", label="篇幅", allow_custom_value=True, elem_id="f-length",
                            )
                        topic = gr.Textbox(
                            label="专项主题（专项总结必填）", placeholder="如：工会组建、职工书屋建设", elem_id="f-topic",
                        )
                        facts = gr.Textbox(
                            label="主要工作和数据（每行一件事，写上数字）", lines=8, max_lines=30,
                            placeholder="新建基层工会8家，新发展会员436人\n春节走访慰问困难职工52户，发放慰问金11.6万元",
                            elem_id="f-facts",
                        )
                        problems = gr.Textbox(
                            label="存在的问题（每行一条，可不填）", lines=3, max_lines=12, elem_id="f-problems",
                        )
                        plans = gr.Textbox(
                            label="下一步打算（每行一条，可不填）", lines=3, max_lines=12, elem_id="f-plans",
                        )
                        date = gr.Textbox(
                            label="落款日期（可不填）", placeholder="如 2025年12月31日；不填则按总结期间自动确定",
                            elem_id="f-date",
                        )
                        form_errors = gr.HTML("", elem_id="form-errors", elem_classes="msg")
                        with gr.Row():
                            sample_btn = gr.Button("填入示例", size="md", elem_id="btn-sample")
                            import_btn = gr.UploadButton(
                                "从文件导入", file_types=[".yaml", ".yml", ".json"], size="md",
                                elem_id="btn-import",
                            )
                        generate_btn = gr.Button("生成初稿", variant="primary", size="lg", elem_id="btn-generate")
                    with gr.Column(scale=3, min_width=420, elem_id="draft-area"):
                        notice_box = gr.HTML("", elem_id="notice", elem_classes="msg")
                        # the id is shown in the draft's header; this box feeds the URL and the API
                        draft_id_box = gr.Textbox(label="草稿编号", interactive=False, visible="hidden",
                                                  elem_id="draft-id")
                        with gr.Row(visible=False, elem_id="draft-tools") as draft_tools:
                            docx_btn = gr.DownloadButton(
                                "下载 Word", variant="primary", size="md", scale=1, min_width=100,
                                elem_id="dl-docx",
                            )
                            md_btn = gr.DownloadButton("下载 .md", size="md", scale=1, min_width=90, elem_id="dl-md")
                            regen_btn = gr.Button(
                                "重新生成未锁定的节", size="md", scale=2, min_width=160, elem_id="btn-regenerate",
                            )
                        # asked before regeneration would replace sections the user edited by hand
                        with gr.Column(visible=False, elem_id="regen-confirm") as confirm_box:
                            confirm_msg = gr.HTML("", elem_id="regen-confirm-msg")
                            with gr.Row():
                                keep_btn = gr.Button("跳过手工修改的节", variant="primary", size="md",
                                                     elem_id="btn-regen-keep")
                                replace_btn = gr.Button("仍然全部重新生成", variant="stop", size="md",
                                                        elem_id="btn-regen-replace")
                                cancel_btn = gr.Button("取消", size="md", elem_id="btn-regen-cancel")
                        live = gr.HTML("", visible=False, elem_id="live")
                        draft_head = gr.HTML("", elem_id="draft-head")

                        @gr.render(inputs=[draft_state])
                        def cards(state: dict[str, Any] | None) -> None:
                            if state and "draft" not in state:  # being generated: the live view shows it
                                return
                            if not state:
                                gr.HTML(
                                    '<p class="muted">在左侧填写本单位的情况（或点“填入示例”），'
                                    "然后点“生成初稿”。生成后每一节都可以单独修改、重写、锁定。</p>",
                                    elem_id="no-draft",
                                )
                                return
                            draft = Draft.from_dict(state["draft"])
                            for position, (shown, section) in enumerate(
                                zip(draft.numbered_headings(), draft.sections, strict=True)
                            ):
                                _card(position, shown, section, draft.id)

            # ---------------------------------------------------------------- my drafts
            with gr.Tab("我的草稿", id="mine"):
                mine_intro = gr.Markdown(MINE_INTRO_BROWSER, elem_id="mine-intro")
                my_list = gr.Radio([], label="我的草稿（最近修改的在前）", elem_id="my-drafts")
                with gr.Row():
                    open_btn = gr.Button("打开所选草稿", variant="primary", elem_id="btn-open")
                    refresh_btn = gr.Button("刷新列表", elem_id="btn-refresh-list")
                with gr.Row():
                    open_id = gr.Textbox(label="按草稿编号打开", placeholder="如 3f9a1c2b7d4e", scale=3, elem_id="open-id")
                    open_id_btn = gr.Button("打开", scale=1, elem_id="btn-open-id")
                mine_notice = gr.HTML("", elem_id="mine-notice", elem_classes="msg")

            # ---------------------------------------------------------------- corpus page
            with gr.Tab("范文库", id="corpus"):
                corpus_info = gr.HTML(render.notice(backend.corpus_line()), elem_id="corpus-info")
                gr.Markdown(
                    f"上传本单位以往的工作总结（.docx、.txt、.md，每个文件不超过 "
                    f"{settings.max_upload_mb:.3g} MB），加入范文库后，生成时会参考其写法。"
                )
                upload = gr.File(
                    file_count="multiple", file_types=[".docx", ".txt", ".md"], type="filepath",
                    label="选择文件", height=150, elem_id="upload",
                )
                ingest_btn = gr.Button("加入范文库", variant="primary", elem_id="btn-ingest")
                ingest_msg = gr.HTML("", elem_id="ingest-msg", elem_classes="msg")
                ingest_table = gr.Dataframe(
                    headers=["文件", "结果", "说明"], value=[], interactive=False, wrap=True,
                    label="导入结果", elem_id="ingest-table",
                )
                gr.Markdown("### 检索范文")
                with gr.Row():
                    query = gr.Textbox(label="检索内容", placeholder="如：金秋助学、职工书屋、集体协商", scale=3, elem_id="q")
                    q_unit = gr.Dropdown(
                        [("全部", "")] + [(k, k) for k in UNIT_TYPES], value="", label="单位类型", elem_id="q-unit",
                    )
                    q_topic = gr.Dropdown(
                        [("全部", "")] + [(k, k) for k in [*TOPICS, GENERAL_TOPIC]], value="", label="主题",
                        elem_id="q-topic",
                    )
                search_btn = gr.Button("检索", variant="primary", elem_id="btn-search")
                results = gr.HTML("", elem_id="search-results")

        form = [unit_name, unit_type, period, year, topic, facts, problems, plans, length, date]

        # ---------------------------------------------------------------- card (inside render)
        def _card(position: int, shown: str, section: Section, draft_id: str) -> None:
            """One section's card. Its buttons update this card in place (no re-render), so
            unsaved edits in the other cards are kept."""
            editable = not section.locked
            with gr.Column(elem_classes=_card_classes(section), elem_id=f"card-{position}") as column:
                head = gr.HTML(render.card_head(position, shown, section))
                heading_box = gr.Textbox(
                    section.heading, label="小标题", visible=bool(section.heading), interactive=editable,
                    elem_id=f"heading-{position}",
                )
                text_box = gr.Textbox(
                    section.text, label="正文（可直接修改，改完点“保存修改”）",
                    lines=min(max(4, len(section.text) // 45 + 1), 16), max_lines=40,
                    interactive=editable, elem_id=f"text-{position}",
                )
                # what is stored, for UNSAVED_JS: updated together with the boxes above
                saved_heading = gr.Textbox(section.heading, visible="hidden", elem_id=f"saved-heading-{position}")
                saved_text = gr.Textbox(section.text, visible="hidden", elem_id=f"saved-text-{position}")
                warnings = gr.HTML(render.warnings_block(section), elem_id=f"warnings-{position}",
                                   elem_classes="warnbox")
                small: dict[str, Any] = {"size": "sm", "min_width": 64, "interactive": editable}
                with gr.Row():
                    save = gr.Button("保存修改", elem_id=f"save-{position}", **small)
                    polish = gr.Button("润色", elem_id=f"polish-{position}", **small)
                    expand = gr.Button("扩写", elem_id=f"expand-{position}", **small)
                    shorten = gr.Button("精简", elem_id=f"shorten-{position}", **small)
                    lock = gr.Button(
                        "解锁" if section.locked else "锁定", size="sm", min_width=64,
                        variant="primary" if section.locked else "secondary", elem_id=f"lock-{position}",
                    )
                    undo = gr.Button("撤销", elem_id=f"undo-{position}", **small)
                with gr.Row(equal_height=True):
                    instruction = gr.Textbox(
                        show_label=False, placeholder="重写要求，如：突出服务职工的成效，语言更简练",
                        container=False, scale=5, interactive=editable, elem_id=f"instr-{position}",
                    )
                    rewrite = gr.Button("重写", size="sm", scale=1, min_width=64, interactive=editable,
                                        elem_id=f"rewrite-{position}")
                card_notice = gr.HTML("", elem_id=f"cardmsg-{position}", elem_classes="msg")
                with gr.Accordion(f"参考来源（{len(section.sources)}）", open=False, elem_id=f"sources-{position}"):
                    gr.HTML(render.sources_list(section))

            outputs = [column, head, heading_box, text_box, warnings, save, polish, expand, shorten, lock,
                       undo, instruction, rewrite, card_notice, notice_box, edits, saved_heading, saved_text]
            common: dict[str, Any] = {
                "outputs": outputs, "show_progress_on": [text_box], "api_visibility": "undocumented",
            }
            inputs = [draft_state, edits, heading_box, text_box, instruction]
            for button, op in ((save, "save"), (rewrite, "rewrite"), (polish, "polish"), (expand, "expand"),
                               (shorten, "shorten"), (lock, "toggle_lock"), (undo, "undo")):
                button.click(_section_handler(position, op), inputs, **common)

        def _section_handler(position: int, op: str) -> Any:
            """A card button's handler (a plain function, so gradio passes it the request)."""
            def handle(state: dict[str, Any] | None, edit_count: int, heading: str, text: str,
                       instruction: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
                yield from on_section(position, op, state, edit_count, heading, text, instruction,
                                      _owner(request))
            return handle

        # ---------------------------------------------------------------- handlers
        # Every handler acts for one owner (`_owner(request)`) and reaches drafts only through
        # the backend's view for that owner: another user's id is "not found", like a wrong id.
        def act(owner: str, draft_id: str, position: int, op: str, heading: str | None = None,
                text: str | None = None, instruction: str = "",
                events: DraftEvents | None = None) -> tuple[Draft, str]:
            """One section operation; returns the updated draft and the message to show.

            Raises UserError/StoreError with the Chinese message for the user (a revision the
            gate refused is a RevisionNotAccepted: nothing was stored).
            """
            draft = backend.get_draft(owner, draft_id)
            if draft is None:
                raise UserError(f"找不到草稿 {draft_id}，请重新生成或在“我的草稿”中打开。")
            if not 0 <= position < len(draft.sections):
                raise UserError(f"没有第 {position + 1} 节，请刷新页面后再试。")
            section = draft.sections[position]
            name = section_name(section.heading)
            drafter = backend.drafter(owner, events or DraftEvents())
            store = drafter.store
            edited = (
                text is not None
                and (text.strip() != section.text.strip()
                     or (heading is not None and heading.strip() != section.heading))
            )
            if op == "save":
                if not edited:
                    return draft, f"{name}没有改动。"
                drafter.edit(draft_id, position, text or "", heading if section.heading else None)
                message = f"已保存{name}的修改。"
            elif op in ACTION_LABELS:
                if edited and not section.locked:  # act on what the user sees
                    drafter.edit(draft_id, position, text or "", heading if section.heading else None)
                if op == "rewrite":
                    if not instruction.strip():
                        raise UserError("请先在“重写要求”中写明怎么改，如“突出服务职工的成效”。")
                    revised = drafter.revise(draft_id, position, instruction=instruction)
                else:
                    revised = drafter.revise(draft_id, position, action=op)
                how = "" if revised.origin != "fallback" else f"（大模型的输出未采用：{revised.origin_reason}，已改用离线方式）"
                message = f"已{ACTION_LABELS[op]}{name}{how}，不满意可点“撤销”恢复。"
            elif op in ("lock", "unlock", "toggle_lock"):
                locked = (not section.locked) if op == "toggle_lock" else op == "lock"
                if locked and edited:
                    drafter.edit(draft_id, position, text or "", heading if section.heading else None)
                store.set_locked(draft_id, position, locked)
                message = (
                    f"已锁定{name}：重新生成时不会改动它。" if locked else f"已解锁{name}，可以修改了。"
                )
            elif op == "undo":
                store.undo(draft_id, position)
                message = f"已撤销{name}的上一次修改。"
            else:
                raise UserError(f"不支持的操作：{op}")
            fresh = backend.get_draft(owner, draft_id)
            assert fresh is not None
            return fresh, message

        def on_section(position: int, op: str, state: dict[str, Any] | None, edit_count: int,
                       heading: str, text: str, instruction: str, owner: str) -> Iterator[tuple[Any, ...]]:
            """A card's button. Outputs, in order: the card (column, head, heading, text, warnings,
            7 buttons and the instruction box, its own notice), the page notice, the edit counter,
            the stored heading and text (for the unsaved-edits marker). A revision by the model
            streams into the text box, which goes back to the stored text if it is not accepted."""
            unchanged = [gr.skip()] * 13
            if not state or "draft" not in state:
                box = render.notice("请先生成或打开一份草稿。", "warn")
                yield (*unchanged, box, box, gr.skip(), gr.skip(), gr.skip())
                return
            draft_id = state["draft"]["id"]
            streamed = False
            try:
                if op in ACTION_LABELS and backend.llm_configured:
                    events = QueueEvents()
                    job = partial(act, owner, draft_id, position, op, heading, text, instruction, events)
                    working = render.notice(f"大模型正在{ACTION_LABELS[op]}……核对通过后才会替换原文。", "info")
                    for item in stream_section(job, events, position):
                        if isinstance(item, tuple):
                            draft, message = item[0]
                            break
                        streamed = True
                        # buttons off while the answer streams; the stream is not an unsaved edit
                        yield (*[gr.skip()] * 3, gr.update(value=item, interactive=False), gr.skip(),
                               *[gr.update(interactive=False)] * 8, working, *[gr.skip()] * 3, item)
                else:
                    draft, message = act(owner, draft_id, position, op, heading, text, instruction)
            except (UserError, StoreError) as exc:
                # shown on the card (where the user clicked) and at the top; not as a gr.Warning
                # toast, whose title gradio always shows in English
                problem = exc.message if isinstance(exc, UserError) else str(exc)
                box = render.notice(problem, "warn")
                card, saved = _restored(owner, draft_id, position, streamed)
                yield (*card, box, box, gr.skip(), gr.skip(), saved)
                return
            except Exception:
                log.exception("section operation failed")
                box = render.notice("操作失败，原文未改动，请稍后重试。", "error")
                card, saved = _restored(owner, draft_id, position, streamed)
                yield (*card, box, box, gr.skip(), gr.skip(), saved)
                return
            section = draft.sections[position]
            editable = not section.locked
            enabled = gr.update(interactive=editable)
            yield (
                gr.update(elem_classes=_card_classes(section)),
                render.card_head(position, draft.numbered_headings()[position], section),
                gr.update(value=section.heading, interactive=editable),
                gr.update(value=section.text, interactive=editable),
                render.warnings_block(section),
                enabled, enabled, enabled, enabled,
                gr.update(value="解锁" if section.locked else "锁定",
                          variant="primary" if section.locked else "secondary"),
                enabled, enabled, enabled,
                "",
                render.notice(message, "ok"),
                (edit_count or 0) + 1,
                section.heading,
                section.text,
            )

        def _restored(owner: str, draft_id: str, position: int, streamed: bool) -> tuple[list[Any], Any]:
            """The 13 card outputs and the stored-text marker after a failed operation: unchanged,
            except that a card that showed the model's streamed answer shows the stored text
            again, with its buttons back on."""
            outputs: list[Any] = [gr.skip()] * 13
            stored = backend.get_draft(owner, draft_id) if streamed else None
            if stored is None or position >= len(stored.sections):
                return outputs, gr.skip()
            text = stored.sections[position].text
            outputs[3] = gr.update(value=text, interactive=True)
            outputs[5:13] = [gr.update(interactive=True)] * 8
            return outputs, text

        def generate(unit_name: str, unit_type: str, period: str, year: Any, topic: str, facts: str,
                     problems: str, plans: str, length: Any, date: str,
                     request: gr.Request) -> Iterator[tuple[Any, ...]]:
            """Validate the form, then stream the draft as it is written (outputs: errors, live view,
            draft id, draft state, notice)."""
            owner = _owner(request)
            try:
                parsed = facts_from_form(
                    unit_name, unit_type or "", period or "", _year(year), facts, problems, plans,
                    topic, _length(length), date,
                )
            except FactsError as exc:
                yield (render.form_errors(exc.messages), gr.update(visible=False), gr.skip(), gr.skip(),
                       render.notice("表单还有需要修改的地方，见左侧红框。", "warn"))
                return
            live = LiveDraft()
            deadline = time.monotonic() + CORPUS_WAIT_SECONDS
            while not backend.ready.wait(0.5) and time.monotonic() < deadline:
                live.waiting_for = f"范文库正在准备中（{backend.corpus_progress}），完成后自动开始生成……"
                yield ("", gr.update(value=render.live_view(live), visible=True), gr.skip(), _pending(), "")
            live.waiting_for = "正在规划提纲、检索范文……"
            yield ("", gr.update(value=render.live_view(live), visible=True), gr.skip(), _pending(), "")
            events = QueueEvents()
            drafter = backend.drafter(owner, events)  # its store creates the draft as this owner's
            shown_id = ""
            result: DraftResult | None = None
            try:
                for item in stream_job(lambda: drafter.draft(parsed), events, live):
                    if isinstance(item, DraftResult):
                        result = item
                        break
                    new_id = item.draft_id if item.draft_id != shown_id else gr.skip()
                    shown_id = item.draft_id
                    yield (gr.skip(), gr.update(value=render.live_view(item), visible=True), new_id,
                           gr.skip(), gr.skip())
            except Exception as exc:
                if not isinstance(exc, UserError):
                    log.exception("generation failed")
                message = exc.message if isinstance(exc, UserError) else \
                    "生成时出错，已完成的部分已保存。请稍后点“重新生成”。"
                partial_draft = backend.get_draft(owner, live.draft_id) if live.draft_id else None
                yield (gr.skip(), gr.update(visible=False), live.draft_id or gr.skip(),
                       _state(partial_draft) if partial_draft else None, render.notice(message, "error"))
                return
            assert result is not None
            done = "初稿已生成并保存。请逐节核对，满意的节可以锁定，最后下载 Word。"
            summary = result.report.summary()
            kind = "warn" if result.report.fallbacks else "ok"
            message = f"{summary}{done}" if summary else done
            yield ("", gr.update(visible=False), result.draft.id, _state(result.draft),
                   render.notice(message, kind))

        def regenerate_runs(owner: str, state: dict[str, Any] | None, choice: str) -> Iterator[tuple[Any, ...]]:
            """Rewrite every unlocked section. `choice`: "ask" shows the confirmation when sections
            the user edited by hand would be replaced; "replace" rewrites them too; "keep" skips
            them. Outputs: live view, draft state, notice, confirmation box, its message."""
            hide = gr.update(visible=False)
            draft = backend.get_draft(owner, state["draft"]["id"]) if state and "draft" in state else None
            if draft is None:
                yield (gr.skip(), gr.skip(), render.notice("请先生成或打开一份草稿。", "warn"), hide, gr.skip())
                return
            if all(s.locked for s in draft.sections):
                yield (gr.skip(), gr.skip(), render.notice("所有节都已锁定，没有需要重新生成的内容。", "warn"),
                       hide, gr.skip())
                return
            drafter = backend.drafter(owner, QueueEvents())
            edited = drafter.store.hand_edited_positions(draft.id)
            if edited and choice == "ask":
                question = (f"{section_labels(draft, edited)}有您手工修改的内容。重新生成会用新写的内容替换"
                            "这些修改（之后仍可逐节“撤销”找回）。请选择：")
                yield (gr.skip(), gr.skip(), render.notice("重新生成前请先确认如何处理手工修改过的节。", "warn"),
                       gr.update(visible=True), render.notice(question, "warn"))
                return
            replace = choice == "replace"
            kept = [] if replace else edited
            events = drafter.events
            assert isinstance(events, QueueEvents)
            live = LiveDraft.of(draft, regenerate=True, keep=kept)
            yield (gr.update(value=render.live_view(live), visible=True), _pending(),
                   render.notice("正在重新生成未锁定的各节，已锁定的节保持不变……", "info"), hide, "")
            result: DraftResult | None = None
            try:
                job = stream_job(lambda: drafter.regenerate(draft.id, replace_edited=replace), events, live)
                for item in job:
                    if isinstance(item, DraftResult):
                        result = item
                        break
                    yield (gr.update(value=render.live_view(item), visible=True), gr.skip(), gr.skip(),
                           gr.skip(), gr.skip())
            except (UserError, StoreError) as exc:
                message = exc.message if isinstance(exc, UserError) else str(exc)
                fresh = backend.get_draft(owner, draft.id)
                yield (hide, _state(fresh) if fresh else gr.skip(), render.notice(message, "error"),
                       gr.skip(), gr.skip())
                return
            except Exception:
                log.exception("regeneration failed")
                fresh = backend.get_draft(owner, draft.id)
                yield (hide, _state(fresh) if fresh else gr.skip(),
                       render.notice("重新生成时出错，已完成的部分已保存，请稍后再试。", "error"), gr.skip(), gr.skip())
                return
            assert result is not None
            locked = sum(1 for s in result.draft.sections if s.locked)
            kept_note = f"；{section_labels(draft, kept)}是手工修改的" if kept else ""
            message = f"{result.report.summary()}已重新生成未锁定的各节（{locked} 节已锁定{kept_note}，保持不变）。"
            yield (hide, _state(result.draft), render.notice(message, "warn" if result.report.fallbacks else "ok"),
                   gr.skip(), gr.skip())

        def regenerate(state: dict[str, Any] | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            """Rewrite every unlocked section; asks first if hand-edited sections would be replaced."""
            yield from regenerate_runs(_owner(request), state, "ask")

        def regenerate_replace_edited(state: dict[str, Any] | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            """Rewrite every unlocked section, hand-edited ones included."""
            yield from regenerate_runs(_owner(request), state, "replace")

        def regenerate_keep_edited(state: dict[str, Any] | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            """Rewrite every unlocked section except those edited by hand."""
            yield from regenerate_runs(_owner(request), state, "keep")

        def fill(values: dict[str, Any]) -> list[Any]:
            return [
                values["unit_name"], values["unit_type"], values["period"], values["year"], values["topic"],
                values["facts"], values["problems"], values["plans"], values["length"] or "自动",
                values["date"],
            ]

        def draft_form(draft: Draft | None) -> list[Any]:
            """The form filled with the facts a draft was made from (unchanged if there are none)."""
            try:
                return fill(form_from_facts(Facts.from_dict(draft.facts))) if draft else [gr.skip()] * len(form)
            except (KeyError, TypeError, ValueError):  # facts saved by an older version
                return [gr.skip()] * len(form)

        def sample_facts() -> list[Any]:
            return [*fill(SAMPLE_FORM), "", render.notice("已填入示例（数字均为虚构），可直接点“生成初稿”试用。")]

        def import_facts(path: str | None) -> list[Any]:
            if not path:
                return [gr.skip()] * len(form) + ["", gr.skip()]
            try:
                loaded = load_facts(Path(path))
            except FactsError as exc:
                return [gr.skip()] * len(form) + [
                    render.form_errors(exc.messages), render.notice("文件中有需要修改的地方，见左侧红框。", "warn"),
                ]
            return [*fill(form_from_facts(loaded)), "",
                    render.notice(f"已从 {Path(path).name} 导入，请核对后点“生成初稿”。", "ok")]

        def refresh_draft_view(state: dict[str, Any] | None, _edits: int,
                               request: gr.Request) -> tuple[Any, Any, Any, str]:
            """The header and the downloads of the current draft (exported afresh each time)."""
            owner = _owner(request)
            draft = backend.get_draft(owner, state["draft"]["id"]) if state and "draft" in state else None
            if draft is None:
                return gr.update(value=None), gr.update(value=None), gr.update(visible=False), ""
            try:
                docx_path, md_path = backend.export(draft)
            except Exception:
                log.exception("export failed")
                return gr.update(value=None), gr.update(value=None), gr.update(visible=True), \
                    render.draft_header(draft)
            return str(docx_path), str(md_path), gr.update(visible=True), render.draft_header(draft)

        def my_choices(owner: str, ids: list[str] | None) -> list[tuple[str, str]]:
            """我的草稿: with login, all the user's drafts; without, those this browser made or opened."""
            drafts = backend.list_drafts(owner, None if owner else list(ids or []), limit=MAX_MY_DRAFTS)
            return [(f"{d.title}（{_local_time(d.updated_at)}，编号 {d.id}）", d.id) for d in drafts]

        def remember(draft_id: str, ids: list[str] | None, request: gr.Request) -> tuple[Any, Any, Any]:
            if not draft_id:
                return gr.skip(), gr.skip(), gr.skip()
            mine = [draft_id] + [i for i in (ids or []) if i != draft_id]
            mine = mine[:MAX_MY_DRAFTS]
            return draft_id, mine, gr.update(choices=my_choices(_owner(request), mine), value=draft_id)

        def on_load(remembered: str, ids: list[str] | None, request: gr.Request) -> tuple[Any, ...]:
            """The page opens: the draft in the URL (else the one this browser last had), its facts
            in the form, 我的草稿, the status line."""
            owner = _owner(request)
            wanted = ""
            if request is not None:
                wanted = (request.query_params.get("draft") or "").strip()
            message = ""
            draft = backend.get_draft(owner, wanted) if wanted else None
            if wanted and draft is None:
                message = f"找不到网址中的草稿 {wanted[:64]}，已打开上次的草稿。" if remembered else \
                    f"找不到网址中的草稿 {wanted[:64]}。"
            if draft is None and remembered:
                draft = backend.get_draft(owner, remembered)
            choices = gr.update(choices=my_choices(owner, ids), value=draft.id if draft else None)
            timer_update = gr.Timer(active=not backend.ready.is_set())
            corpus = render.notice(backend.corpus_line())
            intro = MINE_INTRO_LOGIN.format(user=owner) if owner else MINE_INTRO_BROWSER
            if draft is None:
                return (status_html(), "", None, render.notice(message, "warn") if message else "",
                        choices, timer_update, corpus, intro, *draft_form(None))
            note = render.notice(message, "warn") if message else render.notice(
                "已打开上次的草稿，可继续修改；左侧表单已填入它的事实，补充后点“生成初稿”可另起一稿。", "info")
            return (status_html(), draft.id, _state(draft), note, choices, timer_update, corpus, intro,
                    *draft_form(draft))

        def open_draft(draft_id: str | None, request: gr.Request) -> tuple[Any, ...]:
            draft = backend.get_draft(_owner(request), (draft_id or "").strip())
            if draft is None:
                message = "请先选择一份草稿。" if not draft_id else f"找不到草稿 {draft_id[:64]}，请检查编号。"
                return (gr.skip(), gr.skip(), gr.skip(), render.notice(message, "warn"), gr.skip(),
                        *draft_form(None))
            opened = f"已打开：{draft.title}。左侧表单已填入它的事实，补充后点“生成初稿”可另起一稿。"
            return (draft.id, _state(draft), render.notice(opened, "info"), "", gr.Tabs(selected="draft"),
                    *draft_form(draft))

        def refresh_list(ids: list[str] | None, request: gr.Request) -> Any:
            return gr.update(choices=my_choices(_owner(request), ids))

        def poll_status() -> tuple[str, Any, str]:
            done = backend.ready.is_set()
            return status_html(), gr.Timer(active=not done), render.notice(backend.corpus_line())

        def search(query: str, unit: str, topic: str) -> str:
            if not backend.ready.is_set():
                return render.notice("范文库正在准备中，请稍候再检索。", "warn")
            hits = backend.search(query or "", unit or "", topic or "") if (query or "").strip() else []
            return render.search_results(hits, query or "")

        def ingest_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
            if not files:
                return (render.notice("请先选择要导入的文件。", "warn"), [], gr.skip(), gr.skip())
            labels = {"read": "读取文件", "embed": "生成向量"}

            def report(stage: str, done: int, total: int) -> None:
                progress((done, total), desc=labels.get(stage, stage))

            try:
                outcome = backend.ingest_uploads([Path(f) for f in files], progress=report)
            except Exception:
                log.exception("ingest failed")
                return (render.notice("导入时出错，范文库未改变，请稍后重试。", "error"), [], gr.skip(), gr.skip())
            kind = "ok" if outcome.added_chunks else "warn"
            return (render.notice(outcome.message, kind), outcome.rows,
                    render.notice(backend.corpus_line()), status_html())

        # ---------------------------------------------------------------- API-only endpoints
        def get_draft(draft_id: str, request: gr.Request) -> dict:
            """The draft with this id as JSON ({} when unknown, or not yours)."""
            draft = backend.get_draft(_owner(request), draft_id)
            return draft.to_dict() if draft else {}

        def section_action(draft_id: str, position: int, action: str, instruction: str = "",
                           text: str = "", request: gr.Request | None = None) -> dict:
            """rewrite | polish | expand | shorten | lock | unlock | undo | save (a hand edit: `text`)
            on one section (0 = opening)."""
            if action == "save" and not text.strip():
                return {"ok": False, "message": "请在 text 中给出修改后的正文。"}
            try:
                draft, message = act(_owner(request), draft_id, int(position), action,
                                     text=text if action == "save" else None, instruction=instruction)
            except UserError as exc:
                return {"ok": False, "message": exc.message}
            except StoreError as exc:
                return {"ok": False, "message": str(exc)}
            return {"ok": True, "message": message, "draft": draft.to_dict()}

        def list_my_drafts(ids: list, request: gr.Request) -> list:
            """Titles and ids of the given drafts that exist and are yours, newest first."""
            return [{"id": d.id, "title": d.title, "updated_at": d.updated_at}
                    for d in backend.list_drafts(_owner(request), [str(i) for i in ids])]

        # ---------------------------------------------------------------- wiring
        gen_outputs = [form_errors, live, draft_id_box, draft_state, notice_box]
        generate_btn.click(
            generate, form, gen_outputs, api_name="generate", show_progress="hidden",
            concurrency_limit=GENERATE_CONCURRENCY, concurrency_id="drafting",
        )
        regen_outputs = [live, draft_state, notice_box, confirm_box, confirm_msg]
        for button, handler in ((regen_btn, regenerate), (replace_btn, regenerate_replace_edited),
                                (keep_btn, regenerate_keep_edited)):
            button.click(
                handler, [draft_state], regen_outputs, api_name=handler.__name__,
                show_progress="hidden", concurrency_limit=GENERATE_CONCURRENCY, concurrency_id="drafting",
            )
        cancel_btn.click(lambda: (gr.update(visible=False), render.notice("已取消重新生成。", "info")), None,
                         [confirm_box, notice_box], api_visibility="undocumented")
        # a question about one draft never stays up beside another (opened, generated, reloaded)
        draft_state.change(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="undocumented")
        sample_btn.click(sample_facts, None, form + [form_errors, notice_box], api_name="sample_facts")
        import_btn.upload(import_facts, [import_btn], form + [form_errors, notice_box], api_name="import_facts")
        for trigger in (draft_state.change, edits.change):
            trigger(refresh_draft_view, [draft_state, edits], [docx_btn, md_btn, draft_tools, draft_head],
                    api_visibility="undocumented")
        draft_id_box.change(None, [draft_id_box], None, js=SET_URL_JS)
        draft_id_box.change(remember, [draft_id_box, my_ids], [current_id, my_ids, my_list],
                            api_visibility="undocumented")
        demo.load(
            on_load, [current_id, my_ids],
            [status, draft_id_box, draft_state, notice_box, my_list, timer, corpus_info, mine_intro, *form],
            api_visibility="undocumented",
        )
        timer.tick(poll_status, None, [status, timer, corpus_info], api_visibility="undocumented",
                   show_progress="hidden")
        open_outputs = [draft_id_box, draft_state, notice_box, mine_notice, tabs, *form]
        open_btn.click(open_draft, [my_list], open_outputs, api_visibility="undocumented")
        open_id_btn.click(open_draft, [open_id], open_outputs, api_visibility="undocumented")
        refresh_btn.click(refresh_list, [my_ids], [my_list], api_visibility="undocumented")
        search_btn.click(search, [query, q_unit, q_topic], [results], api_name="search")
        query.submit(search, [query, q_unit, q_topic], [results], api_visibility="undocumented")
        ingest_btn.click(
            ingest_upload, [upload], [ingest_msg, ingest_table, corpus_info, status],
            api_name="ingest_upload", concurrency_limit=1, concurrency_id="ingest",
        )
        gr.api(get_draft, api_name="get_draft")
        gr.api(section_action, api_name="section_action")
        gr.api(list_my_drafts, api_name="list_my_drafts")

    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY)
    return demo


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Build the UI and serve it until interrupted (`drafter serve`, `python app.py`)."""
    try:
        parse_auth(settings.auth)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    demo = build_ui(settings)
    print(f"工会工作总结起草助手：http://{host or settings.host}:{port or settings.port}", flush=True)
    demo.launch(server_name=host or settings.host, server_port=port or settings.port, quiet=True)
