"""The app's API endpoints through gradio_client, against an app started by the test.

Endpoints: generate, regenerate, sample_facts, import_facts, search, ingest_upload, get_draft,
section_action, list_my_drafts. Uploads of a bad or an oversized file give a message and leave
the index unchanged. `python app.py` itself is started once as a subprocess, with a login.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from drafter.numbers import number_tokens
from drafter.store import DraftStore
from drafter.ui.form import FIELD_ORDER
from tests.support.fake_llm import FakeLLM, _text_of
from tests.support.ui_app import (
    RunningApp,
    SectionResponder,
    free_port,
    running_app,
    stop_and_read,
    ui_settings,
    wait_until,
)

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "tests" / "data" / "facts"
MAX_UPLOAD_MB = 0.05  # 50 KB: small files make "oversized" cheap to test

OWN_SUMMARY = """白鹭湾街道总工会2024年工作总结

2024年，白鹭湾街道总工会在街道党工委和区总工会的领导下，围绕中心、服务大局，扎实推进各项工作。现将一年来的工作总结如下：

一、夯实基层组织，扩大工会覆盖
聚焦楼宇经济和商圈企业，推行“楼宇工会+商圈联合工会”的建会模式，把分散在写字楼里的小微企业职工组织起来，依托党群服务中心设立职工服务驿站，为快递小哥、外卖骑手提供歇脚、饮水、充电等服务。

二、深化民主管理，推进协商共事
指导辖区企业落实厂务公开制度，推动非公企业建立职工代表大会制度，围绕劳动报酬、休息休假等职工关心的问题开展集体协商，劳动关系保持和谐稳定。

三、存在的问题和不足
部分楼宇企业流动性大，会员管理难度较大；基层工会干部多为兼职，工作精力有限。

四、下一步工作打算
继续推进楼宇商圈建会入会，加强基层工会干部培训，提升服务职工的能力和水平。
"""


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(responder=SectionResponder()) as server:
        yield server


@pytest.fixture(scope="module")
def app(llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data = tmp_path_factory.mktemp("ui-api")
    settings = ui_settings(data, llm, DRAFTER_MAX_UPLOAD_MB=str(MAX_UPLOAD_MB))
    with running_app(settings) as running:
        yield running


@pytest.fixture
def client(app: RunningApp) -> Client:
    return Client(app.url, verbose=False)


def _chunks(result_html: str) -> int:
    m = re.search(r"(\d+) 个段落", result_html)
    assert m, result_html
    return int(m.group(1))


def _skipped(value: Any) -> bool:
    """An output the handler left unchanged (gr.skip() / gr.update() arrive as update dicts)."""
    return isinstance(value, dict) and value.get("__type__") == "update"


def _html(value: Any) -> str:
    """An HTML output, given as a value or as a gr.update(value=…) dict."""
    if isinstance(value, dict):
        return str(value.get("value") or "")
    return str(value or "")


def _rows(table: Any) -> list[list[str]]:
    return [list(map(str, r)) for r in (table.get("data") if isinstance(table, dict) else table)]


def test_api_lists_the_named_endpoints(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    for name in ("generate", "regenerate", "sample_facts", "import_facts", "search", "ingest_upload",
                 "get_draft", "section_action", "list_my_drafts"):
        assert f"/{name}" in names


def test_the_more_options_reach_the_draft(app: RunningApp, client: Client) -> None:
    """结束语, 标题样式 and the plans carried out: from the form (and from an imported file) to the draft."""
    values = dict(zip(FIELD_ORDER, client.predict(api_name="/sample_facts"), strict=False))
    assert values["closing"] is False and values["headline_style"] == "parallel" and values["plans_done"] == ""
    values.update(unit_name="云杉湾街道总工会", closing=True, headline_style="plain", plans_done="深化工资集体协商，扩大覆盖面")
    errors, _live, draft_id, notice = client.predict(*(values[k] for k in FIELD_ORDER), api_name="/generate")
    assert errors == "" and draft_id, notice
    draft = client.predict(draft_id, api_name="/get_draft")
    roles = [s["role"] for s in draft["sections"]]
    assert roles[-1] == "closing"
    assert all("，" not in s["heading"] for s in draft["sections"] if s["role"] == "body")  # 主题式
    assert "“深化工资集体协商”等工作打算" in draft["sections"][0]["text"]


def test_generate_revise_lock_regenerate_undo(app: RunningApp, client: Client) -> None:
    form = list(client.predict(api_name="/sample_facts"))[:len(FIELD_ORDER)]
    assert form[0] and "金秋助学" in form[5]
    form[0] = "云杉街道总工会"
    errors, _live, draft_id, notice = client.predict(*form, api_name="/generate")
    assert errors == "" and draft_id and "初稿已生成" in notice
    draft = client.predict(draft_id, api_name="/get_draft")
    assert draft["title"] == f"云杉街道总工会{form[3]}年工作总结"
    assert all(s["text"] for s in draft["sections"])
    text = "\n".join(s["text"] for s in draft["sections"])
    for line in form[5].splitlines():  # every figure of every fact made it into the draft
        assert set(number_tokens(line)) <= set(number_tokens(text)), line

    body = [i for i, s in enumerate(draft["sections"]) if s["role"] == "body"]
    first = [s["text"] for s in draft["sections"]]
    out = client.predict(draft_id, body[0], "rewrite", "语言更简练", api_name="/section_action")
    assert out["ok"], out
    after = [s["text"] for s in out["draft"]["sections"]]
    assert after[body[0]] != first[body[0]] and "语言更简练" in after[body[0]]
    assert [t for i, t in enumerate(after) if i != body[0]] == [t for i, t in enumerate(first) if i != body[0]]

    out = client.predict(draft_id, body[1], "lock", "", api_name="/section_action")
    assert out["ok"] and out["draft"]["sections"][body[1]]["locked"]
    refused = client.predict(draft_id, body[1], "polish", "", api_name="/section_action")
    assert not refused["ok"] and "锁定" in refused["message"]

    # regenerate works on this session's draft (the draft id is session state, not an input)
    store = DraftStore(app.settings.drafts_db)
    versions = {i: len(store.history(draft_id, i)) for i in range(len(first))}
    _live, notice, _question = client.predict(api_name="/regenerate")
    assert "已重新生成" in notice
    for i in range(len(first)):
        grew = len(store.history(draft_id, i)) - versions[i]
        assert grew == (0 if i == body[1] else 1), (i, grew)
    assert store.get(draft_id).sections[body[1]].text == first[body[1]]

    out = client.predict(draft_id, body[0], "undo", "", api_name="/section_action")
    assert out["ok"] and out["draft"]["sections"][body[0]]["text"] == after[body[0]]
    mine = client.predict([draft_id, "nope"], api_name="/list_my_drafts")
    assert [d["id"] for d in mine] == [draft_id]


def test_generate_streams_section_by_section(llm: FakeLLM, client: Client) -> None:
    form = list(client.predict(api_name="/sample_facts"))[:len(FIELD_ORDER)]
    llm.tokens_per_second, llm.chars_per_token = 150, 2  # slow enough to see the stream
    try:
        job = client.submit(*form, api_name="/generate")
        wait_until(job.done, timeout=60, interval=0.1, what="generation")
    finally:
        llm.tokens_per_second = None
    outputs = job.outputs()
    lives = [_html(o[1]) for o in outputs if "正在生成" in _html(o[1])]
    progress = [tuple(map(int, m)) for h in lives for m in re.findall(r"已完成 (\d+)/(\d+) 节", h)]
    assert progress, outputs[:3]
    total = progress[0][1]
    assert any(0 < done < total for done, _ in progress), progress  # partial drafts were shown
    assert any("正在写" in h and "▍" in h for h in lives)  # text streamed into a section
    assert "初稿已生成" in outputs[-1][3]


def test_generate_reports_validation_problems(client: Client) -> None:
    errors, _live, draft_id, notice = client.predict(
        "", "", "年度", 2025, "", "", "", "", "自动", "", api_name="/generate"
    )
    assert "请填写单位名称" in errors and "请填写主要工作" in errors
    assert _skipped(draft_id) and "表单" in notice
    errors, *_ = client.predict(
        "青山镇总工会", "乡镇工会", "专项", 2025, "", "新建工会5家", "", "", "自动", "", api_name="/generate"
    )
    assert "专项总结请填写专题" in errors


def test_import_facts_fills_the_form(client: Client, tmp_path: Path) -> None:
    values = client.predict(handle_file(str(FACTS / "township.yaml")), api_name="/import_facts")
    form, errors, notice = dict(zip(FIELD_ORDER, values, strict=False)), values[len(FIELD_ORDER)], values[-1]
    assert form["unit_name"] == "青山镇总工会" and form["year"] == 2025
    assert "金秋助学" in form["facts"] and len(form["facts"].splitlines()) == 7
    assert form["length"] == "2500" and "已从 township.yaml 导入" in notice and errors == ""
    assert form["closing"] is False and form["headline_style"] == "parallel"
    bad = client.predict(handle_file(str(FACTS / "invalid.yaml")), api_name="/import_facts")
    assert "请先修改" in bad[len(FIELD_ORDER)]
    # the more options travel with an imported file (they used to be dropped)
    more = tmp_path / "facts.yaml"
    more.write_text((FACTS / "township.yaml").read_text(encoding="utf-8")
                    + "\n结束语: 是\n标题样式: 主题式\n已落实的上年打算:\n  - 深化工资集体协商\n", encoding="utf-8")
    form = dict(zip(FIELD_ORDER, client.predict(handle_file(str(more)), api_name="/import_facts"), strict=False))
    assert form["closing"] is True and form["headline_style"] == "plain" and form["plans_done"] == "深化工资集体协商"


def test_search_with_filters(client: Client) -> None:
    html = client.predict("金秋助学", "", "", api_name="/search")
    hits = re.findall(r'<li class="hit">', html)
    assert len(hits) >= 3 and ".txt" in html and "<mark>" in html
    filtered = client.predict("金秋助学", "乡镇/街道", "帮扶", api_name="/search")
    tags = re.findall(r'<span class="muted">([^<]*)</span></div>', filtered)
    assert tags and all("乡镇/街道" in t and "帮扶" in t for t in tags)
    assert "没有找到" in client.predict("金秋助学", "农场连队", "经费经审", api_name="/search")


def test_upload_good_bad_and_oversized_files(app: RunningApp, client: Client, tmp_path: Path) -> None:
    before = app.backend.corpus_stats()["chunks"]

    binary = tmp_path / "往年总结.txt"
    binary.write_bytes(bytes(range(256)) * 40)  # 10 KB of binary, renamed .txt
    corrupt = tmp_path / "去年总结.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 50)
    broken_zip = tmp_path / "上半年总结.docx"
    with zipfile.ZipFile(broken_zip, "w") as z:
        z.writestr("hello.txt", "没有 word/document.xml")
    oversized = tmp_path / "很长的总结.txt"
    oversized.write_text(OWN_SUMMARY * 90, encoding="utf-8")  # ~100 KB > 50 KB, < transport limit
    assert MAX_UPLOAD_MB * 1024 * 1024 < oversized.stat().st_size < 4 * MAX_UPLOAD_MB * 1024 * 1024

    for bad in (binary, corrupt, broken_zip, oversized):
        message, table, info, _status = client.predict([handle_file(str(bad))], api_name="/ingest_upload")
        rows = _rows(table)
        assert rows == [[bad.name, "未导入", rows[0][2]]], rows
        assert rows[0][2], "a reason is given"
        assert "范文库未改变" in message
        assert app.backend.corpus_stats()["chunks"] == before
    assert "文件过大" in client.predict([handle_file(str(oversized))], api_name="/ingest_upload")[1]["data"][0][2]
    assert not (app.settings.data_dir / "uploads").exists() or not any(
        p.is_file() for p in (app.settings.data_dir / "uploads").rglob("*")
    )

    # far above the limit: refused by the server before it reaches the app
    huge = tmp_path / "巨大.txt"
    huge.write_text(OWN_SUMMARY * 200, encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own error types
        client.predict([handle_file(str(huge))], api_name="/ingest_upload")
    assert app.backend.corpus_stats()["chunks"] == before

    # a good file, together with a bad one: the good one is added, the bad one reported
    good = tmp_path / "白鹭湾街道总工会2024年工作总结.txt"
    good.write_text(OWN_SUMMARY, encoding="utf-8")
    message, table, info, _status = client.predict(
        [handle_file(str(good)), handle_file(str(binary))], api_name="/ingest_upload"
    )
    rows = {r[0]: r for r in _rows(table)}
    assert rows[good.name][1] == "已导入" and rows[binary.name][1] == "未导入"
    after = app.backend.corpus_stats()["chunks"]
    assert after > before and _chunks(info) == after
    assert "导入完成" in message
    html = client.predict("楼宇工会 商圈联合工会", "", "", api_name="/search")
    assert good.name in html

    # the same file again changes nothing
    _m, table, _i, _s = client.predict([handle_file(str(good))], api_name="/ingest_upload")
    assert _rows(table)[0][1] == "已在库中"
    assert app.backend.corpus_stats()["chunks"] == after


@pytest.mark.slow
def test_app_py_with_login(tmp_path: Path) -> None:
    """`python app.py --port N` starts, asks for the login, and never shows the API key."""
    port = free_port()
    env = {
        **os.environ,
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_EMBED_MODEL": "offline",
        "DRAFTER_AUTH": "admin:s3cret,guest:pa:ss",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "OPENAI_API_KEY": "sk-never-shown-1234",
        "DRAFTER_MODEL": "qwen-test",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        import httpx

        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() if proc.stdout else "app.py exited")
            try:
                return httpx.get(url + "/", timeout=2).status_code in (200, 401)
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=90, interval=0.3, what="app.py to listen")
        with pytest.raises(Exception):  # noqa: B017 - no credentials, no API
            Client(url, verbose=False)
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.post("/login", data={"username": "admin", "password": "wrong"}).status_code >= 400
            assert http.post("/login", data={"username": "guest", "password": "pa:ss"}).status_code == 200
            config = http.get("/config").text
            assert "sk-never-shown" not in config
        client = Client(url, auth=("admin", "s3cret"), verbose=False)
        assert client.predict("nope", api_name="/get_draft") == {}
    finally:
        output = stop_and_read(proc)
    assert "sk-never-shown" not in output
    assert f"http://127.0.0.1:{port}" in output


def test_the_model_floor_in_the_ui(llm: FakeLLM, client: Client) -> None:
    """A model answer the gate refuses: the draft keeps the faithful text, the notice counts the
    fallbacks and names the cause, each card says who wrote it, and a refused revision stores nothing."""
    form = list(client.predict(api_name="/sample_facts"))[:len(FIELD_ORDER)]
    responder = llm.responder

    def html_for_problems(request: dict[str, Any]) -> str:
        prompt = _text_of(request["messages"][-1]["content"])
        if "<<<草稿开始" in prompt and "存在的问题" in prompt:
            return "<!DOCTYPE html><html><body>存在的问题</body></html>"
        return responder(request)

    llm.responder = html_for_problems
    try:
        _errors, _live, draft_id, notice = client.predict(*form, api_name="/generate")
    finally:
        llm.responder = responder
    assert "节改用离线稿" in notice and "网页代码" in notice and "初稿已生成" in notice
    draft = client.predict(draft_id, api_name="/get_draft")
    assert draft["mode"] == "mixed"
    origins = {s["heading"]: (s["origin"], s["origin_reason"]) for s in draft["sections"]}
    assert origins["存在的问题和不足"][0] == "fallback" and "网页代码" in origins["存在的问题和不足"][1]
    assert {o for h, (o, _) in origins.items() if h != "存在的问题和不足"} == {"llm"}

    body = next(i for i, s in enumerate(draft["sections"]) if s["role"] == "body")
    before = draft["sections"][body]["text"]
    llm.reply(before, times=2)  # the model hands the text back unchanged
    out = client.predict(draft_id, body, "polish", "", api_name="/section_action")
    assert not out["ok"] and "未采用" in out["message"] and "几乎相同" in out["message"]
    assert client.predict(draft_id, api_name="/get_draft")["sections"][body]["text"] == before
