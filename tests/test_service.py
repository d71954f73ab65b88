"""The service layer (drafter/app): every operation a front end needs, each for one owner, on a
real SQLite store and a real (offline-embedded) corpus in a temporary data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.app.events import DraftCreated, Notice, ProgressEvent, SectionDone, SectionStarted
from drafter.app.protocols import ChatModel, DraftStorage, PassageRetriever
from drafter.app.service import CorpusNotReady, DrafterService
from drafter.errors import DrafterError, UserError
from drafter.llm_errors import LLMError
from drafter.store import AdminOnly, DraftNotFound, DraftStore, SectionLocked
from tests.support.corpus_fixtures import offline_settings, write_corpus

FACTS = Path(__file__).parent / "data" / "facts" / "township.yaml"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DrafterService]:
    """A service over a small ingested corpus (three sample summaries)."""
    data = tmp_path_factory.mktemp("service-data")
    service = DrafterService(offline_settings(data))
    report = service.ingest(write_corpus(tmp_path_factory.mktemp("service-corpus")))
    assert report.chunks > 10
    yield service


def collect() -> tuple[list[ProgressEvent], object]:
    from drafter.app.events import EventRelay

    seen: list[ProgressEvent] = []
    return seen, EventRelay(seen.append)


def test_draft_streams_typed_events_and_is_stored_for_its_owner(service: DrafterService) -> None:
    facts = service.read_facts(FACTS)
    seen, events = collect()
    result = service.draft("alice", facts, offline=True, events=events)  # type: ignore[arg-type]
    draft = result.draft
    assert draft.owner == "alice" and draft.mode == "offline" and len(draft.sections) >= 4
    assert isinstance(seen[0], DraftCreated) and seen[0].draft.id == draft.id
    done = [e for e in seen if isinstance(e, SectionDone)]
    assert sorted(e.position for e in done) == list(range(len(draft.sections)))
    assert len([e for e in seen if isinstance(e, SectionStarted)]) == len(draft.sections)
    assert {e.position: e.section.text for e in done} == {n: s.text for n, s in enumerate(draft.sections)}
    assert all(not isinstance(e, Notice) or e.message for e in seen)
    assert service.get("alice", draft.id).title == draft.title


def test_another_owners_draft_is_not_found_by_any_operation(service: DrafterService, tmp_path: Path) -> None:
    facts = service.read_facts(FACTS)
    mine = service.draft("alice", facts, offline=True).draft.id
    attempts = {
        "get": lambda: service.get("bob", mine),
        "undo": lambda: service.undo("bob", mine, 1),
        "lock": lambda: service.set_locked("bob", mine, 1, True),
        "edit": lambda: service.edit("bob", mine, 1, "别人的修改"),
        "revise": lambda: service.revise("bob", mine, 1, action="expand", offline=True),
        "regenerate": lambda: service.regenerate("bob", mine, offline=True),
        "export": lambda: service.export("bob", mine, tmp_path / "x.docx"),
        "hand_edited": lambda: service.hand_edited("bob", mine),
    }
    for name, attempt in attempts.items():
        with pytest.raises(DraftNotFound):
            attempt()
        assert not (tmp_path / "x.docx").exists(), name
    assert service.find("bob", mine) is None and service.find("alice", mine) is not None
    assert mine not in {d.id for d in service.list_drafts("bob")}
    assert mine in {d.id for d in service.list_drafts("alice")}
    assert mine in {d.id for d in service.list_drafts(None)}  # the administrator sees all
    assert service.find("alice", "../etc/passwd") is None  # not an id at all

    with pytest.raises(AdminOnly):
        service.transfer("alice", mine, "bob")
    service.transfer(None, mine, "bob")
    assert service.find("alice", mine) is None and service.get("bob", mine).owner == "bob"


def test_section_operations(service: DrafterService, tmp_path: Path) -> None:
    facts = service.read_facts(FACTS)
    draft = service.draft("", facts, offline=True).draft
    original = draft.sections[1].text

    edited = service.edit("", draft.id, 1, original + "\n另补充一句。")
    assert edited.text.endswith("另补充一句。") and service.hand_edited("", draft.id) == [1]
    with pytest.raises(UserError, match="空的"):
        service.edit("", draft.id, 1, "  \n")
    assert service.undo("", draft.id, 1).text == original

    service.set_locked("", draft.id, 1, True)
    for change in (lambda: service.edit("", draft.id, 1, "改"),
                   lambda: service.revise("", draft.id, 1, action="expand", offline=True)):
        with pytest.raises(SectionLocked) as info:
            change()
        assert "已锁定" in info.value.message and info.value.exit_code == 2
    regenerated = service.regenerate("", draft.id, offline=True).draft
    assert regenerated.sections[1].text == original and regenerated.sections[1].locked
    service.set_locked("", draft.id, 1, False)

    longer = service.revise("", draft.id, 1, action="expand", offline=True)
    assert len(longer.text) > len(original)
    with pytest.raises(UserError, match="修改要求"):
        service.revise("", draft.id, 1)

    out = service.export("", draft.id, tmp_path / "总结.docx")
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(DrafterError):
        service.check_output(tmp_path)  # a folder is no output file


def test_outline_then_draft_follows_it(service: DrafterService) -> None:
    facts = service.read_facts(FACTS)
    outline = service.outline(facts)
    assert outline.title and len(outline.sections) >= 4
    outline.sections[1].heading = "一、我们自己拟的小标题"
    draft = service.draft(None, facts, outline=outline, offline=True).draft
    assert draft.sections[1].heading == "一、我们自己拟的小标题"


def test_search_and_corpus(service: DrafterService, tmp_path: Path) -> None:
    hits = service.search("困难职工 慰问", k=3)
    assert 0 < len(hits) <= 3 and all(h.text for h in hits)
    assert service.search("困难职工", k=3, filters={"role": "no-such-role"}) == []
    empty = DrafterService(offline_settings(tmp_path / "empty"))
    with pytest.raises(CorpusNotReady, match="drafter ingest"):
        empty.search("帮扶")
    with pytest.raises(UserError, match="找不到路径"):
        empty.ingest([tmp_path / "nowhere"])


def test_ingest_uploads_checks_each_file_and_swaps_the_index(service: DrafterService, tmp_path: Path) -> None:
    service.prepare_corpus()
    before = service.corpus_stats()["chunks"]
    good = tmp_path / "up" / "street.txt"
    write_corpus(good.parent, ("street.txt",))
    bad = tmp_path / "up" / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4")
    empty = tmp_path / "up" / "empty.txt"
    empty.write_text("", encoding="utf-8")
    outcome = service.ingest_uploads([good, bad, empty])
    rows = {name: (result, detail) for name, result, detail in outcome.rows}
    assert rows["street.txt"][0] == "已导入" and rows["scan.pdf"][0] == "未导入" and rows["empty.txt"][0] == "未导入"
    assert ".pdf" in rows["scan.pdf"][1]
    assert outcome.added_chunks > 0 and service.corpus_stats()["chunks"] == before + outcome.added_chunks
    again = service.ingest_uploads([good])
    assert again.rows[0][1] == "已在库中" and again.added_chunks == 0


def test_collaborators_satisfy_the_interfaces(service: DrafterService) -> None:
    assert isinstance(service.store, DraftStore) and isinstance(service.store, DraftStorage)
    assert isinstance(service.retriever(), PassageRetriever)
    from drafter.llm import LLMClient

    client = LLMClient("http://127.0.0.1:9/v1", "", "m")
    assert isinstance(client, ChatModel)
    client.close()


def test_malformed_model_settings_are_one_chinese_error(tmp_path: Path) -> None:
    service = DrafterService(offline_settings(tmp_path, llm_base_url="ftp://x", llm_model="m"))
    with pytest.raises(LLMError) as info:
        service.llm  # noqa: B018
    assert info.value.exit_code == 2 and "OPENAI_BASE_URL" in info.value.message
    service.go_offline()
    assert service.llm is None and "离线" in service.llm_status()
