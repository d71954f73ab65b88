"""`drafter ingest` and `drafter search`: the example corpus."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.cli.output import emit_json, terminal_progress

if TYPE_CHECKING:
    from drafter.app.service import DrafterService


def register(sub: Any) -> None:
    from drafter.taxonomy import ROLES

    p = sub.add_parser("ingest", help="把范文语料入库（默认为自带语料 corpus/）")
    p.add_argument("paths", nargs="*", help="文件或文件夹（.txt .md .docx）")
    p.add_argument("--rebuild", action="store_true", help="清空后重建索引")
    p.add_argument("--json", action="store_true", help="输出 JSON 统计")
    p.set_defaults(handler=ingest)

    p = sub.add_parser("search", help="检索范文段落")
    p.add_argument("query", help="检索内容")
    p.add_argument("--unit-type", help="单位类型，如 乡镇/街道、企业、学校")
    p.add_argument("--topic", help="主题，如 帮扶、劳动竞赛")
    p.add_argument("--role", choices=ROLES, help="段落角色")
    p.add_argument("--period", help="期间：年度、上半年、下半年、专项")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler=search)


def ingest(args: argparse.Namespace, service: DrafterService) -> int:
    from drafter.config import BUNDLED_CORPUS

    paths = [Path(p) for p in args.paths] or [BUNDLED_CORPUS]
    report = service.ingest(paths, rebuild=args.rebuild, progress=terminal_progress(not args.json))
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
    print(f"向量模型：{report.embedder}；数据目录：{service.settings.data_dir}")
    return 0


def search(args: argparse.Namespace, service: DrafterService) -> int:
    from drafter.retrieve import FILTER_KEYS

    filters = {key: getattr(args, key) for key in FILTER_KEYS}
    results = service.search(args.query, k=args.k, filters=filters)
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
