"""Corpus test helpers: small invented summaries, noise patterns, offline settings, CLI runner.

The summaries are invented for the tests (units and figures are not real). Each is a complete
article (title, opening, numbered body sections, problems, plans) with its own topics, so a
test can tell the files apart by what a search returns.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from drafter.config import Settings

ROOT = Path(__file__).resolve().parent.parent.parent

# What must never reach a stored chunk (see DESIGN.md §4 and the Foundation issue).
NOISE_PATTERNS: dict[str, re.Pattern[str]] = {
    "小编": re.compile("小编"),
    "篇一": re.compile("篇一"),
    r"\_": re.compile(r"\\_"),
    "pinyin": re.compile(r"\*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+"),
    "□": re.compile("□"),
    "xx": re.compile("xx|XX"),
    "202_": re.compile("202_"),
    "20__": re.compile("20__"),
    "__": re.compile("__"),
}

CJK = re.compile(r"[\u4e00-\u9fff]")

TOWNSHIP = """青山镇总工会2025年工作总结
2025年，青山镇总工会在镇党委和县总工会的坚强领导下，紧紧围绕全镇经济社会发展大局，坚持以职工为中心，扎实推进各项工作。现将一年来的工作总结如下：
一、抓规范，强化组织建设
全年新建基层工会12家，发展会员860人，其中农民工会员430人，非公企业建会率达到92%。对村级工会进行规范化建设，完成换届选举8家。
二、抓帮扶，营造温暖之家
春节期间开展送温暖活动，走访慰问困难职工35户，发放慰问金7万元。开展金秋助学，资助困难职工子女上大学18人，为困难职工办理互助保险120份。
三、抓竞赛，团结职工建功立业
在全镇企业中开展劳动竞赛和技能比武，组织电工、焊工技能比武3场，参赛职工260人，征集合理化建议96条，评选岗位能手15名。
四、存在的问题
一是部分小微企业工会作用发挥不够明显；二是工会干部多为兼职，业务能力有待提高；三是服务职工的手段还比较单一。
五、下一步工作打算
一是继续扩大工会组织覆盖面；二是加强工会干部培训；三是深化困难职工帮扶，把温暖送到职工心坎上。
"""

ENTERPRISE = """红星机械公司工会2025年上半年工作总结
上半年，公司工会在公司党委和上级工会的领导下，围绕生产经营中心任务，团结带领全体职工攻坚克难，各项工作取得新进展。现将上半年工作汇报如下：
一、坚持厂务公开，推进民主管理
召开第三届职工代表大会第二次会议，审议通过集体合同和工资专项集体合同，职工代表提案21件，全部落实答复。厂务公开栏每季度更新，公开事项46项。
二、加强劳动保护，筑牢安全防线
开展安康杯竞赛，组织群监员排查隐患58处，全部整改到位。为一线职工发放劳动保护用品1200套，组织职业病体检650人次。
三、丰富职工文化，建设职工之家
建成职工书屋一个，藏书三千册。举办职工篮球赛和拔河比赛，参加职工400余人次，增强了职工的凝聚力和归属感。
"""

SCHOOL = """实验小学工会2025年工作总结
本年度，学校工会在学校党支部和上级教育工会的领导下，以教职工需求为导向，认真履行工会职责。现将一年来的工作总结如下：
一、落实教代会制度，推进校务公开
召开教代会两次，审议学校绩效工资分配方案，教职工代表提出建议15条。校务公开做到及时、规范，接受教职工监督。
二、加强师德建设，提升教师素质
开展师德师风主题教育活动，组织青年教师基本功比赛，评选师德标兵6名，开展读书交流活动4次。
三、关爱女教职工，维护特殊权益
组织女教职工健康体检，开展三八节系列活动，为哺乳期女教师设立爱心妈咪小屋。
"""

STREET = """东湖街道工会2025年工作总结
2025年，东湖街道工会在街道党工委和区总工会的领导下，以维护职工合法权益为重点，推动辖区劳动关系和谐稳定。现将全年工作总结如下：
一、推进集体协商，维护职工权益
指导辖区企业开展工资集体协商，签订区域性集体合同3份，覆盖企业85家、职工4200人。调处劳动争议11起，为农民工追回欠薪36万元。
二、开展法律服务，提升维权能力
举办劳动法律知识讲座6场，设立职工法律援助服务点2个，为职工提供法律咨询130人次，劳动合同签订率达到98%。
三、存在的不足
维权服务的覆盖面还不够广，部分新就业形态劳动者尚未纳入工会服务范围。
"""

SAMPLES: dict[str, str] = {
    "township.txt": TOWNSHIP,
    "enterprise.txt": ENTERPRISE,
    "school.txt": SCHOOL,
    "street.txt": STREET,
}


def write_corpus(folder: Path, names: tuple[str, ...] = ("township.txt", "enterprise.txt", "school.txt")) -> list[Path]:
    """Write some of the sample summaries as UTF-8 files into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.write_text(SAMPLES[name], encoding="utf-8")
        paths.append(path)
    return paths


def offline_settings(data_dir: Path, **changes: object) -> Settings:
    """Settings isolated in `data_dir`, with the offline embedder and embedded Chroma."""
    return Settings(data_dir=data_dir, embed_model="offline").with_(**changes)


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `python -m drafter` subprocess: isolated data dir, offline embedder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        DRAFTER_DATA_DIR=str(data_dir),
        DRAFTER_EMBED_MODEL="offline",
        HF_HUB_OFFLINE="1",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drafter", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def noise_in(text: str) -> list[str]:
    """Names of the noise patterns found in `text`."""
    return [name for name, pattern in NOISE_PATTERNS.items() if pattern.search(text)]


def shared_corpus(factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested once per session, in a data dir shared by the drafting tests."""
    from drafter.index import open_index
    from drafter.services import ensure_corpus

    base = factory.getbasetemp() / "drafting-corpus"
    if not (base / "ready").exists():
        settings = offline_settings(base)
        ensure_corpus(settings, open_index(settings))
        (base / "ready").write_text("ok", encoding="utf-8")
    return base
