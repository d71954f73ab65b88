"""Noise cleaning: SEO blurbs, Markdown, escapes, pinyin, placeholders out; the summary kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.config import BUNDLED_CORPUS
from drafter.corpus.clean import clean_line, clean_lines, is_seo_noise
from drafter.corpus.load import load_file
from tests.support.corpus_fixtures import noise_in

SEO_LINES = [
    "下面是小编精心整理的工会工作总结范文，欢迎阅读！",
    "以下是小编为大家收集的工会上半年工作总结，仅供参考，希望能够帮助到大家。",
    "希望大家能够喜欢。",
    "欢迎阅读与收藏。",
    "如要下载或阅读全文，请访问：https://www.example.com/a/123.html",
    "2023-06-12 来源",
]


@pytest.mark.parametrize("line", SEO_LINES)
def test_seo_lines_are_dropped(line: str) -> None:
    assert is_seo_noise(line)
    assert clean_lines(f"一、抓规范，强化组织建设\n{line}\n全年新建基层工会12家。") == [
        "一、抓规范，强化组织建设",
        "全年新建基层工会12家。",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Markdown heading prefixes and emphasis go, the numbering stays for the splitter.
        ("## 一、抓规范，强化组织建设", "一、抓规范，强化组织建设"),
        ("### （一）以送温暖为载体", "（一）以送温暖为载体"),
        ("#### 1、**加强**民主管理", "1、加强民主管理"),
        # Injected pinyin: known words restored, unknown ones removed.
        ("三、加强*guǎnlǐ、监督工作，推行厂务公开", "三、加强管理、监督工作，推行厂务公开"),
        ("开展*zhīgōng文化活动", "开展文化活动"),
        # Escaped Markdown.
        ("召开第\\_\\_届职代会，审议\\\"集体合同\\\"", "召开新一届职代会，审议\"集体合同\""),
        # Year placeholders.
        ("202_年上半年，三连工会工作在场工会的领导下", "本年上半年，三连工会工作在场工会的领导下"),
        ("完成了20__年度工会各类报刊的征订任务。", "完成了本年度工会各类报刊的征订任务。"),
        ("xxxx年工会工作总结", "本年工会工作总结"),
        ("回顾202_年，我们", "回顾本年，我们"),
        # Unit and quantity placeholders.
        ("__镇工会于4月12日举行宣誓仪式", "本镇工会于4月12日举行宣誓仪式"),
        ("新组建工会组织xx 家，发展会员XX人", "新组建工会组织若干家，发展会员若干人"),
        ("金秋助学投入*元，帮助11名学生", "金秋助学投入若干元，帮助11名学生"),
        ("我xx公司工会在□□领导下", "我公司工会在领导下"),
        # Spaces the web copy put between Chinese characters.
        ("参加 职工 400 余人次", "参加职工400余人次"),
    ],
)
def test_clean_line(raw: str, expected: str) -> None:
    assert clean_line(raw) == expected


def test_content_without_noise_is_unchanged() -> None:
    line = "全年新建基层工会12家，发展会员860人，建会率达到92%，劳动合同签订率达到98%。"
    assert clean_line(line) == line


def test_table_of_contents_block_is_dropped() -> None:
    text = "本文目录\n工会工作总结篇一\n工会工作总结篇二\n今年以来，我镇工会在镇党委的领导下，认真开展各项工作，取得了较好成效。"
    assert clean_lines(text) == ["今年以来，我镇工会在镇党委的领导下，认真开展各项工作，取得了较好成效。"]


def test_lines_without_chinese_are_dropped() -> None:
    assert clean_lines("---\n\n***\n12345\n一、加强组织建设") == ["一、加强组织建设"]


@pytest.mark.parametrize("path", sorted(BUNDLED_CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_no_noise_survives_cleaning_of_the_bundled_corpus(path: Path) -> None:
    text = load_file(path, path.read_bytes(), 50 * 1024 * 1024).text
    assert noise_in(text), "the corpus file should contain noise to begin with"
    for line in clean_lines(text):
        # 篇N markers survive cleaning on purpose: the splitter cuts articles there.
        found = [n for n in noise_in(line) if n != "篇一"]
        assert not found, (found, line)
        assert "小编" not in line and "*" not in line and "\\" not in line
        assert not line.startswith("#")
