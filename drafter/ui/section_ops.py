"""One operation on one section of a stored draft, as the card buttons and the API ask for it.

No gradio here. Every operation acts for one owner and reaches drafts only through the
backend's view for that owner: another user's id is "not found", like a wrong id.
"""

from __future__ import annotations

from drafter.draft import Draft, section_name
from drafter.drafting import DraftEvents
from drafter.errors import UserError
from drafter.ui.backend import Backend
from drafter.write import REVISE_ACTIONS

# The card's revision buttons: a rewrite with the user's instruction, then the declared actions.
ACTION_LABELS = {"rewrite": "重写", **{name: a.label for name, a in REVISE_ACTIONS.items()}}


def act(backend: Backend, owner: str, draft_id: str, position: int, op: str, heading: str | None = None,
        text: str | None = None, instruction: str = "", events: DraftEvents | None = None) -> tuple[Draft, str]:
    """One section operation; returns the updated draft and the message to show.

    Raises UserError/StoreError with the Chinese message for the user (a revision the
    gate refused is a RevisionNotAccepted: nothing was stored).
    """
    draft = backend.get_draft(owner, draft_id)
    if draft is None:
        raise UserError(f"找不到草稿 {draft_id}，请重新生成或在“我的草稿”中打开。")
    if not 0 <= position < len(draft.sections):
        raise UserError(f"没有第 {position + 1} 节，请刷新页面后再试。")
    section = draft.sections[position]
    name = section_name(section.heading)
    drafter = backend.drafter(owner, events or DraftEvents())
    store = drafter.store
    edited = (
        text is not None
        and (text.strip() != section.text.strip()
             or (heading is not None and heading.strip() != section.heading))
    )
    if op == "save":
        if not edited:
            return draft, f"{name}没有改动。"
        drafter.edit(draft_id, position, text or "", heading if section.heading else None)
        message = f"已保存{name}的修改。"
    elif op in ACTION_LABELS:
        if edited and not section.locked:  # act on what the user sees
            drafter.edit(draft_id, position, text or "", heading if section.heading else None)
        if op == "rewrite":
            if not instruction.strip():
                raise UserError("请先在“重写要求”中写明怎么改，如“突出服务职工的成效”。")
            revised = drafter.revise(draft_id, position, instruction=instruction)
        else:
            revised = drafter.revise(draft_id, position, action=op)
        how = "" if revised.origin != "fallback" else f"（大模型的输出未采用：{revised.origin_reason}，已改用离线方式）"
        message = f"已{ACTION_LABELS[op]}{name}{how}，不满意可点“撤销”恢复。"
    elif op in ("lock", "unlock", "toggle_lock"):
        locked = (not section.locked) if op == "toggle_lock" else op == "lock"
        if locked and edited:
            drafter.edit(draft_id, position, text or "", heading if section.heading else None)
        store.set_locked(draft_id, position, locked)
        message = f"已锁定{name}：重新生成时不会改动它。" if locked else f"已解锁{name}，可以修改了。"
    elif op == "undo":
        store.undo(draft_id, position)
        message = f"已撤销{name}的上一次修改。"
    else:
        raise UserError(f"不支持的操作：{op}")
    fresh = backend.get_draft(owner, draft_id)
    assert fresh is not None
    return fresh, message
