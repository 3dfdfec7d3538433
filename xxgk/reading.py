"""The reading stages wired together: bytes → blocks → tables found in text → metadata.

:func:`read` (the public ``xxgk.read``) and :func:`read_bytes` return a
complete :class:`~xxgk.document.Document` by running, in order:

1. :func:`xxgk.readers.read_blocks`: the format's reader (text, HTML, PDF,
   DOCX) into blocks with provenance;
2. :func:`xxgk.tablefind.find_tables`: the statistical tables printed inside
   plain text become :class:`~xxgk.document.Table` blocks (the other formats'
   readers already return their tables as tables);
3. :func:`xxgk.meta.infer_meta`: the script, the metadata the text states
   (title, issuing body, year, publication date) and the check that the text
   is an annual report at all.

Tables are found before the metadata is inferred, so that the metadata
searches narrative paragraphs, not table cells.
"""

from __future__ import annotations

from .document import Document
from .meta import infer_meta
from .readers import Source, open_source, read_blocks
from .tablefind import find_tables

__all__ = ["read", "read_bytes", "Source"]


def read(
    source: Source, *, format: str | None = None, strict: bool = False, name: str | None = None, ocr: str = "auto"
) -> Document:
    """Read a report into a :class:`~xxgk.document.Document`.

    Parameters
    ----------
    source : path, bytes or str
        A path to a file, the file's bytes, or (a ``str`` that is not an
        existing path) the report's text itself.
    format : {"text", "html", "pdf", "docx"} or None, default None
        Skip detection and use this reader.
    strict : bool, default False
        Raise :class:`~xxgk.errors.NotAReportError` instead of warning when
        the text shows no sign of being an annual report.
    name : str, optional
        A name for the source in messages and provenance (default: the path,
        or ``"<bytes>"`` / ``"<text>"``).
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scans (:mod:`xxgk.ocr`, needs ``pip install 'xxgk[ocr]'``):
        ``"auto"`` OCRs PDF pages with no or a garbled text layer, and image
        files; ``"always"`` OCRs every PDF page; ``"never"`` raises
        :class:`~xxgk.errors.ScannedPDFError` on a scan.

    Raises
    ------
    xxgk.errors.InputError
        Or one of its subclasses, naming the file and the problem.
    """
    data, label, hint = open_source(source, name=name)
    return read_bytes(data, label, format=format or hint, strict=strict, ocr=ocr)


def read_bytes(
    data: bytes, path: str, *, format: str | None = None, strict: bool = False, ocr: str = "auto"
) -> Document:
    """Read a report from its bytes; ``path`` names it in messages and provenance (``ocr``: as in :func:`read`)."""
    doc = read_blocks(data, path, format=format, ocr=ocr)
    find_tables(doc)
    infer_meta(doc, strict=strict, name=path)
    return doc
