"""The document model: what every reader returns and every later stage reads.

A :class:`Document` is the report as read, before any interpretation: its
metadata and an ordered list of blocks, each a :class:`Paragraph` or a
:class:`Table`. Every block and every table cell carries a
:class:`Provenance` that says where in the input it came from.

Coordinates are kept apart on purpose (as docling-core does): a provenance
holds *either* a text position (``line``), *or* a page position (``page`` and
``bbox`` in PDF points, origin at the top-left of the page), and a table cell
adds its grid position (``row``/``col``) to one of those. Mixing a ``bbox``
without a ``page``, or a grid position outside a table, raises ``ValueError``.

Everything here is a plain dataclass that serialises to JSON and back without
loss::

    >>> doc = Document(meta=DocumentMeta(source="a.txt", format="text"),
    ...                blocks=[Paragraph(text="一、总体情况", provenance=Provenance(file="a.txt", line=1))])
    >>> Document.from_json(doc.to_json()) == doc
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from .serial import Serial

__all__ = [
    "SCHEMA_VERSION",
    "Provenance",
    "Cell",
    "Paragraph",
    "Table",
    "Block",
    "DocumentMeta",
    "Document",
]

#: Version of the JSON schema of :class:`Document`; bumped on any change.
SCHEMA_VERSION = "1.2"

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Provenance(Serial):
    """Where a block or a cell came from in the input.

    Parameters
    ----------
    file : str or None
        The input's path as given (``None`` for bytes or text passed in memory).
    page : int or None
        1-based page number (PDF), or ``None``.
    line : int or None
        1-based line number in the decoded text (text and HTML inputs; for a PDF,
        the first line on ``page`` that the block uses).
    bbox : tuple of 4 floats or None
        ``(x0, top, x1, bottom)`` in PDF points on ``page``; requires ``page``.
    table : int or None
        0-based index of the table in the document (cells only).
    row, col : int or None
        0-based grid position of a cell in its table (requires ``table``).
    char_start, char_end : int or None
        Character span in the decoded source text, where the reader knows it.
    page_end : int or None
        Last page of a block that runs on past ``page`` (a paragraph or table
        split by a page break); ``None`` when it stays on ``page``.
    ocr_confidence : float or None
        Mean OCR confidence (0-1) of the block's or cell's characters, when it
        was read by OCR (:mod:`xxgk.ocr`); ``None`` for a text layer.
    """

    file: str | None = None
    page: int | None = None
    line: int | None = None
    bbox: BBox | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    char_start: int | None = None
    char_end: int | None = None
    page_end: int | None = None
    ocr_confidence: float | None = None

    __omit_none__: ClassVar[bool] = True  # only the fields that are set

    def __post_init__(self) -> None:
        if self.bbox is not None:
            if self.page is None:
                raise ValueError("Provenance.bbox is in PDF points and needs a page; got bbox without page.")
            if len(self.bbox) != 4:
                raise ValueError(f"Provenance.bbox must have 4 numbers. Got {self.bbox!r} instead.")
            object.__setattr__(self, "bbox", tuple(float(v) for v in self.bbox))
        if (self.row is not None or self.col is not None) and self.table is None:
            raise ValueError("Provenance.row/col are table coordinates and need a table index.")
        if self.page_end is not None and (self.page is None or self.page_end < self.page):
            raise ValueError(f"Provenance.page_end must follow page. Got page={self.page}, page_end={self.page_end} instead.")
        for name in ("page", "line"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"Provenance.{name} is 1-based. Got {value} instead.")

    def describe(self) -> str:
        """A short human-readable location, e.g. ``p.3 line 12`` or ``table 1 r4 c2``."""
        parts = []
        if self.page is not None:
            parts.append(f"p.{self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.table is not None:
            parts.append(f"table {self.table}")
            if self.row is not None:
                parts.append(f"r{self.row}")
            if self.col is not None:
                parts.append(f"c{self.col}")
        return " ".join(parts) or "?"


@dataclass
class Cell(Serial):
    """One cell of a table grid, with the raw string as read."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    provenance: Provenance = field(default_factory=Provenance)

    __omit_default__: ClassVar[tuple[str, ...]] = ("rowspan", "colspan")


@dataclass
class Paragraph(Serial):
    """A paragraph of running text (or a heading).

    ``heading`` marks a heading candidate found by its form (numbering such
    as 一、 / （一） / 1. and a short line); the segmenter decides what it is.
    ``start`` is the offset of the paragraph in :attr:`Document.text`.
    """

    text: str
    provenance: Provenance = field(default_factory=Provenance)
    heading: bool = False
    start: int = 0
    kind: Literal["paragraph"] = "paragraph"


@dataclass
class Table(Serial):
    """A table as a grid of cells with raw strings.

    ``cells`` lists the cells row by row; a merged cell appears once, at its
    top-left position, with its ``rowspan``/``colspan``. :meth:`grid` expands
    merged cells so that every position holds a string.

    ``source_form`` says how the table reached us: ``"grid"`` (real cell
    boundaries: HTML, DOCX, PDF, pipe or aligned text), ``"cell-per-line"``
    (a flattened web page, one cell per line, reading order only) or
    ``"run"`` (a crawler copy where cells ran together: ``text`` holds the run
    and ``cells`` is empty).
    """

    cells: list[Cell] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    index: int = 0
    source_form: Literal["grid", "cell-per-line", "run"] = "grid"
    text: str = ""
    start: int = 0
    kind: Literal["table"] = "table"

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def grid(self) -> list[list[str]]:
        """The table as rows of strings, merged cells repeated over their span."""
        out = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    out[r][k] = c.text
        return out

    def cell_at(self, row: int, col: int) -> Cell | None:
        """The cell covering ``(row, col)``, merged cells included."""
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None



Block = Paragraph | Table


@dataclass
class DocumentMeta(Serial):
    """What is known of a document before any analysis.

    ``format`` is one of ``text``, ``html``, ``pdf``, ``docx``, ``image``; ``script`` is
    ``simplified`` or ``traditional`` (of the source, before conversion).
    ``ocr`` is ``None`` unless pages were read by OCR; then it names the engine,
    its version and models, the pages OCR'd and why (see :mod:`xxgk.ocr`).
    """

    source: str | None = None
    sha256: str = ""
    format: str = ""
    script: str = "simplified"
    encoding: str | None = None
    title: str | None = None
    body: str | None = None
    year: int | None = None
    published: str | None = None
    pages: int | None = None
    layout: str | None = None
    #: Where ``title``, ``body`` and ``year`` came from: ``{"how": ..., "line": ..., "page": ...}``, or
    #: ``{"absent": reason}`` when not found (:func:`xxgk.meta.extract_meta`).
    origin: dict[str, dict[str, Any]] = field(default_factory=dict)
    ocr: dict[str, Any] | None = None


@dataclass
class Document(Serial):
    """A report as read: metadata, ordered blocks and reader warnings.

    :attr:`text` is the paragraphs joined by newlines (tables stand as a
    single newline); every paragraph's ``start`` is its offset in it.
    """

    meta: DocumentMeta = field(default_factory=DocumentMeta)
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION

    __schema__: ClassVar[str | None] = SCHEMA_VERSION

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Recompute paragraph offsets and table indexes after editing ``blocks``."""
        pos = 0
        n_table = 0
        for b in self.blocks:
            b.start = pos
            if isinstance(b, Table):
                b.index = n_table
                n_table += 1
                pos += 1
            else:
                pos += len(b.text) + 1

    @property
    def text(self) -> str:
        return "\n".join(b.text if isinstance(b, Paragraph) else "" for b in self.blocks)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def block_at(self, offset: int) -> Block | None:
        """The block whose text covers ``offset`` of :attr:`text`."""
        for b in self.blocks:
            end = b.start + (len(b.text) if isinstance(b, Paragraph) else 0)
            if b.start <= offset <= end:
                return b
        return None
