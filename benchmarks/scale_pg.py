"""Scale-out measured: PostgreSQL + a Chroma server + two app instances under 50 simulated users.

    python -m benchmarks.scale_pg [--users 50] [--scale 50000,100000,200000,500000] [--skip-load]

Starts everything itself, on loopback only, and stops it at the end:
- PostgreSQL (initdb into a temporary folder as an unprivileged user, fsync on),
- `chroma run` (vectors), the project's fake LLM (tests/support/fake_llm.py),
- two app instances (`drafter serve`, the real Gradio app) sharing the database and Chroma,
  each with its own empty data dir and DRAFTER_AUTH logins for the users.

Each simulated user (a thread with its own gradio_client session and login, on instance
i % 2) does draft (/generate, streamed to the end) → revise (/section_action rewrite
of section 2 with an instruction) → export (/get_draft over HTTP, then the .docx built as the app builds it). Then:
every user's draft is read back from the database and checked (right owner, the user's own
unit and figures, none of another user's, the revision stored): lost or crossed writes.
Then a file uploaded to instance A (/ingest_upload) is searched on instance B (/search) until
it appears: how long a corpus update takes to reach the other instance.

`--scale`: search latency, load time and memory of one instance with the catalogue in the
database at N chunks (synthetic: the parsed synthetic corpus replicated with new ids, offline
vectors), each N in a fresh database and Chroma collection.

Writes benchmarks/results/scale-pg.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.common import (
    RESULTS,
    ROOT,
    free_port,
    latency_stats,
    peak_rss_mb,
    python_env,
    stop_process,
    wait_http,
)

STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
NEW_FILE_QUERY = "区域性集体合同 追回欠薪"
HTTP_TIMEOUT = 300.0  # a user waits this long for one request (gradio_client's default is 5 s)


def unit_of(i: int) -> str:
    return f"{STEMS[i % 10]}{BRANCHES[(i // 10) % 12]}镇"


def user_form(i: int) -> list[Any]:
    """A form whose unit and figures belong to user i alone."""
    from tests.support.ui_app import unique_facts

    return [f"{unit_of(i)}总工会", "乡镇工会", "年度", 2025, "", "\n".join(unique_facts(i)),
            "部分基层工会作用发挥不够", "加强工会干部培训", "自动", ""]


def own_numbers(i: int) -> set[str]:
    from drafter.numbers import number_tokens

    return {n for line in user_form(i)[5].splitlines() for n in number_tokens(line)}


# ---- the load run ------------------------------------------------------------------------------
def start_instance(name: str, work: Path, env: dict[str, str]) -> tuple[Any, str]:
    import subprocess

    port = free_port()
    log = open(work / f"{name}.log", "w")  # noqa: SIM115 - closed when the process is stopped
    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=python_env({**env, "DRAFTER_DATA_DIR": str(work / name)}), cwd=ROOT,
        stdout=log, stderr=subprocess.STDOUT,
    )
    proc.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}/"
    if wait_http(url, 180, proc) is None:
        raise RuntimeError(f"instance {name} did not start: {(work / f'{name}.log').read_text()[-3000:]}")
    return proc, url


def wait_corpus_ready(client: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "正在准备" not in client.predict("工会", "", "", api_name="/search"):
            return
        time.sleep(1)
    raise TimeoutError("corpus not ready")


def run_users(urls: list[str], users: int, work: Path) -> dict[str, Any]:
    from gradio_client import Client

    from drafter.draft import Draft
    from drafter.export import export_draft

    timings: dict[str, list[float]] = {"draft": [], "revise": [], "export": [], "session": []}
    outcome: list[dict[str, Any]] = [{} for _ in range(users)]
    errors: list[str] = []
    lock = threading.Lock()

    def user(i: int) -> None:
        try:
            t0 = time.perf_counter()
            client = Client(urls[i % len(urls)], auth=(f"u{i}", f"p{i}"), verbose=False,
                            httpx_kwargs={"timeout": HTTP_TIMEOUT})
            t1 = time.perf_counter()
            errs, _live, draft_id, notice = client.predict(*user_form(i), api_name="/generate")[:4]
            t2 = time.perf_counter()
            if errs or "初稿已生成" not in str(notice):
                raise RuntimeError(f"draft: {errs or notice}")
            revised = client.predict(draft_id, 1, "rewrite", "突出服务职工的成效", "", api_name="/section_action")
            t3 = time.perf_counter()
            data = client.predict(draft_id, api_name="/get_draft")
            export_draft(Draft.from_dict(data), work / "exports" / f"u{i}.docx")
            t4 = time.perf_counter()
            client.close()
            with lock:
                timings["session"].append(t1 - t0)
                timings["draft"].append(t2 - t1)
                timings["revise"].append(t3 - t2)
                timings["export"].append(t4 - t3)
            outcome[i] = {"id": draft_id, "revised": bool(revised.get("ok")),
                          "revised_text": (revised.get("draft") or {}).get("sections", [{}, {}])[1].get("text", "")}
        except Exception as exc:  # counted and reported, never hidden
            with lock:
                errors.append(f"user {i}: {type(exc).__name__}: {str(exc)[:200]}")

    (work / "exports").mkdir(exist_ok=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    wall = time.perf_counter() - started
    return {"timings": timings, "outcome": outcome, "errors": errors, "wall_s": wall}


def check_writes(database_url: str, users: int, outcome: list[dict[str, Any]]) -> dict[str, Any]:
    """Every user's draft read back from the database: owner, own unit and figures, no one
    else's, and the accepted revision stored as the current text of section 2."""
    from drafter.numbers import number_tokens
    from drafter.store import DraftNotFound, open_draft_store

    store = open_draft_store(database_url)
    lost, crossed, problems = 0, 0, []
    all_numbers = [own_numbers(j) for j in range(users)]
    unacknowledged = 0
    for i, got in enumerate(outcome):
        if not got.get("id"):  # the request failed for this user: nothing was acknowledged
            unacknowledged += 1
            continue
        try:
            draft = store.get(got["id"])
        except DraftNotFound:
            lost += 1
            problems.append(f"user {i}: draft {got['id']} missing")
            continue
        text = "\n".join(s.text for s in draft.sections)
        numbers = set(number_tokens(text))
        others = set().union(*(all_numbers[j] for j in range(users) if j != i))
        if draft.owner != f"u{i}" or unit_of(i) not in draft.title or numbers & others or any(
            unit_of(j) in text + draft.title for j in range(users) if j != i
        ):
            crossed += 1
            problems.append(f"user {i}: owner {draft.owner!r} or another user's content")
        if not all_numbers[i] <= numbers or not all(s.text.strip() for s in draft.sections):
            lost += 1
            problems.append(f"user {i}: own figures or a section missing")
        if got.get("revised") and draft.sections[1].text != got["revised_text"]:
            lost += 1
            problems.append(f"user {i}: the accepted revision is not the stored text")
        if len(store.for_owner(f"u{i}").list_drafts()) != 1:
            crossed += 1
            problems.append(f"user {i}: sees {len(store.for_owner(f'u{i}').list_drafts())} drafts")
    return {"lost_writes": lost, "crossed_writes": crossed, "unacknowledged_users": unacknowledged,
            "problems": problems[:10],
            "revisions_accepted": sum(1 for o in outcome if o.get("revised"))}


def corpus_propagation(urls: list[str], work: Path, poll: float) -> dict[str, Any]:
    """Upload a new summary to instance A; seconds until instance B's search returns it."""
    from gradio_client import Client, handle_file

    path = work / "新上传总结.txt"
    from tests.support.corpus_fixtures import STREET  # a complete summary the bundled corpus lacks

    path.write_text(STREET, encoding="utf-8")
    a = Client(urls[0], auth=("u0", "p0"), verbose=False)
    b = Client(urls[1], auth=("u1", "p1"), verbose=False)
    started = time.perf_counter()
    a.predict([handle_file(str(path))], api_name="/ingest_upload")
    ingested = time.perf_counter()
    seen = None
    while time.perf_counter() - ingested < 120:
        if "新上传总结" in b.predict(NEW_FILE_QUERY, "", "", api_name="/search"):
            seen = time.perf_counter()
            break
        time.sleep(0.1)
    a.close()
    b.close()
    return {
        "upload_and_ingest_on_a_s": round(ingested - started, 2),
        "visible_on_b_after_ingest_s": None if seen is None else round(seen - ingested, 2),
        "visible_on_b_after_upload_started_s": None if seen is None else round(seen - started, 2),
        "poll_interval_s": poll,
    }


def load_run(users: int, work: Path, pg: Any, chroma_port: int) -> dict[str, Any]:
    from tests.support.fake_llm import FakeLLM
    from tests.support.ui_app import SectionResponder

    url = pg.new_database("bench")
    poll = 2.0
    with FakeLLM(responder=SectionResponder()) as llm:
        env = {
            "DRAFTER_DATABASE_URL": url, "DRAFTER_CHROMA_HOST": "127.0.0.1",
            "DRAFTER_CHROMA_PORT": str(chroma_port), "DRAFTER_EMBED_MODEL": "offline",
            "DRAFTER_CATALOGUE_POLL": str(poll),
            "DRAFTER_AUTH": ",".join(f"u{i}:p{i}" for i in range(users)),
            **llm.env(),
        }
        instances = []
        try:
            started = time.perf_counter()
            instances.append(start_instance("a", work, env))
            from gradio_client import Client

            first = Client(instances[0][1], auth=("u0", "p0"), verbose=False)
            wait_corpus_ready(first)  # instance A ingests the bundled corpus into the database
            first.close()
            first_start = time.perf_counter() - started
            started = time.perf_counter()
            instances.append(start_instance("b", work, env))
            second = Client(instances[1][1], auth=("u1", "p1"), verbose=False)
            wait_corpus_ready(second)  # instance B only loads it
            second.close()
            second_start = time.perf_counter() - started
            urls = [u for _, u in instances]
            rss_idle = [peak_rss_mb(p.pid) for p, _ in instances]
            run = run_users(urls, users, work)
            rss_peak = [peak_rss_mb(p.pid) for p, _ in instances]
            writes = check_writes(url, users, run["outcome"])
            propagation = corpus_propagation(urls, work, poll)
        finally:
            for proc, _ in instances:
                stop_process(proc)
                proc.log.close()
        in_flight = llm.max_in_flight
    timings = run["timings"]
    n_ops = sum(len(v) for k, v in timings.items() if k != "session")
    return {
        "users": users,
        "instances": 2,
        "instance_ready_s": {"a_ingests_bundled_corpus": round(first_start, 1), "b_loads_catalogue": round(second_start, 1)},
        "operations": {k: latency_stats(v) for k, v in timings.items() if v},
        "wall_s": round(run["wall_s"], 1),
        "throughput": {"sessions_per_min": round(60 * len(timings["draft"]) / run["wall_s"], 1),
                       "operations_per_s": round(n_ops / run["wall_s"], 2)},
        "errors": run["errors"][:10],
        "failed_users": len(run["errors"]),
        **writes,
        "rss_mb": {"a_idle_peak": rss_idle[0], "b_idle_peak": rss_idle[1], "a_peak": rss_peak[0], "b_peak": rss_peak[1]},
        "llm_max_in_flight": in_flight,
        "corpus_update": propagation,
    }


# ---- store operations alone ------------------------------------------------------------------------
def store_run(users: int, pg: Any, rounds: int = 10) -> dict[str, Any]:
    """The draft store without the app: `users` threads, each on its own owner's view, create a
    draft, save a section `rounds` times (reading the draft after each), undo twice, lock, list."""
    import copy

    from drafter.draft import Draft, Section, Signoff
    from drafter.store import open_draft_store

    url = pg.new_database("store")
    admin = open_draft_store(url)
    timings: dict[str, list[float]] = {k: [] for k in ("create", "save_section", "get", "undo", "set_locked", "list_drafts")}
    ids: list[str] = [""] * users
    lock = threading.Lock()

    def timed_op(name: str, fn: Any) -> Any:
        t = time.perf_counter()
        value = fn()
        with lock:
            timings[name].append(time.perf_counter() - t)
        return value

    def user(i: int) -> None:
        view = admin.for_owner(f"s{i}")
        draft = Draft(title=f"{unit_of(i)}总工会2025年工作总结", mode="llm", signoff=Signoff(unit_of(i), "2025年12月31日"),
                      sections=[Section(heading=f"第{k}节", text=f"{unit_of(i)}初稿{k}") for k in range(4)])
        ids[i] = timed_op("create", lambda: view.create(draft))
        for r in range(rounds):
            section = copy.deepcopy(draft.sections[r % 4])
            section.text = f"{unit_of(i)}第{r}次修改"
            timed_op("save_section", lambda s=section, r=r: view.save_section(draft.id, r % 4, s))
            timed_op("get", lambda: view.get(draft.id))
        for _ in range(2):
            timed_op("undo", lambda: view.undo(draft.id, (rounds - 1) % 4))
        timed_op("set_locked", lambda: view.set_locked(draft.id, 0, True))
        timed_op("list_drafts", lambda: view.list_drafts())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    wall = time.perf_counter() - started
    lost = crossed = 0
    for i, draft_id in enumerate(ids):
        got = admin.get(draft_id)
        history = sum(len(admin.history(draft_id, k)) for k in range(4))
        crossed += got.owner != f"s{i}" or any(unit_of(i) not in s.text for s in got.sections)
        lost += history != 4 + rounds + 2
    n = sum(len(v) for v in timings.values())
    return {"users": users, "operations": {k: latency_stats(v) for k, v in timings.items()},
            "operations_per_s": round(n / wall, 1), "lost_writes": lost, "crossed_writes": crossed}


# ---- search growth with the catalogue in the database ------------------------------------------
def synthetic_chunks(n: int, work: Path) -> tuple[list[Any], Any]:
    """n chunks: a parsed synthetic corpus (~5k chunks) replicated with new ids; offline vectors."""
    from benchmarks.synth import generate
    from drafter.embed import HashingEmbedder
    from drafter.index import IndexedChunk, _search_text
    from drafter.ingest import parse_text

    base_dir = work / "synth"
    if not base_dir.exists():
        generate(base_dir, 5000, seed=7)
    base: list[IndexedChunk] = []
    for path in sorted(base_dir.rglob("*.txt")):
        for article in parse_text(path.read_text(encoding="utf-8"), path.name):
            for c in article["chunks"]:
                meta = {k: c[k] for k in ("source", "article", "heading", "unit_type", "period", "role", "topic")}
                base.append(IndexedChunk(c["id"], c["text"], meta, c["tokens"]))
    embedder = HashingEmbedder()
    vectors = embedder.embed_tokens([_search_text(c) for c in base], [c.tokens for c in base])
    return base, vectors


def scale_point(n: int, base: list[Any], base_vectors: Any, pg: Any, chroma_port: int, work: Path) -> dict[str, Any]:
    import subprocess

    import numpy as np

    from drafter.catalogue import DatabaseCorpusIndex
    from drafter.config import Settings
    from drafter.embed import HashingEmbedder
    from drafter.index import IndexedChunk

    url = pg.new_database(f"scale{n}")
    settings = Settings(data_dir=work / f"writer-{n}", embed_model="offline", database_url=url,
                        chroma_host="127.0.0.1", chroma_port=chroma_port)
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_port)
    from drafter.index import COLLECTION, _drop_collection

    _drop_collection(client, COLLECTION)
    index = DatabaseCorpusIndex(settings, HashingEmbedder(), client=client)
    rng = np.random.default_rng(n)
    chunks: list[IndexedChunk] = []
    t0 = time.perf_counter()
    with index.writing():
        col = index.collection()
        batch: list[IndexedChunk] = []
        vecs: list[Any] = []
        for k in range(n):
            src = base[k % len(base)]
            copy = k // len(base)
            chunk = IndexedChunk(f"{src.id}-{copy}", src.text, dict(src.meta), src.tokens)
            vector = base_vectors[k % len(base)]
            if copy:  # a different vector per copy, still unit length
                vector = vector + rng.normal(0, 0.05, vector.shape).astype(np.float32)
                vector /= np.linalg.norm(vector)
            chunks.append(chunk)
            batch.append(chunk)
            vecs.append(vector)
            index._fresh[chunk.id] = vector
            if len(batch) == 2000 or k == n - 1:
                col.upsert(ids=[c.id for c in batch], embeddings=np.stack(vecs).tolist(),
                           metadatas=[c.meta for c in batch])
                batch, vecs = [], []
        t1 = time.perf_counter()
        index.write_bm25(chunks)
    t2 = time.perf_counter()
    index._fresh = {}
    del chunks
    # A fresh instance process: load the catalogue, then search (no filter, and with filters).
    script = (
        "import json, random, sys, time\n"
        "from drafter.config import Settings\n"
        "from drafter.index import open_index\n"
        "from drafter.retrieve import Retriever\n"
        "from benchmarks.common import latency_stats, peak_rss_mb\n"
        "import os, psutil\n"
        "t = time.perf_counter(); index = open_index(Settings.from_env()); index.load()\n"
        "load = time.perf_counter() - t\n"
        "r = Retriever(index); rng = random.Random(3)\n"
        "qs = ['职工之家建设', '困难职工帮扶 送温暖', '劳动竞赛 技能比武', '集体协商 工资', '女职工权益',\n"
        "      '工会组织建设 发展会员', '安全生产 安康杯', '职工文化 书屋', '农民工 欠薪', '厂务公开 职代会']\n"
        "r.search(qs[0])\n"
        "mid = index.chunks[len(index.chunks) // 2].meta  # a filter that matches: a real unit type and topic\n"
        "flt = {'unit_type': mid['unit_type'], 'topic': mid['topic']}\n"
        "plain, filt = [], []\n"
        "for i in range(40):\n"
        "    q = qs[i % len(qs)]\n"
        "    t = time.perf_counter(); r.search(q, k=5); plain.append(time.perf_counter() - t)\n"
        "    t = time.perf_counter(); r.search(q, k=5, filters=flt); filt.append(time.perf_counter() - t)\n"
        "print(json.dumps({'chunks': len(index.chunks), 'load_s': round(load, 2), 'search': latency_stats(plain),\n"
        "  'search_filtered': latency_stats(filt), 'filter': flt, 'filter_rows': int(r._mask(flt).sum()),\n"
        "  'rss_mb': peak_rss_mb(os.getpid()), 'rss_now_mb': round(psutil.Process().memory_info().rss / 2**20, 1)}))\n"
    )
    env = python_env({"DRAFTER_DATA_DIR": str(work / f"reader-{n}"), "DRAFTER_EMBED_MODEL": "offline",
                      "DRAFTER_DATABASE_URL": url, "DRAFTER_CHROMA_HOST": "127.0.0.1",
                      "DRAFTER_CHROMA_PORT": str(chroma_port)})
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    with pg_connect(url) as con:
        size = con.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    _drop_collection(client, COLLECTION)
    return {"n": n, "write_chroma_s": round(t1 - t0, 1), "write_catalogue_s": round(t2 - t1, 1),
            "database_mb": round(size / 1e6, 1), **measured}


def pg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url)


# ---- report ---------------------------------------------------------------------------------------
def write_report(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale-pg.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        "# 多实例部署实测（PostgreSQL + Chroma 服务器 + 两个应用实例）",
        "",
        f"- 运行时间：{result['when']}；机器：{result['machine']}；命令：`{result['command']}`",
        "",
    ]
    load = result.get("load")
    if load:
        ops = load["operations"]
        lines += [
            f"## 负载：{load['users']} 个模拟用户，{load['instances']} 个实例（起草 → 修改 → 导出）",
            "",
            "| 操作 | p50 (ms) | p95 (ms) | 次数 |",
            "|---|---|---|---|",
            *[f"| {k} | {v['p50_ms']} | {v['p95_ms']} | {v['n']} |" for k, v in ops.items()],
            "",
            f"- 总耗时 {load['wall_s']} s；吞吐 {load['throughput']['sessions_per_min']} 个完整会话/分钟，"
            f"{load['throughput']['operations_per_s']} 次操作/秒；失败用户 {load['failed_users']}",
            f"- 丢失的写入：**{load['lost_writes']}**；串号的写入：**{load['crossed_writes']}**"
            f"（逐个用户读回数据库核对：归属、单位、数字、修改稿）；被接受的修改 {load['revisions_accepted']}",
            f"- 内存（RSS，MB）：{load['rss_mb']}",
            f"- 实例就绪：{load['instance_ready_s']}",
            f"- 范文库更新传到另一实例：{load['corpus_update']}",
            f"- 大模型（模拟）最多同时请求数：{load['llm_max_in_flight']}",
            "",
        ]
        if load["errors"]:
            lines += ["错误：", *[f"- {e}" for e in load["errors"]], ""]
    store = result.get("store")
    if store:
        lines += [
            f"## 草稿库操作（PostgreSQL，{store['users']} 个并发用户，不经过界面）",
            "",
            "| 操作 | p50 (ms) | p95 (ms) | 次数 |",
            "|---|---|---|---|",
            *[f"| {k} | {v['p50_ms']} | {v['p95_ms']} | {v['n']} |" for k, v in store["operations"].items()],
            "",
            f"- {store['operations_per_s']} 次操作/秒；丢失的写入 **{store['lost_writes']}**，串号 **{store['crossed_writes']}**",
            "",
        ]
    scale = result.get("scale")
    if scale:
        lines += [
            "## 范文库规模：目录在数据库中时，单个实例的检索延迟与内存",
            "",
            "| 片段数 | 载入 (s) | 检索 p50/p95 (ms) | 带过滤检索 p50/p95 (ms) | 实例 RSS 峰值 / 检索后 (MB) | 数据库 (MB) | 写入 Chroma (s) | 写入目录 (s) |",
            "|---|---|---|---|---|---|---|---|",
            *[
                f"| {p['n']} | {p['load_s']} | {p['search']['p50_ms']} / {p['search']['p95_ms']} | "
                f"{p['search_filtered']['p50_ms']} / {p['search_filtered']['p95_ms']} | {p['rss_mb']} / {p.get('rss_now_mb')} | "
                f"{p['database_mb']} | {p['write_chroma_s']} | {p['write_catalogue_s']} |"
                for p in scale["points"]
            ],
            "",
            scale.get("extrapolation", ""),
            "",
        ]
    (RESULTS / "scale-pg.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def extrapolate(points: list[dict[str, Any]], target: int = 500_000) -> str:
    if len(points) < 2 or points[-1]["n"] >= target:
        return ""
    a, b = points[0], points[-1]

    def line(key: Any) -> float:
        ya, yb = key(a), key(b)
        return yb + (yb - ya) / (b["n"] - a["n"]) * (target - b["n"])

    return (
        f"500k 片段未实测（2 个共享核上写入 Chroma 太久），按 {a['n']}→{b['n']} 线性外推："
        f"载入约 {line(lambda p: p['load_s']):.0f} s，检索 p50 约 {line(lambda p: p['search']['p50_ms']):.0f} ms，"
        f"实例 RSS 约 {line(lambda p: p['rss_mb']):.0f} MB。"
    )


def main(argv: list[str] | None = None) -> int:
    from tests.support.chroma import ChromaServer
    from tests.support.postgres import PostgresServer

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--scale", default="50000,100000,200000,500000", help="chunk counts, comma-separated ('' = skip)")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
        "command": "python -m benchmarks.scale_pg " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    work = Path(tempfile.mkdtemp(prefix="drafter-scale-"))
    with PostgresServer(durable=True) as pg, ChromaServer(work / "chroma") as chroma:
        result["store"] = store_run(args.users, pg)
        print(json.dumps(result["store"], ensure_ascii=False), flush=True)
        if not args.skip_load:
            result["load"] = load_run(args.users, work, pg, chroma.port)
            print(json.dumps(result["load"], ensure_ascii=False, indent=1), flush=True)
            write_report(result)
        sizes = [int(s) for s in args.scale.split(",") if s.strip()]
        if sizes:
            base, vectors = synthetic_chunks(max(sizes), work)
            points = []
            for n in sizes:
                points.append(scale_point(n, base, vectors, pg, chroma.port, work))
                print(json.dumps(points[-1], ensure_ascii=False), flush=True)
                result["scale"] = {"points": points, "base_chunks": len(base),
                                   "extrapolation": extrapolate(points)}
                write_report(result)
    print(f"written: {RESULTS / 'scale-pg.md'}")
    runs = [r for r in (result.get("store"), result.get("load")) if r]
    return 0 if all(r["lost_writes"] == 0 and r["crossed_writes"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
