"""drafter — 工会工作总结起草助手.

The public API, for scripts and the UI. Names are imported on first use so that
`import drafter` (and `drafter --help`) stays fast: no torch, chromadb or gradio until needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "Settings": "drafter.config",
    "Draft": "drafter.draft",
    "Section": "drafter.draft",
    "Signoff": "drafter.draft",
    "Source": "drafter.draft",
    "Warning": "drafter.draft",
    "Facts": "drafter.facts",
    "FactsError": "drafter.facts",
    "load_facts": "drafter.facts",
    "parse_facts": "drafter.facts",
    "facts_from_form": "drafter.facts",
    "ingest": "drafter.ingest",
    "IngestReport": "drafter.ingest",
    "CorpusIndex": "drafter.index",
    "open_index": "drafter.index",
    "Retriever": "drafter.retrieve",
    "SearchResult": "drafter.retrieve",
    "LLMClient": "drafter.llm",
    "LLMError": "drafter.llm",
    "Drafter": "drafter.drafting",
    "DraftEvents": "drafter.drafting",
    "DraftStore": "drafter.store",
    "export_draft": "drafter.export",
    "export_docx": "drafter.export",
    "export_markdown": "drafter.export",
    "make_drafter": "drafter.services",
    "DrafterService": "drafter.app.service",
    "DrafterError": "drafter.errors",
    "UserError": "drafter.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'drafter' has no attribute {name!r}")
    return getattr(import_module(module), name)
