"""Word export of the figures' sources (issue 11): a comment (批注) on each figure naming its fact,
and the 数据核对表 as a .docx of its own; both opened by LibreOffice."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from drafter.draft import Draft, Section, Signoff
from drafter.export import ExportError, check_rows, export_draft, table_path
from drafter.export.figures import NO_SOURCE
from drafter.trace import section_figures
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (soffice) and poppler-utils; .ci/run installs them",
)
FACTS = {
    "facts": ["新建非公企业工会12家，新发展会员860人", "签订工资集体合同5份，覆盖职工1,200人", "发放慰问金9.2万元"],
    "problems": ["部分企业工会作用发挥不明显"],
    "plans": [],
}


def sample() -> Draft:
    return Draft(
        title="青山镇总工会2025年工作总结",
        sections=[
            Section("", "2025年，青山镇总工会扎实推进各项工作。现将全年工作总结如下：", role="opening"),
            Section("抓组建，夯实组织基础", "新建非公企业工会12家，新发展会员860人。", facts=FACTS["facts"][:1]),
            Section(
                "抓维权，维护合法权益",
                "签订工资集体合同5份，覆盖职工1200人。春节期间发放慰问金9.2万元，另走访77户。",
                facts=FACTS["facts"][1:],
                origin="user",
            ),
            Section("存在的问题和不足", "部分企业工会作用发挥不明显。", role="problems", facts=FACTS["problems"]),
        ],
        signoff=Signoff("青山镇总工会", "2025年12月31日"),
        facts=FACTS,
    )


def comments_of(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(comment id → its text, comment id → the text of the runs it is anchored on)."""
    with zipfile.ZipFile(path) as z:
        assert "word/comments.xml" in z.namelist()
        comments = etree.fromstring(z.read("word/comments.xml"))
        document = etree.fromstring(z.read("word/document.xml"))
    texts = {c.get(W + "id"): "".join(c.itertext()) for c in comments.iter(W + "comment")}
    anchored: dict[str, str] = {}
    for start in document.iter(W + "commentRangeStart"):
        cid, parts = start.get(W + "id"), []
        node = start.getnext()
        while node is not None and not (node.tag == W + "commentRangeEnd" and node.get(W + "id") == cid):
            parts.append("".join(t.text or "" for t in node.iter(W + "t")))
            node = node.getnext()
        assert node is not None, f"comment {cid} has no end in its paragraph"
        anchored[cid] = "".join(parts)
    return texts, anchored


def test_comments_name_each_figures_fact(tmp_path: Path) -> None:
    path = export_draft(sample(), tmp_path / "总结.docx", comments=True)
    texts, anchored = comments_of(path)
    by_figure = {anchored[cid]: texts[cid] for cid in texts}
    assert by_figure == {
        "12": f"来源事实：{FACTS['facts'][0]}",
        "860": f"来源事实：{FACTS['facts'][0]}",
        "5": f"来源事实：{FACTS['facts'][1]}",
        "1200": f"来源事实：{FACTS['facts'][1]}",
        "9.2万": f"来源事实：{FACTS['facts'][2]}",
        "77": NO_SOURCE,
    }
    # the text reads the same as without comments (no figure lost or doubled)
    plain = export_draft(sample(), tmp_path / "plain.docx")
    def body(p: Path) -> list[str]:
        return [para.text for para in Document(str(p)).paragraphs]
    assert body(path) == body(plain)
    with zipfile.ZipFile(plain) as z:
        assert "word/comments.xml" not in z.namelist()  # off by default


def test_comments_only_in_word(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=".docx"):
        export_draft(sample(), tmp_path / "总结.md", comments=True)
    assert not (tmp_path / "总结.md").exists()


def test_check_table_lists_every_figure(tmp_path: Path) -> None:
    draft = sample()
    path = export_draft(draft, tmp_path / "总结.docx", check_table=True)
    table_file = table_path(path)
    assert table_file == tmp_path / "总结-数据核对表.docx" and table_file.exists()
    rows = check_rows(draft)
    assert [r.figure for r in rows] == [f.text for figs in section_figures(draft) for f in figs]
    assert len(rows) == 6
    doc = Document(str(table_file))
    (table,) = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["序号", "数字", "所在句子", "来源事实"]
    listed = [fig for row in cells[1:] for fig in row[1].split("\n") if row[0] != row[1]]
    assert sorted(listed) == sorted(r.figure for r in rows)  # every figure, once
    row_77 = next(row for row in cells if "77" in row[1].split("\n"))
    assert row_77[2] == "春节期间发放慰问金9.2万元，另走访77户。" and "不在事实中" in row_77[3]
    fonts = {r.get(W + "eastAsia") for r in doc.element.iter(W + "rFonts")}
    assert {"仿宋_GB2312", "黑体"} <= fonts


def test_check_table_refuses_an_unwritable_place_before_writing(tmp_path: Path) -> None:
    (tmp_path / "总结-数据核对表.docx").mkdir()  # a folder where the table would go
    with pytest.raises(ExportError):
        export_draft(sample(), tmp_path / "总结.docx", check_table=True)
    assert not (tmp_path / "总结.docx").exists()  # nothing half-done


@needs_office
def test_libreoffice_opens_and_renders_both(tmp_path: Path) -> None:
    path = export_draft(sample(), tmp_path / "总结.docx", comments=True, check_table=True)
    out = tmp_path / "pdf"
    notes = 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}'
    for docx in (path, table_path(path)):
        subprocess.run(
            [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", notes,
             "--outdir", str(out), str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    pdf, table_pdf = out / "总结.pdf", out / "总结-数据核对表.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "新建非公企业工会" in text and "9.2" in text
    table_text = subprocess.run(["pdftotext", str(table_pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "数据核对表" in table_text and "来源事实" in table_text and "77" in table_text
    info = subprocess.run(["pdfinfo", str(table_pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info  # one page
    pypdf = pytest.importorskip("pypdf")  # the comments became PDF notes, each with its fact
    notes_found = [
        str(a.get_object().get("/Contents"))
        for page in pypdf.PdfReader(str(pdf)).pages
        for a in (page.get("/Annots") or [])
        if a.get_object().get("/Subtype") == "/Text"
    ]
    assert sorted(notes_found) == sorted([f"来源事实：{FACTS['facts'][0]}"] * 2 + [f"来源事实：{FACTS['facts'][1]}"] * 2
                                         + [f"来源事实：{FACTS['facts'][2]}", NO_SOURCE])  # fmt: skip


def test_cli_export_comments_and_table(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), data_dir, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    env = cli_env(data_dir)
    facts = Path(__file__).parent / "data" / "facts" / "township.yaml"
    r = run_cli(["draft", str(facts), "--offline", "--json"], env)
    assert r.returncode == 0, r.stderr
    did = json.loads(r.stdout)["id"]
    out = tmp_path / "总结.docx"
    r = run_cli(["export", did, "-o", str(out), "--comments", "--check-table"], env)
    assert r.returncode == 0, r.stderr
    assert "批注" in r.stderr and "数据核对表已保存到" in r.stderr
    texts, anchored = comments_of(out)
    assert texts and all(t.startswith("来源事实：") for t in texts.values())  # offline: every figure sourced
    assert table_path(out).exists()
    r = run_cli(["export", did, "-o", str(tmp_path / "x.txt"), "--comments"], env)
    assert r.returncode == 2 and "Word" in r.stderr and not (tmp_path / "x.txt").exists()
