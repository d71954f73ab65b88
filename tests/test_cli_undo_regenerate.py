"""Undo right after drafting, regenerate over hand edits, and the administrator's commands, as a
user runs them: `python -m drafter …` in a subprocess on a private copy of the ingested data dir."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from drafter.store import DraftStore
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus

FACTS = Path(__file__).parent / "data" / "facts" / "unseen" / "coal_h1.yaml"


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), target, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    return target


def drafter(data_dir: Path, *args: str) -> Any:
    result = run_cli(list(args), cli_env(data_dir))
    assert "Traceback" not in result.stderr, result.stderr
    return result


def sections(data_dir: Path, draft_id: str) -> list[dict[str, Any]]:
    shown = drafter(data_dir, "show", draft_id, "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)["sections"]


def test_undo_right_after_drafting_keeps_the_generated_text(data_dir: Path) -> None:
    made = drafter(data_dir, "draft", str(FACTS), "--offline", "--json")
    assert made.returncode == 0, made.stderr
    draft = json.loads(made.stdout)
    generated = draft["sections"][2]["text"]
    assert generated
    for _ in range(2):  # the issue: the first undo emptied the section, the second said nothing to undo
        undone = drafter(data_dir, "undo", draft["id"], "--section", "3")
        assert undone.returncode == 2 and "没有可以撤销的修改" in undone.stderr, undone.stderr
        assert sections(data_dir, draft["id"])[2]["text"] == generated

    again = drafter(data_dir, "regenerate", draft["id"], "--offline", "--json")
    assert again.returncode == 0, again.stderr
    undone = drafter(data_dir, "undo", draft["id"], "--section", "3")
    assert undone.returncode == 0 and undone.stdout.strip() == generated  # the pre-regenerate text
    assert drafter(data_dir, "undo", draft["id"], "--section", "3").returncode == 2


def test_regenerate_keeps_hand_edits_unless_replace_edited(data_dir: Path, tmp_path: Path) -> None:
    made = drafter(data_dir, "draft", str(FACTS), "--offline", "--json")
    draft = json.loads(made.stdout)
    mine = tmp_path / "mine.txt"
    mine.write_text("我自己写的这一节，不要替换。", encoding="utf-8")
    assert drafter(data_dir, "edit", draft["id"], "--section", "3", "--text-file", str(mine)).returncode == 0
    before = sections(data_dir, draft["id"])

    kept = drafter(data_dir, "regenerate", draft["id"], "--offline", "--json")
    assert kept.returncode == 0, kept.stderr
    heading = before[2]["heading"]
    assert f"第3节“{heading}”有您手工修改的内容，本次未重新生成。" in kept.stderr
    assert "--replace-edited" in kept.stderr
    assert json.loads(kept.stdout)["sections"][2]["text"] == "我自己写的这一节，不要替换。"

    replaced = drafter(data_dir, "regenerate", draft["id"], "--offline", "--replace-edited", "--json")
    assert replaced.returncode == 0, replaced.stderr
    assert "手工修改" not in replaced.stderr
    assert json.loads(replaced.stdout)["sections"][2]["text"] == draft["sections"][2]["text"]
    undone = drafter(data_dir, "undo", draft["id"], "--section", "3")
    assert undone.stdout.strip() == "我自己写的这一节，不要替换。"


def test_the_cli_lists_every_owner_and_transfers_drafts(data_dir: Path) -> None:
    made = drafter(data_dir, "draft", str(FACTS), "--offline", "--json")
    draft_id = json.loads(made.stdout)["id"]
    store = DraftStore(data_dir / "drafts.sqlite3")
    assert store.get(draft_id).owner == ""  # the CLI's own drafts: the no-login user's
    listed = drafter(data_dir, "list")
    assert draft_id in listed.stdout and "（未登录用户）" in listed.stdout

    moved = drafter(data_dir, "transfer", draft_id, "--to", "alice")
    assert moved.returncode == 0 and "已转交给alice" in moved.stderr
    assert store.for_owner("alice").get(draft_id).owner == "alice"
    mine = json.loads(drafter(data_dir, "list", "--owner", "alice", "--json").stdout)
    assert [d["id"] for d in mine] == [draft_id] and mine[0]["owner"] == "alice"
    assert json.loads(drafter(data_dir, "list", "--owner", "bob", "--json").stdout) == []
    missing = drafter(data_dir, "transfer", "0123456789ab", "--to", "alice")
    assert missing.returncode == 2 and "找不到草稿 0123456789ab" in missing.stderr
