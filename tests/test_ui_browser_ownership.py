"""Owners, reload and hand edits in a real browser (Debian chromium, headless).

Two logged-in users: bob reaches none of alice's drafts by URL, by the browser storage of a
shared computer, by 我的草稿 or by typing the id, and sees word for word what a wrong id shows.
One user: opening a draft (reload, browser storage, 我的草稿) puts its facts back into the form,
year included, so one added fact makes a new draft; a card with unsaved text is marked and the
browser asks before leaving the page; regenerate asks before replacing a hand-edited section.
Screenshots go to a temporary folder (and to $DRAFTER_SCREENSHOTS_DIR when set).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from drafter.store import DraftStore
from tests.support.browser import (
    Journey,
    draft_id_from,
    playwright_or_skip,
)
from tests.support.ui_app import running_app, ui_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

playwright_api = playwright_or_skip()

USERS = {"alice": "alice-pw-1", "bob": "bob-pw-2"}
WRONG = "0123456789ab"
FORM = {  # a year, type, period and length that are none of the form's defaults
    "f-unit-name": "红星机械厂工会",
    "f-facts": "组织技能比武5场，参赛职工320人\n帮扶困难职工41户，发放帮扶资金12.3万元",
    "f-problems": "职工文化活动形式比较单一",
    "f-plans": "扩大技能比武覆盖面",
}


def fill_form(j: Journey) -> None:
    page = j.page
    for elem_id, value in FORM.items():
        j.field(elem_id).fill(value)
    j.field("f-unit-type").click()
    page.get_by_role("option", name="企业工会").click()
    j.field("f-period").click()
    page.get_by_role("option", name="上半年").click()
    j.field("f-year").fill("2023")
    j.field("f-length").click()
    page.get_by_role("option", name="约4000字").click()


def form_values(j: Journey) -> dict[str, str]:
    ids = [*FORM, "f-unit-type", "f-period", "f-year", "f-length"]
    return {i: j.field(i).input_value() for i in ids}


def generate(j: Journey, previous: str = "") -> str:
    """Click 生成初稿 and wait for the finished draft; its id (a new one, not `previous`)."""
    j.page.click("#btn-generate")
    j.page.wait_for_function(
        "old => { const m = /[?&]draft=([0-9A-Za-z_-]+)/.exec(location.search); return m && m[1] !== old; }",
        arg=previous,
    )
    j.wait_notice("初稿已生成")
    return draft_id_from(j.page.url)


def page_notice(j: Journey) -> str:
    return j.page.locator("#notice").inner_text().strip()


def test_two_users_never_reach_each_others_drafts(browser: Any, tmp_path: Path, shots: Path) -> None:
    auth = ",".join(f"{u}:{p}" for u, p in USERS.items())
    settings = ui_settings(tmp_path / "data", DRAFTER_AUTH=auth)
    store = DraftStore(settings.drafts_db)
    with running_app(settings) as app:
        alice = Journey(browser, app.url, shots, "alice", width=1400)
        alice.login("alice", USERS["alice"])
        fill_form(alice)
        alice_id = generate(alice)
        n = len(store.get(alice_id).sections)
        alice.wait_cards(n)
        secret = alice.text(1)
        assert store.get(alice_id).owner == "alice"

        bob = Journey(browser, app.url, shots, "bob", width=1400)
        bob.login("bob", USERS["bob"])

        # by URL: the same notice as for an id that does not exist, and nothing of alice's
        answers = {}
        for wanted in (alice_id, WRONG):
            bob.open(f"{app.url}?draft={wanted}")
            bob.wait_notice("找不到")
            answers[wanted] = page_notice(bob)
            assert bob.cards() == 0 and secret not in bob.page.content()
            assert not bob.page.locator("#draft-tools").is_visible()  # no downloads
        assert answers[alice_id].replace(alice_id, "ID") == answers[WRONG].replace(WRONG, "ID")
        assert answers[WRONG] == f"找不到网址中的草稿 {WRONG}。"
        bob.shot("url-of-alices-draft")

        # by 我的草稿: bob's list is empty; typing alice's id answers as for a wrong id
        bob.page.get_by_role("tab", name="我的草稿").click()
        assert "您（bob）的全部草稿" in bob.page.locator("#mine-intro").inner_text()
        assert alice_id not in bob.page.locator("#my-drafts").inner_text()
        typed = {}
        for wanted in (alice_id, WRONG):
            bob.field("open-id").fill(wanted)
            bob.page.click("#btn-open-id")
            bob.page.wait_for_function(
                "id => (document.querySelector('#mine-notice')?.innerText || '').includes(id)", arg=wanted
            )
            typed[wanted] = bob.page.locator("#mine-notice").inner_text().strip()
        assert typed[alice_id].replace(alice_id, "ID") == typed[WRONG].replace(WRONG, "ID")
        assert bob.cards() == 0
        bob.shot("typed-id")
        bob.close()

        # by browser storage: bob logs in on alice's computer after she logged out
        assert alice.page.evaluate("() => localStorage.getItem('drafter-current-draft')")  # her id, kept
        alice.page.goto(app.url + "logout")
        alice.login("bob", USERS["bob"])  # returns once the load event has run
        assert alice.cards() == 0 and secret not in alice.page.content()
        alice.page.get_by_role("tab", name="我的草稿").click()
        assert alice_id not in alice.page.locator("#my-drafts").inner_text()
        alice.shot("bob-on-alices-computer")

        # and alice, back on her computer, has everything
        alice.page.goto(app.url + "logout")
        alice.login("alice", USERS["alice"])
        alice.wait_cards(n)
        assert alice.text(1) == secret and draft_id_from(alice.page.url) == alice_id
        alice.page.get_by_role("tab", name="我的草稿").click()
        assert alice_id in alice.page.locator("#my-drafts").inner_text()
        assert not alice.errors, alice.errors
        alice.close()


def test_reload_restores_facts_unsaved_text_and_regenerate_confirmation(
    browser: Any, tmp_path: Path, shots: Path
) -> None:
    settings = ui_settings(tmp_path / "data")  # no login: the single-user case
    store = DraftStore(settings.drafts_db)
    with running_app(settings) as app:
        j = Journey(browser, app.url, shots, "reload", width=1400)
        page = j.page
        j.open()
        fill_form(j)
        filled = form_values(j)
        assert filled["f-year"] == "2023"
        first_id = generate(j)
        n = len(store.get(first_id).sections)
        j.wait_cards(n)

        # a fresh tab (browser storage, no URL): the cards and the facts, year included
        page.goto(app.url)
        j.wait_loaded()
        j.wait_cards(n)
        page.wait_for_function("() => document.querySelector('#f-year input')?.value === '2023'")
        assert form_values(j) == filled
        assert "事实表单已填入" in j.notice()
        j.shot("reload-restores-facts", full=False)

        # one forgotten fact, and a new draft holds it
        extra = "新建职工书屋2家"
        j.field("f-facts").fill(FORM["f-facts"] + "\n" + extra)
        second_id = generate(j, previous=first_id)
        assert second_id != first_id
        assert extra in "".join(s.text for s in store.get(second_id).sections)
        assert store.get(second_id).title == "红星机械厂工会2023年上半年工作总结"

        # 我的草稿 → the first draft: its own facts come back (without the added one)
        page.get_by_role("tab", name="我的草稿").click()
        page.locator("#my-drafts label").filter(has_text=first_id).click()
        page.click("#btn-open")
        page.wait_for_function("id => location.search.includes('draft=' + id)", arg=first_id)
        page.wait_for_function(
            "x => !document.querySelector('#f-facts textarea').value.includes(x)", arg=extra
        )
        assert form_values(j) == filled

        # unsaved text in a card: the card says so, and leaving the page asks first
        body = next(i for i, s in enumerate(store.get(first_id).sections) if s.role == "body")
        mine = "我手工改写的这一节，还没有保存。"
        j.wait_cards(n)
        j.field(f"text-{body}").fill(mine)
        card = page.locator(f"#card-{body}")
        page.wait_for_function("sel => document.querySelector(sel)?.dataset.dirty === '1'", arg=f"#card-{body}")
        others = page.locator("[id^='card-'][data-dirty='1']")
        assert others.count() == 1
        card.scroll_into_view_if_needed()
        j.shot("unsaved-card", full=False)
        dialogs: list[str] = []

        def stay(dialog: Any) -> None:
            dialogs.append(dialog.type)
            dialog.dismiss()  # "stay on this page"

        page.once("dialog", stay)
        try:
            page.reload(timeout=3000)
        except playwright_api.Error:
            pass  # the navigation was cancelled by staying on the page
        assert dialogs == ["beforeunload"]
        assert j.text(body) == mine  # still there

        page.click(f"#save-{body}")
        j.wait_notice("已保存")
        page.wait_for_function("sel => document.querySelector(sel)?.dataset.dirty === '0'", arg=f"#card-{body}")
        assert store.get(first_id).sections[body].text == mine

        # regenerate: asks first, naming the hand-edited section; nothing changes meanwhile
        versions = [len(store.history(first_id, i)) for i in range(n)]
        page.click("#btn-regenerate")
        page.wait_for_selector("#regen-confirm", state="visible")
        question = page.locator("#regen-confirm").inner_text()
        heading = store.get(first_id).sections[body].heading
        assert f"第{body + 1}节“{heading}”有您手工修改的内容" in question
        assert "仍然全部重新生成" in question and "跳过手工修改的节" in question
        assert [len(store.history(first_id, i)) for i in range(n)] == versions
        page.locator("#regen-confirm").scroll_into_view_if_needed()
        j.shot("regenerate-confirm", full=False)

        page.click("#btn-regen-keep")
        j.wait_notice("已重新生成")
        j.wait_cards(n)
        assert re.search(r"手工修改的，保持不变", j.notice())
        assert not page.locator("#regen-confirm").is_visible()
        assert j.text(body) == mine and store.get(first_id).sections[body].text == mine
        grew = [len(store.history(first_id, i)) - v for i, v in enumerate(versions)]
        assert grew[body] == 0 and sum(grew) == n - 1

        # nothing unsaved now: reloading asks nothing
        page.once("dialog", stay)
        page.reload()
        j.wait_loaded()
        j.wait_cards(n)
        assert dialogs == ["beforeunload"]
        assert not j.errors, j.errors
        j.close()
