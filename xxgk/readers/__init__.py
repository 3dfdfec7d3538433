"""Readers: any report (text, HTML, PDF, DOCX, page images by OCR) into the blocks of a :class:`~xxgk.document.Document`.

This is the first stage of reading. :func:`read_blocks` detects the format
from the content, calls the format's reader and records what every format
shares: the source, the sha256 of the input bytes and the format. It finds
no metadata and no tables inside text; :func:`xxgk.reading.read` (the
public ``xxgk.read``) runs the later stages, :func:`xxgk.tablefind.find_tables`
and :func:`xxgk.meta.infer_meta`, on what it returns.
"""

from __future__ import annotations

import hashlib
import os
import re

from ..document import Document
from ..errors import EmptyFileError, UnsupportedFormatError
from .detect import FORMATS, detect_format

__all__ = ["read_blocks", "open_source", "detect_format", "Source", "FORMATS"]

Source = str | os.PathLike | bytes


def open_source(source: Source, *, name: str | None = None, as_path: bool = False) -> tuple[bytes, str, str | None]:
    """The bytes of a source, the name it goes by in messages, and its format when the source says it.

    Parameters
    ----------
    source : path, bytes or str
        A path to a file, the file's bytes, or (a ``str`` that is not an
        existing path) the report's text itself.
    name : str, optional
        A name for the source in messages and provenance (default: the path,
        or ``"<bytes>"`` / ``"<text>"``).
    as_path : bool, default False
        Take a ``str`` source as a path, always; see :func:`xxgk.reading.read`
        for how a ``str`` is told apart otherwise.

    Returns
    -------
    tuple of (bytes, str, str or None)
        ``(data, name, format)``; ``format`` is ``"text"`` for a report's
        text passed as a ``str``, else None (detect it).

    Raises
    ------
    xxgk.errors.InputError
        Or one of its subclasses, naming the file and the problem.
    """
    if isinstance(source, bytes):
        return source, name or "<bytes>", None
    if isinstance(source, str) and not as_path and not source.strip():
        raise EmptyFileError(name or "<text>", "The text is empty.")  # "" or white space: no file has that name
    if isinstance(source, str) and not as_path and _is_text(source):
        return source.encode("utf-8"), name or "<text>", "text"
    from ..inputs import display_path, read_input

    label = name or display_path(source)
    return read_input(source, label), label, None  # issue 15: regular files only, size-capped, any file name


_PATH_LIKE = re.compile(r"[^\n]*\.(txt|text|html?|xhtml|pdf|docx?|md|csv|json|png|jpe?g|tiff?)", re.IGNORECASE)


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


def read_blocks(data: bytes, path: str, *, format: str | None = None, ocr: str = "auto") -> Document:
    """The blocks of a report read from its bytes by its format's reader; ``path`` names it in messages.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    path : str
        The name of the source in messages and provenance (``"<bytes>"`` and
        ``"<text>"`` leave ``meta.source`` empty).
    format : {"text", "html", "pdf", "docx", "image"} or None, default None
        Skip detection and use this reader.
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scans (:mod:`xxgk.ocr`, needs ``pip install 'xxgk[ocr]'``):
        ``"auto"`` OCRs PDF pages with no or a garbled text layer, and image
        files; ``"always"`` OCRs every PDF page; ``"never"`` raises
        :class:`~xxgk.errors.ScannedPDFError` on a scan.

    Returns
    -------
    Document
        The blocks, with ``meta.source``, ``meta.sha256`` and ``meta.format``
        set; the rest of the metadata as the format's reader found it.

    Raises
    ------
    xxgk.errors.InputError
        Or one of its subclasses, naming the file and the problem.
    """
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
    if ocr not in ("auto", "always", "never"):
        raise ValueError(f"The 'ocr' parameter of read must be one of ('auto', 'always', 'never'). Got {ocr!r} instead.")
    check_text_size(data, path, fmt)  # issue 15: text and HTML past the cap are refused before decoding
    doc = _READERS[fmt]()(data, path, ocr=ocr) if fmt in ("pdf", "image") else _READERS[fmt]()(data, path)
    doc.meta.source = path if path not in ("<bytes>", "<text>") else None
    doc.meta.sha256 = hashlib.sha256(raw).hexdigest()
    doc.meta.format = fmt
    if not doc.text.strip() and not doc.tables:
        raise EmptyFileError(path, "No text was found in the file.")
    return doc


#: Formats whose paragraphs can hold a table written as text (a web copy's ``<pre>``/``<p>`` lines, DOCX
#: paragraphs); their real tables are kept as they are.


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
    "image": _reader("image", "read_image"),
}
