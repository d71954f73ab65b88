"""The offline composer: a complete plain draft from the user's facts alone, no LLM.

Every fact appears in its section, in the user's words (as 一是…；二是…). Around them go
framing sentences mined from the retrieved corpus passages of the same topic — only short
ones (≤ 38 characters, under the copy limit) with no figures, names, quotes or placeholders —
plus fixed genre sentences. Nothing is invented: no figure, name or event is added.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from drafter.facts import Facts
from drafter.outline import PERIOD_PHRASE, PlannedSection
from drafter.phrases import PHRASES
from drafter.retrieve import SearchResult
from drafter.taxonomy import TOPICS

MAX_FRAME_CHARS = 38
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]")
# Anything that could carry another unit's specifics: digits, Chinese counts, quotes, titles,
# first-person unit words (我镇/我校 …), placeholders, dates and proper-looking names.
_SPECIFIC = re.compile(
    r"[\d０-９%％]|[一二三四五六七八九十百千万两]+(个|名|人|家|次|项|场|户|元|届|批|期|所|条|篇|位|支|件)|"
    r"[“”\"'《》「」『』〈〉【】()（）]|我(镇|乡|校|厂|矿|县|区|市|会|站|场|局|院|所|分部|公司|中心)|"
    r"本(年|单位|镇|乡|校|厂|矿|县|区|市|省)|某|xx|XX|_|□|今年|去年|上半年|下半年|年初|年底|月|"
    r"[\u4e00-\u9fff]{2,}(镇|乡|县|市|省|村|公司|集团|厂|矿|中学|小学|学院|医院|街道|社区)(?!工会|党委|政府)|"
    r"十[一二三四五六七八九]?大|届|中全会|小编|篇|如下|以下|上述|同志|主席|书记|领导班子"
)
_DEPENDENT = re.compile(
    r"^(一是|二是|三是|四是|五是|首先|其次|同时|另外|此外|并|而|但|还|又|其中|通过|为他们|对于)|"
    r"他们|她们|这些|这种|这次|此次|此项|该|其|时，|期间|活动中|会上"
)
_EFFECT = re.compile(r"增强|提高|提升|促进|推动|营造|维护|保障|激发|凝聚|调动|丰富|夯实|密切")

SUPERIORS = {
    "乡镇/街道": "镇党委、政府和上级工会",
    "企业": "公司党委和上级工会",
    "事业单位/机关": "单位党组织和上级工会",
    "学校": "学校党组织和上级教育工会",
    "区县/市总工会": "同级党委和上级工会",
    "农场连队": "场党委和场工会",
}
_ORDINALS = "一二三四五六七八九十"


_GENERIC = re.compile(r"是工会|是做好|是我们|坚持|始终|切实|不断|进一步|着力|注重|积极|努力|要")
_EVENT = re.compile(r"已|了|过|最后|目前|现在|前阶段|近期|当前|分工会|基层单位|大会")


def usable_frames(passages: Sequence[SearchResult], topic: str = "") -> list[str]:
    """Short, general statements from the passages (on the topic, when one is given)."""
    cues = TOPICS.get(topic, ())
    out: list[str] = []
    for passage in passages:
        for sentence in _SENTENCE.findall(passage.text):
            sentence = sentence.strip().rstrip("；;") + ("" if sentence.endswith("。") else "")
            sentence = re.sub(r"[；;]$", "。", sentence)
            if not sentence.endswith("。"):
                sentence = sentence.rstrip("！？") + "。"
            if not (12 <= len(sentence) <= MAX_FRAME_CHARS) or _SPECIFIC.search(sentence):
                continue
            if _DEPENDENT.search(sentence) or _EVENT.search(sentence) or not _GENERIC.search(sentence):
                continue  # needs its neighbours, tells a particular event, or is no general statement
            if cues and not any(c in sentence for c in cues):
                continue
            if sentence not in out:
                out.append(sentence)
    return out


def pick(options: Sequence[str], seed: str, count: int, avoid: frozenset[str] = frozenset()) -> list[str]:
    """A deterministic choice: the same facts always give the same draft."""
    ranked = sorted(
        (o for o in options if o not in avoid),
        key=lambda o: hashlib.sha1((seed + o).encode("utf-8")).hexdigest(),
    )
    return ranked[:count]


def as_clause(fact: str) -> str:
    """A fact as a clause: no trailing full stop, inner full stops softened to commas."""
    fact = fact.strip().rstrip("。；;，,.")
    return fact.replace("。", "，")


def enumerate_items(items: Sequence[str]) -> str:
    """一是…；二是…；三是…。 (one item: a plain sentence)."""
    clauses = [as_clause(i) for i in items if i.strip()]
    if not clauses:
        return ""
    if len(clauses) == 1:
        return clauses[0] + "。"
    return "；".join(f"{_ORDINALS[n] if n < 10 else n + 1}是{c}" for n, c in enumerate(clauses)) + "。"


def compose_opening(facts: Facts, body_sections: Sequence[PlannedSection], frames: list[str]) -> str:
    superiors = SUPERIORS.get(facts.unit_type, "上级工会和本单位党组织")
    period = PERIOD_PHRASE.get(facts.period, "全年")
    when = f"{facts.year}年" if facts.period in ("年度", "专项") else f"{facts.year}年{period}"
    work = "、".join(dict.fromkeys(s.heading.split("，")[-1] for s in body_sections if s.heading))
    subject = facts.topic if facts.period == "专项" and facts.topic else "工会工作"
    parts = [
        f"{when}，{facts.union_name}在{superiors}的正确领导下，坚持以职工为中心，"
        f"团结动员广大职工，扎实推进{subject}。"
    ]
    parts.append(
        "我们认真贯彻落实上级工会的工作部署，紧紧围绕中心工作，"
        "充分发挥工会组织的桥梁纽带作用，切实履行维护职工合法权益的基本职责。"
    )
    if work:
        parts.append(f"围绕{work}等重点，各项工作取得了新的进展。")
    span = {"年度": "一年来的", "上半年": "上半年的", "下半年": "下半年的", "专项": ""}[facts.period]
    parts.append(f"现将{span}{subject}总结如下：")
    return "".join(parts)


def compose_body(section: PlannedSection, seed: str, mined: list[str], target: int) -> str:
    """Opener and the facts as 一是…二是…, then method sentences toward `target`, then an effect.

    Method sentences come from the corpus (general statements on the topic) and from our
    own phrase bank; none adds a figure, a name or an event.
    """
    bank = PHRASES.get(section.topic) or PHRASES["综合"]
    opener = pick(bank["open"], seed + "open", 1)[0]
    items = list(section.facts)
    first, rest = (items, []) if len(items) <= 3 else (items[: (len(items) + 1) // 2], items[(len(items) + 1) // 2 :])
    paragraphs = [opener + enumerate_items(first)]
    if rest:
        paragraphs.append("同时，" + enumerate_items(rest))
    methods = pick(bank["method"], seed + "method", 4)
    methods.sort(key=lambda m: not m.startswith("我们"))  # "我们坚持…" leads the paragraph
    methods[1:1] = pick(mined, seed + "mined", 1)
    effect = pick(bank["effect"], seed + "effect", 1)[0]
    length = sum(len(p) for p in paragraphs) + len(effect)
    closing: list[str] = []
    for sentence in methods:
        if length >= target * 0.9 and closing:
            break
        closing.append(sentence)
        length += len(sentence)
    paragraphs.append("".join(closing) + "通过这些工作，" + effect)
    return "\n".join(paragraphs)


def compose_problems(section: PlannedSection) -> str:
    if not section.facts:
        return section.placeholder
    lead = "在肯定成绩的同时，我们也清醒地认识到，工作中还存在一些问题和不足："
    tail = "对此，我们将高度重视，在今后的工作中认真加以解决。"
    return lead + enumerate_items(section.facts) + "\n" + tail


def compose_plans(section: PlannedSection, facts: Facts) -> str:
    if not section.facts:
        return section.placeholder
    when = {"上半年": "下半年", "下半年": "明年", "年度": "新的一年", "专项": "下一步"}[facts.period]
    lead = f"{when}，{facts.union_name}将重点做好以下工作："
    tail = "我们将以更加扎实的作风，团结带领广大职工，推动工会工作再上新台阶。"
    return lead + enumerate_items(section.facts) + "\n" + tail


