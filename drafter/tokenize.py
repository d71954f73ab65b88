"""Chinese tokenisation for BM25 and the offline embedder: jieba with a domain dictionary."""

from __future__ import annotations

import logging
import re
import threading

from drafter.genre import bundled

# Domain terms jieba would otherwise cut apart (职工之家 → 职工/之家). From the bundled genre, not an
# organisation's overlay: the index was built with these tokens.
DOMAIN_TERMS: tuple[str, ...] = tuple(
    sorted(
        {term for cues in bundled().topic_cues.values() for term in cues if len(term) >= 3}
        | {
            "职工之家", "送温暖", "厂务公开", "校务公开", "集体协商", "工资集体协商", "金秋助学",
            "劳动竞赛", "技能比武", "合理化建议", "职代会", "教代会", "困难职工", "农民工",
            "工人先锋号", "安康杯", "职工书屋", "女职工", "非公企业", "基层工会", "会员发展",
            "两个普遍", "建功立业", "劳动合同", "困难帮扶", "帮扶中心", "职工代表大会",
        }
    )
)
_STOP = set("的 了 和 与 及 在 是 为 对 把 将 以 等 中 也 都 并 有 我 我们 其 之 而 或 从 向 被 由 于 上 下 年 月 日".split())
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_lock = threading.Lock()
_ready = False


def _init() -> None:
    global _ready
    with _lock:
        if _ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        for term in DOMAIN_TERMS:
            jieba.add_word(term, freq=200000)
        _ready = True


def tokenize(text: str) -> list[str]:
    """Search-mode tokens (long words also yield their parts), stop words and punctuation out."""
    _init()
    import jieba

    return [
        t
        for t in (tok.strip().lower() for tok in jieba.lcut_for_search(text))
        if t and t not in _STOP and not _PUNCT.match(t)
    ]
