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
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import yaml

from drafter.genre.check import BANK_PARTS, PERIOD_FIELDS, check, expand
from drafter.genre.model import (
    DEFAULT_PERIOD,
    DEFAULT_STYLE,
    GENERAL_TOPIC,
    Family,
    Genre,
    GenreError,
    Period,
    PhraseBank,
    Topic,
    UnitType,
)

__all__ = [
    "BUNDLED_DIR", "DEFAULT_PERIOD", "DEFAULT_STYLE", "GENERAL_TOPIC", "Family", "Genre", "GenreError", "Period",
    "PhraseBank", "Topic", "UnitType", "active", "bundled", "for_settings", "load_genre",
]

if TYPE_CHECKING:
    from drafter.config import Settings

BUNDLED_DIR = Path(__file__).parent
_FILES = ("genre.yaml", "phrases.yaml", "instructions.yaml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


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
    errors = check(data)
    if errors:
        raise _error(errors, owner)
    if overlay is not None:
        extra = _read(Path(overlay))
        unknown = [k for k in extra if k not in data]
        if unknown:
            raise GenreError(f"体裁文件 {overlay} 有误：不认识的键 {'、'.join(map(str, unknown))}。")
        data = _merge(data, extra)
        errors = check(data)
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


# ---- building the typed objects (only from checked data) -------------------------------------------
def _build(d: dict[str, Any], source: str) -> Genre:
    ph = d["phrases"]
    names = [n for n in d["topics"] if n != GENERAL_TOPIC] + [GENERAL_TOPIC]  # 综合 last
    topics = {
        name: Topic(
            name,
            tuple(d["topics"][name].get("cues") or ()),
            tuple(d["topics"][name].get("placement_cues") or ()),
            _ro(d["topics"][name]["headline"]),
            _ro(d["topics"][name]["second_headline"]),
            PhraseBank(*(tuple(ph["topics"][name][p]) for p in BANK_PARTS)),
        )
        for name in names
    }
    f = d["instruction_filter"]
    cues = tuple(
        (lang == "chinese", c["kind"], re.compile(expand(c["pattern"], f["fragments"])))
        for lang in ("chinese", "english")
        for c in f[lang]
    )
    return Genre(
        source=source,
        headline_styles=_ro(d["headline_styles"]),
        unit_types=_ro({
            n: UnitType(n, tuple(u["cues"]), u["superiors"], tuple(u.get("unless") or ()))
            for n, u in d["unit_types"].items()
        }),
        unit_type_match_order=tuple(d["unit_type_match_order"]),
        other_superiors=d["other_superiors"],
        periods=_ro({
            n: Period(n, tuple(p["cues"]), tuple(p["aliases"]), *(p[k] for k in PERIOD_FIELDS))
            for n, p in d["periods"].items()
        }),
        period_match_order=tuple(d["period_match_order"]),
        topics=_ro(topics),
        topic_order=_ro({k: tuple(v) for k, v in d["topic_order"].items()}),
        families=_ro({n: Family(n, tuple(v["members"]), _ro(v["headline"])) for n, v in d["families"].items()}),
        special_sections=_ro({
            h: (tuple(ph["special"][h]["open"]), tuple(ph["special"][h]["method"])) for h in d["special_sections"]
        }),
        effect_leads=tuple(ph["effect_leads"]),
        sections=_ro({k: _ro(v) for k, v in d["sections"].items()}),
        section_phrases=_ro({k: _ro({p: tuple(x) for p, x in v.items()}) for k, v in ph["sections"].items()}),
        instruction_cues=cues,
    )


def _ro(mapping: dict[str, Any]) -> Mapping[str, Any]:
    """A read-only view: the genre is shared by every thread and cached for the process."""
    return MappingProxyType(dict(mapping))


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
