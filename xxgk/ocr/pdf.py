"""Which pages of a PDF need OCR, and OCR them in place."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import CorruptFileError
from ..readers._pdf_layout import PageContent
from ..readers.garble import looks_garbled
from . import INSTALL_HINT, RENDER_DPI, check_ocr_mode, engine_meta, load_engine, page_error
from .page import PageOCR, ocr_page

__all__ = ["pages_needing_ocr", "ocr_pdf_pages"]

_MIN_PAGE_CHARS = 20

#: Called after each OCR'd page with (pages done, pages to do); the CLI's progress bar listens.
ProgressHook = Callable[[int, int], None]
_progress: list[ProgressHook] = []


def add_progress_hook(hook: ProgressHook) -> None:
    _progress.append(hook)


def remove_progress_hook(hook: ProgressHook) -> None:
    if hook in _progress:
        _progress.remove(hook)


def pages_needing_ocr(pages: list[PageContent], mode: str) -> dict[int, str]:
    """Page index → why it needs OCR.

    ``auto``: a page whose text layer is missing (it holds an image and fewer
    than 20 characters) or garbled (the whole document's text, or the page's,
    is mojibake by :func:`xxgk.readers.garble.looks_garbled`). ``always``:
    every page. ``never``: none.
    """
    check_ocr_mode(mode)
    if mode == "never":
        return {}
    if mode == "always":
        return {i: "always" for i in range(len(pages))}
    out: dict[int, str] = {}
    all_text = "".join(c.text for p in pages for c in p.chars)
    doc_garbled = sum(1 for ch in all_text if ch.strip()) >= _MIN_PAGE_CHARS and looks_garbled(all_text)
    for i, p in enumerate(pages):
        text = "".join(c.text for c in p.chars if c.text.strip())
        if len(text) < _MIN_PAGE_CHARS:
            if p.images:
                out[i] = "no text layer"
        elif doc_garbled or looks_garbled(text):
            out[i] = "garbled text layer"
    return out


def ocr_pdf_pages(pages: list[PageContent], data: bytes, path: str, mode: str,
                  warnings: list[str], dpi: int = RENDER_DPI) -> tuple[dict[int, PageOCR], dict[str, Any] | None]:
    """OCR the pages that need it, replacing their characters and rulings in ``pages``.

    Returns
    -------
    infos : dict
        Page number → :class:`~xxgk.ocr.page.PageOCR`.
    meta : dict or None
        For ``doc.meta.ocr`` (None when no page was OCR'd).

    Raises
    ------
    OCRNotInstalledError
        Every page with content needs OCR (so nothing would be read) and the
        engine is not installed. When only some pages need it, they are
        skipped with a warning instead.
    """
    need = pages_needing_ocr(pages, mode)
    if not need:
        return {}, None
    from ..errors import OCRNotInstalledError

    try:
        engine = load_engine(path)
    except OCRNotInstalledError:
        has_content = [i for i, p in enumerate(pages) if p.chars or p.images]
        if mode == "always" or (set(has_content) <= set(need) and "no text layer" in need.values()):
            raise
        for i, why in need.items():
            warnings.append(f"{path}: page {pages[i].number} needs OCR ({why}) and was not OCR'd. {INSTALL_HINT}")
        return {}, None
    import pypdfium2 as pdfium

    infos: dict[int, PageOCR] = {}
    t0 = time.perf_counter()
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as err:  # issue 15 (fuzz): a file pdfminer could parse but PDFium cannot render
        raise CorruptFileError(path, f"The PDF's pages cannot be rendered for OCR ({type(err).__name__}: {err}).",
                               "The file is damaged: download or export it again.") from err
    try:
        for done, (i, why) in enumerate(sorted(need.items()), start=1):
            number = pages[i].number
            try:
                pixels = np.asarray(pdf[i].render(scale=dpi / 72).to_pil().convert("RGB"), dtype=np.uint8)
                page, info = ocr_page(pixels, number, dpi, engine, reason=why)
            except Exception as err:  # an engine failure on one page names the file and page
                raise page_error(path, number, err, "Report it with the file, or read it with --ocr never.") from err
            pages[i] = page
            infos[number] = info
            for hook in list(_progress):
                hook(done, len(need))
    finally:
        pdf.close()
    meta = engine_meta(engine, mode)
    meta["dpi"] = dpi
    meta["pages"] = [infos[n].to_dict() for n in sorted(infos)]
    meta["seconds"] = round(time.perf_counter() - t0, 2)
    return infos, meta
