"""The outline as a file a cadre can edit: `drafter outline` writes it, `drafter draft --outline`
reads it back.

The file is YAML with Chinese keys and comments that say what may be changed. Facts are
written exactly as in the facts file and must come back exactly so (spaces aside): the file
moves facts between sections, it never changes them. Every problem is reported at once, each
naming its line; a fact of the facts file that no section carries is an error too, so no fact
is ever dropped without the user seeing it.
"""

from __future__ import annotations

import errno
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from drafter.draft import section_name
from drafter.errors import UserError
from drafter.facts import Facts
from drafter.kinds import KINDS, kind_of
from drafter.outline import Outline, PlannedSection, plan_outline, topic_of_fact

# Roles as the file names them; the order is the usual order of a summary.
ROLE_NAMES = {role: kind.short for role, kind in KINDS.items()}  # 类型 as the file writes it
_ROLE_BY_NAME = {name: role for role, name in ROLE_NAMES.items()}
KEYS = {"heading": "小标题", "role": "类型", "topic": "主题", "length": "篇幅", "facts": "事实"}
TOP_KEYS = {"title": "标题", "sections": "章节"}
_KEY_BY_NAME = {name: key for key, name in KEYS.items()}
MAX_FILE_BYTES = 200_000
MIN_LENGTH, MAX_LENGTH = 0, 5000

HEADER = """\
# 总结提纲：可以直接修改，再用下面的命令成稿：
#   drafter draft 事实文件 --outline 本文件
#
# 可以这样改：
#   - 改小标题：改“小标题：”后面的文字（不用写“一、”，编号会自动加上）。
#   - 调整顺序：把一节整段（从“- 小标题”这一行到下一节之前）剪切，粘贴到新位置。
#   - 增加一节：复制一节，改小标题，再把事实移进去（每一节正文至少要有一条事实）。
#   - 删除一节：先把它的事实移到别的节，再把这一节整段删掉。
#   - 合并两节：把一节的事实全部移到另一节，再删掉空出来的那一节。
#   - 移动事实：把“事实：”下面的一行（以“- ”开头）剪切到另一节的“事实：”下面。
#   - 篇幅：这一节大约写多少字。
# 请不要改：事实的文字（要与事实文件中的一字不差；要改事实，请改事实文件）；
#   “类型：”只能是 开头、正文、问题、打算、结尾。
# 事实文件中的每一条都要放进某一节，而且只放一次。
"""


class OutlineError(UserError):
    """A bad outline file; `messages` holds one Chinese sentence per problem, each with its line."""

    message = "提纲文件有误，请按提示修改。"

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("提纲文件有问题：\n" + "\n".join(f"  - {m}" for m in self.messages))


# --------------------------------------------------------------------------- writing


def _scalar(text: str) -> str:
    """`text` as a YAML value: plain when it reads back the same, else double-quoted."""
    if text and not re.search(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|[:#]\s|\s$|[:]$", text):
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def outline_text(outline: Outline) -> str:
    """The outline as the commented YAML file `drafter outline` writes."""
    lines = [HEADER, f"{TOP_KEYS['title']}: {_scalar(outline.title)}", f"{TOP_KEYS['sections']}:"]
    for s in outline.sections:
        lines.append("")
        kind = kind_of(s.role)
        heading = _scalar(s.heading) + (f"  # {kind.label}没有小标题" if not kind.carries_items and not s.heading else "")
        lines.append(f"  - {KEYS['heading']}: {heading}")
        lines.append(f"    {KEYS['role']}: {ROLE_NAMES.get(s.role, s.role)}")
        if s.topic:
            lines.append(f"    {KEYS['topic']}: {_scalar(s.topic)}")
        lines.append(f"    {KEYS['length']}: {s.target_chars}")
        if s.facts:
            lines.append(f"    {KEYS['facts']}:")
            lines += [f"      - {_scalar(f)}" for f in s.facts]
        elif s.role in ("problems", "plans"):
            lines.append(f"    {KEYS['facts']}: []  # 没有填写：稿中留出【待补充】，可在事实文件中补充")
        elif kind.carries_items:  # the opening and the closing carry no facts
            lines.append(f"    {KEYS['facts']}: []")
    return "\n".join(lines) + "\n"


def write_outline(outline: Outline, path: str | Path) -> Path:
    """Write the outline file atomically (an unwritable path is an ExportError in Chinese)."""
    from drafter.export.files import atomic_write, write_error

    path = Path(path)
    if path.is_dir():
        raise write_error(path, errno.EISDIR)
    if not path.absolute().parent.is_dir():
        raise write_error(path, errno.ENOENT)
    atomic_write(path, outline_text(outline).encode("utf-8"))
    return path


# --------------------------------------------------------------------------- reading


@dataclass
class _Item:
    value: object
    line: int  # 1-based


@dataclass
class _RawSection:
    line: int
    fields: dict[str, _Item] = field(default_factory=dict)
    facts: list[_Item] = field(default_factory=list)


def _value(node: yaml.Node) -> object:
    """The Python value of a composed node, built as yaml.safe_load would build it."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def parse_outline(text: str, facts: Facts, plan: Outline | None = None) -> Outline:
    """The outline in `text`, checked against `facts`; raise OutlineError naming each bad line.

    `plan` (default: the planned outline of `facts`) gives the placeholders of an empty
    problems/plans section and the length of a section the file gives none for.
    """
    plan = plan or plan_outline(facts)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行附近" if mark is not None else ""
        raise OutlineError([f"{where}格式有误，请检查缩进、冒号和“- ”。"]) from None
    errors: list[str] = []
    title, raw = _read_root(root, errors)
    if not raw:
        raise OutlineError(errors)
    sections = [_section(r, facts, plan, errors) for r in raw]
    _check_facts(raw, facts, errors)
    if errors:
        raise OutlineError(sorted(errors, key=_line_of))
    return Outline(title or plan.title, sections)


def _line_of(message: str) -> int:
    """Messages in the order of their lines; those about the whole file last."""
    m = re.match(r"第 (\d+) 行", message)
    return int(m.group(1)) if m else 1 << 30


def _read_root(root: yaml.Node | None, errors: list[str]) -> tuple[str, list[_RawSection]]:
    if not isinstance(root, yaml.MappingNode):
        errors.append("提纲文件应以“标题：”和“章节：”开头（请用 drafter outline 重新生成一份）。")
        return "", []
    title, sections_node = "", None
    for key, node in root.value:
        name = str(_value(key))
        if name == TOP_KEYS["title"]:
            value = _value(node)
            if not isinstance(value, str) or not value.strip():
                errors.append(f"第 {_line(node)} 行：标题应是一行文字。")
            else:
                title = value.strip()
        elif name == TOP_KEYS["sections"]:
            sections_node = node
        else:
            errors.append(f"第 {_line(key)} 行：无法识别“{name}”，这一层只能有 标题、章节。")
    if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
        where = f"第 {_line(sections_node)} 行：" if sections_node is not None else ""
        errors.append(f"{where}“章节：”下面应是一节一节的列表（每节以“- 小标题：”开头）。")
        return title, []
    raw: list[_RawSection] = []
    for node in sections_node.value:
        if not isinstance(node, yaml.MappingNode):
            errors.append(f"第 {_line(node)} 行：每一节应写成“- 小标题：…”，下面是类型、事实。")
            continue
        section = _RawSection(_line(node))
        for key, value in node.value:
            name = str(_value(key))
            field_name = _KEY_BY_NAME.get(name)
            if field_name is None:
                errors.append(f"第 {_line(key)} 行：无法识别“{name}”，每一节只能有 {'、'.join(KEYS.values())}。")
            elif field_name == "facts":
                _read_facts(value, section, errors)
            else:
                section.fields[field_name] = _Item(_value(value), _line(value))
        raw.append(section)
    return title, raw


def _read_facts(node: yaml.Node, section: _RawSection, errors: list[str]) -> None:
    if isinstance(node, yaml.ScalarNode) and _value(node) is None:
        return  # "事实：" with nothing under it
    if not isinstance(node, yaml.SequenceNode):
        errors.append(f"第 {_line(node)} 行：“事实：”下面应是一条一行、以“- ”开头的列表。")
        return
    for item in node.value:
        value = _value(item)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors.append(f"第 {_line(item)} 行：每条事实应是一句话。")
            continue
        section.facts.append(_Item(str(value), _line(item)))


def _section(raw: _RawSection, facts: Facts, plan: Outline, errors: list[str]) -> PlannedSection:
    f = raw.fields
    heading_item = f.get("heading", _Item("", raw.line))
    heading = "" if heading_item.value is None else str(heading_item.value).strip()
    heading = re.sub(r"^[一二三四五六七八九十]+[、.．]\s*", "", heading)  # numbered on output
    role_item = f.get("role")
    if role_item is None:
        role = "body"
    else:
        role = _ROLE_BY_NAME.get(str(role_item.value).strip(), "")
        if not role:
            names = "、".join(ROLE_NAMES.values())
            errors.append(f"第 {role_item.line} 行：类型“{role_item.value}”无法识别，只能是 {names}。")
            role = "body"
    items = [_fact_text(i, facts) for i in raw.facts]
    errors += _shape_problems(role, heading, f"第 {raw.line} 行", f"第 {heading_item.line} 行",
                              f"第 {raw.facts[0].line} 行" if raw.facts else "")  # fmt: skip
    topic_item = f.get("topic")
    topic = str(topic_item.value).strip() if topic_item and topic_item.value else ""
    if role == "body" and not topic and items:
        topic = topic_of_fact(items[0], facts, None)
    planned = {p.role: p for p in plan.sections}
    length = _length(f.get("length"), errors)
    if length is None:
        length = planned[role].target_chars if role in planned and role != "body" else 300
    placeholder = planned[role].placeholder if role in planned and not items else ""
    return PlannedSection(heading, role, topic, items, length, placeholder)


def _length(item: _Item | None, errors: list[str]) -> int | None:
    if item is None or item.value is None:
        return None
    if isinstance(item.value, bool) or not isinstance(item.value, int) or not MIN_LENGTH < item.value <= MAX_LENGTH:
        errors.append(f"第 {item.line} 行：篇幅应是 1 到 {MAX_LENGTH} 之间的整数（字数）。")
        return None
    return item.value


def _all_items(facts: Facts) -> list[str]:
    return [*facts.facts, *facts.problems, *facts.plans]


def _fact_text(item: _Item, facts: Facts) -> str:
    """The fact as the facts file has it (the file's copy may differ in spaces only)."""
    wanted = _squash(str(item.value))
    return next((f for f in _all_items(facts) if _squash(f) == wanted), str(item.value))


def _check_facts(raw: list[_RawSection], facts: Facts, errors: list[str]) -> None:
    errors += _placement_problems([(str(i.value), f"第 {i.line} 行") for r in raw for i in r.facts], facts)


# The rules an outline keeps, for the file (places are lines) and for an outline built in the UI
# (places are sections): one place each.


def _shape_problems(role: str, heading: str, where: str, heading_where: str, first_fact_where: str) -> list[str]:
    """A section without a headline (only the opening and the closing may: they carry no facts),
    an opening or closing with facts, a body section without."""
    out = []
    kind = kind_of(role)
    if kind.carries_items and not heading:
        out.append(f"{heading_where}：这一节没有小标题，请填写（只有开头段和结束语可以不写）。")
    if not kind.carries_items and first_fact_where:
        out.append(f"{first_fact_where}：{kind.label}不放事实，请把事实移到正文的某一节。")
    if role == "body" and not first_fact_where:
        out.append(f"{where}：这一节没有事实；请移入至少一条事实，或删掉这一节。")
    return out


def _placement_problems(items: list[tuple[str, str]], facts: Facts) -> list[str]:
    """(fact text, where) of every placed item: only facts of the facts file, each placed once,
    and every one of them placed (so no fact is dropped without the user seeing it)."""
    known = {_squash(f): f for f in _all_items(facts)}
    seen: dict[str, str] = {}
    out: list[str] = []
    for text, where in items:
        key, shown = _squash(text), text[:40]
        if key not in known:
            out.append(f"{where}：事实文件中没有这条事实：“{shown}”。事实的文字请不要在提纲中修改（要改请改事实文件）。")
        elif key in seen:
            out.append(f"{where}：这条事实在{seen[key]}已经出现过：“{shown}”，每条只能放一次。")
        else:
            seen[key] = where
    for key, fact in known.items():
        if key not in seen:
            out.append(f"事实文件中的这条事实没有放进任何一节：“{fact[:40]}”，请把它加到某一节的“事实：”下面。")
    return out


def outline_problems(outline: Outline, facts: Facts) -> list[str]:
    """What is wrong with an outline shaped in the UI (empty when it can be drafted), each problem
    naming its section: the same rules as the file's."""
    out: list[str] = []
    items: list[tuple[str, str]] = []
    for n, s in enumerate(outline.sections, 1):
        where = section_name(s.heading) if s.heading else f"第 {n} 节"
        if s.role not in ROLE_NAMES:
            out.append(f"{where}：类型“{s.role}”无法识别，只能是 {'、'.join(ROLE_NAMES.values())}。")
        out += _shape_problems(s.role, s.heading.strip(), where, where, where if s.facts else "")
        items += [(f, where) for f in s.facts]
    return out + _placement_problems(items, facts)


def load_outline(path: str | Path, facts: Facts, plan: Outline | None = None) -> Outline:
    """Read and check an outline file (see parse_outline)."""
    p = Path(path)
    if not p.is_file():
        raise OutlineError([f"找不到提纲文件：{p}，请检查路径。"])
    raw = p.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise OutlineError([f"提纲文件过大（超过 {MAX_FILE_BYTES // 1000}KB），请检查是否选错了文件。"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise OutlineError(["无法识别提纲文件的编码，请另存为 UTF-8 后再试。"]) from None
    return parse_outline(text, facts, plan)
