"""What the web UI does, without gradio: shared services, streamed drafting, uploads, exports.

One `Backend` per server process holds the collaborators every session shares (draft store,
LLM client, corpus index). Nothing here keeps per-user state: a session's draft lives in the
store and its id in the browser (URL and browser storage).

Every draft operation names the owner it acts for (the login name, "" without login) and
goes through the store's view for that owner, so another user's draft is never reachable.
"""

from __future__ import annotations

import copy
import hashlib
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.config import Settings, mask_credentials
from drafter.corpus.load import SUPPORTED_SUFFIXES, LoadError, load_file
from drafter.draft import Draft, Section
from drafter.drafting import Drafter, DraftEvents, DraftResult
from drafter.export import export_draft
from drafter.facts import Facts
from drafter.index import CorpusIndex, open_index
from drafter.ingest import IngestReport, ingest, parse_text
from drafter.llm import LLMClient, LLMError
from drafter.retrieve import Retriever, SearchResult
from drafter.services import ensure_corpus, llm_status, make_llm, open_store
from drafter.store import DraftNotFound, DraftStore, DraftSummary

Progress = Callable[[str, int, int], None]
STAGE_LABELS = {"read": "读取文件", "embed": "生成向量"}
DRAFT_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
EXPORT_TTL_SECONDS = 6 * 3600

# The example behind "填入示例": a realistic township union; every figure is made up.
SAMPLE_FORM: dict[str, Any] = {
    "unit_name": "桃溪镇总工会",
    "unit_type": "乡镇/街道工会",
    "period": "年度",
    "year": 2025,
    "topic": "",
    "facts": "\n".join(
        [
            "新建基层工会8家，新发展会员436人，其中快递员、网约配送员等新就业形态劳动者127人",
            "签订工资专项集体合同23份，覆盖企业41家、职工2150人",
            "春节期间走访慰问困难职工和劳动模范52户，发放慰问金11.6万元",
            "开展金秋助学活动，资助困难职工子女15名，发放助学金4.5万元",
            "举办电工、焊工等职业技能竞赛4场，参赛职工260人",
            "新建职工书屋3家、户外劳动者服务站5个",
            "开展“安康杯”安全知识竞赛，参与职工1800人次",
        ]
    ),
    "problems": "\n".join(
        [
            "部分小微企业工会作用发挥不够，活动开展不经常",
            "工会干部多为兼职，业务培训覆盖面不足",
        ]
    ),
    "plans": "\n".join(
        [
            "持续推进新就业形态劳动者入会",
            "深化工资集体协商，提升协商质量",
            "加强基层工会干部培训",
        ]
    ),
    "length": "2500",
    "date": "",
}


def form_from_facts(facts: Facts) -> dict[str, Any]:
    """Facts (e.g. from an imported file) as the form's field values."""
    return {
        "unit_name": facts.unit_name,
        "unit_type": facts.unit_type_raw or facts.unit_type,
        "period": facts.period,
        "year": facts.year,
        "topic": facts.topic,
        "facts": "\n".join(facts.facts),
        "problems": "\n".join(facts.problems),
        "plans": "\n".join(facts.plans),
        "length": str(facts.length) if facts.length else "",
        "date": facts.date,
    }


def parse_auth(text: str) -> list[tuple[str, str]]:
    """DRAFTER_AUTH "user:pass,user2:pass2" → [(user, pass), …]; a password may contain ':'."""
    pairs: list[tuple[str, str]] = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        user, sep, password = item.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError("DRAFTER_AUTH 格式应为 用户名:密码，多个账号用英文逗号分隔。")
        pairs.append((user.strip(), password))
    return pairs


# ---- streamed drafting --------------------------------------------------------------------------


class QueueEvents(DraftEvents):
    """DraftEvents that put every callback on a queue; the UI's generator drains it."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[Any, ...]] = queue.Queue()

    def draft_created(self, draft: Draft) -> None:
        self.queue.put(("created", copy.deepcopy(draft)))

    def section_started(self, position: int, section: Section) -> None:
        self.queue.put(("started", position))

    def delta(self, position: int, text: str) -> None:
        self.queue.put(("delta", position, text))

    def restart(self, position: int) -> None:
        self.queue.put(("restart", position))

    def section_done(self, position: int, section: Section) -> None:
        self.queue.put(("done", position, copy.deepcopy(section)))

    def notice(self, message: str) -> None:
        self.queue.put(("notice", message))


@dataclass
class LiveSection:
    heading: str
    text: str = ""
    status: str = "waiting"  # waiting | writing | done | locked | kept (hand-edited, skipped)
    origin: str = ""  # once done: who wrote it (draft.ORIGINS)


@dataclass
class LiveDraft:
    """What the user sees while a draft is being written: finished sections in full."""

    title: str = ""
    draft_id: str = ""
    sections: list[LiveSection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    waiting_for: str = ""  # e.g. the corpus still being prepared

    @classmethod
    def of(cls, draft: Draft, regenerate: bool = False, keep: Collection[int] = ()) -> LiveDraft:
        """The view of a draft about to be (re)written; when regenerating, locked sections and
        those in `keep` (hand edits the user chose to keep) show their text."""
        live = cls(title=draft.title, draft_id=draft.id)
        headings = draft.numbered_headings()
        for n, (heading, s) in enumerate(zip(headings, draft.sections, strict=True)):
            if regenerate and s.locked:
                live.sections.append(LiveSection(heading, s.text, "locked"))
            elif regenerate and n in keep:
                live.sections.append(LiveSection(heading, s.text, "kept"))
            else:
                live.sections.append(LiveSection(heading))
        return live

    def apply(self, event: tuple[Any, ...]) -> None:
        kind = event[0]
        if kind == "created":
            fresh = LiveDraft.of(event[1])
            self.title, self.draft_id, self.sections = fresh.title, fresh.draft_id, fresh.sections
        elif kind == "notice":
            self.notices.append(event[1])
        elif 0 <= event[1] < len(self.sections):
            s = self.sections[event[1]]
            if kind == "started":
                s.status, s.text = "writing", ""
            elif kind == "delta":
                s.text += event[2]
            elif kind == "restart":
                s.text = ""
            elif kind == "done":
                s.status, s.text, s.origin = "done", event[2].text, event[2].origin

    @property
    def finished(self) -> int:
        return sum(1 for s in self.sections if s.status in ("done", "locked", "kept"))


def _events_of(job: Callable[[], Any], events: QueueEvents, interval: float) -> Generator[Any, None, Any]:
    """Run `job` in a thread; yield each event it sends (None after `interval` s of quiet) and
    return its result. The job's exceptions are re-raised here. Ends when the job's thread ends,
    so it is bounded by the job itself (the LLM client has its own deadlines)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(job())
        except BaseException as exc:  # handed to the generator's thread
            outcome.append(exc)
        finally:
            events.queue.put(("end",))

    thread = threading.Thread(target=run, name="drafter-ui-job", daemon=True)
    thread.start()
    while True:
        try:
            event = events.queue.get(timeout=interval)
        except queue.Empty:
            event = None
        if event is not None and event[0] == "end":
            break
        yield event
    thread.join(timeout=5)
    result = outcome[0] if outcome else RuntimeError("任务意外中断，请重试。")
    if isinstance(result, BaseException):
        raise result
    return result


def stream_job(
    job: Callable[[], DraftResult],
    events: QueueEvents,
    live: LiveDraft,
    interval: float = 0.3,
) -> Iterator[LiveDraft | DraftResult]:
    """Run a drafting job; yield `live` as events arrive (at most every `interval` s), then the result."""
    source = _events_of(job, events, interval)
    last, dirty = 0.0, False
    while True:
        try:
            event = next(source)
        except StopIteration as done:
            yield done.value
            return
        if event is not None:
            live.apply(event)
            dirty = True
        # section boundaries show at once; streamed text at most every `interval` seconds
        urgent = event is not None and event[0] in ("created", "done")
        if dirty and (urgent or time.monotonic() - last >= interval):
            last, dirty = time.monotonic(), False
            yield live


def stream_section(
    job: Callable[[], Any], events: QueueEvents, position: int, interval: float = 0.3
) -> Iterator[str | tuple[Any]]:
    """Run a one-section job (a revision); yield the model's text for `position` as it streams
    (at most every `interval` s), then `(result,)`."""
    source = _events_of(job, events, interval)
    text, shown, last = "", "", 0.0
    while True:
        try:
            event = next(source)
        except StopIteration as done:
            yield (done.value,)
            return
        if event is not None and event[0] == "delta" and event[1] == position:
            text += event[2]
        elif event is not None and event[0] == "restart" and event[1] == position:
            text = ""
        if text != shown and time.monotonic() - last >= interval:
            last, shown = time.monotonic(), text
            yield text


# ---- uploads ------------------------------------------------------------------------------------


@dataclass
class UploadOutcome:
    rows: list[list[str]]  # [file name, result, detail]
    message: str
    added_chunks: int = 0
    report: IngestReport | None = None


# ---- the backend --------------------------------------------------------------------------------


class Backend:
    """Services shared by all sessions of one server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store = open_store(settings)  # the administrator's view: only via drafts(owner)
        self.notices: list[str] = []  # server-wide notices (embedder fallback, LLM config)
        self.llm = self._make_llm()
        self.ready = threading.Event()
        self.corpus_progress = "正在加载范文库……"
        self.corpus_error = ""
        self._index: CorpusIndex | None = None
        self._ingest_lock = threading.Lock()
        self._exports = Path(tempfile.mkdtemp(prefix="drafter-exports-"))
        self._started = False

    # -- start-up ------------------------------------------------------------------------------
    def _make_llm(self) -> LLMClient | None:
        try:
            return make_llm(self.settings)
        except LLMError as exc:
            self.notices.append(f"大模型配置有误：{exc.message} 已改用离线模式。")
            return None

    def start(self, background: bool = True) -> Backend:
        """Open the index and, on first use, ingest the bundled corpus (in a thread by default)."""
        if self._started:
            return self
        self._started = True
        if background:
            threading.Thread(target=self._prepare_corpus, name="drafter-corpus", daemon=True).start()
        else:
            self._prepare_corpus()
        return self

    def _prepare_corpus(self) -> None:
        try:
            index = open_index(self.settings, notify=lambda m: self.notices.append(mask_credentials(m)))

            def progress(stage: str, done: int, total: int) -> None:
                label = STAGE_LABELS.get(stage, stage)
                self.corpus_progress = f"首次使用：正在把自带范文入库（{label} {done}/{total}）……"

            ensure_corpus(self.settings, index, progress=progress)  # also re-embeds uploads
            index.load()
            self._index = index
        except Exception as exc:  # drafting still works, without example passages
            self.corpus_error = mask_credentials(f"范文库加载失败：{exc}。生成的草稿将不参考范文。")
        finally:
            self.ready.set()

    def wait_ready(self, timeout: float) -> bool:
        return self.ready.wait(timeout)

    # -- status ---------------------------------------------------------------------------------
    @property
    def llm_configured(self) -> bool:
        return self.llm is not None

    def llm_line(self) -> str:
        if self.llm is None and self.settings.llm_configured:
            return llm_status(self.settings.with_(llm_base_url="", llm_model=""))
        return llm_status(self.settings)

    def corpus_line(self) -> str:
        if not self.ready.is_set():
            return self.corpus_progress
        if self.corpus_error:
            return self.corpus_error
        stats = self.corpus_stats()
        return f"范文库：{stats['files']} 个文件，{stats['chunks']} 个段落可供参考。"

    def corpus_stats(self) -> dict[str, int]:
        index = self._index
        if index is None:
            return {"files": 0, "chunks": 0}
        chunks = index.chunks
        sources = {c.meta.get("source", "") for c in chunks}
        return {"files": len(sources), "chunks": len(chunks)}

    # -- drafting -------------------------------------------------------------------------------
    def retriever(self) -> Retriever | None:
        index = self._index
        return Retriever(index) if index is not None and not index.is_empty() else None

    def drafts(self, owner: str) -> DraftStore:
        """The draft store as `owner` sees it: only their drafts; new drafts become theirs."""
        return self._store.for_owner(owner)

    def drafter(self, owner: str, events: DraftEvents | None = None) -> Drafter:
        """A Drafter for one request of `owner` (its own events; shared LLM and index)."""
        return Drafter(
            self.retriever(),
            self.drafts(owner),
            llm=self.llm,
            concurrency=self.settings.llm_concurrency,
            events=events,
        )

    def get_draft(self, owner: str, draft_id: str) -> Draft | None:
        """`owner`'s draft with this id; None when there is none (or it is someone else's)."""
        if not draft_id or not DRAFT_ID.match(draft_id):
            return None
        try:
            return self.drafts(owner).get(draft_id)
        except DraftNotFound:
            return None

    def list_drafts(self, owner: str, ids: list[str] | None = None, limit: int = 200) -> list[DraftSummary]:
        """`owner`'s drafts, newest first; only those in `ids` when given (the browser's own)."""
        drafts = self.drafts(owner).list_drafts(limit=limit)
        if ids is None:
            return drafts
        wanted = set(ids)
        return [d for d in drafts if d.id in wanted]

    # -- search ---------------------------------------------------------------------------------
    def search(self, query: str, unit_type: str = "", topic: str = "", k: int = 8) -> list[SearchResult]:
        retriever = self.retriever()
        if retriever is None:
            return []
        filters = {"unit_type": unit_type, "topic": topic}
        return retriever.search(query.strip()[:300], k=k, filters=filters)

    # -- exports ---------------------------------------------------------------------------------
    def export(self, draft: Draft) -> tuple[Path, Path]:
        """Write .docx and .md of the draft into a fresh temporary folder; return both paths."""
        self._prune_exports()
        folder = self._exports / uuid.uuid4().hex
        folder.mkdir(parents=True)
        name = _safe_filename(draft.title) or f"草稿{draft.id}"
        docx = export_draft(draft, folder / f"{name}.docx")
        md = export_draft(draft, folder / f"{name}.md")
        return docx, md

    def _prune_exports(self) -> None:
        cutoff = time.time() - EXPORT_TTL_SECONDS
        for child in self._exports.iterdir():
            try:
                if child.stat().st_mtime < cutoff:
                    shutil.rmtree(child, ignore_errors=True)
            except OSError:
                continue

    # -- uploads ---------------------------------------------------------------------------------
    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    def ingest_uploads(self, files: list[Path], progress: Progress | None = None) -> UploadOutcome:
        """Check each uploaded file, keep the good ones under uploads/, ingest them.

        A file that is too large, of the wrong type, binary or unreadable is reported and never
        reaches the index.
        """
        limit = int(self.settings.max_upload_mb * 1024 * 1024)
        rows: list[list[str]] = []
        good: dict[Path, str] = {}  # stored path → shown name
        known: set[Path] = set()  # uploaded before, byte for byte
        for path in files:
            name = path.name
            reason = self._check_upload(path, limit)
            if reason:
                rows.append([name, "未导入", reason])
                continue
            data = path.read_bytes()
            target = self.uploads_dir / hashlib.sha256(data).hexdigest()[:16] / name
            if target.exists():
                known.add(target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            good[target] = name
        if not good:
            return UploadOutcome(rows, "没有可导入的文件，范文库未改变。")
        if not self.ready.wait(timeout=600) or self._index is None:
            for _target, name in good.items():
                rows.append([name, "未导入", "范文库尚未就绪，请稍后再试"])
            return UploadOutcome(rows, "范文库尚未就绪，请稍后再试。")
        with self._ingest_lock:  # one ingest at a time; searches keep using the old index
            old = self._index
            fresh = type(old)(self.settings, old.embedder, client=old.client)  # file or database catalogue
            before = len(old.chunks)
            report = ingest(list(good), self.settings, fresh, progress=progress)
            fresh.load()
            self._index = fresh
        skipped = {str(Path(s["path"])): s["reason"] for s in report.skipped}
        sources = list(fresh.column("source"))
        for target, name in good.items():
            if str(target) in skipped:
                rows.append([name, "未导入", skipped[str(target)]])
                shutil.rmtree(target.parent, ignore_errors=True)
                continue
            count = sources.count(name)
            if count and target in known:
                rows.append([name, "已在库中", f"之前已导入，{count} 个段落可供检索"])
            elif count:
                rows.append([name, "已导入", f"{count} 个段落可供检索"])
            else:
                rows.append([name, "未新增", "内容与范文库中已有的总结重复"])
        added = len(fresh.chunks) - before
        message = f"导入完成：新增 {max(added, 0)} 个段落，范文库现有 {len(fresh.chunks)} 个段落。"
        return UploadOutcome(rows, message, max(added, 0), report)

    def _check_upload(self, path: Path, limit: int) -> str:
        """The reason a file cannot be imported, or "" when it looks usable."""
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return f"不支持的文件类型 {path.suffix or '（无扩展名）'}，请上传 .docx、.txt 或 .md"
        try:
            size = path.stat().st_size
        except OSError:
            return "无法读取文件"
        if size > limit:
            return (
                f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {self.settings.max_upload_mb:.3g} MB），"
                "请拆分后再上传"
            )
        try:
            data = path.read_bytes()
            loaded = load_file(path, data, limit)
            if not parse_text(loaded.text, path.name):
                return "没有找到可用的总结正文"
        except LoadError as exc:
            return str(exc)
        except OSError:
            return "无法读取文件"
        return ""


def _safe_filename(title: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", title)[:80]
