"""Plain-text reports (a first version: decoding and one paragraph per line)."""

from __future__ import annotations

from ..document import Document, DocumentMeta, Paragraph, Provenance
from ..errors import EncodingError

__all__ = ["read_text", "decode_text"]

_ENCODINGS = ("utf-8", "gb18030", "big5")


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM or not), GB18030 or Big5; return ``(text, encoding)``."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for enc in _ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise EncodingError(path, "The bytes decode in none of UTF-8, GB18030 or Big5.", "Convert the file to UTF-8.")


def read_text(data: bytes, path: str) -> Document:
    text, encoding = decode_text(data, path)
    blocks = []
    for no, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            blocks.append(Paragraph(text=line.strip(), provenance=Provenance(file=path, line=no)))
    return Document(meta=DocumentMeta(encoding=encoding), blocks=blocks)
