"""`drafter facts extract`, `drafter compare` and `drafter draft --last-year` run as a user runs
them (subprocesses), with the JSON shapes the issue names."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from drafter.facts import load_facts
from drafter.numbers import number_tokens
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus
from tests.support.fake_llm import FakeLLM, _text_of

DATA = Path(__file__).parent / "data" / "materials"
MATERIALS = [str(DATA / n) for n in ("工会台账2024.xlsx", "简报第3期.docx", "简报第5期.txt", "工作情况报告.pdf")]
CJK = re.compile(r"[\u4e00-\u9fff]")


def drafter(data_dir: Path, *args: str, **env: str) -> Any:
    return run_cli(list(args), cli_env(data_dir, **env))


def clean(result: Any) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def test_extract_json_shape(tmp_path: Path) -> None:
    result = drafter(tmp_path, "facts", "extract", *MATERIALS, "--json")
    assert result.returncode == 0, result.stderr
    clean(result)
    data = json.loads(result.stdout)
    assert isinstance(data, list) and data
    for cand in data:
        assert {"text", "figures", "topic", "sources"} <= cand.keys()
        assert isinstance(cand["figures"], list) and all(isinstance(f, str) for f in cand["figures"])
        assert cand["sources"] and all(set(s) == {"file", "where"} for s in cand["sources"])
        assert all(number_tokens(f)[0] in number_tokens(cand["text"]) for f in cand["figures"])
    assert any(len(c["sources"]) > 1 for c in data)  # merged across materials


def test_extract_writes_a_facts_file_the_drafter_accepts(tmp_path: Path) -> None:
    out = tmp_path / "facts.yaml"
    result = drafter(tmp_path, "facts", "extract", *MATERIALS, "-o", str(out))
    assert result.returncode == 0, result.stderr
    facts = load_facts(out)
    assert facts.unit_name == "红星机械厂工会" and facts.year == 2024
    text = out.read_text(encoding="utf-8")
    assert text.count("# 来源：") == len(facts.facts)
    assert "工会台账2024.xlsx 活动台账 第4行" in text


def test_bad_files_are_named_and_the_others_still_processed(tmp_path: Path) -> None:
    bad_xlsx = tmp_path / "坏表格.xlsx"
    bad_xlsx.write_bytes(b"PK broken" * 40)
    empty_pdf = tmp_path / "空.pdf"
    empty_pdf.write_bytes(b"")
    binary = tmp_path / "乱码.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    result = drafter(tmp_path, "facts", "extract", str(bad_xlsx), str(empty_pdf), str(binary),
                     str(DATA / "简报第5期.txt"), "--json")
    assert result.returncode == 0, result.stderr
    clean(result)
    for name in ("坏表格.xlsx", "空.pdf", "乱码.txt"):
        assert f"跳过 {name}" in result.stderr
    assert json.loads(result.stdout)


def test_nothing_usable_is_a_nonzero_exit_with_a_chinese_message(tmp_path: Path) -> None:
    bad = tmp_path / "坏表格.xlsx"
    bad.write_bytes(b"broken" * 40)
    out = tmp_path / "facts.yaml"
    result = drafter(tmp_path, "facts", "extract", str(bad), "-o", str(out))
    assert result.returncode != 0
    clean(result)
    assert "没有可以读取的素材文件" in result.stderr
    assert not out.exists()
    no_figures = tmp_path / "通知.txt"
    no_figures.write_text("关于做好节日期间安全工作的通知\n请各单位认真落实。\n", encoding="utf-8")
    result = drafter(tmp_path, "facts", "extract", str(no_figures))
    assert result.returncode != 0 and "没有找到带数字的工作事项" in result.stderr


def test_compare_json_shape(tmp_path: Path) -> None:
    result = drafter(tmp_path, "compare", str(DATA / "facts_2024.yaml"), "--last-year",
                     str(DATA / "上年总结2023.txt"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"plans", "changes", "warnings"}
    assert all({"plan", "status", "facts"} <= p.keys() and p["status"] in ("done", "partly", "none")
               for p in data["plans"])
    assert all({"indicator", "last", "this", "unit", "change", "text"} <= c.keys() for c in data["changes"])
    rate = next(c for c in data["changes"] if c["indicator"] == "参保率")
    assert (rate["last"], rate["this"], rate["unit"], rate["change"]) == ("92", "96", "%", "提高4.0个百分点")
    assert all(isinstance(w, str) for w in data["warnings"])


def test_compare_with_an_unreadable_last_year(tmp_path: Path) -> None:
    bad = tmp_path / "上年.docx"
    bad.write_bytes(b"not a docx" * 30)
    result = drafter(tmp_path, "compare", str(DATA / "facts_2024.yaml"), "--last-year", str(bad))
    assert result.returncode != 0
    clean(result)
    assert "上年总结无法读取" in result.stderr


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), target, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    return target


def test_draft_with_last_year_offline_carries_the_computed_changes(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "draft.json"
    result = drafter(data_dir, "draft", str(DATA / "facts_2024.yaml"), "--last-year", str(DATA / "上年总结2023.txt"),
                     "--offline", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "同比（程序计算）：参保率 提高4.0个百分点" in result.stderr
    draft = json.loads(out.read_text(encoding="utf-8"))
    body = "".join(s["text"] for s in draft["sections"])
    assert "参保职工1,850人（比上年增加150人，增长8.8%）" in body
    assert "上年提出的“加强班组工会建设，开展优秀班组工会评选”尚未落实" in body  # named as a problem
    assert "等工作打算，" in draft["sections"][0]["text"]  # the plan carried out, named in the opening
    assert "开头段会提到" in result.stderr
    assert "与上年总结雷同" in result.stderr


def test_a_model_writing_a_wrong_percentage_is_refused(data_dir: Path, tmp_path: Path, fake_llm: FakeLLM) -> None:
    def responder(request: dict[str, Any]) -> str:
        user = _text_of(request["messages"][-1]["content"])
        m = re.search(r"<<<事实开始\n(.*?)\n事实结束>>>", user, re.S)
        items = [ln[2:] for ln in m.group(1).splitlines() if ln.startswith("- ")] if m else []
        text = "工会坚持服务职工，扎实推进各项工作。" + "；".join(items) + "。"
        if any("参保职工" in i for i in items):
            text += "参保人数同比增长9.5%，职工参保积极性明显提高。"  # the model's own arithmetic
        return text + "工作中注重听取职工意见，及时总结经验、查找不足，推动各项措施落地见效。" * 2

    fake_llm.responder = responder
    out = tmp_path / "draft.json"
    result = drafter(data_dir, "draft", str(DATA / "facts_2024.yaml"), "--last-year", str(DATA / "上年总结2023.txt"),
                     "-o", str(out), DRAFTER_LLM_STRATEGY="write", **fake_llm.env())
    clean(result)
    draft = json.loads(out.read_text(encoding="utf-8"))
    texts = "".join(s["text"] for s in draft["sections"])
    assert "9.5%" not in texts  # refused: the faithful text stands for that section
    assert "增长8.8%" in texts
    fallback = [s for s in draft["sections"] if s["origin"] == "fallback"]
    assert fallback and any("增减比较" in s["origin_reason"] for s in fallback)
    assert any(s["origin"] == "llm" for s in draft["sections"])


def test_extract_with_a_model_keeps_only_candidates_found_in_the_source(tmp_path: Path, fake_llm: FakeLLM) -> None:
    def responder(request: dict[str, Any]) -> str:
        prompt = _text_of(request["messages"][-1]["content"])
        if "[第4段]" not in prompt:
            return ""
        return "\n".join([
            json.dumps({"text": "厂工会组织女职工“两癌”免费筛查，156名女职工参加", "where": "第4段"}, ensure_ascii=False),
            json.dumps({"text": "征集提案30件", "where": "第7段"}, ensure_ascii=False),  # the brief says 26
        ])

    fake_llm.responder = responder
    result = drafter(tmp_path, "facts", "extract", str(DATA / "简报第5期.txt"), "--json", **fake_llm.env())
    assert result.returncode == 0, result.stderr
    clean(result)
    # the model found what the rules found (not listed twice: the material's own words stand)
    assert "大模型提取：补充 0 条（规则已找到的不重复列出），舍弃 1 条" in result.stderr
    data = json.loads(result.stdout)
    assert [c["origin"] for c in data if "156" in c["text"]] == ["offline"]
    assert not any("30件" in c["text"] for c in data)
    assert "test-key" not in result.stderr + result.stdout


def test_more_candidates_than_the_facts_limit_are_kept_as_comments(tmp_path: Path) -> None:
    from drafter.extract import Candidate
    from drafter.facts import MAX_FACTS
    from drafter.materials.facts_file import facts_yaml

    cands = [Candidate(f"开展第{n}项活动，参加{n + 10}人", [f"{n + 10}人"], "综合", [{"file": "台账.csv", "where": f"第{n}行"}])
             for n in range(1, MAX_FACTS + 6)]
    path = tmp_path / "facts.yaml"
    path.write_text(facts_yaml(cands, "某厂工会", "企业工会", 2025), encoding="utf-8")
    facts = load_facts(path)
    assert len(facts.facts) == MAX_FACTS
    assert f"参加{MAX_FACTS + 15}人" in path.read_text(encoding="utf-8")  # written, as a comment


def test_extract_with_an_unusable_model_falls_back_to_the_rules(tmp_path: Path, fake_llm: FakeLLM) -> None:
    env = fake_llm.env()
    env["OPENAI_API_KEY"] = "wrong-key"  # the server answers 401
    result = drafter(tmp_path, "facts", "extract", str(DATA / "简报第5期.txt"), "--json",
                     DRAFTER_LLM_RETRIES="0", **env)
    assert result.returncode == 0, result.stderr
    clean(result)
    assert "已按规则提取" in result.stderr and "wrong-key" not in result.stderr
    assert json.loads(result.stdout) and len(fake_llm.chat_requests) <= 1
