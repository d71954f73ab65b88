"""Smoke test of the benchmarks: the generator, and a tiny `--quick` run producing its outputs.

Not a timed test: it checks the benchmark machinery works and writes the keys the report
promises, plus the one start-up property that must hold on any machine (lazy heavy imports).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import synth
from benchmarks.run import main as bench_main
from drafter.config import Settings
from drafter.embed import HashingEmbedder
from drafter.index import CorpusIndex
from drafter.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_corpus_is_varied_and_survives_dedupe(tmp_path: Path) -> None:
    stats = synth.generate(tmp_path / "corpus", 300, seed=3)
    files = sorted((tmp_path / "corpus").rglob("*.txt"))
    assert stats.files == len(files) >= 5
    assert stats.est_chunks >= 300
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert len(set(texts)) == len(texts)
    # Same seed, same corpus; another seed, another one.
    again = synth.generate(tmp_path / "again", 300, seed=3)
    assert again.files == stats.files
    assert (tmp_path / "again" / files[0].relative_to(tmp_path / "corpus")).read_text(encoding="utf-8") == texts[0]

    settings = Settings(data_dir=tmp_path / "data", embed_model="offline")
    report = ingest([tmp_path / "corpus"], settings, CorpusIndex(settings, HashingEmbedder()))
    assert report.duplicates == 0  # every article carries its own unit name and figures
    assert report.articles == stats.files
    assert 0.8 * stats.est_chunks <= report.chunks <= 1.2 * stats.est_chunks
    index = CorpusIndex(settings, HashingEmbedder())
    unit_types = {c.meta["unit_type"] for c in index.chunks}
    assert len(unit_types) >= 3  # filters have something to select


def test_vary_line_keeps_list_numbers_and_changes_sentences() -> None:
    rng = random.Random(1)
    line = "3、组织制度。全年新建工会12家，发展会员860人，开展培训活动多次。"
    varied = synth.vary_line(line, "青山镇", rng)
    assert varied.startswith("3、")
    assert "青山镇" in varied
    assert "12家" not in varied or "860人" not in varied  # figures get new values


def test_quick_run_writes_json_table_and_plot(tmp_path: Path) -> None:
    out = tmp_path / "results"
    rc = bench_main(
        [
            "--quick",
            "--sizes", "150",
            "--queries", "5",
            "--skip", "minilm,parallel,coldstart,cli,memory,scaleout",
            "--out", str(out),
        ]
    )
    assert rc == 0
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert {"meta", "synthetic", "ingest", "search", "drafting", "targets"} <= set(data)
    row = data["ingest"][-1]
    for key in ("chunks", "seconds", "chunks_per_s", "reingest_seconds", "reingest_ratio"):
        assert key in row
    assert row["chunks"] > 0 and row["reingest_added"] == 0
    search = data["search"][0]
    for mode in ("hybrid", "hybrid_filtered", "bm25", "bm25_filtered", "dense", "dense_filtered", "chroma_where_and"):
        assert {"p50_ms", "p95_ms", "n"} <= set(search["modes"][mode])
        assert search["modes"][mode]["n"] == 5
    assert data["drafting"]["offline_bundled"]["sections"] == 6
    names = [t["name"] for t in data["targets"]]
    assert any(n.startswith("search p95") for n in names)
    assert any(n.startswith("re-ingest") for n in names)
    assert any(n.startswith("drafting overhead") for n in names)
    table = (out / "latest.md").read_text(encoding="utf-8")
    assert "| target | goal | measured | met | note |" in table
    assert "hybrid_filtered" in table
    assert (out / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = (
        "import sys, drafter.cli\n"
        "heavy = ('torch', 'sentence_transformers', 'gradio', 'chromadb')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""


# ---- the fast paths the search benchmark relies on ----------------------------------------------


def _assert_vectors_match_chroma(index: CorpusIndex) -> None:
    vectors = index.vectors
    assert vectors is not None and len(vectors) == len(index.chunks)
    ids = [c.id for c in index.chunks]
    stored = index.collection().get(ids=ids, include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    for row, chunk_id in enumerate(ids):
        assert np.allclose(vectors[row], by_id[chunk_id], atol=1e-6)


def test_kept_vectors_stay_aligned_through_incremental_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    synth.generate(corpus, 150, seed=5)
    settings = Settings(data_dir=tmp_path / "data", embed_model="offline")
    ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder()))
    _assert_vectors_match_chroma(CorpusIndex(settings, HashingEmbedder()))

    # add files and drop one: new vectors come from this run, old ones from the kept file
    synth.generate(tmp_path / "more", 60, seed=6)
    for n, path in enumerate(sorted((tmp_path / "more").rglob("*.txt"))):
        path.rename(corpus / "000" / f"extra_{n}.txt")
    sorted(corpus.rglob("synth_*.txt"))[0].unlink()
    report = ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder()))
    assert report.added > 0 and report.removed > 0
    _assert_vectors_match_chroma(CorpusIndex(settings, HashingEmbedder()))

    # an index written before vectors were kept: they are read back from Chroma
    shutil.rmtree(settings.bm25_dir)
    assert ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder())).added == 0
    _assert_vectors_match_chroma(CorpusIndex(settings, HashingEmbedder()))


def test_filtered_search_matches_chroma_where_and_respects_filters(tmp_path: Path) -> None:
    from drafter.retrieve import Retriever

    corpus = tmp_path / "corpus"
    synth.generate(corpus, 400, seed=9)
    settings = Settings(data_dir=tmp_path / "data", embed_model="offline")
    ingest([corpus], settings, CorpusIndex(settings, HashingEmbedder()))
    index = CorpusIndex(settings, HashingEmbedder())
    retriever = Retriever(index)
    rng = random.Random(2)
    checked = 0
    for query in ("困难职工帮扶 送温暖", "劳动竞赛 技能比武", "非公企业建会 发展会员", "工会经费 经审"):
        meta = index.chunks[rng.randrange(len(index.chunks))].meta
        flt = {"unit_type": meta["unit_type"], "topic": meta["topic"]}
        allowed = {c.id for c in index.chunks if all(c.meta[k] == v for k, v in flt.items())}
        for mode in ("dense", "bm25", "hybrid"):
            hits = retriever.search(query, k=5, filters=flt, mode=mode)
            assert {h.id for h in hits} <= allowed
            if mode == "bm25":
                assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        dense = [h.id for h in retriever.search(query, k=5, filters=flt, mode="dense")]
        where = index.collection().query(
            query_embeddings=[index.embedder.embed_query(query).tolist()],
            n_results=min(5, len(allowed)),
            where={"$and": [{"unit_type": flt["unit_type"]}, {"topic": flt["topic"]}]},
            include=[],
        )["ids"][0]
        assert len(set(dense) & set(where)) >= len(where) - 1  # HNSW is approximate, we are exact
        checked += 1
    assert checked == 4
    assert retriever.search("困难职工", filters={"unit_type": "没有这种单位"}) == []
