"""Render an exported .docx with LibreOffice: page count, text, characters per line, page 1 PNG."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from drafter.draft import Draft, Section, Signoff
from drafter.export import export_docx, title_lines

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
        reason="needs LibreOffice (soffice) and poppler-utils; .ci/run installs them",
    ),
]


def render_draft() -> Draft:
    paragraph = (
        "围绕区委中心工作，社区工会坚持把服务职工作为工作的出发点和落脚点，"
        "全年走访辖区非公企业{n}家，收集职工意见建议{m}条，逐条建立台账并限时办结。"
    )
    sections = [
        Section(
            "", "2025年，新港社区工会在街道总工会的指导下，认真履行各项职能。现将全年工作总结如下："
        )
    ]
    for i, heading in enumerate(
        ["夯实组织基础", "做实维权服务", "深化关爱帮扶", "丰富职工文化"], 1
    ):
        text = "\n".join(paragraph.format(n=10 + i + k, m=30 + i * k) for k in range(3))
        sections.append(Section(heading, f"（一）强化工作举措。{text}"))
    sections.append(Section("存在的问题和不足", "一是服务手段不多；二是工会干部力量不足。"))
    sections.append(Section("下一步工作打算", "继续推进新就业形态劳动者入会，办好职工实事。"))
    return Draft(
        title="新港社区工会2025年工作总结",
        sections=sections,
        signoff=Signoff("新港社区工会", "2025年12月29日"),
    )


def expected_pages(draft: Draft) -> int:
    """Pages on a 22-line × 28-character grid, counted by hand from the draft."""
    lines = len(title_lines(draft.title)) * 35 / 28.95 + 1  # title lines, then a blank line
    for s in draft.sections:
        if s.heading:
            lines += 1
        for par in s.text.splitlines():
            lines += math.ceil((len(par) + 2) / 28)  # 2 characters of first-line indent
    lines += 3  # blank line, unit, date
    return math.ceil(lines / 22)


def convert(docx: Path, outdir: Path, profile: Path) -> Path:
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
        capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(profile), "LANG": "C.UTF-8"},
    )  # fmt: skip
    pdf = outdir / f"{docx.stem}.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    return pdf


def test_docx_renders_as_expected(tmp_path: Path) -> None:
    draft = render_draft()
    docx_path = tmp_path / "render.docx"
    export_docx(draft, docx_path)
    pdf = convert(docx_path, tmp_path, tmp_path / "lo-profile")

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    want = expected_pages(draft)
    assert pages >= 1
    assert abs(pages - want) <= 1, (pages, want)

    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=30
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "新港社区工会2025年工作总结" in flat
    assert "一、夯实组织基础" in flat
    assert "六、下一步工作打算" in flat
    assert "2025年12月29日" in flat
    assert "—1—" in flat  # the PAGE field rendered in the footer

    # Full body lines hold about 28 characters (the 28-character grid).
    lengths = sorted(len(re.sub(r"\s", "", line)) for line in text.splitlines())
    full = [n for n in lengths if n >= 20]
    assert full, text
    assert 26 <= full[len(full) // 2] <= 30, full

    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(tmp_path / "page1")],
        check=True, timeout=60,
    )  # fmt: skip
    with Image.open(tmp_path / "page1.png") as img:
        gray = img.convert("L")
        width, height = gray.size
        assert abs(width / height - 210 / 297) < 0.01  # A4 portrait
        dark = sum(gray.histogram()[:128])
    share = dark / (width * height)
    assert 0.005 < share < 0.5, share  # text on the page, not a blank or black page
