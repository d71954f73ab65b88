"""A synthetic corpus of any size, recombined from the bundled example summaries.

Each synthetic file is one summary: a title naming an invented unit (of one of the taxonomy's
unit types and periods), the opening of one example article, and top-level sections drawn
from other articles, renumbered 一、二、…. Every sentence gets the unit's name and every
figure a new value, so no two files share sentences: ingest's near-duplicate filter keeps
them all and chunk ids all differ, as in a real corpus of many units' summaries.

Deterministic for a given seed. Chunk counts are estimated from the source sections (the
exact count is what ingest reports).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from drafter.config import BUNDLED_CORPUS

FILES_PER_FOLDER = 250
_TOP_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、，,．.]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]\s*[、.．]?"
    r"|\d{1,2}\s*(?:[、．]|\.(?!\d)))\s*"
)
_CLAUSE = re.compile(r"([^。！？；\n]+)([。！？；]?)")
_DIGITS = re.compile(r"\d+(?![、.．月日号])")  # list numbers and dates keep their value
_OWN_UNIT = re.compile(r"我(镇|乡|校|公司|厂|局|单位|院|场|连|区|县|市|矿)|本单位|全镇|全乡")
_NUMERALS = "一二三四五六七八九十"

# Place-name syllables without any unit-type, period or topic cue characters.
_PLACE_A = "青金东西南北红新丰太长安明清白平永兴宏华光和云海山林泉"
_PLACE_B = "山河湖峰川溪源阳岭桥塘湾坪台岗洲城沟田园江松柏桃"
# unit type → (name pattern, how the title ends); every title carries its type's cue words.
_UNIT_FORMS: tuple[tuple[str, str], ...] = (
    ("{p}镇", "{n}总工会"),
    ("{p}街道", "{n}总工会"),
    ("{p}机械有限公司", "{n}工会"),
    ("{p}纺织集团", "{n}工会"),
    ("{p}人民医院", "{n}工会"),
    ("{p}市水务局", "{n}机关工会"),
    ("{p}中学", "{n}工会"),
    ("{p}小学", "{n}工会"),
    ("{p}县", "{n}总工会"),
    ("{p}农场", "{n}工会"),
)
_PERIODS = ("年度", "上半年", "下半年", "年度", "年度")


@dataclass(frozen=True)
class Block:
    """A top-level part of an example article: its lines (first is the heading, if any)."""

    lines: tuple[str, ...]
    chunks: int  # chunks it made in its own article
    kind: str  # opening | body | problems | plans


@dataclass
class SynthStats:
    files: int
    est_chunks: int
    chars: int
    seconds: float = 0.0


def source_blocks(corpus: Path = BUNDLED_CORPUS) -> dict[str, list[Block]]:
    """The example corpus cut into openings and top-level sections, with their chunk counts."""
    from drafter.corpus.chunks import article_chunks
    from drafter.corpus.clean import clean_lines
    from drafter.corpus.load import decode_text
    from drafter.corpus.split import split_articles, split_sections

    pools: dict[str, list[Block]] = {"opening": [], "body": [], "problems": [], "plans": []}
    for path in sorted(corpus.glob("*.txt")):
        text, _ = decode_text(path.read_bytes())
        for article in split_articles(clean_lines(text), "工会工作总结"):
            chunks = article_chunks(article, path.name)
            groups: dict[str, list] = {}
            for section in split_sections(article):
                key = section.heading_path[0] if section.heading_path else ""
                groups.setdefault(key, []).append(section)
            for top, sections in groups.items():
                lines: list[str] = []
                shown: list[str] = []
                for section in sections:
                    for depth, heading in enumerate(section.heading_path):
                        if shown[: depth + 1] != section.heading_path[: depth + 1]:
                            lines.append(heading)
                    shown = list(section.heading_path)
                    lines.extend(p for p in section.paragraphs if p)
                count = sum(1 for c in chunks if (c.heading_path[:1] or [""])[0] == top)
                roles = {c.role for c in chunks if (c.heading_path[:1] or [""])[0] == top}
                if not lines or not count:
                    continue
                kind = "opening" if not top else next(
                    (r for r in ("problems", "plans") if r in roles), "body"
                )
                pools[kind].append(Block(tuple(lines), count, kind))
    return pools


def unit_name(rng: random.Random) -> tuple[str, str]:
    """(short name used in sentences, full union name used in the title)."""
    prefix = rng.choice(_PLACE_A) + rng.choice(_PLACE_B)
    name_form, union_form = rng.choice(_UNIT_FORMS)
    name = name_form.format(p=prefix)
    return name, union_form.format(n=name)


def vary_line(line: str, name: str, rng: random.Random) -> str:
    """Put the unit's name into every clause and give every figure a new value."""
    line = _DIGITS.sub(lambda m: _new_figure(m.group(0), rng), line)
    out: list[str] = []
    for n, m in enumerate(_CLAUSE.finditer(line)):
        clause, end = m.group(1), m.group(2)
        if len(clause) >= 8:
            if _OWN_UNIT.search(clause):
                clause = _OWN_UNIT.sub(name, clause, count=1)
            elif "，" in clause[1:]:
                cut = clause.index("，", 1) + 1
                clause = clause[:cut] + name + clause[cut:]
            elif n > 0:
                clause = name + clause
            else:  # keep the line's start: it may carry a list number
                clause = clause[:2] + name + clause[2:]
        out.append(clause + end)
    return "".join(out)


def _new_figure(digits: str, rng: random.Random) -> str:
    if len(digits) == 4 and digits[:2] in ("19", "20"):
        return str(rng.randint(2015, 2025))  # a year stays a year
    if len(digits) == 1:
        return str(rng.randint(1, 9))
    return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))


def _renumber(heading: str, number: int, name: str, rng: random.Random) -> str:
    bare = _TOP_NUMBER.sub("", heading, count=1)
    numeral = _NUMERALS[number - 1] if number <= 10 else "十" + _NUMERALS[number - 11]
    return f"{numeral}、{vary_line(bare, name, rng) if len(bare) >= 12 else bare}"


def synth_article(pools: dict[str, list[Block]], rng: random.Random) -> tuple[str, int]:
    """One synthetic summary's text and its estimated chunk count."""
    name, union = unit_name(rng)
    year = rng.randint(2016, 2025)
    period = rng.choice(_PERIODS)
    title = f"{union}{year}年{'' if period == '年度' else period}工作总结"
    opening = rng.choice(pools["opening"])
    parts = [opening]
    parts += rng.sample(pools["body"], k=min(len(pools["body"]), rng.randint(3, 6)))
    for kind in ("problems", "plans"):
        if pools[kind] and rng.random() < 0.7:
            parts.append(rng.choice(pools[kind]))
    lines = [title]
    number = 0
    for block in parts:
        body = list(block.lines)
        if block.kind != "opening":
            number += 1
            lines.append(_renumber(body[0], number, name, rng))
            body = body[1:]
        lines.extend(vary_line(line, name, rng) for line in body)
    return "\n\n".join(lines) + "\n", sum(b.chunks for b in parts)


def generate(out_dir: Path, target_chunks: int, seed: int = 0) -> SynthStats:
    """Write synthetic summaries under `out_dir` until they hold about `target_chunks` chunks."""
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    pools = source_blocks()
    out_dir.mkdir(parents=True, exist_ok=True)
    est = files = chars = 0
    while est < target_chunks:
        text, count = synth_article(pools, rng)
        folder = out_dir / f"{files // FILES_PER_FOLDER:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"synth_{files:06d}.txt").write_text(text, encoding="utf-8")
        est += count
        chars += len(text)
        files += 1
    return SynthStats(files, est, chars, time.perf_counter() - started)


if __name__ == "__main__":  # python -m benchmarks.synth OUT_DIR CHUNKS
    import sys

    stats = generate(Path(sys.argv[1]), int(sys.argv[2]))
    print(stats)
