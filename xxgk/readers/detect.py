"""Guess an input's format from its bytes (the extension is only a tie-breaker)."""

from __future__ import annotations

import zipfile
from io import BytesIO

__all__ = ["detect_format", "FORMATS"]

FORMATS = ("pdf", "docx", "html", "text", "image")

_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<table", b"<p", b"<div", b"<meta", b"<head")


def detect_format(data: bytes, name: str | None = None) -> str | None:
    """Return ``"pdf"``, ``"docx"``, ``"html"``, ``"text"`` or ``"image"`` (PNG, JPEG, TIFF), or None when the bytes are none of them.

    >>> detect_format(b"%PDF-1.7 ...")
    'pdf'
    >>> detect_format("<html><body><p>报告</p></body></html>".encode())
    'html'
    >>> detect_format("一、总体情况".encode())
    'text'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with its byte-order mark (Windows "Unicode" text)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):  # e.g. "zip file version 8.4"
            return "docx" if (name or "").lower().endswith(".docx") else None
        return "docx" if "word/document.xml" in names else None
    if head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        return "docx"  # a password-protected OOXML file: the docx reader raises EncryptedFileError
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"  # page images: read by OCR (xxgk.ocr)
    if head.startswith((b"\xd0\xcf\x11\xe0", b"GIF8", b"\x7fELF")):
        return None  # legacy .doc (OLE), other images, binaries
    low = head.lower()
    if any(m in low for m in _HTML_MARKERS) and b"</" in data:
        return "html"
    # text: few control bytes
    sample = data[:8192]
    if not sample:
        return "text"
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if controls / len(sample) > 0.02:
        return None
    return "text"
