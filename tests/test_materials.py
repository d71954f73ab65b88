"""Materials → candidate facts: each file type (and bad ones), extraction with sources, the
merge of one activity found in several materials, conflicts kept side by side, and a model's
candidates checked against their source text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drafter.extract import Candidate, ModelReport, extract, extract_offline, merge_candidates
from drafter.indicators import figures_in
from drafter.llm import LLMClient
from drafter.materials import MaterialError, read_material, read_materials
from drafter.numbers import number_tokens
from tests.support.fake_llm import FakeLLM, _text_of

DATA = Path(__file__).parent / "data" / "materials"
MATERIALS = [DATA / n for n in ("工会台账2024.xlsx", "简报第3期.docx", "简报第5期.txt", "工作情况报告.pdf")]


def source_texts(cand: Candidate) -> list[str]:
    """The text of every block a candidate names as its source."""
    out = []
    for src in cand.sources:
        material = read_material(DATA / src["file"])
        out += [b.text for b in material.blocks if b.where == src["where"]]
    assert len(out) == len(cand.sources), cand.sources
    return out


# ---- readers -----------------------------------------------------------------------------------
def test_xlsx_ledger_rows_found_below_a_title_and_after_a_cover_sheet() -> None:
    m = read_material(DATA / "工会台账2024.xlsx")
    assert m.kind == "table"
    assert len(m.blocks) == 6  # six activities; the 合计 row is not one
    first = m.blocks[0]
    assert first.where == "活动台账 第3行"
    assert first.cells["活动内容"] == "春节走访慰问困难职工和劳模"
    assert "参加人数38人" in first.text and "经费45600元" in first.text
    assert "序号" not in first.text and not first.text.startswith("1，")


def test_csv_ledger_reads_like_the_xlsx() -> None:
    csv_rows = [b.text for b in read_material(DATA / "台账2024.csv").blocks]
    xlsx_rows = [b.text for b in read_material(DATA / "工会台账2024.xlsx").blocks]
    assert [number_tokens(t) for t in csv_rows] == [number_tokens(t) for t in xlsx_rows]


def test_docx_txt_and_pdf_give_paragraphs_with_their_place() -> None:
    docx = read_material(DATA / "简报第3期.docx")
    assert docx.blocks[0].heading and docx.blocks[2].where == "第3段"
    txt = read_material(DATA / "简报第5期.txt")
    assert any("156名女职工参加" in b.text for b in txt.blocks)
    pdf = read_material(DATA / "工作情况报告.pdf")
    assert pdf.kind == "pdf"
    texts = [b.text for b in pdf.blocks]
    # the text layer's spaces between Chinese and digits are gone, headings stay apart
    assert "全年为困难职工办理医疗互助保险，参保职工1,850人，参保率达到96%。" in texts
    assert "一、民主管理" in texts
    assert all(b.where.startswith("第1页第") for b in pdf.blocks)


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "简报.txt"
    path.write_bytes("3月8日，组织开展女职工健步走活动，260名女职工参加。".encode("gb18030"))
    assert "260名女职工" in read_material(path).blocks[0].text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("坏表格.xlsx", b"PK\x03\x04 this is not a workbook" * 10, "表格文件已损坏"),
        ("空.pdf", b"", "空文件"),
        ("坏.pdf", b"%PDF-1.4\n garbage without objects", "PDF"),
        ("乱码.txt", bytes(range(256)) * 20, "二进制文件"),
        ("旧格式.doc", "随便什么".encode(), "不支持的文件类型 .doc"),
        ("坏.docx", b"not a zip at all" * 10, ""),
    ],
)
def test_bad_files_give_a_chinese_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MaterialError) as info:
        read_material(path)
    assert reason in str(info.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_a_pdf_without_a_text_layer_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "扫描件.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(MaterialError, match="扫描件"):
        read_material(path)


def test_a_spreadsheet_without_a_ledger_header_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["甲", "乙"])
    book.active.append([1, 2])
    path = tmp_path / "无表头.xlsx"
    book.save(str(path))
    with pytest.raises(MaterialError, match="表头"):
        read_material(path)


def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "坏表格.xlsx"
    bad.write_bytes(b"broken" * 50)
    materials, failed = read_materials([bad, DATA / "简报第5期.txt"])
    assert [m.name for m in materials] == ["简报第5期.txt"]
    assert failed and failed[0][0] == bad


# ---- figures -----------------------------------------------------------------------------------
def test_figures_keep_how_they_are_written_and_skip_dates_and_numbers_that_are_not_counts() -> None:
    text = "根据〔2024〕12号文件，3月8日组织第5期培训，参保职工1,850人，参保率达到96%，电话0731-88776655，300余名职工参加。"
    figures = figures_in(text)
    assert [f.raw for f in figures] == ["1,850人", "96%", "300余名"]
    assert [f.label for f in figures][:2] == ["参保职工", "参保率"]
    assert figures[2].unit == "人" and figures[2].approx


def test_money_in_wan_and_yuan_compare_equal() -> None:
    a, b = figures_in("发放慰问金4.56万元")[0], figures_in("经费45600元")[0]
    assert a.base == b.base


# ---- extraction and merging -------------------------------------------------------------------
@pytest.fixture(scope="module")
def candidates() -> list[Candidate]:
    materials, failed = read_materials(MATERIALS)
    assert not failed
    return extract(materials)


def test_every_extracted_figure_stands_in_its_source(candidates: list[Candidate]) -> None:
    assert candidates
    for cand in candidates:
        in_sources = {n for t in source_texts(cand) for n in number_tokens(t)}
        for figure in cand.figures:
            assert number_tokens(figure)[0] in in_sources, (figure, cand.sources)


def test_boilerplate_and_titles_are_not_facts(candidates: list[Candidate]) -> None:
    texts = " ".join(c.text for c in candidates)
    for noise in ("联系人", "0731", "责任编辑", "第5期", "工会简报"):
        assert noise not in texts


def test_the_same_activity_in_a_brief_and_the_ledger_is_one_candidate_with_both_sources(
    candidates: list[Candidate],
) -> None:
    screening = [c for c in candidates if "两癌" in c.text]
    assert len(screening) == 1
    files = {s["file"] for s in screening[0].sources}
    assert files == {"简报第5期.txt", "工会台账2024.xlsx"}
    # the brief's wording leads; the ledger's amount is kept
    assert screening[0].text.startswith("3月8日") and "23400" in "".join(screening[0].figures)
    assert not screening[0].conflicts


def test_each_ledger_row_stays_its_own_activity(candidates: list[Candidate]) -> None:
    ledger_rows = {s["where"] for c in candidates for s in c.sources if s["file"] == "工会台账2024.xlsx"}
    assert len(ledger_rows) == 6


def test_disagreeing_figures_are_kept_side_by_side() -> None:
    brief = Candidate("8月20日，举行金秋助学金发放仪式，为24名困难职工子女发放助学金7.5万元。", ["24名", "7.5万元"],
                      "帮扶", [{"file": "简报.txt", "where": "第2段"}])
    row = Candidate("2024年8月20日，金秋助学，人数24人，金额7.2万元", ["24人", "7.2万元"], "帮扶",
                    [{"file": "台账.xlsx", "where": "台账 第9行"}], subject="金秋助学")
    other = Candidate("组织开展安全知识竞赛，140名职工参加。", ["140名"], "安全生产",
                      [{"file": "简报.txt", "where": "第5段"}])
    merged = merge_candidates([brief, row, other])
    assert len(merged) == 2
    one = merged[0]
    assert {s["file"] for s in one.sources} == {"简报.txt", "台账.xlsx"}
    assert len(one.conflicts) == 1 and one.conflicts[0]["unit"] == "元"
    shown = {v["figure"]: v["file"] for v in one.conflicts[0]["values"]}
    assert shown == {"7.5万元": "简报.txt", "7.2万元": "台账.xlsx"}
    assert "7.5万元" in one.text  # nothing resolved: the lead's text as written, both values listed


def test_different_activities_with_the_same_words_are_not_merged() -> None:
    a = Candidate("春节期间走访慰问困难职工46户。", ["46户"], "帮扶", [{"file": "a.txt", "where": "第1段"}])
    b = Candidate("开展金秋助学，资助困难职工子女18名。", ["18名"], "帮扶", [{"file": "b.txt", "where": "第1段"}])
    assert len(merge_candidates([a, b])) == 2


def test_a_sentence_without_work_is_not_a_fact(tmp_path: Path) -> None:
    path = tmp_path / "简报.txt"
    path.write_text("今年是“十四五”规划收官之年，全厂共有职工1,200人。\n5月，厂工会组织开展合理化建议征集活动，征集建议132条。\n",
                    encoding="utf-8")
    cands = extract_offline([read_material(path)])
    assert [c.figures for c in cands] == [["132条"]]


# ---- with a model ----------------------------------------------------------------------------
def test_model_candidates_whose_figures_are_not_in_the_source_are_rejected(fake_llm: FakeLLM, tmp_path: Path) -> None:
    brief = tmp_path / "简报.txt"
    brief.write_text((DATA / "简报第5期.txt").read_text(encoding="utf-8") + "困难职工档案48份。\n", encoding="utf-8")

    def responder(request: dict[str, Any]) -> str:
        prompt = _text_of(request["messages"][-1]["content"])
        assert "[第4段]" in prompt  # paragraphs are labelled with their place
        return "\n".join([
            json.dumps({"text": "组织女职工“两癌”免费筛查，156名女职工参加", "where": "第4段"}, ensure_ascii=False),
            json.dumps({"text": "新建“妈咪小屋”3间", "where": "第5段"}, ensure_ascii=False),  # source says 2
            json.dumps({"text": "职代会：职工代表112名", "where": "第7段"}, ensure_ascii=False),  # no work done
            json.dumps({"text": "建立困难职工档案48份", "where": "第9段"}, ensure_ascii=False),  # the rules miss it
            "这不是 JSON",
        ])

    fake_llm.responder = responder
    llm = LLMClient(fake_llm.base_url, "test-key", "fake-model", timeout=5, max_retries=0)
    report = ModelReport()
    cands = extract([read_material(brief)], llm, report)
    model_made = [c for c in cands if c.origin == "model"]
    # only what the rules missed; the 两癌 item keeps the material's own words
    assert [c.text for c in model_made] == ["建立困难职工档案48份"]
    assert model_made[0].sources == [{"file": "简报.txt", "where": "第9段"}]
    assert [c.text for c in cands if "156" in c.text] == ["3月8日，厂工会组织开展女职工“两癌”免费筛查，156名女职工参加。"]
    assert [r["reason"] for r in report.rejected] == ["数字在原文中找不到", "不是带数字的工作事项"]
    assert report.accepted == 1
    assert not any("3间" in c.text for c in cands)


def test_one_shared_word_does_not_chain_a_ledger_into_one_item(tmp_path: Path) -> None:
    ledger = tmp_path / "登记表.csv"
    ledger.write_bytes((
        "时间,项目,参与人数,支出金额(元)\n"
        "2025/3/7,庆三八教职工插花活动,58,2900\n"
        "2025/5/30,教职工气排球比赛,72,3600\n"
        "2025/12/5,教职工健康体检,128,76800\n"
    ).encode("gbk"))
    brief = tmp_path / "信息.txt"
    brief.write_text("5月30日下午，校工会举办教职工气排球比赛。\n本次比赛共有8支队伍、72名教职工参加。\n"
                     "全年教职工体检128人，体检率100%。\n", encoding="utf-8")
    merged = extract([read_material(ledger), read_material(brief)])
    assert len(merged) == 3
    by_row = {s["where"]: c for c in merged for s in c.sources if s["file"] == "登记表.csv"}
    assert "插花" in by_row["登记表 第2行"].text and len(by_row["登记表 第2行"].sources) == 1
    volleyball = by_row["登记表 第3行"]
    assert volleyball.text.startswith("5月30日下午，校工会举办教职工气排球比赛。本次比赛")  # the paragraph naming it
    assert "体检率100%" in by_row["登记表 第4行"].text
    assert not any(c.conflicts for c in merged)
    assert by_row["登记表 第2行"].text.startswith("2025年3月7日")  # a slash date is a date, not figures
    assert "2025" not in "".join(by_row["登记表 第2行"].figures)


def test_a_ledger_table_inside_a_word_file_is_read_row_by_row(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("2025年5月，校工会组织教职工开展健步走活动，参加教职工80人。")
    table = doc.add_table(rows=3, cols=4)
    for r, values in enumerate([("日期", "活动名称", "人数", "金额（元）"),
                                ("2025年3月8日", "庆三八插花活动", "58", "2900"),
                                ("2025年9月10日", "教师节慰问退休教职工", "36", "10800")]):
        for c, v in enumerate(values):
            table.cell(r, c).text = v
    path = tmp_path / "台账.docx"
    doc.save(str(path))
    m = read_material(path)
    rows = [b for b in m.blocks if b.cells]
    assert [b.where for b in rows] == ["表1 第2行", "表1 第3行"]
    assert rows[1].cells["活动名称"] == "教师节慰问退休教职工" and "人数36人" in rows[1].text
    assert not any("2900" in b.text for b in m.blocks if not b.cells)  # not read twice
    cands = extract([m])
    assert len(cands) == 3


def test_a_long_brief_paragraph_gives_one_item_per_activity_and_meets_the_ledger(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["月份", "工作事项", "参与/受益人数", "资金(万元)", "责任人"])
    sheet.append(["1月", "春节送温暖慰问困难职工", "46户", "9.2", "李某"])
    ledger = tmp_path / "台账.xlsx"
    book.save(str(ledger))
    brief = tmp_path / "简报.txt"
    brief.write_text(
        "今年以来，镇总工会坚持把困难职工帮扶作为重中之重。1月，镇总工会联合镇民政办走访慰问困难职工46户，"
        "发放慰问金9.2万元；8月，开展金秋助学活动，资助困难职工子女18名，发放助学金5.4万元。\n", encoding="utf-8")
    cands = extract([read_material(ledger), read_material(brief)])
    texts = [c.text for c in cands]
    assert texts == ["1月，镇总工会联合镇民政办走访慰问困难职工46户，发放慰问金9.2万元。",
                     "8月，开展金秋助学活动，资助困难职工子女18名，发放助学金5.4万元。"]
    assert len(cands[0].sources) == 2  # two equal figures: the ledger row is the same activity
    assert "李某" not in " ".join(texts)
