"""Prompt templates: files in prompts/ with named {placeholders}; a missing value is an error."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from drafter.config import PROMPTS_DIR
from drafter.errors import DrafterError


class PromptError(DrafterError):
    """A prompt file is missing or malformed: the installation is broken, not the user's input."""

    message = "提示词文件缺失或有误，请重新安装 drafter。"
    exit_code = 1


@cache
def load_template(name: str, folder: Path = PROMPTS_DIR) -> str:
    path = folder / f"{name}.md"
    if not path.exists():
        raise PromptError(f"缺少提示词模板 {path}")
    return path.read_text(encoding="utf-8")


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render(name: str, folder: Path = PROMPTS_DIR, **values: object) -> str:
    """Fill a template; every placeholder must be given, and no unknown value may be passed."""
    template = load_template(name, folder)
    needed = placeholders(template)
    missing = needed - values.keys()
    if missing:
        raise PromptError(f"提示词模板 {name} 缺少参数：{', '.join(sorted(missing))}")
    unknown = values.keys() - needed
    if unknown:
        raise PromptError(f"提示词模板 {name} 没有这些参数：{', '.join(sorted(unknown))}")
    return template.format(**values)


@cache
def parts(folder: Path = PROMPTS_DIR) -> dict[str, Any]:
    """The prompt text that code assembles (prompts/parts.yaml): tasks, revise actions, repair lines."""
    path = folder / "parts.yaml"
    if not path.exists():
        raise PromptError(f"缺少提示词文件 {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PromptError(f"提示词文件 {path} 格式不对")
    return data


@cache
def scaffolding_texts(folder: Path = PROMPTS_DIR) -> tuple[str, ...]:
    """Every piece of text we send a model besides the user's data: all templates and parts."""
    templates = tuple(load_template(p.stem, folder) for p in sorted(folder.glob("*.md")))
    return templates + tuple(_strings(parts(folder)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
