"""Helpers for the real-browser tests: Debian chromium (headless) driven by playwright."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
WAIT_MS = 30_000


def playwright_or_skip() -> Any:
    """playwright's sync API; skips the calling test module when it or chromium is missing.
    Never `playwright install`: the browser is Debian's."""
    api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)
    return api


class Journey:
    """A page plus helpers; numbered screenshots of every step."""

    def __init__(self, browser: Any, url: str, shots: Path, prefix: str, width: int = 1360) -> None:
        self.context = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.url = url
        self.shots = shots
        self.prefix = prefix
        self.step = 0
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def shot(self, name: str, full: bool = True) -> Path:
        self.step += 1
        path = self.shots / f"{self.prefix}-{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full)
        extra = os.environ.get("DRAFTER_SCREENSHOTS_DIR")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path

    def open(self, url: str | None = None) -> None:
        self.page.goto(url or self.url)
        self.wait_loaded()

    def wait_loaded(self) -> None:
        # the load event has run once the status line shows the corpus size
        self.page.wait_for_function(
            "() => (document.querySelector('#status')?.innerText || '').includes('范文库：')"
        )

    def field(self, elem_id: str) -> Any:
        return self.page.locator(f"#{elem_id}").locator("textarea, input").first

    def text(self, position: int) -> str:
        return self.field(f"text-{position}").input_value()

    def cards(self) -> int:
        return self.page.locator("[id^='card-']").count()

    def wait_cards(self, n: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll(\"[id^='card-']\").length === n"
            " && !document.querySelector('#live')?.offsetParent",
            arg=n,
        )

    def wait_text(self, position: int, predicate: str, arg: Any) -> None:
        """Wait until the card's textarea value satisfies a JS predicate `(value, arg) => bool`."""
        self.page.wait_for_function(
            f"([sel, arg]) => {{ const el = document.querySelector(sel);"
            f" return !!el && ({predicate})(el.value, arg); }}",
            arg=[f"#text-{position} textarea", arg],
        )

    def notice(self) -> str:
        return self.page.locator("#notice").inner_text()

    def wait_notice(self, fragment: str) -> None:
        self.page.wait_for_function(
            "f => (document.querySelector('#notice')?.innerText || '').includes(f)", arg=fragment
        )

    def login(self, user: str, password: str) -> None:
        """gradio's login page, as a user fills it in."""
        self.page.goto(self.url)
        self.page.locator("input[type=text]").first.fill(user)
        self.page.locator("input[type=password]").first.fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.wait_loaded()

    def close(self) -> None:
        self.context.close()


def draft_id_from(url: str) -> str:
    m = re.search(r"[?&]draft=([0-9A-Za-z_-]+)", url)
    assert m, f"no draft id in the URL {url}"
    return m.group(1)
