"""Normalisation with a way back to the original characters.

:func:`normalize` turns the text of a document into the form every later
stage reads: NFKC (Kangxi-radical look-alikes, full-width digits, letters and
punctuation), pinyin annotations a mirror site added removed (``报(bào)告`` →
``报告``), white space inside CJK runs removed (``2023 年`` → ``2023年``),
and traditional characters converted to simplified with OpenCC when the
text is traditional. Every character of the result maps back to the offset of
the original character it came from, so a span found later can be shown in
the user's own text::

    >>> n = normalize("完善信息公開工作機製，覆蓋麵擴大到 2023 年", script="traditional")
    >>> n.text
    '完善信息公开工作机制,覆盖面扩大到2023年'
    >>> n.original_span(*n.span_of("机制"))
    '機製'

:func:`match_key` is the stricter form used to compare texts (gold sentences
against predictions): normalised, always converted to simplified, with all
white space removed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalizedText", "normalize", "aligned_view", "detect_script", "to_simplified", "to_traditional", "match_key",
           "strip_pinyin", "PINYIN"]

# Conversion mistakes that OpenCC's t2s leaves behind (machine-converted
# sources write 谘詢 for 咨询); applied after t2s, character by character.
_T2S_FIXUPS = {"谘": "咨"}
_T2S_TABLE = str.maketrans(_T2S_FIXUPS)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_WS = re.compile(r"[ \t\u00a0\u3000\u2000-\u200b\u202f\u205f\ufeff]")


@lru_cache(maxsize=4)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → simplified (OpenCC ``t2s`` plus known fix-ups)."""
    out = _opencc("t2s").convert(text)
    return out.translate(_T2S_TABLE)


def to_traditional(text: str) -> str:
    """Simplified → traditional (OpenCC ``s2t``)."""
    return _opencc("s2t").convert(text)


def detect_script(text: str, threshold: float = 0.04) -> str:
    """``"traditional"`` when enough CJK characters change under t2s, else ``"simplified"``.

    >>> detect_script("政府信息公開工作年度報告")
    'traditional'
    >>> detect_script("政府信息公开工作年度报告")
    'simplified'
    """
    sample = "".join(c for c in text[:20000] if "\u4e00" <= c <= "\u9fff")
    if not sample:
        return "simplified"
    converted = _opencc("t2s").convert(sample)
    changed = sum(1 for a, b in zip(sample, converted) if a != b)
    return "traditional" if changed / len(sample) >= threshold else "simplified"


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text, the original it came from and the map between them.

    ``offsets[i]`` is the offset in ``original`` of the character that
    produced ``text[i]``; ``offsets[len(text)] == len(original)``.
    """

    text: str
    original: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``[start, end)`` of :attr:`text` to a span of :attr:`original`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"Span ({start}, {end}) is outside the normalised text of length {len(self.text)}.")
        if start == end:
            o = self.offsets[start]
            return o, o
        # one past the original character behind the span's last character;
        # white space dropped after it stays outside the span
        return self.offsets[start], self.offsets[end - 1] + 1

    def from_original(self, ostart: int, oend: int) -> tuple[int, int]:
        """Map a span of :attr:`original` to the smallest covering span of :attr:`text`."""
        start = bisect_right(self.offsets, ostart - 1) if ostart > 0 else 0
        end = bisect_right(self.offsets, oend - 1) if oend > 0 else 0
        end = min(end, len(self.text))
        return min(start, end), end

    def original_span(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]``."""
        a, b = self.to_original(start, end)
        return self.original[a:b]

    def span_of(self, needle: str, start: int = 0) -> tuple[int, int]:
        """The span of the first occurrence of ``needle`` in :attr:`text` (``ValueError`` if absent)."""
        i = self.text.index(needle, start)
        return i, i + len(needle)


def _nfkc_with_map(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    offs: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        out.append(n)
        offs.extend([i] * len(n))
    return "".join(out), offs


#: A pinyin or zhuyin annotation a mirror site put after a character: 报(bào)告, 規(guī)章, 公（gōng）开.
#: Lower-case Latin letters (tone marks and ü included), one or two syllables, right after a CJK ideograph.
PINYIN = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[(（]"
    r"(?!(?:docx?|xlsx?|pdf|wps|txt|html?|jpe?g|png|gif|zip|rar|ofd|cebx?)[)）])"
    r"(?=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňḿ]*[aeiouvüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňḿ])"
    r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňḿ]{1,12}[)）]"
)


def strip_pinyin(text: str) -> str:
    """``text`` without pinyin annotations after its characters.

    >>> strip_pinyin("年度报(bào)告和規(guī)章（PDF）")
    '年度报告和規章（PDF）'
    """
    return PINYIN.sub("", text)


def _drop_pinyin(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Remove pinyin annotations (:data:`PINYIN`), keeping the offset map of the characters left."""
    if "(" not in text and "（" not in text:
        return text, offs
    out: list[str] = []
    out_offs: list[int] = []
    pos = 0
    for m in PINYIN.finditer(text):
        out.append(text[pos : m.start()])
        out_offs.extend(offs[pos : m.start()])
        pos = m.end()
    out.append(text[pos:])
    out_offs.extend(offs[pos:])
    return "".join(out), out_offs


def _drop_cjk_spaces(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Remove white space (not newlines) next to a CJK character; collapse the rest to one space."""
    out: list[str] = []
    out_offs: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if _WS.match(ch):
            j = i
            while j < n and _WS.match(text[j]):
                j += 1
            prev = out[-1] if out else "\n"
            nxt = text[j] if j < n else "\n"
            if prev == "\n" or nxt == "\n" or _is_cjk(prev) or _is_cjk(nxt):
                pass  # dropped: inside a CJK run or at a line edge
            else:
                out.append(" ")
                out_offs.append(offs[i])
            i = j
            continue
        out.append(ch)
        out_offs.append(offs[i])
        i += 1
    return "".join(out), out_offs


def _convert_with_map(text: str, offs: list[int]) -> tuple[str, list[int]]:
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted, offs
    # Rare: a phrase conversion changed the length. Convert line by line so
    # that only the affected lines need aligning, char by char.
    out: list[str] = []
    out_offs: list[int] = []
    pos = 0
    for line in text.split("\n"):
        conv = to_simplified(line)
        if len(conv) != len(line):
            conv = "".join(to_simplified(c) or c for c in line)
            conv = "".join(c[:1] for c in conv) if len(conv) != len(line) else conv
        out.append(conv)
        out_offs.extend(offs[pos : pos + len(line)])
        pos += len(line)
        if pos < len(text):
            out.append("\n")
            out_offs.append(offs[pos])
            pos += 1
    return "".join(out), out_offs


def normalize(text: str, script: str | None = None) -> NormalizedText:
    """Normalise ``text`` and keep the map back to it.

    Parameters
    ----------
    text : str
        The original text (a document's :attr:`~xxgk.document.Document.text`).
    script : {"simplified", "traditional"} or None, default None
        The script of ``text``; detected with :func:`detect_script` when None.
        Traditional text is converted to simplified.

    Returns
    -------
    NormalizedText
    """
    if script is None:
        script = detect_script(text)
    if script not in ("simplified", "traditional"):
        raise ValueError(f"The 'script' parameter of normalize must be 'simplified' or 'traditional'. Got {script!r} instead.")
    out, offs = _nfkc_with_map(text)
    out, offs = _drop_pinyin(out, offs)
    out, offs = _drop_cjk_spaces(out, offs)
    if script == "traditional":
        out, offs = _convert_with_map(out, offs)
    return NormalizedText(text=out, original=text, offsets=tuple(offs) + (len(text),))


def aligned_view(text: str) -> str:
    """``text`` in NFKC and simplified characters, one character for one, white space as plain spaces.

    Unlike :func:`normalize` nothing is dropped or expanded, so an offset in
    the view is the same offset in ``text``: for matching labels inside raw
    text while keeping exact source positions.

    >>> aligned_view("機製\u3000２０２３")
    '机制 2023'
    """
    chars = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        chars.append(" " if not n or n.isspace() else n[0])
    v = "".join(chars)
    s = to_simplified(v)
    if len(s) != len(v):
        s = "".join((to_simplified(c) or c)[0] for c in v)
    return s


_ALL_WS = re.compile(r"\s+")


def match_key(text: str) -> str:
    """The form two texts are compared in: NFKC, simplified, no white space, no pinyin annotations.

    >>> match_key("隻計 這一情形，") == match_key("只计这一情形,")
    True
    >>> match_key("規(guī)章")
    '规章'
    """
    t = unicodedata.normalize("NFKC", text)
    t = _ALL_WS.sub("", t)
    if "(" in t:
        t = PINYIN.sub("", t)
    return to_simplified(t)
