"""The web UI's backend without gradio: card actions through the service, for one owner, and
the one translation of errors into a notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.app.service import DrafterService
from drafter.errors import UserError
from drafter.store import SectionLocked
from drafter.ui.backend import UNEXPECTED, Backend, notice_of
from tests.support.corpus_fixtures import offline_settings, write_corpus

FACTS = Path(__file__).parent / "data" / "facts" / "township.yaml"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    settings = offline_settings(tmp_path_factory.mktemp("backend-data"))
    DrafterService(settings).ingest(write_corpus(tmp_path_factory.mktemp("backend-corpus")))
    backend = Backend(settings).start(background=False)
    assert backend.corpus_stats()["chunks"] > 10 and not backend.llm_configured
    return backend


def test_card_actions_for_one_owner(backend: Backend) -> None:
    facts = backend.service.read_facts(FACTS)
    draft = backend.service.draft("alice", facts, offline=True).draft
    shown = draft.sections[1]

    same, message = backend.section_action("alice", draft.id, 1, "save", shown.heading, shown.text)
    assert "没有改动" in message and same.sections[1].text == shown.text
    saved, message = backend.section_action("alice", draft.id, 1, "save", shown.heading, shown.text + "补一句。")
    assert "已保存" in message and saved.sections[1].text.endswith("补一句。")
    assert backend.hand_edited("alice", draft.id) == [1]
    undone, message = backend.section_action("alice", draft.id, 1, "undo")
    assert "已撤销" in message and undone.sections[1].text == shown.text

    locked, message = backend.section_action("alice", draft.id, 1, "toggle_lock", shown.heading, shown.text)
    assert locked.sections[1].locked and "已锁定" in message
    with pytest.raises(SectionLocked) as info:
        backend.section_action("alice", draft.id, 1, "expand", shown.heading, shown.text)
    assert "请先解锁" in notice_of(info.value)
    backend.section_action("alice", draft.id, 1, "unlock")

    longer, message = backend.section_action("alice", draft.id, 1, "expand", shown.heading, shown.text)
    assert "已扩写" in message and len(longer.sections[1].text) > len(shown.text)
    with pytest.raises(UserError, match="重写要求"):
        backend.section_action("alice", draft.id, 1, "rewrite", shown.heading, longer.sections[1].text)

    with pytest.raises(UserError, match="找不到草稿") as info:
        backend.section_action("bob", draft.id, 1, "undo")
    assert notice_of(info.value).startswith("找不到草稿")
    assert backend.get_draft("bob", draft.id) is None
    assert [d.id for d in backend.list_drafts("alice", [draft.id])] == [draft.id]


def test_notice_of_unexpected_errors_says_nothing_technical() -> None:
    assert notice_of(KeyError("internal detail")) == UNEXPECTED
    assert notice_of(UserError("地址 http://u:secret@h/ 有误")) == "地址 http://***@h/ 有误"
