"""Draft quality, offline and with a model: what a cadre and a reviewer would check, as numbers.

    python -m benchmarks.quality                                   # offline only
    python -m benchmarks.quality --llm http://127.0.0.1:8091/v1 --model local [--strategy write]

Each fact sheet in benchmarks/sheets/ (several unit types and periods, a minimal one, one with
instruction-like "facts") is drafted offline and, with --llm, by the model; per sheet and in
total it reports figure coverage, problems/plans coverage, invented figures (flagged by the
guard or not), instruction/markup leaks, the longest verbatim run from the examples, structure,
length ratio, sections by origin, sections labelled the model's whose text is the offline
composer's, wall time and tokens. With a model, each metric is also compared with the offline
draft of the same sheet ("worse than offline"). Results: benchmarks/results/quality-<label>.json|md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT
from drafter.config import Settings
from drafter.draft import Draft, draft_mode
from drafter.drafting import Drafter, DraftResult, Limits
from drafter.facts import Facts, load_facts
from drafter.gate import Expectation, has_markup, missing_items, scaffolding_in
from drafter.guard import NOISE, CopyIndex, invented_numbers
from drafter.index import open_index
from drafter.numbers import number_tokens
from drafter.outline import target_length
from drafter.retrieve import Retriever
from drafter.services import ensure_corpus
from drafter.store import DraftStore

SHEETS = ROOT / "benchmarks" / "sheets"
COPY_PROBE = 12  # report verbatim runs from the examples longer than this
# Metrics where a higher value is better; the rest (leaks, copies, invented) want lower.
HIGHER_IS_BETTER = ("figure_coverage", "item_coverage")
LOWER_IS_BETTER = ("invented_unflagged", "leaks", "longest_copy", "mislabelled")


def measure(draft: Draft, facts: Facts, copies: CopyIndex, offline: Draft | None) -> dict[str, Any]:
    text = "\n".join(s.text for s in draft.sections)
    figures = [n for f in facts.facts for n in number_tokens(f)]
    present = set(number_tokens(text))
    items = [*facts.problems, *facts.plans]
    invented = invented_numbers(text, facts)
    flagged = {w.text for s in draft.sections for w in s.warnings if w.kind == "invented_number"}
    leaks = _leaks(draft, facts)
    runs = copies.find(text)
    origins = Counter(s.origin for s in draft.sections)
    mislabelled = 0
    if offline is not None:
        mislabelled = sum(
            s.origin == "llm" and s.text == o.text for s, o in zip(draft.sections, offline.sections, strict=False)
        )
    return {
        "figure_coverage": round(sum(n in present for n in figures) / len(figures), 3) if figures else 1.0,
        "item_coverage": round(1 - len(missing_items(text, items)) / len(items), 3) if items else 1.0,
        "invented_flagged": len([n for n in invented if n in flagged]),
        "invented_unflagged": len([n for n in invented if n not in flagged]),
        "leaks": len(leaks),
        "leak_examples": leaks[:3],
        "longest_copy": max((len(r) for r in runs), default=0),
        "structure": _structure(draft, facts),
        "length_ratio": round(len(text) / target_length(facts), 2),
        "chars": len(text),
        "origins": dict(origins),
        "mode": draft_mode(draft.sections),
        "mislabelled": mislabelled,
    }


def _leaks(draft: Draft, facts: Facts) -> list[str]:
    """Our prompt text, markup, corpus noise, or an instruction-like input line, in the draft."""
    found: list[str] = []
    for s in draft.sections:
        expect = Expectation(facts=facts, role=s.role, heading=s.heading, items=tuple(s.facts))
        if scaffolding_in(s.text, expect):
            found.append(f"提示词：{s.heading or '开头段'}")
        if has_markup(s.text):
            found.append(f"标记：{s.heading or '开头段'}")
        found += [f"杂质：{m.group()}" for m in NOISE.finditer(s.text)]
        for rejected in facts.rejected:
            core = re.sub(r"\s", "", rejected.text)
            if any(core[i : i + 8] in s.text for i in range(max(1, len(core) - 7))):
                found.append(f"指令：{rejected.text[:20]}")
    return found


def _structure(draft: Draft, facts: Facts) -> str:
    """"ok", or what a reviewer would object to."""
    problems = []
    if draft.title != facts.title:
        problems.append("标题")
    roles = [s.role for s in draft.sections]
    if roles[:1] != ["opening"] or not draft.sections[0].text.rstrip().endswith("如下："):
        problems.append("开头")
    if roles.count("body") < min(3, len(facts.facts)):
        problems.append("正文节数")
    if roles[-2:] != ["problems", "plans"]:
        problems.append("问题与打算")
    if any(not s.text.strip() for s in draft.sections):
        problems.append("空节")
    return "ok" if not problems else "、".join(problems)


def compare(llm: dict[str, Any], offline: dict[str, Any]) -> list[str]:
    """Metrics on which the model's draft is worse than the offline draft of the same sheet."""
    worse = [m for m in HIGHER_IS_BETTER if llm[m] < offline[m]]
    worse += [m for m in LOWER_IS_BETTER if llm[m] > offline[m]]
    if llm["structure"] != "ok" and offline["structure"] == "ok":
        worse.append("structure")
    return worse


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="drafter-quality-"))
    settings = Settings.from_env(data_dir=data_dir, embed_model=args.embed_model)
    index = open_index(settings)
    ensure_corpus(settings, index)
    index.load()
    retriever = Retriever(index)
    copies = CopyIndex([c.text for c in index.chunks], limit=COPY_PROBE)
    store = DraftStore(data_dir / "quality.sqlite3")
    llm = None
    if args.llm:
        from drafter.llm import LLMClient

        llm = LLMClient(args.llm, args.api_key, args.model, timeout=args.stall, max_retries=1,
                        stall_timeout=args.stall, include_usage=True)
    limits = Limits(args.section_deadline, args.draft_deadline)
    sheets = sorted(Path(args.sheets).glob("*.y*ml"))
    rows: list[dict[str, Any]] = []
    for path in sheets:
        facts = load_facts(path)
        offline_result, offline_s = _timed(Drafter(retriever, store).draft, facts)
        offline_metrics = measure(offline_result.draft, facts, copies, None)
        row = {"sheet": path.stem, "offline": {**offline_metrics, "seconds": round(offline_s, 1)}}
        if llm is not None:
            drafter = Drafter(retriever, store, llm=llm, concurrency=args.concurrency, limits=limits,
                              strategy=args.strategy)
            result, seconds = _timed(drafter.draft, facts)
            metrics = measure(result.draft, facts, copies, offline_result.draft)
            report = result.report
            row["llm"] = {
                **metrics,
                "seconds": round(seconds, 1),
                "prompt_tokens": report.prompt_tokens,
                "completion_tokens": report.completion_tokens,
                "fallback_reasons": [reason for _, reason in report.fallbacks],
                "exit_code": report.exit_code,
            }
            row["worse_than_offline"] = compare(metrics, offline_metrics)
        rows.append(row)
        print(_line(row), file=sys.stderr, flush=True)
    return {
        "label": args.label,
        "strategy": args.strategy if llm else "",
        "model": args.model if llm else "",
        "sheets": rows,
        "total": _totals(rows),
    }


def _timed(fn: Any, facts: Facts) -> tuple[DraftResult, float]:
    started = time.perf_counter()
    result = fn(facts)
    return result, time.perf_counter() - started


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("offline", "llm"):
        metrics = [r[mode] for r in rows if mode in r]
        if not metrics:
            continue
        origins: Counter[str] = Counter()
        for m in metrics:
            origins.update(m["origins"])
        out[mode] = {
            "figure_coverage": round(sum(m["figure_coverage"] for m in metrics) / len(metrics), 3),
            "item_coverage": round(sum(m["item_coverage"] for m in metrics) / len(metrics), 3),
            "invented_flagged": sum(m["invented_flagged"] for m in metrics),
            "invented_unflagged": sum(m["invented_unflagged"] for m in metrics),
            "leaks": sum(m["leaks"] for m in metrics),
            "longest_copy": max(m["longest_copy"] for m in metrics),
            "structure_ok": sum(m["structure"] == "ok" for m in metrics),
            "length_ratio": round(sum(m["length_ratio"] for m in metrics) / len(metrics), 2),
            "origins": dict(origins),
            "mislabelled": sum(m["mislabelled"] for m in metrics),
            "seconds": round(sum(m["seconds"] for m in metrics), 1),
            "prompt_tokens": sum(m.get("prompt_tokens", 0) for m in metrics),
            "completion_tokens": sum(m.get("completion_tokens", 0) for m in metrics),
        }
    if any("worse_than_offline" in r for r in rows):
        out["sheets_worse_than_offline"] = sum(bool(r.get("worse_than_offline")) for r in rows)
    return out


def _line(row: dict[str, Any]) -> str:
    parts = [row["sheet"]]
    for mode in ("offline", "llm"):
        if mode in row:
            m = row[mode]
            parts.append(
                f"{mode}: figures {m['figure_coverage']:.0%} items {m['item_coverage']:.0%} "
                f"invented {m['invented_unflagged']}/{m['invented_flagged']} leaks {m['leaks']} "
                f"copy {m['longest_copy']} {m['origins']} {m['seconds']}s"
            )
    return " | ".join(parts)


def to_markdown(result: dict[str, Any]) -> str:
    head = (
        "| sheet | mode | figures | problems/plans | invented (unflagged/flagged) | leaks | longest copy | "
        "structure | length ratio | origins | mislabelled | seconds | tokens (prompt/completion) | worse than offline |"
    )
    lines = [f"# Draft quality — {result['label']}", "",
             f"strategy: {result['strategy'] or '-'} · model: {result['model'] or '-'}", "", head,
             "|" + "---|" * 14]
    for row in result["sheets"]:
        for mode in ("offline", "llm"):
            if mode not in row:
                continue
            m = row[mode]
            tokens = f"{m.get('prompt_tokens', '-')}/{m.get('completion_tokens', '-')}" if mode == "llm" else "-"
            worse = ", ".join(row.get("worse_than_offline", [])) or "-" if mode == "llm" else ""
            origins = " ".join(f"{k} {v}" for k, v in sorted(m["origins"].items()))
            lines.append(
                f"| {row['sheet']} | {mode} | {m['figure_coverage']:.0%} | {m['item_coverage']:.0%} | "
                f"{m['invented_unflagged']}/{m['invented_flagged']} | {m['leaks']} | {m['longest_copy']} | "
                f"{m['structure']} | {m['length_ratio']} | {origins} | {m['mislabelled']} | {m['seconds']} | "
                f"{tokens} | {worse} |"
            )
    lines += ["", "Totals:", "", "```json", json.dumps(result["total"], ensure_ascii=False, indent=2), "```", ""]
    for row in result["sheets"]:
        reasons = row.get("llm", {}).get("fallback_reasons")
        if reasons:
            lines.append(f"- {row['sheet']} fallbacks: " + "；".join(reasons))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", help="OpenAI-compatible base URL (omit: offline only)")
    parser.add_argument("--model", default="local")
    parser.add_argument("--api-key", default="sk-local")
    parser.add_argument("--strategy", default="polish", choices=("polish", "write"))
    parser.add_argument("--sheets", default=str(SHEETS))
    parser.add_argument("--label", default="")
    parser.add_argument("--data-dir", help="reuse an ingested data dir (default: a new temporary one)")
    parser.add_argument("--embed-model", default="offline")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stall", type=float, default=120.0)
    parser.add_argument("--section-deadline", type=float, default=600.0)
    parser.add_argument("--draft-deadline", type=float, default=3600.0)
    args = parser.parse_args(argv)
    args.label = args.label or (f"llm-{args.strategy}" if args.llm else "offline")
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"quality-{args.label}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / f"quality-{args.label}.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
