"""The user's facts: the model, parsing from YAML/JSON/form input, validation, injection filter.

Facts are the only source of names and figures in a draft, so this module is strict about what
it accepts and reports every problem at once, in Chinese, naming the field to fix.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drafter.errors import DrafterError
from drafter.fact_fields import (
    parse_date,
    parse_length,
    parse_period,
    parse_style,
    parse_year,
    parse_yes_no,
    strip_bullet,
    text_field,
    title_topic,
)
from drafter.genre import DEFAULT_PERIOD, active
from drafter.injection import ZERO_WIDTH, looks_like_instruction
from drafter.injection import (
    instruction_kinds as instruction_kinds,  # re-exported: the filter's home was here
)
from drafter.taxonomy import OTHER_UNIT_TYPE, match_unit_type

MAX_ITEM_CHARS = 500
MAX_FACTS = 60
MAX_LIST_ITEMS = 60  # problems / plans
MAX_NAME_CHARS = 60
MAX_TOPIC_CHARS = 30
MAX_FILE_BYTES = 1_000_000

INJECTION_REASON = "疑似对模型的指令，已忽略"

# Field names as the user sees them: the form's labels and every message name a field so
# (each label is also accepted as a key in a facts file).
FIELD_LABELS: dict[str, str] = {
    "unit_name": "单位名称", "unit_type": "单位类型", "period": "总结期间", "year": "年份",
    "topic": "专题", "facts": "主要工作", "problems": "存在问题", "plans": "下一步打算",
    "length": "篇幅", "date": "落款日期", "closing": "结束语", "headline_style": "标题样式",
    "plans_done": "已落实的上年打算",
}
_LIST_FIELDS = {key: FIELD_LABELS[key] for key in ("facts", "problems", "plans", "plans_done")}

# Chinese keys are accepted as aliases so a file can be written entirely in Chinese.
_KEY_ALIASES: dict[str, str] = {
    "单位名称": "unit_name", "单位": "unit_name", "名称": "unit_name",
    "单位类型": "unit_type", "类型": "unit_type",
    "总结期间": "period", "期间": "period", "时段": "period",
    "年份": "year", "年度": "year", "年": "year",
    "专题": "topic", "主题": "topic",
    "主要工作": "facts", "工作": "facts", "事实": "facts", "主要做法": "facts",
    "存在问题": "problems", "问题": "problems", "存在的问题": "problems",
    "下一步打算": "plans", "打算": "plans", "计划": "plans", "工作计划": "plans",
    "篇幅": "length", "字数": "length",
    "日期": "date", "落款日期": "date",
    "结束语": "closing", "标题样式": "headline_style", "标题风格": "headline_style",
    "已落实的上年打算": "plans_done", "上年打算落实": "plans_done", "落实的上年打算": "plans_done",
}
_KNOWN_KEYS = (
    "unit_name", "unit_type", "period", "year", "topic", "facts", "problems", "plans",
    "length", "date", "closing", "headline_style", "plans_done",
)
# Keys written by Facts.to_dict(); tolerated on input so a saved facts dict can be re-parsed.
_DERIVED_KEYS = ("unit_type_raw", "rejected")

class FactsError(DrafterError, ValueError):
    """Invalid facts. `messages` holds one short Chinese sentence per problem; `message` all of them."""

    message = "事实有问题，请检查后重试。"

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass
class RejectedFact:
    """An input item that was not kept, with the reason shown to the user."""

    text: str
    reason: str
    field: str = "facts"  # facts | problems | plans | plans_done


@dataclass
class Facts:
    unit_name: str
    unit_type: str  # canonical key of taxonomy.UNIT_TYPES, or 其他
    year: int
    facts: list[str]
    unit_type_raw: str = ""
    period: str = "年度"  # 年度 | 上半年 | 下半年 | 专项
    topic: str = ""
    problems: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    length: int | None = None
    date: str = ""  # normalised "2025年12月31日"; "" → default from period (see signoff_date)
    closing: bool = False  # a 结束语 paragraph after the plans
    headline_style: str = ""  # a key of the genre's headline_styles; "" → the default
    # last year's plans this year's facts carried out (confirmed by the user, e.g. from
    # `compare`): the opening names them; they carry no figures of their own
    plans_done: list[str] = field(default_factory=list)
    rejected: list[RejectedFact] = field(default_factory=list)

    @property
    def union_name(self) -> str:
        """The unit as named in title and sign-off: a name without 工会 gets it appended."""
        name = self.unit_name
        return name if ("工会" in name or "工联" in name) else name + "工会"

    @property
    def title(self) -> str:
        form = _period(self.period).title  # the genre's title after "单位X年"; {topic} for 专项
        if "{topic}" in form:
            form = form.format(topic=title_topic(self.topic, self.year)) if self.topic else "工作总结"
        return f"{self.union_name}{self.year}年{form}"

    @property
    def signoff_date(self) -> str:
        if self.date:
            return self.date
        return f"{self.year}年{_period(self.period).signoff}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        """Rebuild saved facts (from to_dict) without re-validating them."""
        return cls(
            unit_name=data["unit_name"],
            unit_type=data["unit_type"],
            unit_type_raw=data.get("unit_type_raw", data["unit_type"]),
            year=int(data["year"]),
            period=data.get("period", "年度"),
            topic=data.get("topic", ""),
            facts=list(data.get("facts", [])),
            problems=list(data.get("problems", [])),
            plans=list(data.get("plans", [])),
            length=data.get("length"),
            date=data.get("date", ""),
            closing=bool(data.get("closing", False)),
            headline_style=data.get("headline_style", ""),
            plans_done=list(data.get("plans_done", [])),
            rejected=[RejectedFact(**r) for r in data.get("rejected", [])],
        )


def _period(name: str) -> Any:
    periods = active().periods
    return periods.get(name) or periods[DEFAULT_PERIOD]


def __getattr__(name: str) -> Any:
    if name == "PERIOD_CHOICES":  # the genre's periods, in its order (the form's choices)
        return tuple(active().periods)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- parsing

def _clean_item(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(ZERO_WIDTH)
    text = re.sub(r"\s*\n\s*", "", text.strip())  # joined lines in Chinese need no space
    text = re.sub(r"[ \t\u3000]+", " ", text)
    return strip_bullet(text)


def _split_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _parse_list(
    value: Any, key: str, errors: list[str], rejected: list[RejectedFact], limit: int
) -> list[str]:
    label = _LIST_FIELDS[key]
    if value is None:
        return []
    if isinstance(value, str):
        raw_items: list[Any] = _split_lines(value)
    elif isinstance(value, (list, tuple)):
        raw_items = list(value)
    else:
        errors.append(f"{label}应是一条条的文字列表，请每条写一句。")
        return []
    items: list[str] = []
    seen: set[str] = set()
    n = 0
    for raw in raw_items:
        if raw is None:
            continue
        if isinstance(raw, bool) or isinstance(raw, (dict, list, tuple)):
            n += 1
            errors.append(f"{label}第{n}条格式不对，请写成一句话。")
            continue
        text = _clean_item(str(raw))
        if not text:
            continue
        n += 1
        if len(text) > MAX_ITEM_CHARS:
            errors.append(
                f"{label}第{n}条有{len(text)}字，超过{MAX_ITEM_CHARS}字，请拆成几条。"
            )
            continue
        if looks_like_instruction(text):
            rejected.append(RejectedFact(text=text, reason=INJECTION_REASON, field=key))
            continue
        if text in seen:  # an exact repeat would only duplicate a paragraph
            continue
        seen.add(text)
        items.append(text)
    if n > limit:
        errors.append(f"{label}最多{limit}条，现有{n}条，请合并或删减。")
    return items


def _canonical_keys(data: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in data.items():
        name = str(key).strip()
        name = _KEY_ALIASES.get(name, name)
        if name in _DERIVED_KEYS:
            continue
        if name not in _KNOWN_KEYS:
            unknown.append(str(key))
            continue
        out[name] = value
    if unknown:
        errors.append(
            f"无法识别的字段：{'、'.join(unknown)}。可用字段：{'、'.join(FIELD_LABELS.values())}。"
        )
    return out


def parse_facts(data: dict[str, Any]) -> Facts:
    """Validate raw facts (from YAML/JSON/form) and return them; raise FactsError listing all problems."""
    if not isinstance(data, dict):
        raise FactsError(["事实内容的最外层应是键值对（如 单位名称: 青山镇总工会）。"])
    errors: list[str] = []
    d = _canonical_keys(data, errors)

    unit_name = text_field(d, "unit_name", FIELD_LABELS["unit_name"], MAX_NAME_CHARS, errors)
    if not unit_name and not any(m.startswith("单位名称") for m in errors):
        errors.append(f"请填写{FIELD_LABELS['unit_name']}，如“青山镇总工会”。")
    unit_type_raw = text_field(d, "unit_type", FIELD_LABELS["unit_type"], MAX_NAME_CHARS, errors)
    if not unit_type_raw and not any(m.startswith("单位类型") for m in errors):
        errors.append(f"请填写{FIELD_LABELS['unit_type']}，如 乡镇工会、企业工会、学校工会。")
    unit_type = match_unit_type(unit_type_raw)
    if unit_type == OTHER_UNIT_TYPE:  # e.g. "基层工会": the name often says more
        unit_type = match_unit_type(unit_name)

    period = parse_period(d.get("period"), errors)
    year = parse_year(d.get("year"), errors)
    topic = text_field(d, "topic", FIELD_LABELS["topic"], MAX_TOPIC_CHARS, errors)
    if period == "专项" and not topic and not any(m.startswith("专题") for m in errors):
        errors.append(f"专项总结请填写{FIELD_LABELS['topic']}，如“工会组建”。")

    rejected: list[RejectedFact] = []
    facts = _parse_list(d.get("facts"), "facts", errors, rejected, MAX_FACTS)
    problems = _parse_list(d.get("problems"), "problems", errors, rejected, MAX_LIST_ITEMS)
    plans = _parse_list(d.get("plans"), "plans", errors, rejected, MAX_LIST_ITEMS)
    plans_done = _parse_list(d.get("plans_done"), "plans_done", errors, rejected, MAX_LIST_ITEMS)
    if not facts and not any(m.startswith("主要工作") for m in errors):
        dropped = sum(1 for r in rejected if r.field == "facts")
        if dropped:
            errors.append(
                f"主要工作没有可用的内容：{dropped}条疑似对模型的指令，已忽略。请填写本单位实际做的工作。"
            )
        else:
            errors.append(f"请填写{FIELD_LABELS['facts']}，每条一件事，带上数字。")

    length = parse_length(d.get("length"), errors)
    date = parse_date(d.get("date"), errors)
    closing = parse_yes_no(d.get("closing"), "结束语", errors)
    headline_style = parse_style(d.get("headline_style"), errors)

    if errors:
        raise FactsError(errors)
    return Facts(
        unit_name=unit_name,
        unit_type=unit_type,
        unit_type_raw=unit_type_raw,
        year=year,
        period=period,
        topic=topic,
        facts=facts,
        problems=problems,
        plans=plans,
        length=length,
        date=date,
        closing=closing,
        headline_style=headline_style,
        plans_done=plans_done,
        rejected=rejected,
    )


def _decode(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # GB18030: files saved by Chinese Windows tools
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def load_facts(path: str | Path) -> Facts:
    """Read a .yaml/.yml/.json facts file and validate it."""
    p = Path(path)
    if not p.is_file():
        raise FactsError([f"找不到事实文件：{p}，请检查路径。"])
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise FactsError([f"事实文件应是 YAML 或 JSON（.yaml/.yml/.json），现在是“{p.name}”。"])
    try:
        raw = p.read_bytes()
    except OSError:
        raise FactsError([f"无法读取事实文件：{p}，请检查文件权限。"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise FactsError([f"事实文件过大（超过{MAX_FILE_BYTES // 1000}KB），请只保留要点。"])
    text = _decode(raw)
    if text is None:
        raise FactsError(["无法识别事实文件的编码，请另存为 UTF-8 后再试。"])
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise FactsError([f"事实文件不是有效的 JSON：第{exc.lineno}行附近格式有误，请检查。"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行附近" if mark is not None else ""
        raise FactsError([f"事实文件不是有效的 YAML：{where}格式有误，请检查缩进和冒号。"]) from None
    if not isinstance(data, dict):
        raise FactsError(["事实文件的最外层应是键值对（如 单位名称: 青山镇总工会）。"])
    return parse_facts(data)


def facts_from_form(
    unit_name: str = "",
    unit_type: str = "",
    period: str = "",
    year: str | int | None = None,
    facts: str = "",
    problems: str = "",
    plans: str = "",
    topic: str = "",
    length: str | int | None = None,
    date: str = "",
    closing: bool = False,
    headline_style: str = "",
    plans_done: str = "",
) -> Facts:
    """Facts from UI form strings: one item per line; blank lines and list markers dropped."""
    return parse_facts(
        {
            "unit_name": unit_name or "",
            "unit_type": unit_type or "",
            "period": period or "",
            "year": year,
            "topic": topic or "",
            "facts": _split_lines(facts or ""),
            "problems": _split_lines(problems or ""),
            "plans": _split_lines(plans or ""),
            "length": length,
            "date": date or "",
            "closing": bool(closing),
            "headline_style": headline_style or "",
            "plans_done": _split_lines(plans_done or ""),
        }
    )
