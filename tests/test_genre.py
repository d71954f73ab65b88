"""The genre as data: the bundled files load and agree, a broken file is refused with a Chinese
message naming the file and the key, and an organisation's own file (DRAFTER_GENRE_FILE) adds a
topic that an offline draft then uses, end to end through the CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from drafter import genre as genre_module
from drafter.compose import compose_opening
from drafter.facts import load_facts, parse_facts
from drafter.genre import BUNDLED_DIR, GENERAL_TOPIC, GenreError, load_genre
from drafter.kinds import KINDS, check_genre
from drafter.outline import plan_outline, retitle
from drafter.prompts import parts
from tests.support.corpus_fixtures import cli_env, run_cli

DATA = Path(__file__).parent / "data" / "facts"
VOLUNTEER_FACT = "组织职工志愿者开展志愿服务活动12次，服务群众800人次"
CUSTOM = {
    "topics": {
        "志愿服务": {
            "cues": ["志愿服务", "志愿者"],
            "headline": {"parallel": "抓志愿，弘扬职工志愿服务精神", "plain": "职工志愿服务工作"},
            "second_headline": {"parallel": "抓服务，擦亮志愿服务品牌", "plain": "志愿服务品牌建设"},
        },
        "帮扶": {"headline": {"parallel": "抓帮扶，把关爱送到职工身边"}},
    },
    "phrases": {
        "topics": {
            "志愿服务": {
                "open": ["职工志愿服务是工会服务社会的重要方式。", "志愿服务是弘扬劳模精神的有效载体。"],
                "method": [
                    "我们坚持把志愿服务与服务职工结合起来。",
                    "注重培育职工志愿服务队伍，壮大志愿者力量。",
                    "坚持常态化开展志愿服务，推动活动经常化。",
                    "注重发挥劳模工匠在志愿服务中的示范作用。",
                    "加强志愿服务的组织协调，形成工作合力。",
                    "注重宣传志愿服务中的好人好事。",
                ],
                "effect": ["职工的社会责任感进一步增强。", "工会组织的社会影响力不断扩大。"],
            }
        }
    },
}


def _default_order() -> list[str]:
    order = list(load_genre().topic_order["default"])
    order.insert(order.index("职工文化") + 1, "志愿服务")
    return order


def write_custom(path: Path, data: dict | None = None) -> Path:
    content = dict(CUSTOM if data is None else data)
    if data is None:
        content["topic_order"] = {"default": _default_order()}
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def broken_copy(tmp_path: Path, name: str, edit) -> Path:
    folder = tmp_path / "genre"
    shutil.copytree(BUNDLED_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    edit(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


# ---- the bundled genre ------------------------------------------------------------------------------
def test_bundled_genre_is_complete_and_agrees_with_the_section_kinds() -> None:
    genre = load_genre()
    check_genre(genre)  # every kind finds its phrases
    assert GENERAL_TOPIC in genre.topics and len(genre.topics) == 12
    for topic in genre.topics.values():
        assert set(topic.headline) == set(genre.headline_styles) == set(topic.second_headline)
        assert topic.phrases.open and topic.phrases.method and topic.phrases.effect
        assert topic.name in genre.topic_order["default"]
    for period in genre.periods.values():
        assert period.aliases and period.title and period.signoff and period.plans_headline and period.phrase
    tasks = parts()["tasks"]
    assert all(role in tasks for role in KINDS)  # every kind has its task line


# ---- broken files: a Chinese message naming the file and the key ---------------------------------------
def test_a_topic_without_a_phrase_bank_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path, "phrases.yaml", lambda d: d["phrases"]["topics"].pop("帮扶"))
    with pytest.raises(GenreError) as caught:
        load_genre(folder)
    message = caught.value.message
    assert str(folder / "genre.yaml") in message  # the topic is declared there
    assert "topics.帮扶：缺少措辞库（phrases.topics.帮扶）" in message


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        ("genre.yaml", lambda d: d["topics"]["维权"]["headline"].pop("plain"), "topics.维权.headline.plain：缺少文字"),
        ("genre.yaml", lambda d: d["periods"]["上半年"].pop("plans_headline"), "periods.上半年.plans_headline：缺少文字"),
        ("genre.yaml", lambda d: d["topic_order"]["default"].remove("女职工"), "topics.女职工：在 topic_order.default 中没有位置"),
        ("genre.yaml", lambda d: d["topic_order"]["企业"].append("不存在"), "topic_order.企业：没有这个主题：不存在"),
        ("phrases.yaml", lambda d: d["phrases"]["topics"]["帮扶"].update(method=[]), "phrases.topics.帮扶.method：不能为空"),
        ("phrases.yaml", lambda d: d["phrases"]["topics"].update(外星={"open": ["甲。"]}), "phrases.topics.外星：没有这个主题"),
        ("instructions.yaml", lambda d: d["instruction_filter"]["chinese"].append({"kind": "rule", "pattern": "(忽略"}),
         "正则表达式有误"),
        ("instructions.yaml", lambda d: d["instruction_filter"]["chinese"].append({"kind": "rule", "pattern": "{NOPE}"}),
         "未定义的片段 NOPE"),
    ],
)
def test_broken_files_are_refused_with_the_key(tmp_path: Path, name: str, edit, expected: str) -> None:
    folder = broken_copy(tmp_path, name, edit)
    with pytest.raises(GenreError) as caught:
        load_genre(folder)
    assert expected in caught.value.message and str(folder / name) in caught.value.message


def test_a_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("topics:\n  帮扶: [未闭合\n", encoding="utf-8")
    with pytest.raises(GenreError, match=r"mine\.yaml 不是有效的 YAML：第\d+行附近"):
        load_genre(overlay=bad)


def test_an_overlay_topic_without_phrases_or_order_is_refused(tmp_path: Path) -> None:
    data = {"topics": {"志愿服务": CUSTOM["topics"]["志愿服务"]}}
    custom = write_custom(tmp_path / "org.yaml", data)
    with pytest.raises(GenreError) as caught:
        load_genre(overlay=custom)
    message = caught.value.message
    assert str(custom) in message
    assert "topics.志愿服务：缺少措辞库" in message and "topics.志愿服务：在 topic_order.default 中没有位置" in message
    with pytest.raises(GenreError, match="不认识的键 题材"):
        load_genre(overlay=write_custom(tmp_path / "typo.yaml", {"题材": {}}))


# ---- an organisation's own genre file ------------------------------------------------------------------
def test_overlay_adds_a_topic_and_changes_one_headline_only(tmp_path: Path) -> None:
    genre = load_genre(overlay=write_custom(tmp_path / "org.yaml"))
    assert genre.headline("志愿服务") == "抓志愿，弘扬职工志愿服务精神"
    assert genre.headline("帮扶") == "抓帮扶，把关爱送到职工身边"
    assert genre.headline("帮扶", "plain") == load_genre().headline("帮扶", "plain")  # merged, not replaced
    assert genre.topics["帮扶"].cues == load_genre().topics["帮扶"].cues


def test_the_setting_is_read_once_and_used_by_planning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = load_facts(DATA / "township.yaml")
    facts.facts.append(VOLUNTEER_FACT)
    before = plan_outline(facts)
    assert "抓志愿，弘扬职工志愿服务精神" not in [s.heading for s in before.sections]
    monkeypatch.setenv("DRAFTER_GENRE_FILE", str(write_custom(tmp_path / "org.yaml")))
    first = genre_module.active()
    assert genre_module.active() is first  # loaded once for these settings
    after = plan_outline(facts)
    volunteer = next(s for s in after.sections if s.topic == "志愿服务")
    assert volunteer.heading == "抓志愿，弘扬职工志愿服务精神" and VOLUNTEER_FACT in volunteer.facts


def test_a_custom_topic_reaches_the_offline_draft_through_the_cli(tmp_path: Path) -> None:
    facts_file = tmp_path / "facts.yaml"
    facts = yaml.safe_load((DATA / "township.yaml").read_text(encoding="utf-8"))
    facts["facts"].append(VOLUNTEER_FACT)
    facts_file.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "draft.md"
    env = cli_env(tmp_path / "data", DRAFTER_GENRE_FILE=str(write_custom(tmp_path / "org.yaml")))
    result = run_cli(["draft", str(facts_file), "--offline", "-o", str(out)], env)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^#* *[一二三四五六七八九十]+、(.+)$", text)
    assert "抓志愿，弘扬职工志愿服务精神" in headings and "抓帮扶，把关爱送到职工身边" in headings
    section = text.split("抓志愿，弘扬职工志愿服务精神", 1)[1]
    section = re.split(r"(?m)^#* *[一二三四五六七八九十]+、", section, maxsplit=1)[0]
    assert VOLUNTEER_FACT in section  # the fact sits under its own topic's headline
    assert any(p in section for p in CUSTOM["phrases"]["topics"]["志愿服务"]["open"])  # framed by its phrases


def test_a_broken_custom_file_stops_the_cli_with_a_chinese_message(tmp_path: Path) -> None:
    custom = write_custom(tmp_path / "org.yaml", {"topics": {"志愿服务": {"cues": ["志愿"]}}})
    out = tmp_path / "draft.md"
    env = cli_env(tmp_path / "data", DRAFTER_GENRE_FILE=str(custom))
    result = run_cli(["draft", str(DATA / "township.yaml"), "--offline", "-o", str(out)], env)
    assert result.returncode != 0 and not out.exists()
    said = result.stdout + result.stderr
    assert "体裁文件" in said and str(custom) in said and "topics.志愿服务.headline" in said
    assert "Traceback" not in said


# ---- headline styles ------------------------------------------------------------------------------------
def test_plain_headlines_and_retitling_back_and_forth() -> None:
    facts = load_facts(DATA / "township.yaml")
    parallel = plan_outline(facts)
    plain = plan_outline(facts, headline_style="plain")
    genre = load_genre()
    bodies = [s for s in plain.sections if s.role == "body"]
    assert all("，" not in s.heading for s in bodies)
    assert bodies[0].heading == genre.headline(bodies[0].topic, "plain")
    # the non-body headings do not depend on the style
    assert [s.heading for s in plain.sections if s.role != "body"] == [
        s.heading for s in parallel.sections if s.role != "body"
    ]
    opening = compose_opening(facts, bodies, 300)  # the opening names the work by its plain headlines
    assert f"我们围绕{bodies[0].heading}、{bodies[1].heading}" in opening
    assert retitle(plain, "parallel") == parallel
    assert retitle(parallel, "plain") == plain
    renamed = retitle(parallel, "parallel")
    renamed.sections[1].heading = "我们自己起的标题"
    assert retitle(renamed, "plain").sections[1].heading == "我们自己起的标题"  # the user's own stays
    assert parallel.sections[1].heading != "我们自己起的标题"  # retitle copies, never edits in place


def test_headline_style_from_the_facts_in_chinese_or_english() -> None:
    base = {"unit_name": "甲镇总工会", "unit_type": "乡镇", "year": 2025, "facts": ["走访慰问困难职工46户"]}
    assert parse_facts({**base, "标题样式": "主题式"}).headline_style == "plain"
    assert parse_facts({**base, "headline_style": "parallel"}).headline_style == "parallel"
    facts = parse_facts({**base, "标题样式": "主题式"})
    assert plan_outline(facts).sections[1].heading == load_genre().headline("帮扶", "plain")
    with pytest.raises(Exception, match="标题样式“花样式”无法识别"):
        parse_facts({**base, "标题样式": "花样式"})
    labels = load_genre().headline_styles
    assert labels["parallel"].startswith("并列式") and labels["plain"].startswith("主题式")
