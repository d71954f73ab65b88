"""Articles → retrieval chunks with metadata and content-hash ids."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from drafter.corpus.classify import (
    CLOSING_PARAGRAPH,
    PLAN_PARAGRAPH,
    PROBLEM_PARAGRAPH,
    classify_period,
    classify_role,
    classify_topic,
    classify_unit_type,
)
from drafter.corpus.split import Article, RawSection, split_sections

MAX_CHUNK_CHARS = 900
TARGET_PIECE_CHARS = 600
MIN_CHUNK_CHARS = 30


@dataclass
class Chunk:
    id: str
    text: str
    source: str
    article: str
    heading_path: list[str] = field(default_factory=list)
    unit_type: str = "其他"
    period: str = "年度"
    role: str = "body"
    topic: str = "综合"

    @property
    def heading(self) -> str:
        return " / ".join(self.heading_path)

    @property
    def search_text(self) -> str:
        """What is embedded and tokenised: the heading path gives a section its subject."""
        return (self.heading + "\n" + self.text) if self.heading_path else self.text

    def metadata(self) -> dict[str, str]:
        return {
            "source": self.source,
            "article": self.article,
            "heading": self.heading,
            "unit_type": self.unit_type,
            "period": self.period,
            "role": self.role,
            "topic": self.topic,
        }

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def chunk_id(source: str, heading_path: list[str], text: str, meta: dict[str, str] | None = None) -> str:
    """Content hash: text, place and tags, so a re-tagged chunk (e.g. a new title changed its
    unit type) gets a new id and is re-stored instead of keeping stale metadata."""
    tags = [f"{k}={v}" for k, v in sorted((meta or {}).items())]
    digest = hashlib.sha1("\x1f".join([source, *heading_path, text, *tags]).encode("utf-8"))
    return digest.hexdigest()[:20]


def article_chunks(article: Article, source: str) -> list[Chunk]:
    sections = split_sections(article)
    opening = " ".join(sections[0].paragraphs) if sections and not sections[0].heading_path else ""
    unit_type = classify_unit_type(article.title, opening, article.body_text)
    period = classify_period(article.title, opening)
    chunks: list[Chunk] = []
    for index, section in enumerate(_split_trailing_roles(sections)):
        for piece in _pieces(section.paragraphs):
            text = "\n".join(piece)
            if len(text) < MIN_CHUNK_CHARS:
                continue
            role = classify_role(section.heading_path, piece[0], is_first=index == 0)
            chunk = Chunk(
                id="",
                text=text,
                source=source,
                article=article.title,
                heading_path=list(section.heading_path),
                unit_type=unit_type,
                period=period,
                role=role,
                topic=classify_topic(section.heading_path, text),
            )
            chunk.id = chunk_id(source, chunk.heading_path, text, chunk.metadata())
            chunks.append(chunk)
    return chunks


def _split_trailing_roles(sections: list[RawSection]) -> list[RawSection]:
    """Unheaded 'problems'/'plans'/'closing' paragraphs inside a section become their own."""
    out: list[RawSection] = []
    for section in sections:
        current = RawSection(list(section.heading_path), [])
        out.append(current)
        has_role = classify_role(section.heading_path, "", is_first=False) != "body"
        for i, para in enumerate(section.paragraphs):
            if i > 0 and not has_role and _starts_other_part(para):
                current = RawSection([], [])
                out.append(current)
            current.paragraphs.append(para)
    return [s for s in out if s.paragraphs]


def _starts_other_part(paragraph: str) -> bool:
    """A paragraph that opens the problems, plans or closing part without its own heading."""
    return bool(
        PROBLEM_PARAGRAPH.search(paragraph)
        or CLOSING_PARAGRAPH.search(paragraph)
        or (PLAN_PARAGRAPH.search(paragraph) and "将" in paragraph[:30])
    )


def _pieces(paragraphs: list[str]) -> list[list[str]]:
    """Keep sections whole up to MAX_CHUNK_CHARS; longer ones split at paragraph ends."""
    if sum(len(p) for p in paragraphs) <= MAX_CHUNK_CHARS:
        return [paragraphs] if paragraphs else []
    pieces: list[list[str]] = [[]]
    size = 0
    for para in paragraphs:
        if size >= TARGET_PIECE_CHARS and pieces[-1]:
            pieces.append([])
            size = 0
        pieces[-1].append(para)
        size += len(para)
    return pieces
