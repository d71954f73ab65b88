"""The genre's vocabulary: unit types, periods, section roles and topics, with their cue words.

Shared by the corpus classifier (tagging chunks) and the facts model (mapping free text).
"""

from __future__ import annotations

UNIT_TYPES: dict[str, tuple[str, ...]] = {
    "乡镇/街道": ("乡镇", "街道", "镇总工会", "镇工会", "乡工会", "我镇", "我乡", "全镇", "社区", "乡"),
    "企业": ("企业", "公司", "分公司", "厂", "煤矿", "矿工会", "车间", "班组", "集团", "分部"),
    "事业单位/机关": ("事业单位", "机关", "医院", "中心", "局", "委员会", "部门"),
    "学校": ("学校", "教职工", "教代会", "校务公开", "我校", "教师", "中学", "小学", "幼儿园", "大学"),
    "区县/市总工会": ("区总工会", "县总工会", "市总工会", "省总", "总工会", "全区", "全县", "全市"),
    "农场连队": ("农场", "连队", "连工会", "场工会", "三连"),
}
OTHER_UNIT_TYPE = "其他"

PERIODS: dict[str, tuple[str, ...]] = {
    "上半年": ("上半年", "半年"),
    "下半年": ("下半年",),
    "专项": ("专项", "组建", "建会工作总结"),
    "年度": ("年度", "全年", "一年来", "年工作总结"),
}
DEFAULT_PERIOD = "年度"

ROLES = ("opening", "body", "problems", "plans", "closing")

# Topic → cue words. Order matters only for ties (earlier wins).
TOPICS: dict[str, tuple[str, ...]] = {
    "组织建设": ("组建", "建会", "会员发展", "发展会员", "入会", "组织建设", "换届", "基层工会", "规范化建设", "农民工入会"),
    "民主管理": ("民主管理", "厂务公开", "校务公开", "企务公开", "政务公开", "职代会", "教代会", "职工代表大会", "民主监督"),
    "维权": ("维权", "集体协商", "劳动合同", "工资协商", "劳动法", "工会法", "劳动争议", "信访", "合法权益", "执法检查"),
    "帮扶": ("帮扶", "送温暖", "困难职工", "金秋助学", "慰问", "特困", "救助", "互助保险", "爱心助学", "走访"),
    "劳动竞赛": ("劳动竞赛", "技能比武", "技能竞赛", "合理化建议", "建功立业", "五小", "工人先锋号", "劳模", "立功竞赛", "技术创新"),
    "职工文化": ("文体", "文化活动", "职工之家", "职工书屋", "文艺", "体育", "比赛", "联欢", "登山", "读书"),
    "女职工": ("女职工", "女工", "三八", "妇女", "女教职工", "计生"),
    "安全生产": ("安全生产", "劳动保护", "群监员", "安康杯", "隐患", "职业病", "安全"),
    "宣传教育": ("宣传", "思想引领", "学习贯彻", "理论学习", "教育活动", "主题教育", "宣讲", "师德"),
    "经费经审": ("经费", "经审", "会费", "财务", "审计"),
    "自身建设": ("自身建设", "干部培训", "工会干部", "作风", "队伍建设", "培训"),
}
GENERAL_TOPIC = "综合"

# Canonical section headings the outline falls back on, per topic (parallel 抓…，… style).
TOPIC_HEADINGS: dict[str, str] = {
    "组织建设": "抓组建，夯实工会组织基础",
    "民主管理": "抓民主，推进民主管理和公开",
    "维权": "抓维权，维护职工合法权益",
    "帮扶": "抓帮扶，把温暖送到职工心坎上",
    "劳动竞赛": "抓竞赛，团结职工建功立业",
    "职工文化": "抓文化，丰富职工精神文化生活",
    "女职工": "抓关爱，做好女职工工作",
    "安全生产": "抓安全，筑牢劳动保护防线",
    "宣传教育": "抓引领，加强职工思想政治教育",
    "经费经审": "抓管理，规范工会经费使用",
    "自身建设": "抓自身，加强工会干部队伍建设",
    GENERAL_TOPIC: "抓落实，推进其他各项工作",
}


def match_unit_type(text: str) -> str:
    """Map free text (a unit name or type) to one of UNIT_TYPES, else 其他.

    More specific cues win: 总工会 of a district/county before the generic 工会 words.
    """
    if not text:
        return OTHER_UNIT_TYPE
    for key in ("农场连队", "学校", "区县/市总工会", "乡镇/街道", "企业", "事业单位/机关"):
        if key == "区县/市总工会" and any(w in text for w in ("镇总工会", "乡总工会", "街道总工会")):
            continue
        if any(cue in text for cue in UNIT_TYPES[key]):
            return key
    return OTHER_UNIT_TYPE


def match_period(text: str) -> str:
    for key in ("下半年", "上半年", "专项", "年度"):  # 下半年 first: 上半年's cue 半年 is inside it
        if any(cue in text for cue in PERIODS[key]):
            return key
    return DEFAULT_PERIOD


def score_topics(text: str) -> dict[str, int]:
    """Count cue-word hits per topic."""
    return {t: sum(text.count(c) for c in cues) for t, cues in TOPICS.items()}


def match_topic(text: str) -> str:
    scores = score_topics(text)
    best = max(scores, key=lambda t: scores[t])
    return best if scores[best] > 0 else GENERAL_TOPIC

# Related topics share one section when a summary would otherwise have many thin ones.
TOPIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "组织": ("组织建设", "自身建设", "经费经审"),
    "维权": ("民主管理", "维权"),
    "帮扶": ("帮扶", "女职工"),
    "建功": ("劳动竞赛", "安全生产"),
    "文化": ("宣传教育", "职工文化"),
}
FAMILY_HEADINGS: dict[str, str] = {
    "组织": "抓规范，夯实工会组织基础",
    "维权": "抓维权，推进民主管理和权益保障",
    "帮扶": "抓帮扶，把温暖送到职工身边",
    "建功": "抓竞赛，团结动员职工建功立业",
    "文化": "抓引领，丰富职工精神文化生活",
}


def family_of(topic: str) -> str:
    for family, members in TOPIC_FAMILIES.items():
        if topic in members:
            return family
    return topic
