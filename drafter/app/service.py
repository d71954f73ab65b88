"""The application's operations, for every front end: the CLI and the web UI call only these.

Every draft operation takes the current user first: `owner` is the login name ("" for the
no-login user) and reaches only that owner's drafts (another owner's draft is `DraftNotFound`,
like a wrong id); None is the administrator (the CLI), who sees every draft and may hand one
to another owner. Errors are `DrafterError`s with a Chinese message; each front end translates
them in one place.

Collaborators come from `services.py` (built from Settings) or are passed in (tests, another
store): the draft store, the corpus index and its retriever, the chat model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drafter.config import Settings
from drafter.errors import UserError

if TYPE_CHECKING:
    from drafter.app.protocols import ChatModel, DraftStorage
    from drafter.app.uploads import UploadOutcome
    from drafter.compare import Comparison
    from drafter.draft import Draft, Section
    from drafter.drafting import Drafter, DraftEvents, DraftResult
    from drafter.extract import Candidate, ModelReport
    from drafter.facts import Facts
    from drafter.index import CorpusIndex
    from drafter.ingest import IngestReport
    from drafter.last_year import LastYear
    from drafter.materials import Material
    from drafter.outline import Outline
    from drafter.retrieve import Retriever, SearchResult
    from drafter.store import DraftSummary

# drafter.services (and through it drafting, the index, jieba) is imported where it is needed,
# so that `drafter list` or `drafter show` stays quick.
Owner = str | None  # None: the administrator (the CLI)
Notify = Callable[[str], None]
Progress = Callable[[str, int, int], None]
DRAFT_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_FROM_SETTINGS = object()  # the default `llm`: built from Settings on first use


class CorpusNotReady(UserError):
    """Search needs an ingested corpus made with the configured embedding model."""

    message = "语料库还是空的：请先运行 drafter ingest。"


@dataclass
class Extraction:
    """What `extract_facts` found: the candidates, the materials read, the files that could not
    be read (path, why), the model's tally, and whether a model was asked."""

    candidates: list[Candidate]
    materials: list[Material]
    failed: list[tuple[Path, str]]
    report: ModelReport
    used_model: bool


class DrafterService:
    """One per process: the CLI makes one per command, the UI one per server (shared by all
    sessions). Thread-safe: the UI's sessions call it at once."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: DraftStorage | None = None,
        index: CorpusIndex | None = None,
        llm: ChatModel | None | object = _FROM_SETTINGS,
        notify: Notify | None = None,
        prepare_on_demand: bool = True,
    ) -> None:
        """`prepare_on_demand`: the first operation that needs examples prepares the corpus
        (ingests the bundled one into an empty data dir) and waits for it; the UI prepares it
        in the background instead (`prepare_corpus`) and drafts without examples until then."""
        self.settings = settings
        self._store = store
        self.notify = notify
        self.prepare_on_demand = prepare_on_demand
        self._index = index
        self._prepared = False
        self._retriever: tuple[CorpusIndex, Retriever] | None = None
        self._llm = llm
        self._lock = threading.RLock()  # lazy collaborators
        self._ingest_lock = threading.Lock()  # one ingest at a time; searches use the old index

    # ---- collaborators ------------------------------------------------------------------------
    @property
    def store(self) -> DraftStorage:
        """The administrator's view of the draft store (opened on first use)."""
        with self._lock:
            if self._store is None:
                from drafter.services import open_store

                self._store = open_store(self.settings)
            return self._store

    @property
    def llm(self) -> ChatModel | None:
        """The chat model, None when none is configured; LLMError if its settings are malformed."""
        with self._lock:
            if self._llm is _FROM_SETTINGS:
                from drafter.services import make_llm

                self._llm = make_llm(self.settings)
            return self._llm  # type: ignore[return-value]

    def go_offline(self) -> None:
        """Draft without a model from now on (the UI, after a malformed configuration)."""
        with self._lock:
            self._llm = None

    def llm_status(self) -> str:
        """What to say about the model in use: model and host, never the key."""
        from drafter.services import llm_status

        if self._llm is None and self.settings.llm_configured:
            return llm_status(self.settings.with_(llm_base_url="", llm_model=""))
        return llm_status(self.settings)

    def index(self) -> CorpusIndex:
        """The corpus index (opened on first use, not prepared)."""
        with self._lock:
            if self._index is None:
                from drafter.index import open_index  # here: `drafter list` never loads Chroma

                self._index = open_index(self.settings, self.notify)
            return self._index

    def prepare_corpus(self, progress: Progress | None = None, announce: bool = True) -> IngestReport | None:
        """First use of a data dir: ingest the bundled corpus (or re-embed for a new model)."""
        from drafter.services import ensure_corpus

        index = self.index()
        report = ensure_corpus(self.settings, index, self.notify if announce else None, progress)
        index.load()
        self._prepared = True
        return report

    def retriever(self) -> Retriever | None:
        """Example passages for drafting; None while the corpus is not prepared or is empty."""
        if not self._prepared and self.prepare_on_demand:
            self.prepare_corpus()
        if not self._prepared:
            return None
        with self._lock:
            index = self.index()
            if self._retriever is None or self._retriever[0] is not index:
                from drafter.retrieve import Retriever

                self._retriever = (index, Retriever(index))
            retriever = self._retriever[1]
        return None if index.is_empty() else retriever

    def drafts(self, owner: Owner) -> DraftStorage:
        """The draft store as `owner` sees it (None: every draft)."""
        return self.store if owner is None else self.store.for_owner(owner)

    def drafter(self, owner: Owner, events: DraftEvents | None = None, offline: bool = False) -> Drafter:
        """A Drafter for one request of `owner`: its own events, the shared model and corpus."""
        from drafter.services import build_drafter

        llm = None if offline else self.llm
        return build_drafter(self.settings, self.retriever(), self.drafts(owner), llm, events)

    # ---- drafting ----------------------------------------------------------------------------
    def read_facts(self, path: str | Path) -> Facts:
        """Facts from a YAML or JSON file; UserError listing every problem."""
        from drafter.facts import FactsError, load_facts

        try:
            return load_facts(path)
        except FactsError as exc:
            raise UserError("事实文件有问题：\n" + "\n".join(f"  - {m}" for m in exc.messages)) from exc

    def outline(self, facts: Facts) -> Outline:
        """The planned title and sections for `facts` (the user may reshape it before drafting)."""
        from drafter.outline import plan_outline

        return plan_outline(facts, self.retriever())

    def draft(
        self, owner: Owner, facts: Facts, *, outline: Outline | None = None, offline: bool = False,
        events: DraftEvents | None = None,
    ) -> DraftResult:
        """A new draft of `owner`'s, stored before any section is written."""
        return self.drafter(owner, events, offline).draft(facts, offline=offline, outline=outline)

    def regenerate(
        self, owner: Owner, draft_id: str, *, offline: bool = False, replace_edited: bool = False,
        events: DraftEvents | None = None,
    ) -> DraftResult:
        """Every unlocked section written again (hand-edited ones only with `replace_edited`)."""
        drafter = self.drafter(owner, events, offline)
        return drafter.regenerate(draft_id, offline=offline, replace_edited=replace_edited)

    def revise(
        self, owner: Owner, draft_id: str, position: int, *, instruction: str = "", action: str = "",
        offline: bool = False, events: DraftEvents | None = None,
    ) -> Section:
        """One section rewritten by an instruction or a revise action (write.REVISE_ACTIONS)."""
        if not instruction.strip() and not action:
            from drafter.write import REVISE_ACTIONS

            choices = "、".join(f"{a.name}（{a.label}）" for a in REVISE_ACTIONS.values())
            raise UserError(f"请写明修改要求，或选择一种修改方式：{choices}。")
        drafter = self.drafter(owner, events, offline)
        return drafter.revise(draft_id, position, instruction=instruction, action=action, offline=offline)

    def edit(self, owner: Owner, draft_id: str, position: int, text: str, heading: str | None = None) -> Section:
        """The user's own text for a section (and its heading when given)."""
        if not text.strip():
            raise UserError("修改后的正文是空的：没有保存。")
        return self.drafter(owner, offline=True).edit(draft_id, position, text, heading)

    def undo(self, owner: Owner, draft_id: str, position: int) -> Section:
        """The section as it was before its last change (never before its first generated text)."""
        return self.drafts(owner).undo(draft_id, position)

    def set_locked(self, owner: Owner, draft_id: str, position: int, locked: bool) -> None:
        """A locked section is kept by regeneration and refuses revisions and edits."""
        self.drafts(owner).set_locked(draft_id, position, locked)

    def hand_edited(self, owner: Owner, draft_id: str) -> list[int]:
        """Positions of the sections whose current text the user wrote."""
        return self.drafts(owner).hand_edited_positions(draft_id)

    # ---- reading and exporting ----------------------------------------------------------------
    def get(self, owner: Owner, draft_id: str) -> Draft:
        """`owner`'s draft; DraftNotFound when there is none (or it is someone else's)."""
        return self.drafts(owner).get(draft_id)

    def find(self, owner: Owner, draft_id: str) -> Draft | None:
        """Like `get`, None instead of an error (ids from a URL or the browser's storage)."""
        from drafter.store import DraftNotFound

        if not draft_id or not DRAFT_ID.match(draft_id):
            return None
        try:
            return self.get(owner, draft_id)
        except DraftNotFound:
            return None

    def list_drafts(self, owner: Owner, limit: int = 50) -> list[DraftSummary]:
        """`owner`'s drafts (None: everyone's), most recently changed first."""
        return self.drafts(owner).list_drafts(limit=limit)

    def transfer(self, owner: Owner, draft_id: str, to: str) -> None:
        """Hand a draft to another owner ("" = the no-login user); the administrator only."""
        self.drafts(owner).set_owner(draft_id, to)

    def check_output(self, path: str | Path) -> None:
        """Refuse an output file that cannot be written, before any work is spent on it."""
        from drafter.export import check_output_path

        check_output_path(Path(path))

    def export(
        self, owner: Owner, draft_id: str, path: str | Path, *, comments: bool = False, check_table: bool = False
    ) -> Path:
        """The draft written to `path` (.docx .md .txt .json, chosen by its suffix), atomically;
        with `comments`, each figure carries a Word comment naming its fact; with `check_table`,
        the 数据核对表 is written next to it (export.table_path)."""
        from drafter.export import export_draft

        return export_draft(self.get(owner, draft_id), Path(path), comments=comments, check_table=check_table)

    # ---- the section list of a stored draft (section_ops.py) -------------------------------------
    def add_section(self, owner: Owner, draft_id: str, heading: str, position: int | None = None) -> Draft:
        return self.drafter(owner).add_section(draft_id, heading, position)

    def remove_section(self, owner: Owner, draft_id: str, position: int, force: bool = False) -> Section:
        return self.drafter(owner).remove_section(draft_id, position, force=force)

    def move_section(self, owner: Owner, draft_id: str, position: int, new_position: int) -> Draft:
        return self.drafter(owner).move_section(draft_id, position, new_position)

    def move_fact(
        self, owner: Owner, draft_id: str, fact: str, to_position: int, *, offline: bool = False,
        events: DraftEvents | None = None,
    ) -> DraftResult:
        return self.drafter(owner, events, offline).move_fact(draft_id, fact, to_position, offline=offline)

    def add_fact(self, owner: Owner, draft_id: str, position: int, sentence: str) -> Section:
        return self.drafter(owner).add_fact(draft_id, position, sentence)

    def add_figure_fact(self, owner: Owner, draft_id: str, position: int, figure: str) -> Section:
        return self.drafter(owner).add_figure_fact(draft_id, position, figure)

    def restore_section(self, owner: Owner, draft_id: str, which: int, position: int | None = None) -> tuple[Draft, int]:
        return self.drafter(owner).restore_section(draft_id, which, position)

    def removed_sections(self, owner: Owner, draft_id: str) -> list[Section]:
        return self.drafts(owner).removed_sections(draft_id)

    # ---- the year's materials and last year's summary (issue 12) ----------------------------------
    def extract_facts(self, paths: list[Path], *, offline: bool = False) -> Extraction:
        """Candidate facts from the year's materials. Every figure of a model's candidate is
        found in its source, or the candidate is dropped (extract.py)."""
        from drafter.extract import ModelReport, extract
        from drafter.materials import read_materials

        materials, failed = read_materials(paths)
        llm = None if offline or not materials else self.llm
        report = ModelReport()
        candidates = extract(materials, llm, report) if materials else []
        return Extraction(candidates, materials, failed, report, llm is not None)

    def read_last_year(self, path: str | Path) -> LastYear:
        """Last year's summary (.docx .txt .md or our .json): its plans, problems and figures."""
        from drafter.last_year import read_last_year
        from drafter.materials import MaterialError

        try:
            return read_last_year(Path(path))
        except MaterialError as exc:
            raise UserError(f"上年总结无法读取（{Path(path).name}）：{exc}") from exc

    def compare(self, facts: Facts, last_year: LastYear) -> Comparison:
        """Plan follow-up and year-on-year changes computed in code (compare.py)."""
        from drafter.compare import compare

        return compare(facts, last_year)

    # ---- the corpus ----------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: dict[str, str] | None = None) -> list[SearchResult]:
        """Example passages for a query; CorpusNotReady when there is nothing to search."""
        index = self.index()
        if index.is_empty():
            raise CorpusNotReady()
        if not index.embedder_matches():
            raise CorpusNotReady("索引是用另一个向量模型建立的：请运行 drafter ingest --rebuild。")
        from drafter.retrieve import Retriever

        return Retriever(index).search(query, k=k, filters=filters)

    def corpus_stats(self) -> dict[str, int]:
        """Files and passages in the prepared corpus (zeros before it is prepared)."""
        if not self._prepared or self._index is None:
            return {"files": 0, "chunks": 0}
        chunks = self._index.chunks
        return {"files": len({c.meta.get("source", "") for c in chunks}), "chunks": len(chunks)}

    def ingest(self, paths: list[Path], *, rebuild: bool = False, progress: Progress | None = None) -> IngestReport:
        """Files and folders into the corpus (incremental; `rebuild` starts over)."""
        from drafter.ingest import ingest

        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UserError(f"找不到路径：{'、'.join(missing)}")
        return ingest(paths, self.settings, self.index(), rebuild=rebuild, progress=progress, notify=self.notify)

    def ingest_uploads(
        self, files: list[Path], progress: Progress | None = None, wait: Callable[[], object] | None = None
    ) -> UploadOutcome:
        """Uploaded example files: checked, kept under uploads/, ingested into a fresh index that
        replaces the current one when done (searches meanwhile use the old one). `wait` is
        called once there is something to ingest (the UI waits there for its corpus)."""
        from drafter.app import uploads
        from drafter.ingest import ingest

        kept = uploads.keep_uploads(files, self.settings.data_dir / "uploads", self.settings.max_upload_mb)
        if not kept.kept:
            return uploads.UploadOutcome(kept.rows, "没有可导入的文件，范文库未改变。")
        if wait is not None:
            wait()
        if not self._prepared:
            rows = kept.rows + [[name, uploads.NOT_IMPORTED, "范文库尚未就绪，请稍后再试"] for name in kept.kept.values()]
            return uploads.UploadOutcome(rows, "范文库尚未就绪，请稍后再试。")
        with self._ingest_lock:
            old = self.index()
            fresh = type(old)(self.settings, old.embedder, client=old.client)  # file or database catalogue
            before = len(old.chunks)
            report = ingest(list(kept.kept), self.settings, fresh, progress=progress)
            fresh.load()
            with self._lock:
                self._index = fresh
        rows = uploads.describe(kept, report, list(fresh.column("source")))
        added = max(len(fresh.chunks) - before, 0)
        message = f"导入完成：新增 {added} 个段落，范文库现有 {len(fresh.chunks)} 个段落。"
        return uploads.UploadOutcome(rows, message, added, report)
