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
from .errors import EmptyFileError
from .meta import infer_meta
from .readers import Source, open_source, read_blocks
from .tablefind import find_tables

__all__ = ["read", "read_bytes", "Source"]


def read(
    source: Source | None = None,
    *,
    format: str | None = None,
    strict: bool = False,
    name: str | None = None,
    ocr: str = "auto",
    text: str | None = None,
    as_path: bool = False,
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
    text : str, optional
        The report's text itself, instead of ``source`` (the explicit way).
    as_path : bool, default False
        Take a ``str`` source as a path, always (the command line does): a
        missing file is then "No such file", never analysed as text. Without
        it a ``str`` with a line break, or a short line with Chinese in it and
        no file of that name, is taken as text.

    Raises
    ------
    xxgk.errors.InputError
        Or one of its subclasses, naming the file and the problem.
    """
    if (source is None) == (text is None):
        raise TypeError("read() takes a source or text=, exactly one of them.")
    if text is not None or source is None:
        if not isinstance(text, str):  # text is None only when source is too, refused above
            raise TypeError(f"The 'text' parameter of read must be a str. Got {type(text).__name__} instead.")
        if not text.strip():
            raise EmptyFileError(name or "<text>", "The text is empty.")
        return read_bytes(text.encode("utf-8", "surrogatepass"), name or "<text>", format=format or "text",
                          strict=strict, ocr=ocr)
    data, label, hint = open_source(source, name=name, as_path=as_path)
    if isinstance(source, bytes) or hint is not None:
        return read_bytes(data, label, format=format or hint, strict=strict, ocr=ocr)
    from .limits import file_budget

    with file_budget(label):  # issue 15: the time budget of a file; MemoryError becomes TooLargeError
        return read_bytes(data, label, format=format, strict=strict, ocr=ocr)


def read_bytes(
    data: bytes, path: str, *, format: str | None = None, strict: bool = False, ocr: str = "auto"
) -> Document:
    """Read a report from its bytes; ``path`` names it in messages and provenance (``ocr``: as in :func:`read`)."""
    doc = read_blocks(data, path, format=format, ocr=ocr)
    find_tables(doc)
    infer_meta(doc, strict=strict, name=path)
    return doc
