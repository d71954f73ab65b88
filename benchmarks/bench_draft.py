"""Drafting overhead without the LLM, and parallel vs sequential section generation.

The LLM is the loopback fake server from tests/support (a real HTTP server speaking the
OpenAI API), so what is timed is our pipeline: retrieval, prompts, guard, store, export.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import latency_stats, percentile
from drafter.drafting import Drafter, DraftEvents
from drafter.export import export_docx
from drafter.facts import Facts, parse_facts
from drafter.index import CorpusIndex
from drafter.llm import LLMClient
from drafter.retrieve import Retriever
from drafter.store import DraftStore

# Six sections: opening, three body sections (组建, 帮扶, 竞赛), problems, plans.
SIX_SECTION_FACTS: dict[str, Any] = {
    "unit_name": "青山镇总工会",
    "unit_type": "乡镇工会",
    "period": "年度",
    "year": 2025,
    "facts": [
        "新建非公企业工会12家，新发展会员860人",
        "新发展农民工会员320人，会员总数达到4,500人",
        "春节期间走访慰问困难职工46户，发放慰问金9.2万元",
        "开展金秋助学活动，资助困难职工子女18名",
        "举办职工技能比武3场，参赛职工210人",
        "组织劳动竞赛2次，评选岗位能手15名",
    ],
    "problems": ["部分非公企业工会组织不健全，作用发挥不明显"],
    "plans": ["继续推进非公企业建会入会工作"],
    "length": 2000,
}

_FACTS_BLOCK = re.compile(r"<<<事实开始\n(.*?)\n事实结束>>>", re.S)
_FILLER = (
    "我们坚持以职工为中心的工作导向，",
    "把各项任务分解到岗、落实到人，",
    "定期听取基层意见并及时改进，",
    "工作的针对性和实效性不断增强，",
    "职工群众的满意度明显提升。",
)
REPLY_CHARS = 200


def section_responder(request: dict[str, Any]) -> str:
    """A well-formed section: the prompt's facts verbatim, padded to REPLY_CHARS characters.

    Equal lengths make the streamed time per section equal, so the parallel/sequential ratio
    shows scheduling, not text length; facts verbatim keep the guard from asking for repairs.
    """
    user = next((m for m in reversed(request.get("messages", [])) if m.get("role") == "user"), {})
    block = _FACTS_BLOCK.search(str(user.get("content", "")))
    facts = [ln[2:].strip() for ln in (block.group(1) if block else "").splitlines() if ln.startswith("- ")]
    text = "".join(f"{f}；" for f in facts)
    i = 0
    while len(text) < REPLY_CHARS:
        text += _FILLER[i % len(_FILLER)]
        i += 1
    return text.rstrip("，；") + "。"


class _Clock(DraftEvents):
    """Records when the first streamed text arrived."""

    def __init__(self) -> None:
        self.first_delta: float | None = None
        self._lock = threading.Lock()

    def delta(self, position: int, text: str) -> None:
        with self._lock:
            if self.first_delta is None and text:
                self.first_delta = time.perf_counter()


def six_section_facts() -> Facts:
    return parse_facts(dict(SIX_SECTION_FACTS))


def measure_overhead(index: CorpusIndex, runs: int = 20, warmup: int = 2) -> dict[str, Any]:
    """Offline draft (retrieval, composing, guard, store) + .docx export, per run."""
    facts = six_section_facts()
    retriever = Retriever(index)
    with tempfile.TemporaryDirectory(prefix="bench-draft-") as tmp:
        store = DraftStore(Path(tmp) / "drafts.sqlite3")
        drafter = Drafter(retriever, store)
        total, draft_s, export_s = [], [], []
        first_run = None
        sections = 0
        for n in range(warmup + runs):
            t0 = time.perf_counter()
            result = drafter.draft(facts, offline=True)
            t1 = time.perf_counter()
            export_docx(result.draft, Path(tmp) / f"draft{n}.docx")
            t2 = time.perf_counter()
            sections = len(result.draft.sections)
            if n == 0:
                first_run = t2 - t0
            if n >= warmup:
                total.append(t2 - t0)
                draft_s.append(t1 - t0)
                export_s.append(t2 - t1)
    return {
        "chunks": len(index.chunks),
        "sections": sections,
        "runs": runs,
        "first_run_ms": round((first_run or 0) * 1000, 1),
        "total": latency_stats(total),
        "draft_p50_ms": round(percentile(draft_s, 50) * 1000, 1),
        "export_p50_ms": round(percentile(export_s, 50) * 1000, 1),
    }


def measure_llm_path(index: CorpusIndex, runs: int = 20, warmup: int = 2) -> dict[str, Any]:
    """The LLM path against the fake server with zero delay: our cost plus loopback HTTP."""
    from tests.support.fake_llm import DEFAULT_KEY, FakeLLM

    facts = six_section_facts()
    with FakeLLM(responder=section_responder) as fake, tempfile.TemporaryDirectory(prefix="bench-llm-") as tmp:
        llm = LLMClient(fake.base_url, DEFAULT_KEY, fake.model, timeout=30, max_retries=0)
        drafter = Drafter(Retriever(index), DraftStore(Path(tmp) / "drafts.sqlite3"), llm=llm, concurrency=4)
        samples = []
        for n in range(warmup + runs):
            before = len(fake.chat_requests)
            t0 = time.perf_counter()
            result = drafter.draft(facts)
            export_docx(result.draft, Path(tmp) / f"draft{n}.docx")
            if n >= warmup:
                samples.append(time.perf_counter() - t0)
            requests = len(fake.chat_requests) - before
        llm.close()
    return {
        "sections": len(result.draft.sections),
        "requests_per_draft": requests,
        "mode": result.draft.mode,
        "total": latency_stats(samples),
    }


def measure_parallel(
    index: CorpusIndex,
    tokens_per_second: float = 50.0,
    first_token_delay: float = 0.5,
    concurrency: int = 4,
) -> dict[str, Any]:
    """Wall time of one 6-section draft at concurrency 1 and `concurrency`, same server rate."""
    from tests.support.fake_llm import DEFAULT_KEY, FakeLLM

    facts = six_section_facts()
    out: dict[str, Any] = {
        "tokens_per_second": tokens_per_second,
        "first_token_delay_s": first_token_delay,
        "chars_per_token": 2,
        "reply_chars": REPLY_CHARS + 1,
    }
    with FakeLLM(
        responder=section_responder,
        tokens_per_second=tokens_per_second,
        first_token_delay=first_token_delay,
    ) as fake, tempfile.TemporaryDirectory(prefix="bench-par-") as tmp:
        llm = LLMClient(fake.base_url, DEFAULT_KEY, fake.model, timeout=60, max_retries=0)
        store = DraftStore(Path(tmp) / "drafts.sqlite3")
        Drafter(Retriever(index), store).draft(facts, offline=True)  # warm caches, not timed
        for workers in (1, concurrency):
            clock = _Clock()
            drafter = Drafter(Retriever(index), store, llm=llm, concurrency=workers, events=clock)
            before = len(fake.chat_requests)
            fake.max_in_flight = 0
            t0 = time.perf_counter()
            result = drafter.draft(facts)
            wall = time.perf_counter() - t0
            out[f"concurrency_{workers}"] = {
                "wall_s": round(wall, 3),
                "first_text_s": round((clock.first_delta or t0) - t0, 3),
                "sections": len(result.draft.sections),
                "requests": len(fake.chat_requests) - before,
                "max_in_flight": fake.max_in_flight,
                "mode": result.draft.mode,
            }
        llm.close()
    seq = out["concurrency_1"]["wall_s"]
    par = out[f"concurrency_{concurrency}"]["wall_s"]
    out["ratio"] = round(par / seq, 3) if seq else None
    out["first_text_s"] = out[f"concurrency_{concurrency}"]["first_text_s"]
    return out
