"""`drafter ingest` and `drafter search` as a user runs them: a subprocess, JSON out, Chinese errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.corpus_fixtures import CJK, cli_env, run_cli, write_corpus

REPORT_KEYS = {"files", "articles", "sections", "chunks", "added", "removed", "duplicates", "skipped", "embedder"}
RESULT_KEYS = {"text", "score", "source", "article", "heading", "unit_type", "period", "role", "topic"}


def assert_clean_failure(proc) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode != 0
    assert CJK.search(proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


@pytest.fixture(scope="module")
def bundled_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data dir holding the bundled corpus, ingested once by `drafter ingest` (no paths)."""
    env = cli_env(tmp_path_factory.mktemp("cli") / "data")
    proc = run_cli(["ingest", "--json"], env)
    assert proc.returncode == 0, proc.stderr
    env["_REPORT"] = proc.stdout
    return env


def test_ingest_json_report(bundled_env: dict[str, str]) -> None:
    report = json.loads(bundled_env["_REPORT"])
    assert isinstance(report, dict) and REPORT_KEYS <= set(report)
    assert report["files"] == 5 and report["articles"] + report["duplicates"] == 40
    assert report["added"] == report["chunks"] > 0 and report["removed"] == 0
    assert report["skipped"] == [] and report["embedder"].startswith("offline")


def test_search_json_results(bundled_env: dict[str, str]) -> None:
    proc = run_cli(["search", "春节 走访慰问 困难职工", "--json"], bundled_env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert isinstance(results, list) and len(results) == 5
    for r in results:
        assert RESULT_KEYS <= set(r)
        assert r["source"].endswith(".txt") and r["article"] and r["text"]
    assert results[0]["topic"] == "帮扶"


@pytest.mark.parametrize(
    ("flag", "value", "key"),
    [("--topic", "劳动竞赛", "topic"), ("--role", "problems", "role"), ("--unit-type", "学校", "unit_type")],
)
def test_search_filters(bundled_env: dict[str, str], flag: str, value: str, key: str) -> None:
    proc = run_cli(["search", "职工 工会 活动", flag, value, "-k", "8", "--json"], bundled_env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert results, f"no results for {flag} {value}"
    assert all(r[key] == value for r in results), [r[key] for r in results]


def test_search_text_output(bundled_env: dict[str, str]) -> None:
    proc = run_cli(["search", "厂务公开 职代会", "-k", "2"], bundled_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("1. [") and "\n2. [" in proc.stdout


def test_ingest_text_output_lists_skipped_files(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", ("street.txt",))
    (tmp_path / "corpus" / "empty.txt").write_bytes(b"")
    (tmp_path / "corpus" / "bad.docx").write_bytes(b"not a zip")
    proc = run_cli(["ingest", str(tmp_path / "corpus")], cli_env(tmp_path / "data"))
    assert proc.returncode == 0, proc.stderr
    assert "入库完成：1 个文件" in proc.stdout
    assert "跳过" in proc.stdout and "empty.txt" in proc.stdout and "bad.docx" in proc.stdout


def test_data_dir_flag_and_env_isolate(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", ("street.txt",))
    env = cli_env(tmp_path / "unused")
    proc = run_cli(["--data-dir", str(tmp_path / "flag"), "ingest", str(tmp_path / "corpus"), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "flag" / "bm25" / "CURRENT").is_file()
    assert not (tmp_path / "unused").exists()
    assert json.loads(proc.stdout)["articles"] == 1


def test_missing_path_is_a_chinese_error(tmp_path: Path) -> None:
    proc = run_cli(["ingest", str(tmp_path / "no-such-folder"), "--json"], cli_env(tmp_path / "data"))
    assert_clean_failure(proc)
    assert "no-such-folder" in proc.stderr
    assert proc.stdout == ""


def test_search_on_empty_data_dir_is_a_chinese_error(tmp_path: Path) -> None:
    proc = run_cli(["search", "帮扶", "--json"], cli_env(tmp_path / "empty"))
    assert_clean_failure(proc)
    assert "drafter ingest" in proc.stderr
    assert proc.stdout == ""
