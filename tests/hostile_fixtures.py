"""Small hostile inputs, generated (no binary fixtures in git): the probes of issue 15.

Each function returns bytes (or writes a special file) that once hung, exhausted
memory or crashed xxgk. Used by ``tests/test_hostile.py``, ``benchmarks/fuzz.py``
and ``benchmarks/memory.py``.
"""

from __future__ import annotations

import io
import zipfile

__all__ = ["pdf_from_objects", "loop_pdf", "LOOP_KINDS", "many_page_pdf", "docx_bomb", "minimal_docx", "nested_html"]

#: Where a self-referencing indirect object is used in :func:`loop_pdf`.
LOOP_KINDS = ("Length", "Resources", "MediaBox", "Pages", "Kids")


def pdf_from_objects(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF with these object bodies (numbered from 1) and a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for no, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % no + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def loop_pdf(kind: str) -> bytes:
    """A one-page PDF (about 450 bytes) where object 6 is ``6 0 R`` and is used as ``/KIND``.

    ``kind="Kids"`` makes a page tree whose /Kids point back at the /Pages node.
    """
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    length = b"6 0 R" if kind == "Length" else b"%d" % len(content)
    resources = b"6 0 R" if kind == "Resources" else b"<< /Font << /F1 5 0 R >> >>"
    mediabox = b"6 0 R" if kind == "MediaBox" else b"[0 0 612 792]"
    pages = b"6 0 R" if kind == "Pages" else b"2 0 R"
    kids = b"[2 0 R]" if kind == "Kids" else b"[3 0 R]"
    objects = [
        b"<< /Type /Catalog /Pages " + pages + b" >>",
        b"<< /Type /Pages /Kids " + kids + b" /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Resources " + resources + b" /Contents 4 0 R >>",
        b"<< /Length " + length + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"6 0 R",
    ]
    return pdf_from_objects(objects)


def many_page_pdf(pages: int, lines: int = 30) -> bytes:
    """A text PDF of ``pages`` pages, each with ``lines`` short lines (Helvetica, no fonts needed)."""
    page_ids = [3 + 2 * i for i in range(pages)]
    font_id = 3 + 2 * pages
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % p for p in page_ids) + b"] /Count %d >>" % pages,
    ]
    for i in range(pages):
        ops = [b"BT /F1 10 Tf 12 TL 60 760 Td"]
        for j in range(lines):
            ops.append(b"(Page %d line %d: the report says the office received %d requests.) '" % (i + 1, j + 1, i * lines + j))
        ops.append(b"ET")
        content = b"\n".join(ops)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>"
                       b" /Contents %d 0 R >>" % (font_id, page_ids[i] + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_from_objects(objects)


_DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    '{body}</w:body></w:document>'
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def minimal_docx(paragraphs: list[str], extra: dict[str, bytes] | None = None) -> bytes:
    """A DOCX with these paragraphs (and extra members, e.g. a bomb)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", _DOCUMENT_XML.format(body=body))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def docx_bomb(inflated_mb: int = 64) -> bytes:
    """A DOCX whose document.xml inflates to ``inflated_mb`` MB of whitespace (ratio about 1000:1)."""
    filler = b" " * (inflated_mb << 20)
    doc = _DOCUMENT_XML.format(body="<w:p><w:r><w:t>2021年政府信息公开工作年度报告</w:t></w:r></w:p>").encode()
    doc = doc.replace(b"<w:body>", b"<w:body>" + filler)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


def nested_html(depth: int = 100_000) -> bytes:
    """An HTML page whose report text sits under ``depth`` nested ``<div>``s."""
    text = "<p>2021年政府信息公开工作年度报告</p><p>一、总体情况</p><p>2021年，本机关共受理政府信息公开申请6件。</p>"
    return ("<html><body>" + "<div>" * depth + text + "</div>" * depth + "</body></html>").encode()
