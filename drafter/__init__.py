"""drafter — 工会工作总结起草助手. The public API, for scripts and the UI."""

from drafter.config import Settings
from drafter.draft import Draft, Section, Signoff, Source, Warning

__all__ = ["Draft", "Section", "Settings", "Signoff", "Source", "Warning"]
__version__ = "0.1.0"
