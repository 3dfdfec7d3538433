"""Word (.docx) reports: paragraphs and tables in body order, merged cells resolved.

:func:`read_docx` reads the body of ``word/document.xml`` (through
python-docx) child by child, so paragraphs and tables come out in the order
the document shows them, content controls (``w:sdt``) included.

- **Paragraphs.** The text of the runs (``w:t``), tabs kept as tab characters; deleted
  revisions, field instructions and the fallback copy of drawings are left
  out, text boxes too. A manual line break (``w:br``, ``w:cr``) ends a
  paragraph, as ``<br>`` does in the HTML reader. A paragraph is a heading
  when its style (or a style it is based on) is named ``Heading N`` /
  ``标题 N`` / ``Title`` or carries an outline level, or when it is a short
  line numbered like a heading (一、 / （一）).
- **Tables.** One :class:`~xxgk.document.Cell` per merged area:
  a horizontal merge (``w:gridSpan``, or the legacy ``w:hMerge``) gives a
  ``colspan``, a vertical merge (``w:vMerge`` restart, then continue) a
  ``rowspan``; ``w:gridBefore`` shifts a row right. Cell text is the text of
  its paragraphs, white space collapsed. A table with a single cell or a
  single column lays text out and is read as paragraphs.
- **Provenance.** A paragraph's ``line`` is its 1-based position among the
  document's paragraphs in reading order (body paragraphs and those of
  layout tables; empty paragraphs count, paragraphs inside data tables do
  not), so ``line=3`` is the third paragraph Word shows. Tables and cells
  carry ``table``/``row``/``col`` and no line.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO

from lxml import etree

from ..document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from ..errors import CorruptFileError, EncryptedFileError, GarbledTextError, UnsupportedFormatError
from ._blocks import collapse_space, document_text, heading_by_form
from .garble import garble_score, looks_garbled

__all__ = ["read_docx", "is_encrypted_office"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted OOXML file is an OLE container holding these streams.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_HEADING_STYLE = re.compile(r"^(?:heading|标题|標題)\s*\d|^(?:title|标题|標題)$", re.I)
# Subtrees whose text Word does not show as the paragraph's text.
_SKIP = {_W + "del", _W + "moveFrom", _W + "instrText", _W + "delInstrText", _W + "pPr", _W + "rPr",
         _W + "txbxContent", _MC + "Fallback", _W + "footnoteReference", _W + "endnoteReference"}


def is_encrypted_office(data: bytes) -> bool:
    """True for a password-protected Office file (an OLE container with an ``EncryptedPackage`` stream)."""
    return data.startswith(_OLE_MAGIC) and _ENCRYPTED_STREAM in data


def _attr(el: etree._Element | None, name: str = "val") -> str | None:
    return None if el is None else el.get(_W + name)


class _Styles:
    """Which paragraph styles are headings, from ``word/styles.xml``."""

    def __init__(self, styles_el: etree._Element | None) -> None:
        self._by_id: dict[str, etree._Element] = {}
        self._cache: dict[str, bool] = {}
        if styles_el is not None:
            for s in styles_el.iter(_W + "style"):
                sid = s.get(_W + "styleId")
                if sid:
                    self._by_id[sid] = s

    def is_heading(self, style_id: str | None, depth: int = 0) -> bool:
        if not style_id or depth > 8:
            return False
        if style_id in self._cache:
            return self._cache[style_id]
        s = self._by_id.get(style_id)
        result = False
        if s is not None:
            name = _attr(s.find(_W + "name")) or style_id
            outline = _attr(s.find(f"{_W}pPr/{_W}outlineLvl"))
            result = bool(_HEADING_STYLE.match(name.strip())) or (outline is not None and outline.isdigit()
                                                                   and int(outline) < 9)
            if not result:
                result = self.is_heading(_attr(s.find(_W + "basedOn")), depth + 1)
        else:
            result = bool(_HEADING_STYLE.match(style_id))
        self._cache[style_id] = result
        return result


def _lines(p: etree._Element) -> list[str]:
    """A paragraph's text, split at manual line breaks."""
    lines: list[list[str]] = [[]]

    def visit(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _W + "t":
                lines[-1].append(child.text or "")
            elif tag in (_W + "tab", _W + "ptab"):
                lines[-1].append("\t")
            elif tag in (_W + "br", _W + "cr"):
                lines.append([])
            elif tag == _W + "noBreakHyphen":
                lines[-1].append("-")
            else:
                visit(child)

    visit(p)
    return ["".join(parts) for parts in lines]


def _is_heading_para(p: etree._Element, styles: _Styles) -> bool:
    ppr = p.find(_W + "pPr")
    if ppr is None:
        return False
    outline = _attr(ppr.find(_W + "outlineLvl"))
    if outline is not None and outline.isdigit() and int(outline) < 9:
        return True
    return styles.is_heading(_attr(ppr.find(_W + "pStyle")))


def _children(parent: etree._Element, tags: tuple[str, ...]) -> list[etree._Element]:
    """Children with one of ``tags``, looking through content controls and custom XML wrappers."""
    out = []
    for child in parent:
        if child.tag in tags:
            out.append(child)
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                out.extend(_children(content, tags))
        elif child.tag in (_W + "customXml", _W + "smartTag"):
            out.extend(_children(child, tags))
    return out


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


def _paragraphs_in(el: etree._Element) -> list[etree._Element]:
    """The ``w:p`` under ``el`` in order, nested tables included, text boxes and fallbacks not."""
    out = []
    for child in el:
        if child.tag == _W + "p":
            out.append(child)
        elif isinstance(child.tag, str) and child.tag not in _SKIP:
            out.extend(_paragraphs_in(child))
    return out


def _cell_text(tc: etree._Element) -> str:
    lines = [line for p in _paragraphs_in(tc) for line in _lines(p)]
    return collapse_space("\n".join(lines))


class _Reader:
    def __init__(self, path: str, styles: _Styles) -> None:
        self.path = path
        self.styles = styles
        self.blocks: list[Paragraph | Table] = []
        self.n_paragraphs = 0
        self.n_tables = 0

    def body(self, parent: etree._Element) -> None:
        for el in _children(parent, (_W + "p", _W + "tbl")):
            if el.tag == _W + "p":
                self.paragraph(el)
            else:
                self.table(el)

    def paragraph(self, p: etree._Element) -> None:
        self.n_paragraphs += 1
        styled = _is_heading_para(p, self.styles)
        for line in _lines(p):
            text = collapse_space(line)
            if text:
                self.blocks.append(Paragraph(
                    text=text, heading=styled or heading_by_form(text),
                    provenance=Provenance(file=self.path, line=self.n_paragraphs),
                ))

    def table(self, tbl: etree._Element) -> None:
        rows = _children(tbl, (_W + "tr",))
        per_row = [_children(tr, (_W + "tc",)) for tr in rows]
        if all(len(tcs) <= 1 for tcs in per_row):
            for tcs in per_row:  # a text box drawn as a table
                for tc in tcs:
                    self.body(tc)
            return
        index = self.n_tables
        cells: list[Cell] = []
        open_v: dict[int, Cell] = {}
        for r, (tr, tcs) in enumerate(zip(rows, per_row)):
            col = _int(_attr(tr.find(f"{_W}trPr/{_W}gridBefore")), 0)
            still_open: dict[int, Cell] = {}
            previous: Cell | None = None
            for tc in tcs:
                tcpr = tc.find(_W + "tcPr")
                span = max(1, _int(_attr(tcpr.find(_W + "gridSpan")) if tcpr is not None else None, 1))
                vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
                hmerge = tcpr.find(_W + "hMerge") if tcpr is not None else None
                if hmerge is not None and _attr(hmerge) != "restart" and previous is not None:
                    previous.colspan += span  # legacy horizontal merge: continue the cell on the left
                    col += span
                    continue
                v = None if vmerge is None else (_attr(vmerge) or "continue")
                if v == "continue" and col in open_v:
                    cell = open_v[col]
                    cell.rowspan = r - cell.row + 1
                else:
                    cell = Cell(text=_cell_text(tc), row=r, col=col, colspan=span,
                                provenance=Provenance(file=self.path, table=index, row=r, col=col))
                    cells.append(cell)
                if v is not None:
                    still_open[col] = cell
                previous = cell
                col += span
            open_v = still_open
        if not any(c.text for c in cells):
            return
        self.blocks.append(Table(cells=cells, provenance=Provenance(file=self.path, table=index), index=index,
                                 source_form="grid"))
        self.n_tables += 1


def _open(data: bytes, path: str):
    """python-docx's Document for ``data``, or the typed error that says why not."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if is_encrypted_office(data):
        raise EncryptedFileError(path, "The file is a password-protected (encrypted) Office document.",
                                 "Open it in Word, remove the password (File > Info > Protect Document) "
                                 "and save it again as .docx.")
    if data.startswith(_OLE_MAGIC):
        raise UnsupportedFormatError(path, "The file is a legacy Word .doc (OLE), not a .docx.",
                                     "Save it as .docx in Word or LibreOffice.")
    from ._safety import check_zip

    check_zip(data, path)  # issue 15: sizes and ratios checked before anything is inflated
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" not in names:
                raise CorruptFileError(path, "The file is a ZIP archive without word/document.xml: not a Word document.",
                                       "Check that this is the right file; export it again as .docx.")
            if any(info.flag_bits & 0x1 for info in zf.infolist()):
                raise EncryptedFileError(path, "The DOCX archive is password-protected.",
                                         "Save an unprotected copy as .docx.")
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as err:  # NotImplementedError: a ZIP
        # version or compression method zipfile does not read ("zip file version 8.4"): damage, in a .docx
        raise CorruptFileError(path, f"The DOCX file is damaged: not a readable ZIP archive ({err}); it may be truncated.",
                               "Download or export it again.") from err
    try:
        return docx.Document(BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, etree.XMLSyntaxError, PackageNotFoundError) as err:
        raise CorruptFileError(path, f"The DOCX file is damaged ({type(err).__name__}: {err}).",
                               "Open it in Word and save it again, or export it again.") from err
    except ValueError as err:
        raise UnsupportedFormatError(path, f"Not a Word document python-docx can open ({err}).",
                                     "Save it as a .docx document.") from err
    except Exception as err:  # issue 15 (fuzz): python-docx fails in many untyped ways on damaged parts
        raise CorruptFileError(path, f"The DOCX file is damaged ({type(err).__name__}: {err}).",
                               "Open it in Word and save it again, or export it again.") from err


def read_docx(data: bytes, path: str) -> Document:
    """Read a Word report into a :class:`~xxgk.document.Document`.

    Parameters
    ----------
    data : bytes
        The .docx file's bytes.
    path : str
        Its name, used in messages and provenance.

    Returns
    -------
    Document
        Paragraphs and grid tables in body order. ``Paragraph.provenance.line``
        is the 1-based paragraph index in reading order (see the module
        docstring); cells carry ``table``/``row``/``col``. ``meta.title`` is
        the document's core title when it names a report.

    Raises
    ------
    xxgk.errors.EncryptedFileError
        A password-protected file.
    xxgk.errors.CorruptFileError
        A truncated or damaged file, or a ZIP archive that is no Word document.
    xxgk.errors.UnsupportedFormatError
        A legacy .doc, or another Office type.
    xxgk.errors.GarbledTextError
        The text is mojibake (:func:`xxgk.readers.garble.looks_garbled`).
    """
    d = _open(data, path)
    try:
        styles_el = d.styles.element
    except (KeyError, ValueError, etree.XMLSyntaxError):
        styles_el = None
    reader = _Reader(path, _Styles(styles_el))
    try:
        reader.body(d.element.body)
    except (KeyError, ValueError, etree.XMLSyntaxError) as err:
        raise CorruptFileError(path, f"The DOCX body cannot be read ({err}).", "Open it in Word and save it again.") \
            from err
    title = None
    try:
        core = (d.core_properties.title or "").strip()
        title = core if "报告" in core or "報告" in core else None
    except (KeyError, ValueError, etree.XMLSyntaxError):
        title = None
    doc = Document(meta=DocumentMeta(title=title), blocks=reader.blocks)
    text = document_text(doc)
    if looks_garbled(text):
        raise GarbledTextError(path, f"The document's text is garbled (mojibake: {garble_score(text):.0%} of its "
                               "characters are not Chinese text; its fonts or its conversion to .docx broke it).",
                               "Open it in Word and check the text; export it again from the original.")
    return doc
