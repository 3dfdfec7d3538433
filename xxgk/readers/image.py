"""Page images (PNG, JPEG, TIFF with one or more pages) read by OCR into a Document.

Each image (each TIFF frame) is one page; the pages go through the same OCR
and layout code as an image-only PDF (:mod:`xxgk.ocr`), so the Document has
paragraphs and tables with page, box and OCR confidence. Without the ``ocr``
extra, or with ``ocr="never"``, an image raises a typed error naming what to do.
"""

from __future__ import annotations

import time

from ..document import Document
from ..errors import OCRError, ScannedPDFError
from ._pdf_layout import PageContent

__all__ = ["read_image"]


def read_image(data: bytes, path: str, *, ocr: str = "auto") -> Document:
    """OCR a page image (or a multi-page TIFF) into a Document.

    Parameters
    ----------
    data : bytes
        The image file's bytes (PNG, JPEG or TIFF).
    path : str
        Its name, for messages and provenance.
    ocr : {"auto", "always", "never"}, default "auto"
        ``"never"`` refuses the image (it has no text to read without OCR).

    Raises
    ------
    ScannedPDFError
        ``ocr="never"``.
    OCRNotInstalledError
        The OCR extra is not installed.
    OCRError
        The image cannot be decoded or OCR failed.
    """
    from ..ocr import check_ocr_mode, engine_meta, load_engine, page_error

    check_ocr_mode(ocr)
    if ocr == "never":
        raise ScannedPDFError(path, "The file is an image: its text can only be read by OCR.",
                              "Read it with OCR (--ocr auto, needs `pip install 'xxgk[ocr]'`).")
    engine = load_engine(path)
    from ..ocr.image import load_images
    from ..ocr.page import annotate_document, page_size_dpi
    from ..ocr.pdf import _progress
    from .pdf import _assemble, _check_text_layer

    try:
        images = load_images(data)
    except ValueError as err:
        raise OCRError(path, f"The image cannot be read: {err}.", "Check that the file is a whole PNG, JPEG or TIFF.") from err
    t0 = time.perf_counter()
    pages: list[PageContent] = []
    infos = {}
    for k, im in enumerate(images, start=1):
        dpi = page_size_dpi(im.pixels.shape[1], im.pixels.shape[0], im.dpi)
        try:
            from ..ocr.page import ocr_page

            page, info = ocr_page(im.pixels, k, dpi, engine, reason="image")
        except Exception as err:
            raise page_error(path, k, err, "Report it with the file.") from err
        pages.append(page)
        infos[k] = info
        for hook in list(_progress):
            hook(k, len(images))
    warnings: list[str] = []
    if sum(len(p.chars) for p in pages) < 20:
        raise ScannedPDFError(path, "OCR found no text in the image.", "Check that it is a page of a report, upright and sharp.")
    _check_text_layer(pages, path, warnings)
    doc = _assemble(pages, path, warnings)
    meta = engine_meta(engine, ocr)
    meta["pages"] = [infos[n].to_dict() for n in sorted(infos)]
    meta["seconds"] = round(time.perf_counter() - t0, 2)
    meta["uncertain"] = annotate_document(doc, infos)
    doc.meta.ocr = meta
    return doc
