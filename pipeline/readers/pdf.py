"""PDF: the text layer, read in the order a person reads the page, via pdfplumber.

Each page's words are read once (`extract_words`) and everything is built from them:

- ruled tables (`find_tables`, drawn lines only) become table rows, their words taken
  out of the running text;
- words are grouped into lines; a page whose lines leave a vertical gutter free in the
  middle is read as two columns, left before right (lines across the gutter, like a
  title, are read in place);
- running headers and footers (the same line at the top or bottom of most pages) and
  page numbers ("3", "Page 3 of 5") are dropped;
- a line in a clearly larger font, or a short isolated bold line, is a heading;
- a vertical gap wider than 1.5 line spacings starts a new paragraph; a line that was
  wrapped (the next line's first word would not have fit on it) is joined to the next,
  and a word hyphenated at the line end is put back together ("organi-" "zation").

A PDF without any text layer (a scan) is refused as `no_text_layer`, one that needs a
password as `encrypted`, a damaged or truncated one as `unreadable`, and one with more
pages than the limit as `too_large`.
"""
from __future__ import annotations

import io
import re
import statistics
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from pipeline.errors import Encrypted, NoTextLayer, ReadError, TooLarge
from pipeline.models import Document
from pipeline.readers.text import TextBuilder, normalize_line, split_marker

if TYPE_CHECKING:
    from pipeline.readers import Limits

Word = dict[str, Any]  # a pdfplumber word: text, x0, x1, top, bottom, size, fontname
Flow = Literal["full", "left", "right"]

_WORD_OPTIONS: dict[str, Any] = {"keep_blank_chars": False, "use_text_flow": False,
                                 "extra_attrs": ["size", "fontname"]}
# What pdfminer raises on a damaged file, besides its own exception classes.
_DAMAGED = (PSException, PdfminerException, MalformedPDFException, ValueError, KeyError, TypeError, IndexError,
            AssertionError, AttributeError, struct.error, zlib.error, OverflowError, EOFError, RecursionError)
Cell = tuple[float, float, float, float]
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_PAGE_NUMBER = re.compile(r"^[-–—(\s]*(?:(?:page|p\.|pág\.?|página|pagina|seite)\s*)?#"
                          r"(?:\s*(?:/|of|de|sur|di|von|sobre)\s*#)?[-–—)\s]*$")
_SENTENCE_END = ".:!?;"
HEADING_RATIO = 1.15  # a heading's font is at least this much larger than the body's
PARAGRAPH_GAP = 1.5  # a vertical step over this many usual line spacings starts a paragraph
EDGE_ZONE = 0.2  # running headers and footers sit in the top or bottom fifth of the page


class _Line:
    """A line of words on one page, in one flow (the whole width, or a column); measures computed once."""

    __slots__ = ("words", "page", "flow", "text", "x0", "x1", "top", "bottom", "size", "bold")

    def __init__(self, words: list[Word], page: int, flow: Flow = "full") -> None:
        self.words, self.page, self.flow = words, page, flow
        self.text = " ".join(w["text"] for w in words)
        self.x0 = float(words[0]["x0"])
        self.x1 = max(float(w["x1"]) for w in words)
        self.top = min(float(w["top"]) for w in words)
        self.bottom = max(float(w["bottom"]) for w in words)
        self.size = max(float(w["size"]) for w in words)
        self.bold = all(_BOLD.search(str(w["fontname"])) for w in words)


@dataclass
class _Table:
    """A ruled table: rows of cells, each cell the lines of words inside it."""

    rows: list[list[list[_Line]]]
    page: int
    top: float
    x0: float
    x1: float
    flow: Flow = "full"


@dataclass
class _Page:
    number: int
    height: float
    rows: list[_Line]
    tables: list[_Table]


@dataclass
class _Block:
    """A block being assembled from lines before it goes to the TextBuilder."""

    kind: Literal["heading", "paragraph", "item"]
    text: str
    page: int
    gap: bool
    last: _Line
    level: int = 0
    marker: str | None = None
    text_x0: float = 0.0  # where an item's text starts (its continuation lines hang there)
    marker_x0: float = 0.0
    style: tuple[float, bool] = (0.0, False)


# --------------------------------------------------------------------------- reading the file


def read_pdf(data: bytes, path: str, sha256: str, limits: Limits) -> Document:
    """Read a PDF's text layer into a Document, every block with its 1-based page."""
    if b"%PDF-" not in data[:1024]:
        raise ReadError("not a PDF file: no '%PDF-' header")
    if b"%%EOF" not in data[-2048:]:
        raise ReadError("the PDF is truncated: its end-of-file marker is missing")
    pages = _load(data, limits)
    if not pages:  # a cross-reference table pointing at the wrong bytes leaves no page tree to walk
        raise ReadError("the PDF is damaged: no page could be found (broken cross-reference table?)")
    if not any(page.rows or page.tables for page in pages):
        raise NoTextLayer(f"none of the {len(pages)} page(s) has a text layer: the document is a scan "
                          "or made of images and needs OCR, which this tool does not do")
    return _Layout(pages).build(path, sha256)


def _load(data: bytes, limits: Limits) -> list[_Page]:
    """Open the file and take each page's words and ruled tables: the only pdfplumber calls.

    Only these calls are guarded: what they raise means a damaged file, while an exception
    from the layout code after them is a bug and is reported as one.
    """
    raw: list[tuple[float, list[Word], list[tuple[Cell, list[list[Cell | None]]]]]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            count = len(pdf.pages)
            if count > limits.max_pages:
                raise TooLarge(f"{count:,} pages is over the limit of {limits.max_pages:,} pages (--max-pages)")
            for page in pdf.pages:
                words = page.extract_words(**_WORD_OPTIONS)
                ruled = []
                if words and (page.objects.get("rect") or page.objects.get("line") or page.objects.get("curve")):
                    ruled = [(table.bbox, [list(row.cells) for row in table.rows]) for table in page.find_tables()]
                raw.append((float(page.height), words, ruled))
                page.close()
    except PdfminerException as err:
        cause = err.args[0] if err.args else err
        if isinstance(cause, PDFEncryptionError):
            raise Encrypted("the PDF is protected by a password and cannot be opened") from err
        raise ReadError(f"the PDF is damaged and cannot be read ({type(cause).__name__}: {cause})") from err
    except PDFEncryptionError as err:
        raise Encrypted("the PDF is protected by a password and cannot be opened") from err
    except _DAMAGED as err:
        raise ReadError(f"the PDF is damaged and cannot be read ({type(err).__name__}: {err})") from err
    return [_page(number, *page) for number, page in enumerate(raw, start=1)]


def _page(number: int, height: float, words: list[Word], ruled: list[tuple[Cell, list[list[Cell | None]]]]) -> _Page:
    words = [w for w in words if w.get("upright", True) and w["text"].strip()]
    tables: list[_Table] = []
    for bbox, rows in ruled:
        table = _fill_table(bbox, rows, words, number)
        if table is not None:
            tables.append(table)
            inside = {id(w) for row in table.rows for cell in row for line in cell for w in line.words}
            words = [w for w in words if id(w) not in inside]
    return _Page(number, height, _group_rows(words, number), tables)


def _fill_table(bbox: Cell, table_rows: list[list[Cell | None]], words: list[Word], page: int) -> _Table | None:
    """Put each word inside the table in its cell; None for a lone framed box (one cell)."""
    rows = [[cell for cell in row if cell is not None] for row in table_rows]
    rows = [row for row in rows if row]
    if sum(len(row) for row in rows) < 2:
        return None
    x0, top, x1, bottom = bbox
    cells: list[list[list[Word]]] = [[[] for _ in row] for row in rows]
    for word in words:
        cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        for r, row in enumerate(rows):
            for c, (a, b, d, e) in enumerate(row):
                if a <= cx <= d and b <= cy <= e:
                    cells[r][c].append(word)
                    break
    filled = [[_group_rows(cell, page) for cell in row] for row in cells]
    return _Table(filled, page, float(top), float(x0), float(x1))


def _group_rows(words: list[Word], page: int) -> list[_Line]:
    """Words on the same baseline, left to right; rows top to bottom (across columns, split later)."""
    rows: list[list[Word]] = []
    anchor = (0.0, -1.0)
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        middle = (word["top"] + word["bottom"]) / 2
        if rows and anchor[0] <= middle <= anchor[1]:
            rows[-1].append(word)
        else:
            rows.append([word])
            anchor = (word["top"], word["bottom"])
    return [_Line(sorted(row, key=lambda w: w["x0"]), page) for row in rows]


# --------------------------------------------------------------------------- layout


class _Layout:
    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        lines = [line for page in pages for line in page.rows]
        sizes = [(line.size, len(line.text)) for line in lines] or [(10.0, 1)]
        self.body = _weighted_median(sizes)
        _drop_furniture(pages, self.body)
        self.order = [item for page in pages for item in _reading_order(page)]
        self.usual = self._usual_spacing()
        self.edges = self._right_edges()
        self.levels = self._heading_levels()
        self.lefts: dict[tuple[int, Flow], float] = {}
        for item in self.order:
            if isinstance(item, _Line):
                key = (item.page, item.flow)
                self.lefts[key] = min(self.lefts.get(key, item.x0), item.x0)

    # ------------------------------------------------------------------ document-wide measures

    def _pairs(self) -> list[tuple[_Line, _Line]]:
        """Consecutive lines of one flow on one page, the second below the first."""
        out = []
        for a, b in zip(self.order, self.order[1:]):
            if (isinstance(a, _Line) and isinstance(b, _Line) and a.page == b.page and a.flow == b.flow
                    and b.top > a.top):
                out.append((a, b))
        return out

    def _usual_spacing(self) -> float:
        """The baseline-to-baseline step of body lines within a paragraph."""
        steps = [b.bottom - a.bottom for a, b in self._pairs()
                 if abs(a.size - self.body) < 0.6 and abs(b.size - self.body) < 0.6]
        steps = [s for s in steps if 0.8 * self.body <= s <= 1.9 * self.body]
        return statistics.median(steps) if steps else 1.2 * self.body

    def _right_edges(self) -> dict[Flow, float]:
        """Where wrapped lines end, per kind of flow (the text's right margin)."""
        edges: dict[Flow, float] = {}
        for item in self.order:
            if isinstance(item, _Line):
                edges[item.flow] = max(edges.get(item.flow, 0.0), item.x1)
        return edges

    def _heading_levels(self) -> dict[tuple[float, bool], int]:
        styles = sorted({(round(line.size, 1), line.bold) for line in self.order
                         if isinstance(line, _Line) and self._heading_style(line)}, reverse=True)
        return {style: min(n + 1, 6) for n, style in enumerate(styles)}

    def _heading_style(self, line: _Line) -> bool:
        return line.size >= HEADING_RATIO * self.body or line.bold

    # ------------------------------------------------------------------ line relations

    def gap(self, a: _Line | None, b: _Line) -> Literal["gap", "break", "none"]:
        """What separates two consecutive lines: a paragraph gap, a page or column break, or nothing."""
        if a is None:
            return "gap"
        if a.page != b.page or b.top <= a.top or (a.flow != b.flow and "full" not in (a.flow, b.flow)):
            return "break"  # to the next page or the next column
        step = b.bottom - a.bottom
        return "gap" if step > PARAGRAPH_GAP * self.usual * max(a.size, b.size) / self.body else "none"

    def wrapped(self, a: _Line, b: _Line) -> bool:
        """Whether `a` was broken by line wrapping: `b`'s first word would not have fit on it."""
        first = b.words[0]
        room = self.edges.get(a.flow, a.x1) - a.x1
        return float(first["x1"]) - float(first["x0"]) + 0.25 * a.size > room - 1.0

    def is_heading(self, n: int, line: _Line) -> bool:
        if split_marker(normalize_line(line.text))[0] is not None or len(line.words) > 30:
            return False
        if line.size >= HEADING_RATIO * self.body:
            return True
        if not line.bold or len(line.words) > 12 or line.text.rstrip().endswith((".", ",", ";")):
            return False
        # a short bold line standing alone: a gap or a change of style before and after it
        before = self.order[n - 1] if n else None
        after = self.order[n + 1] if n + 1 < len(self.order) else None
        return all(not isinstance(other, _Line) or self.gap(*pair) != "none"
                   or (other.bold, round(other.size, 1)) != (line.bold, round(line.size, 1))
                   for other, pair in ((before, (before, line)), (after, (line, after))))

    # ------------------------------------------------------------------ blocks

    def build(self, path: str, sha256: str) -> Document:
        builder = TextBuilder()
        block: _Block | None = None
        prev: _Line | None = None
        pending: tuple[str, float] | None = None  # a lone marker line waiting for its text
        for n, item in enumerate(self.order):
            if isinstance(item, _Table):
                _emit(builder, block)
                block, prev = None, None
                _emit_table(builder, item)
                continue
            line = item
            sep = self.gap(prev, line)
            text = normalize_line(line.text)
            style = (round(line.size, 1), line.bold)
            if self.is_heading(n, line):
                if block is not None and block.kind == "heading" and sep == "none" and block.style == style:
                    block.text = join_lines(block.text, text)
                    block.last = line
                else:
                    _emit(builder, block)
                    block = _Block("heading", text, line.page, True, line, self.levels.get(style, 1), style=style)
                prev = line
                continue
            marker, content = split_marker(text)
            if marker is not None and not content:
                pending, prev = (marker, line.x0), line
                continue
            marker_x0 = line.x0
            if pending is not None and marker is None:
                (marker, marker_x0), pending = pending, None
            after = self.order[n + 1] if n + 1 < len(self.order) else None
            if marker is None and block is not None and self.continues(block, prev, line, sep, text, after):
                block.text = join_lines(block.text, text)
                block.last = line
                prev = line
                continue
            _emit(builder, block)
            indent = marker_x0 - self.flow_left(line)
            block = _Block("item" if marker else "paragraph", content, line.page, sep != "none", line,
                           level=1 if marker and indent >= 8 else 0, marker=marker,
                           text_x0=_content_x0(line, marker) if marker else line.x0, marker_x0=marker_x0,
                           style=style)
            prev = line
        _emit(builder, block)
        return builder.build(path, sha256, "pdf")

    def continues(self, block: _Block, prev: _Line | None, line: _Line, sep: str, text: str,
                  after: _Line | _Table | None) -> bool:
        """Whether `line` carries on the open paragraph or item rather than starting a block.

        A line under an item, aligned with the item's text (its hanging indent), continues it.
        A line starting in lower case continues a paragraph that does not end a sentence. A
        line after a wrapped one (its first word would not have fit there) continues it when
        that reads as one text: the wrapped line ends on a comma, a hyphen or a short
        lower-case word ("of", "de", "y"), or the line ends a sentence, or it is wrapped
        itself. A short line that ends nothing after a full one ("...of tontine groups" /
        "Financial Literacy Caravan") is a line of its own: rows of a flattened table look so.
        """
        if block.kind == "heading" or prev is None or prev is not block.last or sep == "gap":
            return False
        if abs(prev.size - line.size) > 0.6:
            return False
        if block.kind == "item" and block.text_x0 > block.marker_x0 + 4:
            return line.x0 >= block.text_x0 - 2
        if text[:1].islower() and block.text[-1:] not in _SENTENCE_END:
            return True
        if not self.wrapped(prev, line):
            return False
        last_word = block.text.rsplit(" ", 1)[-1]
        if block.text[-1:] in ",-–/&(" or (last_word.islower() and len(last_word) <= 3):
            return True
        if not block.gap:
            return False  # a line among lines (a flattened table, a list without markers): keep it whole
        if text[-1:] in ".!?:;":
            return True
        return (isinstance(after, _Line) and self.gap(line, after) == "none" and self.wrapped(line, after)
                and split_marker(normalize_line(after.text))[0] is None)

    def flow_left(self, line: _Line) -> float:
        return self.lefts.get((line.page, line.flow), line.x0)


def _content_x0(line: _Line, marker: str | None) -> float:
    """Where the text after a marker starts on the line (the marker may be its own word or not)."""
    if marker and len(line.words) > 1 and normalize_line(line.words[0]["text"]) in (marker, "•", "-", "–", "—", "*"):
        return float(line.words[1]["x0"])
    return line.x0


def join_lines(text: str, more: str) -> str:
    """Join a wrapped line to the text before it, putting back words hyphenated at the line end."""
    if len(text) >= 2 and text.endswith("-") and text[-2].isalnum() and more:
        if text[-2].isalpha() and more[0].islower():
            return text[:-1] + more  # "organi-" + "zation"
        return text + more  # "Souss-" + "Massa", "2013-" + "2015": a real hyphen
    return f"{text} {more}" if text else more


def _emit(builder: TextBuilder, block: _Block | None) -> None:
    if block is None:
        return
    if block.gap or block.kind == "heading":
        builder.gap()
    builder.add(block.kind, block.text, level=block.level, marker=block.marker, page=block.page)


def _emit_table(builder: TextBuilder, table: _Table) -> None:
    """One row block per table row; list lines inside a cell follow their row as items."""
    builder.gap()
    for row in table.rows:
        cells: list[str] = []
        items: list[tuple[str, str]] = []
        for cell in row:
            lead = ""
            for line in cell:
                text = normalize_line(line.text)
                marker, content = split_marker(text)
                if marker is not None:
                    items.append((marker, content))
                elif items:
                    items[-1] = (items[-1][0], join_lines(items[-1][1], text))
                else:
                    lead = join_lines(lead, text)
            cells.append(lead)
        builder.add_row(cells, page=table.page)
        for marker, content in items:
            builder.add("item", content, marker=marker, page=table.page)
    builder.gap()


def _weighted_median(values: list[tuple[float, int]]) -> float:
    ordered = sorted(values)
    half = sum(weight for _, weight in ordered) / 2
    seen = 0
    for value, weight in ordered:
        seen += weight
        if seen >= half:
            return value
    return ordered[-1][0]


# --------------------------------------------------------------------------- page furniture


def furniture_key(text: str) -> str:
    """A line as it repeats from page to page: case-folded, every number made '#'."""
    return re.sub(r"\d+", "#", normalize_line(text).casefold())


def _drop_furniture(pages: list[_Page], body: float) -> None:
    """Remove running headers and footers (the same line atop or at the foot of most pages) and page numbers."""
    def edge_rows(page: _Page) -> list[_Line]:
        top = [r for r in page.rows[:2] if r.bottom <= EDGE_ZONE * page.height]
        bottom = [r for r in page.rows[-2:] if r.top >= (1 - EDGE_ZONE) * page.height]
        return top + [r for r in bottom if r not in top]

    seen: dict[str, set[int]] = {}
    for page in pages:
        for row in edge_rows(page):
            seen.setdefault(furniture_key(row.text), set()).add(page.number)
    running = {key for key, where in seen.items() if len(pages) >= 2 and 2 * len(where) > len(pages)}
    for page in pages:
        drop = [r for r in edge_rows(page) if r.size < HEADING_RATIO * body
                and (furniture_key(r.text) in running or _PAGE_NUMBER.match(furniture_key(r.text)))]
        page.rows = [r for r in page.rows if r not in drop]


# --------------------------------------------------------------------------- columns


def find_gutter(rows: list[_Line]) -> tuple[float, float] | None:
    """The free vertical band between two columns of text, if the page has two columns."""
    if len(rows) < 6:
        return None
    left = min(r.x0 for r in rows)
    right = max(r.x1 for r in rows)
    lo, hi = int(left + 0.3 * (right - left)), int(left + 0.7 * (right - left))
    if hi - lo < 10:
        return None
    counts = [0] * (hi - lo + 1)
    for row in rows:  # how many rows cover each x of the middle band (spaces between words count as covered)
        spans = sorted((w["x0"] - 0.3 * w["size"], w["x1"] + 0.3 * w["size"]) for w in row.words)
        merged: list[list[float]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        for a, b in merged:
            for x in range(max(lo, int(a)), min(hi, int(b)) + 1):
                counts[x - lo] += 1
    least = min(counts)
    if least > 0.2 * len(rows):
        return None
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for x, count in enumerate(counts + [least + 1]):
        if count == least and start is None:
            start = x
        elif count != least and start is not None:
            runs.append((start, x))
            start = None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    if b - a < 6:
        return None
    g0, g1 = float(lo + a), float(lo + b)
    lefts = [w for r in rows for w in r.words if w["x1"] <= g0]
    rights = [w for r in rows for w in r.words if w["x0"] >= g1]
    left_rows = [r for r in rows if any(w["x1"] <= g0 for w in r.words) and not _crosses(r, g0, g1)]
    right_rows = [r for r in rows if any(w["x0"] >= g1 for w in r.words) and not _crosses(r, g0, g1)]
    if len(left_rows) < 3 or len(right_rows) < 3 or not lefts or not rights:
        return None
    # side by side: the two columns share most of their height
    overlap = min(max(w["bottom"] for w in lefts), max(w["bottom"] for w in rights)) - max(
        min(w["top"] for w in lefts), min(w["top"] for w in rights))
    shorter = min(max(w["bottom"] for w in lefts) - min(w["top"] for w in lefts),
                  max(w["bottom"] for w in rights) - min(w["top"] for w in rights))
    if overlap < 0.5 * shorter:
        return None
    # the left column is text wrapped at the gutter, not labels beside values
    reach = [max(w["x1"] for w in r.words if w["x1"] <= g0) for r in left_rows]
    if sum(x >= g0 - 0.25 * (g0 - left) for x in reach) < 0.3 * len(reach):
        return None
    return g0, g1


def _crosses(row: _Line, g0: float, g1: float) -> bool:
    return any(w["x0"] < g1 and w["x1"] > g0 for w in row.words)


def _reading_order(page: _Page) -> list[_Line | _Table]:
    """The page's lines and tables as read: top to bottom, a two-column band left column first."""
    gutter = find_gutter(page.rows)
    items: list[tuple[float, _Line | _Table]] = [(t.top, t) for t in page.tables]
    items += [(r.top, r) for r in page.rows]
    items.sort(key=lambda pair: pair[0])
    if gutter is None:
        return [item for _, item in items]
    g0, g1 = gutter
    out: list[_Line | _Table] = []
    band: dict[str, list[_Line | _Table]] = {"left": [], "right": []}

    def flush() -> None:
        out.extend(band["left"] + band["right"])
        band["left"], band["right"] = [], []

    for _, item in items:
        if isinstance(item, _Table):
            if item.x0 < g1 and item.x1 > g0:
                flush()
                out.append(item)
            else:
                item.flow = "left" if item.x1 <= g0 else "right"
                band[item.flow].append(item)
            continue
        if _crosses(item, g0, g1):
            flush()
            out.append(item)
            continue
        for side, words in (("left", [w for w in item.words if w["x1"] <= g0]),
                            ("right", [w for w in item.words if w["x0"] >= g1])):
            if words:
                band[side].append(_Line(words, item.page, side))  # type: ignore[arg-type]
    flush()
    return out
