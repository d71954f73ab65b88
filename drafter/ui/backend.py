"""What the web UI does, without gradio: the shared service, streamed drafting, status, exports.

One `Backend` per server process holds the `DrafterService` every session shares (draft store,
LLM client, corpus index). Nothing here keeps per-user state: a session's draft lives in the
store and its id in the browser (URL and browser storage).

Every draft operation names the owner it acts for (the login name, "" without login) and goes
through the service for that owner, so another user's draft is never reachable. Errors reach
the page through `notice_of`, the one translation of a `DrafterError` into a notice.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafter.app.service import DrafterService
from drafter.app.uploads import UploadOutcome
from drafter.config import Settings, mask_credentials
from drafter.draft import Draft, section_name
from drafter.drafting import Drafter, DraftEvents
from drafter.errors import DrafterError, UserError
from drafter.facts import Facts
from drafter.llm_errors import LLMError
from drafter.retrieve import Retriever, SearchResult
from drafter.store import DraftSummary
from drafter.ui.streaming import LiveDraft, LiveSection, QueueEvents, stream_job, stream_section
from drafter.write import REVISE_ACTIONS

__all__ = [  # the UI's names, including those that live in drafter.ui.streaming
    "ACTION_LABELS", "SAMPLE_FORM", "Backend", "LiveDraft", "LiveSection", "QueueEvents", "UploadOutcome",
    "form_from_facts", "notice_of", "parse_auth", "stream_job", "stream_section",
]

Progress = Callable[[str, int, int], None]
STAGE_LABELS = {"read": "读取文件", "embed": "生成向量"}
EXPORT_TTL_SECONDS = 6 * 3600
UNEXPECTED = "操作失败，原文未改动，请稍后重试。"
# The card buttons that change a section's text: "rewrite" (with the user's instruction) and the
# revise actions declared in prompts/parts.yaml (write.REVISE_ACTIONS).
ACTION_LABELS = {"rewrite": "重写", **{name: a.label for name, a in REVISE_ACTIONS.items()}}

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
        "closing": facts.closing,
        "headline_style": facts.headline_style,
        "plans_done": "\n".join(facts.plans_done),
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


def notice_of(exc: BaseException) -> str:
    """The one translation of an error into what the page shows: a DrafterError's Chinese
    message (credentials masked); anything else a plain sentence (it is logged by the caller)."""
    if isinstance(exc, DrafterError):
        return mask_credentials(exc.message)
    return UNEXPECTED


class Backend:
    """Services shared by all sessions of one server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.notices: list[str] = []  # server-wide notices (embedder fallback, LLM config)
        self.service = DrafterService(
            settings, notify=lambda m: self.notices.append(mask_credentials(m)), prepare_on_demand=False
        )
        self.llm = self._make_llm()
        self.ready = threading.Event()
        self.corpus_progress = "正在加载范文库……"
        self.corpus_error = ""
        self._exports = Path(tempfile.mkdtemp(prefix="drafter-exports-"))
        self._started = False

    # -- start-up ------------------------------------------------------------------------------
    def _make_llm(self) -> Any:
        try:
            return self.service.llm
        except LLMError as exc:
            self.notices.append(f"大模型配置有误：{exc.message} 已改用离线模式。")
            self.service.go_offline()
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
        def progress(stage: str, done: int, total: int) -> None:
            label = STAGE_LABELS.get(stage, stage)
            self.corpus_progress = f"首次使用：正在把自带范文入库（{label} {done}/{total}）……"

        try:
            self.service.prepare_corpus(progress, announce=False)  # also re-embeds uploads
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
        return self.service.llm_status()

    def corpus_line(self) -> str:
        if not self.ready.is_set():
            return self.corpus_progress
        if self.corpus_error:
            return self.corpus_error
        stats = self.corpus_stats()
        return f"范文库：{stats['files']} 个文件，{stats['chunks']} 个段落可供参考。"

    def corpus_stats(self) -> dict[str, int]:
        return self.service.corpus_stats()

    # -- drafting -------------------------------------------------------------------------------
    def retriever(self) -> Retriever | None:
        return self.service.retriever()  # type: ignore[return-value]

    def drafter(self, owner: str, events: DraftEvents | None = None) -> Drafter:
        """A Drafter for one request of `owner` (its own events; shared LLM and index)."""
        return self.service.drafter(owner, events)

    def get_draft(self, owner: str, draft_id: str) -> Draft | None:
        """`owner`'s draft with this id; None when there is none (or it is someone else's)."""
        return self.service.find(owner, draft_id)

    def list_drafts(self, owner: str, ids: list[str] | None = None, limit: int = 200) -> list[DraftSummary]:
        """`owner`'s drafts, newest first; only those in `ids` when given (the browser's own)."""
        drafts = self.service.list_drafts(owner, limit=limit)
        if ids is None:
            return drafts
        wanted = set(ids)
        return [d for d in drafts if d.id in wanted]

    def hand_edited(self, owner: str, draft_id: str) -> list[int]:
        """Positions of `owner`'s sections whose current text the user wrote."""
        return self.service.hand_edited(owner, draft_id)

    def section_action(
        self, owner: str, draft_id: str, position: int, op: str, heading: str | None = None,
        text: str | None = None, instruction: str = "", events: DraftEvents | None = None,
    ) -> tuple[Draft, str]:
        """A card button: save, a revise action (or "rewrite" with `instruction`), lock, unlock,
        toggle_lock or undo, acting on what the user sees (`heading`/`text` as shown: unsaved
        changes are saved first). Returns the updated draft and the message to show; raises a
        DrafterError with the Chinese message otherwise (a refused revision stored nothing)."""
        draft = self.get_draft(owner, draft_id)
        if draft is None:
            raise UserError(f"找不到草稿 {draft_id}，请重新生成或在“我的草稿”中打开。")
        if not 0 <= position < len(draft.sections):
            raise UserError(f"没有第 {position + 1} 节，请刷新页面后再试。")
        section = draft.sections[position]
        name = section_name(section.heading, section.role)
        edited = text is not None and (
            text.strip() != section.text.strip() or (heading is not None and heading.strip() != section.heading)
        )

        def save_shown() -> None:
            self.service.edit(owner, draft_id, position, text or "", heading if section.heading else None)

        if op == "save":
            if not edited:
                return draft, f"{name}没有改动。"
            save_shown()
            message = f"已保存{name}的修改。"
        elif op in ACTION_LABELS:
            if edited and not section.locked:  # act on what the user sees
                save_shown()
            if op == "rewrite" and not instruction.strip():
                raise UserError("请先在“重写要求”中写明怎么改，如“突出服务职工的成效”。")
            revised = self.service.revise(
                owner, draft_id, position, instruction=instruction if op == "rewrite" else "",
                action="" if op == "rewrite" else op, events=events,
            )
            how = "" if revised.origin != "fallback" else f"（大模型的输出未采用：{revised.origin_reason}，已改用离线方式）"
            message = f"已{ACTION_LABELS[op]}{name}{how}，不满意可点“撤销”恢复。"
        elif op in ("lock", "unlock", "toggle_lock"):
            locked = (not section.locked) if op == "toggle_lock" else op == "lock"
            if locked and edited:
                save_shown()
            self.service.set_locked(owner, draft_id, position, locked)
            message = f"已锁定{name}：重新生成时不会改动它。" if locked else f"已解锁{name}，可以修改了。"
        elif op == "undo":
            self.service.undo(owner, draft_id, position)
            message = f"已撤销{name}的上一次修改。"
        else:
            raise UserError(f"不支持的操作：{op}")
        fresh = self.get_draft(owner, draft_id)
        assert fresh is not None
        return fresh, message

    # -- search ---------------------------------------------------------------------------------
    def search(self, query: str, unit_type: str = "", topic: str = "", k: int = 8) -> list[SearchResult]:
        if self.service.retriever() is None:
            return []
        filters = {"unit_type": unit_type, "topic": topic}
        return self.service.search(query.strip()[:300], k=k, filters=filters)

    # -- exports ---------------------------------------------------------------------------------
    def export(self, draft: Draft) -> tuple[Path, Path]:
        """Write .docx and .md of the draft into a fresh temporary folder; return both paths."""
        self._prune_exports()
        folder = self._exports / uuid.uuid4().hex
        folder.mkdir(parents=True)
        name = _safe_filename(draft.title) or f"草稿{draft.id}"
        docx = self.service.export(draft.owner, draft.id, folder / f"{name}.docx")
        md = self.service.export(draft.owner, draft.id, folder / f"{name}.md")
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
        """Check each uploaded file, keep the good ones under uploads/, ingest them (after the
        corpus is ready). A file that is too large, of the wrong type, binary or unreadable is
        reported and never reaches the index."""
        return self.service.ingest_uploads(files, progress, wait=lambda: self.ready.wait(timeout=600))


def _safe_filename(title: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", title)[:80]
