"""The one error hierarchy: every error drafter raises is a `DrafterError`.

Each carries a Chinese `message` that says what went wrong and what to do, shown to the user as
is, and the `exit_code` the command line ends with. Each front end translates it in one place:
the CLI's `main` prints the message and exits with the code; the UI's `notice_of` turns it into
a visible notice. A subclass states its own class-level `message` (the summary used when it is
raised without one) and, when it differs, its `exit_code`; tests/test_errors.py checks that every
exception class in the package does.

Exit codes: 0 done; 1 an installation or internal problem; 2 bad input or state (the user can
fix it); 3 and 4 are the drafting outcomes (`GenerationReport.exit_code`, `RevisionNotAccepted`).
"""

from __future__ import annotations


class DrafterError(Exception):
    """Base of all drafter errors; `message` is short Chinese text for the user."""

    message: str = "操作没有完成，请检查输入后重试。"
    exit_code: int = 2

    def __init__(self, message: str | None = None, exit_code: int | None = None) -> None:
        self.message = type(self).message if message is None else message
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class UserError(DrafterError):
    """Bad input the user can correct (a missing file, an empty text, an unknown option)."""

    message = "输入有误，请检查后重试。"
