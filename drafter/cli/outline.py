"""`drafter outline` (the planned outline as a file the user edits, then `draft --outline`) and
`drafter section …` (add, remove, restore, move a section of a stored draft; move or add a fact)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.cli.output import ADMIN, cli_events, quiet_library_logs, say
from drafter.draft import section_name
from drafter.errors import UserError

if TYPE_CHECKING:
    from drafter.app.service import DrafterService


def register(sub: Any) -> None:
    p = sub.add_parser("outline", help="生成总结提纲文件（可修改后用 draft --outline 成稿）")
    p.add_argument("facts", help="事实文件（YAML 或 JSON）")
    p.add_argument("-o", "--out", required=True, help="提纲文件（.yaml）")
    p.add_argument("--style", help="小标题样式：并列式 或 主题式（默认按事实文件，否则并列式）")
    p.set_defaults(handler=outline)

    p = sub.add_parser("section", help="调整草稿的章节：添加、删除、移动一节，移动事实，加入事实")
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)

    def action(name: str, help: str, numbered: bool = True) -> argparse.ArgumentParser:
        q = actions.add_parser(name, help=help)
        q.add_argument("draft_id", help="草稿编号")
        if numbered:
            q.add_argument("--section", type=int, required=True, help="第几节（开头段为第 1 节）")
        q.set_defaults(handler=section)
        return q

    q = action("add", "添加一节", numbered=False)
    q.add_argument("--heading", required=True, help="小标题")
    q.add_argument("--at", type=int, help="放在第几节（默认放在“存在的问题”之前）")
    q = action("remove", "删除一节（原文保留在历史中）")
    q.add_argument("--force", action="store_true", help="这一节含有事实也删除")
    q = action("move", "移动一节")
    q.add_argument("--to", type=int, required=True, help="移到第几节")
    q = action("move-fact", "把一条事实移到另一节（两节重写）", numbered=False)
    q.add_argument("--fact", required=True, help="事实原文（与事实文件中一致）")
    q.add_argument("--to", type=int, required=True, help="移到第几节")
    q.add_argument("--offline", action="store_true", help="不使用大模型")
    q = action("add-fact", "把手工输入的新数字所在的句子加入事实")
    q.add_argument("--figure", help="数字，如 88（加入它所在的句子）")
    q.add_argument("--text", help="要加入的事实原文")
    action("removed", "查看删除过的节", numbered=False)
    q = action("restore", "恢复一个删除过的节（连同修改历史）", numbered=False)
    q.add_argument("--removed", type=int, default=1, help="第几个删除过的节（按 drafter section removed 的编号，默认 1：最后删除的）")
    q.add_argument("--at", type=int, help="放在第几节（默认按体裁顺序放回原类节的位置）")


def outline(args: argparse.Namespace, service: DrafterService) -> int:
    from drafter.fact_fields import parse_style
    from drafter.outline import retitle
    from drafter.outline_file import write_outline

    facts = service.read_facts(args.facts)
    out = Path(args.out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UserError(f"提纲文件请以 .yaml 结尾（现在是“{out.name}”），如 提纲.yaml。")
    errors: list[str] = []
    style = parse_style(args.style, errors)
    if errors:
        raise UserError(errors[0])
    service.go_offline()  # planning needs no model
    planned = service.outline(facts)
    if style:
        planned = retitle(planned, style)
    write_outline(planned, out)
    say(f"提纲已保存到 {out}（{len(planned.sections)} 节）。可以用文本编辑器修改，")
    say(f"再成稿：drafter draft {args.facts} --outline {out}")
    return 0


def section(args: argparse.Namespace, service: DrafterService) -> int:
    quiet_library_logs()
    did = args.draft_id
    if args.action == "add":
        draft = service.add_section(ADMIN, did, args.heading, None if args.at is None else args.at - 1)
        say(f"已添加一节“{args.heading.strip()}”，现共 {len(draft.sections)} 节。可用 drafter section move-fact 移入事实。")
    elif args.action == "remove":
        removed = service.remove_section(ADMIN, did, args.section - 1, force=args.force)
        say(f"已删除第 {args.section} 节“{removed.heading or '开头段'}”（原文保留在草稿历史中，可用 drafter section removed {did} 查看）。")
    elif args.action == "move":
        service.move_section(ADMIN, did, args.section - 1, args.to - 1)
        say(f"已把第 {args.section} 节移到第 {args.to} 节。")
    elif args.action == "move-fact":
        result = service.move_fact(ADMIN, did, args.fact, args.to - 1, offline=args.offline, events=cli_events())
        say(f"已把这条事实移到第 {args.to} 节，并重写了相关的节。")
        if result.report.skipped_edited:
            say("有您手工修改的节未重写，请按提示核对。")
        return result.report.exit_code
    elif args.action == "add-fact":
        if bool(args.figure) == bool(args.text):
            raise UserError("请用 --figure 指明数字（加入它所在的句子），或用 --text 写出要加入的事实。")
        if args.figure:
            added = service.add_figure_fact(ADMIN, did, args.section - 1, args.figure)
        else:
            added = service.add_fact(ADMIN, did, args.section - 1, args.text)
        say(f"已加入事实：{added.facts[-1]}")
    elif args.action == "restore":
        draft, at = service.restore_section(ADMIN, did, args.removed - 1, None if args.at is None else args.at - 1)
        back = draft.sections[at]
        say(f"已恢复{section_name(back.heading, back.role)}，放在第 {at + 1} 节，现共 {len(draft.sections)} 节。")
    else:  # removed
        sections = service.removed_sections(ADMIN, did)
        if not sections:
            print("这份草稿没有删除过的节。")
        for n, s in enumerate(sections, 1):
            print(f"{n}. {s.heading or '开头段'}\n{s.text}\n")
    return 0
