"""Accepted candidates → a facts YAML the facts parser accepts, sources kept as comments.

The unit name and year are guessed from the materials (the union most often named, the year
most often dated) and marked for the user to check; facts beyond the parser's limit are
written as comments so nothing extracted is silently lost.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING

from drafter.facts import MAX_FACTS, parse_facts
from drafter.taxonomy import OTHER_UNIT_TYPE, match_unit_type

if TYPE_CHECKING:
    from drafter.extract import Candidate
    from drafter.materials import Material

_UNION = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:总工会|工会委员会|工会)")
_YEAR = re.compile(r"(20\d\d)\s*[年\-/.]")
_UNIT_TYPE_NAMES = {"乡镇/街道": "乡镇工会", "企业": "企业工会", "事业单位/机关": "机关事业单位工会",
                    "学校": "学校工会", "区县/市总工会": "区县总工会", "农场连队": "农场工会"}


def guess_unit_and_year(materials: list[Material]) -> tuple[str, int | None]:
    names: Counter[str] = Counter()
    years: Counter[int] = Counter()
    for m in materials:
        for b in m.blocks:
            names.update(n for n in _UNION.findall(b.text) if not n.startswith(("上级", "区总", "市总", "省总")))
            years.update(int(y) for y in _YEAR.findall(b.text))
    name = names.most_common(1)[0][0] if names else ""
    year = years.most_common(1)[0][0] if years else None
    return name, year


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _where(source: dict[str, str]) -> str:
    return f"{source['file']} {source['where']}"


def facts_yaml(candidates: list[Candidate], unit_name: str, unit_type: str, year: int) -> str:
    """The facts file text; raises FactsError if the parser would not accept it."""
    lines = [
        "# 由 drafter facts extract 从素材中提取的事实。请逐条核对：删去不要的，改正有误的，",
        "# 补上存在问题和下一步打算。每条上方的注释是它的出处。",
        f"unit_name: {_quoted(unit_name)}   # 请核对单位名称",
        f"unit_type: {_quoted(unit_type)}",
        "period: 年度",
        f"year: {year}",
        "facts:",
    ]
    for n, cand in enumerate(candidates):
        if n == MAX_FACTS:
            lines.append(f"  # 以下超出{MAX_FACTS}条上限，未列入事实，需要时请替换上面的条目：")
        lines.append(f"  # 来源：{'；'.join(_where(s) for s in cand.sources)}")
        for conflict in cand.conflicts:
            shown = "／".join(f"{v['figure']}（{_where(v)}）" for v in conflict["values"])
            lines.append(f"  # 数字不一致，请核实：{shown}")
        prefix = "  - " if n < MAX_FACTS else "  # - "
        lines.append(prefix + _quoted(cand.text))
    lines += ["problems: []", "plans: []", ""]
    text = "\n".join(lines)
    import yaml

    parse_facts(yaml.safe_load(text))  # what we write must load: FactsError otherwise
    return text


def unit_type_for(name: str) -> str:
    key = match_unit_type(name)
    return _UNIT_TYPE_NAMES.get(key, "基层工会") if key != OTHER_UNIT_TYPE else "基层工会"
