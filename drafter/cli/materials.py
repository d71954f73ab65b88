"""`drafter facts extract` (the year's materials → candidate facts) and `drafter compare`
(last year's plans followed up, year-on-year figures computed in code); `with_last_year` for
`drafter draft --last-year`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.cli.output import emit_json, say
from drafter.errors import UserError

if TYPE_CHECKING:
    from drafter.app.service import DrafterService
    from drafter.draft import Draft
    from drafter.facts import Facts
    from drafter.last_year import LastYear


def register(sub: Any) -> None:
    p = sub.add_parser("facts", help="从素材（台账、简报、报告）中提取事实")
    facts_sub = p.add_subparsers(dest="facts_command", metavar="操作", required=True)
    q = facts_sub.add_parser("extract", help="从素材文件中提取候选事实")
    q.add_argument("files", nargs="+", help="素材文件：.docx .txt .md .pdf .xlsx .csv")
    q.add_argument("-o", "--out", help="写成事实文件（.yaml），出处写在注释里")
    q.add_argument("--json", action="store_true", help="打印候选事实 JSON")
    q.add_argument("--offline", action="store_true", help="不使用大模型")
    q.add_argument("--unit-name", help="单位名称（不写则从素材中推测）")
    q.add_argument("--unit-type", help="单位类型")
    q.add_argument("--year", type=int, help="年份（不写则从素材中推测）")
    q.set_defaults(handler=extract_facts)

    p = sub.add_parser("compare", help="对照上年总结：打算落实情况和同比变化")
    p.add_argument("facts", help="今年的事实文件（YAML 或 JSON）")
    p.add_argument("--last-year", required=True, help="上年总结：.docx .txt .md 或导出的 .json")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(handler=compare)


def extract_facts(args: argparse.Namespace, service: DrafterService) -> int:
    """`drafter facts extract FILE…`: candidate facts from the year's materials."""
    from drafter.facts import FactsError
    from drafter.materials.facts_file import facts_yaml, guess_unit_and_year, unit_type_for

    if args.out:
        if Path(args.out).suffix.lower() not in (".yaml", ".yml"):
            raise UserError("输出的事实文件应以 .yaml 结尾，如 facts.yaml。")
        if not Path(args.out).resolve().parent.is_dir():
            raise UserError(f"保存位置不存在：{Path(args.out).parent}，请先建好文件夹。")
    found = service.extract_facts([Path(p) for p in args.files], offline=args.offline)
    for path, reason in found.failed:
        say(f"跳过 {path.name}：{reason}")
    if not found.materials:
        raise UserError("没有可以读取的素材文件，请检查文件。", exit_code=1)
    if found.used_model and found.report.failed:
        say("大模型暂时无法使用，已按规则提取（与 --offline 相同）。")
    elif found.used_model:
        say(f"大模型提取：补充 {found.report.accepted} 条（规则已找到的不重复列出），"
            f"舍弃 {len(found.report.rejected)} 条（数字在原文中找不到等）。")
    candidates = found.candidates
    if not candidates:
        raise UserError("素材中没有找到带数字的工作事项。", exit_code=1)
    conflicts = sum(1 for c in candidates if c.conflicts)
    say(f"从 {len(found.materials)} 个文件中提取到 {len(candidates)} 条候选事实"
        + (f"，其中 {conflicts} 条各材料数字不一致，请核实。" if conflicts else "。"))
    if args.out:
        name, year = guess_unit_and_year(found.materials)
        name = args.unit_name or name or "（请填写单位名称）"
        try:
            text = facts_yaml(candidates, name, args.unit_type or unit_type_for(name), args.year or year or 2025)
        except FactsError as exc:
            raise UserError("无法生成事实文件：" + "；".join(exc.messages)) from exc
        from drafter.export.files import atomic_write

        atomic_write(Path(args.out), text.encode("utf-8"))
        say(f"已保存到 {args.out}（请核对单位名称、年份，并补上存在问题和下一步打算）")
    if args.json:
        emit_json([c.to_dict() for c in candidates])
    elif not args.out:
        for n, c in enumerate(candidates, 1):
            where = "；".join(f"{s['file']} {s['where']}" for s in c.sources)
            print(f"{n}. [{c.topic}] {c.text}\n   出处：{where}")
            for conflict in c.conflicts:
                print("   数字不一致：" + "／".join(f"{v['figure']}（{v['file']} {v['where']}）" for v in conflict["values"]))
    return 0


def compare(args: argparse.Namespace, service: DrafterService) -> int:
    """`drafter compare FACTS --last-year FILE`: plan follow-up, year-on-year figures, checks."""
    from drafter.compare import STATUS_LABELS

    facts = service.read_facts(args.facts)
    result = service.compare(facts, service.read_last_year(args.last_year))
    if args.json:
        emit_json(result.to_dict())
        return 0
    print(f"上年打算落实情况（{len(result.plans)} 条）：")
    for p in result.plans:
        print(f"  [{STATUS_LABELS[p.status]}] {p.plan}" + (f"（{p.note}）" if p.note else ""))
        for fact in p.facts[:3]:
            print(f"      ← {fact}")
    print(f"同比变化（由程序计算，{len(result.changes)} 项）：")
    for c in result.changes:
        print(f"  {c.indicator}：上年{c.last}{c.unit}，今年{c.this}{c.unit}，{c.change}　算式：{c.text}")
    if result.warnings:
        print("提示：")
        for w in result.warnings:
            print(f"  - {w}")
    return 0


def with_last_year(service: DrafterService, facts: Facts, path: str | None) -> tuple[Facts, LastYear | None]:
    """For `draft --last-year`: the facts with the comparison applied (compare.apply_comparison),
    and the parsed summary."""
    if not path:
        return facts, None
    from drafter.compare import apply_comparison

    last = service.read_last_year(path)
    result = service.compare(facts, last)
    updated, notes = apply_comparison(facts, result)
    for line in [*notes, *result.warnings]:
        say(line if line.startswith("同比") else f"提示：{line}")
    return updated, last


def report_last_year_reuse(draft: Draft, last: LastYear | None) -> None:
    from drafter.compare import reused_from

    if last is None:
        return
    for section in draft.sections:
        for passage in reused_from(section.text, last.text):
            say(f"提示：与上年总结雷同：“{passage[:30]}…”，请结合今年实际改写。")
