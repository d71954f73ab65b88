"""The drafting commands as a user runs them: `python -m drafter …` in a subprocess.

Offline and against the local fake OpenAI-compatible server (real HTTP), with an isolated data
dir holding the bundled corpus' index (ingested once per session, copied per test).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from drafter.facts import load_facts
from drafter.numbers import number_tokens
from tests.support.corpus_fixtures import (
    cli_env,
    free_port,
    run_cli,
    shared_corpus,
)
from tests.support.fake_llm import FakeLLM, _text_of

DATA = Path(__file__).parent / "data" / "facts"
FACTS = DATA / "unseen" / "coal_h1.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")
ID = re.compile(r"草稿编号：([0-9a-f]{12})")


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A private copy of the ingested data dir (the CLI writes its draft store there)."""
    target = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), target, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    return target


def drafter(data_dir: Path, *args: str, **env: str) -> Any:
    return run_cli(list(args), cli_env(data_dir, **env))


def draft_id(stderr: str) -> str:
    m = ID.search(stderr)
    assert m, stderr
    return m.group(1)


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr


@pytest.mark.parametrize("ext", ["json", "md", "docx", "txt"])
def test_draft_writes_the_format_of_the_extension(data_dir: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out.{ext}"
    result = drafter(data_dir, "draft", str(FACTS), "-o", str(out), "--offline")
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert result.stdout == ""  # the file holds the draft; notices go to stderr
    facts = load_facts(FACTS)
    if ext == "docx":
        text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
    if ext == "json":
        data = json.loads(text)
        assert data["id"] == draft_id(result.stderr) and data["mode"] == "offline"
        assert data["title"] == facts.title
        assert data["sections"][0]["heading"] == "" and len(data["sections"]) >= 5
        assert {"heading", "text", "sources", "warnings"} <= set(data["sections"][1])
        assert data["signoff"] == {"unit_name": facts.union_name, "date": facts.signoff_date}
    assert facts.title in text
    for fact in facts.facts:
        assert set(number_tokens(fact)) <= set(number_tokens(text)), fact
    assert "【待补充：" in text  # this sheet has no problems
    assert f"已保存到 {out}" in result.stderr


def test_draft_without_output_prints_markdown_and_the_id_then_manage_it(data_dir: Path, tmp_path: Path) -> None:
    result = drafter(data_dir, "draft", str(FACTS), "--offline")
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    facts = load_facts(FACTS)
    assert result.stdout.startswith(f"# {facts.title}\n")
    assert "## 一、" in result.stdout and "## 三、" in result.stdout
    did = draft_id(result.stderr)

    listed = drafter(data_dir, "list")
    assert listed.returncode == 0 and did in listed.stdout and facts.title in listed.stdout

    shown = drafter(data_dir, "show", did, "--json")
    assert shown.returncode == 0, shown.stderr
    draft = json.loads(shown.stdout)
    assert draft["id"] == did and len(draft["sections"]) >= 5
    second = draft["sections"][1]["text"]

    text_file = tmp_path / "edit.txt"
    text_file.write_text("手工修改的第二节。", encoding="utf-8")
    edited = drafter(data_dir, "edit", did, "--section", "2", "--text-file", str(text_file))
    assert edited.returncode == 0, edited.stderr
    assert json.loads(drafter(data_dir, "show", did, "--json").stdout)["sections"][1]["text"] == "手工修改的第二节。"

    undone = drafter(data_dir, "undo", did, "--section", "2")
    assert undone.returncode == 0 and undone.stdout.strip() == second

    locked = drafter(data_dir, "lock", did, "--section", "2")
    assert locked.returncode == 0 and "已锁定" in locked.stderr
    refused = drafter(data_dir, "edit", did, "--section", "2", "--text-file", str(text_file))
    assert refused.returncode != 0 and "锁定" in refused.stderr
    no_traceback(refused)

    revised = drafter(data_dir, "revise", did, "--section", "3", "--action", "expand", "--offline")
    assert revised.returncode == 0, revised.stderr
    after = json.loads(drafter(data_dir, "show", did, "--json").stdout)["sections"]
    assert len(after[2]["text"]) > len(draft["sections"][2]["text"])
    assert after[1]["text"] == second and after[1]["locked"]

    polish = drafter(data_dir, "revise", did, "--section", "3", "--action", "polish", "--offline")
    assert polish.returncode != 0 and "大模型" in polish.stderr
    no_traceback(polish)

    again = drafter(data_dir, "regenerate", did, "--offline", "--json")
    assert again.returncode == 0, again.stderr
    regenerated = json.loads(again.stdout)["sections"]
    assert regenerated[1]["text"] == second  # locked: untouched
    assert regenerated[2]["text"] == draft["sections"][2]["text"]  # expansion replaced by a fresh draft


def test_invalid_facts_name_the_fields_and_write_nothing(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.docx"
    result = drafter(data_dir, "draft", str(DATA / "invalid.yaml"), "-o", str(out), "--offline")
    assert result.returncode != 0
    no_traceback(result)
    assert not out.exists()
    for field in ("单位名称", "单位类型", "总结期间", "年份", "主要工作", "篇幅", "落款日期"):
        assert field in result.stderr, field
    assert not (data_dir / "drafts.sqlite3").exists() or "草稿编号" not in result.stderr


def test_unsupported_output_extension_is_refused(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    result = drafter(data_dir, "draft", str(FACTS), "-o", str(out), "--offline")
    assert result.returncode != 0
    no_traceback(result)
    assert ".pdf" in result.stderr and ".docx" in result.stderr and CJK.search(result.stderr)
    assert not out.exists()


def section_reply(request: dict[str, Any]) -> str:
    """A well-behaved model: the section's facts in one paragraph (the opening ends the genre's way)."""
    user = next(_text_of(m["content"]) for m in reversed(request["messages"]) if m["role"] == "user")
    facts = re.search(r"<<<事实开始\n(.*?)\n事实结束>>>", user, re.S).group(1)
    items = [line[2:] for line in facts.splitlines() if line.startswith("- ")]
    if not items:
        return (
            "2025年上半年，公司工会在公司党委和上级工会的领导下，坚持以职工为中心，围绕中心、服务大局，"
            "团结动员广大职工立足岗位建功立业，认真履行维护职工合法权益的基本职责，各项工作稳步推进。现将上半年工作总结如下："
        )
    return (
        "我们坚持服务职工，扎实推进各项工作。" + "；".join(items) + "。"
        + "工作中注重听取职工意见，及时总结经验、查找不足，推动各项措施落地见效，职工的获得感和满意度进一步提升。" * 2
    )


def test_draft_with_the_llm(data_dir: Path, tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.responder = section_reply
    out = tmp_path / "out.json"
    # The model writes each section from the facts (the "write" strategy's prompts).
    result = drafter(data_dir, "draft", str(FACTS), "-o", str(out), DRAFTER_LLM_STRATEGY="write", **fake_llm.env())
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert "fake-model" in result.stderr and "test-key" not in result.stderr + result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["mode"] == "llm"
    assert data["sections"][0]["text"].endswith("总结如下：")
    assert data["sections"][1]["text"].startswith("我们坚持服务职工")
    assert len(fake_llm.chat_requests) == len(data["sections"]) - 1  # not the placeholder


@pytest.mark.parametrize("failure", ["refused", "bad_key"])
def test_unusable_llm_gives_one_chinese_message_and_exit_3(
    data_dir: Path, tmp_path: Path, fake_llm: FakeLLM, failure: str
) -> None:
    env = fake_llm.env()
    if failure == "refused":
        env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{free_port()}/v1"
    else:
        env["OPENAI_API_KEY"] = "wrong-key"
    out = tmp_path / "out.md"
    result = drafter(data_dir, "draft", str(FACTS), "-o", str(out), DRAFTER_LLM_RETRIES="0", **env)
    assert result.returncode == 3, result.stderr
    no_traceback(result)
    assert "wrong-key" not in result.stderr and "LLM request failed" not in result.stderr
    expected = "无法连接到大模型服务" if failure == "refused" else "密钥"
    assert result.stderr.count(expected) == 1, result.stderr
    assert "大模型没有写成任何一节" in result.stderr and "改用离线稿" in result.stderr
    assert out.exists() and load_facts(FACTS).title in out.read_text(encoding="utf-8")
    did = draft_id(result.stderr)
    shown = json.loads(drafter(data_dir, "show", did, "--json").stdout)
    assert shown["mode"] == "offline" and all(s["text"] for s in shown["sections"])


def test_malformed_endpoint_is_a_message_not_a_traceback(data_dir: Path) -> None:
    result = drafter(data_dir, "draft", str(FACTS), OPENAI_BASE_URL="not a url", DRAFTER_MODEL="m")
    assert result.returncode != 0
    no_traceback(result)
    assert "OPENAI_BASE_URL" in result.stderr and CJK.search(result.stderr)


# ---- write errors: a Chinese message, exit 2, no file left, the id when the draft is saved ----


def _write_targets(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Unwritable -o targets that exist on any machine, with the words their message must say."""
    folder = tmp_path / "已有文件夹.docx"
    folder.mkdir()
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("不是文件夹", encoding="utf-8")
    return {
        "directory": (folder, "是一个文件夹"),
        "missing parent": (tmp_path / "没有这个文件夹" / "out.docx", "输出目录不存在"),
        "under a file": (a_file / "sub" / "out.md", "不是文件夹"),
    }


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("case", ["directory", "missing parent", "under a file"])
def test_unwritable_output_is_refused_before_drafting(data_dir: Path, tmp_path: Path, case: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target, words = _write_targets(out_dir)[case]
    before = _files_under(out_dir)
    result = drafter(data_dir, "draft", str(FACTS), "-o", str(target), "--offline")
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert words in result.stderr and CJK.search(result.stderr)
    assert "草稿编号" not in result.stderr  # refused before any draft was made
    assert _files_under(out_dir) == before


@pytest.mark.parametrize("case", ["directory", "missing parent", "under a file"])
def test_export_to_an_unwritable_path_is_a_message(data_dir: Path, tmp_path: Path, case: str) -> None:
    did = draft_id(drafter(data_dir, "draft", str(FACTS), "--offline").stderr)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target, words = _write_targets(out_dir)[case]
    before = _files_under(out_dir)
    result = drafter(data_dir, "export", did, "-o", str(target))
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert words in result.stderr
    assert _files_under(out_dir) == before


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root may write into a chmod-read-only folder; the injected PermissionError below covers root",
)
def test_read_only_folder_is_refused(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = drafter(data_dir, "draft", str(FACTS), "-o", str(folder / "out.docx"), "--offline")
        assert result.returncode == 2, result.stderr
        no_traceback(result)
        assert "没有权限" in result.stderr and "草稿编号" not in result.stderr
        did = draft_id(drafter(data_dir, "draft", str(FACTS), "--offline").stderr)
        exported = drafter(data_dir, "export", did, "-o", str(folder / "out.md"))
        assert exported.returncode == 2 and "没有权限" in exported.stderr
        no_traceback(exported)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def _fail_in(folder: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int) -> None:
    """Make one OS call fail with `code` for files in `folder` only (the OS refusing, not our code
    faked): `open` as a read-only folder does, `fsync` as a full disk does mid-write, `replace`
    as a folder that appeared in place of the file does."""
    real = getattr(os, call)
    inside = str(folder.resolve()) + os.sep

    def path_of(arg: Any) -> str:
        if isinstance(arg, int):  # a file descriptor
            return os.readlink(f"/proc/self/fd/{arg}")
        return str(Path(arg).resolve())

    def failing(*args: Any, **kwargs: Any) -> Any:
        if path_of(args[0]).startswith(inside):
            raise OSError(code, os.strerror(code), str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, call, failing)


WRITE_FAILURES = [
    ("open", errno.EACCES, "没有权限"),  # a read-only folder, also when running as root
    ("fsync", errno.ENOSPC, "磁盘空间不足"),  # the disk fills up while the file is written
    ("replace", errno.EISDIR, "是一个文件夹"),
]


@pytest.mark.parametrize(("call", "code", "words"), WRITE_FAILURES)
def test_failed_write_after_drafting_prints_the_saved_draft_id(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    call: str, code: int, words: str,
) -> None:
    from drafter.cli import main
    from drafter.store import DraftStore

    for key, value in cli_env(data_dir).items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "总结.docx"
    target.write_bytes(b"the version saved last week")
    _fail_in(folder, monkeypatch, call, code)

    assert main(["draft", str(FACTS), "-o", str(target), "--offline"]) == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr and words in stderr, stderr
    did = draft_id(stderr)
    assert DraftStore(data_dir / "drafts.sqlite3").get(did).title == load_facts(FACTS).title
    assert f"drafter export {did}" in stderr  # how to get the saved draft out
    assert _files_under(folder) == ["总结.docx"]  # no temporary file left behind
    assert target.read_bytes() == b"the version saved last week"

    assert main(["export", did, "-o", str(folder / "总结.md")]) == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr and words in stderr, stderr
    assert _files_under(folder) == ["总结.docx"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux) to fill the disk behind stdout")
def test_full_disk_behind_a_redirect_is_a_message_with_the_id(data_dir: Path) -> None:
    """`drafter draft F > file` on a full disk: /dev/full refuses every write with ENOSPC."""
    import subprocess
    import sys

    from tests.support.corpus_fixtures import ROOT

    with open("/dev/full", "w") as full:  # noqa: PTH123
        result = subprocess.run(
            [sys.executable, "-m", "drafter", "draft", str(FACTS), "--offline"],
            env=cli_env(data_dir), cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", timeout=120,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "磁盘空间不足" in result.stderr
    did = draft_id(result.stderr)
    shown = drafter(data_dir, "show", did, "--json")
    assert json.loads(shown.stdout)["id"] == did
