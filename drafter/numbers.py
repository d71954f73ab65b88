"""Arabic numbers in Chinese text, normalised so equal values compare equal: the unit of every
figure check (the guard, the gate, tracing, extraction, comparison)."""

from __future__ import annotations

import re

_NUM_RE = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?(?:\s*[%‰])?")
_NUM_TRANS = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


def number_tokens(text: str) -> list[str]:
    """The Arabic numbers in `text`, in order, normalised so equal values compare equal.

    The guard uses this on facts and on drafts to check every figure in a draft comes from
    the facts. Rules: full-width digits count; ASCII thousands separators are dropped
    ("1,200" → "1200"); a unit word after a number is not part of it ("3.5万" → "3.5");
    a percent/per-mille sign stays ("95%", "95％" → "95%"); leading zeros and trailing
    decimal zeros are dropped ("05" → "5", "3.50" → "3.5", "2.0" → "2"). Chinese numerals
    (三, 十二) are not Arabic numbers and are not returned.
    """
    return [token for token, _, _ in number_spans(text)]


def number_spans(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) of each Arabic number in `text`; see number_tokens."""
    out: list[tuple[str, int, int]] = []
    # translate maps one character to one character, so the match offsets are `text`'s own
    for m in _NUM_RE.finditer(text.translate(_NUM_TRANS)):
        raw = re.sub(r"\s+", "", m.group()).replace(",", "")
        sign = raw[-1] if raw[-1] in "%‰" else ""
        num = raw.rstrip("%‰")
        whole, _, frac = num.partition(".")
        whole = whole.lstrip("0") or "0"
        frac = frac.rstrip("0")
        out.append((whole + ("." + frac if frac else "") + sign, m.start(), m.end()))
    return out
