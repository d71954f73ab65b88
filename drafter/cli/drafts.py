"""`drafter draft`, `revise`, `edit`, `undo`, `lock`, `regenerate`, `show`, `export`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.cli.output import (
    ADMIN,
    cli_events,
    print_warnings,
    provenance,
    quiet_library_logs,
    say,
    write_output,
)
from drafter.errors import DrafterError, UserError

if TYPE_CHECKING:
    from drafter.app.service import DrafterService


def register(sub: Any) -> None:
    from drafter.write import REVISE_ACTIONS  # here: `drafter --help` stays light

    p = sub.add_parser("draft", help="根据事实文件生成总结初稿")
    p.add_argument("facts", help="事实文件（YAML 或 JSON）")
    p.add_argument("-o", "--out", help="输出文件：.docx .md .txt .json（不写则打印 Markdown）")
    p.add_argument("--offline", action="store_true", help="不使用大模型")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")
    p.add_argument("--outline", help="按修改过的提纲文件成稿（drafter outline 生成）")
    p.add_argument("--last-year", help="上年总结（对照打算落实情况，计算同比数据）")
    p.set_defaults(handler=draft)

    def section_command(name: str, handler: Any, help: str) -> argparse.ArgumentParser:
        q = sub.add_parser(name, help=help)
        q.add_argument("draft_id", help="草稿编号")
        q.add_argument("--section", type=int, required=True, help="第几节（开头段为第 1 节）")
        q.set_defaults(handler=handler)
        return q

    p = section_command("revise", revise, "修改某一节（重写、润色、扩写、精简）")
    p.add_argument("--instruction", help="修改要求（需要大模型）")
    p.add_argument(
        "--action",
        choices=list(REVISE_ACTIONS),
        help="、".join(f"{a.name}={a.label}" for a in REVISE_ACTIONS.values()),
    )
    p.add_argument("--offline", action="store_true", help="不使用大模型（只支持扩写、精简）")

    p = section_command("edit", edit, "用文件中的文字替换某一节正文")
    p.add_argument("--text-file", required=True, help="UTF-8 文本文件")
    p.add_argument("--heading", help="同时修改小标题")

    section_command("undo", undo, "撤销某一节的上一次修改")

    p = section_command("lock", lock, "锁定某一节（重新生成时不改动）")
    p.add_argument("--unlock", action="store_true", help="解锁")

    p = sub.add_parser("regenerate", help="重新生成草稿中所有未锁定的节")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--offline", action="store_true", help="不使用大模型")
    p.add_argument("--replace-edited", action="store_true", help="手工修改过的节也重新生成（默认保留）")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")
    p.set_defaults(handler=regenerate)

    p = sub.add_parser("show", help="显示草稿")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")
    p.set_defaults(handler=show)

    p = sub.add_parser("export", help="导出草稿为 Word 等格式")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("-o", "--out", required=True, help="输出文件：.docx .md .txt .json")
    p.add_argument("--comments", action="store_true", help="在 Word 中给每个数字加批注，注明来源事实（默认不加）")
    p.add_argument("--check-table", action="store_true", help="另存一份数据核对表（文件名-数据核对表.docx）")
    p.set_defaults(handler=export)


def draft(args: argparse.Namespace, service: DrafterService) -> int:
    from drafter.cli.materials import report_last_year_reuse, with_last_year
    from drafter.draft import MODE_LABELS

    facts = service.read_facts(args.facts)
    outline = _outline_file(args.outline, facts)
    if args.out:
        service.check_output(args.out)
    facts, last_year = with_last_year(service, facts, args.last_year)
    for rejected in facts.rejected:
        say(f"提示：已忽略一条疑似对模型的指令：{rejected.text[:40]}")
    say(service.llm_status() if not args.offline else "离线模式（--offline）。")
    quiet_library_logs()
    result = service.draft(ADMIN, facts, outline=outline, offline=args.offline, events=cli_events())
    saved = result.draft
    try:
        write_output(service, saved, args.out, args.json)
    except DrafterError as exc:  # e.g. the disk filled up: the draft itself is saved, say where
        say(f"草稿编号：{saved.id}（草稿已保存，但没能写入输出文件）")
        raise UserError(f"{exc.message}\n可以换一个位置再导出：drafter export {saved.id} -o 文件名.docx") from exc
    report_last_year_reuse(saved, last_year)
    total = sum(len(s.text) for s in saved.sections)
    warnings = sum(len(s.warnings) for s in saved.sections)
    say(f"草稿编号：{saved.id}（{MODE_LABELS[saved.mode]}，约 {total} 字，提示 {warnings} 条）")
    if facts.length and saved.mode == "offline" and not result.report.asked and total < facts.length * 0.8:
        say(
            f"说明：离线模式只根据您的事实成文、不编造内容，篇幅约 {total} 字（目标 {facts.length} 字）；"
            "补充事实或配置大模型可得到更充实的稿子。"
        )
    return result.report.exit_code


def revise(args: argparse.Namespace, service: DrafterService) -> int:
    if not args.instruction and not args.action:
        from drafter.write import REVISE_ACTIONS

        raise UserError(f"请用 --instruction 写明修改要求，或用 --action 选择 {'、'.join(REVISE_ACTIONS)}。")
    quiet_library_logs()
    section = service.revise(
        ADMIN, args.draft_id, args.section - 1, instruction=args.instruction or "", action=args.action or "",
        offline=args.offline,
    )
    print(section.text)
    print_warnings(section)
    return 0


def edit(args: argparse.Namespace, service: DrafterService) -> int:
    path = Path(args.text_file)
    if not path.is_file():
        raise UserError(f"找不到文件：{path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} 不是 UTF-8 文本，请另存为 UTF-8 后重试。") from exc
    section = service.edit(ADMIN, args.draft_id, args.section - 1, text, args.heading)
    say(f"已保存第 {args.section} 节的修改。")
    print_warnings(section)
    return 0


def undo(args: argparse.Namespace, service: DrafterService) -> int:
    section = service.undo(ADMIN, args.draft_id, args.section - 1)
    say(f"已撤销第 {args.section} 节的上一次修改。")
    print(section.text)
    return 0


def lock(args: argparse.Namespace, service: DrafterService) -> int:
    service.set_locked(ADMIN, args.draft_id, args.section - 1, not args.unlock)
    say(f"第 {args.section} 节已{'解锁' if args.unlock else '锁定'}。")
    return 0


def regenerate(args: argparse.Namespace, service: DrafterService) -> int:
    quiet_library_logs()
    result = service.regenerate(
        ADMIN, args.draft_id, offline=args.offline, replace_edited=args.replace_edited, events=cli_events()
    )
    write_output(service, result.draft, None, args.json)
    if result.report.skipped_edited:  # the drafter's notice named them
        say("如需连同手工修改的节一起重新生成，请加 --replace-edited。")
    return result.report.exit_code


def show(args: argparse.Namespace, service: DrafterService) -> int:
    shown = service.get(ADMIN, args.draft_id)
    write_output(service, shown, None, args.json)
    if not args.json:
        say(provenance(shown))
    return 0


def export(args: argparse.Namespace, service: DrafterService) -> int:
    service.check_output(args.out)
    if not (args.comments or args.check_table):
        write_output(service, service.get(ADMIN, args.draft_id), args.out, False)
        return 0
    # the figures' sources: Word comments on each figure and/or the 数据核对表 next to the file
    from drafter.export import table_path

    path = service.export(ADMIN, args.draft_id, args.out, comments=args.comments, check_table=args.check_table)
    say(f"已保存到 {path}" + ("（每个数字带有批注，注明来源事实；正式报送前请删除批注）" if args.comments else ""))
    if args.check_table:
        say(f"数据核对表已保存到 {table_path(path)}")
    return 0


def _outline_file(path: str | None, facts: Any) -> Any:
    """The outline file given with --outline, checked against the facts (OutlineError: exit 2)."""
    if not path:
        return None
    from drafter.outline_file import load_outline

    return load_outline(path, facts)
