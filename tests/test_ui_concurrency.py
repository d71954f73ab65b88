"""Eight users drafting at once through the app: eight drafts, each complete, no crosstalk —
with the drafts in SQLite (one machine) and in PostgreSQL (several instances' store).

Each user is its own gradio_client session in its own thread, with its own unit and figures;
the fake LLM streams slowly enough that the drafts are written at the same time. Each user
then regenerates through the session's state (no draft id is passed), which must touch only
that user's draft.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gradio_client import Client

from drafter.numbers import number_tokens
from drafter.store import DraftStore, open_draft_store
from tests.support.fake_llm import FakeLLM
from tests.support.ui_app import (
    RunningApp,
    SectionResponder,
    running_app,
    ui_settings,
    unique_facts,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

UNITS = ["青山镇", "桃溪镇", "石桥街道", "红星机械厂", "实验中学", "城关镇", "永安农场", "东湖区"]
TYPES = ["乡镇工会", "乡镇工会", "街道工会", "企业工会", "学校工会", "乡镇工会", "农场连队工会", "区总工会"]
USERS = len(UNITS)


def user_form(i: int) -> list[Any]:
    """A form whose figures are unique to user i (no figure is shared between two users)."""
    return [
        f"{UNITS[i]}总工会", TYPES[i], "年度", 2025, "", "\n".join(unique_facts(i)),
        "部分基层工会作用发挥不够", "加强工会干部培训", "自动", "",
    ]


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    # ~200 characters a second per stream: a draft takes a few seconds, so the eight overlap
    with FakeLLM(responder=SectionResponder(), tokens_per_second=100, chars_per_token=2) as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    env = {}
    if request.param == "postgres":
        env["DRAFTER_DATABASE_URL"] = request.getfixturevalue("postgres_server").new_database("uiconc")
    with running_app(ui_settings(tmp_path_factory.mktemp("ui-conc"), llm, **env)) as running:
        yield running


def drafts_of(app: RunningApp) -> DraftStore:
    """The administrator's view of the app's draft store, whichever backend it uses."""
    return open_draft_store(app.settings.database_url or app.settings.drafts_db)


def _own_numbers(i: int) -> set[str]:
    return {n for line in user_form(i)[5].splitlines() for n in number_tokens(line)}


def test_eight_users_draft_at_once(app: RunningApp, llm: FakeLLM) -> None:
    clients = [Client(app.url, verbose=False) for _ in range(USERS)]

    def draft(i: int) -> tuple[str, float, float]:
        start = time.monotonic()
        errors, _live, draft_id, notice = clients[i].predict(*user_form(i), api_name="/generate")
        assert errors == "" and "初稿已生成" in notice, (errors, notice)
        return draft_id, start, time.monotonic()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        results = list(pool.map(draft, range(USERS)))
    elapsed = time.monotonic() - started
    ids = [r[0] for r in results]
    assert len(set(ids)) == USERS

    # the sessions really ran at the same time
    latest_start = max(r[1] for r in results)
    earliest_end = min(r[2] for r in results)
    assert latest_start < earliest_end, "the drafts were written one after another"
    assert llm.max_in_flight > 4

    store = drafts_of(app)
    assert (store.backend == "sqlite") == (not app.settings.database_url)  # each backend really ran
    assert {d.id for d in store.list_drafts()} == set(ids)
    for i, draft_id in enumerate(ids):
        d = store.get(draft_id)
        assert d.title == f"{UNITS[i]}总工会2025年工作总结"
        assert d.mode == "llm"
        assert d.sections and all(s.text.strip() for s in d.sections), f"user {i}: incomplete"
        assert not [w for s in d.sections for w in s.warnings if w.kind == "llm_error"]
        text = "\n".join(s.text for s in d.sections)
        numbers = set(number_tokens(text))
        assert _own_numbers(i) <= numbers, f"user {i}: own figures missing"
        others = set().union(*(_own_numbers(j) for j in range(USERS) if j != i))
        assert not numbers & others, f"user {i}: another user's figures"
        assert UNITS[i] in text
        assert not [u for j, u in enumerate(UNITS) if j != i and u in text + d.title]

    # regenerate: each session regenerates its own draft (the id lives in the session state)
    versions = {draft_id: len(store.history(draft_id, 1)) for draft_id in ids}
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        notices = list(pool.map(lambda i: clients[i].predict(api_name="/regenerate")[1], range(USERS)))
    assert all("已重新生成" in n for n in notices), notices
    for i, draft_id in enumerate(ids):
        assert len(store.history(draft_id, 1)) == versions[draft_id] + 1
        text = "\n".join(s.text for s in store.get(draft_id).sections)
        assert not [u for j, u in enumerate(UNITS) if j != i and u in text]
    print(f"8 concurrent drafts in {elapsed:.1f}s; max LLM requests in flight: {llm.max_in_flight}")
    for c in clients:
        c.close()
