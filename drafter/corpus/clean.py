"""Remove the web noise of collected 范文 and normalise anonymised placeholders.

Works line by line so the splitter still sees headings. Everything removed here must never
reach a draft: SEO blurbs, Markdown markup, escapes, injected pinyin, □, xx/202_/__ placeholders.
"""

from __future__ import annotations

import re

# Paragraphs that are the collecting site's words, not the summary's.
_SEO = re.compile(
    r"小编|欢迎阅读|希望大家(能够)?喜欢|供大家参考|仅供参考|希望(可以|能够|能)?(对你|对您|对大家)?有所?帮助|"
    r"帮助到有需要|如要下载|阅读全文|请访问|精心整理|范文[，,]?(欢迎|供)|下面是.{0,12}(范文|总结)|"
    r"以下是.{0,12}(范文|总结)|怎样写总结|总结应该怎么写|又该怎么写|什么特点呢|返回目录|范文\s*$"
)
_URL = re.compile(r"<?https?://\S+>?")
_DATE_LINE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(\s+\S{0,6})?\s*$")

# Pinyin injected into words, e.g. "加强*guǎnlǐ、监督": known ones become their word, others go.
_PINYIN = re.compile(r"\*([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)")
_PINYIN_WORDS = {"guǎnlǐ": "管理", "jiànshè": "建设", "gōngzuò": "工作", "zhígōng": "职工"}

_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_EMPHASIS = re.compile(r"\*\*|`")

# Placeholders. Years first (they carry 年), then unit names, then whatever is left.
_YEAR_PLACEHOLDER = re.compile(
    r"(?:(?:19|20)\d?[_＿xX×]{1,3}|[xX×]{2,4}|[_＿]{2,})\s*年(?:年)?(?=度|上半年|下半年|以来|[^年])"
)
_BARE_YEAR = re.compile(r"(?:19|20)\d?[_＿]{1,3}(?=[^\d_＿年])")
_PARTY_CONGRESS = re.compile(r"党的\s*[xX×_＿]{2,}\s*大")
_PLENUM = re.compile(r"[xX×_＿]{2,}\s*届[xX×_＿一二三四五六七八九十\s、]*中全会")
_ORDINAL = re.compile(r"第\s*[xX×_＿]{2,}\s*(次|届)")
_MONTH_DAY = re.compile(r"[xX×_＿]{2,}\s*月(\s*[xX×_＿\d]{1,2}\s*日)?")
_QUANTITY = re.compile(r"[xX×_＿]{2,}\s*(?=[家人名个次项条元万场户所篇期位支件批%％])")
# A lone "*" left after pinyin removal hides an amount ("投入*元", "获得_*的慰问金").
_STAR_QUANTITY = re.compile(r"[_＿]*\*[_＿]*\s*(?=[家人名个次项条元万场户所篇期位支件批%％])")
_MY_UNIT = re.compile(r"我\s*[xX×_＿]{2,}")
_UNIT = re.compile(r"[xX×_＿]{2,}(?=\s*[\u4e00-\u9fff])")
_LEFTOVER = re.compile(r"[xX×]{2,}|[_＿]+|□|\*")


def is_seo_noise(line: str) -> bool:
    return bool(_SEO.search(line)) or bool(_DATE_LINE.match(line))


def clean_line(line: str) -> str:
    """One line of a corpus file → clean text ('' when nothing of the summary remains)."""
    line = line.replace("\u3000", " ").replace("\ufeff", "").strip()
    line = _URL.sub("", line)
    line = line.replace("\\_", "_").replace('\\"', '"').replace("\\*", "*").replace("\\", "")
    line = _MD_HEADING.sub("", line)
    line = _MD_BULLET.sub("", line)
    line = _PINYIN.sub(lambda m: _PINYIN_WORDS.get(m.group(1), ""), line)
    line = _MD_EMPHASIS.sub("", line)
    line = normalise_placeholders(line)
    line = re.sub(r"[ \t]+", " ", line)
    # Spaces between CJK characters/punctuation are artefacts of the web copy.
    line = re.sub(r"(?<=[\u4e00-\u9fff，。、；：！？“”（）])\s+(?=[\u4e00-\u9fff，。、；：！？“”（）\d])", "", line)
    line = re.sub(r"(?<=[\d])\s+(?=[\u4e00-\u9fff])", "", line)
    return line.strip()


def normalise_placeholders(text: str) -> str:
    """Replace anonymised bits (xx, 202_, 20__, __镇, □) with neutral words, never leave them."""
    text = _YEAR_PLACEHOLDER.sub("本年", text)
    text = _BARE_YEAR.sub("本年", text)
    text = _PARTY_CONGRESS.sub("党的代表大会", text)
    text = _PLENUM.sub("全会", text)
    text = _ORDINAL.sub(r"新一\1", text)
    text = _MONTH_DAY.sub("", text)
    text = _QUANTITY.sub("若干", text)
    text = _STAR_QUANTITY.sub("若干", text)
    text = _MY_UNIT.sub("我", text)
    text = _UNIT.sub("本", text)
    text = _LEFTOVER.sub("", text)
    text = text.replace("本本", "本").replace("本年年", "本年")
    return text


def clean_lines(text: str) -> list[str]:
    """Whole file → cleaned non-empty lines, SEO paragraphs dropped."""
    out: list[str] = []
    in_toc = False  # a "本文目录" block: its short lines are links, not content
    for raw in text.split("\n"):
        stripped = raw.strip()
        if re.fullmatch(r"#*\s*(本文)?目录", stripped):
            in_toc = True
            continue
        if in_toc and (len(stripped) <= 25 or is_seo_noise(stripped)):
            continue
        in_toc = False
        if is_seo_noise(raw):
            continue
        line = clean_line(raw)
        if line and not is_seo_noise(line) and re.search(r"[\u4e00-\u9fff]", line):
            out.append(line)
    return out
