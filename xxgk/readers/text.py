r"""Plain-text reports: decoding, paragraphs with provenance, heading candidates.

Text reaches xxgk in several shapes, and :func:`read_text` turns each into
one paragraph per :class:`~xxgk.document.Paragraph`:

- **one paragraph per line** (web pages copied as text, the seed): each
  non-blank line is a paragraph;
- **run-on crawler copies**: the whole body is one long line in which white
  space marks the lost paragraph breaks (``。 一、总体情况 2022年，…`` or runs of
  full-width spaces ``\u3000\u3000``). Such a line is split at the white
  space that separates paragraphs, and not at the white space inside a
  sentence (after a colon or comma, between digits, around a spaced number
  such as ``成立 70 周年``, inside brackets);
- **labels written one character per line** (``三`` / ``、`` / ``本`` / ``年`` …),
  rejoined into one paragraph;
- **hard-wrapped lines** (a PDF copied to text): a line is joined to the next
  when it does not end a sentence and is about as long as its neighbours;
- a **title broken over two lines** (``…信息公开工作`` / ``年度报告``).

Every paragraph keeps where it came from: the 1-based line of its first
character and its ``char_start``/``char_end`` in the decoded text.
Statistical tables are *not* detected here; :mod:`xxgk.tablefind`
runs afterwards and turns table regions into :class:`~xxgk.document.Table`
blocks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..document import Block, Document, DocumentMeta, Paragraph, Provenance
from ..errors import EmptyFileError, EncodingError
from .garble import common_ideographs

__all__ = ["read_text", "decode_text", "is_heading"]

# --------------------------------------------------------------------------
# decoding

_BOM_UTF8 = b"\xef\xbb\xbf"
# (codec, name reported in DocumentMeta.encoding); cp950 and big5hkscs are the
# two supersets of Big5 in use (Windows / Hong Kong), tried when strict Big5 fails.
_CANDIDATES = (("utf-8", "utf-8"), ("gb18030", "gb18030"), ("big5", "big5"), ("cp950", "big5"), ("big5hkscs", "big5"))
# Share of characters that must look like real text for a decoding to count.
_MIN_PLAUSIBLE = 0.75
# A decoding may replace at most this share of bytes (a damaged byte or two).
_MAX_REPLACED = 0.002


def _plausibility(text: str) -> float:
    """Share (0-1) of the non-space characters of ``text`` that look like real Chinese or ASCII text."""
    common = common_ideographs()
    sample = [c for c in text[:60000] if not c.isspace()]
    if not sample:
        return 1.0
    score = 0.0
    for c in sample:
        o = ord(c)
        if c in common or 0x21 <= o <= 0x7E:
            score += 1.0
        elif 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2010 <= o <= 0x2027 or c in "·×÷°±℃№":
            score += 1.0  # CJK and full-width punctuation, dashes, quotes
        elif 0x4E00 <= o <= 0x9FFF:
            score += 0.6  # a real but rarer character: names, places
        elif o == 0xFFFD:
            score -= 2.0
        # kana, Cyrillic, Greek, box drawing, private use, extensions: 0
    return score / len(sample)


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    UTF-8 (with or without BOM), GB18030 (a superset of GBK and GB2312) and
    Big5 are tried. Big5 bytes often decode as GB18030 too, into garbage, so
    each decoding that succeeds is scored by how much of it is everyday
    Chinese or ASCII text and the most plausible one wins (UTF-8 on a tie).
    A decoding that needs to replace a byte or two (a damaged file) is
    accepted when it is still plausible.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    path : str
        The file's name, for messages.

    Returns
    -------
    text : str
        The decoded text, without BOM.
    encoding : str
        ``"utf-16"`` (with a byte-order mark), ``"utf-8-sig"``, ``"utf-8"``, ``"gb18030"`` or ``"big5"``.

    Raises
    ------
    xxgk.errors.EncodingError
        When no decoding gives plausible text.

    Examples
    --------
    >>> decode_text("政府信息公开".encode("gb18030"), "a.txt")
    ('政府信息公开', 'gb18030')
    >>> decode_text("政府資訊公開".encode("big5"), "a.txt")
    ('政府資訊公開', 'big5')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise EncodingError(path, "The file starts with a UTF-16 byte-order mark but does not decode as UTF-16.",
                                "Convert the file to UTF-8.") from err
    if data.startswith(_BOM_UTF8):
        text = data[len(_BOM_UTF8) :].decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(1, _MAX_REPLACED * len(data)):
            return text, "utf-8-sig"
    best: tuple[float, str, str] | None = None
    for codec, name in _CANDIDATES:
        try:
            text = data.decode(codec)
            replaced = 0
        except UnicodeDecodeError:
            text = data.decode(codec, errors="replace")
            replaced = text.count("\ufffd")
            if replaced > max(1, _MAX_REPLACED * len(data)):
                continue
        score = _plausibility(text) - (0.01 * replaced)
        if best is None or score > best[0] + 1e-9:
            best = (score, text, name)
        if replaced == 0 and score > 0.97:
            break  # clearly right: skip the slower codecs
    if best is None or best[0] < _MIN_PLAUSIBLE:
        raise EncodingError(
            path,
            "The bytes are not text in UTF-8, GB18030/GBK or Big5 (no decoding gives readable Chinese).",
            "Open the file in an editor, check its encoding and save it as UTF-8.",
        )
    return best[1], best[2]


# --------------------------------------------------------------------------
# headings

_CN_NUM = "一二三四五六七八九十百零〇○"
_DIGIT = "0-9０-９"
#: Numbering that opens a heading: 一、 一. （一） (一) 1. 1、 （1） 第一部分 …
_NUMBERING = re.compile(
    rf"^\s*(?:[{_CN_NUM}]+\s*[、.．,，]"
    rf"|[（(]\s*[{_CN_NUM}]+\s*[)）]"
    rf"|[{_DIGIT}]{{1,2}}\s*(?:[、．]|\.(?![{_DIGIT}]))"
    rf"|[（(]\s*[{_DIGIT}]{{1,2}}\s*[)）]"
    rf"|第[{_CN_NUM}{_DIGIT}]+(?:部分|章|节|篇))"
)
_SENTENCE_END = "。！？!?"
_LATIN_STOP = re.compile(r"[A-Za-z)]\.$")


def _ends_sentence(text: str) -> bool:
    """Whether a line ends a sentence: 。！？ or a Latin full stop after a word."""
    return bool(text) and (text[-1] in _SENTENCE_END or bool(_LATIN_STOP.search(text)))


_HEADING_MAX = 40  # characters, without final punctuation
_HEADING_MAX_PUNCT = 25  # a heading written as a short sentence: （一）主动公开方面。


def is_heading(text: str) -> bool:
    """Whether a paragraph has the form of a heading.

    A heading starts with numbering (一、 / 一. / （一） / (一) / 1. / 1、 /
    （1） / 第一部分) and is short: at most 40 characters with no sentence end,
    or at most 25 ending in 。！？ (``（一）主动公开方面。``). Whether it is a
    section heading is for the segmenter to decide.

    >>> is_heading("一、总体情况"), is_heading("（一）主动公开方面。"), is_heading("2021年，共受理申请6件。")
    (True, True, False)
    """
    t = text.strip()
    if not t or not _NUMBERING.match(t):
        return False
    body = t.rstrip(_SENTENCE_END + '”’"')
    if any(c in _SENTENCE_END for c in body):
        return False  # two sentences: a paragraph that starts with a heading
    if len(body) == len(t):
        return len(t) <= _HEADING_MAX
    return len(t) <= _HEADING_MAX_PUNCT


# --------------------------------------------------------------------------
# lines and run-on splitting


@dataclass
class _Seg:
    """A piece of text on one line: a paragraph, or part of one before joining."""

    line: int  # 1-based
    start: int  # offsets in the decoded text
    end: int
    text: str
    blank_before: bool = False  # a blank line (or the start) comes before it
    run_on: bool = False  # cut out of a run-on line

    @property
    def width(self) -> int:
        return _width(self.text)


def _width(text: str) -> int:
    """Display width: full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_SPACE = "\t\f\v \u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
_WS_RUN = re.compile(f"[{_SPACE}]+")
_SEPARATOR = re.compile(r"^\s*[=\-*#~_—]{3,}\s*\S{0,12}\s*[=\-*#~_—]{3,}\s*$|^\s*[=\-*#~_—]{5,}\s*$")
_RULE_ONLY = re.compile(r"^[\s|｜+\-=_─━│┃┼╋]*$")

_OPEN = "（(《〈【[“‘「『"
_CLOSE = "）)》〉】]”’」』"
#: after these, white space is inside a sentence
_NO_BREAK_AFTER = "，,、；;（(《〈【[“‘「『·/-—”’」』"
#: before these, white space is inside a sentence
_NO_BREAK_BEFORE = "，,、；;：:）)》〉】]”’」』。.！!？?%‰"
#: a number spaced from the unit that follows it is one word: 成立 70 周年, 2010 年
_UNITS = "年月日时分秒周个条件次人项元万亿千百%‰家所座户名岁天期篇份余多批场册本部套"
_NUM = re.compile(r"[0-9０-９.．%]+")


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _bracket_depths(line: str) -> list[int]:
    """Bracket depth before each character, reset at every sentence end."""
    depths = []
    d = 0
    for ch in line:
        depths.append(d)
        if ch in _OPEN:
            d += 1
        elif ch in _CLOSE:
            d = max(0, d - 1)
        elif ch in "。！？":
            d = 0
    return depths


def _break_kind(line: str, start: int, end: int, depth: int) -> str | None:
    """Is the white space ``line[start:end]`` a lost paragraph break?

    Returns None (inside a sentence), ``"break"``, or ``"strong"`` (a break
    with evidence of the run-on form: after a sentence end, before heading
    numbering, or a run of full-width spaces).
    """
    ws = line[start:end]
    prev, nxt = line[start - 1], line[end]
    rest = line[end:]
    if ws.count("\u3000") >= 2:
        return "strong"  # paragraph indentation of a page joined into one line
    if depth > 0 or nxt in _NO_BREAK_BEFORE:
        return None
    if prev in "。！？!?":
        return "strong"
    numbered = bool(_NUMBERING.match(rest))
    if prev in "：:":
        # 当前位置： 首页… is one item; 如下: 一、… and 相关链接： --> are two
        token = rest.split(None, 1)[0] if rest.split(None, 1) else ""
        return "strong" if numbered or not any(c.isalnum() for c in token) else None
    if prev in _NO_BREAK_AFTER or nxt in "“‘「『":
        return None
    if prev in ".．、" and start >= 2 and (line[start - 2].isdigit() or line[start - 2] in _CN_NUM):
        return None  # 一、 概述 / 1. 门户网站: numbering spaced from its heading
    if _ascii_alnum(prev) and _ascii_alnum(nxt):
        return None  # 2022-02-08 16:34, 0 0 0, APP store
    if nxt.isdigit():
        m = _NUM.match(rest)
        after = rest[m.end() :] if m else ""
        unit = after.lstrip()[:1]
        if after[:1].isspace() and unit and unit in _UNITS:
            return None  # 成立 70 周年
    if prev.isdigit() and nxt in _UNITS:
        head = line[:start]
        m = re.search(r"[0-9０-９.．]+$", head)
        if m and m.start() > 0 and line[m.start() - 1].isspace():
            return None  # the second space of 成立 70 周年
    return "strong" if numbered else "break"


def _is_ideograph(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _cjk_spaces(line: str) -> list[int]:
    """Positions of the single spaces between two ideographs."""
    return [i for i in range(1, len(line) - 1)
            if line[i] in " \u00a0" and _is_ideograph(line[i - 1]) and _is_ideograph(line[i + 1])]


def _wraps_as_spaces(line: str) -> bool:
    """Whether a long line is a wrapped paragraph whose line ends became single spaces.

    Such spaces fall at about the same distance from each other (the page's
    line width), most of them inside a sentence; the paragraph breaks of a
    crawler copy fall where sentences and headings end, at any distance.
    """
    pos = _cjk_spaces(line)
    if len(pos) < 3:
        return False
    gaps = sorted(_width(line[a + 1 : b]) for a, b in zip(pos, pos[1:]))  # display width: digits count half
    mid = gaps[len(gaps) // 2]
    regular = sum(1 for g in gaps if 0.85 * mid <= g <= 1.15 * mid)
    return mid >= 24 and regular >= 0.6 * len(gaps)


def _wrapped_space(line: str, start: int, end: int) -> bool:
    """Whether the single space ``line[start:end]`` between two ideographs is where a wrapped line was joined.

    A DOCX or PDF conversion turns the soft wraps of a paragraph into single
    spaces (``…收到政府信 息公开申请``): no paragraph break. A break it stays only
    after a short numbered heading (``（一）主动公开情况 我局…``).
    """
    if end - start != 1 or line[start] not in " \u00a0" or not (_is_ideograph(line[start - 1]) and _is_ideograph(line[end])):
        return False
    head = line[:start]
    cut = max(head.rfind(c) for c in " \u3000\t。！？!?；;")
    piece = head[cut + 1 :]
    return not (_NUMBERING.match(piece) and len(piece) <= 30)


#: A run-on line is at least this long (characters); see :func:`_segments`.
_RUN_ON_MIN = 200


def _run_on_cuts(line: str) -> tuple[list[tuple[int, int]], int]:
    """The pieces of ``line`` between its paragraph breaks, and the number of strong breaks."""
    depths = _bracket_depths(line)
    wrapped = _wraps_as_spaces(line)
    pieces: list[tuple[int, int]] = []
    strong = 0
    pos = 0
    for m in _WS_RUN.finditer(line):
        if m.start() == 0 or m.end() == len(line):
            continue
        kind = _break_kind(line, m.start(), m.end(), depths[m.start()])
        if kind == "break" and wrapped and _wrapped_space(line, m.start(), m.end()):
            kind = None  # …政府信 息公开申请情况: a wrapped line joined with a space
        if kind is None:
            continue
        strong += kind == "strong"
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(line)))
    return pieces, strong


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` of ``text`` to leave out white space at its edges."""
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "\ufeff"):
        end -= 1
    return start, end


def _segments(text: str) -> list[_Seg]:
    """Cut the decoded text into line pieces, splitting run-on lines."""
    raw: list[tuple[int, int, int]] = []  # (line no, start, end) of each line's content
    for no, m in enumerate(_LINE.finditer(text), start=1):
        if m.start() == len(text) and m.end() == len(text):
            break
        content_end = m.start() + len(m.group().rstrip("\r\n"))
        raw.append((no, m.start(), content_end))
    total = sum(1 for c in text if not c.isspace()) or 1
    segs: list[_Seg] = []
    blank = True
    for no, lstart, lend in raw:
        s, e = _strip_span(text, lstart, lend)
        line = text[s:e]
        if not line or _SEPARATOR.match(line) or _RULE_ONLY.match(line):
            blank = blank or not line or bool(_SEPARATOR.match(line))
            continue
        pieces = None
        if len(line) >= _RUN_ON_MIN and line.count("|") + line.count("｜") < 3:  # a pipe-table row is left whole
            cuts, strong = _run_on_cuts(line)
            share = sum(1 for c in line if not c.isspace()) / total
            if (len(cuts) > 1 and strong >= 2) or (strong >= 1 and share >= 0.5):
                pieces = cuts
            elif share >= 0.5 and len(line) >= 2 * _RUN_ON_MIN:
                pieces = [(0, len(line))]  # the whole body on one line with no break left: still a run-on line
        if pieces is None:
            segs.append(_Seg(no, s, e, line, blank_before=blank))
        else:
            first = True
            for a, b in pieces:
                a2, b2 = _strip_span(line, a, b)
                if a2 == b2:
                    continue
                segs.append(_Seg(no, s + a2, s + b2, line[a2:b2], blank_before=blank and first, run_on=True))
                first = False
        blank = False
    return segs


#: Section headings of the national templates and of older reports
#: (report-format.md section 2), as crawler copies glue them to their text.
_TEMPLATE_TITLES = (
    "总体情况", "概述", "主动公开政府信息情况", "政府信息主动公开情况", "收到和处理政府信息公开申请情况",
    "依申请公开政府信息情况", "政府信息依申请公开情况", "政府信息依申请公开工作情况", "政府信息公开的收费及减免情况",
    "政府信息公开行政复议、行政诉讼情况", "因政府信息公开申请行政复议、提起行政诉讼的情况",
    "因政府信息公开申请提起行政复议、行政诉讼的情况", "存在的主要问题及改进情况", "存在的主要问题及改进措施",
    "政府信息公开工作存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进措施", "其他需要报告的事项",
)  # fmt: skip
_GLUED_HEADING = re.compile(
    rf"(?:^|(?<=[。！？!?）)\]0-9０-９]))[{_CN_NUM}]{{1,2}}[、.．][ \u3000]?"
    rf"(?:{'|'.join(sorted(map(re.escape, _TEMPLATE_TITLES), key=len, reverse=True))})(?![。：:，,；;、）)])"
)


def _split_glued_headings(segs: list[_Seg]) -> list[_Seg]:
    """Cut the template's section headings out of the run-on pieces they are glued to.

    A crawler copy loses the breaks around headings that had no white space:
    ``…助力服务型政府建设。二、主动公开政府信息情况第二十条…`` or
    ``一、总体情况2021年，我区…``. Only the headings of the national templates
    and older reports (二、主动公开政府信息情况 …) are cut, where they start a
    piece or follow a sentence end, a bracket or a number.
    """
    from ..normalize import to_simplified

    out: list[_Seg] = []
    for seg in segs:
        simple = to_simplified(seg.text) if seg.run_on else ""
        if not seg.run_on or len(simple) != len(seg.text):
            out.append(seg)
            continue
        cuts = sorted({c for m in _GLUED_HEADING.finditer(simple) for c in (m.start(), m.end())} - {0, len(simple)})
        if not cuts:
            out.append(seg)
            continue
        bounds = [0, *cuts, len(seg.text)]
        for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
            a2, b2 = _strip_span(seg.text, a, b)
            if a2 < b2:
                out.append(
                    _Seg(seg.line, seg.start + a2, seg.start + b2, seg.text[a2:b2], seg.blank_before and k == 0, True)
                )
    return out


# --------------------------------------------------------------------------
# joining pieces back into paragraphs


def _join_text(a: str, b: str) -> str:
    """Join two wrapped pieces: a space only between two words of a Latin script (not inside a number)."""
    x, y = a[-1:], b[:1]
    if x.isascii() and y.isascii() and x.isalnum() and y.isalnum() and (x.isalpha() or y.isalpha()):
        return a + " " + b
    return a + b


def _merge(segs: list[_Seg], i: int, j: int, text: str) -> _Seg:
    """One segment for ``segs[i:j]`` with the given text."""
    first, last = segs[i], segs[j - 1]
    return _Seg(first.line, first.start, last.end, text, first.blank_before, first.run_on)


def _is_single_label_char(seg: _Seg) -> bool:
    t = seg.text
    return len(t) == 1 and not seg.run_on and not t.isdigit() and ("\u4e00" <= t <= "\u9fff" or t in "、（）()：:")


def _join_vertical(segs: list[_Seg]) -> list[_Seg]:
    """Rejoin labels written one character per line (三 / 、 / 本 / 年 / 度 …)."""
    out: list[_Seg] = []
    i = 0
    while i < len(segs):
        j = i
        while j < len(segs) and _is_single_label_char(segs[j]):
            j += 1
        if j - i >= 3:
            out.append(_merge(segs, i, j, "".join(s.text for s in segs[i:j])))
            i = j
        else:
            out.append(segs[i])
            i += 1
    return out


_TITLE_HEAD = re.compile(r"(?:19|20)[0-9]{2}\s*年.*(?:政府信息公开|政府信息公開|政务公开|政務公開|信息公开|信息公開)")
_TITLE_TAIL = re.compile(r"^(?:工作)?(?:年度)?(?:工作)?(?:报告|報告|年报|年報|总结|總結)$")


def _join_title(segs: list[_Seg]) -> list[_Seg]:
    """Join a title broken over two lines (…2013年度信息公开工作 / 年度报告)."""
    out = list(segs)
    for i in range(min(len(out) - 1, 8)):
        a, b = out[i], out[i + 1]
        if a.run_on or b.run_on or not _TITLE_HEAD.search(a.text) or len(a.text) > 60:
            continue
        if _TITLE_TAIL.match(b.text.strip()) and not _TITLE_TAIL.search(a.text[-2:]):
            out[i : i + 2] = [_merge(out, i, i + 2, a.text + b.text.strip())]
            break
    return out


_WRAP_MIN, _WRAP_MAX = 40, 200  # plausible wrap widths, in display columns
_WRAP_RATIO = 0.85
_ALIGNED = re.compile(r"\S(?: {2,}|\t|\u3000)\S")


def _tabular(text: str) -> bool:
    """A table row, not prose: pipe cells, columns aligned by runs of spaces, or mostly digits."""
    if text.count("|") + text.count("｜") >= 2 or _ALIGNED.search(text):
        return True
    digits = sum(c.isdigit() for c in text)
    return len(text) >= 8 and digits >= 0.4 * len(text)


def _wrap_width(segs: list[_Seg]) -> int | None:
    """The width the text was hard-wrapped at, or None when it was not.

    A hard-wrapped text has many lines of nearly the same width that do not
    end a sentence; its 90th-percentile line width is a wrap width (40-200
    columns).
    """
    prose = {id(s) for s in segs if not s.run_on and not _tabular(s.text)}
    widths = sorted(s.width for s in segs if id(s) in prose)
    if len(widths) < 4:
        return None
    w90 = widths[min(len(widths) - 1, int(0.9 * len(widths)))]
    if not _WRAP_MIN <= w90 <= _WRAP_MAX:
        return None
    wrapped = [
        s
        for s, n in zip(segs, segs[1:])
        if id(s) in prose and not n.blank_before and s.width >= _WRAP_RATIO * w90 and not _ends_sentence(s.text)
    ]
    return w90 if len(wrapped) >= 3 and len(wrapped) >= 0.15 * len(widths) else None


def _join_wrapped(segs: list[_Seg]) -> list[_Seg]:
    """Join hard-wrapped lines back into paragraphs.

    Line ``i`` continues on line ``i + 1`` when no blank line comes between,
    line ``i`` is not a heading and does not end a sentence, line ``i + 1``
    does not start with numbering, and line ``i`` is about as long as the
    longest of its neighbours (within 85 %): a line that stops short ended
    its paragraph.
    """
    if _wrap_width(segs) is None:
        return segs
    out: list[_Seg] = []
    cur: list[int] = []
    text = ""
    for k, s in enumerate(segs):
        if cur:
            p = segs[cur[-1]]
            window = [w.width for w in segs[max(0, cur[-1] - 3) : cur[-1] + 4] if not w.run_on]
            local = max(window)
            cont = (
                not s.blank_before
                and not s.run_on
                and not p.run_on
                and not _tabular(p.text)
                and not _tabular(s.text)
                and not _ends_sentence(p.text)
                and not is_heading(p.text)
                and not _NUMBERING.match(s.text)
                and _WRAP_MIN <= local <= _WRAP_MAX
                and p.width >= _WRAP_RATIO * local
            )
            if cont:
                cur.append(k)
                text = _join_text(text, s.text)
                continue
            out.append(_merge(segs, cur[0], cur[-1] + 1, text) if len(cur) > 1 else segs[cur[0]])
        cur = [k]
        text = s.text
    if cur:
        out.append(_merge(segs, cur[0], cur[-1] + 1, text) if len(cur) > 1 else segs[cur[0]])
    return out


# --------------------------------------------------------------------------
# the reader


def read_text(data: bytes, path: str) -> Document:
    r"""Read a plain-text report into a :class:`~xxgk.document.Document`.

    Parameters
    ----------
    data : bytes
        The file's bytes (UTF-8 with or without BOM, GB18030/GBK or Big5).
    path : str
        The file's name, used in messages and in each paragraph's
        provenance (``"<bytes>"`` and ``"<text>"`` give no file).

    Returns
    -------
    Document
        One :class:`~xxgk.document.Paragraph` per paragraph, in order, with
        ``heading=True`` on heading candidates; ``meta.encoding`` says how
        the bytes were decoded.

    Raises
    ------
    xxgk.errors.EncodingError
        The bytes are in none of the supported encodings.
    xxgk.errors.EmptyFileError
        The file holds only white space.

    Examples
    --------
    >>> doc = read_text("一、总体情况\n2021年，共受理申请6件。".encode(), "a.txt")
    >>> [(p.text, p.heading, p.provenance.line) for p in doc.paragraphs]
    [('一、总体情况', True, 1), ('2021年，共受理申请6件。', False, 2)]
    """
    text, encoding = decode_text(data, path)
    segs = _segments(text)
    segs = _split_glued_headings(segs)
    segs = _join_vertical(segs)
    segs = _join_title(segs)
    segs = _join_wrapped(segs)
    if not segs:
        raise EmptyFileError(path, "The file holds only white space.", "Nothing to read.")
    file = None if path in ("<bytes>", "<text>") else path
    blocks: list[Block] = [
        Paragraph(
            text=s.text,
            provenance=Provenance(file=file, line=s.line, char_start=s.start, char_end=s.end),
            heading=is_heading(s.text),
        )
        for s in segs
    ]
    return Document(meta=DocumentMeta(encoding=encoding), blocks=blocks)
