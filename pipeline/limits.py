"""Per-document limits: what a document may cost before it is refused.

Kept in a module of its own, with no heavy imports, so that the command line can show
the defaults in its help without loading the readers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-document limits; a document over any of them is refused (`too_large`, or `timeout`).

    `max_bytes`: the file's size (`--max-bytes`); `max_pages`: the pages of a PDF
    (`--max-pages`); `max_unpacked_bytes`: what a DOCX (a ZIP) holds once unpacked, so
    that a small "ZIP bomb" is refused before anything is decompressed. Enforced by the
    runner while a document is extracted: `timeout_seconds` (`--timeout`; the document
    is stopped and refused as `timeout`) and `max_memory_bytes` (`--max-memory`: how much
    the extracting process's address space may grow for one document; beyond it, `too_large`).
    `None` turns either off.
    """

    max_bytes: int = 20_000_000
    max_pages: int = 500
    max_unpacked_bytes: int = 100_000_000
    timeout_seconds: float | None = 60.0
    max_memory_bytes: int | None = 2 * 1024**3
