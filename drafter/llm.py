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
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlparse

import openai

from drafter.config import Settings, mask_credentials, safe_logger, url_host
from drafter.errors import DrafterError

log = safe_logger(__name__)

ERROR_KINDS = frozenset(
    {"auth", "connection", "rate_limit", "server", "timeout", "stream", "bad_request"}
)

Message = Mapping[str, Any]
DeltaCallback = Callable[[str], None]
RestartCallback = Callable[[], None]

# Sent when no key is configured: local servers (Ollama, vLLM, llama.cpp) ignore it, and the
# SDK refuses to build a client without one.
_NO_KEY = "EMPTY"


class LLMError(DrafterError):
    """A failure the user should see as one short Chinese sentence (`message`)."""

    message = "大模型暂时不可用，请稍后再试，或改用离线模式。"

    def __init__(
        self, message: str, kind: str, *, status: int | None = None, attempts: int = 1
    ) -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown LLMError kind: {kind}")
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status  # HTTP status when the server answered with one
        self.attempts = attempts  # requests made, retries included

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"LLMError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


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
class _Failure:
    kind: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""  # server text, only used for 400-type errors
    code: str | None = None


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


def _parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


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

    def _classify(self, exc: BaseException, state: _AttemptState) -> _Failure | None:
        timeouts, transport = _transport_errors()
        if isinstance(exc, _DeadlinePassed):
            return _Failure("timeout", False, detail="deadline")
        if isinstance(exc, _StreamIncomplete):
            return _Failure("stream", True)
        if isinstance(exc, openai.APITimeoutError):
            return _Failure("timeout", True)
        if isinstance(exc, openai.APIConnectionError):
            return _Failure("stream" if state.opened else "connection", True)
        if isinstance(exc, openai.APIStatusError):
            return self._classify_status(exc)
        if isinstance(exc, openai.APIError):  # an error event inside the stream
            return _Failure("server", True, detail=exc.message)
        if timeouts and isinstance(exc, timeouts):
            return _Failure("timeout", True)
        if transport and isinstance(exc, transport):
            return _Failure("stream" if state.opened else "connection", True)
        return None

    def _classify_status(self, exc: openai.APIStatusError) -> _Failure:
        status = exc.status_code
        detail = _server_detail(exc)
        code = exc.code
        if status in (401, 403):
            return _Failure("auth", False, status, detail=detail, code=code)
        if status == 429:
            if code == "insufficient_quota":  # retrying cannot refill an empty account
                return _Failure("rate_limit", False, status, code=code)
            headers = exc.response.headers if exc.response is not None else None
            return _Failure("rate_limit", True, status, retry_after=_parse_retry_after(headers))
        if status == 408:
            return _Failure("timeout", True, status)
        if status >= 500:
            headers = exc.response.headers if exc.response is not None else None
            return _Failure("server", True, status, retry_after=_parse_retry_after(headers))
        return _Failure("bad_request", False, status, detail=detail, code=code)

    def _error(self, failure: _Failure, *, attempts: int) -> LLMError:
        retries = attempts - 1
        tail = f"，重试 {retries} 次后仍失败" if retries else ""
        host, status = self._host, failure.status
        kind = failure.kind
        if kind == "connection":
            text = (
                f"无法连接到大模型服务（{host}）{tail}：请检查 OPENAI_BASE_URL 是否正确、"
                "服务是否已启动。"
            )
        elif kind == "timeout" and failure.detail == "deadline":
            text = "大模型输出太慢，超过了本节的时限。"
        elif kind == "timeout":
            text = (
                f"大模型服务响应超时（超过 {self.stall_timeout:g} 秒没有输出）{tail}：请稍后再试，"
                "或调大 DRAFTER_LLM_TIMEOUT。"
            )
        elif kind == "stream":
            text = f"大模型的输出中途断开{tail}，请稍后再试。"
        elif kind == "rate_limit" and failure.code == "insufficient_quota":
            text = "大模型账户额度不足（429）：请检查账户余额，或更换 OPENAI_API_KEY。"
        elif kind == "rate_limit":
            text = f"大模型服务繁忙（429）{tail}，请稍后再试。"
        elif kind == "server" and status is None:
            text = f"大模型服务在输出时报错{tail}，请稍后再试。"
        elif kind == "server":
            text = f"大模型服务出错（HTTP {status}）{tail}，请稍后再试。"
        elif kind == "auth" and status == 403:
            text = "大模型服务拒绝访问（403）：请检查 OPENAI_API_KEY 的权限，以及该服务是否对本机开放。"
        elif kind == "auth":
            text = "大模型服务拒绝了密钥：请检查 OPENAI_API_KEY。"
        elif status == 404:
            text = (
                f"大模型服务找不到模型“{self.model}”或接口（404）：请检查 DRAFTER_MODEL "
                "和 OPENAI_BASE_URL。"
            )
        else:
            detail = " ".join(failure.detail.split())[:120]
            reason = f"：{detail}" if detail else ""
            text = f"大模型服务拒绝了请求（HTTP {status}）{reason}。请检查模型名称和参数。"
        if self._api_key:  # server text could echo the key back; never pass it on
            text = text.replace(self._api_key, "***")
        text = mask_credentials(text)  # nor an address with credentials in it
        return LLMError(text, kind, status=status, attempts=attempts)
