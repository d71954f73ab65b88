"""Extraction and comparison on the held-out materials set (benchmarks/materials).

    python -m benchmarks.extraction [--json]

Prints precision and recall of the extracted facts and of their figures against truth.yaml,
the number of extracted figures absent from their sources (must be 0), whether the known
conflict was kept, and the compare results: plan statuses and exact year-on-year changes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from drafter.compare import compare, with_changes
from drafter.extract import Candidate, extract
from drafter.facts import load_facts
from drafter.guard import unsupported_comparisons
from drafter.last_year import read_last_year
from drafter.materials import read_material, read_materials
from drafter.numbers import number_tokens

HERE = Path(__file__).parent / "materials"


def _tokens(figures: list[str]) -> set[str]:
    return {number_tokens(f)[0] for f in figures}


def _matches(cand: Candidate, fact: dict[str, Any]) -> bool:
    return bool(_tokens(cand.figures) & set(fact["key"]))


def _absent(cand: Candidate, files: Path) -> list[str]:
    texts = []
    for src in cand.sources:
        texts += [b.text for b in read_material(files / src["file"]).blocks if b.where == src["where"]]
    present = {n for t in texts for n in number_tokens(t)}
    missing = [f for f in cand.figures if number_tokens(f)[0] not in present]
    return missing if len(texts) == len(cand.sources) else cand.figures  # an unknown source: all absent


def extraction_scores(truth: dict[str, Any]) -> dict[str, Any]:
    files = HERE / "files"
    materials, failed = read_materials(sorted(files.iterdir()))
    cands = extract(materials)
    facts = truth["facts"]
    matched = [c for c in cands if any(_matches(c, f) for f in facts)]
    found = [f for f in facts if any(_matches(c, f) for c in cands)]
    truth_figures = {n for f in facts for n in f["figures"]}
    extracted_figures = [n for c in cands for n in _tokens(c.figures)]
    right_figures = [n for n in extracted_figures if n in truth_figures]
    recalled_figures = {n for n in truth_figures if n in extracted_figures}
    absent = [(c.text, f) for c in cands for f in _absent(c, files)]
    conflict_facts = [f for f in facts if f.get("conflict")]
    conflicts_kept = sum(1 for f in conflict_facts if any(_matches(c, f) and c.conflicts for c in cands))
    false_conflicts = sum(1 for c in cands if c.conflicts and not any(_matches(c, f) for f in conflict_facts))
    return {
        "files_read": len(materials), "files_failed": len(failed), "candidates": len(cands),
        "fact_precision": len(matched) / len(cands) if cands else 0.0,
        "fact_recall": len(found) / len(facts),
        "figure_precision": len(right_figures) / len(extracted_figures) if extracted_figures else 0.0,
        "figure_recall": len(recalled_figures) / len(truth_figures),
        "figures_absent_from_source": len(absent),
        "conflicts_kept": f"{conflicts_kept}/{len(conflict_facts)}", "false_conflicts": false_conflicts,
        "unmatched_candidates": [c.text for c in cands if c not in matched],
        "missed_facts": [f["name"] for f in facts if f not in found],
    }


def compare_scores(truth: dict[str, Any]) -> dict[str, Any]:
    facts = load_facts(HERE / "facts_2025.yaml")
    result = compare(facts, read_last_year(HERE / "last_year_2024.docx"))
    # The guard on a model's text: the computed percentage passes, a model's own one is flagged.
    facts.facts = with_changes(facts.facts, result.changes)
    right = "全年新发展会员1,260人，比上年增长5.0%。"
    wrong = "全年新发展会员1,260人，比上年增长6.2%，工会组建率提高4个百分点。"
    statuses = []
    for want in truth["plans"]:
        got = next((p for p in result.plans if want["plan"] in p.plan), None)
        statuses.append({"plan": want["plan"], "want": want["status"], "got": got.status if got else "（未解析出）"})
    changes = []
    for want in truth["changes"]:
        got = next((c for c in result.changes if c.unit == want["unit"] and c.last == want["last"]
                    and c.this == want["this"]), None)
        changes.append({"indicator": want["indicator"], "want": want["change"],
                        "got": got.change if got else "（未计算）", "text": got.text if got else ""})
    expected = {(w["unit"], w["last"], w["this"]) for w in truth["changes"]}
    extra = [f"{c.indicator} {c.change}" for c in result.changes if (c.unit, c.last, c.this) not in expected]
    warnings_found = [w for w in truth["warnings"] if any(w in got for got in result.warnings)]
    return {
        "plans_parsed": len(result.plans), "plan_status_right": sum(s["want"] == s["got"] for s in statuses),
        "plans": statuses,
        "changes_exact": sum(c["want"] == c["got"] for c in changes), "changes": changes,
        "extra_changes": extra,
        "warnings_expected_found": f"{len(warnings_found)}/{len(truth['warnings'])}",
        "warnings": result.warnings,
        "guard_right_text_flags": unsupported_comparisons(right, facts),
        "guard_wrong_text_flags": unsupported_comparisons(wrong, facts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    truth = yaml.safe_load((HERE / "truth.yaml").read_text(encoding="utf-8"))
    ex, cmp_ = extraction_scores(truth), compare_scores(truth)
    if args.json:
        print(json.dumps({"extraction": ex, "compare": cmp_}, ensure_ascii=False, indent=2))
        return
    print(f"材料：{ex['files_read']} 个文件读取（{ex['files_failed']} 个失败），候选事实 {ex['candidates']} 条")
    print(f"事实  precision {ex['fact_precision']:.2f}  recall {ex['fact_recall']:.2f}")
    print(f"数字  precision {ex['figure_precision']:.2f}  recall {ex['figure_recall']:.2f}")
    print(f"原文中找不到的数字：{ex['figures_absent_from_source']}")
    print(f"数字冲突保留：{ex['conflicts_kept']}，误报冲突：{ex['false_conflicts']}")
    for text in ex["unmatched_candidates"]:
        print(f"  多出的候选：{text}")
    for name in ex["missed_facts"]:
        print(f"  漏掉的事实：{name}")
    print(f"上年打算：解析 {cmp_['plans_parsed']} 条，状态正确 {cmp_['plan_status_right']}/{len(cmp_['plans'])}")
    for s in cmp_["plans"]:
        mark = "✓" if s["want"] == s["got"] else "✗"
        print(f"  {mark} {s['plan']}：应为 {s['want']}，得到 {s['got']}")
    print(f"同比变化：完全正确 {cmp_['changes_exact']}/{len(cmp_['changes'])}")
    for c in cmp_["changes"]:
        mark = "✓" if c["want"] == c["got"] else "✗"
        print(f"  {mark} {c['indicator']}：应为 {c['want']}，得到 {c['got']}　{c['text']}")
    for e in cmp_["extra_changes"]:
        print(f"  多出的比较：{e}")
    print(f"模型自算的增减比较：正确的 5.0% 被标出 {cmp_['guard_right_text_flags']}，"
          f"错误的 6.2%、4个百分点被标出 {cmp_['guard_wrong_text_flags']}")
    print(f"结构提示：预期的 {cmp_['warnings_expected_found']} 条已发出")
    for w in cmp_["warnings"]:
        print(f"  - {w}")


if __name__ == "__main__":
    main()
