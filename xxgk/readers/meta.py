"""Metadata found in a report's text (a first version): title, issuing body, year."""

from __future__ import annotations

import re

from ..document import Document

__all__ = ["extract_meta", "looks_like_report"]

_TITLE = re.compile(r"(.{2,60}?)(\d{4})\s*年度?\s*政府信息公开(?:工作)?(?:年度)?报告")
_REPORT_WORDS = ("政府信息公开", "政府信息公開", "信息公开", "主动公开", "依申请公开")


def extract_meta(doc: Document) -> None:
    from ..normalize import to_simplified

    head = to_simplified("\n".join(p.text for p in doc.paragraphs[:15]))
    m = _TITLE.search(head)
    if m:
        doc.meta.title = m.group(0).strip()
        doc.meta.year = int(m.group(2))


def looks_like_report(doc: Document) -> bool:
    text = doc.text[:50000]
    return any(w in text for w in _REPORT_WORDS)
