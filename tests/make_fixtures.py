"""Generate tests/data/formats/: the same profiles as txt, md, html, pdf and docx, plus layouts and bad files.

    python tests/make_fixtures.py            # (re)write tests/data/formats/
    python tests/make_fixtures.py --check    # regenerate in a temporary folder and compare bytes

Each profile has ONE source, a dev-corpus text (`tests/data/corpus/`), parsed into elements
(title, headings, lines, bullet and numbered lists) that every format renders its own way:
headings as headings, bullets as list items, the flattened "Project name Objectives" rows as
plain lines. PDFs are drawn with fpdf2 (core fonts, cp1252) and wrapped here, word by word,
so a line break is where a reader of the page would see one. Dates in the metadata are fixed
and the DOCX zip entries get a fixed timestamp, so regenerating gives the same bytes.
Needs the test extra (`pip install -e '.[test]'`: fpdf2; python-docx is a runtime dependency).
"""
from __future__ import annotations

import argparse
import filecmp
import html
import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import docx
from fpdf import FPDF

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "corpus"
OUT = HERE / "data" / "formats"
FIXED = datetime(2024, 1, 1, tzinfo=timezone.utc)
# dev profile -> source text in the dev corpus
PROFILES = {
    "en-mali-solidarity-finance": "en-mali-solidarity-finance-crlf.txt",
    "fr-collectif-tunisien": "fr-collectif-tunisien.txt",
    "es-red-andaluza-finanzas": "es-red-andaluza-finanzas.txt",
}
SOFT = "\u00ad"  # a soft hyphen: where the PDF wrapper may break a word, drawing "-"

# --------------------------------------------------------------------------- the source model

Kind = Literal["title", "heading", "lines", "bullets", "numbers"]
_BULLET = re.compile(r"^([-–—*•])\s+(.*)$")
_NUMBER = re.compile(r"^(\s*)(\d{1,2})[.)]\s+(.*)$")


@dataclass
class Element:
    kind: Kind
    texts: list[str]
    gap: bool  # a blank line before it in the source
    nested: bool = False  # a numbered list under a line (a project's objectives)
    glyph: str = "-"  # the bullet glyph of the source text


def parse_source(text: str) -> list[Element]:
    """Cut a dev-corpus text into elements: blank-line groups, then runs of lines of one kind."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    groups = [g.split("\n") for g in re.split(r"\n\s*\n", text.strip())]
    out: list[Element] = []
    for n, group in enumerate(groups):
        gap = n > 0
        if n == 0 and len(group) == 1:
            out.append(Element("title", group, gap))
            continue
        line = group[0].strip()
        if (len(group) == 1 and len(line.split()) <= 5 and ":" not in line
                and not line.endswith((".", ";")) and not _BULLET.match(line) and not _NUMBER.match(line)):
            out.append(Element("heading", [line], gap))
            continue
        current: Element | None = None
        for k, raw in enumerate(group):
            bullet, number = _BULLET.match(raw.strip()), _NUMBER.match(raw)
            kind: Kind = "bullets" if bullet else "numbers" if number else "lines"
            value = bullet.group(2) if bullet else number.group(3) if number else raw.strip()
            nested = bool(number and number.group(1))
            if current is not None and current.kind == kind and current.nested == nested:
                current.texts.append(value)
                continue
            current = Element(kind, [value], gap and k == 0, nested, bullet.group(1) if bullet else "-")
            out.append(current)
    return out


def source_of(name: str) -> list[Element]:
    return parse_source((CORPUS / name).read_text(encoding="utf-8"))


def plain(text: str) -> str:
    return text.replace(SOFT, "")


# --------------------------------------------------------------------------- text formats


def to_txt(elements: list[Element]) -> str:
    parts = []
    for el in elements:
        if el.kind in ("title", "heading", "lines"):
            lines = el.texts
        elif el.kind == "bullets":
            lines = [f"{el.glyph} {t}" for t in el.texts]
        else:
            lines = [f"{'  ' if el.nested else ''}{n}. {t}" for n, t in enumerate(el.texts, start=1)]
        parts.append(("\n\n" if el.gap else "\n") + "\n".join(plain(x) for x in lines))
    return "".join(parts).lstrip("\n") + "\n"


def to_md(elements: list[Element]) -> str:
    parts = []
    for el in elements:
        texts = [plain(t) for t in el.texts]
        if el.kind == "title":
            parts.append(f"# {texts[0]}")
        elif el.kind == "heading":
            parts.append(f"## {texts[0]}")
        elif el.kind == "lines":
            parts.append("\n".join(texts))
        elif el.kind == "bullets":
            parts.append("\n".join(f"- {t}" for t in texts))
        else:
            parts.append("\n".join(f"{n}. {t}" for n, t in enumerate(texts, start=1)))
    return "\n\n".join(parts) + "\n"


def to_html(elements: list[Element]) -> str:
    esc = html.escape
    body = []
    for el in elements:
        texts = [esc(plain(t)) for t in el.texts]
        if el.kind == "title":
            body.append(f"<h1>{texts[0]}</h1>")
        elif el.kind == "heading":
            body.append(f"<h2>{texts[0]}</h2>")
        elif el.kind == "lines":
            body.append("<p>" + "<br>\n".join(texts) + "</p>")
        else:
            tag = "ul" if el.kind == "bullets" else "ol"
            body.append(f"<{tag}>\n" + "\n".join(f"  <li>{t}</li>" for t in texts) + f"\n</{tag}>")
    title = esc(plain(elements[0].texts[0]))
    return ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n</head>\n<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


# --------------------------------------------------------------------------- docx


def to_docx(elements: list[Element]) -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.author, props.title, props.revision = "sse-profiles fixtures", plain(elements[0].texts[0]), 1
    props.created = props.modified = props.last_printed = FIXED.replace(tzinfo=None)
    for n, el in enumerate(elements):
        if el.gap and n:
            document.add_paragraph("")
        texts = [plain(t) for t in el.texts]
        if el.kind == "title":
            document.add_paragraph(texts[0], style="Title")
        elif el.kind == "heading":
            document.add_paragraph(texts[0], style="Heading 1")
        elif el.kind == "lines":
            for text in texts:
                document.add_paragraph(text)
        else:
            style = "List Bullet" if el.kind == "bullets" else "List Number 2" if el.nested else "List Number"
            for text in texts:
                document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01, so that saving twice gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- pdf


class Pdf(FPDF):
    """fpdf2 with fixed metadata, cp1252 core fonts and optional running header and footer."""

    def __init__(self, fmt: str = "A4", header: str | None = None, footer: str | None = None,
                 right_margin: float = 56) -> None:
        super().__init__(unit="pt", format=PAGES[fmt])
        self.core_fonts_encoding = "windows-1252"
        self.set_creation_date(FIXED)
        self.set_producer("sse-profiles fixtures")
        self.set_auto_page_break(False)
        self.set_margins(56, 56, right_margin)
        self.running_header, self.running_footer = header, footer
        self.total_pages = 0  # known on a second pass: fpdf2's {nb} alias is not replaced in text()

    def header(self) -> None:
        if self.running_header:
            self.set_font("helvetica", "", 8)
            self.text(self.l_margin, 32, self.running_header)

    def footer(self) -> None:
        if self.running_footer:
            self.set_font("helvetica", "", 8)
            self.text(self.l_margin, self.h - 26, self.running_footer)
            label = f"Page {self.page_no()} of {self.total_pages}"
            self.text(self.w - self.r_margin - self.get_string_width(label), self.h - 26, label)


PAGES = {"A4": (595.28, 841.89), "A5": (419.53, 595.28)}
STYLE = {  # kind -> (size, bold, leading)
    "title": (16, True, 20), "heading": (12, True, 16), "body": (10, False, 13)}


class Flow:
    """A column of text on a PDF: draws wrapped lines top-down, turning pages when allowed."""

    def __init__(self, pdf: Pdf, x: float, width: float, top: float, bottom: float, turn_pages: bool = True) -> None:
        self.pdf, self.x, self.width, self.top, self.bottom = pdf, x, width, top, bottom
        self.y = top
        self.turn_pages = turn_pages
        self.hyphenated: list[str] = []

    def font(self, kind: str) -> float:
        size, bold, leading = STYLE[kind]
        self.pdf.set_font("helvetica", "B" if bold else "", size)
        return leading

    def space(self, height: float) -> None:
        if self.y > self.top:
            self.y += height

    def ensure(self, height: float) -> None:
        if self.y + height <= self.bottom:
            return
        if not self.turn_pages:
            raise ValueError("the column overflows its page")
        self.pdf.add_page()
        self.y = self.top

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy line breaking; a word that does not fit may break at a soft or a real hyphen."""
        lines: list[str] = []
        line = ""
        for word in text.split(" "):
            trial = f"{line} {word}" if line else word
            if self.pdf.get_string_width(plain(trial)) <= width:
                line = trial
                continue
            head, tail = self.split_word(line, word, width)
            if head:
                lines.append(plain(f"{line} {head}" if line else head))
                self.hyphenated.append(lines[-1].split(" ")[-1] + tail.split(" ")[0])
                line = tail
            else:
                lines.append(plain(line))
                line = word
        lines.append(plain(line))
        return [x for x in lines if x]

    def split_word(self, line: str, word: str, width: float) -> tuple[str, str]:
        for at in range(len(word) - 1, 0, -1):
            if word[at - 1] == SOFT:
                head, tail = word[: at - 1] + "-", word[at:]
            elif word[at - 1] == "-" and word[at].isupper():  # "Souss-|Massa", never "income-|generating"
                head, tail = word[:at], word[at:]
            else:
                continue
            if self.pdf.get_string_width(plain(f"{line} {head}" if line else head)) <= width:
                return head, tail
        return "", word

    def paragraph(self, text: str, kind: str = "body", marker: str | None = None, indent: float = 0,
                  hang: float = 0) -> None:
        leading = self.font(kind)
        lines = self.wrap(text, self.width - indent - hang)
        for n, line in enumerate(lines):
            self.ensure(leading)
            baseline = self.y + STYLE[kind][0] * 0.8
            if marker and n == 0:
                self.pdf.text(self.x + indent, baseline, marker)
            self.pdf.text(self.x + indent + hang, baseline, line)
            self.y += leading

    def element(self, el: Element, first: bool) -> None:
        blank = STYLE["body"][2]
        if el.gap and not first:
            self.space(blank)
        if el.kind == "title":
            self.paragraph(el.texts[0], "title")
        elif el.kind == "heading":
            self.ensure(STYLE["heading"][2] + 3 * blank)  # no heading alone at the foot of a page
            self.paragraph(el.texts[0], "heading")
        elif el.kind == "lines":
            for text in el.texts:
                self.paragraph(text)
        elif el.kind == "bullets":
            for text in el.texts:
                self.paragraph(text, marker="\u2022", hang=12)
        else:
            for n, text in enumerate(el.texts, start=1):
                self.paragraph(text, marker=f"{n}.", indent=14 if el.nested else 0, hang=16)


def pdf_bytes(pdf: Pdf) -> bytes:
    return bytes(pdf.output())


def to_pdf(elements: list[Element], fmt: str = "A4", header: str | None = None,
           footer: str | None = None, right_margin: float = 56) -> tuple[bytes, list[str]]:
    total = 0
    for _ in range(2):  # the first pass counts the pages for the footer's "Page N of M"
        pdf = Pdf(fmt, header, footer, right_margin)
        pdf.total_pages = total
        pdf.add_page()
        flow = Flow(pdf, pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin, 56, pdf.h - 56)
        for n, el in enumerate(elements):
            flow.element(el, n == 0)
        total = pdf.page_no()
    return pdf_bytes(pdf), flow.hyphenated


def two_columns(elements: list[Element], split_before: str) -> bytes:
    """The title across the page, then two columns: the left one up to heading `split_before`."""
    pdf = Pdf("A4")
    pdf.add_page()
    full = pdf.w - pdf.l_margin - pdf.r_margin
    head = Flow(pdf, pdf.l_margin, full, 48, pdf.h - 40, turn_pages=False)
    head.element(elements[0], True)
    gutter = 24
    width = (full - gutter) / 2
    top = head.y + STYLE["body"][2]
    split = next(n for n, el in enumerate(elements) if el.kind == "heading" and el.texts[0] == split_before)
    for x, part in ((pdf.l_margin, elements[1:split]), (pdf.l_margin + width + gutter, elements[split:])):
        column = Flow(pdf, x, width, top, pdf.h - 40, turn_pages=False)
        for n, el in enumerate(part):
            column.element(el, n == 0)
    return pdf_bytes(pdf)


def ruled_table(elements: list[Element], gold: dict[str, Any], header: tuple[str, str]) -> bytes:
    """The profile with its projects drawn as a ruled table (one row per project, cells framed)."""
    pdf = Pdf("A4")
    pdf.add_page()
    flow = Flow(pdf, pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin, 56, pdf.h - 56)
    start = next(n for n, el in enumerate(elements) if el.kind == "heading" and el.texts[0] == "Proyectos")
    end = next(n for n, el in enumerate(elements) if n > start and el.kind == "heading")
    for n, el in enumerate(elements[: start + 1]):
        flow.element(el, n == 0)
    rows: list[tuple[str, list[str], bool]] = [(header[0], [header[1]], True)]
    rows += [(p["name"], p["objectives"], False) for p in gold["projects"]]
    flow.space(STYLE["body"][2])
    widths = (150.0, flow.width - 150.0)
    pad = 4.0
    pdf.set_line_width(0.6)
    for name, objectives, is_header in rows:
        cells: list[list[tuple[str, str | None]]] = [
            [(name, None)], [(o, f"{k}." if len(objectives) > 1 else None) for k, o in enumerate(objectives, start=1)]]
        kind = "heading" if is_header else "body"
        leading = flow.font(kind)
        heights = []
        wrapped: list[list[tuple[str, str | None]]] = []
        for (cell, width) in zip(cells, widths):
            lines: list[tuple[str, str | None]] = []
            for text, marker in cell:
                hang = 14 if marker else 0
                for k, line in enumerate(flow.wrap(text, width - 2 * pad - hang)):
                    lines.append((line, marker if k == 0 else ("" if marker else None)))
            wrapped.append(lines)
            heights.append(len(lines) * leading + 2 * pad)
        height = max(heights)
        x = flow.x
        for lines, width in zip(wrapped, widths):
            pdf.rect(x, flow.y, width, height)
            y = flow.y + pad
            for line, marker in lines:
                baseline = y + STYLE[kind][0] * 0.8
                if marker:
                    pdf.text(x + pad, baseline, marker)
                pdf.text(x + pad + (14 if marker is not None else 0), baseline, line)
                y += leading
            x += width
        flow.y += height
    for el in elements[end:]:
        flow.element(el, False)
    return pdf_bytes(pdf)


def image_only() -> bytes:
    """A scanned-looking page: a drawn frame and a grey image, no text layer."""
    from PIL import Image

    pdf = Pdf("A5")
    pdf.add_page()
    pdf.rect(40, 40, pdf.w - 80, pdf.h - 80)
    image = Image.new("L", (64, 80), 200)
    for y in range(10, 70, 6):
        for x in range(8, 56):
            image.putpixel((x, y), 40)
    pdf.image(image, 60, 60, w=pdf.w - 120)
    return pdf_bytes(pdf)


def encrypted(elements: list[Element]) -> bytes:
    pdf = Pdf("A4")
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    flow = Flow(pdf, pdf.l_margin, pdf.w - 112, 56, pdf.h - 56)
    for n, el in enumerate(elements[:4]):
        flow.element(el, n == 0)
    return pdf_bytes(pdf)


# --------------------------------------------------------------------------- all fixtures


def with_hyphens(elements: list[Element], words: list[str]) -> list[Element]:
    """Soft hyphens in some long words, so that the wrapper may break them at a line end."""
    out = []
    for el in elements:
        texts = el.texts
        for word in words:
            texts = [t.replace(word.replace("|", ""), word.replace("|", SOFT)) for t in texts]
        out.append(Element(el.kind, texts, el.gap, el.nested, el.glyph))
    return out


def fixtures() -> Iterator[tuple[str, bytes]]:
    for stem, source in PROFILES.items():
        elements = source_of(source)
        yield f"{stem}.txt", to_txt(elements).encode("utf-8")
        yield f"{stem}.md", to_md(elements).encode("utf-8")
        yield f"{stem}.html", to_html(elements).encode("utf-8")
        yield f"{stem}.pdf", to_pdf(elements)[0]
        yield f"{stem}.docx", to_docx(elements)
    fr = source_of(PROFILES["fr-collectif-tunisien"])
    yield "fr-collectif-tunisien-two-columns.pdf", two_columns(fr, split_before="Projets")
    es = source_of(PROFILES["es-red-andaluza-finanzas"])
    gold = json.loads((CORPUS / "es-red-andaluza-finanzas.expected.json").read_text(encoding="utf-8"))
    yield "es-red-andaluza-finanzas-ruled-table.pdf", ruled_table(es, gold, ("Nombre del proyecto", "Objetivos"))
    en = with_hyphens(source_of(PROFILES["en-mali-solidarity-finance"]),
                      ["or|ga|ni|za|tions", "mi|cro|fi|nance", "in|sti|tu|tions", "guar|an|tees", "house|holds",
                       "gov|er|nance", "ex|pe|ri|ence", "co|op|er|a|tives", "ter|ri|to|ries", "re|spon|si|ble",
                       "au|thor|i|ties", "pro|fes|sion|al", "fi|nan|cial", "sol|i|dar|i|ty"])
    for right_margin in range(56, 160):  # the first text width where some word breaks at a line end
        data, hyphenated = to_pdf(en, "A5", header="AMAFIS \u2013 Member profile \u2013 Directory 2024",
                                  footer="RENAPESS member directory", right_margin=right_margin)
        if len(hyphenated) >= 2:
            break
    else:
        raise SystemExit("make_fixtures: no word was hyphenated in the running-headers PDF; change the hyphen list")
    yield "en-mali-solidarity-finance-running-headers.pdf", data
    # bad files: each refused with its own error code (see tests/test_formats.py)
    profile_pdf = to_pdf(source_of(PROFILES["en-mali-solidarity-finance"]))[0]
    profile_docx = to_docx(source_of(PROFILES["en-mali-solidarity-finance"]))
    yield "bad/image-only.pdf", image_only()
    yield "bad/encrypted.pdf", encrypted(source_of(PROFILES["en-mali-solidarity-finance"]))
    yield "bad/truncated.pdf", profile_pdf[: len(profile_pdf) * 3 // 5]
    yield "bad/truncated.docx", profile_docx[: len(profile_docx) // 2]
    yield "bad/empty.pdf", b""
    yield "bad/profile.rtf", rb"{\rtf1\ansi Malian Association for Solidarity Finance (AMAFIS)\par}" + b"\n"


def write_all(out: Path) -> list[Path]:
    written = []
    for name, data in fixtures():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--check", action="store_true", help="regenerate in a temporary folder and compare bytes")
    opts = args.parse_args(argv)
    if not opts.check:
        for path in write_all(OUT):
            print(f"wrote {path.relative_to(HERE.parent)} ({path.stat().st_size:,} bytes)", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        written = write_all(Path(tmp))
        differ = [p.relative_to(tmp) for p in written
                  if not (OUT / p.relative_to(tmp)).exists()
                  or not filecmp.cmp(p, OUT / p.relative_to(tmp), shallow=False)]
    for name in differ:
        print(f"differs: {name}", file=sys.stderr)
    print(f"{len(written) - len(differ)} of {len(written)} fixtures regenerate byte for byte", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
