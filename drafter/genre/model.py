"""The genre's typed objects (read-only once built): unit types, periods, topics with their
headlines and phrase banks, families, and the genre as a whole."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from drafter.errors import UserError

GENERAL_TOPIC = "综合"  # facts without any cue go here: every genre has it
DEFAULT_PERIOD = "年度"
DEFAULT_STYLE = "parallel"


class GenreError(UserError):
    """A genre file that cannot be used; the message names the file and the key."""

    message = "体裁文件有误，无法使用。"


@dataclass(frozen=True)
class UnitType:
    name: str
    cues: tuple[str, ...]
    superiors: str  # whose leadership the opening names
    unless: tuple[str, ...] = ()  # cue words that rule this type out


@dataclass(frozen=True)
class Period:
    name: str
    cues: tuple[str, ...]  # tagging example summaries
    aliases: tuple[str, ...]  # what a user may write for it
    title: str  # after "单位X年"; {topic} for a 专项 summary's topic
    signoff: str  # month and day of the default sign-off date
    phrase: str  # 全年, 上半年 …
    opening_when: str  # {year}年上半年
    span: str  # 一年来
    hand_over_span: str  # 现将{…}工作总结如下
    plans_headline: str
    plans_when: str  # 新的一年，…将重点做好以下工作


@dataclass(frozen=True)
class PhraseBank:
    open: tuple[str, ...]
    method: tuple[str, ...]
    effect: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    name: str
    cues: tuple[str, ...]
    placement_cues: tuple[str, ...]
    headline: Mapping[str, str]  # style → headline
    second_headline: Mapping[str, str]
    phrases: PhraseBank


@dataclass(frozen=True)
class Family:
    name: str
    members: tuple[str, ...]
    headline: Mapping[str, str]


@dataclass(frozen=True)
class Genre:
    source: str  # the files it was read from, for messages
    headline_styles: Mapping[str, str]  # style → Chinese label
    unit_types: Mapping[str, UnitType]
    unit_type_match_order: tuple[str, ...]
    other_superiors: str
    periods: Mapping[str, Period]
    period_match_order: tuple[str, ...]
    topics: Mapping[str, Topic]  # 综合 last
    topic_order: Mapping[str, tuple[str, ...]]  # "default" and unit types
    families: Mapping[str, Family]
    special_sections: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]  # heading → (open, method)
    effect_leads: tuple[str, ...]
    sections: Mapping[str, Mapping[str, str]]  # section kind → its texts (headline, placeholder, label)
    section_phrases: Mapping[str, Mapping[str, tuple[str, ...]]]  # section kind → part → sentences
    instruction_cues: tuple[tuple[bool, str, re.Pattern[str]], ...]  # (chinese?, kind, pattern)

    def headline(self, topic: str, style: str = DEFAULT_STYLE) -> str:
        return (self.topics.get(topic) or self.topics[GENERAL_TOPIC]).headline[style]

    def second_headline(self, topic: str, style: str = DEFAULT_STYLE) -> str:
        return (self.topics.get(topic) or self.topics[GENERAL_TOPIC]).second_headline[style]

    def headline_sets(self) -> list[Mapping[str, str]]:
        """Every headline the genre writes, each as style → text: the topics', their second
        headlines, the families' (merged topics)."""
        return [*(t.headline for t in self.topics.values()), *(t.second_headline for t in self.topics.values()),
                *(f.headline for f in self.families.values())]

    def family_of(self, topic: str) -> str:
        return next((f.name for f in self.families.values() if topic in f.members), topic)

    @property
    def topic_cues(self) -> dict[str, tuple[str, ...]]:
        """Topic → cue words, for the topics that have cues (not 综合)."""
        return {t.name: t.cues for t in self.topics.values() if t.cues}

    def order_for(self, unit_type: str) -> tuple[str, ...]:
        """Body topics in genre order for a unit type: its own list, then the rest by default."""
        own = self.topic_order.get(unit_type, ())
        return own + tuple(t for t in self.topic_order["default"] if t not in own)

    def style_of(self, text: str) -> str | None:
        """A headline style from its key or Chinese label (并列式 / 主题式 …); None if unknown."""
        text = text.strip()
        for style, label in self.headline_styles.items():
            if text in (style, label) or (text and label.startswith(text)):
                return style
        return None
