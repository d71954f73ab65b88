"""Export a realistic sample draft to .docx and render its first page to docs/sample-page1.png.

Usage: python scripts/render_sample.py [--out docs/sample-page1.png] [--keep DIR]

Needs LibreOffice (soffice) and poppler (pdftoppm). The standard 公文 fonts are rarely installed
on Linux; for the picture, a private fontconfig file maps them to Noto CJK (仿宋/楷体/宋体/小标宋 →
Noto Serif CJK SC, 黑体 → Noto Sans CJK SC), which is what a reader without the fonts would get
from substitution. The .docx itself still names the standard fonts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafter.draft import Draft, Section, Signoff, placeholder  # noqa: E402
from drafter.export import (  # noqa: E402
    FONT_BODY,
    FONT_FALLBACKS,
    FONT_H1,
    FONT_H2,
    FONT_PAGE,
    FONT_TITLE,
    export_docx,
)

SERIF, SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"


def sample_draft() -> Draft:
    """A township union's 2025 summary; the unit and its figures are invented for the sample."""
    sections = [
        Section(
            "",
            "2025年，桃溪镇总工会在镇党委和县总工会的坚强领导下，深入学习贯彻党的二十大和"
            "二十届历次全会精神，紧紧围绕全镇经济社会发展大局，坚持以职工为中心的工作导向，"
            "在组织建设、维权服务、困难帮扶和建功立业等方面扎实开展工作，各项任务顺利完成。"
            "现将全年工作总结如下：",
            role="opening",
        ),
        Section(
            "抓组建，夯实基层组织基础",
            "（一）扩大工会组织覆盖。聚焦辖区小微企业和新就业形态劳动者，采取“小三级”联合建会"
            "方式，全年新建基层工会8家，新发展会员436人，其中快递员、网约配送员等新就业形态"
            "劳动者127人。\n"
            "（二）规范基层工会运行。对全镇31家基层工会开展规范化建设“回头看”，指导12家"
            "工会按期完成换届，建立会员实名制台账，会员信息录入率达到98.6%。",
        ),
        Section(
            "抓维权，推进劳动关系和谐",
            "（一）深化集体协商。全镇签订工资专项集体合同23份，覆盖企业41家、职工2150人。\n"
            "（二）加强劳动法律服务。联合镇司法所开展“尊法守法·携手筑梦”法律服务活动6场，"
            "受理职工来信来访19件，调处劳动争议7起，为职工追回欠薪18.4万元。",
        ),
        Section(
            "抓帮扶，当好职工贴心“娘家人”",
            "坚持常态化帮扶与节日慰问相结合。春节期间走访慰问困难职工86户，发放慰问金和物资"
            "折合12.9万元；开展金秋助学活动，资助困难职工子女15名、发放助学金4.5万元；"
            "夏季“送清凉”活动覆盖一线职工1300余人次。",
        ),
        Section(
            "抓竞赛，引领职工建功立业",
            "围绕镇重点项目开展劳动竞赛3项，组织电工、焊工、茶艺技能比武2场，参赛职工210人，"
            f"推荐县级“五一劳动奖章”候选人{placeholder('人数')}名。",
        ),
        Section(
            "存在的问题和不足",
            "一是小微企业工会作用发挥不够充分，部分工会活动开展不经常；二是新就业形态劳动者"
            "入会后的服务跟进还不够及时；三是工会干部多为兼职，业务能力有待进一步提升。",
            role="problems",
        ),
        Section(
            "下一步工作打算",
            "2026年，镇总工会将继续推进新就业形态劳动者入会和服务工作，深化工资集体协商，"
            "完善困难职工帮扶机制，加强工会干部业务培训，推动全镇工会工作再上新台阶。",
            role="plans",
        ),
    ]
    return Draft(
        title="桃溪镇总工会2025年工作总结",
        sections=sections,
        signoff=Signoff(unit_name="桃溪镇总工会", date="2025年12月26日"),
    )


def fontconfig_file(folder: Path) -> Path:
    """A fonts.conf that includes the system one and maps the standard fonts to Noto CJK."""
    aliases = {FONT_TITLE: SERIF, FONT_BODY: SERIF, FONT_H2: SERIF, FONT_PAGE: SERIF, FONT_H1: SANS}
    for name, alt in FONT_FALLBACKS.items():
        aliases[alt] = aliases[name]
    body = "".join(
        f"<alias binding='same'><family>{name}</family><prefer><family>{target}</family>"
        "</prefer></alias>"
        for name, target in aliases.items()
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
        "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
        f"{body}</fontconfig>",
        encoding="utf-8",
    )
    return conf


def docx_to_pdf(docx: Path, outdir: Path, work: Path, timeout: int = 120) -> Path:
    """Convert with a private LibreOffice profile so parallel runs do not clash."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("找不到 LibreOffice（soffice），请先安装 libreoffice-writer-nogui")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
        "FONTCONFIG_FILE": str(fontconfig_file(work)),
        "LANG": "C.UTF-8",
    }
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{work / 'lo-profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
        check=True, timeout=timeout, env=env, capture_output=True,
    )  # fmt: skip
    pdf = outdir / (docx.stem + ".pdf")
    if not pdf.exists():
        raise SystemExit("LibreOffice 没有生成 PDF")
    return pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "sample-page1.png")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="also keep the .docx and .pdf in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drafter-render-") as tmp:
        work = Path(tmp)
        docx = work / "sample.docx"
        export_docx(sample_draft(), docx)
        pdf = docx_to_pdf(docx, work, work)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile",
             str(pdf), str(work / "page1")],
            check=True, timeout=60,
        )  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "page1.png", args.out)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(docx, args.keep)
            shutil.copy(pdf, args.keep)
    print(f"{args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
