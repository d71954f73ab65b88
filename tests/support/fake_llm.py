"""A real OpenAI-compatible HTTP server on loopback, for tests and benchmarks.

Standard library only. It speaks the parts of the API the drafter uses:

- ``POST /v1/chat/completions`` — streamed (real SSE over chunked HTTP/1.1, ``data: [DONE]``)
  and non-streamed JSON;
- ``GET /v1/models``.

Replies come from a *responder* ``(request_json) -> str`` chosen by the test (default:
:func:`default_responder`, deterministic and built from the prompt). Faults are scripted in a
FIFO queue, one consumed per chat request::

    with FakeLLM() as llm:
        llm.status(429, retry_after=1).cut_stream(after_chars=5).reply("好")
        ...  # 1st request → 429, 2nd → stream cut after 5 chars, 3rd → "好", then the responder

Every request is recorded (messages, model, timestamps from ``time.monotonic()``) for assertions.
Requests must carry ``Authorization: Bearer <api_key>`` unless ``api_key=None``.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]

DEFAULT_KEY = "test-key"
DEFAULT_MODEL = "fake-model"


def _text_of(content: object) -> str:
    """Message content as text (a string, or a list of ``{"type": "text", "text": …}`` parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        )
    return ""


def default_responder(request: dict[str, Any]) -> str:
    """A deterministic reply that shows which prompt produced it."""
    messages = request.get("messages") or []
    user = next(
        (m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), {}
    )
    snippet = " ".join(_text_of(user.get("content")).split())[:40]
    digest = hashlib.sha256(
        json.dumps(messages, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()[:8]
    return f"模拟回复（{digest}）：已收到“{snippet}”。"


# How a well-behaved model polishes a faithful draft: the framing reworded, the facts word for word.
_REWORDING = (("我们", "本会"), ("注重", "着力"), ("坚持", "始终坚持"), ("在工作中，", "工作中，"), ("积极", "主动"),
              ("进一步", "持续"), ("通过这些工作，", "由此，"), ("新的一年", "来年"), ("在肯定成绩的同时", "成绩面前"))


def reword(text: str, lead: str = "经认真梳理，") -> str:
    """A polished version of `text` that a gate should accept: same facts, different framing."""
    for old, new in _REWORDING:
        text = text.replace(old, new)
    return lead + text


@dataclass(frozen=True)
class Fault:
    """One scripted behaviour for one chat request."""

    kind: str  # "slow_first_byte" | "status" | "cut_stream" | "stall_stream" | "reply"
    seconds: float = 0.0
    code: int = 0
    retry_after: float | None = None
    message: str | None = None
    after_chars: int = 0
    text: str = ""
    clean: bool = False  # cut_stream: end the HTTP body properly, just without finish/[DONE]
    finish: str = "stop"  # reply: the finish_reason sent ("length" = cut off at max_tokens)

    def label(self) -> str:
        if self.kind == "status":
            return f"status {self.code}"
        return self.kind


@dataclass
class RecordedRequest:
    """What the server saw and did for one request (times are ``time.monotonic()``)."""

    method: str
    path: str
    started: float
    authorized: bool
    body: dict[str, Any] | None = None
    fault: str | None = None
    first_byte: float | None = None
    finished: float | None = None
    outcome: str = "pending"  # ok | status NNN | cut | stalled | client_gone | unauthorized | …
    reply: str = ""  # the full text the server meant to send
    sent_chars: int = 0  # content characters actually written

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def model(self) -> str | None:
        return (self.body or {}).get("model")

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))

    @property
    def prompt_text(self) -> str:
        """All message contents joined, for substring assertions."""
        return "\n".join(_text_of(m.get("content")) for m in self.messages)


class _ClientGone(Exception):
    """The client closed the connection, or the server is stopping."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeLLM

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up (timeouts, cut streams, pool shutdown) are expected here.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # idle keep-alive connections give up eventually

    # -- plumbing ---------------------------------------------------------
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def _send_json(self, code: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, code: int, message: str, err_type: str, err_code: str | None,
                    headers: dict[str, str] | None = None) -> None:
        error = {"message": message, "type": err_type, "param": None, "code": err_code}
        self._send_json(code, {"error": error}, headers)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self.server.fake._stopping.wait(seconds):
            raise _ClientGone("server stopping")

    def _authorized(self) -> bool:
        expected = self.server.fake.api_key
        if expected is None:
            return True
        return self.headers.get("Authorization", "") == f"Bearer {expected}"

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- routes ------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        fake = self.server.fake
        rec = fake._record(RecordedRequest("GET", self.path, time.monotonic(), self._authorized()))
        try:
            if not rec.authorized:
                self._unauthorized(rec)
            elif self.path.rstrip("/") == "/v1/models":
                models = [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake-llm"}
                    for m in fake.models
                ]
                rec.outcome = "ok"
                self._send_json(200, {"object": "list", "data": models})
            else:
                rec.outcome = "status 404"
                self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", None)
        except (OSError, _ClientGone):
            rec.outcome = "client_gone"
            self.close_connection = True
        finally:
            rec.finished = time.monotonic()
            fake._done(rec)

    def do_POST(self) -> None:  # noqa: N802
        fake = self.server.fake
        raw = self._read_body()
        rec = RecordedRequest("POST", self.path, time.monotonic(), self._authorized())
        try:
            rec.body = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            rec.body = None
        fake._record(rec)
        fake._enter()
        try:
            if not rec.authorized:
                self._unauthorized(rec)
            elif self.path.rstrip("/") != "/v1/chat/completions":
                rec.outcome = "status 404"
                self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", None)
            elif not isinstance(rec.body, dict):
                rec.outcome = "status 400"
                self._send_error(400, "Request body is not valid JSON.",
                                 "invalid_request_error", None)
            else:
                self._chat(rec)
        except (OSError, _ClientGone):
            if rec.outcome == "pending":  # outcome is set just before a reply's last bytes
                rec.outcome = "client_gone"
            self.close_connection = True
        finally:
            rec.finished = time.monotonic()
            fake._leave()
            fake._done(rec)

    def _unauthorized(self, rec: RecordedRequest) -> None:
        rec.first_byte = time.monotonic()
        rec.outcome = "unauthorized"
        self._send_error(401, "Incorrect API key provided.", "invalid_request_error",
                         "invalid_api_key")

    # -- chat completions ----------------------------------------------------
    def _chat(self, rec: RecordedRequest) -> None:
        fake = self.server.fake
        body = rec.body or {}
        fault = fake._next_fault()
        rec.fault = fault.label() if fault else None

        if fault and fault.kind == "slow_first_byte":
            self._wait(fault.seconds)
        if fault and fault.kind == "status":
            self._status_fault(rec, fault)
            return

        if fault and fault.kind == "reply":
            text = fault.text
        else:
            try:
                text = fake.responder(body)
            except Exception as exc:  # a broken responder must show up in the test, not hang it
                fake.responder_errors.append(repr(exc))
                rec.first_byte = time.monotonic()
                rec.outcome = "status 500"
                self._send_error(500, f"responder failed: {exc!r}", "server_error", None)
                return
        rec.reply = text

        tps = fake.tokens_per_second
        step = max(1, int(fake.chars_per_token))
        pieces = [text[i : i + step] for i in range(0, len(text), step)]
        delay = 1.0 / tps if tps and tps > 0 else 0.0
        breaks = fault is not None and fault.kind in ("cut_stream", "stall_stream")
        cut_at = fault.after_chars if fault is not None and breaks else None

        if body.get("stream"):
            finish = fault.finish if fault is not None and fault.kind == "reply" else "stop"
            self._stream(rec, body, pieces, delay, fake.first_token_delay, cut_at, fault, finish)
        else:
            self._wait(fake.first_token_delay + delay * len(pieces))
            if cut_at is not None:
                self._cut_plain(rec, body, text, cut_at, fault)
            else:
                rec.first_byte = time.monotonic()
                rec.sent_chars = len(text)
                rec.outcome = "ok"
                self._send_json(200, _completion(fake, body, text))

    def _status_fault(self, rec: RecordedRequest, fault: Fault) -> None:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            ra = fault.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        code = fault.code
        err_type, err_code = {
            400: ("invalid_request_error", None),
            401: ("invalid_request_error", "invalid_api_key"),
            403: ("invalid_request_error", "unsupported_country_region_territory"),
            404: ("invalid_request_error", "model_not_found"),
            429: ("requests", "rate_limit_exceeded"),
        }.get(code, ("server_error", None))
        message = fault.message or f"Scripted HTTP {code} from the fake LLM server."
        rec.first_byte = time.monotonic()
        rec.outcome = f"status {code}"
        self._send_error(code, message, err_type, err_code, headers)

    def _stream(self, rec: RecordedRequest, body: dict[str, Any], pieces: list[str],
                delay: float, first_delay: float, cut_at: int | None, fault: Fault | None,
                finish: str = "stop") -> None:
        fake = self.server.fake
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        rec.first_byte = time.monotonic()
        chunk_id = fake._new_id()
        created = int(time.time())
        model = str(body.get("model") or fake.models[0])

        def event(delta: dict[str, Any], finish: str | None) -> bytes:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None,
                             "finish_reason": finish}],
            }
            return b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n"

        self._write_chunk(event({"role": "assistant", "content": ""}, None))
        self._wait(first_delay)
        for index, piece in enumerate(pieces):
            if cut_at is not None and rec.sent_chars + len(piece) >= cut_at:
                piece = piece[: cut_at - rec.sent_chars]
                if piece:
                    rec.sent_chars += len(piece)
                    self._write_chunk(event({"content": piece}, None))
                self._break_stream(rec, fault)
                return
            if index:
                self._wait(delay)
            rec.sent_chars += len(piece)
            self._write_chunk(event({"content": piece}, None))
        if cut_at is not None:  # cut point at or beyond the end: still never finish cleanly
            self._break_stream(rec, fault)
            return
        rec.outcome = "ok"
        self._write_chunk(event({}, finish))
        options = body.get("stream_options") or {}
        if isinstance(options, dict) and options.get("include_usage"):
            usage = _usage(body, "".join(pieces))
            tail = {"id": chunk_id, "object": "chat.completion.chunk", "created": created,
                    "model": model, "choices": [], "usage": usage}
            self._write_chunk(b"data: " + json.dumps(tail).encode("utf-8") + b"\n\n")
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # zero-length chunk ends the chunked body

    def _break_stream(self, rec: RecordedRequest, fault: Fault | None) -> None:
        if fault is not None and fault.kind == "stall_stream":
            rec.outcome = "stalled"
            self._wait(fault.seconds)  # say nothing; the client's read timeout should fire
        else:
            rec.outcome = "cut"
            if fault is not None and fault.clean:
                # A well-formed body that simply stops: only the missing finish_reason and
                # [DONE] tell the client the answer is incomplete.
                self._write_chunk(b"")
                self.close_connection = True
                return
        self._drop_connection()

    def _cut_plain(self, rec: RecordedRequest, body: dict[str, Any], text: str, cut_at: int,
                   fault: Fault | None) -> None:
        data = json.dumps(_completion(self.server.fake, body, text), ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        rec.first_byte = time.monotonic()
        self.wfile.write(data[: min(len(data) - 1, cut_at)])
        self._break_stream(rec, fault)

    def _drop_connection(self) -> None:
        """Close the socket mid-body, as a crashed or overloaded upstream would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(_text_of(m.get("content"))) for m in body.get("messages") or []
                 if isinstance(m, dict))
    return {"prompt_tokens": prompt, "completion_tokens": len(text),
            "total_tokens": prompt + len(text)}


def _completion(fake: FakeLLM, body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": fake._new_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or fake.models[0]),
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": _usage(body, text),
    }


@dataclass
class FakeLLM:
    """An OpenAI-compatible server on 127.0.0.1 with scripted replies and faults.

    Use as a context manager, or ``start()`` / ``stop()``. Settable at any time:
    ``responder``, ``tokens_per_second`` (None = as fast as possible), ``first_token_delay``
    (seconds between the response headers and the first content piece), ``chars_per_token``
    (characters per streamed piece; one piece counts as one token for the rate).
    """

    api_key: str | None = DEFAULT_KEY
    model: str = DEFAULT_MODEL
    responder: Responder = default_responder
    tokens_per_second: float | None = None
    first_token_delay: float = 0.0
    chars_per_token: int = 2
    port: int = 0
    responder_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._faults: deque[Fault] = deque()
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = 0
        self._in_flight = 0
        self.max_in_flight = 0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> FakeLLM:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"fake-llm-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in delays
        server.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:  # unblock handlers waiting on idle keep-alive sockets
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeLLM is not started")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def models(self) -> list[str]:
        return [self.model]

    def env(self) -> dict[str, str]:
        """Environment variables that point the drafter (CLI, app) at this server."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": self.api_key or "",
            "DRAFTER_MODEL": self.model,
        }

    # -- scripted faults (one consumed per chat request, in order) -------------
    def _push(self, fault: Fault, times: int) -> FakeLLM:
        with self._lock:
            self._faults.extend([fault] * times)
        return self

    def slow_first_byte(self, seconds: float, *, times: int = 1) -> FakeLLM:
        """Wait ``seconds`` before sending any response byte, then answer normally."""
        return self._push(Fault("slow_first_byte", seconds=seconds), times)

    def status(self, code: int, retry_after: float | None = None, *, message: str | None = None,
               times: int = 1) -> FakeLLM:
        """Answer with an OpenAI-style JSON error and HTTP ``code`` (optional Retry-After)."""
        return self._push(Fault("status", code=code, retry_after=retry_after, message=message),
                          times)

    def cut_stream(self, after_chars: int, *, clean: bool = False, times: int = 1) -> FakeLLM:
        """Send ``after_chars`` content characters, then close the socket (no finish, no [DONE]).

        With ``clean=True`` the HTTP body is terminated properly instead of broken off, as a
        proxy in between would do when its upstream dies.
        """
        return self._push(Fault("cut_stream", after_chars=after_chars, clean=clean), times)

    def stall_stream(self, after_chars: int, seconds: float, *, times: int = 1) -> FakeLLM:
        """Send ``after_chars`` characters, then go silent for ``seconds`` and close."""
        return self._push(Fault("stall_stream", after_chars=after_chars, seconds=seconds), times)

    def reply(self, text: str, *, times: int = 1, finish: str = "stop") -> FakeLLM:
        """Answer the next request with ``text`` instead of the responder's reply; ``finish``
        is the finish_reason sent ("length": the model was cut off at max_tokens)."""
        return self._push(Fault("reply", text=text, finish=finish), times)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def clear(self) -> None:
        """Forget scripted faults, recorded requests and counters."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()
            self.responder_errors.clear()
            self.max_in_flight = self._in_flight

    # -- records ---------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    def wait_for_requests(self, count: int, timeout: float = 5.0, *,
                          finished: bool = True) -> list[RecordedRequest]:
        """Block until ``count`` chat requests arrived (and finished); bounded by ``timeout``."""
        deadline = time.monotonic() + timeout

        def ready() -> bool:
            chats = [r for r in self._requests if r.path.rstrip("/").endswith("/chat/completions")]
            return len(chats) >= count and (
                not finished or all(r.finished is not None for r in chats[:count])
            )

        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"fake LLM saw fewer than {count} finished chat requests")
                self._changed.wait(left)
        return self.chat_requests

    # -- used by the handler -----------------------------------------------------
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, rec: RecordedRequest) -> RecordedRequest:
        with self._changed:
            self._requests.append(rec)
            self._changed.notify_all()
        return rec

    def _done(self, rec: RecordedRequest) -> None:
        with self._changed:
            self._changed.notify_all()

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _new_id(self) -> str:
        with self._lock:
            self._ids += 1
            return f"chatcmpl-fake{self._ids:06d}"

