"""Tables inside text (placeholder until the table finder lands): leaves the document as it is."""

from __future__ import annotations

from ..document import Document

__all__ = ["mark_text_tables"]


def mark_text_tables(doc: Document) -> None:
    """Turn runs of paragraphs that are table cells into :class:`~xxgk.document.Table` blocks."""
    return None
