"""Plain text: lines, blank lines, bullets and numbers."""
from __future__ import annotations

from pipeline.models import Document
from pipeline.readers.text import TextBuilder, add_lines, decode


def read_txt(data: bytes, path: str, sha256: str) -> Document:
    """Read a plain-text profile (any encoding, any line ending)."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    builder = TextBuilder()
    add_lines(builder, [(line, n) for n, line in enumerate(text.split("\n"), start=1)])
    return builder.build(path, sha256, "txt")
