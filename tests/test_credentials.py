"""Credentials inside addresses (user:password@, ?api_key=…) never reach the screen or a log.

The masking function itself on a table of addresses, the log filter, the real CLI as a
subprocess against the loopback fake LLM, the web UI's status line (in-process and through a
real `drafter serve`), and a Chroma server address with credentials.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from drafter.config import Settings, mask_credentials, safe_logger, url_host
from tests.support.corpus_fixtures import ROOT, cli_env, free_port, run_cli
from tests.support.fake_llm import FakeLLM
from tests.support.ui_app import stop_and_read, wait_until

PASSWORD = "Pa55-w0rd-NEVER"
TOKEN = "tok-NEVER-shown-42"
SECRETS = (PASSWORD, TOKEN)
FACTS = Path(__file__).parent / "data" / "facts" / "unseen" / "coal_h1.yaml"


def leaked(*texts: str) -> list[str]:
    return [s for s in SECRETS if any(s in t for t in texts)]


# ---- the one masking function -------------------------------------------------------------------

ADDRESSES = [
    # (text with secrets, what must still be shown)
    (f"http://user:{PASSWORD}@10.1.2.3:8000/v1", "10.1.2.3:8000"),
    (f"https://admin:{PASSWORD}@api.example.com/v1?api_key={TOKEN}&model=q", "api.example.com"),
    (f"http://u:p@ss{PASSWORD}@host.local/v1", "host.local"),  # an unencoded @ in the password
    (f"http://u:pa/{PASSWORD}@host.local/v1", "host.local"),  # an unencoded / in the password
    (f"http://{PASSWORD}@host.local/v1", "host.local"),  # a bare token as the user name
    (f"http://host.local/v1?key={TOKEN}", "host.local"),
    (f"http://host.local/v1?foo=1&access_token={TOKEN}#top", "host.local"),
    (f"http://host.local/v1;sig={TOKEN}", "host.local"),
    (f"HTTP://USER:{PASSWORD}@HOST.LOCAL/v1", "HOST.LOCAL"),
    (f"http://user:{PASSWORD}@[::1]:8000/v1", "[::1]:8000"),
    (f"user:{PASSWORD}@chroma.local", "chroma.local"),  # no scheme, as in DRAFTER_CHROMA_HOST
    (f"无法连接到（http://user:{PASSWORD}@10.0.0.5:8000/v1）：请检查", "10.0.0.5:8000"),
    (f"Request failed for url 'http://user:{PASSWORD}@h.local/v1?token={TOKEN}'", "h.local"),
    (f"redis://:{PASSWORD}@cache:6379/0", "cache:6379"),
    (f"token={TOKEN}", "token="),
]


@pytest.mark.parametrize(("text", "kept"), ADDRESSES)
def test_credentials_are_masked_and_the_host_kept(text: str, kept: str) -> None:
    masked = mask_credentials(text)
    assert leaked(masked) == [], masked
    assert kept in masked and "***" in masked
    assert mask_credentials(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8000/v1",
        "https://api.deepseek.com/v1?model=deepseek-chat",
        "联系邮箱 union@example.com，电话 12345",
        "新建非公企业工会12家，新发展会员860人",
        "http://host/v1/@scope/pkg",  # an @ in the path is not a user name
    ],
)
def test_text_without_credentials_is_unchanged(text: str) -> None:
    assert mask_credentials(text) == text


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (f"http://user:{PASSWORD}@10.1.2.3:8000/v1?api_key={TOKEN}", "10.1.2.3:8000"),
        (f"user:{PASSWORD}@10.1.2.3", "10.1.2.3"),
        ("https://api.deepseek.com/v1", "api.deepseek.com"),
        (f"http://u:pa/{PASSWORD}@host.local/v1", "host.local"),
    ],
)
def test_url_host_is_host_and_port_only(url: str, host: str) -> None:
    assert url_host(url) == host
    assert Settings(llm_base_url=url, llm_model="m").llm_endpoint_host == host


def test_settings_repr_masks_addresses_and_leaves_out_the_key() -> None:
    settings = Settings(
        llm_base_url=f"http://user:{PASSWORD}@10.1.2.3/v1?api_key={TOKEN}", llm_api_key=TOKEN,
        chroma_host=f"admin:{PASSWORD}@chroma.local", auth=f"alice:{PASSWORD}",
    )
    shown = repr(settings)
    assert "10.1.2.3" in shown and "chroma.local" in shown
    assert leaked(shown) == [], shown


def test_logs_are_masked_in_message_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://user:{PASSWORD}@10.1.2.3/v1?api_key={TOKEN}"
    log = safe_logger("drafter.test_credentials")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, logger="drafter"):
            log.warning("retrying %s", url)
            try:
                raise ConnectionError(f"cannot reach {url}")
            except ConnectionError:
                log.exception("request to %s failed", url)
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "Traceback" in written and "ConnectionError" in written and "10.1.2.3" in written
    assert leaked(written, caplog.text) == [], written


# ---- the CLI, as a user runs it ------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    import shutil

    from tests.support.corpus_fixtures import shared_corpus

    target = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), target, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    return target


def test_cli_never_prints_credentials_of_the_llm_address(data_dir: Path, fake_llm: FakeLLM) -> None:
    host = f"127.0.0.1:{fake_llm.port}"
    env = cli_env(data_dir, **fake_llm.env(), DRAFTER_LLM_RETRIES="0")
    env["OPENAI_BASE_URL"] = f"http://user:{PASSWORD}@{host}/v1"
    # userinfo in the address makes the HTTP client send it as Basic auth: the server refuses
    refused = run_cli(["draft", str(FACTS), "--json"], env)
    assert refused.returncode == 3, refused.stderr
    assert f"fake-model @ {host}" in refused.stderr
    assert leaked(refused.stdout, refused.stderr) == [], refused.stderr

    # a server whose error text echoes an address with credentials (shown as a warning)
    env["OPENAI_BASE_URL"] = fake_llm.base_url
    fake_llm.status(400, message=f"upstream http://proxy:{PASSWORD}@10.9.9.9/v1?api_key={TOKEN} refused", times=99)
    echoed = run_cli(["draft", str(FACTS), "--json"], env)
    assert echoed.returncode == 3, echoed.stderr
    assert "10.9.9.9" in echoed.stdout + echoed.stderr  # the message is shown, masked
    assert leaked(echoed.stdout, echoed.stderr) == [], echoed.stderr

    # an address the client cannot use at all
    env["OPENAI_BASE_URL"] = f"ftp://user:{PASSWORD}@files.local/v1?token={TOKEN}"
    bad = run_cli(["draft", str(FACTS)], env)
    assert bad.returncode == 2 and "files.local" in bad.stderr and "Traceback" not in bad.stderr
    assert leaked(bad.stdout, bad.stderr) == [], bad.stderr


# ---- the web UI ----------------------------------------------------------------------------------


def test_ui_status_never_shows_credentials(tmp_path: Path) -> None:
    from drafter.ui.backend import Backend

    for url in (
        f"http://user:{PASSWORD}@10.1.2.3:8000/v1?api_key={TOKEN}",
        f"ftp://user:{PASSWORD}@10.1.2.3/v1",  # unusable: a notice says so, and the UI goes offline
    ):
        settings = Settings(data_dir=tmp_path / "ui", embed_model="offline", llm_base_url=url, llm_model="qwen")
        backend = Backend(settings)
        shown = [backend.llm_line(), *backend.notices]
        assert "10.1.2.3" in "".join(shown)
        assert leaked(*shown) == [], shown


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_drafter_serve_never_shows_credentials(data_dir: Path) -> None:
    """`drafter serve` with credentials in the LLM and the Chroma addresses: its output, the page
    configuration (status line with its notices) and the corpus notice show hosts only."""
    import httpx

    port = free_port()
    env = cli_env(
        data_dir,
        OPENAI_BASE_URL=f"http://user:{PASSWORD}@127.0.0.1:9/v1?api_key={TOKEN}",
        OPENAI_API_KEY=TOKEN,
        DRAFTER_MODEL="qwen-test",
        DRAFTER_CHROMA_HOST=f"http://chroma:{PASSWORD}@127.0.0.1",
        DRAFTER_CHROMA_PORT=str(free_port()),  # nothing listens: the corpus fails to load
        GRADIO_ANALYTICS_ENABLED="False",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() if proc.stdout else "serve exited")
            try:
                return httpx.get(url + "/", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=90, interval=0.3, what="drafter serve to listen")
        page = httpx.get(url + "/", timeout=10).text
        config = wait_until(
            lambda: (c := httpx.get(url + "/config", timeout=10).text) and "127.0.0.1:9" in c and c,
            timeout=30, what="the status line",
        )
    finally:
        output = stop_and_read(proc)
    assert "qwen-test @ 127.0.0.1:9" in config
    assert leaked(page, config, output) == [], output[-2000:]
    assert url in output

