"""The LLM behind one small interface. The only module that imports `openai`.

`LLMClient.chat()` streams a chat completion from any OpenAI-compatible endpoint, hands each
piece to `on_delta`, and retries transient failures itself (the SDK's own retries are off, so
what is retried, and how long we wait, is decided and tested here). Failures surface as
`LLMError` with a short Chinese `.message` for users and a machine-readable `.kind`.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import openai

from drafter.config import Settings, safe_logger, url_host
from drafter.errors import DrafterError
from drafter.llm_errors import ERROR_KINDS, Failure, LLMError, failure_error, parse_retry_after

__all__ = ["ERROR_KINDS", "LLMClient", "LLMError", "Reply"]  # LLMError's home is llm_errors.py

log = safe_logger(__name__)

Message = Mapping[str, Any]
DeltaCallback = Callable[[str], None]
RestartCallback = Callable[[], None]

# Sent when no key is configured: local servers (Ollama, vLLM, llama.cpp) ignore it, and the
# SDK refuses to build a client without one.
_NO_KEY = "EMPTY"


@dataclass
class Reply:
    """A finished answer: its text, why the model stopped, and token counts when the server says."""

    text: str
    finish_reason: str = "stop"  # "length" when the model hit max_tokens: the text is cut off
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _DeadlinePassed(DrafterError):
    """The caller's deadline passed mid-answer (a model trickling tokens): stop, do not retry."""

    message = "大模型在限定时间内没有写完。"


class _StreamIncomplete(DrafterError):
    """The body ended without a finish_reason: the connection dropped mid-answer."""

    message = "与大模型的连接中途断开。"


@dataclass
class _AttemptState:
    opened: bool = False  # response headers arrived (errors after this are mid-stream)
    emitted: bool = False  # on_delta has seen text from this attempt


def _transport_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeout, other) transport exceptions of whichever HTTP library the SDK loaded.

    Recent SDKs wrap mid-stream transport errors in APIConnectionError; older ones let the raw
    httpx exception escape from the iterator, so we recognise both.
    """
    timeouts: list[type[BaseException]] = []
    others: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        module = sys.modules.get(name)
        if module is None:
            continue
        if isinstance(getattr(module, "TimeoutException", None), type):
            timeouts.append(module.TimeoutException)
        if isinstance(getattr(module, "TransportError", None), type):
            others.append(module.TransportError)
    return tuple(timeouts), tuple(others)


def _server_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        msg = inner.get("message") if isinstance(inner, Mapping) else None
        if isinstance(msg, str):
            return msg
    return ""


class LLMClient:
    """A chat model on an OpenAI-compatible endpoint, with explicit retries.

    Safe to share between threads (the underlying HTTP client is).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 60.0,
        max_retries: int = 3,
        *,
        backoff_base: float = 1.0,
        backoff_cap: float = 20.0,
        retry_after_cap: float = 30.0,
        stall_timeout: float | None = None,
        include_usage: bool = False,
    ) -> None:
        self.base_url = base_url.strip()
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        # No new byte for this long ends an attempt (a silent or stalled server).
        self.stall_timeout = float(stall_timeout) if stall_timeout else self.timeout
        # Ask for token counts in the stream (benchmarks); off by default, since an old server
        # may refuse the unknown option.
        self.include_usage = include_usage
        self._api_key = api_key or ""
        self._host = url_host(self.base_url)
        self._rng = random.Random()
        parsed = urlparse(self.base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise LLMError(
                f"大模型接口地址无效（{self._host}）：OPENAI_BASE_URL 应形如 "
                "http://127.0.0.1:8000/v1 或 https://api.deepseek.com/v1。",
                "connection",
                attempts=0,
            )
        if not model:
            raise LLMError("未指定模型名称：请设置 DRAFTER_MODEL。", "bad_request", attempts=0)
        # max_retries=0: our loop below does the retrying, so it is explicit and testable.
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=self._api_key or _NO_KEY,
            max_retries=0,
            timeout=self.timeout,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> LLMClient:
        """Build from `Settings`; extra keyword arguments (e.g. backoff_base) pass through."""
        if not settings.llm_configured:
            raise LLMError(
                "尚未配置大模型：请设置 OPENAI_BASE_URL 和 DRAFTER_MODEL（也可使用离线模式）。",
                "bad_request",
                attempts=0,
            )
        return cls(
            settings.llm_base_url,
            settings.llm_api_key,
            settings.llm_model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            stall_timeout=settings.llm_stall_timeout,
            **kwargs,
        )

    # -- public API -------------------------------------------------------------
    def describe(self) -> str:
        return f"模型 {self.model} @ {self._host}"

    def __repr__(self) -> str:
        return (
            f"LLMClient(model={self.model!r}, host={self._host!r}, "
            f"timeout={self.timeout:g}, max_retries={self.max_retries})"
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chat(self, messages: Iterable[Message], **options: Any) -> str:
        """The reply's text (`complete` with the same options)."""
        return self.complete(messages, **options).text

    def complete(
        self,
        messages: Iterable[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.3,
        on_delta: DeltaCallback | None = None,
        on_restart: RestartCallback | None = None,
        deadline: float | None = None,
    ) -> Reply:
        """Stream a reply and return it whole, with its finish reason.

        `on_delta` gets each text piece as it arrives. If an attempt fails after some pieces
        were delivered, `on_restart` is called before the retry streams again from the start,
        so a UI can clear the partial text. An exception raised by either callback stops the
        request and propagates unchanged (that is how a caller cancels).

        `deadline` (a `time.monotonic()` value) bounds the whole call, retries included: a
        server that trickles tokens or stays silent ends in a "timeout" LLMError by then (plus
        at most one stall timeout while waiting for a byte).
        """
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "temperature": temperature,
            "stream": True,
        }
        if max_tokens is not None:
            payload["max_tokens"] = max_tokens
        if self.include_usage:
            payload["stream_options"] = {"include_usage": True}

        def attempt(state: _AttemptState) -> Reply:
            return self._stream_once(payload, on_delta, state, deadline)

        return self._run(attempt, on_restart, deadline)

    def list_models(self) -> list[str]:
        """Model ids the endpoint offers (a cheap connectivity and key check)."""

        def attempt(state: _AttemptState) -> list[str]:
            page = self._client.models.list()
            state.opened = True
            return [m.id for m in page]

        return self._run(attempt, None, None)

    # -- internals --------------------------------------------------------------
    def _stream_once(
        self,
        payload: dict[str, Any],
        on_delta: DeltaCallback | None,
        state: _AttemptState,
        deadline: float | None,
    ) -> Reply:
        parts: list[str] = []
        finish = ""
        usage: Any = None
        wait = self.stall_timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _DeadlinePassed()
            wait = min(wait, max(left, 0.1))
        stream = self._client.chat.completions.create(**payload, timeout=wait)
        state.opened = True
        with stream:  # closes the connection even if a callback raises
            for chunk in stream:
                usage = getattr(chunk, "usage", None) or usage
                for choice in chunk.choices or ():  # usage-only chunks have no choices
                    if choice.index not in (0, None):
                        continue
                    piece = choice.delta.content if choice.delta else None
                    if piece:
                        parts.append(piece)
                        if on_delta is not None:
                            state.emitted = True
                            on_delta(piece)
                    if choice.finish_reason:
                        finish = str(choice.finish_reason)
                if deadline is not None and time.monotonic() > deadline and not finish:
                    raise _DeadlinePassed()
        if not finish:
            raise _StreamIncomplete()
        return Reply(
            "".join(parts),
            finish,
            getattr(usage, "prompt_tokens", None),
            getattr(usage, "completion_tokens", None),
        )

    def _run(
        self,
        attempt: Callable[[_AttemptState], Any],
        on_restart: RestartCallback | None,
        deadline: float | None,
    ) -> Any:
        total = 1 + self.max_retries
        for number in range(1, total + 1):
            state = _AttemptState()
            try:
                return attempt(state)
            except Exception as exc:
                failure = self._classify(exc, state)
                if failure is None:
                    raise  # not an LLM failure (e.g. raised by a callback): let it through
                delay = self._delay(number, failure.retry_after)
                out_of_time = deadline is not None and time.monotonic() + delay >= deadline
                if not failure.retryable or number == total or out_of_time:
                    raise self._error(failure, attempts=number) from exc
                log.warning(
                    "LLM request failed (%s, status %s), retry %d/%d in %.2fs",
                    failure.kind, failure.status, number, self.max_retries, delay,
                )
                time.sleep(delay)
                if state.emitted and on_restart is not None:
                    on_restart()
        raise AssertionError("unreachable")

    def _delay(self, retry_number: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter; a server's Retry-After wins when longer (capped)."""
        backoff = min(self.backoff_cap, self.backoff_base * 2 ** (retry_number - 1))
        backoff *= self._rng.uniform(0.5, 1.0)
        if retry_after is not None:
            return max(backoff, min(retry_after, self.retry_after_cap))
        return backoff

    def _classify(self, exc: BaseException, state: _AttemptState) -> Failure | None:
        timeouts, transport = _transport_errors()
        if isinstance(exc, _DeadlinePassed):
            return Failure("timeout", False, detail="deadline")
        if isinstance(exc, _StreamIncomplete):
            return Failure("stream", True)
        if isinstance(exc, openai.APITimeoutError):
            return Failure("timeout", True)
        if isinstance(exc, openai.APIConnectionError):
            return Failure("stream" if state.opened else "connection", True)
        if isinstance(exc, openai.APIStatusError):
            return self._classify_status(exc)
        if isinstance(exc, openai.APIError):  # an error event inside the stream
            return Failure("server", True, detail=exc.message)
        if timeouts and isinstance(exc, timeouts):
            return Failure("timeout", True)
        if transport and isinstance(exc, transport):
            return Failure("stream" if state.opened else "connection", True)
        return None

    def _classify_status(self, exc: openai.APIStatusError) -> Failure:
        status = exc.status_code
        detail = _server_detail(exc)
        code = exc.code
        if status in (401, 403):
            return Failure("auth", False, status, detail=detail, code=code)
        if status == 429:
            if code == "insufficient_quota":  # retrying cannot refill an empty account
                return Failure("rate_limit", False, status, code=code)
            headers = exc.response.headers if exc.response is not None else None
            return Failure("rate_limit", True, status, retry_after=parse_retry_after(headers))
        if status == 408:
            return Failure("timeout", True, status)
        if status >= 500:
            headers = exc.response.headers if exc.response is not None else None
            return Failure("server", True, status, retry_after=parse_retry_after(headers))
        return Failure("bad_request", False, status, detail=detail, code=code)

    def _error(self, failure: Failure, *, attempts: int) -> LLMError:
        return failure_error(
            failure, attempts=attempts, host=self._host, model=self.model,
            stall_timeout=self.stall_timeout, api_key=self._api_key,
        )
