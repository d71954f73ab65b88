"""The outline step, traced figures and the cadre's screens in a real browser (Debian chromium).

A new user (offline: no model) fills the form, plans the outline, renames a headline, moves a
section down, moves a fact to another section, adds a section (empty: drafting refuses it) and
removes it; a reload brings the shaped outline back; the draft follows it, and hovering a
figure shows the fact it came from; a figure typed by hand is "new", neutrally. The status is
one line of plain Chinese; no English or settings names on the main screens; on a phone
(390 px) the draft comes before the form. Screenshots go to a temporary folder (and to
$DRAFTER_SCREENSHOTS_DIR when set).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from drafter.numbers import number_tokens
from drafter.store import DraftStore
from tests.support.browser import Journey, draft_id_from, playwright_or_skip
from tests.support.ui_app import running_app, ui_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

playwright_api = playwright_or_skip()

RENAMED = "抓组建，把职工组织起来"
ADDED = "抓创新，激发基层活力"
# Latin words a cadre may see on the main screens (the Word file they download).
ALLOWED_LATIN = {"Word"}
# Settings and technical words that must never show on the main screens.
FORBIDDEN = ("OPENAI", "DRAFTER_", "--embed-model", "--data-dir", "unit_name", "processing", "Error",
             ".txt", "http", "/root", "/tmp")


def visible_main_text(j: Journey) -> str:
    """The text a user sees on the header, the status and the drafting page: text nodes whose
    element is rendered, without screen-reader-only text and the draft's id."""
    return j.page.evaluate(
        """() => {
          const out = [];
          for (const sel of ['#app-head', '#status', '#help', '#form', '#draft-area']) {
            const root = document.querySelector(sel);
            if (!root) continue;
            const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walk.nextNode())) {
              const el = node.parentElement;
              if (!el || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
              if (el.closest('.sr-only, .draft-id')) continue;
              if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
              out.push(node.textContent);
            }
            root.querySelectorAll('input, textarea').forEach((f) => {
              if (f.checkVisibility()) out.push(f.placeholder || '');
            });
          }
          return out.join('\\n');
        }"""
    )


def check_plain_chinese(j: Journey) -> None:
    text = visible_main_text(j)
    for word in FORBIDDEN:
        assert word not in text, f"“{word}” is visible on the main screen"
    latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN
    assert not latin, f"English words on the main screen: {sorted(latin)}"


def headings(j: Journey) -> list[str]:
    """The outline's headlines, in order (body, problems and plans sections)."""
    return j.page.evaluate(
        """() => Array.from(document.querySelectorAll("[id^='ol-heading-'] input, [id^='ol-heading-'] textarea"))
              .map((el) => [Number(el.closest("[id^='ol-heading-']").id.split('-')[2]), el.value])
              .sort((a, b) => a[0] - b[0]).map((x) => x[1])"""
    )


def wait_headings(j: Journey, predicate: str, arg: Any) -> None:
    j.page.wait_for_function(
        f"""arg => {{
          const hs = Array.from(document.querySelectorAll("[id^='ol-heading-'] input, [id^='ol-heading-'] textarea"))
            .map((el) => [Number(el.closest("[id^='ol-heading-']").id.split('-')[2]), el.value])
            .sort((a, b) => a[0] - b[0]).map((x) => x[1]);
          return ({predicate})(hs, arg);
        }}""",
        arg=arg,
    )


def wait_notice(j: Journey, fragment: str) -> None:
    """Wait for the outline step's notice (the server has applied the change)."""
    j.page.wait_for_function(
        "f => (document.querySelector('#ol-notice')?.innerText || '').includes(f)", arg=fragment
    )


def choose(j: Journey, elem_id: str, option: str) -> None:
    j.field(elem_id).click()
    j.page.get_by_role("option", name=option).first.click()


def test_shape_outline_draft_and_trace_figures(browser: Any, tmp_path: Path, shots: Path) -> None:
    settings = ui_settings(tmp_path / "data")
    store = DraftStore(settings.drafts_db)
    with running_app(settings) as app:
        j = Journey(browser, app.url, shots, "outline", width=1400)
        page = j.page
        j.open()

        # the status: one line of plain Chinese, settings only behind 帮助/设置说明
        status = page.locator("#status")
        assert status.inner_text().strip().startswith("离线模式（未接入大模型）")
        assert "\n" not in status.inner_text().strip()
        assert page.locator("#status .status").bounding_box()["height"] < 48
        assert "OPENAI_BASE_URL" not in page.locator("body").inner_text()  # help panel closed
        page.locator("#help").get_by_text("帮助/设置说明").click()
        page.wait_for_function("() => document.querySelector('#help-text')?.innerText.includes('OPENAI_BASE_URL')")
        page.locator("#help").get_by_text("帮助/设置说明").click()
        page.wait_for_function("() => !document.querySelector('#help-text')?.offsetParent")

        # validation names fields in Chinese
        page.click("#btn-outline")
        page.wait_for_selector("#form-errors .form-errors")
        errors = page.locator("#form-errors").inner_text()
        assert "请填写单位名称" in errors and "请填写主要工作" in errors
        assert not re.search(r"[A-Za-z_]{3,}", errors), errors

        # the outline of the sample facts
        page.click("#btn-sample")
        page.wait_for_function("() => document.querySelector('#f-facts textarea').value.includes('金秋助学')")
        page.click("#btn-outline")
        page.wait_for_selector("#outline-panel #ol-heading-1", state="visible")
        assert "桃溪镇总工会2025年工作总结" in page.locator("#outline-head").inner_text()
        planned = headings(j)
        assert len(planned) >= 5 and planned[-2] == "存在的问题和不足"
        assert "金秋助学" in page.locator("#outline-panel").inner_text()

        # rename the first section's headline
        j.field("ol-heading-1").fill(RENAMED)
        j.field("ol-heading-1").press("Enter")
        wait_notice(j, f"改为“{RENAMED}”")
        wait_headings(j, "(hs, want) => hs[0] === want", RENAMED)
        # move it down one place
        page.click("#ol-down-1")
        wait_notice(j, "下移一位")
        wait_headings(j, "(hs, want) => hs[1] === want && hs[0] !== want", RENAMED)
        after_move = headings(j)
        assert after_move[:2] == [planned[1], RENAMED]

        # move a fact (the 金秋助学 one) into the renamed section, now at position 2
        fact = next(line for line in page.locator("#f-facts textarea").input_value().splitlines() if "金秋助学" in line)
        choose(j, "ol-fact", fact[:40] + "（")
        choose(j, "ol-target", f"二、{RENAMED}")
        page.click("#ol-move")
        page.wait_for_function("f => document.querySelector('#ol-facts-2')?.innerText.includes(f)", arg=fact)
        assert "已把事实移到" in page.locator("#ol-notice").inner_text()

        # add a section: empty, drafting refuses it; then remove it
        j.field("ol-new").fill(ADDED)
        page.click("#ol-add")
        wait_notice(j, "已添加")
        wait_headings(j, "(hs, want) => hs.includes(want)", ADDED)
        added_at = headings(j).index(ADDED) + 1
        page.click("#btn-draft-outline")
        page.wait_for_function("() => document.querySelector('#ol-notice')?.innerText.includes('还没有事实')")
        page.click(f"#ol-remove-{added_at}")
        wait_notice(j, f"已删除“{ADDED}”")
        wait_headings(j, "(hs, want) => !hs.includes(want)", ADDED)
        shaped = headings(j)
        assert shaped == after_move
        page.locator("#outline-panel").scroll_into_view_if_needed()
        j.shot("outline-step")

        # a reload brings the shaped outline (and its facts) back
        page.reload()
        j.wait_loaded()
        page.wait_for_selector("#outline-panel #ol-heading-1", state="visible")
        wait_headings(j, "(hs, want) => JSON.stringify(hs) === JSON.stringify(want)", shaped)
        assert "金秋助学" in page.locator("#f-facts textarea").input_value()
        assert fact in page.locator("#ol-facts-2").inner_text()

        # draft from it: the sections follow the outline, the moved fact is in its new section
        page.click("#btn-draft-outline")
        page.wait_for_function("() => /[?&]draft=/.test(location.search)")
        draft_id = draft_id_from(page.url)
        n = len(store.get(draft_id).sections)  # the outline's sections are stored before they are written
        j.wait_cards(n)
        j.wait_notice("初稿已生成")
        draft = store.get(draft_id)  # read once written (read earlier, its texts may still be empty)
        assert [s.heading for s in draft.sections[1:]] == shaped
        assert fact in draft.sections[2].facts
        assert set(number_tokens(fact)) <= set(number_tokens(draft.sections[2].text))
        page.wait_for_selector("#outline-panel", state="hidden")  # drafted: the cards take over
        page.evaluate("() => window.scrollTo(0, 0)")
        j.shot("draft-top", full=False)

        # the fact behind a figure: hover it, its fact shows
        figure = page.locator("#view-2 .fig").filter(has_text=number_tokens(fact)[0]).first
        figure.scroll_into_view_if_needed()
        figure.hover()
        tip = figure.locator(".fig-tip")
        tip.wait_for(state="visible")
        assert tip.inner_text() == f"来源：{fact}"
        j.shot("figure-tooltip", full=False)
        assert "事实较少" in page.locator("#draft-head").inner_text() or "全文约" in page.locator(
            "#draft-head").inner_text()

        # a figure typed by hand is the user's: "new", with no accusation
        box = j.field("text-2")
        box.click()
        box.press("Control+End")
        box.type("另组织职工志愿服务活动77场。")  # typed as a user types
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#view-2 .fig-new')).some(e => e.innerText.startsWith('77'))"
        )
        new = page.locator("#view-2 .fig-new").filter(has_text="77").first
        new.hover()
        assert new.locator(".fig-tip").inner_text() == "新数字（不在事实中）"
        assert "编造" not in page.locator("#view-2").inner_text()
        page.locator("#addfact-2").wait_for(state="visible")
        j.shot("new-figure", full=False)
        # 加入事实: the sentence with the new figure becomes a fact; the figure is traced to it
        page.click("#addfact-2")
        j.wait_notice("加入事实")
        added = "另组织职工志愿服务活动77场"
        stored = store.get(draft_id)
        assert added in stored.facts["facts"] and added in stored.sections[2].facts, (j.notice(), stored.facts["facts"][-2:])
        assert added in stored.sections[2].text
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#view-2 .fig')).some("
            "e => e.innerText.startsWith('77') && !e.classList.contains('fig-new'))"
        )
        traced = page.locator("#view-2 .fig").filter(has_text="77").first
        traced.hover()
        assert traced.locator(".fig-tip").inner_text() == f"来源：{added}"
        assert not page.locator("#addfact-2").is_visible()

        # sources name the example's article and heading, never a file name
        page.locator("#sources-2").get_by_text("参考来源").click()
        sources = page.locator("#sources-2").inner_text()
        assert not re.search(r"\.(txt|md|docx)\b", sources) and not re.search(r"[0-9a-f]{16}", sources)

        check_plain_chinese(j)
        assert not j.errors, j.errors
        j.close()


def test_phone_reaches_the_draft_first(browser: Any, tmp_path: Path, shots: Path) -> None:
    settings = ui_settings(tmp_path / "data")
    with running_app(settings) as app:
        j = Journey(browser, app.url, shots, "phone", width=390)
        page = j.page
        j.open()
        assert page.locator("#status .status").bounding_box()["height"] < 48  # one line on a phone too
        page.click("#btn-sample")
        page.wait_for_function("() => document.querySelector('#f-facts textarea').value.includes('金秋助学')")
        page.click("#btn-generate")
        page.wait_for_function("() => /[?&]draft=/.test(location.search)")
        j.wait_notice("初稿已生成")
        page.wait_for_selector("#card-1")
        # the draft sits above the form: reached without scrolling past the whole form
        card_top = page.locator("#card-0").bounding_box()["y"]
        form_top = page.locator("#f-unit-name").bounding_box()["y"]
        assert card_top < form_top
        page.evaluate("() => window.scrollTo(0, 0)")
        j.shot("phone-draft", full=False)
        check_plain_chinese(j)
        assert not j.errors, j.errors
        j.close()


def test_sections_of_a_drafted_draft_move_add_and_remove(browser: Any, tmp_path: Path, shots: Path) -> None:
    """After drafting, a section moves down, a section with facts is not removed (its facts
    would leave the text), a new section is added before 存在的问题 and removed again; a list
    change waits while another card has unsaved edits."""
    settings = ui_settings(tmp_path / "data")
    store = DraftStore(settings.drafts_db)
    with running_app(settings) as app:
        j = Journey(browser, app.url, shots, "sections", width=1400)
        page = j.page
        j.open()
        page.click("#btn-sample")
        page.wait_for_function("() => document.querySelector('#f-facts textarea').value.includes('金秋助学')")
        page.click("#btn-outline")  # an outline on screen, then 生成初稿 from the form: the outline is put away
        page.wait_for_selector("#outline-panel #ol-heading-1", state="visible")
        page.click("#btn-generate")
        page.wait_for_function("() => /[?&]draft=/.test(location.search)")
        draft_id = draft_id_from(page.url)
        n = len(store.get(draft_id).sections)
        j.wait_cards(n)
        j.wait_notice("初稿已生成")
        before = store.get(draft_id)  # once written (read earlier, its texts may still be empty)
        page.wait_for_selector("#outline-panel", state="hidden")
        page.reload()  # ... and does not come back with the draft
        j.wait_loaded()
        j.wait_cards(n)
        assert not page.locator("#outline-panel").is_visible()
        assert "还没有起草的提纲" not in page.locator("body").inner_text()

        page.click("#down-1")
        j.wait_notice("下移一节")
        moved = store.get(draft_id)
        assert [s.heading for s in moved.sections[1:3]] == [before.sections[2].heading, before.sections[1].heading]
        assert moved.sections[2].text == before.sections[1].text  # the text travels with its section
        j.wait_cards(n)
        page.wait_for_function("h => document.querySelector('#heading-2 textarea, #heading-2 input').value === h",
                               arg=before.sections[1].heading)

        page.click("#remove-1")  # carries facts: refused, nothing removed
        j.wait_notice("条事实")
        assert len(store.get(draft_id).sections) == n

        j.field("add-section-heading").fill("抓阵地，建好职工之家")
        page.click("#add-section")
        j.wait_notice("已添加一节")
        added = store.get(draft_id)
        at = next(i for i, s in enumerate(added.sections) if s.heading == "抓阵地，建好职工之家")
        assert added.sections[at + 1].role == "problems" and len(added.sections) == n + 1
        j.wait_cards(n + 1)
        j.shot("section-added")

        # another card's unsaved edit: the list is not changed (it would be lost)
        box = j.field("text-1")
        box.click()
        box.press("Control+End")
        box.type("（待核实）")
        page.click(f"#remove-{at}")
        j.wait_notice("未保存的修改")
        assert len(store.get(draft_id).sections) == n + 1
        page.click("#save-1")
        j.wait_notice("已保存")
        page.wait_for_function("() => !document.querySelector('.card[data-dirty=\"1\"]')")  # saved: unmarked
        page.click(f"#remove-{at}")
        j.wait_notice("已删除")
        after = store.get(draft_id)
        assert len(after.sections) == n and "抓阵地，建好职工之家" not in [s.heading for s in after.sections]
        assert [s.heading for s in store.removed_sections(draft_id)] == ["抓阵地，建好职工之家"]
        j.wait_cards(n)
        page.click("#restore-section")  # put back where it stood (before the problems), then nothing left
        j.wait_notice("已恢复最近删除的")
        back = store.get(draft_id)
        assert [s.heading for s in back.sections] == [s.heading for s in added.sections]
        assert store.removed_sections(draft_id) == []
        j.wait_cards(n + 1)
        page.click("#restore-section")
        j.wait_notice("没有删除过的节")
        assert not j.errors, j.errors
        j.close()
