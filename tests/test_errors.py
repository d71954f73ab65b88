"""One error hierarchy: every exception class in the drafter package is a DrafterError with its
own Chinese summary message and an exit code, so each front end can translate it in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import drafter
from drafter.errors import DrafterError, UserError

CJK = re.compile(r"[\u4e00-\u9fff]")


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined (not just imported) in a module of the package."""
    found: list[type[BaseException]] = []
    for info in pkgutil.walk_packages(drafter.__path__, "drafter."):
        if info.name.startswith(("drafter.prompt_files", "drafter.example_corpus")) or \
                info.name.endswith("__main__"):
            continue  # data packages; `python -m drafter` runs the CLI on import
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


CLASSES = exception_classes()


def test_the_walk_finds_the_known_families() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"UserError", "StoreError", "DraftNotFound", "LLMError", "LoadError", "PromptError",
            "FactsError", "RevisionNotAccepted", "ExportError"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_exception_is_a_drafter_error_with_chinese_message_and_exit_code(cls: type) -> None:
    assert issubclass(cls, DrafterError), f"{cls.__name__} must derive from drafter.errors.DrafterError"
    own = cls.__dict__.get("message")
    assert isinstance(own, str) and CJK.search(own), f"{cls.__name__} needs its own Chinese `message`"
    assert isinstance(cls.exit_code, int) and cls.exit_code > 0


def test_message_and_exit_code_of_instances() -> None:
    err = UserError("找不到文件：a.yaml")
    assert err.message == str(err) == "找不到文件：a.yaml" and err.exit_code == 2
    assert UserError().message == UserError.message
    assert DrafterError("x", exit_code=5).exit_code == 5
    from drafter.drafting import RevisionNotAccepted
    from drafter.store import DraftNotFound

    assert RevisionNotAccepted("没有通过核对").exit_code == 4
    missing = DraftNotFound("abc")
    assert isinstance(missing, LookupError) and "abc" in missing.message and missing.exit_code == 2
