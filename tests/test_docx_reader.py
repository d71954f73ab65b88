"""read_docx: .docx files built here with python-docx (plus injected XML) → text lines + levels."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from drafter.corpus.docx_reader import (
    DocxReadError,
    heading_level,
    read_docx,
    read_docx_paragraphs,
)

MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
WPS = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
WP = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml"'


def _has_chinese(s: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in s)


# ── headings ─────────────────────────────────────────────────────────────────────────────────


def test_word_heading_styles_and_numbered_text(tmp_path: Path) -> None:
    doc = Document()
    doc.add_heading("城关街道总工会2025年工作总结", level=0)  # Title style
    doc.add_paragraph("今年以来，街道总工会围绕中心、服务大局。")
    doc.add_heading("加强组织建设", level=1)  # no number at all
    doc.add_paragraph("新建工会组织7家。")
    doc.add_heading("（一）规范会员管理", level=2)
    doc.add_paragraph("一、维护职工权益")  # numbering typed as text, Normal style
    doc.add_paragraph("（一）推进集体协商")
    doc.add_paragraph("十一、加强自身建设")
    doc.add_heading("二、抓帮扶", level=1)
    path = tmp_path / "headings.docx"
    doc.save(path)

    got = read_docx_paragraphs(path)
    assert got == [
        ("城关街道总工会2025年工作总结", 0),
        ("今年以来，街道总工会围绕中心、服务大局。", None),
        ("加强组织建设", 1),
        ("新建工会组织7家。", None),
        ("（一）规范会员管理", 2),
        ("一、维护职工权益", None),
        ("（一）推进集体协商", None),
        ("十一、加强自身建设", None),
        ("二、抓帮扶", 1),
    ]
    assert read_docx(path) == "\n".join(text for text, _ in got)


def test_heading_level_from_style_names_and_outline(tmp_path: Path) -> None:
    doc = Document()
    styles = doc.styles
    cn2 = styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)  # WPS writes Chinese names
    custom = styles.add_style("我的一级标题", WD_STYLE_TYPE.PARAGRAPH)
    custom.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    derived = styles.add_style("派生标题", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = custom
    body9 = styles.add_style("正文级别", WD_STYLE_TYPE.PARAGRAPH)
    body9.base_style = custom
    body9.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="9"/>'))

    p_h3 = doc.add_heading("三级", level=3)
    p_cn2 = doc.add_paragraph("中文样式名", style=cn2)
    p_custom = doc.add_paragraph("大纲级别", style=custom)
    p_derived = doc.add_paragraph("继承大纲级别", style=derived)
    p_body9 = doc.add_paragraph("正文级别覆盖", style=body9)
    p_normal = doc.add_paragraph("普通段落")
    p_direct = doc.add_paragraph("直接设置大纲级别")
    p_direct._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))

    assert heading_level(p_h3) == 3
    assert heading_level(p_cn2) == 2
    assert heading_level(p_custom) == 1
    assert heading_level(p_derived) == 1
    assert heading_level(p_body9) is None
    assert heading_level(p_normal) is None
    assert heading_level(p_direct) == 2

    path = tmp_path / "levels.docx"
    doc.save(path)
    levels = [level for _, level in read_docx_paragraphs(path)]
    assert levels == [3, 2, 1, 1, None, None, 2]


_NUMBERING = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>"""


def test_automatic_numbering_is_written_as_text(tmp_path: Path) -> None:
    doc = Document()
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    abstract = parse_xml(_NUMBERING)
    if first_num is not None:
        first_num.addprevious(abstract)  # abstractNum elements come before num elements
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )

    def numbered(text: str, ilvl: int, style: str | None = None) -> None:
        p = doc.add_paragraph(text, style=style)
        p._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'
            )
        )

    numbered("加强组织建设", 0, "Heading 1")
    numbered("扩大覆盖面", 1)
    numbered("新建工会", 2)
    numbered("发展会员", 2)
    numbered("规范运行", 1)
    numbered("维护职工权益", 0, "Heading 1")
    numbered("推进集体协商", 1)
    path = tmp_path / "numbering.docx"
    doc.save(path)

    assert read_docx_paragraphs(path) == [
        ("一、加强组织建设", 1),
        ("（一）扩大覆盖面", None),
        ("1.新建工会", None),
        ("2.发展会员", None),
        ("（二）规范运行", None),
        ("二、维护职工权益", 1),
        ("（一）推进集体协商", None),
    ]


# ── tables, text boxes, headers and footers ──────────────────────────────────────────────────


def test_table_text_in_document_order(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("全年主要数据如下。")
    table = doc.add_table(rows=3, cols=3)
    data = [["项目", "数量", "备注"], ["新建工会", "12家", ""], ["发展会员", "860人", "含农民工"]]
    for r, row in enumerate(data):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = doc.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并标题"
    merged.cell(1, 0).text = "左"
    merged.cell(1, 1).text = "右"
    doc.add_paragraph("以上数据截至12月底。")
    box = doc.add_table(rows=1, cols=1)  # a one-column layout table
    box.cell(0, 0).text = "一、加强组织建设"
    box.cell(0, 0).add_paragraph("新建工会组织12家。")
    path = tmp_path / "table.docx"
    doc.save(path)

    assert read_docx(path).splitlines() == [
        "全年主要数据如下。",
        "项目 数量 备注",
        "新建工会 12家",
        "发展会员 860人 含农民工",
        "合并标题",
        "左 右",
        "以上数据截至12月底。",
        "一、加强组织建设",
        "新建工会组织12家。",
    ]


def _textbox_run(text: str) -> str:
    """A DrawingML text box with its VML fallback, as Word writes it."""
    content = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return (
        f"<w:r {nsdecls('w')} {MC} {WPS} {WP} {A} {V}><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" '
        'simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset>'
        '</wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
        '</wp:positionV><wp:extent cx="914400" cy="457200"/><wp:wrapNone/>'
        '<wp:docPr id="1" name="文本框 1"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        f"<wps:spPr/><wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData>"
        "</a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f'<mc:Fallback><w:pict><v:shape style="width:72pt;height:36pt"><v:textbox>{content}'
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_text_boxes_are_ignored_without_duplicates(tmp_path: Path) -> None:
    doc = Document()
    p = doc.add_paragraph("正文第一段，")
    p._p.append(parse_xml(_textbox_run("文本框里的说明")))
    p.add_run("后半句。")
    only_box = doc.add_paragraph()
    only_box._p.append(parse_xml(_textbox_run("只有文本框")))
    doc.add_paragraph("正文第二段。")
    path = tmp_path / "textbox.docx"
    doc.save(path)

    text = read_docx(path)
    assert text.splitlines() == ["正文第一段，后半句。", "正文第二段。"]
    assert "文本框" not in text


def test_headers_and_footers_are_skipped(tmp_path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "页眉：某某工会内部资料"
    section.footer.paragraphs[0].text = "第 1 页"
    doc.settings.odd_and_even_pages_header_footer = True
    section.even_page_header.paragraphs[0].text = "偶数页页眉"
    doc.add_paragraph("正文内容。")
    path = tmp_path / "hf.docx"
    doc.save(path)
    assert read_docx(path) == "正文内容。"


def test_fields_revisions_hidden_text_and_line_breaks(tmp_path: Path) -> None:
    doc = Document()
    p = doc.add_paragraph("截至")
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
    p._p.append(
        parse_xml(f'<w:r {nsdecls("w")}><w:instrText> DATE \\@ "yyyy" </w:instrText></w:r>')
    )
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p._p.append(parse_xml(f"<w:r {nsdecls('w')}><w:t>2025</w:t></w:r>"))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    p._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>删掉的字</w:delText></w:r>'
            "</w:del>"
        )
    )
    p._p.append(
        parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="a"><w:r><w:t>年底</w:t></w:r></w:ins>')
    )
    p._p.append(
        parse_xml(f"<w:r {nsdecls('w')}><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r>")
    )
    p._p.append(
        parse_xml(
            f"<w:r {nsdecls('w')}><w:ruby><w:rubyPr/><w:rt><w:r><w:t>gōng</w:t></w:r></w:rt>"
            "<w:rubyBase><w:r><w:t>工</w:t></w:r></w:rubyBase></w:ruby></w:r>"
        )
    )
    p.add_run("作完成。")

    body = doc.add_paragraph("第一行")
    body.add_run().add_break()
    body.add_run("第二行")
    title = doc.add_paragraph("青山镇总工会")
    title.add_run().add_break()
    title.add_run("2025年工作总结")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sdt = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>内容控件里的段落</w:t>"
        "</w:r></w:p></w:sdtContent></w:sdt>"
    )
    doc.element.body.insert(len(doc.element.body) - 1, sdt)  # before sectPr
    path = tmp_path / "fields.docx"
    doc.save(path)

    assert read_docx(path).splitlines() == [
        "截至2025年底工作完成。",
        "第一行",
        "第二行",
        "青山镇总工会2025年工作总结",
        "内容控件里的段落",
    ]


# ── empty and broken files ───────────────────────────────────────────────────────────────────


def test_empty_document_gives_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    Document().save(path)
    assert read_docx(path) == ""
    assert read_docx_paragraphs(path) == []
    blank = Document()
    blank.add_paragraph("")
    blank.add_paragraph("   \u3000 ")
    blank.save(tmp_path / "blank.docx")
    assert read_docx(tmp_path / "blank.docx") == ""


def _assert_chinese_error(path: Path) -> str:
    with pytest.raises(DocxReadError) as err:
        read_docx(path)
    message = str(err.value)
    assert _has_chinese(message)
    assert "Traceback" not in message
    return message


def test_random_bytes_are_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "random.docx"
    path.write_bytes(os.urandom(4096))
    _assert_chinese_error(path)


def test_zip_without_document_is_a_read_error(tmp_path: Path) -> None:
    bare = tmp_path / "bare.docx"
    with zipfile.ZipFile(bare, "w") as zf:
        zf.writestr("hello.txt", "你好")
    _assert_chinese_error(bare)

    # A package with content types but no word/document.xml.
    src = tmp_path / "ok.docx"
    Document().save(src)
    broken = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item.filename))
    _assert_chinese_error(broken)

    # A truncated file.
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(src.read_bytes()[:2000])
    _assert_chinese_error(truncated)


def test_old_doc_and_missing_file(tmp_path: Path) -> None:
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    assert ".doc" in _assert_chinese_error(old)
    _assert_chinese_error(tmp_path / "missing.docx")
    assert issubclass(DocxReadError, ValueError)
