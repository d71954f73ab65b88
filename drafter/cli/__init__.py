"""The `drafter` command: the parser, the command modules, and the one translation of errors.

Each command module (corpus, drafts, admin) has `register(sub)`, which adds its subcommands
and sets each one's handler: `handler(args, service) -> exit code`. A handler parses nothing
itself and calls only the service layer (`drafter.app.service.DrafterService`) as the
administrator. To add a command, write a module with `register` and its handler, and add the
module to COMMAND_MODULES. Errors are `DrafterError`s: `main` prints their Chinese message and
returns their exit code; nothing else reaches the user as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from drafter.cli import admin, corpus, drafts, materials, outline
from drafter.cli.output import provenance, say
from drafter.config import Settings
from drafter.errors import DrafterError

__all__ = ["COMMAND_MODULES", "build_parser", "main", "provenance", "say"]

COMMAND_MODULES = (corpus, drafts, outline, materials, admin)


def build_parser() -> argparse.ArgumentParser:
    # Global options are accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help="数据目录（默认 ~/.local/share/drafter，或 DRAFTER_DATA_DIR）"
    )
    common.add_argument(
        "--embed-model", default=argparse.SUPPRESS, help="向量模型名称或本地目录；offline 表示内置离线向量"
    )
    parser = argparse.ArgumentParser(prog="drafter", description="工会工作总结起草助手", parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="命令")
    original_add = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return original_add(name, parents=[common], **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        from drafter.app.service import DrafterService

        settings = Settings.from_env(
            data_dir=getattr(args, "data_dir", None), embed_model=getattr(args, "embed_model", None)
        )
        return args.handler(args, DrafterService(settings, notify=say))
    except DrafterError as exc:
        say(f"错误：{exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("已中断。")
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, no traceback at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
