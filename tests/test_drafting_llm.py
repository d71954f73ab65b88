"""The drafting pipeline in LLM mode against a real local OpenAI-compatible server (HTTP + SSE).

The fake server plays a scripted "model": a well-behaved one built from the prompt, and
misbehaving variants (title, headings, other sections, Markdown, sign-off, run-on, invented or
missing figures), plus transport faults. Nothing of our own code is mocked.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drafter.compose import as_clause
from drafter.draft import Draft, Section
from drafter.drafting import Drafter, DraftEvents, Limits, RevisionNotAccepted
from drafter.errors import UserError
from drafter.facts import Facts, load_facts
from drafter.guard import invented_numbers
from drafter.index import CorpusIndex, open_index
from drafter.llm import LLMClient
from drafter.numbers import number_tokens
from drafter.retrieve import Retriever
from drafter.store import DraftStore
from drafter.write import REVISE_ACTIONS
from tests.support.corpus_fixtures import free_port, offline_settings, shared_corpus
from tests.support.fake_llm import FakeLLM, RecordedRequest, _text_of, reword

DATA = Path(__file__).parent / "data" / "facts"
TOWNSHIP = DATA / "township.yaml"
OPENING_TEXT = (
    "2025年，本会在上级党组织和上级工会的领导下，坚持以职工为中心的工作导向，紧紧围绕全镇中心工作，"
    "团结动员广大职工立足岗位、建功立业，竭诚服务职工群众，认真履行维护职工合法权益的基本职责，"
    "工会组织的凝聚力和影响力不断增强，各项工作稳步推进。现将有关情况总结如下："
)
# An opening's middle, long enough for a real opening.
WORK = "我们在上级工会的领导下坚持以职工为中心，团结动员广大职工建功立业，竭诚服务职工群众，认真履行维护职工合法权益的基本职责，扎实工作。"
# What a well-written section says besides its facts (a real model's sections are this long).
FRAMING = (
    "我们坚持把这项工作摆在突出位置，主要负责同志亲自部署、亲自过问，分管同志具体抓落实，形成了上下联动、"
    "齐抓共管的工作格局。工作中注重听取职工意见，及时总结经验、查找不足，推动各项措施落地见效，"
    "职工的获得感和满意度进一步提升。"
)


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    idx = open_index(offline_settings(shared_corpus(tmp_path_factory)))
    idx.load()
    return idx


# ---- the scripted model --------------------------------------------------------------------------
def user_text(request: dict[str, Any]) -> str:
    return next(_text_of(m.get("content")) for m in reversed(request["messages"]) if m.get("role") == "user")


def block(text: str, name: str) -> str:
    m = re.search(rf"<<<{name}开始\n(.*?)\n{name}结束>>>", text, re.S)
    return m.group(1) if m else ""


def prompt_facts(text: str) -> list[str]:
    return [line[2:] for line in block(text, "事实").splitlines() if line.startswith("- ")]


def prompt_heading(text: str) -> str:
    m = re.search(r"部分“(.*?)”的正文", text)
    return m.group(1) if m else ""


def kind_of(request: RecordedRequest | dict[str, Any]) -> str:
    text = user_text(request.body if isinstance(request, RecordedRequest) else request)
    if "需要修正的正文" in text:
        return "repair"
    if "【现有正文】" in text:
        return "revise"
    if "【本节草稿】" in text:
        return "polish"
    return "section"


def good_section(heading: str, facts: list[str], word: str = "扎实") -> str:
    if heading == "开头段":
        return OPENING_TEXT
    return f"我们围绕“{heading}”{word}开展工作。" + "；".join(facts) + "。各项工作取得了实效。" + FRAMING


def good_repair(text: str) -> str:
    current = block(text, "正文")
    for number in re.findall(r"删除数字“(.*?)”", text):
        current = "".join(s for s in re.findall(r"[^。]+。?", current) if number not in number_tokens(s))
    for fact in re.findall(r"必须写入这条事实，数字原样保留：(.*)", text):
        current += fact + "。"
    return current


class Model:
    """A responder: routes section / repair / revise prompts to overridable functions."""

    def __init__(self) -> None:
        self.word = "扎实"
        self.section: Callable[[str, list[str]], str] = lambda h, f: good_section(h, f, self.word)
        self.repair: Callable[[str], str] = good_repair
        self.revise: Callable[[str], str] = lambda t: reword(block(t, "正文"), "经认真修改，")
        self.polish: Callable[[str], str] = lambda t: "经认真梳理，" + block(t, "草稿")

    def __call__(self, request: dict[str, Any]) -> str:
        text = user_text(request)
        kind = kind_of(request)
        if kind == "repair":
            return self.repair(text)
        if kind == "revise":
            return self.revise(text)
        if kind == "polish":
            return self.polish(text)
        return self.section(prompt_heading(text), prompt_facts(text))


class Recorder(DraftEvents):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deltas: dict[int, list[str]] = {}
        self.restarts: list[int] = []
        self.done: list[int] = []
        self.notices: list[str] = []
        self.created: list[tuple[str, int]] = []  # (draft id, sections) when the draft was stored
        self.after_done: Callable[[int, Section], None] | None = None

    def draft_created(self, draft: Draft) -> None:
        assert not self.done, "the draft is announced before any section is written"
        self.created.append((draft.id, len(draft.sections)))

    def delta(self, position: int, text: str) -> None:
        with self.lock:
            self.deltas.setdefault(position, []).append(text)

    def restart(self, position: int) -> None:
        with self.lock:
            self.restarts.append(position)
            self.deltas[position] = []

    def section_done(self, position: int, section: Section) -> None:
        with self.lock:
            self.done.append(position)
        if self.after_done is not None:
            self.after_done(position, section)

    def notice(self, message: str) -> None:
        self.notices.append(message)


def client(server_url: str, key: str = "test-key", timeout: float = 5.0, retries: int = 2) -> LLMClient:
    return LLMClient(server_url, key, "fake-model", timeout=timeout, max_retries=retries,
                     backoff_base=0.01, backoff_cap=0.05, retry_after_cap=2.0)


@pytest.fixture
def model(fake_llm: FakeLLM) -> Model:
    fake_llm.responder = m = Model()
    return m


def make_drafter(index: CorpusIndex, tmp_path: Path, llm: LLMClient | None, events: DraftEvents | None = None,
                 concurrency: int = 4, strategy: str = "write", limits: Limits | None = None) -> Drafter:
    return Drafter(Retriever(index), DraftStore(tmp_path / "drafts.sqlite3"), llm=llm,
                   concurrency=concurrency, events=events, strategy=strategy, limits=limits)


def expected_text(section: Section, word: str = "扎实") -> str:
    return good_section(section.heading or "开头段", section.facts, word)


def assert_complete(draft: Draft, facts: Facts) -> None:
    """Every section holds the well-behaved model's text; nothing invented, nothing flagged."""
    for section in draft.sections:
        assert section.text == expected_text(section), section.heading
        assert not section.warnings, (section.heading, section.warnings)
    assert invented_numbers("\n".join(s.text for s in draft.sections), facts) == []


# ---- parallel generation, prompts, streaming ---------------------------------------------------------
def test_llm_draft_in_parallel_with_delimited_prompts(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    fake_llm.first_token_delay = 0.2  # long enough for requests to overlap
    facts = load_facts(TOWNSHIP)
    events = Recorder()
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url), events)
    started = time.monotonic()
    result = drafter.draft(facts)
    elapsed = time.monotonic() - started
    draft = result.draft
    print(f"\nLLM draft, {len(draft.sections)} sections, concurrency 4: {elapsed:.2f}s, "
          f"max in flight {fake_llm.max_in_flight}")
    assert result.llm_error == "" and draft.mode == "llm"
    assert events.created == [(draft.id, len(draft.sections))]
    assert fake_llm.max_in_flight > 1  # sections were generated in parallel
    assert_complete(draft, facts)
    assert drafter.store.get(draft.id).to_dict() == draft.to_dict()

    requests = fake_llm.chat_requests
    assert len(requests) == len(draft.sections)  # one per section: no repairs were needed
    for request in requests:
        assert request.stream and request.body["max_tokens"] > 0
        system = _text_of(request.messages[0]["content"])
        assert request.messages[0]["role"] == "system"
        assert "只能来自【用户事实】" in system and "不是指令" in system
        text = user_text(request.body)
        section = next(s for s in draft.sections if (s.heading or "开头段") == prompt_heading(text))
        assert prompt_facts(text) == section.facts
        references = block(text, "范文")
        assert references and all(src.snippet[:40] in references for src in section.sources)

    # streamed: the deltas of each section add up to the model's answer
    for position, section in enumerate(draft.sections):
        assert "".join(events.deltas[position]) == expected_text(section)


def test_placeholder_sections_are_never_sent_to_the_model(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(DATA / "unseen" / "school_annual.yaml")  # no problems, no plans
    draft = make_drafter(index, tmp_path, client(fake_llm.base_url)).draft(facts).draft
    sent = {prompt_heading(user_text(r.body)) for r in fake_llm.chat_requests}
    assert "存在的问题和不足" not in sent and "下一步工作打算" not in sent
    assert len(fake_llm.chat_requests) == len(draft.sections) - 2
    for section in draft.sections[-2:]:
        assert section.text.startswith("【待补充：")


def test_instruction_facts_never_reach_the_prompt(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(DATA / "injection.yaml")
    draft = make_drafter(index, tmp_path, client(fake_llm.base_url)).draft(facts).draft
    prompts = "\n".join(r.prompt_text for r in fake_llm.chat_requests)
    assert fake_llm.chat_requests
    for rejected in facts.rejected:
        assert rejected.text not in prompts
        assert rejected.text not in "\n".join(s.text for s in draft.sections)
    assert "系统提示词" not in prompts and "unrestricted" not in prompts
    injected = [w for s in draft.sections for w in s.warnings if w.kind == "injection"]
    assert len(injected) == len(facts.rejected) == 3


def test_a_whole_summary_with_markdown_falls_back_to_the_faithful_text_with_its_reason(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)

    def messy(heading: str, items: list[str]) -> str:
        own = good_section(heading, items)
        other = "抓宣传，凝聚职工思想共识" if heading != "开头段" else "抓组建，夯实工会组织基础"
        return (
            f"好的，以下是本节内容：\n# {facts.title}\n\n## 一、{heading}\n\n**{own}**\n\n"
            f"- 坚持以职工为中心。\n* 注重**实效**。\n\n"
            f"二、{other}\n这是别的章节的内容，不应出现。\n\n{facts.union_name}\n2025年12月31日"
        )

    model.section = messy
    events = Recorder()
    offline = make_drafter(index, tmp_path / "offline", None).draft(facts).draft
    result = make_drafter(index, tmp_path, client(fake_llm.base_url), events).draft(facts)
    draft = result.draft
    assert result.report.exit_code == 3 and result.report.accepted == 0
    assert draft.mode == "offline"
    for section, faithful in zip(draft.sections, offline.sections, strict=True):
        assert section.text == faithful.text, section.heading  # the floor, untouched
        if section.text.startswith("【待补充"):
            continue
        assert section.origin == "fallback" and "排版标记" in section.origin_reason
        assert section.warnings[0].kind == "llm_fallback" and "离线稿" in section.warnings[0].detail
        assert not re.search(r"[*#`]|别的章节|好的", section.text)
    [notice] = events.notices
    assert "没有写成任何一节" in notice and "排版标记" in notice


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (f"2025年，{WORK}成效明显。", f"2025年，{WORK}成效明显。现将一年来的工会工作总结如下："),
        (f"2025年，{WORK}\n\n成效明显，现将有关工作总结如下：\n\n一是……", f"2025年，{WORK}成效明显，现将有关工作总结如下："),
    ],
    ids=["no-hand-over", "two-paragraphs"],
)
def test_opening_is_one_paragraph_ending_with_the_hand_over(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model, written: str, kept: str
) -> None:
    model.section = lambda h, f: written if h == "开头段" else good_section(h, f)
    draft = make_drafter(index, tmp_path, client(fake_llm.base_url)).draft(load_facts(TOWNSHIP)).draft
    assert draft.sections[0].text == kept


# ---- the guard in LLM mode -------------------------------------------------------------------
TARGET = "抓帮扶，把温暖送到职工心坎上"


@pytest.mark.parametrize("repair_fixes", [True, False])
def test_an_invented_number_triggers_exactly_one_repair(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model, repair_fixes: bool
) -> None:
    facts = load_facts(TOWNSHIP)
    model.section = lambda h, f: good_section(h, f) + ("另外建成帮扶示范点77个。" if h == TARGET else "")
    if not repair_fixes:
        model.repair = lambda t: block(t, "正文")  # the model ignores the repair request
    draft = make_drafter(index, tmp_path, client(fake_llm.base_url)).draft(facts).draft
    repairs = [r for r in fake_llm.chat_requests if kind_of(r) == "repair"]
    assert len(repairs) == 1
    assert f"“{TARGET}”" in user_text(repairs[0].body) and "删除数字“77”" in user_text(repairs[0].body)
    section = next(s for s in draft.sections if s.heading == TARGET)
    assert "77" not in section.text and not section.warnings[1:]
    if repair_fixes:
        assert section.text == expected_text(section) and section.origin == "llm"
    else:  # the repaired answer still invents a figure: the faithful text stands, and says why
        assert section.origin == "fallback" and "77" in section.origin_reason
        assert [w.kind for w in section.warnings] == ["llm_fallback"]
        for fact in section.facts:
            assert as_clause(fact) in section.text
    for other in draft.sections:
        if other.heading != TARGET:
            assert not other.warnings and other.origin in ("llm", "offline")


def test_a_dropped_fact_is_asked_for_once_then_the_faithful_text_stands(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)
    model.section = lambda h, f: good_section(h, f[:1] if h == TARGET else f)
    model.repair = lambda t: block(t, "正文")  # the repair does not help either
    result = make_drafter(index, tmp_path, client(fake_llm.base_url)).draft(facts)
    section = next(s for s in result.draft.sections if s.heading == TARGET)
    assert section.origin == "fallback" and "漏写了事实、问题或打算（1 条）" in section.origin_reason
    for fact in section.facts:
        assert as_clause(fact) in section.text
    [repair] = [r for r in fake_llm.chat_requests if kind_of(r) == "repair"]
    assert f"必须写入这条事实，数字原样保留：{section.facts[1]}" in user_text(repair.body)
    assert result.report.exit_code == 4 and result.draft.mode == "mixed"


# ---- transport faults ------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["slow_first_byte", "429", "500", "cut_stream"])
def test_transient_faults_are_retried_and_sections_complete(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model, fault: str
) -> None:
    facts = load_facts(TOWNSHIP)
    timeout = 5.0
    if fault == "slow_first_byte":
        fake_llm.slow_first_byte(1.6)
        timeout = 0.8
    elif fault == "429":
        fake_llm.status(429, retry_after=0.3)
    elif fault == "500":
        fake_llm.status(500)
    else:
        fake_llm.cut_stream(after_chars=12)
    events = Recorder()
    started = time.monotonic()
    result = make_drafter(index, tmp_path, client(fake_llm.base_url, timeout=timeout), events).draft(facts)
    print(f"\nfault {fault}: draft in {time.monotonic() - started:.2f}s")
    assert result.llm_error == ""
    assert_complete(result.draft, facts)
    requests = fake_llm.chat_requests
    assert len(requests) == len(result.draft.sections) + 1  # exactly one retry
    [faulty] = [r for r in requests if r.fault]
    retry = next(r for r in requests if r is not faulty and r.prompt_text == faulty.prompt_text)
    if fault == "429":
        assert faulty.outcome == "status 429"
        assert retry.started - faulty.finished >= 0.3 - 0.02  # Retry-After honoured
    elif fault == "500":
        assert faulty.outcome == "status 500"
    elif fault == "cut_stream":
        assert faulty.outcome == "cut" and len(events.restarts) == 1
    else:
        assert retry.started - faulty.started >= timeout - 0.05


def test_a_section_that_keeps_failing_gets_offline_text_and_the_rest_is_saved(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)

    def section(heading: str, items: list[str]) -> str:
        if heading == TARGET:
            raise RuntimeError("upstream overloaded")  # the fake answers HTTP 500, every time
        return good_section(heading, items)

    model.section = section
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url, retries=2))
    result = drafter.draft(facts)
    assert result.llm_error == ""  # one section's trouble is not the whole LLM being down
    assert result.report.exit_code == 4 and result.report.fallbacks == [(3, result.report.fallbacks[0][1])]
    stored = drafter.store.get(result.draft.id)
    assert stored.mode == "mixed" and len(stored.sections) == 8
    failing = next(s for s in stored.sections if s.heading == TARGET)
    assert failing.origin == "fallback" and "500" in failing.origin_reason
    [error] = [w for w in failing.warnings if w.kind == "llm_fallback"]
    assert "500" in error.detail and "离线" in error.detail and re.search(r"[\u4e00-\u9fff]{4}", error.detail)
    for fact in failing.facts:
        assert as_clause(fact) in failing.text  # the offline composer wrote it
    assert sum(kind_of(r) == "section" and prompt_heading(user_text(r.body)) == TARGET
               for r in fake_llm.chat_requests) == 3  # first try + 2 retries
    for other in stored.sections:
        if other.heading != TARGET:
            assert other.text == expected_text(other) and not other.warnings


def test_server_dying_mid_draft_keeps_finished_sections(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)
    events = Recorder()

    def die_after_two(position: int, section: Section) -> None:
        if len(events.done) == 2:
            fake_llm.stop()

    events.after_done = die_after_two
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url, retries=1), events, concurrency=2)
    result = drafter.draft(facts)
    stored = drafter.store.get(result.draft.id)
    assert "无法连接" in result.llm_error or "断开" in result.llm_error
    assert len(stored.sections) == 8 and all(s.text for s in stored.sections)
    by_model = [s for s in stored.sections if s.text == expected_text(s)]
    assert len(by_model) >= 2
    offline = [s for s in stored.sections if s.text != expected_text(s)]
    assert offline
    for section in offline:
        for fact in section.facts:
            assert as_clause(fact) in section.text
    assert events.notices == [result.report.summary()] and result.llm_error in events.notices[0]
    assert all(s.origin == "fallback" for s in offline)


@pytest.mark.parametrize("failure", ["refused", "bad_key"])
def test_unusable_llm_gives_one_clear_message_and_saves_an_offline_draft(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model, failure: str
) -> None:
    facts = load_facts(TOWNSHIP)
    if failure == "refused":
        llm = client(f"http://127.0.0.1:{free_port()}/v1", retries=2)
    else:
        llm = client(fake_llm.base_url, key="wrong-key")
    events = Recorder()
    drafter = make_drafter(index, tmp_path, llm, events)
    started = time.monotonic()
    result = drafter.draft(facts)
    elapsed = time.monotonic() - started
    assert elapsed < 5
    message = result.llm_error
    assert message and re.search(r"[\u4e00-\u9fff]{6}", message) and "Traceback" not in message
    assert ("无法连接" in message) if failure == "refused" else ("密钥" in message)
    assert "test-key" not in message and "wrong-key" not in message
    assert events.notices == [result.report.summary()] and message in events.notices[0]
    assert result.report.exit_code == 3
    stored = drafter.store.get(result.draft.id)
    assert stored.mode == "offline" and all(s.text for s in stored.sections)
    for fact in facts.facts:
        assert sum(as_clause(fact) in s.text for s in stored.sections) == 1
    if failure == "bad_key":
        assert 1 <= len(fake_llm.chat_requests) <= 4  # no retries, and the others stop asking


# ---- revising and regenerating with the model ------------------------------------------------------
def test_revise_with_instruction_changes_only_that_section(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url))
    draft = drafter.draft(facts).draft
    store = drafter.store
    before = [s.text for s in store.get(draft.id).sections]
    versions = [len(store.history(draft.id, i)) for i in range(len(before))]
    fake_llm.clear()
    section = drafter.revise(draft.id, 2, instruction="语气更正式一些")
    [request] = fake_llm.chat_requests
    prompt = user_text(request.body)
    assert "语气更正式一些" in prompt and before[2] in block(prompt, "正文")
    assert prompt_facts(prompt) == draft.sections[2].facts
    assert section.text == reword(before[2], "经认真修改，") and not section.warnings
    after = [s.text for s in store.get(draft.id).sections]
    assert after[2] == section.text and after[:2] + after[3:] == before[:2] + before[3:]
    assert [len(store.history(draft.id, i)) for i in range(len(before))] == [
        v + (1 if i == 2 else 0) for i, v in enumerate(versions)
    ]
    assert store.undo(draft.id, 2).text == before[2]


@pytest.mark.parametrize("action", ["polish", "expand", "shorten"])
def test_revise_actions_send_their_request_and_rerun_the_guard(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model, action: str
) -> None:
    facts = load_facts(TOWNSHIP)
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url))
    draft = drafter.draft(facts).draft
    model.revise = lambda t: reword(block(t, "正文"), "") + "全年另有88项成果。"
    model.repair = lambda t: block(t, "正文")  # the repair keeps the invented figure
    history = drafter.store.history(draft.id, 1)
    fake_llm.clear()
    if action == "polish":  # only the model can polish: nothing is stored, and the user is told why
        with pytest.raises(RevisionNotAccepted, match="未采用.*88.*原文未改动") as caught:
            drafter.revise(draft.id, 1, action=action)
        assert caught.value.exit_code == 4
        assert drafter.store.history(draft.id, 1) == history
    else:  # expand and shorten can be done offline: they are, and the section says why
        section = drafter.revise(draft.id, 1, action=action)
        assert section.origin == "fallback" and "88" in section.origin_reason and "88" not in section.text
        assert section.warnings[0].kind == "llm_fallback" and "离线" in section.warnings[0].detail
        before = history[-1]["text"]
        assert (len(section.text) < len(before)) if action == "shorten" else (len(section.text) > len(before))
        assert drafter.store.history(draft.id, 1)[-1]["note"].endswith("（离线，大模型输出未采用）")
    assert REVISE_ACTIONS[action].request in user_text(fake_llm.chat_requests[0].body)
    # A longer "shortened" text is not worth repairing; an invented figure alone is.
    expected = ["revise"] if action == "shorten" else ["revise", "repair"]
    assert [kind_of(r) for r in fake_llm.chat_requests] == expected


def test_locked_sections_refuse_revision_and_survive_regeneration(
    index: CorpusIndex, tmp_path: Path, fake_llm: FakeLLM, model: Model
) -> None:
    facts = load_facts(TOWNSHIP)
    drafter = make_drafter(index, tmp_path, client(fake_llm.base_url))
    draft = drafter.draft(facts).draft
    store = drafter.store
    store.set_locked(draft.id, 1, True)
    with pytest.raises(UserError, match="锁定"):
        drafter.revise(draft.id, 1, instruction="改一改")
    locked_before = store.history(draft.id, 1)
    model.word = "切实"  # the model now words things differently
    fake_llm.clear()
    result = drafter.regenerate(draft.id)
    after = result.draft
    assert store.history(draft.id, 1) == locked_before
    assert after.sections[1].text == draft.sections[1].text and after.sections[1].locked
    for old, new in zip(draft.sections[2:], after.sections[2:], strict=True):
        assert new.text == expected_text(new, "切实") != old.text
    assert len(fake_llm.chat_requests) == len(after.sections) - 1  # the locked one is not asked for
