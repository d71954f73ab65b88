"""Traceable figures (issue 11): each figure of a section's text → the fact it came from;
a figure the user typed is a neutral 新数字, and can be added to the facts; `show --json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drafter.draft import WARNING_LABELS
from drafter.drafting import Drafter
from drafter.errors import UserError
from drafter.facts import load_facts
from drafter.numbers import number_tokens
from drafter.store import DraftStore
from drafter.trace import Figure, figures_of, sentence_at
from tests.support.corpus_fixtures import cli_env, run_cli, shared_corpus

DATA = Path(__file__).parent / "data" / "facts"
TOWNSHIP = DATA / "township.yaml"


def pairs(figures: list[Figure]) -> list[tuple[str, str]]:
    return [(f.text, f.fact) for f in figures]


def test_percent_and_its_span() -> None:
    text = "全年组织职工体检，参检率达95%，职工满意。"
    (fig,) = figures_of(text, ["职工体检参检率95%"])
    assert (fig.text, fig.fact) == ("95%", "职工体检参检率95%")
    assert text[fig.start : fig.end] == "95%"


def test_wan_belongs_to_the_figure() -> None:
    (fig,) = figures_of("发放慰问金9.2万元。", ["走访困难职工46户，发放慰问金9.2万元"])
    assert (fig.text, fig.fact) == ("9.2万", "走访困难职工46户，发放慰问金9.2万元")


def test_thousands_separator_matches_either_way() -> None:
    assert pairs(figures_of("覆盖职工1200人。", ["签订合同5份，覆盖职工1,200人"])) == [("1200", "签订合同5份，覆盖职工1,200人")]
    assert pairs(figures_of("新增图书2,600册。", ["新增图书2600册"])) == [("2,600", "新增图书2600册")]


def test_a_figure_in_two_facts_goes_to_the_one_its_sentence_is_about() -> None:
    facts = ["举办职工技能比武3场，参赛职工210人", "开展送温暖活动3场，慰问职工80人"]
    text = "开展送温暖活动3场。举办技能比武3场。"
    assert pairs(figures_of(text, facts)) == [("3", facts[1]), ("3", facts[0])]


def test_own_facts_come_first_then_all_facts() -> None:
    own, other = ["慰问职工46户"], ["新建工会12家", "慰问职工46户，另有46名志愿者"]
    assert pairs(figures_of("慰问职工46户。新建工会12家。", own, other)) == [("46", own[0]), ("12", other[0])]


def test_dates_and_unknown_figures() -> None:
    figs = figures_of("2025年3月8日，组织女职工活动，参加88人。", ["组织女职工活动，参加60人"])
    assert pairs(figs) == [("88", "")]  # the date is not a figure; 88 is in no fact


def test_sentence_at() -> None:
    text = "第一句有12人。第二句有34人；第三句。"
    assert sentence_at(text, text.index("34")) == "第二句有34人；"
    assert sentence_at(text, 0) == "第一句有12人。"


# ---- a figure the user typed ----------------------------------------------------------------


@pytest.fixture
def drafter(tmp_path: Path) -> Drafter:
    return Drafter(None, DraftStore(tmp_path / "d.sqlite3"))


def test_typed_figure_is_new_not_invented_and_can_become_a_fact(drafter: Drafter) -> None:
    facts = load_facts(TOWNSHIP)
    draft = drafter.draft(facts, offline=True).draft
    pos = 1
    old = draft.sections[pos].text
    edited = drafter.edit(draft.id, pos, old + "\n另组织会员座谈会2场，参加职工88人。")
    kinds = {w.text: w.kind for w in edited.warnings if w.kind in ("new_number", "invented_number")}
    assert kinds == {"2": "new_number", "88": "new_number"}
    assert WARNING_LABELS["new_number"] == "新数字（不在事实中）"
    # a later hand edit elsewhere keeps them the user's
    again = drafter.edit(draft.id, pos, edited.text.replace("另组织", "还组织"))
    assert {w.text for w in again.warnings if w.kind == "new_number"} == {"2", "88"}
    assert not [w for w in again.warnings if w.kind == "invented_number"]

    with pytest.raises(UserError, match="没有数字“77”"):
        drafter.add_figure_fact(draft.id, pos, "77")
    section = drafter.add_figure_fact(draft.id, pos, "88")
    sentence = "还组织会员座谈会2场，参加职工88人"  # as a fact is written: no closing 。
    assert section.facts[-1] == sentence
    stored = drafter.store.get(draft.id)
    assert stored.facts["facts"][-1] == sentence and stored.sections[pos].facts[-1] == sentence
    assert not [w for w in stored.sections[pos].warnings if w.kind in ("new_number", "invented_number")]
    assert [f.fact for f in figures_of(stored.sections[pos].text, stored.sections[pos].facts) if f.text == "88"] == [sentence]


def test_model_or_composer_figures_stay_invented(drafter: Drafter) -> None:
    """Only a hand edit makes a figure the user's: the guard still says 编造数字 otherwise."""
    from drafter.facts import Facts
    from drafter.guard import check_section

    facts = Facts(unit_name="测试工会", unit_type="企业", year=2025, facts=["参加职工60人"])
    assert [w.kind for w in check_section("参加职工99人。", facts, facts.facts, [])] == ["invented_number", "missing_fact"]


# ---- show --json ----------------------------------------------------------------------------


def test_show_json_lists_facts_and_figures(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shared_corpus(tmp_path_factory), data_dir, ignore=shutil.ignore_patterns("drafts.sqlite3*"))
    env = cli_env(data_dir)
    r = run_cli(["draft", str(TOWNSHIP), "--offline", "--json"], env)
    assert r.returncode == 0, r.stderr
    did = json.loads(r.stdout)["id"]
    r = run_cli(["show", did, "--json"], env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"id", "title", "mode", "sections", "signoff", "facts", "owner"} <= set(data)  # existing keys kept
    facts = load_facts(TOWNSHIP)
    placed = [f for s in data["sections"] for f in s["facts"]]
    assert sorted(placed) == sorted([*facts.facts, *facts.problems, *facts.plans])
    every = [*facts.facts, *facts.problems, *facts.plans]
    n = 0
    for s in data["sections"]:
        assert {"heading", "text", "role", "facts", "figures", "warnings", "origin"} <= set(s)
        for fig in s["figures"]:
            assert set(fig) == {"text", "fact"} and fig["text"] in s["text"]
            assert fig["fact"] in s["facts"], fig  # offline: every figure from the section's own facts
            assert number_tokens(fig["text"])[0] in number_tokens(fig["fact"])
            n += 1
    assert n >= sum(len(number_tokens(f)) for f in every if f in facts.facts)
