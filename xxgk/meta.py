"""Metadata found in a report's text, and the check that it is a report at all: the stage after reading.

:func:`infer_meta` is the stage :func:`xxgk.read` runs on every document
once its blocks are read and its tables found: the script, then
:func:`extract_meta`, then :func:`looks_like_report`.

:func:`extract_meta` fills in :class:`~xxgk.document.DocumentMeta` from what
the text says, whatever the input format:

- ``title``: the ``标题:`` field of a page header, the title line near the
  top (``杭州市应急管理局2021年政府信息公开工作年度报告``), or, when the copy lost
  its title, the report's name where the text cites it (an attachment
  ``河北省科学技术厅2023年政府信息公开工作年度报告.doc``, ``现公布…年度报告``);
- ``body`` (the issuing body, in simplified characters): the title's prefix
  before the year (or the name between year and 政府信息公开), the sign-off
  at the end (``河北省教育厅`` / ``2022年1月20日``), ``由…编制``, a
  ``发布机构:`` field, and as a last resort the most cited body name;
- ``year`` (the reported year, not the publication year): from the title,
  the statistics period (``统计期限自2021年1月1日起至2021年12月31日止``), the
  year the text names most, or the publication year minus one;
- ``published`` (ISO ``YYYY-MM-DD``): ``发布时间/发布日期/公开日期/成文日期``
  fields, else the sign-off date (Chinese numerals included: 二○一二年二月二十日).

All matching runs on a flattened form of each paragraph (NFKC, traditional →
simplified, pinyin annotations such as ``報(bào)`` and white space inside
Chinese text removed), so traditional and noisy sources work the same way.

:func:`looks_like_report` weighs the evidence that a text is an annual
report on open government information (政府信息公开工作年度报告).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass

from .document import Document, DocumentMeta
from .errors import NotAReportError, NotAReportWarning
from .normalize import detect_script, to_simplified

__all__ = ["infer_meta", "extract_meta", "looks_like_report", "report_evidence", "parse_date", "REPORT_FEATURES"]

_YEAR_MIN, _YEAR_MAX = 2007, 2099  # the regulation took effect on 2008-05-01

# --------------------------------------------------------------------------
# flattening

_PINYIN = re.compile(r"(?<=[\u3400-\u9fff])\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńň]{1,8}\)")
_WS = re.compile(r"\s+")


def _flat(text: str) -> str:
    """NFKC, no pinyin annotations, simplified, white space kept only between Latin letters or digits."""
    t = unicodedata.normalize("NFKC", text)
    t = _PINYIN.sub("", t)
    t = to_simplified(t)

    def keep(m: re.Match) -> str:
        a = t[m.start() - 1] if m.start() > 0 else ""
        b = t[m.end()] if m.end() < len(t) else ""
        return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""

    return _WS.sub(keep, t).strip()


def _paragraph_texts(doc: Document) -> list[str]:
    return [_flat(p.text) for p in doc.paragraphs if p.text.strip()]


# --------------------------------------------------------------------------
# dates


_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})(?!\d)\s*日?")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0, "0": 0}
_CN_DATE = re.compile(
    r"([〇○零O0一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)


def _cn_number(s: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 三十一 → 31."""
    if "十" not in s:
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _iso(y: int, m: int, d: int) -> str | None:
    if not (_YEAR_MIN <= y <= _YEAR_MAX and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``, or None.

    >>> parse_date("发布时间:2022-02-08 16:34"), parse_date("2024年01月26日"), parse_date("二○一二年二月二十日")
    ('2022-02-08', '2024-01-26', '2012-02-20')
    """
    m = _DATE.search(text)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _CN_DATE.search(text)
    if m:
        y = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _iso(y, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


# --------------------------------------------------------------------------
# header fields (发布机构: / 发布时间: / 标题: …)

_FIELD_LABELS = (
    "标题", "题名", "文章标题", "发布机构", "发布单位", "发文机关", "发文单位", "发布部门", "所属机构", "信息来源",
    "来源", "发布时间", "发布日期", "公开日期", "成文日期", "生成日期", "印发日期", "时间", "日期", "索引号",
    "公开方式", "文号", "发文字号", "主题分类", "关键词", "浏览次数", "点击数", "作者", "栏目", "原文链接",
    "体裁", "生效日期", "废止日期", "分享到", "公开范围", "公开时限", "有效性", "访问量",
)  # fmt: skip
_FIELD = re.compile("(" + "|".join(sorted(_FIELD_LABELS, key=len, reverse=True)) + r")\s*:")
_FIELD_LINE = re.compile(r"^[|【\[]*(?:" + "|".join(_FIELD_LABELS) + r")\s*[:|]")


def _fields(paras: list[str], limit: int = 40) -> dict[str, str]:
    """The ``label: value`` fields of the page header lines among the first paragraphs (first value wins)."""
    out: dict[str, str] = {}
    for t in paras[:limit]:
        if not _FIELD_LINE.match(t):
            continue
        matches = list(_FIELD.finditer(t))
        for k, m in enumerate(matches):
            end = matches[k + 1].start() if k + 1 < len(matches) else len(t)
            value = t[m.end() : end].strip(" |")
            value = value.split("|")[0].strip()
            if value and m.group(1) not in out:
                out[m.group(1)] = value
    return out


# --------------------------------------------------------------------------
# title and body

_REPORT_NAME = r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报|总结)"
_STOP = r"\s,.;:!?。，；：！？、()（）《》〈〉“”\"'|【】\[\]<>"
_TITLE_RE = re.compile(
    rf"(?P<pre>[^{_STOP}0-9]{{0,40}}?)(?P<year>(?:19|20)\d{{2}})年度?(?P<mid>[^{_STOP}0-9]{{0,20}}?){_REPORT_NAME}"
)
_LEAD_VERBS = re.compile(r"^.*(?:现将|公布|发布|印发|编制了?|编写了?|根据|依据|按照|现就|关于|做好|报送|上报|提交)")
_ORG_END = re.compile(
    r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|办事处|街道|厅|局|委|办|院|署|中心|乡|镇|区|县|市|省|公司|队|站|所|会|部|处)$"
)
_NOT_ORG = re.compile(
    r"工作|情况|关于|做好|要点|落实|编制|报告|通知|年度|公开|条例|办法|我们|以下|有关|本年|全年"
    r"|时间|日期|来源|发布|浏览|点击|网站|平台"
)


def _clean_body(s: str) -> str | None:
    """A plausible body name from a candidate string, or None."""
    s = re.sub(r"^(?:附件|附)?\d*[、.:]?", "", s.strip(" |:"))
    s = re.sub(r"^.*?(?:事项|事宜)(?:无|:)?", "", s)  # …其他需要报告的事项无河北省…厅 (crawler sign-off)
    if not 2 <= len(s) <= 30 or any(c.isdigit() or c.isascii() for c in s):
        return None
    if s[0] in "我本全各该其此这" or _NOT_ORG.search(s) or s in ("政府", "人民政府"):
        return None
    return s if _ORG_END.search(s) else None


def _inside_brackets(text: str, pos: int) -> bool:
    head = text[:pos]
    return head.count("《") > head.count("》") or head.count("〈") > head.count("〉")


#: The body speaking of itself (本机关, 我局 …): a phrase in the text, not the body's name in a title.
_SELF_REFERENCE = re.compile(r"本(?:机关|局|单位|委|办|院|厅|部门|府|中心|镇|乡|街道)|我(?:局|委|办|厅|院|区|县|市|镇|乡|单位|中心)")
#: A form label glued to the title by a page copy: 名称宿迁市… / 标题: / 信息名称：
_TITLE_LABEL = re.compile(r"^(?:信息名称|文章标题|标题|题名|名称)[:：]?")
#: The contact paragraph: 如有疑问，请联系宿迁市宿城区司法局办公室 / 联系单位：…
_CONTACT = re.compile(r"(?:联系|咨询|联系单位|受理机构)[:：]?(?P<org>[^\s,，。:：;；、()（）]{4,34}?)(?:办公室|联系|咨询|,|，|。|;|；|地址|电话|$)")


@dataclass
class _TitleHit:
    title: str
    year: int
    body: str | None
    how: str = "citation of the report's name"


def _title_hits(t: str) -> list[_TitleHit]:
    """Every citation of a report name (…YYYY年…政府信息公开工作年度报告) in a flat paragraph."""
    hits = []
    for m in _TITLE_RE.finditer(t):
        if _inside_brackets(t, m.start()):
            continue
        pre = m.group("pre")
        if "关于" in pre:
            continue  # a notice about reports, not a report
        if _SELF_REFERENCE.search(pre + m.group("mid")):
            continue  # 2009年度本机关信息公开年度报告: a preface phrase, not a title
        by = re.search(r"由(.+?)(?:负责|牵头)?编制", pre)
        cand = by.group(1) if by else _LEAD_VERBS.sub("", pre)
        body = _clean_body(cand) or _clean_body(m.group("mid"))
        year = int(m.group("year"))
        if not _YEAR_MIN <= year <= _YEAR_MAX:
            continue
        title = (cand if _clean_body(cand) else "") + m.group(0)[len(pre) :]
        hits.append(_TitleHit(title=title, year=year, body=body))
    return hits


def _find_title(paras: list[str], fields: dict[str, str]) -> _TitleHit | None:
    """The report's own title: a header field, a title line near the top, or a citation of its name."""
    for label in ("标题", "题名", "文章标题"):
        value = fields.get(label, "")
        hits = _title_hits(value)
        if hits:
            return _TitleHit(value, hits[0].year, hits[0].body, f"{label} field")
    for k, t in enumerate(paras[:15]):
        t = _TITLE_LABEL.sub("", t)
        if len(t) > 80 or _FIELD_LINE.match(t) or re.match(r"^(?:根据|按照|依据|本|现将|为)", t):
            continue
        hits = _title_hits(t)
        if hits and len(hits[0].title) >= 0.6 * len(t.strip(" |")):
            hit = _TitleHit(t.strip(" |"), hits[0].year, hits[0].body, "title line")
            return _two_line_title(hit, paras[k - 1] if k > 0 else None)
    # the text cites its own name with the body's: 附件：河北省教育厅2022年…年度报告.doc; a citation without
    # it (现将2017年政府信息公开工作报告如下, 编制了2016年…报告) is a phrase of the text, not the title
    hits = [hit for t in paras for hit in _title_hits(t) if hit.body is not None]
    if hits:
        hit = hits[0]
        return _TitleHit(re.sub(r"\.(?:docx?|pdf|wps|xlsx?)$", "", hit.title), hit.year, hit.body)
    return None


def _cited_year(paras: list[str]) -> int | None:
    """The year of the report's name where the text cites it without the body (现将2017年…工作报告如下)."""
    hits = [hit for t in paras for hit in _title_hits(t)]
    return hits[0].year if hits else None


def _two_line_title(hit: _TitleHit, before: str | None) -> _TitleHit:
    """A title printed on two lines: the body on one line, ``2021年政府信息公开工作年度报告`` on the next."""
    if hit.body is None and before and not re.match(r"^(?:19|20)\d{2}", hit.title):
        return hit
    if hit.body is None and before:
        body = _clean_body(_TITLE_LABEL.sub("", before).strip(" |"))
        if body:
            return _TitleHit(body + hit.title, hit.year, body, "title on two lines")
    return hit


def _contact_body(paras: list[str]) -> str | None:
    """The body named in the contact paragraph at the end: 如有疑问，请联系宿迁市宿城区司法局办公室。"""
    for t in reversed(paras[-12:]):
        for m in _CONTACT.finditer(t):
            org = re.sub(r"^(?:请|与|向)", "", m.group("org"))
            body = _clean_body(org)
            if body and _PLACE_ORG.match(body):
                return body
    return None


def _sign_off(paras: list[str]) -> tuple[str | None, str | None]:
    """Body and date of the sign-off at the end of the report (either may be None).

    The sign-off is a date standing alone with the body on the line before
    (河北省教育厅 / 2022年1月20日), or body and date glued at the end of the
    last paragraph (…。河北省人力资源和社会保障厅2019年1月30日更多信息…).
    """
    tail = paras[-8:]
    for k in range(len(tail) - 1, -1, -1):
        t = tail[k]
        if _FIELD_LINE.match(t):
            continue  # 发布时间: … is a page header, not a sign-off
        dates = [m for rx in (_DATE, _CN_DATE) for m in rx.finditer(t) if parse_date(m.group(0))]
        if not dates:
            continue
        m = max(dates, key=lambda d: d.start())
        date = parse_date(m.group(0))
        before, after = t[: m.start()], t[m.end() :]
        if before.strip(" |:") == "" and len(after) <= 4:  # a date standing alone
            body = _clean_body(tail[k - 1]) if k > 0 and len(tail[k - 1]) <= 30 else None
            return body, date
        if len(after) > 30:
            continue  # a date inside the text, not a sign-off
        seg = re.split(r"[。!?;]", before)[-1]
        body = _clean_body(seg) if len(seg) <= 40 else None
        if body:
            return body, date
    return None, None


_COMPILED_BY = re.compile(rf"由(?P<org>[^{_STOP}0-9]{{2,30}}?)(?:负责|牵头)?(?:编制|编写|制作)")
_FUNCTION_CHARS = "的和与及在对为是将由从向于以把被并或等请各该本我其些经按据全"
_PLACE_ORG = re.compile(
    rf"[^\W\d_a-zA-Z{_FUNCTION_CHARS}]{{2,8}}?(?:省|市|自治区|自治州|县|区|旗|盟)[\u4e00-\u9fff]{{0,12}}?"
    r"(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管委会|街道办事处|厅|局)"
)


def _is_short_form(short: str, full: str) -> bool:
    """Whether ``short`` names the same body as ``full`` in fewer characters.

    Either a part of it (建新镇 / 遂溪县建新镇人民政府) or an abbreviation that
    keeps the first and last characters and picks some in between, as
    Chinese abbreviations do (河北省科技厅 / 河北省科学技术厅, 人社厅 /
    人力资源和社会保障厅).
    """
    if short == full or len(short) >= len(full):
        return False
    if short in full:
        return True
    if short[0] != full[0] or short[-1] != full[-1]:
        return False
    it = iter(full)
    return all(c in it for c in short)


def _most_cited_body(paras: list[str], min_count: float = 2.0) -> str | None:
    """The body name (with its place: 河北省科学技术厅) the text cites most.

    A citation inside 《》 (the title of a document the body issued) counts
    half; abbreviations count for the full name; a name cited less than
    ``min_count`` times is not trusted.
    """
    counts: dict[str, float] = {}  # a citation in 《》 counts half
    order: dict[str, int] = {}
    for t in paras:
        for m in _PLACE_ORG.finditer(t):
            body = _clean_body(m.group(0))
            if not body:
                continue
            counts[body] = counts.get(body, 0.0) + (0.5 if _inside_brackets(t, m.start()) else 1.0)
            order.setdefault(body, len(order))
    for short in list(counts):
        fuller = [b for b in counts if _is_short_form(short, b)]
        if fuller and short in counts:
            counts[max(fuller, key=lambda b: counts[b])] += counts.pop(short)
    if not counts:
        return None
    best = max(counts, key=lambda b: (counts[b], -order[b]))
    return best if counts[best] >= min_count else None


_SUBJECT = re.compile(r"(?<!\d)(?:19|20)\d{2}年(?:度|以来)?,?(?P<org>" + _PLACE_ORG.pattern + ")")


def _subject_body(paras: list[str]) -> str | None:
    """The body named as the subject of the year's summary: 2022年,河北省科学技术厅坚持…"""
    for t in paras:
        m = _SUBJECT.search(t)
        if m and not _inside_brackets(t, m.start()):
            body = _clean_body(m.group("org"))
            if body:
                return body
    return None


def _better_body(first: str | None, other: str | None) -> str | None:
    """Keep ``first`` unless ``other`` is a fuller name of the same body (建新镇 → 遂溪县建新镇人民政府)."""
    if first and other and _is_short_form(first, other):
        return other
    return first or other


# --------------------------------------------------------------------------
# year

_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计期|数据统计|统计截止|统计区间)[^。]{0,20}?((?:19|20)\d{2})年0?1月0?1日"
    r"|((?:19|20)\d{2})年0?1月0?1日(?:起)?(?:至|到|-|—|~)(?:(?:19|20)\d{2}年)?12月31日"
)
_YEAR_MENTION = re.compile(r"(?<!\d)((?:19|20)\d{2})年(?!\d{1,2}月\d)")


def _period_year(paras: list[str]) -> int | None:
    for t in paras:
        m = _PERIOD.search(t)
        if m:
            y = int(m.group(1) or m.group(2))
            if _YEAR_MIN <= y <= _YEAR_MAX:
                return y
    return None


def _most_named_year(paras: list[str]) -> int | None:
    counts = Counter(int(y) for t in paras for y in _YEAR_MENTION.findall(t) if _YEAR_MIN <= int(y) <= _YEAR_MAX)
    return counts.most_common(1)[0][0] if counts else None


# --------------------------------------------------------------------------
# entry points


def extract_meta(doc: Document) -> DocumentMeta:
    """Fill in ``title``, ``body``, ``year`` and ``published`` of ``doc.meta`` from the text.

    Fields a reader already set are kept. ``body`` is in simplified
    characters, ``title`` in the flattened simplified form, ``published`` in
    ISO form.

    Parameters
    ----------
    doc : Document
        A document as read; its paragraphs are searched.

    Returns
    -------
    DocumentMeta
        ``doc.meta``, filled in.

    Examples
    --------
    >>> from xxgk.document import Paragraph
    >>> doc = Document(blocks=[Paragraph(text=t) for t in (
    ...     "杭州市應急管理局2021年政府信息公開工作年度報告", "時間:2022-01-27 10:54", "一、總體情況")])
    >>> m = extract_meta(doc)
    >>> m.body, m.year, m.published
    ('杭州市应急管理局', 2021, '2022-01-27')
    """
    meta = doc.meta
    paras = _paragraph_texts(doc)
    if not paras:
        return meta
    fields = _fields(paras)
    hit = _find_title(paras, fields)
    sign_body, sign_date = _sign_off(paras)

    origin = _Origin(doc, paras, meta)
    if meta.title is None and hit is not None:
        meta.title = hit.title
        origin.found("title", hit.how, hit.title, hit.title[-12:])
    else:
        origin.absent("title", "no title line, 标题 field or citation of the report's name with the body's")

    if meta.published is None:
        for label in ("发布时间", "发布日期", "公开日期", "时间", "日期", "成文日期", "印发日期", "生成日期"):
            date = parse_date(fields.get(label, ""))
            if date:
                meta.published = date
                break
        else:
            meta.published = sign_date

    if meta.body is None:
        meta.body, how = _find_body(paras, fields, hit, sign_body)
        if meta.body:
            origin.found("body", how, meta.body)
        else:
            origin.absent("body", "no body named in a title, sign-off, header field, contact paragraph or the text")
    else:
        origin.absent("body", "")

    if meta.year is None:
        year, how = (hit.year, "title") if hit else (_cited_year(paras), "citation of the report's name")
        if year is None:
            year, how = _period_year(paras), "statistics period"
        if year is None:
            year, how = _most_named_year(paras), "the year the text names most"
        if year is None and meta.published:
            year, how = int(meta.published[:4]) - 1, "publication date minus one"
        meta.year = year
        if year is None:
            origin.absent("year", "no year in the text")
        elif how == "publication date minus one":
            origin.found("year", how, meta.published[:4] if meta.published else "")
        elif how == "title" and hit is not None:
            origin.found("year", how, hit.title, hit.title[-12:])
        else:
            origin.found("year", how, f"{year}")
    else:
        origin.absent("year", "")
    return meta


def _find_body(paras: list[str], fields: dict[str, str], hit: _TitleHit | None,
               sign_body: str | None) -> tuple[str | None, str]:
    """The issuing body and how it was found, in order of trust."""
    title_body = hit.body if hit else None
    body = _better_body(title_body, sign_body)
    if body is not None:
        return body, "title" if body == title_body else "sign-off"
    m = next((m for t in paras if (m := _COMPILED_BY.search(t))), None)
    body = _clean_body(m.group("org")) if m else None
    if body:
        return body, "由…编制"
    for label in ("发布机构", "发布单位", "发文机关", "发文单位", "发布部门", "来源", "信息来源", "所属机构"):
        value = fields.get(label, "")
        if value and not re.search(r"网|平台|原创|本站", value):
            body = _clean_body(value)
            if body:
                return body, f"{label} field"
    for how, find in (("subject of the year's summary", _subject_body), ("contact paragraph", _contact_body),
                      ("the body the text cites most", _most_cited_body)):
        body = find(paras)
        if body:
            return body, how
    return None, ""


class _Origin:
    """Where each metadata field came from: ``meta.origin[field] = {"how", "line", "page"}`` or ``{"absent"}``.

    The line is that of the first paragraph holding the value (in its flat
    form); a field a reader set keeps the reader's word.
    """

    def __init__(self, doc: Document, paras: list[str], meta: DocumentMeta) -> None:
        self.paras = paras
        self.provs = [p.provenance for p in doc.paragraphs if p.text.strip()]
        self.meta = meta
        self.preset = {f for f in ("title", "body", "year") if getattr(meta, f) is not None}

    def found(self, name: str, how: str, *needles: str) -> None:
        k = next((i for needle in needles for i, t in enumerate(self.paras) if needle and needle in t), None)
        prov = self.provs[k] if k is not None else None
        self.meta.origin[name] = {"how": how, "line": prov.line if prov else None, "page": prov.page if prov else None}

    def absent(self, name: str, reason: str) -> None:
        if name in self.preset:
            self.meta.origin.setdefault(name, {"how": "set by the reader", "line": None, "page": None})
        else:
            self.meta.origin[name] = {"absent": reason}


#: The evidence :func:`looks_like_report` weighs: (name, pattern) on flattened simplified text.
REPORT_FEATURES: tuple[tuple[str, str], ...] = (
    ("disclosure", r"政府信息公开|政务公开|信息公开"),
    ("report", r"年度报告|工作报告|公开(?:工作)?(?:年度)?(?:报告|年报)|报告如下|工作总结|本报告|本年报"),
    ("proactive", r"主动公开"),
    ("on_request", r"依申请|公开申请|申请公开"),
    ("review_litigation", r"行政复议|行政诉讼"),
    ("period", r"统计期限|统计时限|所列数据|统计期|统计数据"),
    ("fees", r"收费|减免|信息处理费"),
    ("problems", r"存在的(?:主要)?问题|不足|改进"),
    ("regulation", r"政府信息公开条例|《条例》"),
    ("overview", r"总体(?:工作)?情况|概述|基本情况"),
    ("numbered_heading", r"(?m)^[一二三四五六七八九十]{1,2}[、.][^\n]{0,24}(?:公开|情况|概述|问题|事项)[^\n]{0,12}$"),
)
_FEATURES = tuple((name, re.compile(p)) for name, p in REPORT_FEATURES)
_EVIDENCE_CHARS = 30000


def report_evidence(doc: Document) -> list[str]:
    """The names of the :data:`REPORT_FEATURES` found in the document's text (its first 30 000 characters).

    Paragraphs and table cells are flattened (simplified, NFKC, no white
    space) and searched one per line.
    """
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts.append(t.text)
        parts.extend(c.text for c in t.cells)
    lines, size = [], 0
    for part in parts:
        if size > _EVIDENCE_CHARS:
            break
        lines.append(_flat(part))
        size += len(part)
    text = "\n".join(lines)
    return [name for name, rx in _FEATURES if rx.search(text)]


def looks_like_report(doc: Document, *, min_features: int = 3) -> bool:
    """Whether the text shows enough signs of an open government information annual report.

    The text must speak of 信息公开 and show at least ``min_features`` of the
    :data:`REPORT_FEATURES` (a report name, 主动公开, 依申请公开, 行政复议,
    the statistics period, fees, problems and improvements, the regulation,
    an overview heading), one of them a report name (年度报告, 本报告, 报告如下
    …); without a report name, ``min_features + 2``. A news item that mentions
    政府信息公开 in passing, or anything else, falls short.

    Parameters
    ----------
    doc : Document
        The document as read.
    min_features : int, default 3
        How many features a text that names a report must show.

    Returns
    -------
    bool
    """
    if not isinstance(min_features, int) or min_features < 1:
        raise ValueError(
            f"The 'min_features' parameter of looks_like_report must be a positive int. Got {min_features!r} instead."
        )
    found = report_evidence(doc)
    if "disclosure" not in found:
        return False
    need = min_features if "report" in found else min_features + 2
    return len(found) >= need


def infer_meta(doc: Document, *, strict: bool = False, name: str | None = None) -> DocumentMeta:
    """The metadata stage of reading: script, the metadata the text states, and the report check.

    Parameters
    ----------
    doc : Document
        A document as its format's reader returned it, tables found.
    strict : bool, default False
        Raise :class:`~xxgk.errors.NotAReportError` instead of warning (and
        recording the warning in ``doc.warnings``) when the text shows no
        sign of being an annual report.
    name : str, optional
        The source's name in messages (default: ``doc.meta.source``).

    Returns
    -------
    DocumentMeta
        ``doc.meta``, filled in.
    """
    path = name or doc.meta.source or "<document>"
    doc.meta.script = detect_script(doc.text)
    extract_meta(doc)
    if not looks_like_report(doc):
        msg = f"{path}: no sign of an open government information annual report (政府信息公开工作年度报告) was found."
        if strict:
            raise NotAReportError(path, "No sign of an open government information annual report was found.",
                                  "Check that this is the right file, or drop --strict.")
        doc.warnings.append(msg)
        warnings.warn(msg, NotAReportWarning, stacklevel=3)
    return doc.meta
