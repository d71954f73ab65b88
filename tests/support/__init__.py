"""Test helpers shared by the test suite and the benchmarks (real local services, no mocks)."""

from tests.support.fake_llm import FakeLLM, RecordedRequest, default_responder

__all__ = ["FakeLLM", "RecordedRequest", "default_responder"]
