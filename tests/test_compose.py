"""The offline composer and its phrase bank: every fact, nothing invented, no corpus leaks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drafter import phrases
from drafter.compose import (
    as_clause,
    compose_body,
    compose_opening,
    compose_plans,
    compose_problems,
    enumerate_items,
    hand_over,
    section_topics,
)
from drafter.draft import PLACEHOLDER_OPEN
from drafter.facts import load_facts, parse_facts
from drafter.guard import COPY_LIMIT, NOISE, invented_numbers
from drafter.outline import PlannedSection, plan_outline, topic_slots

DATA = Path(__file__).parent / "data" / "facts"
CJK_DIGITS = re.compile(r"[0-9０-９]")


def all_phrases() -> list[str]:
    out: list[str] = []
    for bank in phrases.PHRASES.values():
        for group in bank.values():
            out.extend(group)
    for table in (phrases.SPECIAL_OPEN, phrases.SPECIAL_METHOD, phrases.OPENING, phrases.PROBLEMS,
                  phrases.PLANS, phrases.TAIL_EXPAND):
        for group in table.values():
            out.extend(group)
    out.extend(phrases.EFFECT_LEADS)
    return out


def test_phrase_bank_is_figure_free_short_and_clean() -> None:
    bank = all_phrases()
    assert len(bank) > 150
    for sentence in bank:
        sentence = sentence.replace("{plans}", "“甲”")  # the opening's slot for last year's plans, filled in code
        assert not CJK_DIGITS.search(sentence), sentence
        assert len(sentence) <= COPY_LIMIT, sentence  # alone it can never be a >40-char copy
        assert not NOISE.search(sentence), sentence
        assert PLACEHOLDER_OPEN not in sentence
        assert not re.search(r"[A-Za-z_□]|我(镇|校|厂|矿|县|区|市)|某", sentence), sentence


def test_every_topic_has_enough_material() -> None:
    for topic, bank in phrases.PHRASES.items():
        assert len(bank["open"]) >= 2 and len(bank["effect"]) >= 2, topic
        assert len(bank["method"]) >= 6, topic
        assert len(set(bank["method"])) == len(bank["method"]), topic


def test_enumerate_items_uses_chinese_ordinals_only() -> None:
    items = [f"事项{n}完成" for n in range(1, 13)]
    text = enumerate_items(items)
    assert text.startswith("一是事项1完成；二是") and "十一是事项11完成；十二是事项12完成。" in text
    f = parse_facts({"unit_name": "甲工会", "unit_type": "企业", "year": 2025, "facts": items})
    assert invented_numbers(text, f) == []
    assert enumerate_items(["新建工会12家。"]) == "新建工会12家。"
    assert enumerate_items(["甲", "乙"], start=3) == "四是甲；五是乙。"


def test_as_clause_softens_inner_full_stops() -> None:
    assert as_clause("召开会议。审议方案；") == "召开会议，审议方案"


def body(section_facts: list[str], topic: str, target: int = 500, **kw: object) -> str:
    planned = PlannedSection("抓组建，夯实工会组织基础", "body", topic, section_facts, target)
    return compose_body(planned, "seed", target, **kw)


FACTS = ["新建非公企业工会12家，新发展会员860人", "建立行业工会联合会3个", "发展新就业形态劳动者会员1,120人"]


def test_body_holds_every_fact_verbatim_and_nothing_invented() -> None:
    f = parse_facts({"unit_name": "甲工会", "unit_type": "乡镇工会", "year": 2025, "facts": FACTS})
    text = body(FACTS, "组织建设")
    for fact in FACTS:
        assert as_clause(fact) in text
    assert invented_numbers(text, f) == []
    assert not NOISE.search(text)
    assert text.count("\n") >= 2  # opener / facts / methods and effect: paragraphs, not one block


def test_body_grows_toward_its_target_but_stays_bounded() -> None:
    short, long = body(FACTS, "组织建设", 200), body(FACTS, "组织建设", 900)
    assert len(short) < len(long)
    assert len(long) <= 900 * 1.15
    thin = body(FACTS[:1], "组织建设", 5000)  # one fact cannot carry 5000 characters of framing
    assert len(thin) < 600


def test_body_is_deterministic_and_depends_on_the_seed() -> None:
    assert body(FACTS, "组织建设") == body(FACTS, "组织建设")
    planned = PlannedSection("抓组建", "body", "组织建设", FACTS, 500)
    one, other = (compose_body(planned, "s", 500, draft_seed=unit) for unit in ("甲工会", "乙工会"))
    assert one != other  # another unit's draft does not read word for word the same
    assert set(re.findall(r"[^。\n]+。", one)) & set(re.findall(r"[^。\n]+。", other))  # same bank


def test_sections_sharing_a_topic_never_repeat_a_sentence() -> None:
    texts = [body([FACTS[n]], "组织建设", 400, slot=n, slots=3) for n in range(3)]
    sentences = [set(re.findall(r"[^。\n]+。", t)) - {as_clause(f) + "。" for f in FACTS} for t in texts]
    assert not (sentences[0] & sentences[1]) and not (sentences[1] & sentences[2])
    assert not (sentences[0] & sentences[2])


def test_a_merged_section_draws_on_each_of_its_topics() -> None:
    planned = PlannedSection("抓帮扶，把温暖送到职工身边", "body", "帮扶",
                             ["走访慰问困难职工46户", "开展女职工两癌筛查980人"], 600)
    assert section_topics(planned) == ["帮扶", "女职工"]
    text = compose_body(planned, "s", 600)
    assert "女职工" in text.replace("开展女职工两癌筛查980人", "")


def test_school_wording_is_adapted_but_facts_are_not() -> None:
    fact = "召开第六届职工代表大会，征集提案32件"
    text = body([fact], "民主管理", 400, unit_type="学校")
    assert fact in text  # the user's words stay as written
    framing = text.replace(fact, "")
    assert "教职工" in framing and not re.search(r"(?<!教)职工", framing)


@pytest.mark.parametrize(
    ("sheet", "ending"),
    [("unseen/street_annual.yaml", "现将一年来的工会工作总结如下："),
     ("unseen/coal_h1.yaml", "现将上半年工会工作总结如下："),
     ("unseen/farm_h2.yaml", "现将下半年工会工作总结如下："),
     ("unseen/district_special.yaml", "现将新就业形态劳动者入会工作总结如下：")],
)
def test_opening_ends_with_the_hand_over(sheet: str, ending: str) -> None:
    f = load_facts(DATA / sheet)
    outline = plan_outline(f)
    text = compose_opening(f, [s for s in outline.sections if s.role == "body"], 250)
    assert text.endswith(ending) and hand_over(f) == ending
    assert text.startswith(f"{f.year}年")
    assert f.union_name in text
    assert invented_numbers(text, f) == []
    assert "\n" not in text


def test_problems_and_plans_frame_only_the_users_items() -> None:
    f = load_facts(DATA / "unseen" / "street_annual.yaml")
    outline = plan_outline(f)
    problems, plans = outline.sections[-2], outline.sections[-1]
    p_text, l_text = compose_problems(problems, f), compose_plans(plans, f)
    assert all(as_clause(x) in p_text for x in f.problems)
    assert all(as_clause(x) in l_text for x in f.plans)
    assert "一是" in p_text and "二是" in p_text and "三是" not in p_text  # no invented third problem
    empty = plan_outline(load_facts(DATA / "unseen" / "school_annual.yaml"))
    assert compose_problems(empty.sections[-2]) == empty.sections[-2].placeholder
    assert compose_plans(empty.sections[-1], f) == empty.sections[-1].placeholder


def test_slots_partition_only_sections_of_the_same_topic() -> None:
    f = load_facts(DATA / "unseen" / "street_annual.yaml")
    slots = topic_slots(plan_outline(f).sections)
    assert all(s == (0, 1) for s in slots)  # every topic has one section


# An uploaded example whose sentences read like general statements but are another unit's
# claims. The old composer mined such sentences as "frames" (one was copied into an offline
# draft twice); now no sentence of an example may reach an offline draft, expanded or not.
UPLOADED_EXAMPLE = """柳溪镇总工会2024年工作总结
2024年，柳溪镇总工会在镇党委的领导下，团结动员广大职工，扎实推进各项工作。现将一年来的工作总结如下：
一、加强组织建设，扩大工会覆盖
我镇投入资金建成职工书屋，受到省总工会表彰。坚持把建会入会作为基础工作，受到上级工会充分肯定。组建工会是工会工作的基础，我们的做法被写入全省经验材料。
二、做好帮扶救助，温暖职工人心
坚持把困难职工帮扶作为工会的重要职责，建立健全困难职工档案，受到上级工会通报表扬。帮扶工作是工会联系职工的重要纽带，我们连续五年获评帮扶工作先进单位。
三、开展劳动竞赛，建功立业显身手
劳动竞赛是团结职工建功立业的重要载体，我镇竞赛经验在全县推广。坚持以赛促学，涌现出一批技术能手，荣获全省先进集体称号。
四、丰富职工文化，建设职工之家
坚持投入资金建设职工书屋，受到上级工会表彰。职工文化是凝聚职工的重要力量，我镇职工之家被命名为全国模范职工之家。
五、存在的问题
一是工会干部力量不足。
六、下一步打算
继续加强基层工会建设。
"""


def _sentences(text: str) -> list[str]:
    return [s for s in (x.strip() for x in re.split(r"[。！？；\n]", text)) if len(s) >= 8]


def test_an_uploaded_example_never_reaches_an_offline_draft(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import shutil

    from drafter.drafting import Drafter
    from drafter.index import open_index
    from drafter.ingest import ingest
    from drafter.retrieve import Retriever
    from drafter.store import DraftStore
    from tests.support.corpus_fixtures import offline_settings, shared_corpus

    data = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), data, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    upload = tmp_path / "uploads" / "柳溪镇总结.txt"
    upload.parent.mkdir()
    upload.write_text(UPLOADED_EXAMPLE, encoding="utf-8")
    settings = offline_settings(data)
    index = open_index(settings)
    assert ingest([upload.parent], settings, index).added > 0
    index.load()
    retriever = Retriever(index)
    assert any("柳溪" in r.source or "表彰" in r.text for r in retriever.search("职工书屋 表彰", k=5))
    drafter = Drafter(retriever, DraftStore(data / "drafts.sqlite3"))

    claims = _sentences(UPLOADED_EXAMPLE.split("\n", 1)[1])
    sheets = sorted(DATA.glob("*.yaml")) + sorted(DATA.glob("unseen/*.yaml")) + [DATA.parent.parent.parent / "examples" / "township.yaml"]
    drafted = 0
    for sheet in sheets:
        if sheet.name == "invalid.yaml":
            continue
        draft = drafter.draft(load_facts(sheet), offline=True).draft
        texts = [s.text for s in draft.sections]
        for n, section in enumerate(draft.sections):
            if section.role == "body":  # an offline expansion draws on more framing sentences
                texts.append(drafter.revise(draft.id, n, action="expand", offline=True).text)
        text = "\n".join(texts)
        copied = [c for c in claims if c in text]
        assert copied == [], (sheet.name, copied)
        assert not re.search(r"表彰|我镇|柳溪|先进集体|模范职工之家|经验材料|充分肯定", text), sheet.name
        drafted += 1
    assert drafted >= 10
