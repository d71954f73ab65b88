"""The status line (one line of plain Chinese) and the 帮助/设置说明 panel behind it.

Settings names (environment variables, options, paths) appear only in the panel.
"""

from __future__ import annotations

import gradio as gr

from drafter.ui import render
from drafter.ui.backend import Backend

OFFLINE = "离线模式（未接入大模型）"
STEPS = "① 填写本单位情况和主要工作 → ② 生成提纲，调整结构 → ③ 生成初稿，逐节修改、锁定 → ④ 下载 Word"


def writer_line(backend: Backend) -> str:
    return f"大模型：{backend.settings.llm_model}" if backend.llm_configured else OFFLINE


def status_html(backend: Backend) -> str:
    return render.status_line(writer_line(backend), backend.corpus_line(), not backend.llm_configured,
                              bool(backend.notices))


def help_html(backend: Backend) -> str:
    s = backend.settings
    lines = [
        "使用步骤：" + STEPS + "。",
        "数字只来自您填写的事实；范文只用来参考结构和写法。正文里的数字可以指一下，看它来自哪条事实。",
        "当前：" + backend.llm_line(),
        "接入大模型：启动前设置 OPENAI_BASE_URL（兼容 OpenAI 的接口地址）、DRAFTER_MODEL（模型名）"
        "和 OPENAI_API_KEY（密钥），然后重新启动。",
        "向量模型：DRAFTER_EMBED_MODEL 或命令行 --embed-model（offline 表示不用向量模型）。",
        f"数据保存在：{s.data_dir}（DRAFTER_DATA_DIR 或 --data-dir 可改）。",
    ]
    return render.help_panel(lines, backend.notices)


def build_status(backend: Backend) -> tuple[gr.HTML, gr.HTML]:
    """The status line and, below it, the collapsed help panel; both refreshed at start-up."""
    status = gr.HTML(status_html(backend), elem_id="status")
    with gr.Accordion("帮助/设置说明", open=False, elem_id="help"):
        help_box = gr.HTML(help_html(backend), elem_id="help-text")
    return status, help_box
