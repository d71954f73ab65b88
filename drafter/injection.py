"""The injection filter: a line of the user's input that talks to the model writing the draft
is not a fact; it is dropped and reported (drafter/facts.py).

A fact says what the unit did. A line that instead (1) addresses the model or an assistant,
(2) announces rules or overrides what came before, (3) carries a system or role tag, or (4) asks
for something to be written, printed, repeated or left out is an instruction. The cues are data
(drafter/genre/instructions.yaml); no single everyday word (AI, 系统, 覆盖, 输出 …) is a cue by
itself, because genuine facts use them all ("举办AI技能培训班", "覆盖职工1,200人").

Chinese cues are matched against the text with all whitespace removed (defeats "忽 略 之 前"),
English ones against the text with whitespace collapsed; both after NFKC (full-width letters,
colons and commas become ASCII) and lower-casing. Cues of the kinds in _OUTSIDE_QUOTES are not
looked for inside quotation marks, where campaign names live (“请进来、走出去”, “你点我办”).
"""

from __future__ import annotations

import re
import unicodedata

from drafter.genre import active

_OUTSIDE_QUOTES = frozenset({"address", "request"})
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_QUOTED = re.compile(r"“[^“”]*”|「[^「」]*」|『[^『』]*』|《[^《》]*》|\"[^\"]*\"|‘[^‘’]*’")
_WHOLLY_QUOTED = re.compile(r"^[“「『\"‘](.*)[”」』\"’]$", re.S)


def instruction_kinds(text: str) -> set[str]:
    """What makes `text` an instruction to a model rather than a fact: the kinds of cue found
    in it (address, rule, tag, request); empty for an ordinary line."""
    norm = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).lower().strip()
    norm = _WHOLLY_QUOTED.sub(r"\1", norm)  # a whole line in quotes is still read
    unquoted = _QUOTED.sub("“”", norm)
    sources = {
        (True, False): re.sub(r"\s+", "", norm), (True, True): re.sub(r"\s+", "", unquoted),
        (False, False): re.sub(r"\s+", " ", norm), (False, True): re.sub(r"\s+", " ", unquoted),
    }
    cues = active().instruction_cues
    return {kind for zh, kind, cue in cues if cue.search(sources[zh, kind in _OUTSIDE_QUOTES])}


def looks_like_instruction(text: str) -> bool:
    """True when the text reads as an instruction to a model (prompt injection), not a fact."""
    return bool(instruction_kinds(text))
