"""Readers: one per format, each `bytes -> Document` with the same canonical text model.

`read_document` picks the reader by file extension, enforces the size limit and hashes
the raw bytes. Every reader takes the `Limits`: the text formats need none beyond the
size, the PDF reader refuses too many pages and the DOCX reader a ZIP that unpacks too big.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import EmptyDocument, TooLarge, UnsupportedFormat
from pipeline.limits import Limits  # noqa: F401 - defined apart (light), used by every reader
from pipeline.models import Document, Format
from pipeline.readers.docx import read_docx
from pipeline.readers.html import read_html
from pipeline.readers.md import read_md
from pipeline.readers.pdf import read_pdf
from pipeline.readers.txt import read_txt


Reader = Callable[[bytes, str, str, Limits], Document]


def _no_limits(read: Callable[[bytes, str, str], Document]) -> Reader:
    """A text reader in the registry: the size limit was enforced before it runs."""
    def reader(data: bytes, path: str, sha256: str, limits: Limits) -> Document:
        return read(data, path, sha256)
    return reader


READERS: dict[str, tuple[Format, Reader]] = {
    ".txt": ("txt", _no_limits(read_txt)),
    ".text": ("txt", _no_limits(read_txt)),
    ".md": ("md", _no_limits(read_md)),
    ".markdown": ("md", _no_limits(read_md)),
    ".html": ("html", _no_limits(read_html)),
    ".htm": ("html", _no_limits(read_html)),
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_of(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


_ESCAPED_BYTE = re.compile(rb"\\x([0-9a-f]{2})")


def shown(name: str) -> str:
    """A file name as text for the records: the bytes of a name that is not UTF-8 (which the system gives
    as lone surrogates, and JSON cannot hold) written as `\\xNN`."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return name.encode("utf-8", "replace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def on_disk(name: str) -> str:
    """The file name that `shown` wrote as `name`: each `\\xNN` read back as the byte it stands for."""
    raw = _ESCAPED_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), name.encode("utf-8", "surrogateescape"))
    return os.fsdecode(raw)


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
    return reader(data, relpath, sha256_of(data), limits)
