"""Readers: one per format, each `bytes -> Document` with the same canonical text model.

`read_document` picks the reader by file extension, enforces the size limit and hashes
the raw bytes; the PDF and DOCX readers plug in here beside the text formats.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EmptyDocument, TooLarge, UnsupportedFormat
from pipeline.models import Document, Format
from pipeline.readers.html import read_html
from pipeline.readers.md import read_md
from pipeline.readers.txt import read_txt

Reader = Callable[[bytes, str, str], Document]
READERS: dict[str, tuple[Format, Reader]] = {
    ".txt": ("txt", read_txt),
    ".text": ("txt", read_txt),
    ".md": ("md", read_md),
    ".markdown": ("md", read_md),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
}


@dataclass(frozen=True)
class Limits:
    """Per-document limits; a document over them is refused as `too_large`."""

    max_bytes: int = 20_000_000
    max_pages: int = 500


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_of(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def read_document(path: Path, relpath: str, data: bytes, limits: Limits = Limits()) -> Document:
    """Read one document's bytes with the reader of its extension."""
    entry = READERS.get(path.suffix.lower())
    if entry is None:
        known = ", ".join(sorted({suffix for suffix in READERS}))
        raise UnsupportedFormat(f"no reader for '{path.suffix or '(no extension)'}' files (readable: {known})")
    if not data:
        raise EmptyDocument("the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"{len(data):,} bytes is over the limit of {limits.max_bytes:,} bytes (--max-bytes)")
    _, reader = entry
    return reader(data, relpath, sha256_of(data))
