"""范文库: upload the unit's own past summaries into the corpus, and search it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from drafter.config import safe_logger
from drafter.taxonomy import GENERAL_TOPIC, TOPICS, UNIT_TYPES
from drafter.ui import render
from drafter.ui.backend import STAGE_LABELS
from drafter.ui.common import Page
from drafter.ui.status import status_html

log = safe_logger("drafter.ui")


def build_corpus_page(page: Page, status: gr.HTML) -> gr.HTML:
    """The page's parts and their events; returns the corpus info box (updated at start-up)."""
    backend = page.backend
    corpus_info = gr.HTML(render.notice(backend.corpus_line()), elem_id="corpus-info")
    gr.Markdown(
        f"上传本单位以往的工作总结（.docx、.txt、.md，每个文件不超过 {page.settings.max_upload_mb:.3g} MB），"
        "加入范文库后，生成时会参考其写法。"
    )
    upload = gr.File(file_count="multiple", file_types=[".docx", ".txt", ".md"], type="filepath",
                     label="选择文件", height=150, elem_id="upload")
    ingest_btn = gr.Button("加入范文库", variant="primary", elem_id="btn-ingest")
    ingest_msg = gr.HTML("", elem_id="ingest-msg", elem_classes="msg")
    ingest_table = gr.Dataframe(headers=["文件", "结果", "说明"], value=[], interactive=False, wrap=True,
                                label="导入结果", elem_id="ingest-table")
    gr.Markdown("### 检索范文")
    with gr.Row():
        query = gr.Textbox(label="检索内容", placeholder="如：金秋助学、职工书屋、集体协商", scale=3, elem_id="q")
        q_unit = gr.Dropdown([("全部", "")] + [(k, k) for k in UNIT_TYPES], value="", label="单位类型",
                             elem_id="q-unit")
        q_topic = gr.Dropdown([("全部", "")] + [(k, k) for k in [*TOPICS, GENERAL_TOPIC]], value="", label="主题",
                              elem_id="q-topic")
    search_btn = gr.Button("检索", variant="primary", elem_id="btn-search")
    results = gr.HTML("", elem_id="search-results")

    def search(text: str, unit: str, topic: str) -> str:
        if not backend.ready.is_set():
            return render.notice("范文库正在准备中，请稍候再检索。", "warn")
        hits = backend.search(text or "", unit or "", topic or "") if (text or "").strip() else []
        return render.search_results(hits, text or "")

    def ingest_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> dict[Any, Any]:  # noqa: B008
        if not files:
            return {ingest_msg: render.notice("请先选择要导入的文件。", "warn"), ingest_table: []}

        def report(stage: str, done: int, total: int) -> None:
            progress((done, total), desc=STAGE_LABELS.get(stage, stage))

        try:
            outcome = backend.ingest_uploads([Path(f) for f in files], progress=report)
        except Exception:
            log.exception("ingest failed")
            return {ingest_msg: render.notice("导入时出错，范文库未改变，请稍后重试。", "error"), ingest_table: []}
        kind = "ok" if outcome.added_chunks else "warn"
        return {ingest_msg: render.notice(outcome.message, kind), ingest_table: outcome.rows,
                corpus_info: render.notice(backend.corpus_line()), status: status_html(backend)}

    search_btn.click(search, [query, q_unit, q_topic], [results], api_name="search")
    query.submit(search, [query, q_unit, q_topic], [results], api_visibility="undocumented")
    ingest_btn.click(ingest_upload, [upload], [ingest_msg, ingest_table, corpus_info, status],
                     api_name="ingest_upload", concurrency_limit=1, concurrency_id="ingest")
    return corpus_info
