"""Drafts belong to their owner: two logged-in users through gradio_client (the app's API).

bob cannot get, list, open, revise, lock, unlock, undo, save over, regenerate or export alice's
draft, and every answer is word for word the one for an id that does not exist. Also through
the API: undo right after drafting has nothing to undo, and regenerate asks before replacing
a section edited by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client import Client

from drafter.store import DraftStore
from tests.support.fake_llm import FakeLLM
from tests.support.ui_app import RunningApp, SectionResponder, running_app, ui_settings

pytestmark = pytest.mark.timeout(180)

USERS = {"alice": "alice-pw-1", "bob": "bob:pw-2"}
WRONG = "0123456789ab"  # an id no draft has


@pytest.fixture(scope="module")
def responder() -> SectionResponder:
    return SectionResponder()


@pytest.fixture(scope="module")
def app(responder: SectionResponder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    auth = ",".join(f"{u}:{p}" for u, p in USERS.items())
    with FakeLLM(responder=responder) as llm:
        settings = ui_settings(tmp_path_factory.mktemp("ui-owner"), llm, DRAFTER_AUTH=auth)
        with running_app(settings) as running:
            yield running


def login(app: RunningApp, user: str) -> Client:
    return Client(app.url, auth=(user, USERS[user]), verbose=False)


def generate(client: Client, unit: str) -> str:
    form = list(client.predict(api_name="/sample_facts"))[:10]
    form[0] = unit
    errors, _live, draft_id, notice = client.predict(*form, api_name="/generate")
    assert errors == "" and "初稿已生成" in notice, notice
    return str(draft_id)


def same_answer(a: Any, a_id: str, b: Any, b_id: str) -> None:
    """Two answers are identical once each names its own id the same way."""
    assert str(a).replace(a_id, "ID") == str(b).replace(b_id, "ID"), (a, b)


def test_another_users_draft_is_not_found_by_any_route(app: RunningApp) -> None:
    alice, bob = login(app, "alice"), login(app, "bob")
    alice_id = generate(alice, "云杉街道总工会")
    bob_id = generate(bob, "白桦镇总工会")
    store = DraftStore(app.settings.drafts_db)
    assert store.get(alice_id).owner == "alice" and store.get(bob_id).owner == "bob"
    before = store.get(alice_id).to_dict()
    versions = [len(store.history(alice_id, i)) for i in range(len(before["sections"]))]

    # each sees their own
    mine = alice.predict(alice_id, api_name="/get_draft")
    assert mine["id"] == alice_id and mine["owner"] == "alice" and mine["facts"]["unit_name"] == "云杉街道总工会"
    assert [d["id"] for d in alice.predict([alice_id, bob_id], api_name="/list_my_drafts")] == [alice_id]
    assert [d["id"] for d in bob.predict([alice_id, bob_id], api_name="/list_my_drafts")] == [bob_id]

    # bob on alice's id gets exactly what he gets for an id that does not exist
    assert bob.predict(alice_id, api_name="/get_draft") == {} == bob.predict(WRONG, api_name="/get_draft")
    assert bob.predict([alice_id], api_name="/list_my_drafts") == []
    for action, instruction, text in [
        ("rewrite", "改成鲍勃的内容", ""), ("polish", "", ""), ("expand", "", ""), ("shorten", "", ""),
        ("lock", "", ""), ("unlock", "", ""), ("undo", "", ""), ("save", "", "鲍勃改写的正文"),
    ]:
        theirs = bob.predict(alice_id, 1, action, instruction, text, api_name="/section_action")
        nobody = bob.predict(WRONG, 1, action, instruction, text, api_name="/section_action")
        assert theirs["ok"] is False and "找不到草稿" in theirs["message"], (action, theirs)
        same_answer(theirs, alice_id, nobody, WRONG)
    # opening by id (我的草稿 → 按草稿编号打开) says the same as for a wrong id
    opened = bob.predict(alice_id, api_name="/open_draft_1")
    missing = bob.predict(WRONG, api_name="/open_draft_1")
    assert "找不到草稿" in str(opened)
    same_answer(opened, alice_id, missing, WRONG)
    # bob's session still holds his own draft: regenerate and export touch only that one
    _live, notice, _question = bob.predict(api_name="/regenerate")
    assert "已重新生成" in notice

    assert store.get(alice_id).to_dict() == before  # nothing of alice's changed
    assert [len(store.history(alice_id, i)) for i in range(len(versions))] == versions
    assert alice.predict(alice_id, 1, "lock", api_name="/section_action")["ok"]  # while alice can
    alice.close()
    bob.close()


def test_undo_after_drafting_and_regenerate_asks_before_replacing_hand_edits(
    app: RunningApp, responder: SectionResponder
) -> None:
    alice = login(app, "alice")
    draft_id = generate(alice, "青山镇总工会")
    store = DraftStore(app.settings.drafts_db)
    draft = alice.predict(draft_id, api_name="/get_draft")
    body = [i for i, s in enumerate(draft["sections"]) if s["role"] == "body"]
    edited, other = body[0], body[1]
    generated = [s["text"] for s in draft["sections"]]

    undone = alice.predict(draft_id, edited, "undo", api_name="/section_action")
    assert undone == {"ok": False, "message": f"“{draft['sections'][edited]['heading']}”一节没有可以撤销的修改。"}
    assert store.get(draft_id).sections[edited].text == generated[edited]

    mine = "这一节是我自己写的：组织职工开展读书活动12场。"
    saved = alice.predict(draft_id, edited, "save", "", mine, api_name="/section_action")
    assert saved["ok"] and saved["draft"]["sections"][edited]["text"] == mine

    # regenerate asks first and changes nothing
    versions = [len(store.history(draft_id, i)) for i in range(len(generated))]
    _live, notice, question = alice.predict(api_name="/regenerate")
    assert "请先确认" in notice
    assert f"第{edited + 1}节“{draft['sections'][edited]['heading']}”有您手工修改的内容" in question
    assert [len(store.history(draft_id, i)) for i in range(len(generated))] == versions

    responder.variant = 2  # the model now words sections differently
    try:
        _live, notice, _q = alice.predict(api_name="/regenerate_keep_edited")
        assert "已重新生成" in notice and "手工修改的" in notice
        now = store.get(draft_id)
        assert now.sections[edited].text == mine
        assert now.sections[other].text != generated[other]

        _live, notice, _q = alice.predict(api_name="/regenerate_replace_edited")
        assert "已重新生成" in notice
        assert store.get(draft_id).sections[edited].text != mine
    finally:
        responder.variant = 1
    back = alice.predict(draft_id, edited, "undo", api_name="/section_action")
    assert back["ok"] and back["draft"]["sections"][edited]["text"] == mine  # regeneration is undoable
    alice.close()
