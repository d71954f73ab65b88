"""PostgreSQL down mid-draft: a clear Chinese message (never the password), the sections finished
before the outage are kept, and the same process works again once the server is back.

A real server of its own (tests/support/postgres.py), crashed with `pg_ctl stop -m immediate`
and started again on the same port.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter import pg_store
from drafter.drafting import DraftEvents
from drafter.facts import load_facts
from drafter.services import make_drafter, open_store
from drafter.store import DatabaseUnavailable, StoreError
from tests.support.corpus_fixtures import ROOT, cli_env, offline_settings, run_cli
from tests.support.postgres import PASSWORD, PostgresServer, bin_dir

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresServer]:
    if bin_dir() is None:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql")
    monkeypatch.setattr(pg_store, "WAIT_SECONDS", 3.0)  # how long an operation waits: short here
    with PostgresServer() as running:
        yield running
        pg_store.close_pools()


class CrashAfter(DraftEvents):
    """Crashes the database right after the `n`-th section was saved."""

    def __init__(self, server: PostgresServer, n: int) -> None:
        self.server, self.n = server, n
        self.done: list[int] = []

    def section_done(self, position: int, section: object) -> None:
        self.done.append(position)
        if len(self.done) == self.n:
            self.server.stop("immediate")


def test_database_down_mid_draft_keeps_finished_sections_and_work_resumes(
    server: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = offline_settings(tmp_path / "data", database_url=server.new_database())
    events = CrashAfter(server, 2)
    drafter = make_drafter(settings, offline=True, events=events)
    facts = load_facts(ROOT / "examples" / "township.yaml")

    with pytest.raises(DatabaseUnavailable) as info:
        drafter.draft(facts, offline=True)
    message = str(info.value)
    assert "草稿数据库" in message and "已保存" in message
    assert info.value.exit_code == 3 and isinstance(info.value, StoreError)
    assert PASSWORD not in message and PASSWORD not in caplog.text
    assert events.done == [0, 1]

    # while it is down, every operation says the same, quickly
    with pytest.raises(DatabaseUnavailable):
        open_store(settings).list_drafts()

    server.start()
    store = open_store(settings)  # the same process and pool: reconnects by itself
    [summary] = store.list_drafts()
    kept = store.get(summary.id)
    assert [bool(s.text) for s in kept.sections[:2]] == [True, True]  # committed before the crash
    assert not any(s.text for s in kept.sections[2:])  # nothing half-written after it
    finished = [s.text for s in kept.sections[:2]]

    result = drafter.regenerate(summary.id, offline=True)  # the user carries on
    assert all(s.text for s in result.draft.sections)
    for position, text in enumerate(finished):
        assert text in [h["text"] for h in store.history(summary.id, position)]
    assert PASSWORD not in caplog.text


def test_cli_with_the_database_down_says_so_in_chinese(server: PostgresServer, tmp_path: Path) -> None:
    url = server.new_database()
    env = cli_env(tmp_path / "data", DRAFTER_DATABASE_URL=url)
    proc = run_cli(["list"], env)
    assert proc.returncode == 0, proc.stderr
    server.stop("immediate")
    proc = run_cli(["list"], env)
    assert proc.returncode == 3
    assert "暂时连不上草稿数据库" in proc.stderr
    assert "Traceback" not in proc.stderr and PASSWORD not in proc.stdout + proc.stderr
    server.start()
    assert run_cli(["list"], env).returncode == 0


def test_the_database_password_is_never_shown(postgres_server: PostgresServer) -> None:
    from drafter.config import Settings

    url = postgres_server.new_database()
    settings = Settings.from_env(env={"DRAFTER_DATABASE_URL": url})
    assert settings.database_url == url
    assert PASSWORD not in repr(settings)
    assert settings.database_host == f"127.0.0.1:{postgres_server.port}"
    store = open_store(settings)
    assert PASSWORD not in repr(store) and PASSWORD not in repr(store.for_owner("alice"))
    assert store.location == settings.database_host
