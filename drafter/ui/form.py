"""The facts form: the unit, the period, the work done with its figures, problems and plans."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from drafter.draft import Draft
from drafter.facts import (
    FIELD_LABELS,
    PERIOD_CHOICES,
    Facts,
    FactsError,
    facts_from_form,
    load_facts,
)
from drafter.genre import DEFAULT_STYLE, active
from drafter.ui import render
from drafter.ui.backend import SAMPLE_FORM, form_from_facts
from drafter.ui.common import default_year, length_value, year_value

UNIT_TYPE_CHOICES = [
    "乡镇/街道工会", "企业工会", "事业单位/机关工会", "学校工会", "区县/市总工会", "农场连队工会",
]
LENGTH_CHOICES = [
    ("自动（按事实多少）", "自动"), ("约1500字", "1500"), ("约2500字", "2500"),
    ("约4000字", "4000"), ("约6000字", "6000"),
]
# The form's fields, in the order of the generate endpoint's inputs and of facts_from_form's
# keyword names.
FIELD_ORDER = ("unit_name", "unit_type", "period", "year", "topic", "facts", "problems", "plans",
               "length", "date", "closing", "headline_style", "plans_done")
# What a field shows when the values to fill leave it out (e.g. facts saved by an older version).
FIELD_DEFAULTS: dict[str, Any] = {"length": "自动", "closing": False, "headline_style": DEFAULT_STYLE,
                                  "plans_done": ""}


@dataclass
class FactsForm:
    fields: list[Any]  # in FIELD_ORDER
    errors: gr.HTML
    sample_btn: gr.Button
    import_btn: gr.UploadButton
    outline_btn: gr.Button
    generate_btn: gr.Button

    def fill(self, values: dict[str, Any]) -> dict[Any, Any]:
        """The fields set to `values` (form_from_facts' keys)."""
        filled = {key: values.get(key) or FIELD_DEFAULTS.get(key, values.get(key)) for key in FIELD_ORDER}
        return {field: filled[key] for key, field in zip(FIELD_ORDER, self.fields, strict=True)}

    def fill_from(self, draft: Draft | None) -> dict[Any, Any]:
        """The fields filled with the facts a draft was made from (unchanged if there are none)."""
        try:
            return self.fill(form_from_facts(Facts.from_dict(draft.facts))) if draft else {}
        except (KeyError, TypeError, ValueError):  # facts saved by an older version
            return {}


def parse_form(values: list[Any] | tuple[Any, ...]) -> Facts:
    """The form's values (FIELD_ORDER) as validated facts; FactsError names the fields to fix."""
    v = dict(zip(FIELD_ORDER, values, strict=True))
    return facts_from_form(
        v["unit_name"], v["unit_type"] or "", v["period"] or "", year_value(v["year"]), v["facts"],
        v["problems"], v["plans"], v["topic"], length_value(v["length"]), v["date"],
        bool(v["closing"]), v["headline_style"] or "", v["plans_done"] or "",
    )


def build_form() -> FactsForm:
    label = FIELD_LABELS
    unit_name = gr.Textbox(label=label["unit_name"], placeholder="如：青山镇总工会", elem_id="f-unit-name")
    unit_type = gr.Dropdown(
        UNIT_TYPE_CHOICES, value=None, label=label["unit_type"], allow_custom_value=True,
        info="可从列表选择，也可直接输入", elem_id="f-unit-type",
    )
    with gr.Row():
        period = gr.Dropdown(list(PERIOD_CHOICES), value="年度", label=label["period"], min_width=90, scale=1,
                             elem_id="f-period")
        year = gr.Number(value=default_year(), precision=0, minimum=2000, maximum=2100, label=label["year"],
                         min_width=90, scale=1, elem_id="f-year")
        # wide enough for “自动（按事实多少）” beside the other two
        length = gr.Dropdown(LENGTH_CHOICES, value="自动", label=label["length"], allow_custom_value=True,
                             min_width=200, scale=2, elem_id="f-length")
    topic = gr.Textbox(label=f"{label['topic']}（专项总结必填）", placeholder="如：工会组建、职工书屋建设",
                       elem_id="f-topic")
    facts = gr.Textbox(
        label=f"{label['facts']}和数据（每行一件事，写上数字）", lines=8, max_lines=30,
        placeholder="新建基层工会8家，新发展会员436人\n春节走访慰问困难职工52户，发放慰问金11.6万元",
        elem_id="f-facts",
    )
    problems = gr.Textbox(label=f"{label['problems']}（每行一条，可不填）", lines=3, max_lines=12,
                          elem_id="f-problems")
    plans = gr.Textbox(label=f"{label['plans']}（每行一条，可不填）", lines=3, max_lines=12, elem_id="f-plans")
    date = gr.Textbox(label=f"{label['date']}（可不填）", placeholder="如 2025年12月31日；不填则按总结期间自动确定",
                      elem_id="f-date")
    with gr.Accordion("更多选项（结束语、标题样式、上年打算落实）", open=False, elem_id="f-more"):
        closing = gr.Checkbox(value=False, label=f"文末加{label['closing']}（一段简短的收尾）", elem_id="f-closing")
        headline_style = gr.Radio([(name, key) for key, name in active().headline_styles.items()],
                                  value=DEFAULT_STYLE, label=label["headline_style"], elem_id="f-headline-style")
        plans_done = gr.Textbox(
            value="", label=f"{label['plans_done']}（每行一条，可不填；开头段会写“对照上年打算逐项落实”）", lines=2, max_lines=8,
            placeholder="如：深化工资集体协商\n“从素材提取”页对照上年总结后可一键填入", elem_id="f-plans-done",
        )
    errors = gr.HTML("", elem_id="form-errors", elem_classes="msg")
    with gr.Row():
        sample_btn = gr.Button("填入示例", size="md", elem_id="btn-sample")
        import_btn = gr.UploadButton("从文件导入", file_types=[".yaml", ".yml", ".json"], size="md",
                                     elem_id="btn-import")
    with gr.Row():
        outline_btn = gr.Button("生成提纲（先看结构）", size="lg", elem_id="btn-outline")
        generate_btn = gr.Button("生成初稿", variant="primary", size="lg", elem_id="btn-generate")
    return FactsForm([unit_name, unit_type, period, year, topic, facts, problems, plans, length, date, closing,
                      headline_style, plans_done],
                     errors, sample_btn, import_btn, outline_btn, generate_btn)


def wire_form(form: FactsForm, notice_box: gr.HTML) -> None:
    """填入示例 and 从文件导入 (API: sample_facts, import_facts)."""
    outputs = [*form.fields, form.errors, notice_box]

    def sample_facts() -> dict[Any, Any]:
        return {**form.fill(SAMPLE_FORM), form.errors: "",
                notice_box: render.notice("已填入示例（数字均为虚构），可直接点“生成初稿”试用。")}

    def import_facts(path: str | None) -> dict[Any, Any]:
        if not path:
            return {form.errors: ""}
        try:
            loaded = load_facts(Path(path))
        except FactsError as exc:
            return {form.errors: render.form_errors(exc.messages),
                    notice_box: render.notice("文件中有需要修改的地方，见事实表单中的红框。", "warn")}
        return {**form.fill(form_from_facts(loaded)), form.errors: "",
                notice_box: render.notice(f"已从 {Path(path).name} 导入，请核对后点“生成初稿”。", "ok")}

    form.sample_btn.click(sample_facts, None, outputs, api_name="sample_facts")
    form.import_btn.upload(import_facts, [form.import_btn], outputs, api_name="import_facts")
