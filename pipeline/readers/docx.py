"""Word documents (.docx): paragraphs and tables in body order, via python-docx.

Headings come from the paragraph styles (`Title`, `Heading 1`..`Heading 6`), list items
from list styles or numbering (`w:numPr`, with the bullet or number Word would show),
table rows from tables (list paragraphs inside a cell follow their row as items). A
blank paragraph, or the spacing Word puts between two paragraphs, makes a paragraph gap;
a line break inside a paragraph makes a new line. A .docx has no fixed pages: a block's
`page` counts the page breaks before it, explicit ones and those Word recorded where it
last laid the document out (`w:lastRenderedPageBreak`); a file never opened in Word is
all on page 1 unless it has explicit breaks.

The file is a ZIP: its declared unpacked size is checked against the limit before any
part is decompressed (a "ZIP bomb" is refused as `too_large`), then every part is inflated
once in bounded chunks, which `zipfile` stops at the declared size (a ZIP that lies about
its sizes is refused as damaged). A password-protected .docx (Word wraps it in an OLE
container) is refused as `encrypted`. python-docx parses the XML with lxml without resolving
entities (`resolve_entities=False`), so an external entity is never fetched or read.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree  # type: ignore[import-untyped]

from pipeline.errors import Encrypted, ReadError, TooLarge
from pipeline.models import Document
from pipeline.readers.text import BULLET, TextBuilder, add_lines

if TYPE_CHECKING:
    from lxml.etree import _Element  # type: ignore[import-untyped]

    from pipeline.readers import Limits

MAX_ENTRIES = 10_000
_CHUNK = 1 << 20  # bytes inflated at a time while checking the parts
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: a .doc, or an encrypted .docx
_HEADING = re.compile(r"^heading\s*([1-9])$", re.I)
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, PackageNotFoundError, KeyError, ValueError,
            etree.XMLSyntaxError, zlib.error, EOFError, NotImplementedError)


def read_docx(data: bytes, path: str, sha256: str, limits: Limits) -> Document:
    """Read a Word document into a Document: headings, paragraphs, list items and table rows."""
    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        walker = _Walker(document)
        walker.body(document.element.body)
    except _DAMAGED as err:
        raise ReadError(f"the .docx file is damaged or not a Word document ({type(err).__name__}: {err})") from err
    return walker.out.build(path, sha256, "docx")


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a file that is not a ZIP, or that would unpack to more than the limit.

    The sizes the ZIP declares are checked first; then every part is inflated once, in
    chunks, and thrown away: `zipfile` stops a part at its declared size and checks its
    CRC, so a ZIP whose headers understate what a part inflates to ("2 KB", then 20 GB)
    is refused as damaged before python-docx would inflate it whole into memory.
    """
    if data.startswith(_OLE):  # Word saves a password-protected .docx inside an OLE container
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Encrypted("the .docx file is protected by a password and cannot be opened")
        raise ReadError("not a .docx file: an older Word (.doc) or other OLE document; save it as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
            if len(entries) > MAX_ENTRIES or unpacked > limits.max_unpacked_bytes:
                raise TooLarge(f"the .docx file would unpack to {unpacked:,} bytes in {len(entries):,} parts, over "
                               f"the limit of {limits.max_unpacked_bytes:,} bytes")
            for entry in entries:
                with archive.open(entry) as part:
                    while part.read(_CHUNK):
                        pass
    except RuntimeError as err:  # zipfile's word for a part encrypted with a password
        raise Encrypted(f"the .docx file has a part protected by a password ({err})") from err
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, zlib.error,
            NotImplementedError) as err:
        raise ReadError(f"not a readable .docx file: the ZIP archive is damaged or truncated ({err})") from err


# --------------------------------------------------------------------------- styles and numbering


def _val(element: _Element | None, tag: str, attr: str = "w:val") -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn(attr)) if child is not None else None


class _Styles:
    """Paragraph styles by id: name, base style, list numbering and spacing, with document defaults."""

    def __init__(self, document: WordDocument) -> None:
        root = document.styles.element
        self.by_id: dict[str, _Element] = {s.get(qn("w:styleId")): s for s in root.iter(qn("w:style"))}
        self.default_id = next((sid for sid, s in self.by_id.items()
                                if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")),
                               None)
        defaults = root.find(qn("w:docDefaults"))
        ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}") if defaults is not None else None
        self.default_spacing = ppr.find(qn("w:spacing")) if ppr is not None else None

    def chain(self, style_id: str | None) -> Iterator[_Element]:
        seen: set[str] = set()
        current = style_id or self.default_id
        while current and current in self.by_id and current not in seen:
            seen.add(current)
            style = self.by_id[current]
            yield style
            current = _val(style, "w:basedOn")

    def name(self, style_id: str | None) -> str:
        for style in self.chain(style_id):
            return _val(style, "w:name") or ""
        return ""

    def ppr_value(self, ppr: _Element | None, style_id: str | None, path: str) -> _Element | None:
        """The first `path` element under the paragraph's own pPr, then its styles' pPr."""
        for props in [ppr] + [s.find(qn("w:pPr")) for s in self.chain(style_id)]:
            found = props.find("/".join(qn(p) for p in path.split("/"))) if props is not None else None
            if found is not None:
                return found
        return None

    def spacing(self, ppr: _Element | None, style_id: str | None, side: str) -> int:
        """Twentieths of a point of space before or after a paragraph (auto spacing counts as some)."""
        for props in [ppr] + [s.find(qn("w:pPr")) for s in self.chain(style_id)]:
            spacing = props.find(qn("w:spacing")) if props is not None else None
            if spacing is None:
                continue
            if spacing.get(qn(f"w:{side}Autospacing")) in ("1", "true", "on"):
                return 280
            value = spacing.get(qn(f"w:{side}"))
            if value is not None:
                return int(float(value)) if value.lstrip("-").replace(".", "").isdigit() else 0
        value = self.default_spacing.get(qn(f"w:{side}")) if self.default_spacing is not None else None
        return int(float(value)) if value and value.lstrip("-").replace(".", "").isdigit() else 0


class _Numbering:
    """Word's list definitions: what marker level `ilvl` of list `numId` shows, counted as Word counts."""

    def __init__(self, document: WordDocument) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.iter(qn("w:abstractNum")):
            levels = {}
            for lvl in node.iter(qn("w:lvl")):
                start = _val(lvl, "w:start") or "1"
                levels[int(lvl.get(qn("w:ilvl")) or 0)] = (
                    _val(lvl, "w:numFmt") or "decimal", _val(lvl, "w:lvlText") or "%1.",
                    int(start) if start.isdigit() else 1)
            abstract[node.get(qn("w:abstractNumId")) or ""] = levels
        for num in root.iter(qn("w:num")):
            self.levels[num.get(qn("w:numId")) or ""] = abstract.get(_val(num, "w:abstractNumId") or "", {})
        self.counters: dict[str, list[int]] = {}

    def marker(self, num_id: str, ilvl: int, style_name: str) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return f"{self._count(num_id, ilvl, 1)}." if "number" in style_name.lower() else BULLET
        fmt, text, start = levels[ilvl]
        if fmt in ("bullet", "none"):
            return BULLET
        count = self._count(num_id, ilvl, start)
        counts = self.counters[num_id]

        def number(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            value = count if level == ilvl else counts[level] if level < len(counts) else 1
            return _format(value, levels.get(level, (fmt, "", 1))[0])

        marker = re.sub(r"%([1-9])", number, text).strip()
        return marker or BULLET

    def _count(self, num_id: str, ilvl: int, start: int) -> int:
        counts = self.counters.setdefault(num_id, [])
        while len(counts) <= ilvl:
            counts.append(0)
        del counts[ilvl + 1:]  # a deeper list starts again under the next item of this level
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else start
        return counts[ilvl]


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)


def _roman(value: int) -> str:
    out = ""
    for number, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= number:
            out, value = out + letters, value - number
    return out


# --------------------------------------------------------------------------- the walk


class _Walker:
    def __init__(self, document: WordDocument) -> None:
        self.document = document
        self.styles = _Styles(document)
        self.numbering = _Numbering(document)
        self.out = TextBuilder()
        self.previous: tuple[int, str | None, bool] | None = None  # space after, style, contextual
        self.page = 1

    def turn_pages(self, element: _Element, ppr: _Element | None = None) -> int:
        """Count the page breaks in `element`: those before its first text turn the page now, the
        others are returned, to be turned after the block."""
        before = ppr is not None and _val(ppr, "w:pageBreakBefore") not in (None, "0", "false", "off")
        later = 0
        seen_text = False
        for node in element.iter(qn("w:t"), qn("w:br"), qn("w:lastRenderedPageBreak")):
            if node.tag == qn("w:t"):
                seen_text = seen_text or bool((node.text or "").strip())
            elif node.tag == qn("w:br") and node.get(qn("w:type")) != "page":
                continue
            elif seen_text:
                later += 1
            else:
                before = True
        if before and self.out.last_kind is not None:
            self.page += 1
        return later

    def body(self, container: _Element) -> None:
        """Walk paragraphs and tables in order (content controls are opened, not skipped)."""
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                self.paragraph(Paragraph(child, self.document._body))
            elif child.tag == qn("w:tbl"):
                self.table(Table(child, self.document._body))
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self.body(content)

    def list_info(self, paragraph: Paragraph) -> tuple[str, int] | None:
        """(marker, level) when the paragraph is a list item, else None."""
        ppr = paragraph._p.pPr
        style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        name = self.styles.name(style_id)
        num_pr = self.styles.ppr_value(ppr, style_id, "w:numPr")
        num_id = _val(num_pr, "w:numId")
        if num_id == "0":  # numbering explicitly switched off
            return None
        listed = num_id is not None or name.lower().startswith(("list bullet", "list number"))
        if not listed:
            return None
        ilvl = _val(num_pr, "w:ilvl")
        digit = re.search(r"(\d)$", name)
        level = int(ilvl) if ilvl and ilvl.isdigit() else (int(digit.group(1)) - 1 if digit else 0)
        return self.numbering.marker(num_id or name, level, name), level

    def heading_level(self, ppr: _Element | None, style_id: str | None) -> int | None:
        """The heading level of a `Title` or `Heading N` paragraph, or of one with an outline level."""
        name = self.styles.name(style_id)
        if name.lower() == "title":
            return 1
        match = _HEADING.match(name)
        if match:
            return min(int(match.group(1)), 6)
        outline = _val(ppr, "w:outlineLvl") if ppr is not None else None
        if outline is None:
            found = self.styles.ppr_value(None, style_id, "w:outlineLvl")
            outline = found.get(qn("w:val")) if found is not None else None
        if outline is not None and outline.isdigit() and int(outline) < 9:  # 9 is body text
            return min(int(outline) + 1, 6)
        return None

    def spaced(self, ppr: _Element | None, style_id: str | None) -> bool:
        """Whether Word shows space between the previous paragraph and this one."""
        before = self.styles.spacing(ppr, style_id, "before")
        contextual = self.styles.ppr_value(ppr, style_id, "w:contextualSpacing") is not None
        previous, self.previous = self.previous, (self.styles.spacing(ppr, style_id, "after"), style_id, contextual)
        if previous is None:
            return False
        after, prev_style, prev_contextual = previous
        if (contextual or prev_contextual) and prev_style == style_id:
            return False
        return before > 0 or after > 0

    def paragraph(self, paragraph: Paragraph) -> None:
        ppr = paragraph._p.pPr
        style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
        spaced = self.spaced(ppr, style_id)
        later = self.turn_pages(paragraph._p, ppr)
        self.paragraph_blocks(paragraph, ppr, style_id, spaced)
        self.page += later

    def paragraph_blocks(self, paragraph: Paragraph, ppr: _Element | None, style_id: str | None,
                         spaced: bool) -> None:
        text = paragraph.text
        if not text.strip():
            self.out.gap()
            return
        level = self.heading_level(ppr, style_id)
        if level is not None:
            self.out.gap()
            self.out.add("heading", text.replace("\n", " "), level=level, page=self.page)
            return
        listed = self.list_info(paragraph)
        if listed is not None:
            if self.out.last_kind != "item":
                self.out.gap()
            marker, depth = listed
            self.out.add("item", text.replace("\n", " "), level=depth, marker=marker, page=self.page)
            return
        if spaced or self.out.last_kind in ("item", "row", "heading"):
            self.out.gap()
        add_lines(self.out, [(line, None) for line in text.split("\n")], page=self.page, paragraph_gap=False)

    def table(self, table: Table) -> None:
        self.out.gap()
        for row in table.rows:
            later = self.turn_pages(row._tr)
            cells: list[str] = []
            items: list[tuple[str, str, int]] = []
            nested: list[Table] = []
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                    continue
                seen.add(id(cell._tc))
                own: list[str] = []
                for paragraph in cell.paragraphs:
                    listed = self.list_info(paragraph)
                    if listed is not None and paragraph.text.strip():
                        items.append((listed[0], paragraph.text.replace("\n", " "), listed[1]))
                    elif paragraph.text.strip():
                        own.append(paragraph.text.replace("\n", " "))
                cells.append(" ".join(own))
                nested += cell.tables
            self.out.add_row(cells, page=self.page)
            for marker, text, depth in items:
                self.out.add("item", text, level=depth, marker=marker, page=self.page)
            for inner in nested:
                self.table(inner)
            self.page += later
        self.out.gap()
        self.previous = None
