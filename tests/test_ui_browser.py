"""The new-user journey in a real browser (Debian chromium, headless) against the running app.

With the local fake LLM: fill the form, generate (streamed), rewrite one section, lock another,
regenerate, undo, download the .docx, reload and find the draft again. In offline mode: the
form's validation, a draft holding every fact's figures, 润色 refused with a visible notice,
and a corpus search. Screenshots of every step go to a temporary folder (and to
$DRAFTER_SCREENSHOTS_DIR when set).
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
from tests.support.fake_llm import FakeLLM
from tests.support.ui_app import SectionResponder, running_app, ui_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

playwright_api = playwright_or_skip()


def test_llm_journey(browser: Any, tmp_path: Path, shots: Path) -> None:
    responder = SectionResponder(invent={"文化": "全年共开展文体活动99场。"})
    with FakeLLM(responder=responder, tokens_per_second=60, chars_per_token=2) as llm:
        settings = ui_settings(tmp_path / "data", llm)
        store = DraftStore(settings.drafts_db)
        with running_app(settings) as app:
            url = app.url
            j = Journey(browser, url, shots, "llm")
            page = j.page
            j.open()
            status = page.locator("#status").inner_text()
            # one line of plain Chinese: the model's name, no address or settings name
            assert "大模型：fake-model" in status and "127.0.0.1" not in status and "\n" not in status.strip()
            assert "test-key" not in page.content()  # never the key
            j.shot("start")

            # 1. the form: the sample, then the unit's own name typed in
            page.click("#btn-sample")
            page.wait_for_function(
                "() => document.querySelector('#f-facts textarea').value.includes('金秋助学')"
            )
            j.field("f-unit-name").fill("青山镇总工会")
            j.shot("form")

            # 2. generate: the draft streams in section by section
            page.click("#btn-generate")
            page.wait_for_function(
                "() => document.querySelectorAll('#live .live-done').length >= 1"
                " && document.querySelectorAll('#live .live-waiting, #live .live-writing').length >= 1"
            )
            live_text = page.locator("#live").inner_text()
            assert "青山镇总工会2025年工作总结" in live_text and "已完成" in live_text
            j.shot("streaming")
            page.wait_for_function("() => /[?&]draft=/.test(location.search)")
            draft_id = draft_id_from(page.url)
            draft = store.get(draft_id)
            n = len(draft.sections)
            assert n >= 5
            j.wait_cards(n)
            j.wait_notice("初稿已生成")
            # wait for the stored draft to be fully written (all sections have text)
            draft = store.get(draft_id)
            assert all(s.text for s in draft.sections)
            first = [j.text(i) for i in range(n)]
            assert first == [s.text for s in draft.sections]
            assert "青山镇总工会" in first[0]
            # the model invented a figure there: its answer was not used, and the card says why
            culture = next(i for i, s in enumerate(draft.sections) if "文化" in s.heading)
            flagged = page.locator(f"#warnings-{culture}").inner_text()
            assert "大模型输出未采用" in flagged and "99" in flagged
            assert "99" not in first[culture] and draft.sections[culture].origin == "fallback"
            j.shot("cards")

            # 3. rewrite one section with an instruction: only that one changes
            body = [i for i, s in enumerate(draft.sections) if s.role == "body"]
            rewritten, locked = body[0], body[1]
            j.field(f"instr-{rewritten}").fill("突出职工的获得感")
            page.click(f"#rewrite-{rewritten}")
            j.wait_notice("已重写")  # the answer streams into the card first, then is checked and stored
            j.wait_text(rewritten, "(v, old) => v !== old", first[rewritten])
            after_rewrite = [j.text(i) for i in range(n)]
            assert after_rewrite[rewritten] == store.get(draft_id).sections[rewritten].text
            assert "突出职工的获得感" in after_rewrite[rewritten]
            assert [t for i, t in enumerate(after_rewrite) if i != rewritten] == [
                t for i, t in enumerate(first) if i != rewritten
            ]
            page.locator(f"#card-{rewritten}").scroll_into_view_if_needed()
            j.shot("rewritten", full=False)

            # 4. lock another section
            page.click(f"#lock-{locked}")
            page.wait_for_function(
                "sel => document.querySelector(sel)?.innerText.trim() === '解锁'", arg=f"#lock-{locked}"
            )
            assert store.get(draft_id).sections[locked].locked
            assert "card-locked" in (page.locator(f"#card-{locked}").get_attribute("class") or "")
            versions_locked = len(store.history(draft_id, locked))

            # 5. regenerate: the locked section stays, every other one is written again
            responder.variant = 2
            page.click("#btn-regenerate")
            j.wait_notice("已重新生成")
            j.wait_cards(n)
            regenerated = [j.text(i) for i in range(n)]
            assert regenerated[locked] == after_rewrite[locked]
            assert len(store.history(draft_id, locked)) == versions_locked
            for i in body:
                if i == culture:  # the model still invents a figure there: the faithful text again
                    assert regenerated[i] == first[i] and store.get(draft_id).sections[i].origin == "fallback"
                elif i != locked:
                    assert regenerated[i] != after_rewrite[i], f"section {i} was not regenerated"
                    assert regenerated[i].startswith("今年以来")
            j.shot("regenerated")

            # 6. undo on the rewritten section: its previous text comes back
            page.click(f"#undo-{rewritten}")
            j.wait_text(rewritten, "(v, want) => v === want", after_rewrite[rewritten])
            j.wait_notice("已撤销")
            current = [j.text(i) for i in range(n)]
            assert current == [s.text for s in store.get(draft_id).sections]

            # 7. download the .docx of the current state
            with page.expect_download() as info:
                page.click("#dl-docx")
            path = tmp_path / "download.docx"
            info.value.save_as(path)
            import docx

            doc = docx.Document(str(path))
            full = "\n".join(p.text for p in doc.paragraphs)
            assert "青山镇总工会2025年工作总结" in full.replace("\n", "")
            assert "突出职工的获得感" in full  # the undone-to (rewritten) text is what was exported

            # 8. reload: the same draft comes back (id in the URL)
            page.reload()
            j.wait_loaded()
            j.wait_cards(n)
            assert [j.text(i) for i in range(n)] == current
            assert draft_id_from(page.url) == draft_id
            j.shot("reloaded")

            # 9. a fresh tab without the URL finds it through browser storage and 我的草稿
            page.goto(url)
            j.wait_loaded()
            j.wait_cards(n)
            assert j.text(rewritten) == current[rewritten]
            page.get_by_role("tab", name="我的草稿").click()
            page.wait_for_function(
                "id => (document.querySelector('#my-drafts')?.innerText || '').includes(id)", arg=draft_id
            )
            j.shot("my-drafts")
            assert not j.errors, j.errors
            j.close()


def test_offline_journey(browser: Any, tmp_path: Path, shots: Path) -> None:
    settings = ui_settings(tmp_path / "data")
    store = DraftStore(settings.drafts_db)
    facts = [
        "组建乡村振兴劳动竞赛队伍12支，参赛职工380人",
        "帮扶困难职工67户，发放帮扶资金23.5万元",
        "举办工会干部培训班3期，培训210人次",
    ]
    with running_app(settings) as app:
        url = app.url
        j = Journey(browser, url, shots, "offline")
        page = j.page
        j.open()
        assert "离线模式" in page.locator("#status").inner_text()

        # validation problems appear next to the form, nothing crashes
        page.click("#btn-generate")
        page.wait_for_selector("#form-errors .form-errors")
        errors = page.locator("#form-errors").inner_text()
        assert "请填写单位名称" in errors and "请填写主要工作" in errors
        j.shot("form-errors")

        # fill the form by hand, choosing the unit type from the dropdown
        j.field("f-unit-name").fill("红星机械厂")
        unit_type = j.field("f-unit-type")
        unit_type.click()
        page.get_by_role("option", name="企业工会").click()
        j.field("f-facts").fill("\n".join(facts))
        j.field("f-problems").fill("职工文化活动形式还比较单一")
        page.click("#btn-generate")
        page.wait_for_function("() => /[?&]draft=/.test(location.search)")
        draft_id = draft_id_from(page.url)
        n = len(store.get(draft_id).sections)
        j.wait_cards(n)
        j.wait_notice("初稿已生成")
        assert page.locator("#form-errors .form-errors").count() == 0
        texts = "\n".join(j.text(i) for i in range(n))
        assert "红星机械厂" in page.locator("#draft-head").inner_text()
        for fact in facts:
            for figure in re.findall(r"\d+(?:\.\d+)?", fact):
                assert figure in texts, f"{figure} of “{fact}” missing from the cards"
        j.shot("cards")

        # 润色 needs an LLM: a visible Chinese notice, the text unchanged
        body = next(i for i, s in enumerate(store.get(draft_id).sections) if s.role == "body")
        before = j.text(body)
        page.locator(f"#card-{body}").scroll_into_view_if_needed()
        page.click(f"#polish-{body}")
        j.wait_notice("需要配置大模型")
        # shown on the card itself too, where the user is looking
        page.wait_for_function(
            "sel => (document.querySelector(sel)?.innerText || '').includes('重写和润色需要配置大模型')",
            arg=f"#cardmsg-{body}",
        )
        assert j.text(body) == before
        j.shot("polish-needs-llm", full=False)

        # 精简 works offline and only on that section; an unsaved edit in another card survives
        edited = n - 1
        j.field(f"text-{edited}").fill("我的修改，还没保存。")
        others = [j.text(i) for i in range(n) if i != body]
        page.click(f"#shorten-{body}")
        j.wait_notice("已精简")
        assert [j.text(i) for i in range(n) if i != body] == others
        assert store.get(draft_id).sections[edited].text != "我的修改，还没保存。"
        page.click(f"#save-{edited}")
        j.wait_notice("已保存")
        assert store.get(draft_id).sections[edited].text == "我的修改，还没保存。"

        # the corpus page: search with a filter shows sources
        page.get_by_role("tab", name="范文库").click()
        j.field("q").fill("金秋助学")
        page.click("#btn-search")
        page.wait_for_selector("#search-results .hit")
        hits = page.locator("#search-results .hit")
        assert hits.count() >= 1
        assert re.search(r"\.txt", hits.first.locator(".src-file").inner_text())
        assert page.locator("#search-results mark").count() >= 1
        j.shot("search")
        assert not j.errors, j.errors
        port = int(url.rstrip("/").rsplit(":", 1)[1])

    # a server restart: the browser comes back to its draft (browser storage, no URL needed)
    with running_app(settings, port=port) as app:
        page.goto(app.url)
        j.wait_loaded()
        j.wait_cards(n)
        assert [j.text(i) for i in range(n)] == [s.text for s in store.get(draft_id).sections]
        assert draft_id_from(page.url) == draft_id
        assert not j.errors, j.errors
        j.close()
