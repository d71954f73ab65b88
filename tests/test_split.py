"""Splitting cleaned text into articles (篇) and sections, on every heading style of the corpus."""

from __future__ import annotations

import pytest

from drafter.corpus.chunks import article_chunks
from drafter.corpus.clean import clean_lines
from drafter.corpus.split import Article, parse_heading, split_articles, split_sections

FALLBACK = "工会工作总结"

# Body paragraphs long enough for an article to count (articles under 200 characters are dropped).
P1 = "全年新建基层工会12家，发展会员860人，其中农民工会员430人，非公企业建会率达到92%，工会组织覆盖面进一步扩大。对村级工会进行规范化建设，完成换届选举8家，工会组织的凝聚力明显增强。"
P2 = "春节期间开展送温暖活动，走访慰问困难职工35户，发放慰问金7万元，资助困难职工子女上大学18人。为困难职工办理互助保险120份，帮助他们解决看病、上学等实际困难。"
P3 = "在全镇企业中开展劳动竞赛和技能比武，组织技能比武3场，参赛职工260人，征集合理化建议96条，评选岗位能手15名，职工的技能水平和创新能力不断提高。"
P4 = "召开职工代表大会，审议通过集体合同和工资专项集体合同，厂务公开栏每季度更新，公开事项46项，职工代表提案21件全部落实答复，职工的民主权利得到保障。"
OPENING = "2025年，青山镇总工会在镇党委和县总工会的坚强领导下，紧紧围绕全镇发展大局，扎实推进各项工作。现将一年来的工作总结如下："
OPENING_B = "今年以来，红星公司工会在公司党委的领导下，围绕生产经营中心任务，团结带领全体职工攻坚克难。现将工作总结如下："


def articles(text: str) -> list[Article]:
    return split_articles(clean_lines(text), FALLBACK)


def only_article(text: str) -> Article:
    found = articles(text)
    assert len(found) == 1, [a.title for a in found]
    return found[0]


def sections(text: str) -> list[tuple[list[str], list[str]]]:
    return [(s.heading_path, s.paragraphs) for s in split_sections(only_article(text))]


# ---- heading levels ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "level", "number", "rest"),
    [
        ("一、抓规范，强化组织建设", 1, 1, ""),
        ("十一、其他工作", 1, 11, ""),
        ("二十三、其他工作", 1, 23, ""),
        ("三．加强宣传", 1, 3, ""),
        ("（一）以送温暖为载体", 2, 1, ""),
        ("(二)以送温暖为载体", 2, 2, ""),
        ("(三) 以送温暖为载体", 2, 3, ""),
        ("1、加强民主管理", 3, 1, ""),
        ("2.加强民主管理", 3, 2, ""),
        ("3. 加强民主管理", 3, 3, ""),
        ("12、做好个私企业建会工作", 3, 12, ""),
        ("（1）开展慰问", 4, 1, ""),
        ("(2)开展慰问", 4, 2, ""),
        # A heading that runs on into its paragraph: the heading ends at the first sentence end.
        ("一、抓规范，强化组织建设。" + P1, 1, 1, P1),
        ("1、深入学习方针政策。结合学校实际抓好落实。", 3, 1, "结合学校实际抓好落实。"),
    ],
)
def test_parse_heading(line: str, level: int, number: int, rest: str) -> None:
    heading, got_rest = parse_heading(line)
    assert heading is not None
    assert (heading.level, heading.number, got_rest) == (level, number, rest)
    assert line.startswith(heading.text)


@pytest.mark.parametrize(
    "line",
    ["一是加强学习，提高素质。", "1.54条，采纳率94%。", "2025年，我镇工会认真工作。", "一年来，我们坚持学习。", "十分重视职工需求。"],
)
def test_not_a_heading(line: str) -> None:
    assert parse_heading(line)[0] is None


def test_nested_levels_build_heading_paths() -> None:
    text = "\n".join(
        [
            "青山镇总工会2025年工作总结",
            OPENING,
            "一、抓规范，强化组织建设",
            "（一）扩大组织覆盖",
            P1,
            "1、推进小微企业建会",
            P1,
            "（1）联合建会",
            P2,
            "（二）规范基层工会",
            P4,
            "二、抓帮扶，营造温暖之家",
            P2,
            "十一、抓竞赛，团结职工建功立业",
            P3,
        ]
    )
    got = sections(text)
    assert got[0] == ([], [OPENING])
    assert [path for path, _ in got[1:]] == [
        ["一、抓规范，强化组织建设"],
        ["一、抓规范，强化组织建设", "（一）扩大组织覆盖"],
        ["一、抓规范，强化组织建设", "（一）扩大组织覆盖", "1、推进小微企业建会"],
        ["一、抓规范，强化组织建设", "（一）扩大组织覆盖", "1、推进小微企业建会", "（1）联合建会"],
        ["一、抓规范，强化组织建设", "（二）规范基层工会"],
        ["二、抓帮扶，营造温暖之家"],
        ["十一、抓竞赛，团结职工建功立业"],
    ]
    assert got[-1][1] == [P3]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("一、", "二、"),
        ("（一）", "（二）"),
        ("(一)", "(二)"),
        ("1、", "2、"),
        ("1.", "2."),
        ("1. ", "2. "),
        ("（1）", "（2）"),
        ("## 一、", "## 二、"),
        ("### （一）", "### （二）"),
        ("# 1、", "# 2、"),
    ],
)
def test_each_heading_style_opens_a_section(first: str, second: str) -> None:
    text = "\n".join([OPENING, f"{first}抓规范，强化组织建设", P1, f"{second}抓帮扶，营造温暖之家", P2])
    got = sections(text)
    assert got[0] == ([], [OPENING])
    assert len(got) == 3
    (path1, paras1), (path2, paras2) = got[1], got[2]
    assert path1[-1].endswith("抓规范，强化组织建设") and paras1 == [P1]
    assert path2[-1].endswith("抓帮扶，营造温暖之家") and paras2 == [P2]
    assert not any("#" in h for h in path1 + path2)


def test_run_on_headings_give_their_text_to_the_section() -> None:
    text = "\n".join(
        [
            OPENING,
            "一、抓规范，强化组织建设。" + P1,
            "二、抓帮扶。" + P2,
            "1、深入学习方针政策。结合学校实际抓好落实，把各项工作落到实处。",
        ]
    )
    got = sections(text)
    assert got[1] == (["一、抓规范，强化组织建设。"], [P1])
    assert got[2] == (["二、抓帮扶。"], [P2])
    assert got[3] == (["二、抓帮扶。", "1、深入学习方针政策。"], ["结合学校实际抓好落实，把各项工作落到实处。"])


def test_list_items_without_paragraphs_stay_as_text() -> None:
    """Short numbered items with no paragraph of their own must not vanish from the chunks."""
    items = ["1、加大建会力度，全部建好外资企业工会。", "2、加大维权力度，搞好两次执法检查。", "3、加大帮扶特困职工力度。"]
    text = "\n".join([OPENING, "一、抓规范，强化组织建设", P1, P2, "二、下一步工作打算", *items])
    got = sections(text)
    assert got[-1] == (["二、下一步工作打算"], items)
    chunks = article_chunks(only_article(text), "t.txt")
    plans = [c for c in chunks if c.heading_path == ["二、下一步工作打算"]]
    assert len(plans) == 1 and plans[0].role == "plans"
    assert all(item in plans[0].text for item in items)


def test_long_numbered_paragraph_is_kept_whole() -> None:
    long_item = "1、学校党政领导无时无刻不把老师们的事情放在心上，经常了解教师们的需求，把教师的身心健康、幸福生活作为头等大事去抓，" + P2
    text = "\n".join([OPENING, "一、关注教师身心健康", long_item, "2、开展文体活动，丰富教职工生活。"])
    chunks = article_chunks(only_article(text), "t.txt")
    joined = "\n".join(c.heading + "\n" + c.text for c in chunks)
    assert "把教师的身心健康" in joined and P2 in joined
    assert "开展文体活动" in joined


# ---- articles ---------------------------------------------------------------------------------
def _body(n: int = 3) -> list[str]:
    parts = [("抓规范，强化组织建设", P1), ("抓帮扶，营造温暖之家", P2), ("抓竞赛，团结职工建功立业", P3), ("抓民主，推进厂务公开", P4)]
    numerals = "一二三四"
    return [line for i in range(n) for line in (f"{numerals[i]}、{parts[i][0]}", parts[i][1])]


@pytest.mark.parametrize(
    ("marker1", "marker2", "title"),
    [
        ("乡镇工会工作总结篇一", "乡镇工会工作总结篇二", "乡镇工会工作总结"),
        ("乡镇工会工作总结 篇 1", "乡镇工会工作总结 篇2", "乡镇工会工作总结"),
        ("## 工会上半年工作总结篇一", "## 工会上半年工作总结篇二", "工会上半年工作总结"),
        ("篇一:《202_年工会工作总结》", "篇二:《202_年工会工作总结》", "本年工会工作总结"),
        ("工会年度组建工作总结 1", "工会年度组建工作总结 2", "工会年度组建工作总结"),
    ],
)
def test_article_markers(marker1: str, marker2: str, title: str) -> None:
    text = "\n".join([marker1, OPENING, *_body(3), marker2, OPENING_B, *_body(2)])
    found = articles(text)
    assert [a.title for a in found] == [title, title]
    assert found[0].lines[0] == OPENING and found[1].lines[0] == OPENING_B
    assert len(found[0].lines) == 7 and len(found[1].lines) == 5
    for a in found:
        assert not any("篇" in line for line in a.lines)


def test_collection_header_and_preamble_are_not_an_article() -> None:
    text = "\n".join(
        [
            "乡镇工会工作总结（精选 20 篇）",
            "总结是对过去一定时期的工作进行回顾和分析，从中找出经验和教训的书面材料。",
            "乡镇工会工作总结 篇 1",
            OPENING,
            *_body(3),
        ]
    )
    found = articles(text)
    assert len(found) == 1
    assert found[0].title == "乡镇工会工作总结"
    assert found[0].lines[0] == OPENING
    assert all("精选" not in line and "书面材料" not in line for line in found[0].lines)


@pytest.mark.parametrize("header", ["工会工作总结(大全5篇)", "2023年工会上半年工作总结(汇总10篇)", "工会工作总结（三篇）"])
def test_collection_header_variants(header: str) -> None:
    found = articles("\n".join([header, "工会工作总结篇一", OPENING, *_body(3)]))
    assert len(found) == 1 and found[0].lines[0] == OPENING


def test_unmarked_article_with_title_line() -> None:
    text = "\n".join(
        ["青山镇总工会2025年工作总结", OPENING, *_body(3), "红星公司工会2025年工作总结", OPENING_B, *_body(2)]
    )
    found = articles(text)
    assert [a.title for a in found] == ["青山镇总工会2025年工作总结", "红星公司工会2025年工作总结"]
    assert found[1].lines[0] == OPENING_B


def test_unmarked_article_starting_with_an_opening_paragraph() -> None:
    # No title, no marker: numbering restarts at 一 right after an opening (…领导下…总结如下).
    text = "\n".join([OPENING, *_body(3), OPENING_B, *_body(2)])
    found = articles(text)
    assert len(found) == 2
    assert found[0].lines[0] == OPENING and found[1].lines[0] == OPENING_B
    assert len(found[1].lines) == 5


def test_plans_list_restarting_at_one_is_not_a_new_article() -> None:
    text = "\n".join(
        [
            "青山镇总工会2025年工作总结",
            OPENING,
            *_body(3),
            "四、2026年工作打算",
            "一、继续扩大工会组织覆盖面，推动新就业形态劳动者入会。",
            "二、深化困难职工帮扶，做好送温暖和金秋助学工作。",
            "三、加强工会干部培训，提高服务职工的能力。",
        ]
    )
    found = articles(text)
    assert len(found) == 1
    got = [(s.heading_path, s.paragraphs) for s in split_sections(found[0])]
    assert got[-1][0] == ["四、2026年工作打算"]
    assert [p[:2] for p in got[-1][1]] == ["一、", "二、", "三、"]
    plans = [c for c in article_chunks(found[0], "t.txt") if c.role == "plans"]
    assert len(plans) == 1 and "金秋助学" in plans[0].text


def test_plans_list_with_paragraphs_nests_under_the_plans_heading() -> None:
    text = "\n".join(
        [
            OPENING,
            *_body(2),
            "三、2026年工作打算：",
            "一、进一步加强厂务公开制度，增强民主管理与民主监督。",
            "增强重大决策、经营管理、职工切身利益事项的透明度，提高管理的民主化、规范化水平。",
            "二、大力开展送温暖工程，切实关心职工生活。",
            "继续坚持为困难职工进行困难补助，积极筹备组织好春节走访慰问活动。",
        ]
    )
    article = only_article(text)
    paths = [s.heading_path for s in split_sections(article)]
    assert paths[-2] == ["三、2026年工作打算：", "一、进一步加强厂务公开制度，增强民主管理与民主监督。"]
    assert paths[-1] == ["三、2026年工作打算：", "二、大力开展送温暖工程，切实关心职工生活。"]
    roles = {c.heading_path[-1][:2]: c.role for c in article_chunks(article, "t.txt") if c.heading_path}
    assert roles["一、"] == "plans" and roles["二、"] == "plans"


def test_plans_paragraph_then_unheaded_list_is_tagged_plans() -> None:
    text = "\n".join(
        [
            OPENING,
            *_body(3),
            "肯定成绩的同时，我们也认识到自身工作存在的一些不足：一是档案资料尚不齐全；二是新会员发展覆盖面不够广。",
            "2026年我们将加倍努力做好工会工作，重点抓好以下几项工作：",
            "一、积极争取党政支持，全面落实各项工作。",
            "二、抓好农民工入会工作，强化工会自身组织建设。",
        ]
    )
    article = only_article(text)
    chunks = article_chunks(article, "t.txt")
    by_role = {c.role: c.text for c in chunks}
    assert "农民工入会" in by_role["plans"] and "积极争取党政支持" in by_role["plans"]
    assert "档案资料" in by_role["problems"]


def test_short_fragments_are_not_articles() -> None:
    assert articles("工会工作总结篇一\n一、加强学习\n学习党的方针政策。") == []
