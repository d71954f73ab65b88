"""Asking the model for one section's text, through the acceptance gate.

Used by drafting, regeneration and every revision alike: one request, one repair request when
all that is wrong can be repaired (a figure not in the facts, a missing item, a copied run),
and a verdict. The caller keeps its faithful text when the attempt is not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drafter.draft import Section
from drafter.gate import UNCHANGED, Expectation, judge, unchanged
from drafter.guard import CopyIndex
from drafter.kinds import kind_of
from drafter.write import Messages, repair_messages

if TYPE_CHECKING:
    from drafter.llm import LLMClient, Reply


@dataclass
class Attempt:
    """What came of asking the model: accepted text, or the reason it was not used."""

    text: str = ""  # the accepted text; "" when not accepted
    reason: str = ""  # Chinese: why the model's answer was not used
    codes: list[str] = field(default_factory=list)  # gate codes, or "llm_error:<kind>"
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def accepted(self) -> bool:
        return bool(self.text)

    @property
    def failed_call(self) -> str:
        """The LLMError kind when the request itself failed (no answer to judge), else ""."""
        return next((c.split(":", 1)[1] for c in self.codes if c.startswith("llm_error:")), "")


class ModelText:
    def __init__(self, llm: LLMClient, copies: Callable[[], CopyIndex | None]) -> None:
        self.llm = llm
        self.copies = copies

    def ask(
        self,
        messages: Messages,
        expect: Expectation,
        *,
        max_tokens: int,
        deadline: float | None,
        previous: str = "",
        on_delta: Callable[[str], None] | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Attempt:
        """One answer judged by the gate; one repair request if what is wrong can be repaired.

        LLM failures come back as an attempt that was not accepted (never raised), so a
        section always ends with text and an honest origin.
        """
        from drafter.llm import LLMError  # only once a model is in use

        attempt = Attempt()
        try:
            reply = self.llm.complete(
                messages, max_tokens=max_tokens, deadline=deadline, on_delta=on_delta, on_restart=on_restart
            )
        except LLMError as exc:
            return Attempt(reason=exc.message.rstrip("。"), codes=[f"llm_error:{exc.kind}"])
        self._count(attempt, reply)
        verdict = judge(reply.text, expect, finish_reason=reply.finish_reason, copies=self.copies(), previous=previous)
        if verdict.repairable:
            section = Section(heading=expect.heading, text=verdict.text, role=expect.role, facts=list(expect.items))
            request = repair_messages(expect.facts, section, verdict.repair_request(), expect.facts.title)
            try:
                fixed = self.llm.complete(request, max_tokens=max_tokens, deadline=deadline)
            except LLMError:
                fixed = None  # the first verdict's reasons stand
            if fixed is not None:
                self._count(attempt, fixed)
                second = judge(
                    fixed.text, expect, finish_reason=fixed.finish_reason, copies=self.copies(), previous=previous
                )
                if second.accepted:
                    verdict = second
        if verdict.accepted:  # the kind's finishing touches (the opening's hand-over), once for all
            attempt.text = kind_of(expect.role).finish(verdict.text, expect.facts)
            if previous and unchanged(previous, attempt.text):
                # the touches made it the text the model was given: it is not the model's work
                attempt.text = ""
                attempt.reason, attempt.codes = UNCHANGED.reason, [UNCHANGED.code]
        else:
            attempt.reason, attempt.codes = verdict.reason, verdict.codes
        return attempt

    @staticmethod
    def _count(attempt: Attempt, reply: Reply) -> None:
        attempt.prompt_tokens += reply.prompt_tokens or 0  # None: the server did not say
        attempt.completion_tokens += reply.completion_tokens or 0
