"""What the CLI prints: notices on stderr (credentials masked), JSON and drafts on stdout,
progress bars and per-section progress lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.config import mask_credentials
from drafter.draft import short_name

if TYPE_CHECKING:
    from drafter.app.service import DrafterService
    from drafter.draft import Draft, Section
    from drafter.drafting import DraftEvents

ADMIN = None  # the owner the CLI acts as: the administrator, who sees every draft


def say(message: str) -> None:
    """Notices go to stderr so --json output on stdout stays machine-readable.

    Every notice and error passes here, so none can show an address's credentials."""
    print(mask_credentials(message), file=sys.stderr)


def emit_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def terminal_progress(enabled: bool) -> Callable[[str, int, int], None] | None:
    """A tqdm bar per stage on a terminal; nothing when piped or when --json is given."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    labels = {"read": "读取文件", "embed": "生成向量"}
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=labels.get(stage, stage), unit="项")
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def quiet_library_logs() -> None:
    """Retry notices are logged in English for developers; the CLI user gets the Chinese
    messages (notices and errors) instead of Python's last-resort log output."""
    import logging

    logger = logging.getLogger("drafter")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def cli_events() -> DraftEvents:
    """DraftEvents that print one line per finished section (and notices) to stderr."""
    from drafter.draft import ORIGIN_LABELS
    from drafter.drafting import DraftEvents  # here: `drafter --help` stays light

    class CliEvents(DraftEvents):
        def section_started(self, position: int, section: Section) -> None:
            say(f"  正在写：{short_name(section.heading, section.role)}")

        def section_done(self, position: int, section: Section) -> None:
            # The reasons come once, in the closing notice; `drafter show` lists them per section.
            say(f"  已完成：{short_name(section.heading, section.role)}（{ORIGIN_LABELS[section.origin]}）")

        def notice(self, message: str) -> None:
            say(message)

    return CliEvents()


def write_output(service: DrafterService, draft: Draft, out: str | None, as_json: bool) -> None:
    """The draft to the file `out` (format by suffix), else to stdout as Markdown or JSON."""
    from drafter.export import export_markdown, write_error

    if out:
        path = service.export(ADMIN, draft.id, out)
        say(f"已保存到 {path}")
        return
    try:  # flushed here, not at exit: a full disk behind `> file` is reported like -o's
        if as_json:  # each section also lists its figures and the fact each came from
            from drafter.trace import draft_dict

            emit_json(draft_dict(draft))
        else:
            print(export_markdown(draft))
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise write_error(Path("标准输出"), exc.errno) from exc


def print_warnings(section: Section) -> None:
    from drafter.draft import WARNING_LABELS

    for w in section.warnings:
        say(f"  提示（{WARNING_LABELS.get(w.kind, w.kind)}）：{w.detail}")


def provenance(draft: Draft) -> str:
    """Who wrote each section, for `drafter show` (stderr, below the text)."""
    from drafter.draft import MODE_LABELS, ORIGIN_LABELS

    lines = [f"来源（{MODE_LABELS[draft.mode]}）："]
    for n, s in enumerate(draft.sections, 1):
        why = f"：{s.origin_reason}" if s.origin_reason else ""
        lines.append(f"  第 {n} 节 {short_name(s.heading, s.role)}：{ORIGIN_LABELS[s.origin]}{why}")
    return "\n".join(lines)
