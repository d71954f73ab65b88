"""Materials → candidate facts: one work item with its figures, a topic and where it came from.

Offline, a candidate is a sentence (with the figure-only sentences that follow it) or a 台账 row
that has figures and says what was done; notices' boilerplate (来源、编辑、电话…) is dropped.
The same activity found in several materials becomes one candidate with every source; when
their figures disagree, both are kept side by side in `conflicts` for the user to settle.
A model may extract candidates too, but one whose figures are not all in its source is rejected.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from drafter.facts import looks_like_instruction, strip_bullet
from drafter.indicators import WORK_VERBS, Figure, content_words, figures_in, overlap
from drafter.materials import Block, Material
from drafter.materials.readers import column_kind
from drafter.numbers import number_tokens
from drafter.outline import placement_scores
from drafter.taxonomy import GENERAL_TOPIC

if TYPE_CHECKING:
    from drafter.llm import LLMClient

BOILERPLATE = re.compile(
    r"^\s*(来源|供稿|编辑|责任编辑|审核|审稿|校对|撰稿|撰稿人|通讯员|摄影|图片|发布时间|发布日期|发布人|"
    r"阅读|点击|浏览|联系电话|电话|联系人|地址|邮箱|附件|抄送|印发|主办|主送|签发|报送|送|发)\s*[:：]"
    r"|阅读量|点击量|分享到|扫一扫|二维码|版权所有|上一篇|下一篇|打印本页|关闭窗口"
)
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_SENT_PUNCT = re.compile(r"[。！？；，,]")
_NEW_ITEM = re.compile(r"^(\d{1,2}\s*月|\d{4}\s*年|[一二三四五六七八九十]{1,3}月|同时|此外|另外|[一二三四五六七八九十]是)")
_ANAPHORA = re.compile(r"^(本次|此次|这次|该次|活动中|活动|比赛|会上|会议|期间|其中)")
MAX_CANDIDATE_CHARS = 300
SAME_ITEM = 0.6  # content-word overlap above which two candidates describe one activity
SAME_WITH_FIGURE = 0.4  # … enough when they also share a figure
SAME_WITH_FIGURES = 0.2  # … when they share two


@dataclass
class Candidate:
    text: str
    figures: list[str]  # as written: "1,260人", "9.2万元"
    topic: str
    sources: list[dict[str, str]]  # [{file, where}]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    origin: str = "offline"  # offline | model
    subject: str = ""  # what the item is about, for matching (a 台账 row: its activity cells)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("subject")
        return data


def topic_of(text: str) -> str:
    scores = placement_scores(text)
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] > 0 else GENERAL_TOPIC


def is_work(text: str) -> bool:
    return any(v in text for v in WORK_VERBS)


def _is_heading(block: Block) -> bool:
    if block.heading or block.cells:
        return block.heading
    text = block.text.strip()
    if strip_bullet(text) != text:  # "1. 走访慰问困难职工46户" is a list item, not a title
        return False
    return len(text) <= 40 and not _SENT_PUNCT.search(text)


def _candidate(text: str, material: Material, where: str) -> Candidate | None:
    text = strip_bullet(text.strip())
    figures = figures_in(text)
    if not figures or not is_work(text) or looks_like_instruction(text):
        return None
    if BOILERPLATE.search(text):
        return None
    return Candidate(
        text=text,
        figures=[f.raw for f in figures],
        topic=topic_of(text),
        sources=[{"file": material.name, "where": where}],
    )


def _paragraph_items(text: str) -> list[str]:
    """Sentences of a paragraph grouped so a figure-only sentence stays with the work before it
    ("组织开展健步走活动。全镇120名女职工参加。" is one item)."""
    groups: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence:
            continue
        if groups and not is_work(sentence) and figures_in(sentence) and len(groups[-1]) < MAX_CANDIDATE_CHARS:
            groups[-1] += sentence
        elif (groups and not figures_in(groups[-1]) and len(groups[-1]) < 80
              and (_ANAPHORA.match(sentence) or is_work(sentence) and not _NEW_ITEM.match(sentence))):
            # "举办气排球比赛。" + "本次比赛共有72名教职工参加。" is one item; a sentence opening
            # with its own time ("1月，…") starts another
            groups[-1] += sentence
        else:
            groups.append(sentence)
    # an item cut at "；" ends as a sentence does
    return [g[:-1] + "。" if g.endswith(("；", ";")) else g for g in groups]


def extract_offline(materials: list[Material]) -> list[Candidate]:
    """Candidates from every material, not yet merged, in reading order."""
    out: list[Candidate] = []
    for material in materials:
        previous = ""
        for block in material.blocks:
            if BOILERPLATE.search(block.text) and not block.cells:
                continue
            if block.cells:  # a 台账 row is one activity
                figures = figures_in(block.text)
                if figures:  # a row needs no verb: it is an activity
                    subject = "，".join(v for k, v in block.cells.items() if column_kind(k) in ("item", None))
                    out.append(Candidate(block.text, [f.raw for f in figures], topic_of(block.text),
                                         [{"file": material.name, "where": block.where}], subject=subject))
                continue
            if _is_heading(block):
                continue
            text = block.text
            if _ANAPHORA.match(text) and previous and not figures_in(previous):
                text = previous + text  # "本次比赛共有72名教职工参加" needs the paragraph that named it
            previous = block.text
            for item in _paragraph_items(text):
                cand = _candidate(item, material, block.where)
                if cand is not None:
                    out.append(cand)
    return out


# ---- merging ---------------------------------------------------------------------------------
def _figures(c: Candidate) -> list[Figure]:
    return figures_in(c.text)


def _relation(a: Candidate, b: Candidate) -> str:
    """"same" (one activity, figures agree), "conflict" (one activity, a figure disagrees) or ""."""
    if a.sources[0]["file"] == b.sources[0]["file"]:
        return ""  # one material names each activity once (a 台账 row, a 简报 paragraph)
    words = overlap(content_words(a.subject or a.text), content_words(b.subject or b.text))
    fa, fb = _figures(a), _figures(b)
    shared = {f.base for f in fa if f.unit} & {f.base for f in fb if f.unit}
    units_a = {f.base[1]: f.base[0] for f in fa if f.unit}
    units_b = {f.base[1]: f.base[0] for f in fb if f.unit}
    differ = [u for u in units_a.keys() & units_b.keys()
              if units_a[u] != units_b[u] and (units_a[u], u) not in shared]
    if len(shared) >= 2 and words >= SAME_WITH_FIGURES:  # two equal figures: the same activity told twice
        return "same"
    if shared and words >= SAME_WITH_FIGURE:
        return "conflict" if differ and words >= SAME_ITEM else "same"
    if words >= SAME_ITEM and differ and not shared and _one_figure_each(fa, fb, differ):
        return "conflict"
    if words >= 0.85 and not differ:
        return "same"
    return ""


def _likeness(a: Candidate, b: Candidate) -> float:
    """How alike two candidates read, with shared figures counting: picks the best group."""
    shared = {f.base for f in _figures(a) if f.unit} & {f.base for f in _figures(b) if f.unit}
    return overlap(content_words(a.subject or a.text), content_words(b.subject or b.text)) + 0.5 * len(shared)


def _one_figure_each(fa: list[Figure], fb: list[Figure], units: list[str]) -> bool:
    """A conflict is only claimed when each side has a single figure in the disputed unit:
    two 户 figures in one item are two different things, not a disagreement."""
    return all(sum(1 for f in fa if f.base[1] == u) == 1 and sum(1 for f in fb if f.base[1] == u) == 1
               for u in units)


def merge_candidates(cands: list[Candidate]) -> list[Candidate]:
    """Near-duplicates become one candidate keeping every source; disagreeing figures are kept
    side by side in `conflicts` (never resolved here)."""
    groups: list[list[Candidate]] = []
    for cand in cands:
        best, best_score = -1, 0.0
        for gi, group in enumerate(groups):
            # every member must be the same activity: one shared word must not chain a whole 台账
            relations = [_relation(m, cand) for m in group]
            if all(relations):
                score = max(_likeness(m, cand) for m in group)
                if score > best_score:
                    best, best_score = gi, score
        if best < 0:
            groups.append([cand])
        else:
            groups[best].append(cand)
    return [_merged(group) for group in groups]


def _merged(group: list[Candidate]) -> Candidate:
    if len(group) == 1:
        return group[0]
    # The fullest wording leads: a 简报 or report sentence reads better than a 台账 row.
    lead = max(group, key=lambda c: (not c.subject, len(c.figures), len(c.text)))
    others = [c for c in group if c is not lead]
    sources: list[dict[str, str]] = []
    for c in [lead, *others]:
        for s in c.sources:
            if s not in sources:
                sources.append(s)
    conflicts = _conflicts(group)
    disputed = {c["unit"] for c in conflicts}
    # Figures only another material gives are added after the lead's text.
    have = {f.base for f in _figures(lead)}
    text, figures = lead.text, list(lead.figures)
    for other in others:
        extra = [f for f in _figures(other) if f.unit and f.base not in have and f.base[1] not in disputed]
        if extra:
            have.update(f.base for f in extra)
            text = _with_clause(text, "，".join(f.label + f.raw for f in extra))  # source: in `sources`
            figures += [f.raw for f in extra]
    return Candidate(text, figures, lead.topic, sources, conflicts, lead.origin, lead.subject)


def _with_clause(text: str, clause: str) -> str:
    """Append a clause before the closing stop: "…历时两天。" → "…历时两天，支出金额3600元。"."""
    body = text.rstrip("。；;.")
    return f"{body}，{clause}{text[len(body):] or ''}"


def _conflicts(group: list[Candidate]) -> list[dict[str, Any]]:
    """Per unit the members disagree on (one figure each): every value with its source."""
    conflicts: list[dict[str, Any]] = []
    units = {f.base[1] for c in group for f in _figures(c) if f.unit}
    for unit in sorted(units):
        values: list[dict[str, str]] = []
        seen: set[Any] = set()
        for c in group:
            mine = [f for f in _figures(c) if f.base[1] == unit]
            if len(mine) != 1:
                continue  # two figures of one unit are two things, not one disputed value
            f = mine[0]
            if f.base[0] not in seen:
                seen.add(f.base[0])
                values.append({"figure": f.raw, "label": f.label, **c.sources[0]})
        if len(values) > 1:
            conflicts.append({"unit": unit, "values": values})
    return conflicts


# ---- with a model ----------------------------------------------------------------------------
MODEL_CHUNK_CHARS = 1500


@dataclass
class ModelReport:
    asked: int = 0
    accepted: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)  # {text, reason}
    failed: bool = False  # the model could not be used: the offline candidates stand


def extract_with_model(materials: list[Material], llm: LLMClient, report: ModelReport | None = None) -> list[Candidate]:
    """Candidates a model reads out of the text materials; every figure must be in its source."""
    from drafter.prompts import render

    report = report if report is not None else ModelReport()
    out: list[Candidate] = []
    for material in materials:
        if material.kind == "table":
            continue  # rows are already one activity each
        for chunk in _chunks(material.blocks):
            listing = "\n".join(f"[{b.where}] {b.text}" for b in chunk)
            prompt = render("extract", material=listing)
            report.asked += 1
            try:
                answer = llm.chat([{"role": "user", "content": prompt}], temperature=0.0)
            except Exception:  # noqa: BLE001 - any model failure leaves the offline result
                report.failed = True  # a model that failed once is not asked again for the rest
                return out
            by_where = {b.where: b for b in chunk}
            for item in _json_items(answer):
                cand = _checked_model_item(item, material, by_where, report)
                if cand is not None:
                    out.append(cand)
    return out


def _chunks(blocks: list[Block]) -> list[list[Block]]:
    chunks: list[list[Block]] = [[]]
    size = 0
    for b in blocks:
        if size + len(b.text) > MODEL_CHUNK_CHARS and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(b)
        size += len(b.text)
    return [c for c in chunks if c]


def _json_items(answer: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for line in answer.splitlines():
        line = line.strip().rstrip(",")
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            items.append(value)
    return items


def _checked_model_item(
    item: dict[str, Any], material: Material, by_where: dict[str, Block], report: ModelReport
) -> Candidate | None:
    text = strip_bullet(item["text"].strip())
    where = str(item.get("where", "")).strip("[] ")
    block = by_where.get(where)
    if block is None:  # the model named no paragraph it was given: look for one holding the figures
        block = next((b for b in by_where.values() if set(number_tokens(text)) <= set(number_tokens(b.text))), None)
    figures = figures_in(text)
    # the rules' test too: a figure alone (阅读量：356, a page count) is not a work item
    if not text or not figures or looks_like_instruction(text) or not is_work(text):
        report.rejected.append({"text": text, "reason": "不是带数字的工作事项"})
        return None
    if block is None or not {f.token for f in figures} <= set(number_tokens(block.text)):
        report.rejected.append({"text": text, "reason": "数字在原文中找不到"})
        return None
    report.accepted += 1
    return Candidate(text, [f.raw for f in figures], topic_of(text),
                     [{"file": material.name, "where": block.where}], origin="model")


def extract(materials: list[Material], llm: LLMClient | None = None,
            report: ModelReport | None = None) -> list[Candidate]:
    """Candidate facts from the materials, merged across them. With a model, its candidates only
    add what the rules missed: a model candidate whose figures the rules already found in the
    same paragraph is dropped, so the rules' wording (the material's own) stands — a weak model
    rewords, and once echoed its instructions ("做了…") into every item."""
    offline = extract_offline(materials)
    if llm is None:
        return merge_candidates(offline)
    found: dict[tuple[str, str], set[str]] = {}
    for c in offline:
        for s in c.sources:
            found.setdefault((s["file"], s["where"]), set()).update(number_tokens(" ".join(c.figures)))
    extra = [
        c for c in extract_with_model(materials, llm, report)
        if not set(number_tokens(" ".join(c.figures))) <= found.get((c.sources[0]["file"], c.sources[0]["where"]), set())
    ]
    if report is not None:
        report.accepted = len(extra)  # what the model added beyond the rules
    return merge_candidates(offline + extra)
