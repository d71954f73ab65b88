"""The 从素材提取 tab: upload the year's materials, review the candidate facts (accept, edit,
merge, drop), fill the fact form; upload last year's summary to see its plans followed up and
the year-on-year changes computed in code.

Self-contained: app.py mounts it with one call inside its Blocks, passing the fact form's
components (see build_materials_tab). The handlers are plain functions, tested without a browser.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.compare import STATUS_LABELS, Comparison, apply_comparison
from drafter.errors import DrafterError
from drafter.facts import Facts, FactsError, facts_from_form
from drafter.materials import MATERIAL_SUFFIXES
from drafter.ui import render

if TYPE_CHECKING:
    from drafter.app.service import DrafterService

COLUMNS = ["采用", "事实（可直接修改）", "主题", "出处", "数字不一致"]
PLAN_COLUMNS = ["上年打算", "落实情况", "相关事实"]
CHANGE_COLUMNS = ["指标", "上年", "今年", "变化", "算式（程序计算）"]
Row = list[Any]
# The fact form's fields the tab fills (candidates, the comparison) and reads (the follow-up).
MATERIAL_FIELDS = ("unit_name", "unit_type", "period", "year", "facts", "problems", "plans", "plans_done")


def _paths(files: Any) -> list[Path]:
    if not files:
        return []
    items = files if isinstance(files, list) else [files]
    return [Path(getattr(f, "name", f)) for f in items]


def extract_rows(service: DrafterService, files: Any) -> tuple[list[Row], str]:
    """Uploaded files → candidate rows (all accepted) and a notice naming any file skipped.
    The rules extract here (quick, and every figure is the material's own); the CLI may ask a model."""
    paths = _paths(files)
    if not paths:
        return [], render.notice("请先选择素材文件。", "warn")
    found = service.extract_facts(paths, offline=True)
    materials, candidates = found.materials, found.candidates
    skipped = "；".join(f"{p.name}：{reason}" for p, reason in found.failed)
    if not materials:
        return [], render.notice(f"没有可以读取的文件。{skipped}", "error")
    rows = [
        [True, c.text, c.topic, "；".join(f"{s['file']} {s['where']}" for s in c.sources),
         "；".join("／".join(f"{v['figure']}（{v['file']} {v['where']}）" for v in k["values"]) for k in c.conflicts)]
        for c in candidates
    ]
    conflicts = sum(1 for r in rows if r[4])
    message = f"从 {len(materials)} 个文件中提取到 {len(rows)} 条候选事实"
    message += f"，其中 {conflicts} 条各材料数字不一致，请核实后修改。" if conflicts else "。"
    if skipped:
        message += f"未能读取：{skipped}"
    if not rows:
        return [], render.notice("素材中没有找到带数字的工作事项。" + (f"未能读取：{skipped}" if skipped else ""), "warn")
    return rows, render.notice(message, "warn" if skipped or conflicts else "ok")


def _rows(table: Any) -> list[Row]:
    """The table's value as a list of rows (gradio gives a list or a pandas DataFrame)."""
    if table is None:
        return []
    if hasattr(table, "values") and hasattr(table, "columns"):
        table = table.values.tolist()
    return [list(r) for r in table if len(r) >= len(COLUMNS) and str(r[1]).strip()]


def _checked(row: Row) -> bool:
    return row[0] is True or str(row[0]).lower() in ("true", "1", "是")


def merge_checked(table: Any) -> tuple[list[Row], str]:
    """Checked rows become one (texts joined, every source kept) where the first checked stood."""
    rows = _rows(table)
    picked = [r for r in rows if _checked(r)]
    if len(picked) < 2:
        return rows, render.notice("请至少勾选两条要合并的事实。", "warn")
    merged = [True, "；".join(str(r[1]).rstrip("。；") for r in picked) + "。", picked[0][2],
              "；".join(str(r[3]) for r in picked if r[3]), "；".join(str(r[4]) for r in picked if r[4])]
    out: list[Row] = []
    for r in rows:
        if r is picked[0]:
            out.append(merged)
        elif r not in picked:
            out.append(r)
    return out, render.notice(f"已把 {len(picked)} 条合并为一条，出处都保留。", "ok")


def drop_unchecked(table: Any) -> tuple[list[Row], str]:
    rows = _rows(table)
    kept = [r for r in rows if _checked(r)]
    return kept, render.notice(f"已删除 {len(rows) - len(kept)} 条未勾选的事实。", "ok")


def fill_form(table: Any, current: str) -> tuple[str, str]:
    """Append the checked facts to the form's 主要工作 box (lines already there are not repeated)."""
    rows = [r for r in _rows(table) if _checked(r)]
    if not rows:
        return current or "", render.notice("没有勾选的事实。", "warn")
    lines = [ln for ln in (current or "").splitlines() if ln.strip()]
    added = [str(r[1]).strip() for r in rows if str(r[1]).strip() not in lines]
    return "\n".join(lines + added), render.notice(
        f"已填入 {len(added)} 条到“主要工作和数据”，请到“起草总结”页核对。", "ok")


def _compared(service: DrafterService, last_file: Any, form: dict[str, Any]) -> tuple[Facts, Comparison] | str:
    """Last year's summary against the form's facts, or the notice saying what is missing."""
    paths = _paths(last_file)
    if not paths:
        return render.notice("请先上传上年总结。", "warn")
    try:
        last = service.read_last_year(paths[0])
    except DrafterError as exc:
        return render.notice(exc.message, "error")
    try:
        this_year = facts_from_form(form["unit_name"] or "本单位", form["unit_type"] or "基层工会", form["period"] or "",
                                    _year(form["year"]), form["facts"], form["problems"], form["plans"],
                                    plans_done=form.get("plans_done") or "")
    except FactsError as exc:
        return render.form_errors(exc.messages)
    return this_year, service.compare(this_year, last)


def follow_up_tables(service: DrafterService, last_file: Any, *values: Any) -> tuple[list[Row], list[Row], str]:
    """Last year's summary against the form's facts (MATERIAL_FIELDS): plan follow-up rows,
    change rows, notices."""
    compared = _compared(service, last_file, dict(zip(MATERIAL_FIELDS, values, strict=True)))
    if isinstance(compared, str):
        return [], [], compared
    _facts, result = compared
    plan_rows = [[p.plan, STATUS_LABELS[p.status] + (f"（{p.note}）" if p.note else ""), "；".join(p.facts[:3])]
                 for p in result.plans]
    change_rows = [[c.indicator, c.last + c.unit, c.this + c.unit, c.change, c.text] for c in result.changes]
    notes = [f"上年总结中找到 {len(result.plans)} 条打算、{len(result.changes)} 项可比数据。", *result.warnings]
    return plan_rows, change_rows, "".join(render.notice(n, "warn" if i else "info") for i, n in enumerate(notes))


def write_comparison(service: DrafterService, last_file: Any, *values: Any) -> tuple[Any, Any, Any, str]:
    """对照结果写入事实表: the computed changes into 主要工作, plans no fact carried out into
    存在问题, plans carried out into 已落实的上年打算 (compare.apply_comparison, as `draft --last-year`)."""
    form = dict(zip(MATERIAL_FIELDS, values, strict=True))
    compared = _compared(service, last_file, form)
    if isinstance(compared, str):
        return gr_skip(), gr_skip(), gr_skip(), compared
    this_year, result = compared
    updated, _notes = apply_comparison(this_year, result)
    facts_changed = sum(1 for line in updated.facts if line not in this_year.facts)
    done_added = len(updated.plans_done) - len(this_year.plans_done)
    problems_added = len(updated.problems) - len(this_year.problems)
    warnings = "".join(render.notice(w, "warn") for w in result.warnings)
    if not (facts_changed or done_added or problems_added):
        return gr_skip(), gr_skip(), gr_skip(), render.notice("对照结果已在事实表中，这次没有新的内容写入。", "info") + warnings
    summary = (f"已写入事实表：{facts_changed} 条主要工作写上了同比变化、{done_added} 条已落实的上年打算、"
               f"{problems_added} 条未落实的打算（写入存在问题）。"
               "请到“起草总结”页核对（已落实的上年打算在“更多选项”里）。")
    return ("\n".join(updated.facts), "\n".join(updated.problems), "\n".join(updated.plans_done),
            render.notice(summary, "ok") + warnings)


def gr_skip() -> Any:
    import gradio as gr

    return gr.skip()


def _year(value: Any) -> Any:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return value


def build_materials_tab(service: DrafterService, fields: dict[str, Any]) -> None:
    """Lay out the tab's components and wire them; call inside `with gr.Tab("从素材提取"):`.
    `fields` holds the fact form's components named in MATERIAL_FIELDS: 填入事实表 writes
    facts, the follow-up reads them all, 对照结果写入事实表 writes facts, problems, plans_done."""
    import gradio as gr

    gr.Markdown("上传本年度的工作台账、活动简报、上报材料，程序找出带数字的工作事项并注明出处。"
                "勾选要用的条目，可直接修改文字，然后填入事实表。")
    files = gr.File(label="素材文件（台账 .xlsx/.csv、简报 .docx/.txt/.md、报告 .pdf，可多选）",
                    file_count="multiple", file_types=list(MATERIAL_SUFFIXES), elem_id="m-files")
    extract_btn = gr.Button("提取事实", variant="primary", elem_id="m-extract")
    notice = gr.HTML("", elem_id="m-notice", elem_classes="msg")
    table = gr.Dataframe(headers=COLUMNS, datatype=["bool", "str", "str", "str", "str"], type="array",
                         interactive=True, column_count=(len(COLUMNS), "fixed"), wrap=True, elem_id="m-table")
    with gr.Row():
        merge_btn = gr.Button("合并勾选的条目", elem_id="m-merge")
        drop_btn = gr.Button("删除未勾选的条目", elem_id="m-drop")
        fill_btn = gr.Button("把勾选的条目填入事实表", variant="primary", elem_id="m-fill")
    gr.Markdown("#### 对照上年总结")
    last_file = gr.File(label="上年总结（.docx/.txt/.md 或本工具导出的 .json）",
                        file_types=[".docx", ".txt", ".md", ".json"], elem_id="m-last-year")
    with gr.Row():
        compare_btn = gr.Button("对照上年", elem_id="m-compare")
        write_btn = gr.Button("把对照结果写入事实表", elem_id="m-write-compare")
    compare_notice = gr.HTML("", elem_id="m-compare-notice", elem_classes="msg")
    plan_table = gr.Dataframe(headers=PLAN_COLUMNS, type="array", interactive=False, wrap=True, elem_id="m-plans")
    change_table = gr.Dataframe(headers=CHANGE_COLUMNS, type="array", interactive=False, wrap=True,
                                elem_id="m-changes")

    extract_btn.click(partial(extract_rows, service), [files], [table, notice])
    merge_btn.click(merge_checked, [table], [table, notice])
    drop_btn.click(drop_unchecked, [table], [table, notice])
    form_inputs = [last_file, *(fields[key] for key in MATERIAL_FIELDS)]
    fill_btn.click(fill_form, [table, fields["facts"]], [fields["facts"], notice])
    compare_btn.click(partial(follow_up_tables, service), form_inputs, [plan_table, change_table, compare_notice])
    write_btn.click(partial(write_comparison, service), form_inputs,
                    [fields["facts"], fields["problems"], fields["plans_done"], compare_notice])
