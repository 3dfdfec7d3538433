"""Guards the readers call before trusting a file: size caps, ZIP bombs, PDF reference loops.

- :func:`check_text_size`: text and HTML past a cap (``Limits.max_text_bytes``)
  are refused with :class:`~xxgk.errors.TooLargeError` before decoding (a
  decoded string and its parse trees take 30-40 times the bytes).
- :func:`check_zip`: the members of a DOCX are checked for their declared
  uncompressed size and compression ratio *before* anything is inflated.
- :func:`pdfminer_guard`: pdfminer follows an indirect object that refers to
  itself (``6 0 obj 6 0 R endobj``) forever; within the guard (xxgk's own PDF
  reads only) such a chain, or any cycle of references, raises
  :class:`PDFReferenceLoop` (a ``PDFSyntaxError``), which the PDF reader
  reports as a damaged file.
- :func:`check_pages`: a PDF in which no page can be found (an empty or
  looping page tree) is damaged, not "scanned".
"""

from __future__ import annotations

import contextlib
import threading
import zipfile
from collections.abc import Iterator
from io import BytesIO

from ..errors import CorruptFileError, TooLargeError
from ..limits import current_limits

__all__ = ["check_text_size", "check_zip", "pdfminer_guard", "check_pages", "PDFReferenceLoop"]

#: The longest chain of references that point at references (real files use 1 or 2).
_MAX_REF_CHAIN = 32


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def check_text_size(data: bytes, path: str, fmt: str) -> None:
    """Refuse text and HTML inputs larger than ``max_text_bytes``."""
    cap = current_limits().max_text_bytes
    if fmt in ("text", "html") and cap and len(data) > cap:
        raise TooLargeError(path, f"The {fmt} file is {_mb(len(data))}, past the cap of {_mb(cap)} for {fmt} inputs.",
                            "A report is far smaller: check the file, or raise the cap with --max-text-mb.")


def check_zip(data: bytes, path: str) -> None:
    """Check every member's declared size and ratio before any is inflated.

    Raises
    ------
    TooLargeError
        When the members together would inflate past ``zip_max_bytes``, or
        one member's compression ratio is past ``zip_max_ratio`` (and it
        inflates to more than 1 MB).
    """
    lim = current_limits()
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
        return  # the reader reports the damage in its own words
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > (1 << 20) and ratio > lim.zip_max_ratio:
            raise TooLargeError(path, f"The archive member {info.filename!r} inflates {ratio:.0f} times "
                                f"({_mb(info.compress_size)} to {_mb(info.file_size)}): a ZIP bomb.",
                                "Open and save the document again in Word; a real report never compresses like this.")
    if total > lim.zip_max_bytes:
        raise TooLargeError(path, f"The archive inflates to {_mb(total)}, past the cap of {_mb(lim.zip_max_bytes)}.",
                            "Check the file; a report's DOCX holds a few MB.")


class PDFReferenceLoop(Exception):
    """An indirect object that refers to itself, directly or through a cycle of references.

    The error raised is a subclass that is also pdfminer's ``PDFSyntaxError``
    (made on first use, so that importing this module does not import pdfminer).
    """


_STATE = threading.local()  # per thread: how deep in guarded reads, and the loops met there
_LOCK = threading.Lock()
_USERS = [0]  # guarded reads running in this process, all threads together
_ORIGINAL: list = [None]  # pdfminer's own PDFObjRef.resolve while the guard is installed
_LOOP_CLASS: list = [None]


def loops_seen() -> int:
    """How many reference loops the guard has stopped in this thread (pdfminer swallows some of the errors)."""
    return getattr(_STATE, "loops", 0)


def _loop_error(message: str) -> Exception:
    if _LOOP_CLASS[0] is None:
        from pdfminer.pdfparser import PDFSyntaxError

        class _Loop(PDFReferenceLoop, PDFSyntaxError):
            pass

        _Loop.__name__ = _Loop.__qualname__ = "PDFReferenceLoop"
        _LOOP_CLASS[0] = _Loop
    return _LOOP_CLASS[0](message)


def _guarded_resolve(self, default=None):
    """``PDFObjRef.resolve`` that follows a chain of references itself, with a visited set.

    Outside a guarded read (another thread, or pdfminer used by the user's own
    code while a read runs) it is pdfminer's own method, unchanged.
    """
    original = _ORIGINAL[0]
    if not getattr(_STATE, "depth", 0):
        return original(self, default)
    from pdfminer.pdftypes import PDFObjRef

    seen = {self.objid}
    value = original(self, default)
    while isinstance(value, PDFObjRef):
        if value.objid in seen or len(seen) > _MAX_REF_CHAIN:
            _STATE.loops = loops_seen() + 1
            raise _loop_error(f"object {self.objid} refers to itself through {sorted(seen)}")
        seen.add(value.objid)
        value = original(value, default)
    return value


@contextlib.contextmanager
def pdfminer_guard() -> Iterator[None]:
    """Within the block, pdfminer raises :class:`PDFReferenceLoop` on a reference cycle instead of looping.

    pdfminer follows a reference whose value is another reference in ``while``
    loops of its own, so ``6 0 obj 6 0 R endobj`` loops forever; it has no
    hook for a guard, so ``PDFObjRef.resolve`` is replaced while at least one
    guarded read runs, and pdfminer's own method is put back when the last one
    ends. The replacement guards only the threads inside the block; the
    block nests (reentrant) and may run in several threads at once.
    """
    from pdfminer.pdftypes import PDFObjRef

    with _LOCK:
        if _USERS[0] == 0:
            _ORIGINAL[0] = PDFObjRef.resolve
            PDFObjRef.resolve = _guarded_resolve  # type: ignore[method-assign]  # restored below
        _USERS[0] += 1
    _STATE.depth = getattr(_STATE, "depth", 0) + 1
    try:
        yield
    finally:
        _STATE.depth -= 1
        with _LOCK:
            _USERS[0] -= 1
            if _USERS[0] == 0:
                PDFObjRef.resolve = _ORIGINAL[0]  # type: ignore[method-assign]
                _ORIGINAL[0] = None


def check_pages(pages: list, data: bytes, path: str, loops_before: int) -> None:
    """A PDF with no page, or no text because of a reference loop or a looping page tree, is damaged, not scanned."""
    if not pages:
        raise CorruptFileError(path, "The PDF has no page that can be found (its page tree is empty or loops).",
                               "The file is damaged: download or export it again.")
    if sum(len(p.chars) for p in pages) >= 20:  # text enough to be read (pdf.py's own threshold for "scanned")
        return
    if loops_seen() > loops_before:
        raise CorruptFileError(path, "The PDF has an object that refers to itself (a reference loop), so its text "
                               "cannot be read.", "The file is damaged: download or export it again.")
    if _page_tree_loops(data):
        raise CorruptFileError(path, "The PDF's page tree loops (a /Kids entry points back at its parent).",
                               "The file is damaged: download or export it again.")


def _page_tree_loops(data: bytes) -> bool:
    """Whether the page tree from the catalog's /Pages visits a node twice."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFObjRef, resolve1

    try:
        doc = PDFDocument(PDFParser(BytesIO(data)))
        stack = [doc.catalog.get("Pages")]
        seen: set[int] = set()
        while stack and len(seen) < 100_000:
            ref = stack.pop()
            if isinstance(ref, PDFObjRef):
                if ref.objid in seen:
                    return True
                seen.add(ref.objid)
            node = resolve1(ref)
            if isinstance(node, dict):
                kids = resolve1(node.get("Kids"))
                if isinstance(kids, list):
                    stack.extend(kids)
    except Exception:  # noqa: BLE001  (a diagnosis only; the reader's own error stands)
        return False
    return False


def transcode_wide(data: bytes, path: str) -> bytes:
    """UTF-32 (with or without BOM) and UTF-16 without BOM as UTF-8 bytes; other bytes unchanged.

    UTF-16 with its BOM is left to the readers (they know it). Without a BOM
    the encoding is told by where the zero bytes fall: every ASCII character
    (digits, line breaks) has one in its high byte, on the odd offsets in
    little-endian and on the even ones in big-endian; no UTF-8, GB18030 or
    Big5 text has zero bytes at all.

    Raises
    ------
    xxgk.errors.EncodingError
        When the zero bytes say UTF-16 or UTF-32 but the bytes do not decode.
    """
    from ..errors import EncodingError

    codec = _wide_codec(data)
    if codec is None:
        return data
    try:
        text = data.decode(codec).lstrip("\ufeff")
    except UnicodeDecodeError:
        if codec.startswith("utf-32"):  # a UTF-32 BOM or zero pattern that does not decode
            raise EncodingError(path, f"The file looks like {codec.upper()} text but does not decode as it.",
                                "Convert the file to UTF-8.") from None
        return data  # binary with zero bytes (an image, an executable): detection refuses it
    if sum(ch < " " and ch not in "\t\r\n" for ch in text[:4096]) > 0.02 * min(len(text), 4096):
        return data  # decodes, but to control characters: not text
    return text.encode("utf-8")


def _wide_codec(data: bytes) -> str | None:
    if data.startswith(b"\xff\xfe\x00\x00"):
        return "utf-32-le"
    if data.startswith(b"\x00\x00\xfe\xff"):
        return "utf-32-be"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with BOM: the readers decode it
    sample = data[:65536]
    if b"\x00" not in sample or len(sample) < 4:
        return None
    if len(data) % 4 == 0:
        quads = [sample[i::4] for i in range(4)]
        if not quads[3].strip(b"\x00") and not quads[2].strip(b"\x00"):
            return "utf-32-le"
        if not quads[0].strip(b"\x00") and not quads[1].strip(b"\x00"):
            return "utf-32-be"
    if len(data) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    zeros = even + odd
    # two to one, not all: common characters have a zero byte of their own on the other side (一 U+4E00, 开 U+5F00)
    if zeros >= 4 and odd >= 2 * even:
        return "utf-16-le"
    if zeros >= 4 and even >= 2 * odd:
        return "utf-16-be"
    return None


#: Deeper than this, nested <div>/<span> wrappers are dropped before parsing (libxml2 stops at 2,048 with huge_tree).
MAX_HTML_DEPTH = 256

_WRAPPER_TAG = None


def flatten_deep_html(text: str) -> str:
    """Drop the ``<div>`` and ``<span>`` tags nested deeper than :data:`MAX_HTML_DEPTH` (their text is kept).

    A page of 100,000 nested ``<div>``\\ s otherwise parses to nothing (libxml2
    gives up past its depth limit) and reads as "no text was found".
    """
    import re

    global _WRAPPER_TAG
    if text.count("<div") + text.count("<DIV") + text.count("<span") < MAX_HTML_DEPTH:
        return text
    if _WRAPPER_TAG is None:
        _WRAPPER_TAG = re.compile(r"<(/?)(div|span)\b[^>]*>", re.IGNORECASE)
    depth = 0
    deepest = 0
    for m in _WRAPPER_TAG.finditer(text):
        depth = depth - 1 if m.group(1) else depth + 1
        deepest = max(deepest, depth)
    if deepest <= MAX_HTML_DEPTH:
        return text
    out: list[str] = []
    depth = 0
    last = 0
    for m in _WRAPPER_TAG.finditer(text):
        closing = bool(m.group(1))
        keep = (depth <= MAX_HTML_DEPTH) if closing else (depth < MAX_HTML_DEPTH)
        depth = max(0, depth - 1) if closing else depth + 1
        if not keep:
            out.append(text[last:m.start()])
            last = m.end()
    out.append(text[last:])
    return "".join(out)
