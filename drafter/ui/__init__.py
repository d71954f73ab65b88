"""The web UI (Gradio). The only package of drafter that imports gradio."""

from drafter.ui.app import build_ui, serve

__all__ = ["build_ui", "serve"]
