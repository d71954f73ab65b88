"""The user's facts: the model, parsing from YAML/JSON/form input, validation, injection filter.

Facts are the only source of names and figures in a draft, so this module is strict about what
it accepts and reports every problem at once, in Chinese, naming the field to fix.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drafter.taxonomy import OTHER_UNIT_TYPE, match_unit_type

YEAR_MIN, YEAR_MAX = 2000, 2100
LENGTH_MIN, LENGTH_MAX = 500, 20000
MAX_ITEM_CHARS = 500
MAX_FACTS = 60
MAX_LIST_ITEMS = 60  # problems / plans
MAX_NAME_CHARS = 60
MAX_TOPIC_CHARS = 30
MAX_FILE_BYTES = 1_000_000

PERIOD_CHOICES = ("年度", "上半年", "下半年", "专项")
INJECTION_REASON = "疑似对模型的指令，已忽略"

# Field names as the user sees them: the form's labels and every message name a field so
# (each label is also accepted as a key in a facts file).
FIELD_LABELS: dict[str, str] = {
    "unit_name": "单位名称", "unit_type": "单位类型", "period": "总结期间", "year": "年份",
    "topic": "专题", "facts": "主要工作", "problems": "存在问题", "plans": "下一步打算",
    "length": "篇幅", "date": "落款日期",
}
_LIST_FIELDS = {key: FIELD_LABELS[key] for key in ("facts", "problems", "plans")}

# Chinese keys are accepted as aliases so a file can be written entirely in Chinese.
_KEY_ALIASES: dict[str, str] = {
    "单位名称": "unit_name", "单位": "unit_name", "名称": "unit_name",
    "单位类型": "unit_type", "类型": "unit_type",
    "总结期间": "period", "期间": "period", "时段": "period",
    "年份": "year", "年度": "year", "年": "year",
    "专题": "topic", "主题": "topic",
    "主要工作": "facts", "工作": "facts", "事实": "facts", "主要做法": "facts",
    "存在问题": "problems", "问题": "problems", "存在的问题": "problems",
    "下一步打算": "plans", "打算": "plans", "计划": "plans", "工作计划": "plans",
    "篇幅": "length", "字数": "length",
    "日期": "date", "落款日期": "date",
}
_KNOWN_KEYS = (
    "unit_name", "unit_type", "period", "year", "topic", "facts", "problems", "plans",
    "length", "date",
)
# Keys written by Facts.to_dict(); tolerated on input so a saved facts dict can be re-parsed.
_DERIVED_KEYS = ("unit_type_raw", "rejected")

_PERIOD_VARIANTS: dict[str, str] = {
    "年度": "年度", "全年": "年度", "年": "年度", "一年": "年度", "全年度": "年度",
    "本年度": "年度", "年终": "年度", "全年工作": "年度", "annual": "年度", "year": "年度",
    "上半年": "上半年", "半年": "上半年", "上半年度": "上半年", "半年度": "上半年",
    "1-6月": "上半年", "1至6月": "上半年", "h1": "上半年",
    "下半年": "下半年", "下半年度": "下半年", "7-12月": "下半年", "7至12月": "下半年", "h2": "下半年",
    "专项": "专项", "专题": "专项", "专项工作": "专项", "special": "专项", "topic": "专项",
}


class FactsError(ValueError):
    """Invalid facts. `messages` holds one short Chinese sentence per problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass
class RejectedFact:
    """An input item that was not kept, with the reason shown to the user."""

    text: str
    reason: str
    field: str = "facts"  # facts | problems | plans


@dataclass
class Facts:
    unit_name: str
    unit_type: str  # canonical key of taxonomy.UNIT_TYPES, or 其他
    year: int
    facts: list[str]
    unit_type_raw: str = ""
    period: str = "年度"  # 年度 | 上半年 | 下半年 | 专项
    topic: str = ""
    problems: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    length: int | None = None
    date: str = ""  # normalised "2025年12月31日"; "" → default from period (see signoff_date)
    rejected: list[RejectedFact] = field(default_factory=list)

    @property
    def union_name(self) -> str:
        """The unit as named in title and sign-off: a name without 工会 gets it appended."""
        name = self.unit_name
        return name if ("工会" in name or "工联" in name) else name + "工会"

    @property
    def title(self) -> str:
        head = f"{self.union_name}{self.year}年"
        if self.period == "上半年":
            return head + "上半年工作总结"
        if self.period == "下半年":
            return head + "下半年工作总结"
        if self.period == "专项" and self.topic:
            return head + _title_topic(self.topic, self.year) + "工作总结"
        return head + "工作总结"

    @property
    def signoff_date(self) -> str:
        if self.date:
            return self.date
        if self.period == "上半年":
            return f"{self.year}年6月30日"
        return f"{self.year}年12月31日"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        """Rebuild saved facts (from to_dict) without re-validating them."""
        return cls(
            unit_name=data["unit_name"],
            unit_type=data["unit_type"],
            unit_type_raw=data.get("unit_type_raw", data["unit_type"]),
            year=int(data["year"]),
            period=data.get("period", "年度"),
            topic=data.get("topic", ""),
            facts=list(data.get("facts", [])),
            problems=list(data.get("problems", [])),
            plans=list(data.get("plans", [])),
            length=data.get("length"),
            date=data.get("date", ""),
            rejected=[RejectedFact(**r) for r in data.get("rejected", [])],
        )


def _title_topic(topic: str, year: int) -> str:
    """Topic as it sits in a title: no year prefix, no trailing 工作/总结 (avoids 工作工作)."""
    t = topic.strip()
    for prefix in (f"{year}年度", f"{year}年"):
        if t.startswith(prefix):
            t = t[len(prefix):]
    changed = True
    while changed and t:
        changed = False
        for suffix in ("工作总结", "总结", "工作"):
            if t.endswith(suffix) and len(t) > len(suffix):
                t = t[: -len(suffix)]
                changed = True
    return t


# --------------------------------------------------------------------------- injection filter
#
# A fact says what the unit did. A line that instead talks to the model writing the draft is not
# a fact, and is dropped (and reported): it (1) addresses the model or an assistant, (2) announces
# rules or overrides what came before, (3) carries a system or role tag, or (4) asks for something
# to be written, printed, repeated or left out. The cues below are what such lines are made of;
# no single everyday word (AI, 系统, 覆盖, 输出, 打印, 规则 …) is a cue by itself, because genuine
# facts use them all ("举办AI技能培训班", "对系统内各单位进行检查", "覆盖职工1,200人").
#
# Chinese cues are matched against the text with all whitespace removed (defeats "忽 略 之 前"),
# English ones against the text with whitespace collapsed; both after NFKC (full-width letters,
# colons and commas become ASCII) and lower-casing. Cues of the kinds in _OUTSIDE_QUOTES are not
# looked for inside quotation marks, where campaign names live (“请进来、走出去”, “你点我办”).

_END = r"[^。！？!?\n]"  # within one sentence
_MODEL = (
    r"(ai|人工智能|智能助手|ai助手|助手|助理|大模型|语言模型|模型|机器人|chatgpt|gpt|claude|deepseek"
    r"|kimi|豆包|文心一言|通义千问|智能体|写作助手|写作工具)"
)
_YOU_MODAL = (
    r"(现在|从现在|接下来|今后|必须|应当|应该|务必|只能|只需|只许|不得|不能|不可|不准|不许|不要|需要|一定要"
    r"|的任务|的职责|的角色|的身份|的回答|的回复|的输出|的设定|的指令|的规则|的提示词|收到的|给我|帮我)"
)
_DRAFT = r"(生成的|输出的|你写的|你的|这份|本)?(总结|草稿|稿子|稿件|初稿|文稿|文中|文章|全文|正文|本文)"
_DOC = r"(生成的|输出的|你写的|你的)?(总结|草稿|稿子|稿件|初稿|文稿|文中|文章|全文|正文|本文|结尾|开头|末尾|文末|段落|回答|回复|输出)"
_WRITE = r"(写上|写入|写明|写出|写进|加上|加入|加进|加一句|注明|提到|提及|插入|添加|补上|补充一句|强调|声明|写|放进|体现)"
_DIRECTIVE = r"(规则|指令|指示|设定|要求|命令|提示|约束|限制|规定|约定|说明|内容|对话|事实|数据)"
_EARLIER = r"(之前|以上|上面|上述|前面|先前|此前|刚才|你的|你收到的)"
_BEFORE = r"(之前|以上|上面|上述|前面|先前|此前|刚才|原来|原有|原先|所有|全部|一切|系统|你的|你收到的|其他|其它)"
_ROLE = (
    r"(系统|系统消息|系统提示|系统指令|指令|助手|用户|管理员|开发者|ai|模型|大模型|system|sys|assistant|user|human"
    r"|developer|admin|instruction|instructions|prompt)"
)

INSTRUCTION_CUES_ZH: tuple[tuple[str, str], ...] = (
    # (1) addressed to the model or an assistant
    ("address", r"(作为|身为|你是|您是|你现在是|你将是|扮演|充当|假装|假扮|假设你是|想象你是)(一个|一名|一位)?(不受限制的|没有限制的)?" + _MODEL),
    ("address", r"(?<![a-z])" + _MODEL + r"[,:、]?(请|你|您|注意|须知|听好|务必|必须|应当|应该)"),
    ("address", r"(致|告诉|提醒)" + _MODEL + r"|(对|给)" + _MODEL + r"的(指令|要求|提示|命令)"),
    ("address", r"(你|您)" + _YOU_MODAL + r"(?=[\u4e00-\u9fffa-z0-9])"),
    ("address", r"^你是|我(要求|命令|指示)你|(请|你)(现在)?(扮演|假装|假扮|充当)"),
    # (2) announces rules, or overrides what came before
    ("rule", r"(忽略|无视|忘记|忘掉|不要理会|不用理会|不必理会|别理会|抛开|撇开|跳过)" + _END
     + r"{0,12}?" + _BEFORE + _END + r"{0,8}?" + _DIRECTIVE),
    ("rule", r"(覆盖|推翻|替换|取代)" + _EARLIER + r"的?(设定|指令|规则|提示|要求|事实|内容)"),
    ("rule", r"(忽略|无视|忘记|忘掉)(之前|以上|上面|上述|前面|先前|此前)的?(一切|所有|全部)"),
    ("rule", r"(新的?|最新的?|更新的?|额外的?|补充的?)(规则|指令|指示|设定|命令)[:]"),
    ("rule", r"(以下|下面|下列)(是|为)?(你的|新的?|最新的?|最高优先级的?|必须遵守的)(规则|指令|指示|设定|命令|要求)"),
    ("rule", r"(最高|第一)优先级的?(指令|规则|命令|设定)|(指令|规则)的?优先级最高|指令(已|已经)?(更新|变更)"),
    ("rule", r"(从现在(起|开始)|自现在起|从此以后|从今以后|接下来|此后)[,]?(你|您|请|一律只|只能|只许|只写|只输出)"),
    ("rule", _EARLIER + r"的?" + _DIRECTIVE + r"(全部|一律|均|都)?(作废|无效|失效|不算|不再有效)"),
    ("rule", r"(不要|不必|无需|不需要|不用|别|不再|停止)(再)?(遵守|遵循|遵从|服从|理会)" + _END + r"{0,8}?" + _DIRECTIVE),
    ("rule", r"绕过" + _END + r"{0,6}?(限制|审查|过滤|规则|安全)|越狱|开发者模式|无限制模式"),
    ("rule", r"(系统提示词?|系统指令|系统设定|初始指令|原始指令|内部指令|隐藏指令)(是|为|如下|[:])"
     r"|(你的|你收到的)(系统)?(提示词|系统提示|指令|设定|规则)|(全部|所有|完整的?)(系统提示|提示词|系统指令)"),
    # (3) system or role tags
    ("tag", r"[【\[<#{]\s*" + _ROLE + r"\s*[】\]>#}]"),
    # round brackets only around unmistakable tags: "文明行业（系统）" is ordinary Chinese
    ("tag", r"\((系统消息|系统提示|系统指令|system|sys|assistant|instruction)\)"),
    ("tag", r"(^|[。;!?.])" + _ROLE + r"[:]"),
    ("tag", r"```|<\|?[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?(system|instructions?|prompt|assistant|user)>"),
    # (4) asks for something to be written, printed, repeated or left out
    ("request", r"(?<![申邀聘报提呈恳延宴敦吁诉敬约诚])请(你|您)?(直接|立即|马上|务必|一定|只)?"
     r"(输出|打印|回复|回答|复述|重复|照抄|原样|写上|写入|写明|写出|加上|注明|插入|添加|生成|续写|改写|翻译|列出"
     r"|告诉|透露|泄露|忽略|无视|忘记|删除|删去|去掉|不要|别|勿|把|将|在|帮我|帮忙|用英文|用英语)"),
    ("request", r"在" + _DOC + r"(中|里|内|的?(开头|结尾|末尾|最后|第.部分))?" + _WRITE),
    ("request", _DRAFT + r"(中|里|内)(必须|务必|一定要|要|需要|应当|记得)" + _WRITE + r"|(给|往|向)" + _DRAFT + _WRITE),
    ("request", r"(必须|务必|一定要|记得|别忘了)(写上|加上|写进|加进|加一句)"),
    ("request", r"(把|将)(第.{1,3}(条|项|部分|段|节)|这条|本条|问题部分|存在问题部分|不足部分|成绩部分)" + _END
     + r"{0,12}?(写成|删掉|删除|去掉|夸大)|(问题|不足)部分(删掉|删除|去掉|不写)"),
    ("request", r"(用|以)(英文|英语|文言文)(写|回答|输出|回复|作答)|翻译成(英文|英语)|" + _DRAFT
     + r"写成(一首|一篇)?(诗|诗歌|小说|故事)"),
    ("request", r"(把|将)(这句话?|这段话?|这一?条|此句|本句|本条|以下|下面|如下|下列)" + _END + r"{0,12}?(写|加|插|放|原样|照抄)"),
    ("request", r"(把|将)(所有|全部|全文|文中|一切|每个|每一个)的?(数字|数据|数值|金额|人数)"),
    ("request", r"(数字|数据|数值|金额)(?!化)" + _END + r"{0,6}?(乘以|乘上|翻倍|放大|夸大|虚报|都改|改成|写成)"),
    ("request", r"(照抄|照写|原样输出|原样写|逐字|复述|重复)(以下|下面|如下|下列|这句|这段|[:]|[一两三四五十\d]+遍)"),
    ("request", r"(不要|不得|不许|不准|别|切勿|请勿|勿)(再)?(提及|提到|写出?|写入|写上|输出)"),
    ("request", r"(输出|泄露|泄漏|透露|告诉我|显示|打印|展示|给出|复述|公开|说出)" + _END
     + r"{0,10}?(系统提示|提示词|系统指令|系统设定|系统消息|初始指令|原始指令|内部指令|隐藏指令"
     r"|你的指令|你的设定|你的规则|密钥|apikey|api_key)"),
)

INSTRUCTION_CUES_EN: tuple[tuple[str, str], ...] = (
    ("address", r"\bas an? (ai|assistant|language model|llm|chatbot|model)\b"),
    ("address", r"\byou (are|must|should|shall|will|need to|have to|are to|may not|must not|cannot|can't)\b"),
    ("address", r"\byour (task|job|role|instructions?|prompt|rules?|output|answer|reply)\b"),
    ("address", r"\b(chatgpt|gpt|claude|assistant|ai|model)\s*[,:]\s*(please|you|ignore|write|output|print)\b"),
    ("address", r"\bact as\b|\bpretend (to be|you are)\b|\bimagine you are\b|\broleplay\b"),
    ("address", r"\b(note|message|instructions?|reminder)\s+(to|for)\s+(the\s+)?(model|ai|assistant|llm|chatbot|writer)\b"),
    ("rule", r"\b(ignore|disregard|forget|skip|override|bypass)\b[^.!?\n]{0,40}?\b(previous|prior|above|earlier"
     r"|preceding|all|any|your|the|system|these|those|other)\b[^.!?\n]{0,30}?\b(instructions?|prompts?"
     r"|rules?|messages?|directions?|context|guidelines|constraints|facts|data|text)\b"),
    ("rule", r"\b(forget|ignore|disregard)\s+(everything|anything|all|what)\b[^.!?\n]{0,20}?"
     r"\b(above|before|previous|earlier|said|written|told)\b"),
    ("rule", r"\bfrom now on\b|\bnew (rules?|instructions?)\b|\bhighest priority\b|\bjailbreak\b|\bdeveloper mode\b"),
    ("rule", r"\b(do not|don't|never|stop)\s+(follow|obey|comply)"),
    ("rule", r"\bsystem (prompt|message|override|instruction)s?\b"),
    ("tag", r"(^|[\s.;,])(system|assistant|developer|user|human|instruction)\s*:"),
    ("tag", r"<\|?(im_start|im_end|system|endoftext)\|?>|\[/?inst\]|<</?sys>>|</?\s*(system|instructions?)\s*>"),
    ("tag", r"#{2,}\s*(instruction|system|指令)|\[(system|sys|assistant|user|admin|instruction)\]"),
    ("request", r"\b(please\s+)?(write|add|insert|include|put|state|mention)\b[^.!?\n]{0,40}?\b(in|into|to|at)\s+"
     r"(the|your|this)\s+(summary|draft|document|text|report|output|answer|reply|beginning|end)\b"),
    ("request", r"\b(print|output|say|type|repeat|respond with|reply with|answer with|translate)\b[^.!?\n]{0,30}?"
     r"\b(the word|the words|the following|after me|only|exactly|verbatim|everything|it|in english|into english)\b"),
    ("request", r"\b(reveal|print|show|output|repeat|leak|display|tell me|give me)\b[^.!?\n]{0,30}?"
     r"\b(system prompt|prompt|instructions|system message|api key)\b"),
    ("request", r"\b(do not|don't|never)\s+(mention|include|write|say)\b"),
    ("request", r"\b(write|rewrite|make|turn|change|end|start|sign)\b[^.!?\n]{0,20}?\bthe\s+(summary|draft|report|document|text)\b"),
    ("request", r"\b(multiply|double|inflate|exaggerate)\b[^.!?\n]{0,20}?\b(all|every|each|the)\b[^.!?\n]{0,10}?"
     r"\b(numbers?|figures?|amounts?|data)\b"),
)
# Kinds whose cues are not looked for inside quotation marks (campaign and document names).
_OUTSIDE_QUOTES = frozenset({"address", "request"})

_ZH_CUES = [(kind, re.compile(p)) for kind, p in INSTRUCTION_CUES_ZH]
_EN_CUES = [(kind, re.compile(p)) for kind, p in INSTRUCTION_CUES_EN]
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_QUOTED = re.compile(r"“[^“”]*”|「[^「」]*」|『[^『』]*』|《[^《》]*》|\"[^\"]*\"|‘[^‘’]*’")
_WHOLLY_QUOTED = re.compile(r"^[“「『\"‘](.*)[”」』\"’]$", re.S)


def instruction_kinds(text: str) -> set[str]:
    """What makes `text` an instruction to a model rather than a fact: the kinds of cue found
    in it (address, rule, tag, request); empty for an ordinary line."""
    norm = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower().strip()
    norm = _WHOLLY_QUOTED.sub(r"\1", norm)  # a whole line in quotes is still read
    unquoted = _QUOTED.sub("“”", norm)
    sources = {
        (True, False): re.sub(r"\s+", "", norm), (True, True): re.sub(r"\s+", "", unquoted),
        (False, False): re.sub(r"\s+", " ", norm), (False, True): re.sub(r"\s+", " ", unquoted),
    }
    cues = [(True, kind, cue) for kind, cue in _ZH_CUES] + [(False, kind, cue) for kind, cue in _EN_CUES]
    return {kind for zh, kind, cue in cues if cue.search(sources[zh, kind in _OUTSIDE_QUOTES])}


def looks_like_instruction(text: str) -> bool:
    """True when the text reads as an instruction to a model (prompt injection), not a fact."""
    return bool(instruction_kinds(text))


# --------------------------------------------------------------------------- numbers

_NUM_RE = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?(?:\s*[%‰])?")
_NUM_TRANS = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


def number_tokens(text: str) -> list[str]:
    """The Arabic numbers in `text`, in order, normalised so equal values compare equal.

    The guard uses this on facts and on drafts to check every figure in a draft comes from
    the facts. Rules: full-width digits count; ASCII thousands separators are dropped
    ("1,200" → "1200"); a unit word after a number is not part of it ("3.5万" → "3.5");
    a percent/per-mille sign stays ("95%", "95％" → "95%"); leading zeros and trailing
    decimal zeros are dropped ("05" → "5", "3.50" → "3.5", "2.0" → "2"). Chinese numerals
    (三, 十二) are not Arabic numbers and are not returned.
    """
    out: list[str] = []
    for m in _NUM_RE.finditer(text.translate(_NUM_TRANS)):
        raw = re.sub(r"\s+", "", m.group()).replace(",", "")
        sign = raw[-1] if raw[-1] in "%‰" else ""
        num = raw.rstrip("%‰")
        whole, _, frac = num.partition(".")
        whole = whole.lstrip("0") or "0"
        frac = frac.rstrip("0")
        out.append(whole + ("." + frac if frac else "") + sign)
    return out


# --------------------------------------------------------------------------- parsing

_BULLET_RE = re.compile(
    r"^\s*(?:"
    r"[-*•·●○▪■◆◇►▶>—–]+\s*"  # symbol bullets
    r"|(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、．)）](?!\d)\s*"  # 1.  1、  一、  2)
    r"|[（(]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[)）]\s*"  # （1） (一)
    r"|[①-⑳⑴-⒇]\s*"
    r"|第[一二三四五六七八九十\d]{1,3}[条项点][、:：，,.]?\s*"
    r")"
)


def strip_bullet(line: str) -> str:
    """Remove leading list markers ("1." "- " "（1）" "①" and combinations like "- 4、")."""
    text = line.strip()
    for _ in range(3):  # bounded: at most three stacked markers
        new = _BULLET_RE.sub("", text, count=1).strip()
        if new == text:
            break
        text = new
    return text


def _clean_item(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = re.sub(r"\s*\n\s*", "", text.strip())  # joined lines in Chinese need no space
    text = re.sub(r"[ \t\u3000]+", " ", text)
    return strip_bullet(text)


def _split_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _parse_list(
    value: Any, key: str, errors: list[str], rejected: list[RejectedFact], limit: int
) -> list[str]:
    label = _LIST_FIELDS[key]
    if value is None:
        return []
    if isinstance(value, str):
        raw_items: list[Any] = _split_lines(value)
    elif isinstance(value, (list, tuple)):
        raw_items = list(value)
    else:
        errors.append(f"{label}应是一条条的文字列表，请每条写一句。")
        return []
    items: list[str] = []
    seen: set[str] = set()
    n = 0
    for raw in raw_items:
        if raw is None:
            continue
        if isinstance(raw, bool) or isinstance(raw, (dict, list, tuple)):
            n += 1
            errors.append(f"{label}第{n}条格式不对，请写成一句话。")
            continue
        text = _clean_item(str(raw))
        if not text:
            continue
        n += 1
        if len(text) > MAX_ITEM_CHARS:
            errors.append(
                f"{label}第{n}条有{len(text)}字，超过{MAX_ITEM_CHARS}字，请拆成几条。"
            )
            continue
        if looks_like_instruction(text):
            rejected.append(RejectedFact(text=text, reason=INJECTION_REASON, field=key))
            continue
        if text in seen:  # an exact repeat would only duplicate a paragraph
            continue
        seen.add(text)
        items.append(text)
    if n > limit:
        errors.append(f"{label}最多{limit}条，现有{n}条，请合并或删减。")
    return items


def _as_int(value: Any, text_pattern: str) -> int | None:
    """An integer from YAML/JSON/form input: an int, a whole float, or text matching
    `text_pattern` (its first group is the number, e.g. "2025年", "2500字"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = re.fullmatch(text_pattern, unicodedata.normalize("NFKC", value).strip())
        return int(m.group(1)) if m else None
    return None


def _parse_year(value: Any, errors: list[str]) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(f"请填写{FIELD_LABELS['year']}，如 2025。")
        return 0
    year = _as_int(value, r"(\d{4})\s*年?度?")
    if year is None:
        errors.append(f"年份应是四位整数，如 2025（现在是“{value}”）。")
        return 0
    if not YEAR_MIN <= year <= YEAR_MAX:
        errors.append(f"年份应在{YEAR_MIN}到{YEAR_MAX}之间（现在是{year}）。")
        return 0
    return year


def _parse_period(value: Any, errors: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "年度"
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()
    if re.match(r"\d{4}", key):  # "2025年上半年", "2025年度"
        key = re.sub(r"^\d{4}年?", "", key)
        key = "年度" if key in ("", "度") else key
    for suffix in ("工作总结", "总结", "工作"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    period = _PERIOD_VARIANTS.get(key) or _PERIOD_VARIANTS.get(key.rstrip("度"))
    if period is None:
        errors.append(f"总结期间“{value}”无法识别，请填 年度、上半年、下半年 或 专项。")
        return "年度"
    return period


def _parse_length(value: Any, errors: list[str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    length = _as_int(value, r"(\d+)\s*字?")
    if length is None or not LENGTH_MIN <= length <= LENGTH_MAX:
        errors.append(f"篇幅（字数）应是{LENGTH_MIN}到{LENGTH_MAX}之间的整数（现在是“{value}”）。")
        return None
    return length


def _parse_date(value: Any, errors: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):  # YAML turns 2025-12-31 into a date
        d: _dt.date | None = value
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
        m = re.fullmatch(r"(\d{4})[年/.-](\d{1,2})[月/.-](\d{1,2})日?", text)
        try:
            d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            d = None
    if d is None:
        errors.append(f"落款日期“{value}”无法识别，请写成 2025年12月31日。")
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


def _text_field(
    data: dict[str, Any], key: str, label: str, limit: int, errors: list[str]
) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        errors.append(f"{label}应是一段文字。")
        return ""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()
    if len(text) > limit:
        errors.append(f"{label}不能超过{limit}字，请简写。")
        return ""
    if text and looks_like_instruction(text):
        errors.append(f"{label}像是对模型的指令，请只填写{label}本身。")
        return ""
    return text


def _canonical_keys(data: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in data.items():
        name = str(key).strip()
        name = _KEY_ALIASES.get(name, name)
        if name in _DERIVED_KEYS:
            continue
        if name not in _KNOWN_KEYS:
            unknown.append(str(key))
            continue
        out[name] = value
    if unknown:
        errors.append(
            f"无法识别的字段：{'、'.join(unknown)}。可用字段：{'、'.join(FIELD_LABELS.values())}。"
        )
    return out


def parse_facts(data: dict[str, Any]) -> Facts:
    """Validate raw facts (from YAML/JSON/form) and return them; raise FactsError listing all problems."""
    if not isinstance(data, dict):
        raise FactsError(["事实内容的最外层应是键值对（如 单位名称: 青山镇总工会）。"])
    errors: list[str] = []
    d = _canonical_keys(data, errors)

    unit_name = _text_field(d, "unit_name", FIELD_LABELS["unit_name"], MAX_NAME_CHARS, errors)
    if not unit_name and not any(m.startswith("单位名称") for m in errors):
        errors.append(f"请填写{FIELD_LABELS['unit_name']}，如“青山镇总工会”。")
    unit_type_raw = _text_field(d, "unit_type", FIELD_LABELS["unit_type"], MAX_NAME_CHARS, errors)
    if not unit_type_raw and not any(m.startswith("单位类型") for m in errors):
        errors.append(f"请填写{FIELD_LABELS['unit_type']}，如 乡镇工会、企业工会、学校工会。")
    unit_type = match_unit_type(unit_type_raw)
    if unit_type == OTHER_UNIT_TYPE:  # e.g. "基层工会": the name often says more
        unit_type = match_unit_type(unit_name)

    period = _parse_period(d.get("period"), errors)
    year = _parse_year(d.get("year"), errors)
    topic = _text_field(d, "topic", FIELD_LABELS["topic"], MAX_TOPIC_CHARS, errors)
    if period == "专项" and not topic and not any(m.startswith("专题") for m in errors):
        errors.append(f"专项总结请填写{FIELD_LABELS['topic']}，如“工会组建”。")

    rejected: list[RejectedFact] = []
    facts = _parse_list(d.get("facts"), "facts", errors, rejected, MAX_FACTS)
    problems = _parse_list(d.get("problems"), "problems", errors, rejected, MAX_LIST_ITEMS)
    plans = _parse_list(d.get("plans"), "plans", errors, rejected, MAX_LIST_ITEMS)
    if not facts and not any(m.startswith("主要工作") for m in errors):
        dropped = sum(1 for r in rejected if r.field == "facts")
        if dropped:
            errors.append(
                f"主要工作没有可用的内容：{dropped}条疑似对模型的指令，已忽略。请填写本单位实际做的工作。"
            )
        else:
            errors.append(f"请填写{FIELD_LABELS['facts']}，每条一件事，带上数字。")

    length = _parse_length(d.get("length"), errors)
    date = _parse_date(d.get("date"), errors)

    if errors:
        raise FactsError(errors)
    return Facts(
        unit_name=unit_name,
        unit_type=unit_type,
        unit_type_raw=unit_type_raw,
        year=year,
        period=period,
        topic=topic,
        facts=facts,
        problems=problems,
        plans=plans,
        length=length,
        date=date,
        rejected=rejected,
    )


def _decode(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # GB18030: files saved by Chinese Windows tools
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def load_facts(path: str | Path) -> Facts:
    """Read a .yaml/.yml/.json facts file and validate it."""
    p = Path(path)
    if not p.is_file():
        raise FactsError([f"找不到事实文件：{p}，请检查路径。"])
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise FactsError([f"事实文件应是 YAML 或 JSON（.yaml/.yml/.json），现在是“{p.name}”。"])
    try:
        raw = p.read_bytes()
    except OSError:
        raise FactsError([f"无法读取事实文件：{p}，请检查文件权限。"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise FactsError([f"事实文件过大（超过{MAX_FILE_BYTES // 1000}KB），请只保留要点。"])
    text = _decode(raw)
    if text is None:
        raise FactsError(["无法识别事实文件的编码，请另存为 UTF-8 后再试。"])
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise FactsError([f"事实文件不是有效的 JSON：第{exc.lineno}行附近格式有误，请检查。"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行附近" if mark is not None else ""
        raise FactsError([f"事实文件不是有效的 YAML：{where}格式有误，请检查缩进和冒号。"]) from None
    if not isinstance(data, dict):
        raise FactsError(["事实文件的最外层应是键值对（如 单位名称: 青山镇总工会）。"])
    return parse_facts(data)


def facts_from_form(
    unit_name: str = "",
    unit_type: str = "",
    period: str = "",
    year: str | int | None = None,
    facts: str = "",
    problems: str = "",
    plans: str = "",
    topic: str = "",
    length: str | int | None = None,
    date: str = "",
) -> Facts:
    """Facts from UI form strings: one item per line; blank lines and list markers dropped."""
    return parse_facts(
        {
            "unit_name": unit_name or "",
            "unit_type": unit_type or "",
            "period": period or "",
            "year": year,
            "topic": topic or "",
            "facts": _split_lines(facts or ""),
            "problems": _split_lines(problems or ""),
            "plans": _split_lines(plans or ""),
            "length": length,
            "date": date or "",
        }
    )
