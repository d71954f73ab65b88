"""Builds the held-out materials set in this folder (run once; the files are committed).

    python -m benchmarks.materials.make_set

A 台账 .xlsx, 简报 in .docx and .txt (GB18030), a text-layer PDF report (LibreOffice converts a
generated .docx), last year's summary (.docx). The known facts, plans and changes are in
truth.yaml, written by hand from the same text, before the extractor was tuned.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
FILES = HERE / "files"

LEDGER = [
    ("序号", "日期", "活动名称", "人数", "金额（万元）", "备注"),
    (1, dt.date(2025, 1, 20), "春节送温暖走访慰问困难职工", 52, 10.4, None),
    (2, dt.date(2025, 3, 8), "三八节女职工健步走活动", 260, 1.2, None),
    (3, dt.date(2025, 4, 15), "职工技能比武（电工、焊工）", 86, 3.5, None),
    (4, dt.date(2025, 5, 1), "五一劳模座谈会", 35, None, None),
    (5, dt.date(2025, 6, 18), "安全生产知识竞赛", 140, 0.8, None),
    (6, dt.date(2025, 7, 10), "夏送清凉慰问一线职工", 1200, 6.6, "慰问点18个"),
    (7, dt.date(2025, 8, 20), "金秋助学", 24, 7.2, "资助困难职工子女"),
    (8, dt.date(2025, 9, 26), "职工趣味运动会", 410, 2.3, None),
    (9, dt.date(2025, 11, 12), "工会干部业务培训班", 68, 1.5, None),
    ("合计", None, None, 2475, 33.5, None),
]

BRIEF_1 = [
    ("工会简报", 1), ("第5期", None), ("桃源街道总工会办公室　　2025年3月10日", None),
    ("三八节女职工健步走活动圆满举行", 2),
    ("3月8日，桃源街道总工会在滨江绿道组织开展“巾帼心向党 健步新征程”女职工健步走活动。辖区26家企业的260名女职工参加，活动共发放纪念品260份。", None),
    ("同时，街道总工会邀请市妇幼保健院专家开展女职工健康讲座，120名女职工参加。", None),
    ("来源：桃源街道总工会　编辑：李明", None),
]

BRIEF_2 = [
    ("工会简报", 1), ("第9期", None),
    ("夏送清凉 关爱户外劳动者", 2),
    ("7月10日起，街道总工会开展“夏送清凉”活动，在18个慰问点为高温一线职工送去防暑降温用品，慰问职工1200人，发放物资价值6.6万元。", None),
    ("街道总工会联合社区卫生服务中心为环卫工人等户外劳动者开展免费体检，受益职工315人。", None),
    ("截至8月底，新建“爱心驿站”户外劳动者服务站点6个。", None),
    ("审核：王芳　撰稿：张丽　联系电话：0571-86001234", None),
]

BRIEF_3 = """工会简报（第12期）
金秋助学暖人心
8月20日，街道总工会举行金秋助学金发放仪式，为24名困难职工子女发放助学金7.5万元。
9月26日，街道总工会举办第三届职工趣味运动会，来自32家单位的410名职工参加了拔河、跳绳等8个项目的比赛。
全年累计发展新会员1,260人，其中农民工会员540人。
阅读量：356
"""

REPORT = [
    ("桃源街道总工会关于2025年工会重点工作开展情况的报告", 1),
    ("区总工会：", None),
    ("一、组织建设", 2),
    ("全年新建非公企业工会15家，新发展会员1,260人，工会组建率达到93.5%。", None),
    ("二、维权工作", 2),
    ("组织开展工资集体协商，签订工资专项集体合同11份，覆盖职工3,600人。", None),
    ("街道职工法律援助站全年受理劳动争议咨询96件，调解成功42件。", None),
    ("三、帮扶服务", 2),
    ("春节期间走访慰问困难职工52户，发放慰问金10.4万元。", None),
    ("四、存在问题", 2),
    ("一是部分小微企业工会作用发挥不充分；二是工会干部专职化程度不高。", None),
    ("特此报告。", None),
    ("桃源街道总工会", None), ("2025年12月20日", None),
]

LAST_YEAR = [
    ("桃源街道总工会2024年工作总结", 0),
    ("2024年，在街道党工委和区总工会的领导下，街道总工会坚持以职工需求为导向，不断完善困难职工帮扶机制，确保帮扶工作常态化，各项工作取得新进展。现将全年工作总结如下：", None),
    ("一、抓组建，夯实工会组织基础", 1),
    ("全年新建非公企业工会9家，新发展会员1,200人，工会组建率达到90%。", None),
    ("二、抓维权，推进集体协商", 1),
    ("签订工资专项集体合同11份，覆盖职工3,100人。", None),
    ("三、抓帮扶，把温暖送到职工身边", 1),
    ("春节期间走访慰问困难职工48户，发放慰问金9.6万元。为20名困难职工子女发放金秋助学金6万元。", None),
    ("四、存在的问题", 1),
    ("一是户外劳动者服务阵地不足；二是工会干部队伍力量薄弱。", None),
    ("五、2025年工作打算", 1),
    ("2025年，街道总工会将重点做好以下工作：一是持续推进非公企业建会入会，新建非公企业工会20家；二是深化工资集体协商，扩大集体合同覆盖面；三是建设户外劳动者服务站点，打造“爱心驿站”服务品牌；四是加强工会干部队伍建设，开展工会干部轮训；五是推进职工书屋建设，新建职工书屋3个。", None),
    ("桃源街道总工会", None), ("2024年12月25日", None),
]


def write_docx(path: Path, paragraphs: list[tuple[str, int | None]]) -> None:
    from docx import Document

    doc = Document()
    for text, level in paragraphs:
        if level is None:
            doc.add_paragraph(text)
        else:
            doc.add_heading(text, level=level)
    doc.save(str(path))


def write_xlsx(path: Path, rows: list[tuple], title: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "说明"
    cover["A1"] = "本表记录全年工会活动，请按月更新。"
    sheet = book.create_sheet("活动台账")
    sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    book.save(str(path))


def write_pdf(path: Path, paragraphs: list[tuple[str, int | None]]) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("需要 LibreOffice（soffice）来生成 PDF")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / (path.stem + ".docx")
        write_docx(source, paragraphs)
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                       check=True, capture_output=True, timeout=180)
        shutil.copy(Path(tmp) / (path.stem + ".pdf"), path)


def main() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    write_xlsx(FILES / "2025年工作台账.xlsx", LEDGER, "桃源街道总工会2025年工作台账")
    write_docx(FILES / "简报第5期.docx", BRIEF_1)
    write_docx(FILES / "简报第9期.docx", BRIEF_2)
    (FILES / "简报第12期.txt").write_bytes(BRIEF_3.encode("gb18030"))
    write_pdf(FILES / "重点工作情况报告.pdf", REPORT)
    write_docx(HERE / "last_year_2024.docx", LAST_YEAR)
    print(f"已生成：{sorted(p.name for p in FILES.iterdir())}")


if __name__ == "__main__":
    main()
