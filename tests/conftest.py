"""Shared pytest fixtures. Each fixture starts a real local service and stops it afterwards."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

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
