"""Hybrid search over the bundled corpus: the right sections for typical queries, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.config import BUNDLED_CORPUS
from drafter.embed import HashingEmbedder
from drafter.index import CorpusIndex
from drafter.ingest import ingest
from drafter.retrieve import Retriever, SearchResult
from tests.support.corpus_fixtures import offline_settings, write_corpus


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    settings = offline_settings(tmp_path_factory.mktemp("search"))
    ingest([BUNDLED_CORPUS], settings, CorpusIndex(settings, HashingEmbedder()))
    # A fresh index object, as a new process would open it.
    return Retriever(CorpusIndex(settings, HashingEmbedder()))


QUERIES = [
    ("春节 走访慰问 困难职工", "topic", "帮扶"),
    ("劳动竞赛 技能比武", "topic", "劳动竞赛"),
    ("厂务公开 职代会", "topic", "民主管理"),
    ("存在的问题", "role", "problems"),
    ("下一步工作打算", "role", "plans"),
    ("工会组建 新建基层工会", "topic", "组织建设"),
]


def assert_sourced(result: SearchResult) -> None:
    assert (BUNDLED_CORPUS / result.source).is_file()
    assert result.article and result.text and result.score > 0
    if result.role not in ("opening", "closing") and result.heading:
        assert result.heading.split(" / ")[0]


@pytest.mark.parametrize(("query", "key", "value"), QUERIES)
def test_top_five_match_the_query(retriever: Retriever, query: str, key: str, value: str) -> None:
    results = retriever.search(query, k=5)
    assert len(results) == 5
    matching = [r for r in results if getattr(r, key) == value]
    summary = [(getattr(r, key), r.heading[:30]) for r in results]
    assert getattr(results[0], key) == value, summary
    assert len(matching) >= 3, summary
    for r in results:
        assert_sourced(r)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert len({r.text[:80] for r in results}) == 5  # no passage twice


def test_results_carry_headings_that_name_the_topic(retriever: Retriever) -> None:
    results = retriever.search("厂务公开 职代会", k=5)
    assert any("厂务公开" in r.heading or "职代会" in r.heading or "民主管理" in r.heading for r in results)
    problems = retriever.search("存在的问题", k=5)
    assert any("问题" in r.heading or "不足" in r.heading for r in problems)


@pytest.mark.parametrize(
    "filters",
    [
        {"topic": "帮扶"},
        {"role": "plans"},
        {"unit_type": "企业"},
        {"period": "上半年"},
        {"unit_type": "乡镇/街道", "topic": "组织建设"},
    ],
)
def test_filters_are_honoured(retriever: Retriever, filters: dict[str, str]) -> None:
    results = retriever.search("工会 职工 工作", k=8, filters=filters)
    assert results
    for r in results:
        for key, value in filters.items():
            assert getattr(r, key) == value


def test_filter_without_matches_returns_nothing(retriever: Retriever) -> None:
    assert retriever.search("职工", filters={"topic": "没有这个主题"}) == []


def test_dense_and_bm25_modes_each_work(retriever: Retriever) -> None:
    for mode in ("dense", "bm25"):
        results = retriever.search("困难职工 送温暖", k=5, mode=mode)
        assert results and sum(r.topic == "帮扶" for r in results) >= 3, mode


def test_prefer_lifts_without_filtering(retriever: Retriever) -> None:
    plain = retriever.search("工会组织建设", k=10)
    preferred = retriever.search("工会组织建设", k=10, prefer={"unit_type": "乡镇/街道"})
    share = lambda rs: sum(r.unit_type == "乡镇/街道" for r in rs)  # noqa: E731
    assert share(preferred) > share(plain)
    assert share(preferred) < len(preferred)  # others still there: a preference, not a filter


def test_empty_query_and_unknown_words(retriever: Retriever) -> None:
    assert retriever.search("   ") == []
    results = retriever.search("量子色动力学", k=3)  # no BM25 term matches; dense still answers
    assert len(results) <= 3


def test_search_on_empty_index_returns_nothing(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path)
    assert Retriever(CorpusIndex(settings, HashingEmbedder())).search("帮扶") == []


def test_small_corpus_finds_the_right_file(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", ("township.txt", "enterprise.txt", "school.txt", "street.txt"))
    settings = offline_settings(tmp_path / "data")
    ingest([tmp_path / "corpus"], settings, CorpusIndex(settings, HashingEmbedder()))
    r = Retriever(CorpusIndex(settings, HashingEmbedder()))
    cases = {
        "工资集体协商 欠薪": ("street.txt", "一、推进集体协商，维护职工权益"),
        "安康杯 隐患排查": ("enterprise.txt", "二、加强劳动保护，筑牢安全防线"),
        "教代会 绩效工资": ("school.txt", "一、落实教代会制度，推进校务公开"),
        "金秋助学 互助保险": ("township.txt", "二、抓帮扶，营造温暖之家"),
    }
    for query, (source, heading) in cases.items():
        top = r.search(query, k=1)[0]
        assert (top.source, top.heading) == (source, heading), query
