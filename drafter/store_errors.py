"""The draft store's errors: each a DrafterError with its Chinese message (store.py re-exports them)."""

from __future__ import annotations

from drafter.draft import section_name
from drafter.errors import DrafterError, UserError


class StoreError(DrafterError):
    """Base of the store's errors; the message is short Chinese text for the user."""

    message = "草稿库操作失败，请刷新后再试。"


class DraftNotFound(StoreError, LookupError):
    message = "找不到这份草稿。"

    def __init__(self, draft_id: str) -> None:
        self.draft_id = draft_id
        super().__init__(f"找不到草稿 {draft_id}")


class SectionNotFound(StoreError, LookupError):
    message = "草稿中没有这一节，请刷新后再试。"

    def __init__(self, draft_id: str, position: int) -> None:
        self.draft_id, self.position = draft_id, position
        super().__init__(f"草稿 {draft_id} 没有第{position + 1}节，请刷新后再试。")


class SectionLocked(StoreError, UserError):  # the user can unlock it
    message = "这一节已锁定，请先解锁再修改。"

    def __init__(self, position: int, heading: str, role: str = "opening") -> None:
        self.position = position
        super().__init__(f"{section_name(heading, role)}已锁定，请先解锁再修改。")


class NothingToUndo(StoreError):
    message = "这一节没有可以撤销的修改。"

    def __init__(self, position: int, heading: str) -> None:
        self.position = position
        super().__init__(f"{section_name(heading)}没有可以撤销的修改。")


class DatabaseUnavailable(StoreError, UserError):
    """The database server cannot be reached (down, restarting, network): what was committed
    before is kept; the same operation works again once it is back. A UserError too, so the
    CLI and the UI show its message wherever they show one (exit code 3)."""

    message = "草稿库暂时连不上，已保存的内容不会丢失，请稍后再试。"

    def __init__(self) -> None:
        UserError.__init__(
            self,
            "暂时连不上草稿数据库，刚才这一步没有保存（此前已完成的内容都已保存）。"
            "请稍后再试；如果一直如此，请联系管理员检查数据库服务。",
            exit_code=3,
        )


class NewerSchema(StoreError):
    message = "草稿库是更新版本的程序建立的，请升级 drafter 后再使用。"

    def __init__(self, version: int) -> None:
        super().__init__(
            f"草稿库（格式版本 {version}）是更新版本的程序建立的，请升级 drafter 后再使用。"
        )


class AdminOnly(StoreError):
    message = "只有管理员（命令行）可以转交草稿。"

    def __init__(self) -> None:
        super().__init__("只有管理员（命令行）可以转交草稿。")
