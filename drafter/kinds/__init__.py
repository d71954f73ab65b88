"""Section kinds: role → the unit that owns that kind of section (see base.py).

The order here is the order of sections in a draft. Adding a kind: a module in this folder with a
SectionKind subclass and KIND, listed below, plus its data (genre.yaml `sections`, phrases.yaml
`phrases.sections`, prompts/parts.yaml `tasks`).
"""

from __future__ import annotations

from drafter.genre import Genre, GenreError
from drafter.kinds import body, closing, opening, plans, problems
from drafter.kinds.base import Context, SectionKind

__all__ = ["KINDS", "ROLES", "Context", "SectionKind", "check_genre", "kind_of"]

KINDS: dict[str, SectionKind] = {k.role: k for k in (opening.KIND, body.KIND, problems.KIND, plans.KIND, closing.KIND)}
ROLES = tuple(KINDS)


def kind_of(role: str) -> SectionKind:
    """The kind of a section by its role; an unknown role is treated as body text."""
    return KINDS.get(role, KINDS["body"])


def check_genre(genre: Genre) -> None:
    """Every kind finds the phrases it needs in the genre (else a Chinese error naming the key)."""
    missing = [
        f"phrases.sections.{k.role}.{part}"
        for k in KINDS.values()
        for part in k.phrase_parts
        if not genre.section_phrases.get(k.role, {}).get(part)
    ]
    if missing:
        raise GenreError(f"体裁文件 {genre.source} 有误：缺少 {'、'.join(missing)}")
