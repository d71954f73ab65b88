"""The genre as data: genre.yaml, phrases.yaml and instructions.yaml in this folder, loaded into
typed objects and checked at load, optionally overlaid by an organisation's own file.

Overlay (setting DRAFTER_GENRE_FILE): the file has the same top-level keys as the bundled files;
mappings merge key by key (a new topic is added, one headline of a topic replaced), while lists
and texts replace what they stand for (a topic's cue list, one period's title). Nothing can be
deleted. The merged genre is checked as a whole, so a new topic without headlines, phrases or a
place in topic_order.default is refused, naming the file and the key.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from drafter.errors import UserError

if TYPE_CHECKING:
    from drafter.config import Settings

BUNDLED_DIR = Path(__file__).parent
GENERAL_TOPIC = "综合"  # facts without any cue go here: every genre has it
DEFAULT_PERIOD = "年度"
DEFAULT_STYLE = "parallel"
_FILES = ("genre.yaml", "phrases.yaml", "instructions.yaml")
_CUE_KINDS = ("address", "rule", "tag", "request")
_PERIOD_FIELDS = (
    "title", "signoff", "phrase", "opening_when", "span", "hand_over_span", "plans_headline", "plans_when",
)
_BANK_PARTS = ("open", "method", "effect")
_FRAGMENT = re.compile(r"\{([A-Z_]+)\}")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class GenreError(UserError):
    """A genre file that cannot be used; the message names the file and the key."""


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


# ---- loading --------------------------------------------------------------------------------------
def load_genre(folder: Path | None = None, overlay: Path | None = None) -> Genre:
    """The genre in `folder` (the bundled one by default), overlaid by `overlay` when given."""
    folder = folder or BUNDLED_DIR
    data: dict[str, Any] = {}
    owner: dict[str, str] = {}  # top-level key → the file it came from, for messages
    for name in _FILES:
        part = _read(folder / name)
        for key in part:
            owner[key] = str(folder / name)
        data.update(part)
    errors = _check(data)
    if errors:
        raise _error(errors, owner)
    if overlay is not None:
        extra = _read(Path(overlay))
        unknown = [k for k in extra if k not in data]
        if unknown:
            raise GenreError(f"体裁文件 {overlay} 有误：不认识的键 {'、'.join(map(str, unknown))}。")
        data = _merge(data, extra)
        errors = _check(data)
        if errors:
            raise _error(errors, dict.fromkeys(owner, str(overlay)))
    return _build(data, str(overlay or folder))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GenreError(f"找不到体裁文件：{path}") from None
    except (OSError, UnicodeDecodeError):
        raise GenreError(f"无法读取体裁文件：{path}（须为 UTF-8 文本）") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行附近" if mark is not None else ""
        raise GenreError(f"体裁文件 {path} 不是有效的 YAML：{where}格式有误。") from None
    if not isinstance(data, dict):
        raise GenreError(f"体裁文件 {path} 的最外层应是键值对。")
    return data


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return extra


def _error(errors: list[str], owner: dict[str, str]) -> GenreError:
    by_file: dict[str, list[str]] = {}
    for message in errors:
        top = message.split(".", 1)[0].split("：", 1)[0]
        by_file.setdefault(owner.get(top, "体裁文件"), []).append(message)
    lines = [f"体裁文件 {f} 有误：\n" + "\n".join(f"- {m}" for m in ms) for f, ms in by_file.items()]
    return GenreError("\n".join(lines))


# ---- checking: every problem at once, each naming its key ----------------------------------------
def _texts(node: Any, path: str, errors: list[str], required: bool = True) -> tuple[str, ...]:
    if node is None and not required:
        return ()
    if not isinstance(node, list) or not all(isinstance(x, str) and x for x in node):
        errors.append(f"{path}：应是一列文字")
        return ()
    if required and not node:
        errors.append(f"{path}：不能为空")
    return tuple(node)


def _text(node: Any, path: str, errors: list[str], allow_empty: bool = False) -> str:
    if not isinstance(node, str) or (not node and not allow_empty):
        errors.append(f"{path}：缺少文字")
        return ""
    return node


def _mapping(node: Any, path: str, errors: list[str]) -> dict[str, Any]:
    if not isinstance(node, dict) or not node:
        errors.append(f"{path}：缺少或不是键值对")
        return {}
    return node


def _check(d: dict[str, Any]) -> list[str]:
    e: list[str] = []
    styles = _mapping(d.get("headline_styles"), "headline_styles", e)
    if styles and DEFAULT_STYLE not in styles:
        e.append(f"headline_styles：缺少 {DEFAULT_STYLE}")
    for style, label in styles.items():
        _text(label, f"headline_styles.{style}", e)

    def headlines(node: Any, path: str) -> None:
        node = _mapping(node, path, e)
        for style in styles:
            if node:
                _text(node.get(style), f"{path}.{style}", e)

    units = _mapping(d.get("unit_types"), "unit_types", e)
    for name, u in units.items():
        u = _mapping(u, f"unit_types.{name}", e)
        _texts(u.get("cues"), f"unit_types.{name}.cues", e)
        _text(u.get("superiors"), f"unit_types.{name}.superiors", e)
        _texts(u.get("unless"), f"unit_types.{name}.unless", e, required=False)
    _same_keys(d.get("unit_type_match_order"), units, "unit_type_match_order", e)
    _text(d.get("other_superiors"), "other_superiors", e)

    periods = _mapping(d.get("periods"), "periods", e)
    if periods and DEFAULT_PERIOD not in periods:
        e.append(f"periods：缺少 {DEFAULT_PERIOD}")
    for name, p in periods.items():
        p = _mapping(p, f"periods.{name}", e)
        _texts(p.get("cues"), f"periods.{name}.cues", e)
        _texts(p.get("aliases"), f"periods.{name}.aliases", e)
        for key in _PERIOD_FIELDS:
            _text(p.get(key), f"periods.{name}.{key}", e, allow_empty=key == "hand_over_span")
    _same_keys(d.get("period_match_order"), periods, "period_match_order", e)

    phrases = _mapping(d.get("phrases"), "phrases", e)
    banks = _mapping(phrases.get("topics"), "phrases.topics", e)
    topics = _mapping(d.get("topics"), "topics", e)
    if topics and GENERAL_TOPIC not in topics:
        e.append(f"topics：缺少 {GENERAL_TOPIC}（没有线索词的事实归入它）")
    for name, t in topics.items():
        t = _mapping(t, f"topics.{name}", e)
        _texts(t.get("cues"), f"topics.{name}.cues", e, required=name != GENERAL_TOPIC)
        _texts(t.get("placement_cues"), f"topics.{name}.placement_cues", e, required=False)
        headlines(t.get("headline"), f"topics.{name}.headline")
        headlines(t.get("second_headline"), f"topics.{name}.second_headline")
        if name not in banks:
            e.append(f"topics.{name}：缺少措辞库（phrases.topics.{name}）")
    for name, bank in banks.items():
        if name not in topics:
            e.append(f"phrases.topics.{name}：没有这个主题（topics.{name}）")
        bank = _mapping(bank, f"phrases.topics.{name}", e)
        for part in _BANK_PARTS:
            if bank:
                _texts(bank.get(part), f"phrases.topics.{name}.{part}", e)

    order = _mapping(d.get("topic_order"), "topic_order", e)
    if order and "default" not in order:
        e.append("topic_order：缺少 default")
    for key, items in order.items():
        items = _texts(items, f"topic_order.{key}", e)
        for t in items:
            if t not in topics:
                e.append(f"topic_order.{key}：没有这个主题：{t}")
        if len(set(items)) != len(items):
            e.append(f"topic_order.{key}：主题重复")
    for t in topics:
        if order.get("default") and t not in order["default"]:
            e.append(f"topics.{t}：在 topic_order.default 中没有位置")

    seen: set[str] = set()
    for name, f in _mapping(d.get("families"), "families", e).items():
        f = _mapping(f, f"families.{name}", e)
        for t in _texts(f.get("members"), f"families.{name}.members", e):
            if t not in topics or t in seen:
                e.append(f"families.{name}.members：{t} 不是主题或已属于另一组")
            seen.add(t)
        headlines(f.get("headline"), f"families.{name}.headline")

    special = _texts(d.get("special_sections"), "special_sections", e)
    special_phrases = _mapping(phrases.get("special"), "phrases.special", e)
    for heading in special:
        s = _mapping(special_phrases.get(heading), f"phrases.special.{heading}", e)
        for part in ("open", "method"):
            if s:
                _texts(s.get(part), f"phrases.special.{heading}.{part}", e)
    _texts(phrases.get("effect_leads"), "phrases.effect_leads", e)
    for kind, texts in _mapping(d.get("sections"), "sections", e).items():
        for key, value in _mapping(texts, f"sections.{kind}", e).items():
            _text(value, f"sections.{kind}.{key}", e)
    for kind, parts in _mapping(phrases.get("sections"), "phrases.sections", e).items():
        for part, items in _mapping(parts, f"phrases.sections.{kind}", e).items():
            _texts(items, f"phrases.sections.{kind}.{part}", e)
    _check_cues(d.get("instruction_filter"), e)
    return e


def _same_keys(node: Any, keys: dict[str, Any], path: str, e: list[str]) -> None:
    items = _texts(node, path, e)
    if items and sorted(items) != sorted(keys):
        e.append(f"{path}：应恰好列出每一项一次（{'、'.join(keys)}）")


def _check_cues(node: Any, e: list[str]) -> None:
    f = _mapping(node, "instruction_filter", e)
    fragments = _mapping(f.get("fragments"), "instruction_filter.fragments", e)
    for lang in ("chinese", "english"):
        cues = f.get(lang)
        if not isinstance(cues, list) or not cues:
            e.append(f"instruction_filter.{lang}：应是一列 kind/pattern")
            continue
        for n, cue in enumerate(cues, 1):
            where = f"instruction_filter.{lang} 第{n}条"
            if not isinstance(cue, dict) or cue.get("kind") not in _CUE_KINDS or not isinstance(cue.get("pattern"), str):
                e.append(f"{where}：须有 kind（{'/'.join(_CUE_KINDS)}）和 pattern")
                continue
            missing = [m for m in _FRAGMENT.findall(cue["pattern"]) if m not in fragments]
            if missing:
                e.append(f"{where}：未定义的片段 {'、'.join(missing)}")
                continue
            try:
                re.compile(_expand(cue["pattern"], fragments))
            except re.error as exc:
                e.append(f"{where}：正则表达式有误（{exc}）")


def _expand(pattern: str, fragments: Mapping[str, str]) -> str:
    return _FRAGMENT.sub(lambda m: fragments[m.group(1)], pattern)


# ---- building the typed objects (only from checked data) -------------------------------------------
def _build(d: dict[str, Any], source: str) -> Genre:
    ph = d["phrases"]
    topics = {
        name: Topic(
            name,
            tuple(t.get("cues") or ()),
            tuple(t.get("placement_cues") or ()),
            dict(t["headline"]),
            dict(t["second_headline"]),
            PhraseBank(*(tuple(ph["topics"][name][p]) for p in _BANK_PARTS)),
        )
        for name, t in d["topics"].items()
        if name != GENERAL_TOPIC
    }
    general = d["topics"][GENERAL_TOPIC]
    topics[GENERAL_TOPIC] = Topic(
        GENERAL_TOPIC, (), tuple(general.get("placement_cues") or ()), dict(general["headline"]),
        dict(general["second_headline"]), PhraseBank(*(tuple(ph["topics"][GENERAL_TOPIC][p]) for p in _BANK_PARTS)),
    )
    f = d["instruction_filter"]
    cues = tuple(
        (lang == "chinese", c["kind"], re.compile(_expand(c["pattern"], f["fragments"])))
        for lang in ("chinese", "english")
        for c in f[lang]
    )
    return Genre(
        source=source,
        headline_styles=dict(d["headline_styles"]),
        unit_types={
            n: UnitType(n, tuple(u["cues"]), u["superiors"], tuple(u.get("unless") or ()))
            for n, u in d["unit_types"].items()
        },
        unit_type_match_order=tuple(d["unit_type_match_order"]),
        other_superiors=d["other_superiors"],
        periods={
            n: Period(n, tuple(p["cues"]), tuple(p["aliases"]), *(p[k] for k in _PERIOD_FIELDS))
            for n, p in d["periods"].items()
        },
        period_match_order=tuple(d["period_match_order"]),
        topics=topics,
        topic_order={k: tuple(v) for k, v in d["topic_order"].items()},
        families={
            n: Family(n, tuple(v["members"]), dict(v["headline"])) for n, v in d["families"].items()
        },
        special_sections={
            h: (tuple(ph["special"][h]["open"]), tuple(ph["special"][h]["method"])) for h in d["special_sections"]
        },
        effect_leads=tuple(ph["effect_leads"]),
        sections={k: dict(v) for k, v in d["sections"].items()},
        section_phrases={k: {p: tuple(x) for p, x in v.items()} for k, v in ph["sections"].items()},
        instruction_cues=cues,
    )


# ---- the genre in use -------------------------------------------------------------------------------
_lock = threading.RLock()  # re-entrant: checking the genre may look at it again
_loaded: dict[str, Genre] = {}


def for_settings(settings: Settings) -> Genre:
    """The genre for these settings (bundled, overlaid by settings.genre_file), loaded once."""
    return _for_file(settings.genre_file)


def _for_file(overlay: Path | None) -> Genre:
    key = str(overlay or "")
    with _lock:
        if key not in _loaded:
            genre = load_genre(overlay=overlay)
            from drafter.kinds import check_genre  # the section kinds say which phrases they need

            check_genre(genre)
            _loaded[key] = genre
        return _loaded[key]


def bundled() -> Genre:
    """The genre shipped with drafter, without any overlay (e.g. for the tokenizer's dictionary,
    which must not change with an organisation's file: the index was built with it)."""
    with _lock:
        if "" not in _loaded:
            _loaded[""] = load_genre()
        return _loaded[""]


def active() -> Genre:
    """The genre of the current settings (environment): what drafting uses."""
    from drafter.config import setting_from_env

    overlay = setting_from_env("genre_file")
    return _for_file(overlay if isinstance(overlay, Path) else None)
