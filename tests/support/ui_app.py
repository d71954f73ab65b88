"""Helpers for the UI tests: a realistic fake-LLM responder and an app on a free loopback port."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafter.config import Settings
from tests.support.fake_llm import FakeLLM, _text_of, reword


def _between(text: str, start: str, end: str) -> str:
    i = text.find(start)
    if i < 0:
        return ""
    j = text.find(end, i + len(start))
    return text[i + len(start) : j if j >= 0 else None].strip()


def _facts(prompt: str) -> list[str]:
    block = _between(prompt, "<<<事实开始", "事实结束>>>")
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


class SectionResponder:
    """Replies like a well-behaved model: section text built only from the prompt's facts.

    - section prompts → a paragraph in the genre's style holding every fact verbatim;
      `variant` changes the wording (so a regenerated section differs from the first draft);
      `invent` (heading word → text) adds an invented figure to matching sections;
    - polish prompts → the faithful draft reworded (`variant` changes the lead);
    - revise prompts → the current text, visibly changed per the instruction;
    - repair prompts → the current text with any missing fact appended (invented figures stay,
      as a stubborn model's would).
    """

    def __init__(self, variant: int = 1, invent: dict[str, str] | None = None) -> None:
        self.variant = variant
        self.invent = dict(invent or {})

    def __call__(self, request: dict[str, Any]) -> str:
        messages = request.get("messages") or []
        prompt = _text_of(messages[-1].get("content")) if messages else ""
        facts = _facts(prompt)
        if "请按要求修改" in prompt:
            current = _between(prompt, "<<<正文开始", "正文结束>>>")
            instruction = _between(prompt, "修改要求：", "\n")
            if instruction.startswith("润色"):
                return reword(current, "一年来，")
            if instruction.startswith("在不增加"):
                return current + "\n这些做法凝聚了职工力量，推动了各项工作落地见效。工会组织的凝聚力和号召力不断增强。"
            if instruction.startswith("精简"):  # keep the sentences that carry figures
                return "".join(re.findall(r"[^。]*\d[^。]*。", current)) or current.split("\n")[0]
            return reword(current, f"紧扣“{instruction}”的要求，")
        if "<<<草稿开始" in prompt:  # the faithful draft handed over to be polished
            current = _between(prompt, "<<<草稿开始", "草稿结束>>>")
            heading = _between(prompt, "中“", "”一节的草稿")
            extra = "".join(text for word, text in self.invent.items() if word in heading)
            return reword(current, "经认真梳理，" if self.variant == 1 else "今年以来，") + extra
        if "检查发现以下问题" in prompt:
            current = _between(prompt, "<<<正文开始", "正文结束>>>")
            missing = [f for f in facts if f not in current]
            return current + "".join(f"{f}。" for f in missing)
        heading = _between(prompt, "部分“", "”的正文")
        unit = _between(prompt, "单位：", "（")
        period = _between(prompt, "期间：", "\n")
        if heading in ("", "开头段"):
            return (
                f"{period}，{unit}在上级工会和党委的坚强领导下，坚持以职工为中心的工作导向，"
                "团结动员广大职工建功立业，各项工作取得新进展。现将工作总结如下："
            )
        if "问题" in heading:
            body = "；".join(facts) if facts else "工作的系统性还不够强"
            return f"在肯定成绩的同时，我们也清醒地看到：{body}。对此，我们将认真研究加以解决。"
        if "打算" in heading or "计划" in heading or "思路" in heading:
            ordinals = "一二三四五六七八九十"
            items = "；".join(f"{ordinals[i % 10]}是{f}" for i, f in enumerate(facts))
            return f"下一步，我们将重点做好以下工作：{items or '一是持续抓好各项工作落实'}。"
        lines = "".join(f"{f}。" for f in facts)
        extra = "".join(text for word, text in self.invent.items() if word in heading)
        if self.variant == 1:
            return (
                f"围绕“{heading}”，我们认真谋划、精心组织，推动工作落到实处。{lines}{extra}"
                "通过这些工作，职工群众的获得感、幸福感进一步增强。"
            )
        return f"今年以来，我们把{heading.split('，')[-1]}作为重点，持续用力。{lines}{extra}各项工作稳步推进。"


def section_responder(request: dict[str, Any]) -> str:
    return SectionResponder()(request)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ui_settings(data_dir: Path, llm: FakeLLM | None = None, **env: str) -> Settings:
    """Settings as the app would read them from the environment (offline embedder)."""
    values = {"DRAFTER_DATA_DIR": str(data_dir), "DRAFTER_EMBED_MODEL": "offline", **env}
    if llm is not None:
        values.update(llm.env())
    return Settings.from_env(env=values)


@dataclass
class RunningApp:
    url: str
    backend: Any  # drafter.ui.backend.Backend
    settings: Settings


@contextmanager
def running_app(
    settings: Settings, ready_timeout: float = 120.0, port: int | None = None
) -> Iterator[RunningApp]:
    """Build and launch the app in-process on a loopback port (free by default), corpus ready."""
    from drafter.ui import build_ui
    from drafter.ui.backend import Backend

    backend = Backend(settings)
    demo = build_ui(settings, backend)
    port = port or free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        assert backend.wait_ready(ready_timeout), "corpus not ready in time"
        yield RunningApp(f"http://127.0.0.1:{port}/", backend, settings)
    finally:
        demo.close()


def wait_until(predicate: Any, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; bounded by `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def stop_and_read(proc: subprocess.Popen[str]) -> str:
    """Stop a server process we started and return everything it printed (bounded waits)."""
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate(timeout=5)
    return output


def unique_facts(i: int) -> list[str]:
    """Facts whose figures belong to user i alone (no figure is shared between two users), so a
    draft that reached the wrong user, or mixed two users' sections, is seen by its figures."""
    base = 100 * (i + 1)
    return [
        f"新建基层工会{base + 11}家，新发展会员{base + 12}人",
        f"走访慰问困难职工{base + 13}户，发放慰问金{base + 14}.5万元",
        f"举办职工技能竞赛{base + 15}场，参赛职工{base + 16}人",
    ]
