"""The one exception type whose message is shown to users as is (Chinese, says what to do)."""


class UserError(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
