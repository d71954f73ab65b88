"""The model may only improve on the offline draft: every failure a weak model shows, replayed.

A real OpenAI-compatible server on loopback plays the model (scripted replies and faults). For
each failure: the gate's decision, each section's origin and reason, the notice, the exit code,
bounded time, and that no accepted text carries our prompt text. Nothing of our code is mocked.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from drafter.drafting import Drafter, DraftEvents, DraftResult, Limits
from drafter.facts import Facts, load_facts
from drafter.gate import Expectation, scaffolding_in
from drafter.index import CorpusIndex, open_index
from drafter.llm import LLMClient
from drafter.retrieve import Retriever
from drafter.store import DraftStore
from tests.support.corpus_fixtures import cli_env, offline_settings, run_cli, shared_corpus
from tests.support.fake_llm import FakeLLM, _text_of, reword

FACTS = Path(__file__).parent / "data" / "facts" / "township.yaml"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    idx = open_index(offline_settings(shared_corpus(tmp_path_factory)))
    idx.load()
    return idx


@pytest.fixture(scope="module")
def facts() -> Facts:
    return load_facts(FACTS)


@pytest.fixture(scope="module")
def faithful(index: CorpusIndex, tmp_path_factory: pytest.TempPathFactory, facts: Facts) -> list[str]:
    """The offline composer's text of each section: the floor every fallback must equal."""
    store = DraftStore(tmp_path_factory.mktemp("offline") / "drafts.sqlite3")
    return [s.text for s in Drafter(Retriever(index), store).draft(facts).draft.sections]


class Notices(DraftEvents):
    def __init__(self) -> None:
        self.notices: list[str] = []

    def notice(self, message: str) -> None:
        self.notices.append(message)


def user_text(request: dict[str, Any]) -> str:
    return next(_text_of(m.get("content")) for m in reversed(request["messages"]) if m.get("role") == "user")


def draft_block(request: dict[str, Any]) -> str:
    m = re.search(r"<<<草稿开始\n(.*?)\n草稿结束>>>", user_text(request), re.S)
    return m.group(1) if m else ""


def polished(request: dict[str, Any]) -> str:
    """A well-behaved polish: the same facts, better framed."""
    return reword(draft_block(request))


def run(index: CorpusIndex, tmp_path: Path, server: FakeLLM, *, limits: Limits | None = None,
        stall: float = 5.0, retries: int = 1, concurrency: int = 4) -> tuple[DraftResult, Notices, float]:
    llm = LLMClient(server.base_url, "test-key", "fake-model", timeout=5.0, max_retries=retries,
                    backoff_base=0.01, backoff_cap=0.05, stall_timeout=stall)
    events = Notices()
    drafter = Drafter(Retriever(index), DraftStore(tmp_path / "drafts.sqlite3"), llm=llm, events=events,
                      limits=limits, concurrency=concurrency)
    started = time.monotonic()
    result = drafter.draft(load_facts(FACTS))
    return result, events, time.monotonic() - started


def asked(result: DraftResult) -> list[int]:
    """Positions the model was asked for (placeholder sections never are)."""
    return [i for i, s in enumerate(result.draft.sections) if not s.text.startswith("【待补充")]


def assert_all_fell_back(result: DraftResult, faithful: list[str], events: Notices, reason: str) -> None:
    draft = result.draft
    for i in asked(result):
        section = draft.sections[i]
        assert section.origin == "fallback", (section.heading, section.origin)
        assert reason in section.origin_reason, section.origin_reason
        assert section.text == faithful[i]  # the floor, untouched
        assert section.warnings[0].kind == "llm_fallback" and reason in section.warnings[0].detail
    assert result.report.exit_code == 3 and result.report.accepted == 0
    assert draft.mode == "offline"
    [notice] = events.notices
    assert "改用离线稿" in notice and reason in notice


# ---- replies the gate must refuse ---------------------------------------------------------------
def echo(request: dict[str, Any]) -> str:
    return user_text(request)


def instructions(request: dict[str, Any]) -> str:
    return "存在的问题和不足：把下列问题写成实事求是的段落，不要夸大，也不要补充事实之外的问题。"


def html(request: dict[str, Any]) -> str:
    return f'<!DOCTYPE html><html lang="zh-CN"><body><p>{draft_block(request)}</p></body></html>'


def english(request: dict[str, Any]) -> str:
    return "In 2025 the township trade union did a lot of work for its members, as summarised below in detail."


def unchanged(request: dict[str, Any]) -> str:
    return draft_block(request)


def empty(request: dict[str, Any]) -> str:
    return ""


def unchanged_but_run_on(request: dict[str, Any]) -> str:
    """The text it was given; after the opening's hand-over (现将…如下：) it writes on. The
    opening's finishing touch keeps one paragraph, which is the given text again: not the
    model's work (seen with the real model, which was credited with an unchanged opening)."""
    given = draft_block(request).strip()
    return given + "\n今后，我们将继续努力，推动工会工作不断迈上新台阶。" if given.endswith("如下：") else given


@pytest.mark.parametrize(
    ("responder", "reason"),
    [
        (echo, "提示词"),
        (instructions, "提示词"),
        (html, "网页代码"),
        (english, "不是中文"),
        (unchanged, "几乎相同"),
        (empty, "没有返回正文"),
        (unchanged_but_run_on, "几乎相同"),
    ],
    ids=["prompt-echo", "instructions", "html", "english", "unchanged", "empty", "opening-run-on"],
)
def test_a_bad_answer_falls_back_to_the_faithful_text_and_says_why(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str], responder: Any, reason: str
) -> None:
    fake_llm.responder = responder
    result, events, _ = run(index, tmp_path, fake_llm)
    assert_all_fell_back(result, faithful, events, reason)


def test_problems_and_plans_written_as_instructions_are_refused_and_the_users_items_kept(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str], facts: Facts
) -> None:
    def answer(request: dict[str, Any]) -> str:
        text = user_text(request)
        if "存在的问题和不足" in text:
            return "存在的问题和不足：把下列问题写成实事求是的段落，不要夸大。"
        if "下一步工作打算" in text:
            return "下一步，我们将继续努力，推动工会工作再上新台阶。"  # the user's plans are gone
        return polished(request)

    fake_llm.responder = answer
    result, events, _ = run(index, tmp_path, fake_llm)
    by_heading = {s.heading: s for s in result.draft.sections}
    problems, plans = by_heading["存在的问题和不足"], by_heading["下一步工作打算"]
    assert problems.origin == plans.origin == "fallback"
    assert "漏写" in problems.origin_reason and "漏写" in plans.origin_reason
    for item in facts.problems:
        assert item in problems.text
    for item in facts.plans:
        assert item in plans.text
    assert result.report.exit_code == 4 and result.draft.mode == "mixed"
    assert "大模型写成 6 节，2 节改用离线稿" in events.notices[0]


def test_a_cut_off_answer_is_refused(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.responder = polished
    fake_llm.reply("2025年，青山镇总工会紧紧围绕中心工作，部分企业工会作用发挥不", finish="length", times=50)
    result, events, _ = run(index, tmp_path, fake_llm)
    assert_all_fell_back(result, faithful, events, "截断")


def test_a_good_polish_is_accepted_and_labelled_the_models(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str], facts: Facts
) -> None:
    fake_llm.responder = polished
    result, events, _ = run(index, tmp_path, fake_llm)
    assert result.report.exit_code == 0 and result.draft.mode == "llm"
    for i in asked(result):
        section = result.draft.sections[i]
        assert section.origin == "llm" and section.origin_reason == ""
        assert section.text != faithful[i]  # not the offline composer's text under the model's name
        expect = Expectation(facts=facts, role=section.role, heading=section.heading, items=tuple(section.facts))
        assert not scaffolding_in(section.text, expect)
    assert events.notices == [f"大模型写成全部 {len(asked(result))} 节。"]
    # The polish request carries the faithful text and nothing of the examples.
    for request in fake_llm.chat_requests:
        assert draft_block(request.body) and "范文" not in user_text(request.body)


# ---- transport faults and slow servers: bounded, truthful ------------------------------------------
def test_http_500_on_every_request(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.status(500, times=100)
    result, events, elapsed = run(index, tmp_path, fake_llm)
    assert_all_fell_back(result, faithful, events, "500")
    assert elapsed < 20


def test_streams_cut_every_time(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.responder = polished
    fake_llm.cut_stream(after_chars=6, times=100)
    result, events, _ = run(index, tmp_path, fake_llm)
    assert_all_fell_back(result, faithful, events, "断开")


def test_a_silent_server_ends_in_fallback_within_the_stall_timeout(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.responder = polished
    fake_llm.slow_first_byte(30, times=100)
    result, events, elapsed = run(index, tmp_path, fake_llm, stall=0.5, retries=1)
    assert_all_fell_back(result, faithful, events, "超时")
    assert elapsed < 12  # 7 sections, 4 at a time, 2 attempts of 0.5 s each, plus drafting


def test_a_trickling_server_ends_in_fallback_at_the_section_deadline(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.responder = polished
    fake_llm.tokens_per_second = 4  # a token every 0.25 s: never silent, never done
    limits = Limits(section_seconds=1.0, draft_seconds=30.0)
    result, events, elapsed = run(index, tmp_path, fake_llm, limits=limits, stall=5.0)
    assert_all_fell_back(result, faithful, events, "时限")
    assert elapsed < 12
    assert not [s for s in result.draft.sections if s.origin == "llm" or not s.text]


def test_the_whole_draft_deadline_bounds_a_slow_server(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, faithful: list[str]
) -> None:
    fake_llm.responder = polished
    fake_llm.tokens_per_second = 4
    limits = Limits(section_seconds=60.0, draft_seconds=1.5)
    result, events, elapsed = run(index, tmp_path, fake_llm, limits=limits, concurrency=1)
    assert elapsed < 10
    reasons = [s.origin_reason for s in result.draft.sections if s.origin == "fallback"]
    assert len(reasons) == len(asked(result)) and any("整篇" in r for r in reasons)
    assert result.report.exit_code == 3


# ---- the CLI tells the truth with its exit code -------------------------------------------------
@pytest.mark.parametrize(("responder", "code"), [(polished, 0), (html, 3), ("mixed", 4)])
def test_cli_exit_code_and_one_line_naming_the_cause(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, fake_llm: FakeLLM, responder: Any, code: int
) -> None:
    import shutil

    def mixed(request: dict[str, Any]) -> str:
        return html(request) if "存在的问题和不足" in user_text(request) else polished(request)

    fake_llm.responder = mixed if responder == "mixed" else responder
    data = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), data, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    result = run_cli(["draft", str(FACTS), "-o", str(tmp_path / "out.docx")], cli_env(data, **fake_llm.env()))
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"草稿编号：[0-9a-f]{12}", result.stderr)
    if code:
        [line] = [ln for ln in result.stderr.splitlines() if "改用离线稿" in ln]
        assert "网页代码" in line
        assert "已完成：存在的问题和不足（离线稿（大模型输出未采用））" in result.stderr
        shown = run_cli(["show", re.search(r"草稿编号：([0-9a-f]{12})", result.stderr).group(1)],
                        cli_env(data, **fake_llm.env()))
        assert re.search(r"存在的问题和不足：离线稿（大模型输出未采用）：.*含有网页代码", shown.stderr)
    else:
        assert "大模型写成全部" in result.stderr and "改用离线稿" not in result.stderr
