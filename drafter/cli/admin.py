"""`drafter list`, `drafter transfer`, `drafter serve`: the administrator's commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from drafter.cli.output import ADMIN, emit_json, say

if TYPE_CHECKING:
    from drafter.app.service import DrafterService


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="列出草稿（全部用户的）")
    p.add_argument("--owner", help="只列出这个登录用户的草稿（空字符串为未登录用户）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler=list_drafts)

    p = sub.add_parser("transfer", help="把草稿转交给另一个登录用户")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--to", required=True, help="登录用户名（空字符串为未登录用户）")
    p.set_defaults(handler=transfer)

    p = sub.add_parser("serve", help="启动网页界面")
    p.add_argument("--host", help="监听地址（默认 127.0.0.1，或 DRAFTER_HOST）")
    p.add_argument("--port", type=int, help="端口（默认 7860，或 DRAFTER_PORT）")
    p.set_defaults(handler=serve)


def list_drafts(args: argparse.Namespace, service: DrafterService) -> int:
    drafts = service.list_drafts(args.owner if args.owner is not None else ADMIN)
    if args.json:
        emit_json([d.__dict__ for d in drafts])
        return 0
    if not drafts:
        print("还没有草稿。")
    for d in drafts:
        print(f"{d.id}  {d.updated_at}  {d.mode:7}  {d.owner or '（未登录用户）'}  {d.title}")
    return 0


def transfer(args: argparse.Namespace, service: DrafterService) -> int:
    service.transfer(ADMIN, args.draft_id, args.to)
    say(f"草稿 {args.draft_id} 已转交给{args.to or '未登录用户'}。")
    return 0


def serve(args: argparse.Namespace, service: DrafterService) -> int:
    from drafter.ui import serve

    serve(service.settings, host=args.host, port=args.port)
    return 0
