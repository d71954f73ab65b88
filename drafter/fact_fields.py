"""Parsing single fields of the user's facts: year, period, length, date, yes/no, headline style,
list markers. Each parser appends a Chinese message to `errors` instead of raising, so that
drafter/facts.py reports every problem at once.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any

from drafter.genre import active
from drafter.injection import looks_like_instruction

YEAR_MIN, YEAR_MAX = 2000, 2100
LENGTH_MIN, LENGTH_MAX = 500, 20000
_YES, _NO = ("是", "要", "有", "需要", "true", "yes", "1"), ("否", "不要", "无", "不需要", "false", "no", "0", "")


_BULLET_RE = re.compile(
    r"^\s*(?:"
    r"[-*•·●○▪■◆◇►▶>—–]+\s*"  # symbol bullets
    r"|(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、．)）](?!\d)\s*"  # 1.  1、  一、  2)
    r"|[（(]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[)）]\s*"  # （1） (一)
    r"|[①-⑳⑴-⒇]\s*"
    r"|第[一二三四五六七八九十\d]{1,3}[条项点][、:：，,.]?\s*"
    r")"
)


def strip_bullet(line: str) -> str:
    """Remove leading list markers ("1." "- " "（1）" "①" and combinations like "- 4、")."""
    text = line.strip()
    for _ in range(3):  # bounded: at most three stacked markers
        new = _BULLET_RE.sub("", text, count=1).strip()
        if new == text:
            break
        text = new
    return text


def _as_int(value: Any, text_pattern: str) -> int | None:
    """An integer from YAML/JSON/form input: an int, a whole float, or text matching
    `text_pattern` (its first group is the number, e.g. "2025年", "2500字"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = re.fullmatch(text_pattern, unicodedata.normalize("NFKC", value).strip())
        return int(m.group(1)) if m else None
    return None


def parse_year(value: Any, errors: list[str]) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append("请填写年份，如 2025。")
        return 0
    year = _as_int(value, r"(\d{4})\s*年?度?")
    if year is None:
        errors.append(f"年份应是四位整数，如 2025（现在是“{value}”）。")
        return 0
    if not YEAR_MIN <= year <= YEAR_MAX:
        errors.append(f"年份应在{YEAR_MIN}到{YEAR_MAX}之间（现在是{year}）。")
        return 0
    return year


def parse_period(value: Any, errors: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "年度"
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()
    if re.match(r"\d{4}", key):  # "2025年上半年", "2025年度"
        key = re.sub(r"^\d{4}年?", "", key)
        key = "年度" if key in ("", "度") else key
    for suffix in ("工作总结", "总结", "工作"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    variants = {alias: p.name for p in active().periods.values() for alias in p.aliases}
    period = variants.get(key) or variants.get(key.rstrip("度"))
    if period is None:
        names = list(active().periods)
        errors.append(f"总结期间“{value}”无法识别，请填 {'、'.join(names[:-1])} 或 {names[-1]}。")
        return "年度"
    return period


def parse_length(value: Any, errors: list[str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    length = _as_int(value, r"(\d+)\s*字?")
    if length is None or not LENGTH_MIN <= length <= LENGTH_MAX:
        errors.append(f"篇幅（字数）应是{LENGTH_MIN}到{LENGTH_MAX}之间的整数（现在是“{value}”）。")
        return None
    return length


def parse_date(value: Any, errors: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):  # YAML turns 2025-12-31 into a date
        d: _dt.date | None = value
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
        m = re.fullmatch(r"(\d{4})[年/.-](\d{1,2})[月/.-](\d{1,2})日?", text)
        try:
            d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            d = None
    if d is None:
        errors.append(f"落款日期“{value}”无法识别，请写成 2025年12月31日。")
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


def parse_yes_no(value: Any, label: str, errors: list[str]) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _YES or text in _NO:
        return text in _YES
    errors.append(f"{label}请填“是”或“否”（现在是“{value}”）。")
    return False


def parse_style(value: Any, errors: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    style = active().style_of(str(value))
    if style is None:
        labels = "、".join(active().headline_styles.values())
        errors.append(f"标题样式“{value}”无法识别，请填 {labels}。")
        return ""
    return style


def text_field(
    data: dict[str, Any], key: str, label: str, limit: int, errors: list[str]
) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        errors.append(f"{label}应是一段文字。")
        return ""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()
    if len(text) > limit:
        errors.append(f"{label}不能超过{limit}字，请简写。")
        return ""
    if text and looks_like_instruction(text):
        errors.append(f"{label}像是对模型的指令，请只填写{label}本身。")
        return ""
    return text


def title_topic(topic: str, year: int) -> str:
    """Topic as it sits in a title: no year prefix, no trailing 工作/总结 (avoids 工作工作)."""
    t = topic.strip()
    for prefix in (f"{year}年度", f"{year}年"):
        if t.startswith(prefix):
            t = t[len(prefix):]
    changed = True
    while changed and t:
        changed = False
        for suffix in ("工作总结", "总结", "工作"):
            if t.endswith(suffix) and len(t) > len(suffix):
                t = t[: -len(suffix)]
                changed = True
    return t
