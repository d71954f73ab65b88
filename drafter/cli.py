"""The `drafter` command. Each subcommand parses flags, builds collaborators, calls the core."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafter.config import BUNDLED_CORPUS, Settings, mask_credentials
from drafter.draft import WARNING_LABELS, short_name
from drafter.errors import UserError
from drafter.taxonomy import ROLES

Handler = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


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
    report = ingest(
        paths, settings, index, rebuild=args.rebuild, progress=terminal_progress(not args.json), notify=say
    )
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
    from drafter.retrieve import FILTER_KEYS, Retriever

    index = open_index(settings, notify=say)
    if index.is_empty():
        raise UserError("语料库还是空的：请先运行 drafter ingest。")
    if not index.embedder_matches():
        raise UserError("索引是用另一个向量模型建立的：请运行 drafter ingest --rebuild。")
    filters = {key: getattr(args, key) for key in FILTER_KEYS}
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


# ---- drafting and revising -------------------------------------------------------------------
def _quiet_library_logs() -> None:
    """Retry notices are logged in English for developers; the CLI user gets the Chinese
    messages (notices and errors) instead of Python's last-resort log output."""
    import logging

    logger = logging.getLogger("drafter")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _cli_events() -> Any:
    """DraftEvents that print one line per finished section (and notices) to stderr."""
    from drafter.draft import ORIGIN_LABELS
    from drafter.drafting import DraftEvents  # here: `drafter --help` stays light

    class CliEvents(DraftEvents):
        def section_started(self, position: int, section: Any) -> None:
            say(f"  正在写：{short_name(section.heading, section.role)}")

        def section_done(self, position: int, section: Any) -> None:
            # The reasons come once, in the closing notice; `drafter show` lists them per section.
            say(f"  已完成：{short_name(section.heading, section.role)}（{ORIGIN_LABELS[section.origin]}）")

        def notice(self, message: str) -> None:
            say(message)

    return CliEvents()


def _write_output(draft: Any, out: str | None, as_json: bool) -> None:
    from drafter.export import export_draft, export_markdown, write_error

    if out:
        path = export_draft(draft, Path(out))
        say(f"已保存到 {path}")
        return
    try:  # flushed here, not at exit: a full disk behind `> file` is reported like -o's
        if as_json:
            emit_json(draft.to_dict())
        else:
            print(export_markdown(draft))
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise write_error(Path("标准输出"), exc.errno) from exc


def _load_facts_or_fail(path: str) -> Any:
    from drafter.facts import FactsError, load_facts

    try:
        return load_facts(path)
    except FactsError as exc:
        raise UserError("事实文件有问题：\n" + "\n".join(f"  - {m}" for m in exc.messages)) from exc


def _check_output_path(out: str | None) -> None:
    """Refuse an unwritable -o before any drafting is done (ExportError says why, in Chinese)."""
    from drafter.export import check_output_path

    if out:
        check_output_path(Path(out))


@command("draft")
def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import llm_status, make_drafter

    facts = _load_facts_or_fail(args.facts)
    outline = _outline_or_none(getattr(args, "outline", None), facts)
    _check_output_path(args.out)
    facts, last_year = _with_last_year(facts, getattr(args, "last_year", None))
    for rejected in facts.rejected:
        say(f"提示：已忽略一条疑似对模型的指令：{rejected.text[:40]}")
    say(llm_status(settings) if not args.offline else "离线模式（--offline）。")
    _quiet_library_logs()
    drafter = make_drafter(settings, offline=args.offline, events=_cli_events(), notify=say)
    result = drafter.draft(facts, offline=args.offline, outline=outline)
    draft = result.draft
    try:
        _write_output(draft, args.out, args.json)
    except UserError as exc:  # e.g. the disk filled up: the draft itself is saved, say where
        say(f"草稿编号：{draft.id}（草稿已保存，但没能写入输出文件）")
        raise UserError(f"{exc.message}\n可以换一个位置再导出：drafter export {draft.id} -o 文件名.docx") from exc
    _report_last_year_reuse(draft, last_year)
    total = sum(len(s.text) for s in draft.sections)
    warnings = sum(len(s.warnings) for s in draft.sections)
    from drafter.draft import MODE_LABELS

    say(f"草稿编号：{draft.id}（{MODE_LABELS[draft.mode]}，约 {total} 字，提示 {warnings} 条）")
    if facts.length and draft.mode == "offline" and not result.report.asked and total < facts.length * 0.8:
        say(
            f"说明：离线模式只根据您的事实成文、不编造内容，篇幅约 {total} 字（目标 {facts.length} 字）；"
            "补充事实或配置大模型可得到更充实的稿子。"
        )
    return result.report.exit_code


def _section_index(args: argparse.Namespace) -> int:
    return args.section - 1


@command("revise")
def cmd_revise(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import make_drafter

    if not args.instruction and not args.action:
        raise UserError("请用 --instruction 写明修改要求，或用 --action 选择 polish、expand、shorten。")
    _quiet_library_logs()
    drafter = make_drafter(settings, offline=args.offline, notify=say)
    section = _with_store_errors(
        lambda: drafter.revise(
            args.draft_id, _section_index(args), instruction=args.instruction or "", action=args.action or "",
            offline=args.offline,
        )
    )
    print(section.text)
    for w in section.warnings:
        say(f"  提示（{WARNING_LABELS.get(w.kind, w.kind)}）：{w.detail}")
    return 0


@command("edit")
def cmd_edit(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import make_drafter

    path = Path(args.text_file)
    if not path.is_file():
        raise UserError(f"找不到文件：{path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} 不是 UTF-8 文本，请另存为 UTF-8 后重试。") from exc
    if not text.strip():
        raise UserError("修改后的正文是空的：没有保存。")
    drafter = make_drafter(settings, offline=True, notify=say)
    section = _with_store_errors(lambda: drafter.edit(args.draft_id, _section_index(args), text, args.heading))
    say(f"已保存第 {args.section} 节的修改。")
    for w in section.warnings:
        say(f"  提示（{WARNING_LABELS.get(w.kind, w.kind)}）：{w.detail}")
    return 0


@command("undo")
def cmd_undo(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    section = _with_store_errors(lambda: open_store(settings).undo(args.draft_id, _section_index(args)))
    say(f"已撤销第 {args.section} 节的上一次修改。")
    print(section.text)
    return 0


@command("lock")
def cmd_lock(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    _with_store_errors(lambda: open_store(settings).set_locked(args.draft_id, _section_index(args), not args.unlock))
    say(f"第 {args.section} 节已{'解锁' if args.unlock else '锁定'}。")
    return 0


@command("regenerate")
def cmd_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import make_drafter

    _quiet_library_logs()
    drafter = make_drafter(settings, offline=args.offline, events=_cli_events(), notify=say)
    result = _with_store_errors(
        lambda: drafter.regenerate(args.draft_id, offline=args.offline, replace_edited=args.replace_edited)
    )
    _write_output(result.draft, None, args.json)
    if result.report.skipped_edited:  # the drafter's notice named them
        say("如需连同手工修改的节一起重新生成，请加 --replace-edited。")
    return result.report.exit_code


@command("show")
def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    draft = _with_store_errors(lambda: open_store(settings).get(args.draft_id))
    if args.json:  # each section also lists its figures and the fact each came from
        from drafter.trace import draft_dict

        emit_json(draft_dict(draft))
        return 0
    _write_output(draft, None, False)
    say(provenance(draft))
    return 0


def provenance(draft: Any) -> str:
    """Who wrote each section, for `drafter show` (stderr, below the text)."""
    from drafter.draft import MODE_LABELS, ORIGIN_LABELS

    lines = [f"来源（{MODE_LABELS[draft.mode]}）："]
    for n, s in enumerate(draft.sections, 1):
        why = f"：{s.origin_reason}" if s.origin_reason else ""
        lines.append(f"  第 {n} 节 {short_name(s.heading, s.role)}：{ORIGIN_LABELS[s.origin]}{why}")
    return "\n".join(lines)


@command("list")
def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    store = open_store(settings)
    drafts = (store if args.owner is None else store.for_owner(args.owner)).list_drafts()
    if args.json:
        emit_json([d.__dict__ for d in drafts])
        return 0
    if not drafts:
        print("还没有草稿。")
    for d in drafts:
        print(f"{d.id}  {d.updated_at}  {d.mode:7}  {d.owner or '（未登录用户）'}  {d.title}")
    return 0


@command("transfer")
def cmd_transfer(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    _with_store_errors(lambda: open_store(settings).set_owner(args.draft_id, args.to))
    say(f"草稿 {args.draft_id} 已转交给{args.to or '未登录用户'}。")
    return 0


@command("export")
def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import open_store

    _check_output_path(args.out)
    draft = _with_store_errors(lambda: open_store(settings).get(args.draft_id))
    if getattr(args, "comments", False) or getattr(args, "check_table", False):
        _export_with_figures(draft, args)
        return 0
    _write_output(draft, args.out, False)
    return 0


def _export_with_figures(draft: Any, args: argparse.Namespace) -> None:
    """export --comments / --check-table: the figures' sources in the Word file and/or a table."""
    from drafter.export import export_draft, table_path

    path = export_draft(draft, Path(args.out), comments=args.comments, check_table=args.check_table)
    say(f"已保存到 {path}" + ("（每个数字带有批注，注明来源事实；正式报送前请删除批注）" if args.comments else ""))
    if args.check_table:
        say(f"数据核对表已保存到 {table_path(path)}")


@command("serve")
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.ui import serve

    serve(settings, host=args.host, port=args.port)
    return 0


def _with_store_errors(action: Callable[[], Any]) -> Any:
    """Store errors (unknown draft, locked section, nothing to undo) carry Chinese messages."""
    from drafter.store import StoreError

    try:
        return action()
    except StoreError as exc:
        raise UserError(str(exc), getattr(exc, "exit_code", 2)) from exc


def _add_drafting_commands(sub: Any) -> None:
    from drafter.write import REVISE_ACTIONS  # here: `drafter --help` stays light

    p = sub.add_parser("draft", help="根据事实文件生成总结初稿")
    p.add_argument("facts", help="事实文件（YAML 或 JSON）")
    p.add_argument("-o", "--out", help="输出文件：.docx .md .txt .json（不写则打印 Markdown）")
    p.add_argument("--offline", action="store_true", help="不使用大模型")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")
    p.add_argument("--outline", help="按修改过的提纲文件成稿（drafter outline 生成）")
    p.add_argument("--last-year", help="上年总结（对照打算落实情况，计算同比数据）")

    def section_arg(q: Any) -> None:
        q.add_argument("draft_id", help="草稿编号")
        q.add_argument("--section", type=int, required=True, help="第几节（开头段为第 1 节）")

    p = sub.add_parser("revise", help="修改某一节（重写、润色、扩写、精简）")
    section_arg(p)
    p.add_argument("--instruction", help="修改要求（需要大模型）")
    p.add_argument(
        "--action",
        choices=list(REVISE_ACTIONS),
        help="、".join(f"{a.name}={a.label}" for a in REVISE_ACTIONS.values()),
    )
    p.add_argument("--offline", action="store_true", help="不使用大模型（只支持扩写、精简）")

    p = sub.add_parser("edit", help="用文件中的文字替换某一节正文")
    section_arg(p)
    p.add_argument("--text-file", required=True, help="UTF-8 文本文件")
    p.add_argument("--heading", help="同时修改小标题")

    p = sub.add_parser("undo", help="撤销某一节的上一次修改")
    section_arg(p)

    p = sub.add_parser("lock", help="锁定某一节（重新生成时不改动）")
    section_arg(p)
    p.add_argument("--unlock", action="store_true", help="解锁")

    p = sub.add_parser("regenerate", help="重新生成草稿中所有未锁定的节")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--offline", action="store_true", help="不使用大模型")
    p.add_argument("--replace-edited", action="store_true", help="手工修改过的节也重新生成（默认保留）")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")

    p = sub.add_parser("show", help="显示草稿")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--json", action="store_true", help="打印草稿 JSON")

    p = sub.add_parser("list", help="列出草稿（全部用户的）")
    p.add_argument("--owner", help="只列出这个登录用户的草稿（空字符串为未登录用户）")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("transfer", help="把草稿转交给另一个登录用户")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("--to", required=True, help="登录用户名（空字符串为未登录用户）")

    p = sub.add_parser("export", help="导出草稿为 Word 等格式")
    p.add_argument("draft_id", help="草稿编号")
    p.add_argument("-o", "--out", required=True, help="输出文件：.docx .md .txt .json")
    p.add_argument("--comments", action="store_true", help="在 Word 中给每个数字加批注，注明来源事实（默认不加）")
    p.add_argument("--check-table", action="store_true", help="另存一份数据核对表（文件名-数据核对表.docx）")

    p = sub.add_parser("serve", help="启动网页界面")
    p.add_argument("--host", help="监听地址（默认 127.0.0.1，或 DRAFTER_HOST）")
    p.add_argument("--port", type=int, help="端口（默认 7860，或 DRAFTER_PORT）")


# ---- materials: facts extract / compare (issue 12) ---------------------------------------
@command("facts")
def cmd_facts(args: argparse.Namespace, settings: Settings) -> int:
    """`drafter facts extract FILE…`: candidate facts from the year's materials."""
    from drafter.extract import ModelReport, extract
    from drafter.facts import FactsError
    from drafter.materials import read_materials
    from drafter.materials.facts_file import facts_yaml, guess_unit_and_year, unit_type_for

    if args.out:
        if Path(args.out).suffix.lower() not in (".yaml", ".yml"):
            raise UserError("输出的事实文件应以 .yaml 结尾，如 facts.yaml。")
        if not Path(args.out).resolve().parent.is_dir():
            raise UserError(f"保存位置不存在：{Path(args.out).parent}，请先建好文件夹。")
    materials, failed = read_materials([Path(p) for p in args.files])
    for path, reason in failed:
        say(f"跳过 {path.name}：{reason}")
    if not materials:
        raise UserError("没有可以读取的素材文件，请检查文件。", exit_code=1)
    llm = None if args.offline else _materials_llm(settings)
    report = ModelReport()
    candidates = extract(materials, llm, report)
    if llm is not None and report.failed:
        say("大模型暂时无法使用，已按规则提取（与 --offline 相同）。")
    elif llm is not None:
        say(f"大模型提取：采用 {report.accepted} 条，舍弃 {len(report.rejected)} 条（数字在原文中找不到等）。")
    if not candidates:
        raise UserError("素材中没有找到带数字的工作事项。", exit_code=1)
    conflicts = sum(1 for c in candidates if c.conflicts)
    say(f"从 {len(materials)} 个文件中提取到 {len(candidates)} 条候选事实"
        + (f"，其中 {conflicts} 条各材料数字不一致，请核实。" if conflicts else "。"))
    if args.out:
        name, year = guess_unit_and_year(materials)
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


def _materials_llm(settings: Settings) -> Any:
    from drafter.services import make_llm

    return make_llm(settings)


def _load_last_year_or_fail(path: str) -> Any:
    from drafter.last_year import read_last_year
    from drafter.materials import MaterialError

    try:
        return read_last_year(Path(path))
    except MaterialError as exc:
        raise UserError(f"上年总结无法读取（{Path(path).name}）：{exc}") from exc


@command("compare")
def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    """`drafter compare FACTS --last-year FILE`: plan follow-up, year-on-year figures, checks."""
    from drafter.compare import STATUS_LABELS, compare

    facts = _load_facts_or_fail(args.facts)
    last = _load_last_year_or_fail(args.last_year)
    result = compare(facts, last)
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


def _with_last_year(facts: Any, path: str | None) -> tuple[Any, Any]:
    """For `draft --last-year`: the facts with each computed change written after its figure (and
    last year's plans no fact carried out named as problems), and the parsed summary."""
    if not path:
        return facts, None
    from drafter.compare import compare, with_changes

    last = _load_last_year_or_fail(path)
    result = compare(facts, last)
    for c in result.changes:
        say(f"同比（程序计算）：{c.indicator} {c.change}　算式：{c.text}")
    not_done = [f"上年提出的“{p.plan}”尚未落实" for p in result.plans if p.status == "none"]
    for item in not_done:
        say(f"提示：没有找到落实这条上年打算的事实，已写入存在问题（如已落实，请补充事实）：{item}")
    for w in result.warnings:
        say(f"提示：{w}")
    facts.facts = with_changes(facts.facts, result.changes)
    facts.problems = facts.problems + [n for n in not_done if n not in facts.problems]
    return facts, last


def _report_last_year_reuse(draft: Any, last: Any) -> None:
    from drafter.compare import reused_from

    if last is None:
        return
    for section in draft.sections:
        for passage in reused_from(section.text, last.text):
            say(f"提示：与上年总结雷同：“{passage[:30]}…”，请结合今年实际改写。")


def _add_materials_commands(sub: Any) -> None:
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

    p = sub.add_parser("compare", help="对照上年总结：打算落实情况和同比变化")
    p.add_argument("facts", help="今年的事实文件（YAML 或 JSON）")
    p.add_argument("--last-year", required=True, help="上年总结：.docx .txt .md 或导出的 .json")
    p.add_argument("--json", action="store_true", help="输出 JSON")


# ---- parser -------------------------------------------------------------------------------
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

    p = sub.add_parser("ingest", help="把范文语料入库（默认为自带语料 corpus/）")
    p.add_argument("paths", nargs="*", help="文件或文件夹（.txt .md .docx）")
    p.add_argument("--rebuild", action="store_true", help="清空后重建索引")
    p.add_argument("--json", action="store_true", help="输出 JSON 统计")

    p = sub.add_parser("search", help="检索范文段落")
    p.add_argument("query", help="检索内容")
    p.add_argument("--unit-type", help="单位类型，如 乡镇/街道、企业、学校")
    p.add_argument("--topic", help="主题，如 帮扶、劳动竞赛")
    p.add_argument("--role", choices=ROLES, help="段落角色")
    p.add_argument("--period", help="期间：年度、上半年、下半年、专项")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    for extend in _PARSER_EXTENSIONS:
        extend(sub)
    return parser


# ---- outline file and section operations (issue 11) -------------------------------------------
def _outline_or_none(path: str | None, facts: Any) -> Any:
    """The outline file given with --outline, checked against the facts (OutlineError: exit 2)."""
    if not path:
        return None
    from drafter.outline_file import load_outline

    return load_outline(path, facts)


@command("outline")
def cmd_outline(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.outline import plan_outline
    from drafter.outline_file import write_outline
    from drafter.services import make_drafter

    facts = _load_facts_or_fail(args.facts)
    out = Path(args.out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UserError(f"提纲文件请以 .yaml 结尾（现在是“{out.name}”），如 提纲.yaml。")
    drafter = make_drafter(settings, offline=True, notify=say)
    outline = plan_outline(facts, drafter.retriever)
    write_outline(outline, out)
    say(f"提纲已保存到 {out}（{len(outline.sections)} 节）。可以用文本编辑器修改，")
    say(f"再成稿：drafter draft {args.facts} --outline {out}")
    return 0


@command("section")
def cmd_section(args: argparse.Namespace, settings: Settings) -> int:
    from drafter.services import make_drafter

    _quiet_library_logs()
    offline = getattr(args, "offline", True)
    events = _cli_events() if args.action == "move-fact" else None
    drafter = make_drafter(settings, offline=offline, events=events, notify=say)
    did = args.draft_id
    if args.action == "add":
        draft = _with_store_errors(
            lambda: drafter.add_section(did, args.heading, None if args.at is None else args.at - 1)
        )
        say(f"已添加一节“{args.heading.strip()}”，现共 {len(draft.sections)} 节。可用 drafter section move-fact 移入事实。")
    elif args.action == "remove":
        removed = _with_store_errors(lambda: drafter.remove_section(did, args.section - 1, force=args.force))
        say(f"已删除第 {args.section} 节“{removed.heading or '开头段'}”（原文保留在草稿历史中，可用 drafter section removed {did} 查看）。")
    elif args.action == "move":
        _with_store_errors(lambda: drafter.move_section(did, args.section - 1, args.to - 1))
        say(f"已把第 {args.section} 节移到第 {args.to} 节。")
    elif args.action == "move-fact":
        result = _with_store_errors(lambda: drafter.move_fact(did, args.fact, args.to - 1, offline=offline))
        say(f"已把这条事实移到第 {args.to} 节，并重写了相关的节。")
        if result.report.skipped_edited:
            say("有您手工修改的节未重写，请按提示核对。")
        return result.report.exit_code
    elif args.action == "add-fact":
        if bool(args.figure) == bool(args.text):
            raise UserError("请用 --figure 指明数字（加入它所在的句子），或用 --text 写出要加入的事实。")
        if args.figure:
            section = _with_store_errors(lambda: drafter.add_figure_fact(did, args.section - 1, args.figure))
        else:
            section = _with_store_errors(lambda: drafter.add_fact(did, args.section - 1, args.text))
        say(f"已加入事实：{section.facts[-1]}")
    else:  # removed
        from drafter.services import open_store

        sections = _with_store_errors(lambda: open_store(settings).removed_sections(did))
        if not sections:
            print("这份草稿没有删除过的节。")
        for n, s in enumerate(sections, 1):
            print(f"{n}. {s.heading or '开头段'}\n{s.text}\n")
    return 0


def _add_outline_commands(sub: Any) -> None:
    p = sub.add_parser("outline", help="生成总结提纲文件（可修改后用 draft --outline 成稿）")
    p.add_argument("facts", help="事实文件（YAML 或 JSON）")
    p.add_argument("-o", "--out", required=True, help="提纲文件（.yaml）")

    p = sub.add_parser("section", help="调整草稿的章节：添加、删除、移动一节，移动事实，加入事实")
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = actions.add_parser("add", help="添加一节")
    q.add_argument("draft_id", help="草稿编号")
    q.add_argument("--heading", required=True, help="小标题")
    q.add_argument("--at", type=int, help="放在第几节（默认放在“存在的问题”之前）")
    q = actions.add_parser("remove", help="删除一节（原文保留在历史中）")
    q.add_argument("draft_id", help="草稿编号")
    q.add_argument("--section", type=int, required=True, help="第几节（开头段为第 1 节）")
    q.add_argument("--force", action="store_true", help="这一节含有事实也删除")
    q = actions.add_parser("move", help="移动一节")
    q.add_argument("draft_id", help="草稿编号")
    q.add_argument("--section", type=int, required=True, help="第几节")
    q.add_argument("--to", type=int, required=True, help="移到第几节")
    q = actions.add_parser("move-fact", help="把一条事实移到另一节（两节重写）")
    q.add_argument("draft_id", help="草稿编号")
    q.add_argument("--fact", required=True, help="事实原文（与事实文件中一致）")
    q.add_argument("--to", type=int, required=True, help="移到第几节")
    q.add_argument("--offline", action="store_true", help="不使用大模型")
    q = actions.add_parser("add-fact", help="把手工输入的新数字所在的句子加入事实")
    q.add_argument("draft_id", help="草稿编号")
    q.add_argument("--section", type=int, required=True, help="第几节")
    q.add_argument("--figure", help="数字，如 88（加入它所在的句子）")
    q.add_argument("--text", help="要加入的事实原文")
    q = actions.add_parser("removed", help="查看删除过的节")
    q.add_argument("draft_id", help="草稿编号")


_PARSER_EXTENSIONS: list[Callable[[Any], None]] = [_add_drafting_commands, _add_outline_commands, _add_materials_commands]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env(
            data_dir=getattr(args, "data_dir", None), embed_model=getattr(args, "embed_model", None)
        )
        return _COMMANDS[args.command](args, settings)
    except UserError as exc:
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
