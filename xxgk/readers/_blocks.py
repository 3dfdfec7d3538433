"""Helpers every reader that builds blocks from marked-up text shares (HTML, DOCX).

- :func:`collapse_space`: white space as a browser shows it;
- :func:`heading_by_form`: a short line numbered like a heading;
- :func:`document_text`: every character a reader extracted, for the garbled-text check.
"""

from __future__ import annotations

import re

from ..document import Document

__all__ = ["collapse_space", "heading_by_form", "document_text", "HEADING_MAX_CHARS"]

_CJK_OR_PUNCT = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
# White space that holds a line break, between two CJK characters or CJK
# punctuation: a browser joins the two without a space (CSS segment breaks).
_CJK_BREAK = re.compile(rf"(?<={_CJK_OR_PUNCT})[^\S\u3000]*\n\s*(?={_CJK_OR_PUNCT})")
_SPACES = re.compile(r"[\s\u00a0]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")

_HEADING_FORM = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]"
    r"|第[一二三四五六七八九十]{1,3}[章节部分]"
    r"|\d{1,2}\s*[、．.](?!\d))"
)
#: A paragraph longer than this is running text, whatever its numbering.
HEADING_MAX_CHARS = 40


def collapse_space(text: str) -> str:
    r"""White space as a browser shows it: runs collapsed to one space, ends trimmed.

    A run that holds a line break between two CJK characters disappears
    (a line wrapped inside a Chinese sentence), non-breaking and full-width
    spaces count as white space, and zero-width characters go.

    >>> collapse_space("  本年新\n 制作数量 ")
    '本年新制作数量'
    >>> collapse_space("\u00a0\u00a012 \n 3 件")
    '12 3 件'
    """
    text = _INVISIBLE.sub("", text)
    text = _CJK_BREAK.sub("", text)
    return _SPACES.sub(" ", text).strip()


def heading_by_form(text: str) -> bool:
    """True for a short line numbered like a heading: 一、 / （一） / 第一部分 / 1.

    >>> heading_by_form("一、总体情况"), heading_by_form("（二）改进措施"), heading_by_form("2021年，我局…")
    (True, True, False)
    """
    text = text.strip()
    return bool(text) and len(text) <= HEADING_MAX_CHARS and bool(_HEADING_FORM.match(text))


def document_text(doc: Document) -> str:
    """Every character a reader extracted: paragraphs, then table cells."""
    cells = (c.text for t in doc.tables for c in t.cells)
    return "\n".join([doc.text, *cells])
