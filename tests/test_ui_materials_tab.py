"""The 从素材提取 tab's handlers (plain functions) and that the tab mounts in a Blocks."""

from __future__ import annotations

from pathlib import Path

from drafter.app.service import DrafterService
from drafter.ui.materials_tab import (
    MATERIAL_FIELDS,
    build_materials_tab,
    drop_unchecked,
    extract_rows,
    fill_form,
    follow_up_tables,
    merge_checked,
    write_comparison,
)
from tests.support.ui_app import ui_settings

DATA = Path(__file__).parent / "data" / "materials"


def service(tmp_path: Path) -> DrafterService:
    return DrafterService(ui_settings(tmp_path / "data"))


def test_extract_review_and_fill(tmp_path: Path) -> None:
    bad = tmp_path / "坏表格.xlsx"
    bad.write_bytes(b"broken" * 40)
    rows, notice = extract_rows(service(tmp_path), [str(DATA / "工会台账2024.xlsx"), str(DATA / "简报第5期.txt"), str(bad)])
    assert rows and all(r[0] is True for r in rows)
    assert "坏表格.xlsx" in notice and "提取到" in notice
    screening = next(r for r in rows if "两癌" in r[1])
    assert "简报第5期.txt 第4段" in screening[3] and "工会台账2024.xlsx" in screening[3]

    for r in rows:  # keep two, edit one
        r[0] = False
    rows[0][0] = rows[1][0] = True
    rows[1][1] = "修改后的事实，参加120人"
    kept, _ = drop_unchecked(rows)
    assert len(kept) == 2
    merged, notice = merge_checked(kept)
    assert len(merged) == 1 and "修改后的事实，参加120人" in merged[0][1] and "合并" in notice
    facts, notice = fill_form(merged, "已有的一条，10人")
    assert facts.splitlines() == ["已有的一条，10人", merged[0][1]]
    again, _ = fill_form(merged, facts)
    assert again == facts  # not added twice


def test_nothing_uploaded_or_unreadable(tmp_path: Path) -> None:
    assert extract_rows(service(tmp_path), None)[0] == [] and "请先选择" in extract_rows(service(tmp_path), None)[1]
    rows, _ = merge_checked([[True, "只有一条，5人", "综合", "", ""]])
    assert len(rows) == 1


def test_follow_up_tables_from_the_form(tmp_path: Path) -> None:
    facts = (DATA / "facts_2024.yaml").read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(facts)
    plans, changes, notice = follow_up_tables(
        service(tmp_path), str(DATA / "上年总结2023.txt"), data["unit_name"], data["unit_type"], "年度", 2024,
        "\n".join(data["facts"]), "\n".join(data["problems"]), "\n".join(data["plans"]), "",
    )
    assert [p[1][:4] for p in plans] == ["部分落实", "已落实", "未见落实", "未见落实"]
    assert ["参保率", "92%", "96%", "提高4.0个百分点"] == next(c for c in changes if c[0] == "参保率")[:4]
    assert "没有对应的下一步打算" in notice
    _, _, bad = follow_up_tables(service(tmp_path), None, "", "", "", None, "", "", "", "")
    assert "请先上传" in bad


def test_the_comparison_is_written_into_the_form(tmp_path: Path) -> None:
    import gradio as gr
    import yaml

    data = yaml.safe_load((DATA / "facts_2024.yaml").read_text(encoding="utf-8"))
    form = [data["unit_name"], data["unit_type"], "年度", 2024, "\n".join(data["facts"]), "\n".join(data["problems"]),
            "\n".join(data["plans"]), ""]
    facts, problems, plans_done, notice = write_comparison(service(tmp_path), str(DATA / "上年总结2023.txt"), *form)
    assert any("参保职工1,850人（比上年增加150人，增长8.8%）" in f for f in facts.splitlines())
    assert "上年提出的“加强班组工会建设，开展优秀班组工会评选”尚未落实" in problems.splitlines()
    assert len(plans_done.splitlines()) == 1 and "已写入事实表" in notice
    # written once: a second click with the written form adds nothing more
    again = write_comparison(service(tmp_path), str(DATA / "上年总结2023.txt"), *form[:4], facts, problems,
                             form[6], plans_done)
    assert all(part == gr.skip() for part in again[:3])  # the form is left as it is
    assert "没有新的内容写入" in again[3] and "已写入" not in again[3]
    missing = write_comparison(service(tmp_path), None, *form)
    assert "请先上传" in missing[3]


def test_the_tab_mounts_with_one_call(tmp_path: Path) -> None:
    import gradio as gr

    with gr.Blocks() as demo:
        with gr.Tab("起草总结"):
            form = {name: gr.Textbox() for name in MATERIAL_FIELDS if name != "year"}
            form["year"] = gr.Number(value=2024)
        with gr.Tab("从素材提取"):
            build_materials_tab(service(tmp_path), form)
    assert any(getattr(b, "elem_id", None) == "m-table" for b in demo.blocks.values())
