"""Builds tests/data/materials (the tuning/test set; the benchmark set is separate and held out).

    python -m tests.support.make_materials
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.materials.make_set import write_docx, write_pdf, write_xlsx

OUT = Path(__file__).resolve().parent.parent / "data" / "materials"

LEDGER = [
    ("序号", "活动日期", "活动内容", "参加人数", "经费（元）", "牵头部门"),
    (1, dt.date(2024, 1, 25), "春节走访慰问困难职工和劳模", 38, 45600, "工会办公室"),
    (2, dt.date(2024, 3, 8), "女职工“两癌”免费筛查", 156, 23400, "女工委"),
    (3, dt.date(2024, 4, 20), "数控车工技能比武", 64, 12000, "生产技术部"),
    (4, dt.date(2024, 6, 15), "安康杯安全知识竞赛", 210, 8000, "安全环保部"),
    (5, dt.date(2024, 7, 20), "夏季送清凉", 860, 51600, "工会办公室"),
    (6, dt.date(2024, 10, 12), "职工篮球赛", 120, 15000, "文体协会"),
    ("合计", None, None, 1448, 155600, None),
]

BRIEF_DOCX = [
    ("红星机械厂工会简报", 1), ("2024年第3期", None),
    ("4月20日，厂工会联合生产技术部举办数控车工技能比武，来自6个车间的64名职工参赛，评出技术能手5名。", None),
    ("比武设理论和实操两个环节，进一步激发了职工学技术、练本领的热情。", None),
    ("5月，厂工会组织开展合理化建议征集活动，共征集建议132条，采纳47条，创造经济效益86万元。", None),
    ("供稿：厂工会　责任编辑：陈刚", None),
]

BRIEF_TXT = """红星机械厂工会简报
2024年第5期
关爱女职工健康
3月8日，厂工会组织开展女职工“两癌”免费筛查，156名女职工参加。
6月，厂工会新建“妈咪小屋”2间，为哺乳期女职工提供便利。
职代会召开情况
1月18日，厂第十届职代会第三次会议召开，112名职工代表参加，征集提案26件，立案19件。
联系人：王敏　电话：0731-88776655
"""

REPORT = [
    ("红星机械厂工会2024年工作情况报告", 1),
    ("一、民主管理", 2),
    ("召开职代会1次，征集提案26件，立案19件，办结率100%。", None),
    ("二、帮扶工作", 2),
    ("春节期间走访慰问困难职工和劳模38户，发放慰问金4.56万元。", None),
    ("全年为困难职工办理医疗互助保险，参保职工1,850人，参保率达到96%。", None),
    ("三、安全生产", 2),
    ("组织开展“安康杯”竞赛，排查整改安全隐患73处。", None),
]

LAST_YEAR_TXT = """红星机械厂工会2023年工作总结
2023年，厂工会在厂党委和上级工会的领导下，围绕生产经营中心任务，团结带领全厂职工建功立业。现将一年来的工作总结如下：
一、推进民主管理
召开职代会1次，征集提案22件，立案15件。
二、做好帮扶服务
春节期间走访慰问困难职工和劳模40户，发放慰问金4.8万元。参保职工1,700人，参保率达到92%。
三、开展劳动竞赛
征集合理化建议120条，采纳40条。新建“妈咪小屋”0间。
四、存在的问题
（一）职工文化活动形式比较单一。
（二）班组工会建设不平衡。
五、下一步工作打算
1. 深化合理化建议活动，征集合理化建议150条。
2. 建设“妈咪小屋”，关爱哺乳期女职工。
3. 丰富职工文化生活，组建职工文体协会。
4. 加强班组工会建设，开展优秀班组工会评选。
红星机械厂工会
2023年12月28日
"""

FACTS = """unit_name: 红星机械厂工会
unit_type: 企业工会
period: 年度
year: 2024
facts:
  - 召开第十届职代会第三次会议，征集提案26件，立案19件
  - 春节期间走访慰问困难职工和劳模38户，发放慰问金4.56万元
  - 为困难职工办理医疗互助保险，参保职工1,850人，参保率达到96%
  - 组织开展合理化建议征集活动，征集建议132条，采纳47条
  - 新建“妈咪小屋”2间
  - 围绕生产经营中心任务，团结带领全厂职工建功立业，各项工作取得新成效
  - 组织职工参加市总工会读书征文活动
problems:
  - 职工文化活动形式比较单一
  - 工会干部业务能力有待提高
plans:
  - 丰富职工文化活动形式，办好职工篮球赛
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_xlsx(OUT / "工会台账2024.xlsx", LEDGER, "红星机械厂工会2024年活动台账")
    csv_rows = [",".join("" if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v)) for v in row)
                for row in LEDGER]
    (OUT / "台账2024.csv").write_bytes(("\n".join(csv_rows) + "\n").encode("utf-8-sig"))
    write_docx(OUT / "简报第3期.docx", BRIEF_DOCX)
    (OUT / "简报第5期.txt").write_text(BRIEF_TXT, encoding="utf-8")
    write_pdf(OUT / "工作情况报告.pdf", REPORT)
    (OUT / "上年总结2023.txt").write_text(LAST_YEAR_TXT, encoding="utf-8")
    (OUT / "facts_2024.yaml").write_text(FACTS, encoding="utf-8")
    print(sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
