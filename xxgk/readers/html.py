"""Web-page reports: decoding, finding the report among the site's chrome, paragraphs and tables.

:func:`read_html` turns the bytes of a web page into a
:class:`~xxgk.document.Document` in four steps:

1. **Decode** (:func:`decode_html`). A UTF-8 byte-order mark wins; then the
   charset the page declares (``<meta charset>``, ``http-equiv``, or an XML
   declaration) when the bytes decode in it; then UTF-8, and GB18030 or Big5,
   whichever gives text made of common Chinese characters. GB2312 and GBK are
   read as GB18030 (their superset), Big5 as cp950 or Big5-HKSCS.
2. **Clean.** Scripts, styles, forms' controls, comments and hidden
   elements go; so do navigation, menus, breadcrumbs (当前位置…), share bars,
   page headers and footers, found by tag (``nav``, ``header``, ``footer``…)
   or by their ``class``/``id``. An element that holds a large part of the
   page's text, or the report's title or section headings, is never dropped
   for its class name alone.
3. **Find the report's container.** From ``<body>`` the reader walks down
   into the child that holds most (70 %) of the text outside links, as long as
   that child keeps every numbered section heading (一、 二、 …) of its
   parent. A title (…政府信息公开…报告) left above the container is kept.
4. **Read blocks in document order.** Each block element (``p``, ``div``,
   ``li``, ``h1``-``h6``, cells of layout tables…) and each ``<br>`` ends a
   paragraph. ``h1``-``h6`` are headings; so are short paragraphs numbered
   like a heading (一、 / （一） / 1.) or set wholly in bold. Every leaf
   data table becomes a :class:`~xxgk.document.Table` (``source_form`` "grid")
   whose cells keep their ``rowspan``/``colspan`` and their grid position,
   cells pushed right by row spans from above included. A table that lays
   out the page (one that holds other tables, a single cell or column, or
   one big cell of running text) is read as paragraphs instead.

Provenance: paragraphs and cells carry the source line of their element
(lxml's ``sourceline``, 1-based, counted in the decoded text); cells add
their table index, row and column.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator

from lxml import etree
from lxml import html as lhtml

from ..document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from ..errors import CorruptFileError, EncodingError, GarbledTextError
from ._blocks import HEADING_MAX_CHARS, collapse_space, document_text, heading_by_form
from .garble import common_ideographs

__all__ = ["read_html", "decode_html", "chinese_score"]

# --- text helpers ------------------------------------------------------------

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SECTION_ORDINAL = re.compile(r"(?<![一二三四五六七八九十第])([一二三四五六七八九十]{1,2})[、．]")
_TITLE_RE = re.compile(r"政府信息公[开開].{0,16}报告|政府信息公[开開].{0,16}報告|信息公[开開].{0,6}年[度]?[报報]告")


def _cjk_count(text: str | None) -> int:
    return len(_CJK_RE.findall(text)) if text else 0


# --- decoding ----------------------------------------------------------------

_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_GB_LABELS = {"gb2312", "gbk", "x-gbk", "gb18030", "cp936", "chinese", "csgb2312", "gb_2312-80", "gb_2312", "euc-cn",
              "iso-ir-58", "windows-936", "ms936", "936"}
_BIG5_LABELS = {"big5", "big5-hkscs", "big5hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950", "ms950", "windows-950"}
_GB = ("gb18030",)
_BIG5 = ("cp950", "big5hkscs")
# A declared codec whose strict decoding fails is still accepted with this
# few bad bytes (a truncated character at the end of a crawled page).
_MAX_BAD_SHARE = 0.001


def _declared_codecs(data: bytes) -> tuple[str, ...] | None:
    """Codecs for the charset the page declares, or None when it declares none we trust."""
    head = data[:32768]
    m = _XML_DECL.match(head) or _DECLARED.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "replace").strip().lower()
    if label in _GB_LABELS:
        return _GB
    if label in _BIG5_LABELS:
        return _BIG5
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("utf-8", "utf-8-sig"):
        return ("utf-8",)
    if name in ("gb2312", "gbk", "gb18030"):
        return _GB
    if name in ("big5", "big5hkscs", "cp950"):
        return _BIG5
    # A Western single-byte charset on a Chinese page is nearly always a
    # wrong declaration; detection does better.
    return None


def _try_decode(data: bytes, codec: str, tolerant: bool) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if not tolerant:
            return None
    text = data.decode(codec, errors="replace")
    if text.count("\ufffd") <= max(3, _MAX_BAD_SHARE * len(text)):
        return text
    return None


def chinese_score(text: str) -> float:
    """Share of the non-ASCII characters that are common Chinese characters.

    Traditional characters count once converted to simplified. Kana, Greek,
    Cyrillic, box drawing and private-use characters (what Big5 bytes become
    when read as GB18030, and the reverse) count against.
    """
    from ..normalize import to_simplified

    sample = "".join(ch for ch in text if ord(ch) > 0x7F)[:20000]
    if not sample:
        return 0.0
    common = common_ideographs()
    simple = to_simplified(sample)
    good = sum(1 for ch in simple if ch in common)
    bad = sum(
        1 for ch in sample
        if 0xE000 <= ord(ch) <= 0xF8FF or 0x3040 <= ord(ch) <= 0x30FF or 0x0370 <= ord(ch) <= 0x04FF
        or 0x2500 <= ord(ch) <= 0x257F or ch == "\ufffd"
    )
    return (good - 2 * bad) / len(sample)


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode a web page; return ``(text, codec)``.

    Order: a UTF-8 (or UTF-16) byte-order mark; the declared charset when the
    bytes decode in it; UTF-8; then GB18030 or Big5, whichever reads as more
    common Chinese characters (:func:`chinese_score`).

    Raises
    ------
    xxgk.errors.EncodingError
        When the bytes decode in none of them.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    declared = _declared_codecs(data)
    if declared:
        for codec in declared:
            text = _try_decode(data, codec, tolerant=True)
            if text is not None:
                return text, codec
    text = _try_decode(data, "utf-8", tolerant=False)
    if text is not None:
        return text, "utf-8"
    candidates: list[tuple[float, int, str, str]] = []  # (score, -order, text, codec)
    for codec in _GB + _BIG5:
        text = _try_decode(data, codec, tolerant=True)
        if text is not None:
            candidates.append((chinese_score(text), -len(candidates), text, codec))
    if candidates:
        _, _, text, codec = max(candidates)
        return text, codec
    raise EncodingError(path, "The page decodes in none of UTF-8, GB18030 or Big5.",
                        "Save it as UTF-8, or declare its charset in <meta charset=...>.")


# --- cleaning ----------------------------------------------------------------

_ALWAYS_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "select",
                "button", "input", "textarea", "option", "link", "meta", "map", "audio", "video", "head", "title",
                "rt", "rp"}  # rt/rp: ruby annotations (报<rt>bào</rt>), read as the characters they annotate
_CHROME_TAGS = {"nav", "menu", "header", "footer", "aside"}
# class/id words of page chrome; matched inside the lower-cased class and id.
_CHROME_WORDS = re.compile(
    r"nav|menu|breadcrumb|crumb|dqwz|curpos|position|location|share|toolbar|sitemap|login|search|qrcode|erweima"
    r"|header|footer|foot|banner|sidebar|sidenav|copyright|friendlink|related|xgwz|xgxx|recommend"
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_YOU_ARE_HERE = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置|你的位置|你现在的位置|所在位置|现在位置|当前所在位置)\s*[:：]?")
# Short blocks of page tools inside the article: share bars, font size, print / close buttons.
_PAGE_TOOLS = re.compile(r"^\s*(?:分享到|字号|字体\s*[:：]|【\s*(?:打印|关闭|收藏|大\s*】)|\[\s*(?:打印|关闭))")
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)


def _walk(root: etree._Element, descend: Callable[[etree._Element], bool]) -> Iterator[tuple[bool, etree._Element]]:
    """``(True, el)`` on entering and ``(False, el)`` on leaving each node under ``root``, in document order.

    No recursion, so pages nested thousands deep (unclosed ``<font>`` tags)
    are fine. ``descend(el)`` is asked after the entry of ``el`` was handled;
    when it is False the children of ``el`` are skipped.
    """
    yield True, root
    if not descend(root):
        yield False, root
        return
    stack = [(root, iter(root))]
    while stack:
        el, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            yield False, el
            continue
        yield True, child
        if isinstance(child.tag, str) and descend(child):
            stack.append((child, iter(child)))
        else:
            yield False, child


def _non_link_cjk(root: etree._Element, narrative: bool = False) -> dict[etree._Element, int]:
    """CJK characters of each element's text outside ``<a>`` links (tails of children included).

    With ``narrative=True`` the text inside data tables does not count either.
    """
    counts: dict[etree._Element, int] = {}
    acc: dict[etree._Element, int] = {}
    skipped: set[etree._Element] = set()
    for entering, el in _walk(root, lambda e: e not in skipped):
        if entering:
            if not isinstance(el.tag, str) or el.tag == "a" or (
                    narrative and el.tag == "table" and not _is_layout_table(el)):
                skipped.add(el)
                acc[el] = 0
            else:
                acc[el] = _cjk_count(el.text)
        else:
            counts[el] = acc.pop(el)
            parent = el.getparent()
            if el is not root and parent in acc:
                acc[parent] += counts[el] + _cjk_count(el.tail)
    return counts


def _text_without_links(root: etree._Element) -> str:
    parts: list[str] = []
    for entering, el in _walk(root, lambda e: e.tag != "a"):
        if entering and isinstance(el.tag, str) and el.tag != "a" and el.text:
            parts.append(el.text)
        elif not entering and el is not root and el.tail:
            parts.append(el.tail)
    return "".join(parts)


def _holds_report(el: etree._Element, counts: dict[etree._Element, int], total: int) -> bool:
    """True when dropping ``el`` would drop the report: much of the page's text, its title or its sections."""
    n = counts.get(el, 0)
    if n >= 300 and n >= 0.3 * total:
        return True
    own = _text_without_links(el)
    return len(set(_SECTION_ORDINAL.findall(own))) >= 2 or bool(_TITLE_RE.search(own) and len(own) < 200 and "位置" not in own)


def _clean(root: etree._Element) -> None:
    """Drop scripts, hidden elements and page chrome in place."""
    for el in [e for e in root.iter() if isinstance(e.tag, str) and e.tag in _ALWAYS_DROP and e is not root]:
        if el.getparent() is not None:
            el.drop_tree()
    counts = _non_link_cjk(root)
    total = counts.get(root, 0)
    layout: dict[etree._Element, bool] = {}

    def in_data_table(el: etree._Element) -> bool:
        table = el if el.tag == "table" else next(el.iterancestors("table"), None)
        if table is None:
            return False
        if table not in layout:
            layout[table] = _is_layout_table(table)
        return not layout[table]

    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el is root or el.tag in ("html", "body"):
            continue
        hidden = el.get("hidden") is not None or el.get("aria-hidden") == "true" or bool(
            _HIDDEN_STYLE.search(el.get("style", "")))
        marks = f"{el.get('class', '')} {el.get('id', '')}".lower()
        # class names inside a data table (class="tableHeader") say nothing about page chrome
        chrome = el.tag in _CHROME_TAGS or (bool(_CHROME_WORDS.search(marks)) and not in_data_table(el))
        here = False
        if el.tag in ("div", "p", "td", "ul", "ol", "li", "span", "section", "dl", "table", "tr") and counts.get(el, 0) < 200:
            text = el.text_content()
            here = len(text) < 200 and bool(_YOU_ARE_HERE.match(text)) or (
                len(text) < 60 and bool(_PAGE_TOOLS.match(text)))
        if (hidden or chrome or here) and (here or not _holds_report(el, counts, total)):
            doomed.append(el)
    gone = set(doomed)
    for el in doomed:
        if el.getparent() is not None and not any(a in gone for a in el.iterancestors()):
            el.drop_tree()


# --- finding the report ------------------------------------------------------

_NO_DESCENT = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "a", "span", "strong", "b", "em", "i", "u", "font",
               "pre", "dt"}
_DESCENT_SHARE = 0.7


def _ordinals(el: etree._Element) -> set[str]:
    return set(_SECTION_ORDINAL.findall(el.text_content()))


def _find_container(body: etree._Element) -> etree._Element:
    """The smallest element that still holds the report's running text (see the module docstring)."""
    counts = _non_link_cjk(body, narrative=True)
    node = body
    while True:
        total = counts.get(node, 0)
        children = [c for c in node if isinstance(c.tag, str)]
        if total == 0 or not children:
            return node
        best = max(children, key=lambda c: counts.get(c, 0))
        if counts.get(best, 0) < _DESCENT_SHARE * total or best.tag in _NO_DESCENT:
            return node
        if best.tag == "table" and not _is_layout_table(best):
            return node
        if _ordinals(node) - _ordinals(best):
            return node
        node = best


def _title_outside(body: etree._Element, container: etree._Element) -> etree._Element | None:
    """A report title (…政府信息公开…报告) that stands before ``container``, outside it."""
    if container is body:
        return None
    inside = set(container.iter())
    for el in body.iter():
        if el is container:
            return None
        if el in inside or not isinstance(el.tag, str):
            continue
        if el.tag in ("h1", "h2", "h3", "h4") or "title" in f"{el.get('class', '')} {el.get('id', '')}".lower():
            text = collapse_space(el.text_content())
            if 6 <= len(text) <= 80 and _TITLE_RE.search(text):
                return el
    return None


# --- tables --------------------------------------------------------------------


def _rows(table: etree._Element) -> list[etree._Element]:
    """The table's own rows (not those of nested tables), in source order."""
    out = []
    for tr in table.iter("tr"):
        owner = next(tr.iterancestors("table"), None)
        if owner is table:
            out.append(tr)
    return out


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def _is_layout_table(table: etree._Element) -> bool:
    """A table that lays out the page rather than holding data (see the module docstring)."""
    if any(t is not table for t in table.iter("table")):
        return True
    rows = _rows(table)
    cells = [c for tr in rows for c in _row_cells(tr)]
    if len(cells) <= 1:
        return True
    per_row = [_row_cells(tr) for tr in rows]
    if all(len(rc) <= 1 and (not rc or _span(rc[0].get("colspan")) == 1) for rc in per_row):
        return True  # one column: text set in boxes
    texts = [collapse_space(c.text_content()) for c in cells]
    total = sum(len(t) for t in texts)
    longest = max(texts, key=len)
    if len(longest) >= 200 and len(longest) >= 0.5 * total:
        return True
    return any(len(set(_SECTION_ORDINAL.findall(t))) >= 2 and len(t) >= 100 for t in texts)


def _span(value: str | None, limit: int = 1000) -> int:
    """A rowspan/colspan as browsers read it: leading digits, at least 1, at most ``limit``."""
    m = re.match(r"\s*(\d+)", value or "")
    n = int(m.group(1)) if m else 1
    return max(1, min(n, limit))


def _cell_text(root: etree._Element) -> str:
    """A cell's text: nested elements included, ``<br>`` and blocks as breaks, white space collapsed."""
    parts: list[str] = []
    for entering, el in _walk(root, lambda e: True):
        element = isinstance(el.tag, str)
        if element and (el.tag in _BLOCK_TAGS or el.tag == "br"):
            parts.append("\n")
        if entering and element and el.text:
            parts.append(el.text)
        elif not entering and el is not root and el.tail:
            parts.append(el.tail)
    return collapse_space("".join(parts))


def _read_table(table: etree._Element, index: int, path: str) -> Table:
    """A leaf data table as a grid: cells pushed right past row spans from above."""
    rows = _rows(table)
    occupied: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    for r, tr in enumerate(rows):
        c = 0
        for td in _row_cells(tr):
            while (r, c) in occupied:
                c += 1
            raw_rows = td.get("rowspan")
            rowspan = len(rows) - r if (raw_rows or "").strip() == "0" else _span(raw_rows, len(rows) - r)
            colspan = _span(td.get("colspan"))
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    occupied.add((rr, cc))
            cells.append(Cell(
                text=_cell_text(td), row=r, col=c, rowspan=rowspan, colspan=colspan,
                provenance=Provenance(file=path, line=td.sourceline, table=index, row=r, col=c),
            ))
            c += colspan
    return Table(cells=cells, provenance=Provenance(file=path, line=table.sourceline, table=index),
                 index=index, source_form="grid")


# --- blocks in document order ------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "section", "article", "main", "body", "html", "center", "blockquote", "pre", "address",
               "form", "fieldset", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
               "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "header",
               "footer", "nav", "aside", "details", "summary", "legend"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Blocks:
    """Collects paragraphs and tables while walking the container."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.blocks: list[Paragraph | Table] = []
        self.pieces: list[tuple[str, bool]] = []
        self.line: int | None = None
        self.heading = 0
        self.bold = 0
        self.pre = 0
        self.n_tables = 0

    def _flush_pre(self) -> None:
        """Preformatted text (``<pre>``) keeps its lines: one paragraph each, as a text copy would read."""
        raw = "".join(t for t, _ in self.pieces)
        first = self.line
        lead = len(raw) - len(raw.lstrip("\n"))
        for k, line in enumerate(raw.split("\n")):
            text = collapse_space(line)
            if text:
                no = first + k - lead if first is not None else None
                self.blocks.append(Paragraph(text=text, heading=heading_by_form(text),
                                             provenance=Provenance(file=self.path, line=no)))
        self.pieces = []
        self.line = None

    def text(self, text: str | None, line: int | None) -> None:
        if not text:
            return
        if self.line is None and text.strip():
            self.line = line
        self.pieces.append((text, self.bold > 0))

    def flush(self) -> None:
        if self.pre > 0 and "\n" in "".join(t for t, _ in self.pieces).strip():
            self._flush_pre()
            return
        text = collapse_space("".join(t for t, _ in self.pieces))
        if text:
            bold = all(b for t, b in self.pieces if t.strip())
            heading = self.heading > 0 or heading_by_form(text) or (
                bold and len(text) <= HEADING_MAX_CHARS and _CJK_RE.search(text) is not None)
            self.blocks.append(Paragraph(text=text, heading=heading,
                                         provenance=Provenance(file=self.path, line=self.line)))
        self.pieces = []
        self.line = None

    def read(self, root: etree._Element) -> None:
        """Add the blocks under ``root`` (its own tail left out)."""
        tables: set[etree._Element] = set()
        for entering, el in _walk(root, lambda e: e not in tables):
            tag = el.tag if isinstance(el.tag, str) else ""
            if entering and tag == "table" and not _is_layout_table(el):
                self.flush()
                tables.add(el)
                table = _read_table(el, self.n_tables, self.path)
                if any(c.text for c in table.cells):
                    self.blocks.append(table)
                    self.n_tables += 1
            elif tag and el not in tables:
                if tag in _BLOCK_TAGS or tag == "br":
                    self.flush()
                step = 1 if entering else -1
                self.heading += step * (tag in _HEADING_TAGS)
                self.bold += step * (tag in ("b", "strong") or bool(_BOLD_STYLE.search(el.get("style", ""))))
                self.pre += step * (tag == "pre")
                if entering:
                    self.text(el.text, el.sourceline)
            if not entering and el is not root:
                self.text(el.tail, el.sourceline)
        self.flush()


# --- entry point ---------------------------------------------------------------------


def _page_title(root: etree._Element) -> str | None:
    for el in root.iter("h1"):
        text = collapse_space(el.text_content())
        if _TITLE_RE.search(text):
            return text
    el = root.find(".//title")
    if el is None:
        return None
    text = collapse_space(el.text_content())
    parts = [p.strip() for p in re.split(r"\s*(?:[_|｜]|--|—|-\s)\s*", text) if p.strip()]
    for part in parts:
        if _TITLE_RE.search(part):
            return part
    return parts[0] if parts else None


_MARKUP = re.compile(r"<script.*?</script>|<style.*?</style>|<!--.*?-->|<[^>]*>", re.S | re.I)


def _parse(text: str, path: str) -> etree._Element:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    # huge_tree: without it libxml2 silently drops what is nested deeper than 256 elements
    parser = lhtml.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return lhtml.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as err:
        raise CorruptFileError(path, f"The web page cannot be parsed ({err}).",
                               "Open it in a browser and save it again as HTML.") from err


def read_html(data: bytes, path: str) -> Document:
    """Read a web-page report into a :class:`~xxgk.document.Document`.

    Parameters
    ----------
    data : bytes
        The page as downloaded.
    path : str
        Its name, used in messages and provenance.

    Returns
    -------
    Document
        Paragraphs and grid tables of the report in document order, with
        ``meta.encoding`` (``utf-8``, ``utf-8-sig``, ``utf-16``, ``gb18030``
        or ``big5``) and ``meta.title`` (from ``<h1>`` or ``<title>``) set;
        the caller fills in the rest of the metadata. ``warnings`` says when
        the parser lost text.

    Raises
    ------
    xxgk.errors.EncodingError
        The bytes decode in none of UTF-8, GB18030 or Big5.
    xxgk.errors.CorruptFileError
        The markup cannot be parsed at all.
    xxgk.errors.GarbledTextError
        The text decodes to mojibake.
    """
    text, codec = decode_html(data, path)
    from ._safety import flatten_deep_html

    text = flatten_deep_html(text)  # issue 15: deep nesting would parse to nothing
    root = _parse(text, path)
    warnings = []
    in_markup = _cjk_count(_MARKUP.sub("", text))
    if _cjk_count(root.text_content()) < 0.8 * in_markup:
        warnings.append(f"{path}: part of the page's text was lost in parsing (markup nested deeper than the HTML "
                        "parser's limit of about 2,000 levels, or badly broken); the report may be incomplete.")
    title = _page_title(root)
    _clean(root)
    body = root.find("body")
    if body is None:
        body = root
    container = _find_container(body)
    blocks = _Blocks(path)
    title_el = _title_outside(body, container)
    if title_el is not None:
        blocks.heading += 1
        blocks.text(collapse_space(title_el.text_content()), title_el.sourceline)
        blocks.flush()
        blocks.heading -= 1
    blocks.read(container)
    encoding = "big5" if codec in _BIG5 else codec  # the names the text reader uses
    doc = Document(meta=DocumentMeta(encoding=encoding, title=title), blocks=blocks.blocks, warnings=warnings)
    _check_garbled(doc, path)
    return doc


def _check_garbled(doc: Document, path: str) -> None:
    """Raise :class:`~xxgk.errors.GarbledTextError` when the extracted text is mojibake."""
    from .garble import garble_score, looks_garbled

    text = document_text(doc)
    if looks_garbled(text):
        raise GarbledTextError(
            path, f"The page's text is garbled (mojibake: {garble_score(text):.0%} of its characters are not Chinese "
            f"text; read as {doc.meta.encoding}).",
            "Check the page's charset (declare it in <meta charset=...>) or save it again as UTF-8.")
