"""The extraction benchmark runs and keeps its one hard property: no extracted figure is absent
from its source. (Its numbers are printed by `python -m benchmarks.extraction`, not asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_extraction_benchmark_reports_its_numbers() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.extraction", "--json"], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ex, cmp_ = data["extraction"], data["compare"]
    assert ex["figures_absent_from_source"] == 0
    assert ex["files_failed"] == 0 and ex["candidates"] > 0
    for key in ("fact_precision", "fact_recall", "figure_precision", "figure_recall"):
        assert 0.0 <= ex[key] <= 1.0
    assert {"plans", "changes", "warnings"} <= cmp_.keys()
    assert all(c["got"] and c["want"] for c in cmp_["changes"])
