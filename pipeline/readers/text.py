"""What every reader shares: decoding bytes, normalizing text, building a Document.

A reader walks its format's structure and calls `TextBuilder.add` once per block;
the builder writes the canonical normalized text (one block per line, a blank line
where the source had a paragraph break, unordered bullets written `•`) and records
each block's content span in it, so that every later stage points into one text.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

from pipeline.errors import EmptyDocument, NotText
from pipeline.models import Block, BlockKind, Document, Format

BULLET = "•"
# Glyphs used as unordered bullets at the start of a line.
_BULLETS = "•◦▪▫‣∙·●○■□➢➤►▶-–—*+"
_UNORDERED = re.compile(rf"^([{re.escape(_BULLETS)}])(?:\s+|$)(.*)$")
# 1. 1) (1) a) a. (a) iv. — but not "M. Dupont" (an honorific) nor "A. Smith".
_ORDERED = re.compile(r"^(\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]|\(?[A-Z]\)|\(\d{1,3}\))(?:\s+|$)(.*)$")
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF] + list(range(0x00, 0x09)) + [0x0B, 0x0C]
    + list(range(0x0E, 0x20)) + [0x7F] + list(range(0x80, 0xA0)))
_INVISIBLE_FOUND = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")  # control characters below space, but for \t\n\v\f\r
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def decode(data: bytes) -> str:
    """Decode raw bytes: BOMs first, then strict UTF-8, then charset-normalizer's best guess."""
    if not data.strip():
        raise EmptyDocument("the file is empty or holds only whitespace")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                          (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError as err:
                raise NotText(f"the file starts with a {encoding} byte-order mark but does not decode: {err}") from err
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return _checked(data.decode(utf16))
        except (UnicodeDecodeError, NotText):
            pass
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    mixed = _utf8_with_cp1252(data)
    if mixed is not None:
        return _checked(mixed)
    # The least chaotic reading wins; coherence (language fit) only breaks ties. charset-normalizer's
    # own best() favours coherence, which picks e.g. ISO-8859-14 over Windows-1252 for French text.
    candidates = list(from_bytes(data[:1_000_000]))
    best = min(candidates, key=lambda m: (round(m.percent_chaos, 1), -m.percent_coherence), default=None)
    if best is None:
        raise NotText("the bytes are not text in any encoding that could be detected (binary file?)")
    encoding = best.encoding
    if encoding in ("latin_1", "iso8859_1", "iso-8859-1", "latin-1") and re.search(rb"[\x80-\x9f]", data):
        encoding = "cp1252"  # as browsers do: C1 controls in "Latin-1" text are Windows-1252 characters
    try:
        return _checked(data.decode(encoding))
    except (UnicodeDecodeError, LookupError) as err:
        raise NotText(f"the text looked like {encoding} but does not decode: {err}") from err


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le` or `-be` when the bytes look like UTF-16 with no BOM: a zero high byte on most characters.

    Latin text in UTF-16 is half zero bytes, all on one side; without this check plain
    ASCII in UTF-16 would pass as UTF-8 full of NUL characters and be refused as binary.
    """
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4 or len(sample) % 2:
        return None
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.3 and zeros_even < 0.02:
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.02:
        return "utf-16-be"
    return None


_INVALID_BYTE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as `surrogateescape` keeps it
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")  # a character UTF-8 spelled in several bytes


def _utf8_with_cp1252(data: bytes) -> str | None:
    """UTF-8 text with some Windows-1252 bytes in it (pieces pasted together): each stray byte read as cp1252.

    Taken only when the file holds real UTF-8 characters too — at least one for every ten
    stray bytes, which a legacy single-byte file (where a valid UTF-8 pair is an accident)
    does not reach — otherwise None and the detector chooses one encoding for the file.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    stray = len(_INVALID_BYTE.findall(text))
    if not stray or len(_MULTIBYTE.findall(text)) * 10 < stray:
        return None
    return _INVALID_BYTE.sub(lambda m: _cp1252(ord(m.group()) - 0xDC00), text)


def _cp1252(byte: int) -> str:
    """One byte as Windows-1252 (the five bytes it leaves undefined as Latin-1 control characters, dropped later)."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def _checked(text: str) -> str:
    """Refuse decoded text that is mostly control characters (a binary file that happened to decode)."""
    sample = text[:100_000]
    controls = len(_CONTROLS.findall(sample))
    if controls > max(8, len(sample) // 50):
        raise NotText(f"{controls} control characters in the first {len(sample)} characters: not a text document")
    if not sample.strip():
        raise EmptyDocument("the file holds only whitespace")
    return text


def normalize_line(text: str) -> str:
    """NFC, invisible and control characters dropped, every run of spaces made one space, stripped."""
    # The same result, at once: a printable text holds no control, invisible or other space character
    # (they are all "Other" or "Separator"), so only plain spaces are left to collapse.
    if text.isprintable() and (text.isascii() or unicodedata.is_normalized("NFC", text)):
        return " ".join(text.split())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _INVISIBLE_FOUND.search(text):
        text = text.translate(_INVISIBLE)
    return _SPACES.sub(" ", text.replace("\n", " ").replace("\r", " ")).strip()


def split_marker(line: str) -> tuple[str | None, str]:
    """Split a list marker off a normalized line: ('•', rest), ('2.', rest) or (None, line)."""
    match = _UNORDERED.match(line)
    if match:
        return BULLET, match.group(2)
    match = _ORDERED.match(line)
    if match:
        return match.group(1), match.group(2)
    return None, line


@dataclass
class _Open:
    """The last block, still open for continuation lines."""

    kind: BlockKind
    start: int
    level: int
    marker: str | None
    gap_before: bool
    page: int | None
    raw_line: int | None
    cells: tuple[tuple[int, int], ...] = ()


class TextBuilder:
    """Accumulate blocks into one canonical text, recording each block's span."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._blocks: list[Block] = []
        self._open: _Open | None = None
        self._gap = False

    def gap(self) -> None:
        """The next block starts a new paragraph (a blank line in the text)."""
        self._gap = True

    @property
    def last_kind(self) -> BlockKind | None:
        return self._open.kind if self._open else None

    def _write(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def _close(self) -> None:
        if self._open is not None:
            o = self._open
            self._blocks.append(Block(o.kind, o.start, self._length, o.level, o.marker, o.cells,
                                      o.gap_before, o.page, o.raw_line))
            self._open = None

    def _begin(self, marker: str | None) -> bool:
        gap = self._gap and (self._open is not None or bool(self._blocks))
        self._close()
        if self._length:
            self._write("\n\n" if gap else "\n")
        if marker:
            self._write(marker + " ")
        self._gap = False
        return gap

    def add(self, kind: BlockKind, text: str, *, level: int = 0, marker: str | None = None,
            page: int | None = None, raw_line: int | None = None, normalized: bool = False) -> bool:
        """Add a block (its text normalized here, unless it already is); False (nothing added) when it is empty."""
        if not normalized:
            text = normalize_line(text)
        if not text:
            return False
        gap = self._begin(marker)
        self._open = _Open(kind, self._length, level, marker, gap, page, raw_line)
        self._write(text)
        return True

    def extend(self, text: str, normalized: bool = False) -> None:
        """Continue the open block with another line of the same paragraph or item."""
        if not normalized:
            text = normalize_line(text)
        if text and self._open is not None:
            self._write(" " + text)

    def add_row(self, cells: list[str], *, page: int | None = None, raw_line: int | None = None) -> bool:
        """Add a table row: cells joined by a tab, each cell's span kept."""
        texts = [normalize_line(c) for c in cells]
        if not any(texts):
            return False
        gap = self._begin(None)
        start = self._length
        spans = []
        for n, cell in enumerate(texts):
            if n:
                self._write("\t")
            spans.append((self._length, self._length + len(cell)))
            self._write(cell)
        self._open = _Open("row", start, 0, None, gap, page, raw_line, tuple(spans))
        return True

    def build(self, path: str, sha256: str, fmt: Format) -> Document:
        self._close()
        text = "".join(self._parts)
        if not self._blocks:
            raise EmptyDocument("no text could be read from the document")
        return Document(path=path, sha256=sha256, format=fmt, text=text, blocks=self._blocks)


def add_lines(builder: TextBuilder, lines: list[tuple[str, int | None]], *, page: int | None = None,
              paragraph_gap: bool = True) -> None:
    """Add plain-text lines: bullets and numbers make items, blank lines make gaps.

    Shared by the text reader and by readers whose paragraphs hold plain lines.
    A lone marker line (`-`) takes the next line as its item; an indented or
    lower-case line right under an item continues it; a long prose line that does
    not end a sentence is continued by a next line starting in lower case (hard-wrapped text).
    """
    pending: str | None = None
    prev = ""
    prev_indent = 0
    for raw, raw_line in lines:
        expanded = raw.expandtabs(4)
        line = normalize_line(expanded)
        if not line:
            if paragraph_gap:
                builder.gap()
            prev = ""
            continue
        indent = len(expanded) - len(expanded.lstrip())
        marker, content = split_marker(line)
        if marker is not None and not content:
            pending = marker
            continue
        if pending is not None and marker is None:
            marker, pending = pending, None
        if marker is None and prev and _continues(builder.last_kind, prev, prev_indent, line, indent):
            builder.extend(line, normalized=True)
            prev = prev + " " + line
            continue
        kind: BlockKind = "item" if marker else "paragraph"
        builder.add(kind, content, marker=marker, level=1 if marker and indent >= 4 else 0,
                    page=page, raw_line=raw_line, normalized=True)  # a normalized line, or its end after a space
        prev, prev_indent = line, indent


def _continues(last: BlockKind | None, prev: str, prev_indent: int, line: str, indent: int) -> bool:
    """Whether `line` carries on the previous line rather than starting a block."""
    if last == "item":
        return indent > prev_indent or (line[0].islower() and prev[-1] not in ".;:!?")
    if last == "paragraph":
        # Only a lower-case start is safe: rows of a flattened table also lack a final period.
        return len(prev) >= 60 and prev[-1] not in ".:!?" and line[0].islower()
    return False
