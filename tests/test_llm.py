"""LLMClient against a real OpenAI-compatible server on loopback, through the real `openai` SDK."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from typing import Any

import pytest

from drafter.config import Settings
from drafter.llm import LLMClient, LLMError
from tests.support.fake_llm import FakeLLM

REPLY = "一是抓规范，强化组织建设；二是抓维权，发挥工会作用；三是抓帮扶，营造温暖之家。"
MESSAGES = [
    {"role": "system", "content": "你是工会工作总结的起草助手。"},
    {"role": "user", "content": "请写组织建设部分。"},
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def make_client(fake: FakeLLM, **overrides: Any) -> LLMClient:
    options: dict[str, Any] = {
        "timeout": 5.0,
        "max_retries": 3,
        "backoff_base": 0.01,  # keep retries fast; Retry-After still wins when given
        "backoff_cap": 0.05,
    }
    options.update(overrides)
    api_key = options.pop("api_key", fake.api_key or "")
    return LLMClient(fake.base_url, api_key, fake.model, **options)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """What a streaming UI would show: pieces appended, cleared on restart."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.shown = ""
        self.restarts = 0

    def on_delta(self, piece: str) -> None:
        self.pieces.append(piece)
        self.shown += piece

    def on_restart(self) -> None:
        self.restarts += 1
        self.shown = ""


def test_streamed_reply_arrives_in_order(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: REPLY
    fake_llm.chars_per_token = 3
    ui = Recorder()
    client = make_client(fake_llm)

    text = client.chat(MESSAGES, max_tokens=200, temperature=0.2, on_delta=ui.on_delta)

    assert text == REPLY
    # Streamed in pieces, in order, exactly as the server cut them.
    assert ui.pieces == [REPLY[i : i + 3] for i in range(0, len(REPLY), 3)]
    assert ui.restarts == 0
    [request] = fake_llm.chat_requests
    assert request.authorized and request.stream
    assert request.model == fake_llm.model
    assert request.messages == MESSAGES
    assert request.body is not None
    assert request.body["max_tokens"] == 200
    assert request.body["temperature"] == pytest.approx(0.2)


def test_default_responder_reply_without_callbacks(fake_llm: FakeLLM) -> None:
    text = make_client(fake_llm).chat(MESSAGES)
    assert "请写组织建设部分。" in text
    assert fake_llm.chat_requests[0].reply == text


def test_slow_first_byte_within_timeout(fake_llm: FakeLLM) -> None:
    fake_llm.slow_first_byte(0.4)
    fake_llm.responder = lambda request: REPLY
    start = time.monotonic()
    text = make_client(fake_llm, timeout=3.0).chat(MESSAGES)
    assert text == REPLY
    assert time.monotonic() - start >= 0.4
    assert len(fake_llm.chat_requests) == 1


def test_timeout_is_retried_then_reported(fake_llm: FakeLLM) -> None:
    fake_llm.slow_first_byte(3.0, times=3)
    client = make_client(fake_llm, timeout=0.3, max_retries=2)
    start = time.monotonic()
    with pytest.raises(LLMError) as info:
        client.chat(MESSAGES)
    elapsed = time.monotonic() - start
    err = info.value
    assert err.kind == "timeout"
    assert err.attempts == 3
    assert len(fake_llm.chat_requests) == 3
    assert 0.9 <= elapsed < 2.5  # three 0.3 s timeouts, no waiting for the slow server
    assert "超时" in err.message and "重试 2 次" in err.message


def test_stall_mid_stream_times_out_and_restarts(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: REPLY
    fake_llm.stall_stream(after_chars=6, seconds=3.0)
    ui = Recorder()
    text = make_client(fake_llm, timeout=0.5).chat(
        MESSAGES, on_delta=ui.on_delta, on_restart=ui.on_restart
    )
    assert text == REPLY
    assert ui.restarts == 1
    assert ui.shown == REPLY
    first, second = fake_llm.chat_requests
    assert first.outcome == "stalled" and first.sent_chars == 6
    assert second.outcome == "ok"


def test_429_retry_after_is_honoured(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: REPLY
    fake_llm.status(429, retry_after=1)
    ui = Recorder()
    text = make_client(fake_llm).chat(MESSAGES, on_delta=ui.on_delta, on_restart=ui.on_restart)
    assert text == REPLY
    first, second = fake_llm.chat_requests
    assert first.outcome == "status 429"
    assert first.first_byte is not None
    gap = second.started - first.first_byte
    assert 1.0 <= gap < 2.0
    assert ui.restarts == 0  # nothing had been shown, nothing to clear


def test_retry_after_is_capped(fake_llm: FakeLLM) -> None:
    fake_llm.status(429, retry_after=120)
    start = time.monotonic()
    make_client(fake_llm, retry_after_cap=0.2).chat(MESSAGES)
    assert time.monotonic() - start < 2.0
    assert len(fake_llm.chat_requests) == 2


def test_500_then_success(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: REPLY
    fake_llm.status(500)
    ui = Recorder()
    text = make_client(fake_llm).chat(MESSAGES, on_delta=ui.on_delta, on_restart=ui.on_restart)
    assert text == REPLY and ui.shown == REPLY
    assert [r.outcome for r in fake_llm.chat_requests] == ["status 500", "ok"]
    assert ui.restarts == 0


def test_cut_stream_is_retried_without_duplicating_text(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: REPLY
    fake_llm.cut_stream(after_chars=7)
    ui = Recorder()
    text = make_client(fake_llm).chat(MESSAGES, on_delta=ui.on_delta, on_restart=ui.on_restart)

    assert text == REPLY  # only the complete second answer, not 7 chars + the whole answer
    assert ui.restarts == 1
    assert ui.shown == REPLY
    assert "".join(ui.pieces) == REPLY[:7] + REPLY  # the UI did see the cut text first
    first, second = fake_llm.chat_requests
    assert first.outcome == "cut" and first.sent_chars == 7
    assert second.outcome == "ok"


@pytest.mark.parametrize("after_chars", [5, len(REPLY), len(REPLY) + 100])
def test_clean_end_without_finish_is_a_cut(fake_llm: FakeLLM, after_chars: int) -> None:
    # A well-formed HTTP body that stops before the finish chunk and [DONE] (a proxy whose
    # upstream died): only the missing finish_reason shows the answer is incomplete.
    fake_llm.responder = lambda request: REPLY
    fake_llm.cut_stream(after_chars=after_chars, clean=True)
    ui = Recorder()
    text = make_client(fake_llm).chat(MESSAGES, on_delta=ui.on_delta, on_restart=ui.on_restart)
    assert text == REPLY and ui.shown == REPLY
    assert ui.restarts == 1
    assert len(fake_llm.chat_requests) == 2


def test_persistent_500_gives_up_after_max_retries(fake_llm: FakeLLM) -> None:
    fake_llm.status(500, times=10)
    with pytest.raises(LLMError) as info:
        make_client(fake_llm, max_retries=3).chat(MESSAGES)
    err = info.value
    assert err.kind == "server" and err.status == 500
    assert len(fake_llm.chat_requests) == 1 + 3
    assert err.attempts == 4
    assert "重试 3 次后仍失败" in err.message


def test_persistent_429_message(fake_llm: FakeLLM) -> None:
    fake_llm.status(429, times=5)
    with pytest.raises(LLMError) as info:
        make_client(fake_llm, max_retries=3).chat(MESSAGES)
    assert info.value.kind == "rate_limit"
    assert info.value.message == "大模型服务繁忙（429），重试 3 次后仍失败，请稍后再试。"
    assert len(fake_llm.chat_requests) == 4


def test_connection_refused() -> None:
    port = closed_port()
    client = LLMClient(f"http://127.0.0.1:{port}/v1", "k", "m", timeout=2, max_retries=1,
                       backoff_base=0.01, backoff_cap=0.02)
    with pytest.raises(LLMError) as info:
        client.chat(MESSAGES)
    err = info.value
    assert err.kind == "connection"
    assert f"127.0.0.1:{port}" in err.message
    assert "OPENAI_BASE_URL" in err.message
    assert CJK.search(err.message)
    assert "Traceback" not in str(err) and "Error" not in str(err)
    assert err.attempts == 2


def test_bad_key_is_not_retried(fake_llm: FakeLLM) -> None:
    client = make_client(fake_llm, api_key="wrong-key")
    with pytest.raises(LLMError) as info:
        client.chat(MESSAGES)
    err = info.value
    assert err.kind == "auth" and err.status == 401
    assert "OPENAI_API_KEY" in err.message
    [request] = fake_llm.chat_requests
    assert not request.authorized and request.outcome == "unauthorized"


def test_404_is_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.status(404, message="The model `fake-model` does not exist.", times=3)
    with pytest.raises(LLMError) as info:
        make_client(fake_llm).chat(MESSAGES)
    assert info.value.kind == "bad_request" and info.value.status == 404
    assert "DRAFTER_MODEL" in info.value.message
    assert len(fake_llm.chat_requests) == 1


def test_api_key_never_leaks(fake_llm: FakeLLM) -> None:
    secret = "sk-proj-SECRET-7f3a9c1e2b"
    fake_llm.api_key = secret
    client = make_client(fake_llm)
    assert secret not in client.describe()
    assert client.describe() == f"模型 fake-model @ 127.0.0.1:{fake_llm.port}"
    assert secret not in repr(client)

    errors: list[LLMError] = []
    # A server that echoes the key back in its error text, and a plain auth failure.
    fake_llm.status(400, message=f"Incorrect API key provided: {secret}")
    fake_llm.status(401, message=f"Incorrect API key provided: {secret}")
    for _ in range(2):
        with pytest.raises(LLMError) as info:
            client.chat(MESSAGES)
        errors.append(info.value)
    unreachable = LLMClient(f"http://127.0.0.1:{closed_port()}/v1", secret, "m", max_retries=0)
    with pytest.raises(LLMError) as info:
        unreachable.chat(MESSAGES)
    errors.append(info.value)

    assert [e.kind for e in errors] == ["bad_request", "auth", "connection"]
    for err in errors:
        for text in (str(err), err.message, repr(err)):
            assert secret not in text
    assert "Incorrect API key provided" in errors[0].message  # the server's reason is kept


def test_callback_exception_propagates_and_is_not_retried(fake_llm: FakeLLM) -> None:
    class Cancelled(Exception):
        pass

    def on_delta(piece: str) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        make_client(fake_llm).chat(MESSAGES, on_delta=on_delta)
    assert len(fake_llm.chat_requests) == 1


def test_list_models(fake_llm: FakeLLM) -> None:
    assert make_client(fake_llm).list_models() == ["fake-model"]


def test_from_settings(fake_llm: FakeLLM) -> None:
    settings = Settings(
        llm_base_url=fake_llm.base_url,
        llm_api_key=fake_llm.api_key or "",
        llm_model=fake_llm.model,
        llm_timeout=4.0,
        llm_max_retries=1,
    )
    client = LLMClient.from_settings(settings, backoff_base=0.01)
    assert (client.timeout, client.max_retries) == (4.0, 1)
    fake_llm.responder = lambda request: REPLY
    assert client.chat(MESSAGES) == REPLY

    with pytest.raises(LLMError) as info:
        LLMClient.from_settings(Settings(llm_base_url="", llm_model=""))
    assert "OPENAI_BASE_URL" in info.value.message


def test_invalid_base_url_is_reported_without_requests() -> None:
    with pytest.raises(LLMError) as info:
        LLMClient("localhost:8000", "k", "m")
    assert info.value.kind == "connection"
    assert "OPENAI_BASE_URL" in info.value.message


def test_parallel_requests_share_one_client(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda request: request["messages"][-1]["content"] * 3
    fake_llm.chars_per_token = 1
    fake_llm.tokens_per_second = 50  # 15 pieces ≈ 0.28 s per reply, 1.1 s one after another
    client = make_client(fake_llm)
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = client.chat([{"role": "user", "content": f"第{i}节内容"}])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    elapsed = time.monotonic() - start
    assert results == {i: f"第{i}节内容" * 3 for i in range(4)}
    assert fake_llm.max_in_flight == 4
    assert elapsed < 0.8  # overlapped, not one after another


# -- the fake server itself, read with the standard library (no SDK in between) ----------------


def _post(fake: FakeLLM, body: dict[str, Any], key: str | None = None,
          timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json",
                   "Authorization": f"Bearer {key or fake.api_key}"}
        conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_fake_server_speaks_sse(fake_llm: FakeLLM) -> None:
    fake_llm.reply("你好，工会")
    status, headers, raw = _post(
        fake_llm, {"model": "fake-model", "stream": True, "messages": MESSAGES,
                   "stream_options": {"include_usage": True}},
    )
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = [line[len("data: "):] for line in raw.decode("utf-8").split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "fake-model"
               for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    with_choices = [c for c in chunks if c["choices"]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in with_choices)
    assert text == "你好，工会"
    assert [c["choices"][0]["finish_reason"] for c in with_choices][-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 5


def test_fake_server_plain_json_and_auth(fake_llm: FakeLLM) -> None:
    status, _, raw = _post(fake_llm, {"model": "fake-model", "messages": MESSAGES})
    reply = json.loads(raw)
    assert status == 200 and reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"]["content"] == fake_llm.chat_requests[0].reply
    status, _, raw = _post(fake_llm, {"model": "fake-model", "messages": MESSAGES}, key="nope")
    assert status == 401 and json.loads(raw)["error"]["code"] == "invalid_api_key"
    status, headers, _ = _post(fake_llm.status(429, retry_after=2),
                               {"model": "fake-model", "messages": MESSAGES})
    assert status == 429 and headers["retry-after"] == "2"


def test_fake_server_token_rate(fake_llm: FakeLLM) -> None:
    fake_llm.reply("一二三四五六七八九十")  # 5 pieces of 2 characters
    fake_llm.tokens_per_second = 20
    fake_llm.first_token_delay = 0.2
    start = time.monotonic()
    _post(fake_llm, {"model": "fake-model", "stream": True, "messages": MESSAGES})
    elapsed = time.monotonic() - start
    assert 0.2 + 4 / 20 <= elapsed < 1.0


def test_fake_server_stops_promptly_with_a_request_in_flight() -> None:
    fake = FakeLLM().start()
    fake.slow_first_byte(30)
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=0.2)
    conn.request("POST", "/v1/chat/completions", "{}", {"Authorization": "Bearer test-key"})
    with pytest.raises(TimeoutError):
        conn.getresponse()
    conn.close()
    start = time.monotonic()
    fake.stop()
    assert time.monotonic() - start < 1.0
    assert fake.wait_for_requests(1, timeout=1.0)[0].outcome == "client_gone"
