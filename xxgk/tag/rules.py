"""Sentence tags by keywords (the ``rules`` system's tagger).

A sentence is tagged by the first rule that fires, in this order:

1. ``other`` for what is not narrative: a bare heading (一、总体情况,
   （一）主动公开情况), metadata and contact lines (索引号, 发布日期, 联系电话 …),
   the compilation basis and statistics period (本报告…编制, 统计期限), a date
   alone, and statements that something did not happen or does not apply
   (未发生, 未收取, 无…情况, 没有…, 无。);
2. ``problem`` for admitted shortcomings (有待, 不足, 不够, 仍存在, 还存在, 差距,
   薄弱 …);
3. ``plan`` for intentions (下一步, 今后, 我局将, 2022年…将, 计划于, 以下工作 …);
   in the section ``problems_improvements`` what is not a problem is a plan
   (its measures are written as imperatives: 进一步推进…, 加强…);
4. ``achievement`` for everything else (the year's work, its measures and figures).

The section matters because the same words change meaning with it (spec
section 3): 进一步规范工作流程 is a measure taken in the overview and a plan in
section 五.

Examples
--------
>>> tag_sentence("主动公开意识有待增强。", "problems_improvements")
'problem'
>>> tag_sentence("下一步，我局将加强培训。", "problems_improvements")
'plan'
>>> tag_sentence("2021年，未收取信息处理费。", "applications")
'other'
>>> tag_sentence("2021年，局门户网站发布信息2550条。", "overview")
'achievement'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["OTHER_PATTERNS", "PROBLEM_WORDS", "PLAN_WORDS", "tag_sentence", "tag_sentences"]

#: Non-narrative sentences and statements that something did not happen.
OTHER_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^(?!.*以下)(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十]+\)|\d+[、.])?[^。,;!?]{0,16}(?:情况|事项|概述|概况|方面|工作)[:。]?$",
        r"索引号|公开方式|发布(?:日期|时间|机构|单位)|文号|来源:|浏览次数|主题分类|栏目:|原文链接|当前位置",
        r"联系(?:电话|地址|方式|人)|电话[:/]|传真|邮编|邮政编码|电子邮箱|网址:|地址:",
        r"本(?:年度)?报告(?:是)?(?:根据|依据|依照|按照|由)|编制本报告|本报告(?:中)?所列数据|统计期限|统计时限|报告如下|电子版",
        r"(?:政府)?信息公开(?:工作)?(?:年度)?报告$",
        r"^\d{4}年\d{1,2}月\d{1,2}日$",
        r"未(?:发生|收取|产生|出现|收到|受理|接到|有|涉及|因)|没有(?:发生|收取|出现|因|收到)|尚未(?:发生|出现)",
        r"^无[。.]?$|无其他需要报告|暂无|无(?:收取|向).{0,30}情况|不存在.{0,20}(?:情况|现象)",
        r"免费(?:为|向)|均未(?:向|收取)|零收费",
        r"^(?:附件|附表|扫一扫|更多信息请关注|相关附件|附件下载|打印|关闭)",
    )
)

#: An admitted shortcoming.
PROBLEM_WORDS: tuple[str, ...] = (
    "有待", "不足", "不够", "仍存在", "还存在", "尚存在", "存在一些", "存在的问题", "差距", "薄弱", "欠缺",
    "不到位", "不完善", "不健全", "不平衡", "不及时", "不规范", "不高", "不强", "偏少", "滞后", "亟待", "仍需", "还需",
    "尚需", "较少", "单一", "不深",
)

#: An intention, wherever it stands. 下一步 and 以下工作 are the spec's plan examples (section 3: 下一步，我局将加强培训 /
#: 重点做好以下工作); 改进措施 is the template's heading word (section 2); the others are general language for
#: the future (今后, 明年, 新的一年, 计划于, 拟于 …). "We (a body) will" is the pattern :data:`_WE_WILL`, not a list
#: of the bodies the gold files happen to hold (我局将 is the spec's example; 我厅将, 我委将 … were read from gold).
PLAN_WORDS: tuple[str, ...] = (
    "下一步", "今后", "下一年", "明年", "新的一年", "将继续", "将进一步", "我们将", "计划于", "拟于", "拟将", "以下工作",
    "以下几个方面", "改进措施",
)

_YEAR_WILL = re.compile(r"\d{4}年[,，]?.{0,12}将")
#: 我 + a body's one- or two-character short name + 将 (我局将, 我区将, 我中心将): general language for "we will".
_WE_WILL = re.compile(r"我[\u4e00-\u9fff]{1,2}将")


def tag_sentence(text: str, section: str) -> str:
    """The tag of one (normalised) sentence in the given section.

    Parameters
    ----------
    text : str
        The sentence, normalised (simplified, NFKC).
    section : str
        Its section label.

    Returns
    -------
    str
        One of ``achievement``, ``problem``, ``plan``, ``other``.
    """
    t = text.strip()
    if any(p.search(t) for p in OTHER_PATTERNS):
        # "did not happen" inside a sentence that also admits a shortcoming is a problem
        if not any(w in t for w in PROBLEM_WORDS) or len(t) < 12:
            return "other"
    if any(w in t for w in PROBLEM_WORDS):
        return "problem"
    if any(w in t for w in PLAN_WORDS) or _YEAR_WILL.search(t) or _WE_WILL.search(t):
        return "plan"
    if section == "problems_improvements":
        return "plan"
    return "achievement"


def tag_sentences(sentences: Sequence[str], sections: Sequence[str]) -> list[str]:
    """:func:`tag_sentence` for every sentence with its section."""
    return [tag_sentence(t, s) for t, s in zip(sentences, sections)]
