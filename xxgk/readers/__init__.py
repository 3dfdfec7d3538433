"""Readers: any report (text, HTML, PDF, DOCX) into one :class:`~xxgk.document.Document`.

:func:`read` is the entry point. It detects the format from the content,
calls the format's reader, then fills in what every format shares: the
sha256 of the input bytes, the script (simplified or traditional), and the
metadata found in the text (title, issuing body, year, publication date).
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings

from ..document import Document
from ..errors import EmptyFileError, NotAReportError, NotAReportWarning, UnsupportedFormatError
from .detect import FORMATS, detect_format

__all__ = ["read", "read_bytes", "detect_format", "Source", "FORMATS"]

Source = str | os.PathLike | bytes


def read(source: Source | None = None, *, format: str | None = None, strict: bool = False, name: str | None = None,
         text: str | None = None, as_path: bool = False) -> Document:
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
    if text is not None:
        if not isinstance(text, str):
            raise TypeError(f"The 'text' parameter of read must be a str. Got {type(text).__name__} instead.")
        if not text.strip():
            raise EmptyFileError(name or "<text>", "The text is empty.")
        return read_bytes(text.encode("utf-8", "surrogatepass"), name or "<text>", format=format or "text",
                          strict=strict)
    if isinstance(source, bytes):
        return read_bytes(source, name or "<bytes>", format=format, strict=strict)
    if isinstance(source, str) and not as_path and _is_text(source):
        if not source.strip():
            raise EmptyFileError(name or "<text>", "The text is empty.")
        return read_bytes(source.encode("utf-8"), name or "<text>", format=format or "text", strict=strict)
    from ..inputs import display_path, read_input
    from ..limits import file_budget

    label = name or display_path(source)
    data = read_input(source, label)  # issue 15: regular files only, size-capped, any file name
    with file_budget(label):  # issue 15: the time budget; MemoryError becomes TooLargeError
        return read_bytes(data, label, format=format, strict=strict)


_PATH_LIKE = re.compile(r"[^\n]*\.(txt|text|html?|xhtml|pdf|docx?|md|csv|json)", re.IGNORECASE)


def _is_text(source: str) -> bool:
    """Is ``source`` a report's text rather than a path? An existing file, or a string shaped like a path, is a path."""
    if "\n" in source or len(source.encode("utf-8")) > 1024:
        return True
    try:
        if os.path.exists(source):
            return False
    except (OSError, ValueError):
        return True
    if _PATH_LIKE.fullmatch(source.strip()) or os.sep in source or "/" in source:
        return False
    return bool(_CJK.search(source))  # issue 15: "report_2021" is a mistyped file name, not a report's text


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def read_bytes(data: bytes, path: str, *, format: str | None = None, strict: bool = False) -> Document:
    """Read a report from its bytes; ``path`` names it in messages and provenance."""
    if not data or not data.strip():
        raise EmptyFileError(path, "The file is empty.", "Nothing to read.")
    from ._safety import check_text_size, transcode_wide

    raw, data = data, transcode_wide(data, path)  # issue 15: UTF-32, and UTF-16 without its BOM
    fmt = format or detect_format(data, path)
    if fmt is None:
        raise UnsupportedFormatError(
            path, "This is not a file type xxgk reads.", f"xxgk reads {', '.join(FORMATS)} (a .doc must be saved as .docx)."
        )
    if fmt not in FORMATS:
        raise ValueError(f"The 'format' parameter of read must be one of {FORMATS}. Got {fmt!r} instead.")
    check_text_size(data, path, fmt)  # issue 15: text and HTML past the cap are refused before decoding
    doc = _READERS[fmt]()(data, path)
    if fmt == "text":
        from .text_tables import mark_text_tables

        mark_text_tables(doc)
    doc.meta.source = path if path not in ("<bytes>", "<text>") else None
    doc.meta.sha256 = hashlib.sha256(raw).hexdigest()
    doc.meta.format = fmt
    _finish(doc, path, strict)
    return doc


def _reader(module: str, func: str):
    def load():
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{module}"), func)

    return load


_READERS = {
    "text": _reader("text", "read_text"),
    "html": _reader("html", "read_html"),
    "pdf": _reader("pdf", "read_pdf"),
    "docx": _reader("docx", "read_docx"),
}


def _finish(doc: Document, path: str, strict: bool) -> None:
    from ..normalize import detect_script
    from .meta import extract_meta, looks_like_report

    text = doc.text
    if not text.strip() and not doc.tables:
        raise EmptyFileError(path, "No text was found in the file.")
    doc.meta.script = detect_script(text)
    extract_meta(doc)
    if not looks_like_report(doc):
        msg = f"{path}: no sign of an open government information annual report (政府信息公开工作年度报告) was found."
        if strict:
            raise NotAReportError(path, "No sign of an open government information annual report was found.",
                                  "Check that this is the right file, or drop --strict.")
        doc.warnings.append(msg)
        warnings.warn(msg, NotAReportWarning, stacklevel=3)
