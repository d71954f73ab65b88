"""The `drafter` command. Each subcommand parses flags, builds collaborators, calls the core."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafter.config import BUNDLED_CORPUS, Settings
from drafter.errors import UserError

Handler = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def say(message: str) -> None:
    """Notices go to stderr so --json output on stdout stays machine-readable."""
    print(message, file=sys.stderr)


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


# ---- ingest / search ----------------------------------------------------------------------
@command("ingest")
def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.index import open_index
    from drafter.ingest import ingest

    paths = [Path(p) for p in args.paths] or [BUNDLED_CORPUS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserError(f"找不到路径：{'、'.join(missing)}")
    index = open_index(settings, notify=say)
    report = ingest(paths, settings, index, rebuild=args.rebuild, progress=terminal_progress(not args.json))
    if args.json:
        emit_json(report.to_dict())
        return 0
    print(
        f"入库完成：{report.files} 个文件，{report.articles} 篇总结（另有 {report.duplicates} 篇重复未入库），"
        f"{report.sections} 个章节，{report.chunks} 个片段；新增 {report.added}，删除 {report.removed}。"
    )
    if report.rebuilt:
        print("向量模型与原索引不同（或指定了 --rebuild），已重建索引。")
    for item in report.skipped:
        print(f"  跳过 {item['path']}：{item['reason']}")
    print(f"向量模型：{report.embedder}；数据目录：{settings.data_dir}")
    return 0


@command("search")
def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.index import open_index
    from drafter.retrieve import Retriever

    index = open_index(settings, notify=say)
    if index.is_empty():
        raise UserError("语料库还是空的：请先运行 drafter ingest。")
    if not index.embedder_matches():
        raise UserError("索引是用另一个向量模型建立的：请运行 drafter ingest --rebuild。")
    filters = {"unit_type": args.unit_type, "topic": args.topic, "role": args.role, "period": args.period}
    results = Retriever(index).search(args.query, k=args.k, filters=filters)
    if args.json:
        emit_json([r.to_dict() for r in results])
        return 0
    if not results:
        print("没有找到相关段落。")
    for n, r in enumerate(results, 1):
        print(f"{n}. [{r.score:.4f}] {r.source} · {r.article} · {r.heading or '（开头）'}")
        print(f"   {r.unit_type} / {r.period} / {r.role} / {r.topic}")
        print("   " + r.text[:160].replace("\n", " ") + ("…" if len(r.text) > 160 else ""))
    return 0


# ---- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drafter", description="工会工作总结起草助手")
    parser.add_argument("--data-dir", help="数据目录（默认 ~/.local/share/drafter，或 DRAFTER_DATA_DIR）")
    parser.add_argument("--embed-model", help="向量模型名称或本地目录；offline 表示内置离线向量")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("ingest", help="把范文语料入库（默认为自带语料 corpus/）")
    p.add_argument("paths", nargs="*", help="文件或文件夹（.txt .md .docx）")
    p.add_argument("--rebuild", action="store_true", help="清空后重建索引")
    p.add_argument("--json", action="store_true", help="输出 JSON 统计")

    p = sub.add_parser("search", help="检索范文段落")
    p.add_argument("query", help="检索内容")
    p.add_argument("--unit-type", help="单位类型，如 乡镇/街道、企业、学校")
    p.add_argument("--topic", help="主题，如 帮扶、劳动竞赛")
    p.add_argument("--role", choices=["opening", "body", "problems", "plans", "closing"], help="段落角色")
    p.add_argument("--period", help="期间：年度、上半年、下半年、专项")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    for extend in _PARSER_EXTENSIONS:
        extend(sub)
    return parser


_PARSER_EXTENSIONS: list[Callable[[Any], None]] = []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env(data_dir=args.data_dir, embed_model=args.embed_model)
        return _COMMANDS[args.command](args, settings)
    except UserError as exc:
        say(f"错误：{exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("已中断。")
        return 130


if __name__ == "__main__":
    sys.exit(main())
