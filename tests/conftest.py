"""Shared pytest fixtures. Each fixture starts a real local service and stops it afterwards."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `python -m pytest` puts the repo root on sys.path; plain `pytest` does not. Either way,
# helpers are imported as `tests.support…`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.fake_llm import FakeLLM  # noqa: E402


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A fresh OpenAI-compatible server on 127.0.0.1 (key ``test-key``, model ``fake-model``)."""
    with FakeLLM() as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, for one test module (skips when it or playwright is missing)."""
    from tests.support.browser import ARGS, CHROMIUM, playwright_or_skip

    with playwright_or_skip().sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """A folder for a test's screenshots."""
    folder = tmp_path / "screens"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """One real PostgreSQL server (loopback, temporary folder) for the whole run; skips when
    the PostgreSQL programs are not installed (.ci/run installs them)."""
    from tests.support.postgres import PostgresServer, bin_dir

    if bin_dir() is None:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql")
    from drafter.pg_store import close_pools

    with PostgresServer() as server:
        yield server
        close_pools()  # before the server goes
