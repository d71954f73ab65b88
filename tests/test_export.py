"""Export: .docx in 公文 layout checked through the XML (effective formatting), .md/.txt/.json.

The .docx is inspected with zipfile + lxml, and every run's formatting is resolved the way Word
does: run → paragraph style → basedOn chain → docDefaults.
"""

from __future__ import annotations

import errno
import json
import os
import re
import zipfile
from pathlib import Path

import docx.document
import pytest
from lxml import etree

from drafter.corpus.docx_reader import read_docx, read_docx_paragraphs
from drafter.draft import Draft, Section, Signoff, placeholder
from drafter.export import (
    ExportError,
    check_output_path,
    export_docx,
    export_draft,
    export_markdown,
    export_text,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
NS = {"w": W_NS}
THEME_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")
DATE_RE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")
TWIPS_PER_MM = 1440 / 25.4


# ── drafts built by hand ─────────────────────────────────────────────────────────────────────


def school_draft() -> Draft:
    """A school union's half-year summary, headings inside section text, ASCII punctuation."""
    return Draft(
        title="青禾县实验中学工会2025年上半年工作总结",
        sections=[
            Section(
                "",
                '2025年上半年,学校工会在县教育工会和学校党支部的领导下,围绕"建家、维权、'
                '服务"开展工作.现将上半年工作总结如下:',
                role="opening",
            ),
            Section(
                "抓民主管理，落实教代会制度",
                "(一)召开第五届教代会第三次会议。审议通过《绩效工资分配方案》等3项议案,"
                "代表出席率96.5%。\n"
                "\n"
                "　　1、落实提案办理。征集提案24件,立案11件,办结率100%。\n"
                "（1）每月公开一次校务。\n"
                "2.推进校务公开\n"
                "3.5万元专项经费全部用于教职工培训,比例为1:2。",
            ),
            Section(
                "抓关爱服务，建设教职工之家",
                "（二）开展心理健康讲座2场?覆盖教职工180人!\n看望生病住院教职工9人次。",
            ),
            Section("下半年工作计划", "继续办好教职工'暖心'服务。"),
        ],
        signoff=Signoff(unit_name="青禾县实验中学工会", date="2025-07-08"),
    )


def long_title_draft() -> Draft:
    """A very long title that must break into two balanced lines; a placeholder."""
    return Draft(
        title="红星农场第三连队职工委员会暨女职工委员会2025年上半年工作总结",
        sections=[
            Section(
                "", "上半年，连队工会围绕春耕生产开展劳动竞赛。现将工作总结如下：", role="opening"
            ),
            Section(
                "开展劳动竞赛",
                f"组织农机手技能比武1次，参赛职工{placeholder('参赛人数')}人，评出能手5名。",
            ),
            Section("存在的问题和不足", "职工书屋藏书更新较慢。"),
        ],
        signoff=Signoff(unit_name="红星农场第三连队工会", date="2025年07月01日"),
    )


def company_draft() -> Draft:
    """A company union's annual summary with eleven sections (十一、)."""
    sections = [Section("", "2025年，公司工会围绕生产经营中心工作，履行基本职责。", role="opening")]
    topics = ["组织建设", "民主管理", "集体协商", "困难帮扶", "劳动竞赛", "职工书屋", "女职工工作",
              "安全生产", "宣传教育", "经费审查", "自身建设"]  # fmt: skip
    for i, topic in enumerate(topics, 1):
        sections.append(
            Section(f"加强{topic}", f"全年开展{topic}相关活动{i + 2}次，参与职工{i * 40}人次。")
        )
    return Draft(
        title="江南机械制造股份有限公司工会委员会2025年工作总结",
        sections=sections,
        signoff=Signoff(unit_name="江南机械制造股份有限公司工会委员会", date="2025年12月30日"),
    )


# ── reading the package ──────────────────────────────────────────────────────────────────────


class Package:
    """A saved .docx opened with zipfile + lxml, plus a formatting resolver."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        self.raw = {n: self.zip.read(n) for n in self.zip.namelist()}
        self.document = self.xml("word/document.xml")
        self.styles = self.xml("word/styles.xml")
        self.by_id = {s.get(f"{W}styleId"): s for s in self.styles.iter(f"{W}style")}
        defaults = self.styles.find("w:docDefaults", NS)
        self.default_rpr = defaults.find("w:rPrDefault/w:rPr", NS)
        self.default_ppr = defaults.find("w:pPrDefault/w:pPr", NS)

    def xml(self, name: str):
        return etree.fromstring(self.raw[name])

    def body_paragraphs(self) -> list:
        return self.document.findall("w:body/w:p", NS)

    def style_chain(self, p) -> list:
        style_el = p.find("w:pPr/w:pStyle", NS)
        sid = style_el.get(f"{W}val") if style_el is not None else None
        if sid is None:  # the default paragraph style
            sid = next(
                s.get(f"{W}styleId")
                for s in self.styles.iter(f"{W}style")
                if s.get(f"{W}type") == "paragraph" and s.get(f"{W}default") == "1"
            )
        chain, seen = [], set()
        while sid and sid not in seen:
            seen.add(sid)
            style = self.by_id[sid]
            chain.append(style)
            based = style.find("w:basedOn", NS)
            sid = based.get(f"{W}val") if based is not None else None
        return chain

    def _rpr_sources(self, p, r) -> list:
        sources = [r.find("w:rPr", NS)] if r is not None else []
        assert r is None or r.find("w:rPr/w:rStyle", NS) is None, "no character styles expected"
        sources += [s.find("w:rPr", NS) for s in self.style_chain(p)]
        sources.append(self.default_rpr)
        return [s for s in sources if s is not None]

    def _ppr_sources(self, p) -> list:
        sources = [p.find("w:pPr", NS)] + [s.find("w:pPr", NS) for s in self.style_chain(p)]
        sources.append(self.default_ppr)
        return [s for s in sources if s is not None]

    def font(self, p, r, slot: str = "eastAsia") -> str | None:
        for rpr in self._rpr_sources(p, r):
            fonts = rpr.find("w:rFonts", NS)
            if fonts is not None and fonts.get(f"{W}{slot}"):
                return fonts.get(f"{W}{slot}")
        return None

    def size_pt(self, p, r) -> float | None:
        for rpr in self._rpr_sources(p, r):
            sz = rpr.find("w:sz", NS)
            if sz is not None:
                return int(sz.get(f"{W}val")) / 2
        return None

    def bold(self, p, r) -> bool:
        for rpr in self._rpr_sources(p, r):
            b = rpr.find("w:b", NS)
            if b is not None:
                return b.get(f"{W}val", "1") not in ("0", "false", "off")
        return False

    def char_spacing_pt(self, p, r) -> float:
        for rpr in self._rpr_sources(p, r):
            sp = rpr.find("w:spacing", NS)
            if sp is not None:
                return int(sp.get(f"{W}val")) / 20
        return 0.0

    def ppr_attr(self, p, tag: str, attr: str) -> str | None:
        """First value of pPr/<tag>/@attr along paragraph → styles → docDefaults."""
        for ppr in self._ppr_sources(p):
            el = ppr.find(f"w:{tag}", NS)
            if el is not None and el.get(f"{W}{attr}") is not None:
                return el.get(f"{W}{attr}")
        return None

    def snaps_to_grid(self, p) -> bool:
        val = self.ppr_attr(p, "snapToGrid", "val")
        return val not in ("0", "false", "off")

    def part_for(self, rid: str) -> str:
        rels = self.xml("word/_rels/document.xml.rels")
        for rel in rels:
            if rel.get("Id") == rid:
                return "word/" + rel.get("Target")
        raise KeyError(rid)


def text_of(p) -> str:
    out = []
    for el in p.iter(f"{W}t", f"{W}br"):
        out.append("\n" if el.tag == f"{W}br" else (el.text or ""))
    return "".join(out)


def runs(p) -> list:
    return [r for r in p.findall("w:r", NS) if r.find("w:t", NS) is not None]


@pytest.fixture
def school_pkg(tmp_path: Path) -> Package:
    path = tmp_path / "school.docx"
    export_docx(school_draft(), path)
    return Package(path)


# ── page setup ───────────────────────────────────────────────────────────────────────────────


def test_page_is_a4_with_standard_margins_and_grid(school_pkg: Package) -> None:
    sect = school_pkg.document.find("w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert abs(int(size.get(f"{W}w")) / TWIPS_PER_MM - 210) < 0.1
    assert abs(int(size.get(f"{W}h")) / TWIPS_PER_MM - 297) < 0.1
    assert size.get(f"{W}orient") in (None, "portrait")
    mar = sect.find("w:pgMar", NS)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(int(mar.get(f"{W}{side}")) / TWIPS_PER_MM - mm) < 0.1, side

    grid = sect.find("w:docGrid", NS)
    assert grid.get(f"{W}type") == "linesAndChars"
    text_w = int(size.get(f"{W}w")) - int(mar.get(f"{W}left")) - int(mar.get(f"{W}right"))
    text_h = int(size.get(f"{W}h")) - int(mar.get(f"{W}top")) - int(mar.get(f"{W}bottom"))
    assert text_h // int(grid.get(f"{W}linePitch")) == 22
    # Word's character pitch = default font size + charSpace/4096 pt.
    default_sz = int(school_pkg.default_rpr.find("w:sz", NS).get(f"{W}val")) / 2
    pitch = default_sz + int(grid.get(f"{W}charSpace")) / 4096
    assert int(text_w / 20 / pitch) == 28

    # Body text: 28 characters a line whether or not it snaps to the grid.
    body = [p for p in school_pkg.body_paragraphs() if p.find("w:pPr/w:pStyle", NS) is not None
            and school_pkg.ppr_attr(p, "ind", "firstLineChars") == "200" and runs(p)][0]  # fmt: skip
    r = runs(body)[0]
    advance = (
        pitch
        if school_pkg.snaps_to_grid(body)
        else school_pkg.size_pt(body, r) + school_pkg.char_spacing_pt(body, r)
    )
    assert int(text_w / 20 / advance) == 28


def test_core_title_and_no_theme_fonts(school_pkg: Package) -> None:
    core = school_pkg.xml("docProps/core.xml")
    title = core.find("{http://purl.org/dc/elements/1.1/}title")
    assert title.text == "青禾县实验中学工会2025年上半年工作总结"
    for name in ("word/styles.xml", "word/document.xml"):
        root = school_pkg.xml(name)
        for fonts in root.iter(f"{W}rFonts"):
            for attr in THEME_ATTRS:
                assert fonts.get(f"{W}{attr}") is None, (name, attr)
    # Document defaults carry the body fonts.
    fonts = school_pkg.default_rpr.find("w:rFonts", NS)
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "Times New Roman"
    assert int(school_pkg.default_rpr.find("w:sz", NS).get(f"{W}val")) == 32


# ── paragraphs and runs, resolved ────────────────────────────────────────────────────────────

SCHOOL_EXPECTED = [
    ("title", "青禾县实验中学工会2025年上半年工作总结"),
    ("blank", ""),
    ("body", "2025年上半年，学校工会在县教育工会和学校党支部的领导下，围绕“建家、维权、服务”"
             "开展工作。现将上半年工作总结如下："),
    ("h1", "一、抓民主管理，落实教代会制度"),
    ("h2", "（一）召开第五届教代会第三次会议。审议通过《绩效工资分配方案》等3项议案，"
           "代表出席率96.5%。"),
    ("h3", "1.落实提案办理。征集提案24件，立案11件，办结率100%。"),
    ("h4", "（1）每月公开一次校务。"),
    ("h3", "2.推进校务公开"),
    ("body", "3.5万元专项经费全部用于教职工培训，比例为1:2。"),
    ("h1", "二、抓关爱服务，建设教职工之家"),
    ("h2", "（二）开展心理健康讲座2场？覆盖教职工180人！"),
    ("body", "看望生病住院教职工9人次。"),
    ("h1", "三、下半年工作计划"),
    ("body", "继续办好教职工‘暖心’服务。"),
    ("blank", ""),
    ("unit", "青禾县实验中学工会"),
    ("date", "2025年7月8日"),
]  # fmt: skip

HEAD_FONT = {"title": "方正小标宋简体", "h1": "黑体", "h2": "楷体_GB2312", "h3": "仿宋_GB2312",
             "h4": "仿宋_GB2312", "body": "仿宋_GB2312", "unit": "仿宋_GB2312",
             "date": "仿宋_GB2312"}  # fmt: skip
HEAD_END = "。：！？；"


def test_paragraph_sequence_and_full_width_punctuation(school_pkg: Package) -> None:
    got = [text_of(p) for p in school_pkg.body_paragraphs()]
    # 21 characters of 22 pt do not fit the 156 mm line: the title is broken in two.
    assert len(got[0].split("\n")) == 2
    got[0] = got[0].replace("\n", "")
    assert got == [text for _kind, text in SCHOOL_EXPECTED]
    # ASCII punctuation survives only inside numbers (3.5, 1:2, 96.5%).
    joined = "".join(got)
    assert not re.search(r"[\u4e00-\u9fff][,;:?!()\"']|[,;:?!()\"'][\u4e00-\u9fff]", joined)


def test_every_run_resolves_to_the_standard_fonts(school_pkg: Package) -> None:
    paragraphs = school_pkg.body_paragraphs()
    assert len(paragraphs) == len(SCHOOL_EXPECTED)
    for p, (kind, text) in zip(paragraphs, SCHOOL_EXPECTED, strict=True):
        for r in p.findall("w:r", NS):
            # The East Asian font is explicit on every run, and resolves to Times New Roman for Latin.
            assert r.find("w:rPr/w:rFonts", NS).get(f"{W}eastAsia"), (kind, text)
            assert school_pkg.font(p, r, "ascii") == "Times New Roman"
            assert school_pkg.font(p, r, "hAnsi") == "Times New Roman"
        if kind == "blank":
            assert not runs(p)
            continue
        head_len = len(text)
        if kind in ("h2", "h3") and any(c in text for c in HEAD_END):
            head_len = min(text.index(c) for c in HEAD_END if c in text) + 1
        pos = 0
        for r in runs(p):
            t = "".join(x.text for x in r.findall("w:t", NS))
            in_head = pos < head_len
            pos += len(t)
            want_font = HEAD_FONT[kind] if in_head else "仿宋_GB2312"
            assert school_pkg.font(p, r) == want_font, (kind, t)
            want_size = 22 if kind == "title" else 16
            assert school_pkg.size_pt(p, r) == want_size, (kind, t)
            assert school_pkg.bold(p, r) is (kind == "h3" and in_head), (kind, t)


def test_paragraph_layout_resolved(school_pkg: Package) -> None:
    paragraphs = school_pkg.body_paragraphs()
    for p, (kind, text) in zip(paragraphs, SCHOOL_EXPECTED, strict=True):
        jc = school_pkg.ppr_attr(p, "jc", "val")
        first = school_pkg.ppr_attr(p, "ind", "firstLineChars")
        if kind == "title":
            assert jc == "center"
            assert first in (None, "0")
            assert school_pkg.ppr_attr(p, "ind", "firstLine") in (None, "0")
        elif kind in ("body", "h1", "h2", "h3", "h4"):
            assert jc == "both", (kind, text)
            assert first == "200", (kind, text)
            assert school_pkg.ppr_attr(p, "spacing", "lineRule") == "exact"
            line_pt = int(school_pkg.ppr_attr(p, "spacing", "line")) / 20
            assert 28 <= line_pt <= 29, line_pt
        elif kind in ("unit", "date"):
            assert jc == "right"
            assert first in (None, "0")


def test_signoff_right_aligned_after_blank_line(school_pkg: Package) -> None:
    ps = school_pkg.body_paragraphs()
    blank, unit, date = ps[-3], ps[-2], ps[-1]
    assert text_of(blank) == "" and not runs(blank)
    assert text_of(unit) == "青禾县实验中学工会"
    assert DATE_RE.match(text_of(date))
    for p in (unit, date):
        assert school_pkg.ppr_attr(p, "jc", "val") == "right"
    # The date sits about 4 characters from the right margin; the name is centred over it.
    date_right = int(school_pkg.ppr_attr(date, "ind", "rightChars")) / 100
    unit_right = int(school_pkg.ppr_attr(unit, "ind", "rightChars")) / 100
    assert 3 <= date_right <= 5
    date_w = 4 * 0.5 + 1 * 0.5 + 1 * 0.5 + 3  # "2025年7月8日": six half-width digits, 3 characters
    assert abs((unit_right + 9 / 2) - (date_right + date_w / 2)) <= 1


def test_footer_page_numbers_odd_right_even_left(school_pkg: Package) -> None:
    settings = school_pkg.xml("word/settings.xml")
    assert settings.find("w:evenAndOddHeaders", NS) is not None
    sect = school_pkg.document.find("w:body/w:sectPr", NS)
    refs = {
        ref.get(f"{W}type"): ref.get(f"{{{R_NS}}}id")
        for ref in sect.findall("w:footerReference", NS)
    }
    assert set(refs) >= {"default", "even"}
    for kind, align in (("default", "right"), ("even", "left")):
        footer = school_pkg.xml(school_pkg.part_for(refs[kind]))
        p = footer.find("w:p", NS)
        assert school_pkg.ppr_attr(p, "jc", "val") == align
        chars = [f.get(f"{W}fldCharType") for f in p.iter(f"{W}fldChar")]
        assert chars == ["begin", "separate", "end"]
        instr = "".join(i.text for i in p.iter(f"{W}instrText"))
        assert instr.strip() == "PAGE"
        shown = "".join(t.text for t in p.iter(f"{W}t"))
        assert re.fullmatch(r"— \d+ —", shown), shown
        for r in p.findall("w:r", NS):
            assert school_pkg.font(p, r) == "宋体"
            assert school_pkg.size_pt(p, r) == 14


# ── other drafts ─────────────────────────────────────────────────────────────────────────────


def test_long_title_breaks_into_balanced_lines_and_placeholder_is_highlighted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "farm.docx"
    export_docx(long_title_draft(), path)
    pkg = Package(path)
    title = pkg.body_paragraphs()[0]
    lines = text_of(title).split("\n")
    assert "".join(lines) == "红星农场第三连队职工委员会暨女职工委员会2025年上半年工作总结"
    assert len(lines) == 2
    assert all(len(line) <= 20 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 8
    # A sensible break: after a unit name, or before the year.
    assert lines[0].endswith(("委员会", "连队", "工会")) or lines[1].startswith("2025")
    assert pkg.ppr_attr(title, "jc", "val") == "center"

    highlighted = []
    for p in pkg.body_paragraphs():
        for r in runs(p):
            t = "".join(x.text for x in r.findall("w:t", NS))
            hl = r.find("w:rPr/w:highlight", NS)
            if "【待补充：" in t:
                assert t == "【待补充：参赛人数】"
                assert hl is not None and hl.get(f"{W}val") == "yellow"
                highlighted.append(t)
            else:
                assert hl is None, t
    assert highlighted == ["【待补充：参赛人数】"]
    # Leading zeros are dropped from the date.
    assert text_of(pkg.body_paragraphs()[-1]) == "2025年7月1日"


def test_eleven_sections_numbered_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "company.docx"
    export_docx(company_draft(), path)
    pkg = Package(path)
    headings = [text_of(p) for p in pkg.body_paragraphs()
                if pkg.font(p, runs(p)[0] if runs(p) else None) == "黑体"]  # fmt: skip
    assert headings[0] == "一、加强组织建设"
    assert headings[9] == "十、加强经费审查"
    assert headings[10] == "十一、加强自身建设"
    assert len(headings) == 11


def test_empty_signoff_becomes_visible_placeholders(tmp_path: Path) -> None:
    draft = long_title_draft()
    draft.signoff = Signoff(unit_name="", date="")
    path = tmp_path / "nosign.docx"
    export_docx(draft, path)
    pkg = Package(path)
    unit, date = pkg.body_paragraphs()[-2:]
    for p in (unit, date):
        assert text_of(p).startswith("【待补充：")
        assert runs(p)[0].find("w:rPr/w:highlight", NS) is not None


# ── writing safely ───────────────────────────────────────────────────────────────────────────


def test_failed_save_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_save(self, stream) -> None:
        stream.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(docx.document.Document, "save", broken_save)
    target = tmp_path / "out.docx"
    with pytest.raises(OSError):  # building the file failed: nothing was written at all
        export_docx(school_draft(), target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        ("fsync", errno.ENOSPC, "磁盘空间不足"),  # the disk is full when the data is flushed
        ("fsync", errno.EIO, "系统错误代码 5"),
        ("replace", errno.EACCES, "没有权限"),
        ("replace", errno.EROFS, "只读"),
    ],
)
def test_failed_write_keeps_old_file_and_removes_the_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int, words: str
) -> None:
    target = tmp_path / "out.docx"
    target.write_bytes(b"old version")
    real = getattr(os, call)

    def broken(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, call, broken)
    for name in ("out.docx", "out.md", "out.json", "out.txt"):
        with pytest.raises(ExportError) as err:
            export_draft(school_draft(), tmp_path / name)
        assert words in err.value.message and name in err.value.message
        assert re.search(r"[\u4e00-\u9fff]", err.value.message) and "Errno" not in err.value.message
    monkeypatch.setattr(os, call, real)
    assert target.read_bytes() == b"old version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.docx"]  # no .tmp, no partial file


def test_unwritable_targets_are_refused_before_writing(tmp_path: Path) -> None:
    (tmp_path / "folder.docx").mkdir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    cases = {
        tmp_path / "folder.docx": "是一个文件夹",
        tmp_path / "missing" / "a.md": "输出目录不存在",
        tmp_path / "file" / "a.md": "不是文件夹",
        tmp_path / "file" / "deeper" / "a.md": "不是文件夹",
        tmp_path / "a.pdf": ".pdf",
        tmp_path / "noext": "无扩展名",
    }
    for target, words in cases.items():
        with pytest.raises(ExportError) as err:
            check_output_path(target)
        assert words in err.value.message, target
        with pytest.raises(ExportError):
            export_draft(school_draft(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder.docx"]
    assert list((tmp_path / "folder.docx").iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a chmod-read-only folder")
def test_read_only_folder_and_file_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (tmp_path / "ro-file.md").write_text("old", encoding="utf-8")
    (tmp_path / "ro-file.md").chmod(0o444)
    folder.chmod(0o555)
    try:
        for target in (folder / "a.docx", tmp_path / "ro-file.md"):
            with pytest.raises(ExportError) as err:
                export_draft(school_draft(), target)
            assert "没有权限" in err.value.message
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == [] and (tmp_path / "ro-file.md").read_text(encoding="utf-8") == "old"


def test_export_draft_dispatch_and_unknown_extension(tmp_path: Path) -> None:
    draft = school_draft()
    for suffix in (".docx", ".md", ".txt", ".json", ".DOCX"):
        out = export_draft(draft, tmp_path / f"a{suffix}")
        assert out.exists() and out.stat().st_size > 0
        assert oct(out.stat().st_mode & 0o777) in ("0o644", oct(0o666 & ~_umask()))
    assert zipfile.is_zipfile(tmp_path / "a.DOCX")
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert Draft.from_dict(data).to_dict() == draft.to_dict()
    assert "青禾县实验中学工会" in (tmp_path / "a.json").read_text(
        encoding="utf-8"
    )  # no \u escapes
    with pytest.raises(ExportError) as err:
        export_draft(draft, tmp_path / "a.pdf")
    assert re.search(r"[\u4e00-\u9fff]", err.value.message) and ".docx" in err.value.message
    assert not (tmp_path / "a.pdf").exists()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ── .md and .txt ─────────────────────────────────────────────────────────────────────────────


def test_markdown_structure() -> None:
    md = export_markdown(school_draft())
    lines = [line for line in md.splitlines() if line.strip()]
    assert lines[0] == "# 青禾县实验中学工会2025年上半年工作总结"
    assert lines[1].startswith("2025年上半年，学校工会")
    h2 = [line for line in lines if line.startswith("## ")]
    assert h2 == ["## 一、抓民主管理，落实教代会制度", "## 二、抓关爱服务，建设教职工之家",
                  "## 三、下半年工作计划"]  # fmt: skip
    assert lines[-2:] == ["青禾县实验中学工会", "2025年7月8日"]
    assert "\n\n\n" not in md
    assert "### 2.推进校务公开" in lines or "#### 2.推进校务公开" in lines
    assert "3.5万元专项经费全部用于教职工培训，比例为1:2。" in lines
    md2 = export_markdown(long_title_draft())
    assert "【待补充：参赛人数】" in md2


def test_text_structure_without_markup() -> None:
    txt = export_text(school_draft())
    lines = txt.splitlines()
    assert lines[0] == "青禾县实验中学工会2025年上半年工作总结"
    assert not any(line.startswith("#") for line in lines)
    assert "一、抓民主管理，落实教代会制度" in lines
    assert "（1）每月公开一次校务。" in lines
    non_empty = [line for line in lines if line.strip()]
    assert non_empty[-2:] == ["青禾县实验中学工会", "2025年7月8日"]
    assert "\n\n\n" not in txt
    # Every paragraph of the draft is one line: 13 content lines + title + 2 sign-off lines.
    assert len(non_empty) == len([k for k, _ in SCHOOL_EXPECTED if k != "blank"])


# ── round trip through read_docx ─────────────────────────────────────────────────────────────

_ASCII_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！",
                                "(": "（", ")": "）"})  # fmt: skip


def _norm(text: str) -> str:
    text = re.sub(r"\s+", "", text).translate(_ASCII_TO_FULL)
    text = re.sub(r"(?<=[\u4e00-\u9fff])\.(?=[\u4e00-\u9fff]|$)", "。", text)
    return re.sub(r"^(\d+)[、.．]", r"\1.", text)


@pytest.mark.parametrize("make", [school_draft, long_title_draft, company_draft])
def test_round_trip_through_read_docx(tmp_path: Path, make) -> None:
    draft = make()
    path = tmp_path / "rt.docx"
    export_docx(draft, path)
    lines = read_docx(path).splitlines()
    assert _norm(lines[0]) == _norm(draft.title)

    expected = []
    n = 0
    for section in draft.sections:
        if section.heading:
            n += 1
            expected.append(draft.numbered_headings()[draft.sections.index(section)])
        expected += [line for line in section.text.splitlines() if line.strip()]
    expected += [draft.signoff.unit_name]
    got = [_norm(x) for x in lines[1:-1]]
    want = [_norm(x) for x in expected]
    # Quotes are converted to “ ” / ‘ ’ on export; compare without them.
    strip_q = str.maketrans("", "", "\"'“”‘’")
    assert [g.translate(strip_q) for g in got] == [w.translate(strip_q) for w in want]
    assert DATE_RE.match(lines[-1])

    levels = read_docx_paragraphs(path)
    heading_lines = [t for t, level in levels if level == 1]
    assert heading_lines == [h for h in draft.numbered_headings() if h]


def test_punctuation_conversion_leaves_numbers_and_latin_alone() -> None:
    cases = {
        "共1,200人,同比增长3.5%": "共1,200人，同比增长3.5%",
        "时间:10:30,比例1:2": "时间：10:30，比例1:2",
        "包括(1)安全生产(2)劳动保护": "包括（1）安全生产（2）劳动保护",
        "函数f(x) and don't": "函数f(x) and don't",
        '开展"安康杯"竞赛': "开展“安康杯”竞赛",
        "等等...还有": "等等……还有",
        "是否完成?完成!": "是否完成？完成！",
    }
    for raw, want in cases.items():
        draft = Draft(
            title="测试", sections=[Section("", raw)], signoff=Signoff("某工会", "2025年1月2日")
        )
        assert export_text(draft).splitlines()[2] == want, raw


def test_control_characters_and_line_breaks_in_fields(tmp_path: Path) -> None:
    draft = Draft(
        title="东湖街道\n总工会2025年工作总结\x07",
        sections=[
            Section("", "开头段落\x00。", role="opening"),
            Section("一、组织\x0b建设", "新建工会\x1f3家。"),
        ],
        signoff=Signoff("东湖街道\n总工会", "2025/3/9"),
    )
    path = tmp_path / "ctrl.docx"
    export_docx(draft, path)  # would raise on characters that XML cannot hold
    lines = read_docx(path).splitlines()
    assert lines == ["东湖街道总工会2025年工作总结", "开头段落。", "一、组织建设", "新建工会3家。",
                     "东湖街道总工会", "2025年3月9日"]  # fmt: skip
