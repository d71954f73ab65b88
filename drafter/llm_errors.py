"""The chat model's failures: what kind, whether to retry, and the Chinese sentence the user sees.

Kept apart from llm.py (the only `openai` importer) so that catching an `LLMError` or wording a
failure loads no HTTP client.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from drafter.config import mask_credentials
from drafter.errors import DrafterError

ERROR_KINDS = frozenset(
    {"auth", "connection", "rate_limit", "server", "timeout", "stream", "bad_request"}
)


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
class Failure:
    kind: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""  # server text, only used for 400-type errors
    code: str | None = None


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
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


def failure_error(
    failure: Failure, *, attempts: int, host: str, model: str, stall_timeout: float, api_key: str
) -> LLMError:
    """The LLMError for a failure after `attempts` requests, in one Chinese sentence (no key)."""
    retries = attempts - 1
    tail = f"，重试 {retries} 次后仍失败" if retries else ""
    status = failure.status
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
            f"大模型服务响应超时（超过 {stall_timeout:g} 秒没有输出）{tail}：请稍后再试，"
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
            f"大模型服务找不到模型“{model}”或接口（404）：请检查 DRAFTER_MODEL "
            "和 OPENAI_BASE_URL。"
        )
    else:
        detail = " ".join(failure.detail.split())[:120]
        reason = f"：{detail}" if detail else ""
        text = f"大模型服务拒绝了请求（HTTP {status}）{reason}。请检查模型名称和参数。"
    if api_key:  # server text could echo the key back; never pass it on
        text = text.replace(api_key, "***")
    text = mask_credentials(text)  # nor an address with credentials in it
    return LLMError(text, kind, status=status, attempts=attempts)
