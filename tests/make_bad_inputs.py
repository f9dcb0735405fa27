"""Generate the bad-input corpus: small files in tests/data/bad/, big ones in a temporary folder.

    python tests/make_bad_inputs.py            # (re)write the small files of tests/data/bad/
    python tests/make_bad_inputs.py --check    # regenerate them in a temporary folder and compare bytes
    python tests/make_bad_inputs.py --big DIR  # write the big ones to DIR (the tests do this themselves)

The small files are checked in, each made from a dev-corpus document or a formats fixture
so that a readable one has a known record. The big ones — a 50 MB text file, a PDF of
2,000 pages, 10 MB of nested `<div>`s, two DOCX ZIP bombs (one honest about its 120 MB,
one whose ZIP directory lies) — are never committed: `tests/test_bad_inputs.py` makes
them once per session in a temporary folder (a few seconds). Hostile file names and
symbolic links are made by the tests too (they do not travel well through git).
Everything is deterministic: the same bytes on every run.
"""
from __future__ import annotations

import argparse
import filecmp
import io
import random
import re
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "corpus"
FORMATS = HERE / "data" / "formats"
BAD = HERE / "data" / "bad"
FIXED_DATE = (2024, 1, 1, 0, 0, 0)
# Addresses the hostile files point at: a port the tests listen on (nothing may connect), and a name that cannot resolve.
TRAP_PORT = 47291
TRAP = f"http://127.0.0.1:{TRAP_PORT}"

BIG_TEXT_BYTES = 50_000_000
BIG_PDF_PAGES = 2_000
BIG_HTML_BYTES = 10_000_000
BOMB_BYTES = 120_000_000


# --------------------------------------------------------------------------- small, checked in


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()


def utf16_without_bom() -> dict[str, bytes]:
    """A profile in UTF-16 with no byte-order mark: with accents (little-endian), pure ASCII (big-endian)."""
    text = (CORPUS / "en-ghana-platform-no-contacts.txt").read_text(encoding="utf-8")
    return {"utf16le-no-bom.txt": text.encode("utf-16-le"), "utf16be-ascii-no-bom.txt": _ascii(text).encode("utf-16-be")}


def mixed_encodings() -> bytes:
    """A French profile whose first lines are UTF-8 and the rest Windows-1252 (two files pasted together)."""
    lines = (CORPUS / "fr-collectif-tunisien.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[:8]).encode("utf-8") + b"\n" + "\n".join(lines[8:]).encode("cp1252")


def binary_garbage() -> bytes:
    return random.Random(7).randbytes(4096)


def _pdf_xref_span(data: bytes) -> tuple[int, int]:
    start = data.rindex(b"\nxref\n") + 1
    return start, data.index(b"trailer", start)


def broken_xref() -> bytes:
    """A formats PDF whose cross-reference table is garbage: pdfminer rebuilds it by scanning the objects."""
    data = (FORMATS / "en-mali-solidarity-finance.pdf").read_bytes()
    start, end = _pdf_xref_span(data)
    return data[:start] + b"xref\nthis table was overwritten\n" + data[end:]


def wrong_xref_offsets() -> bytes:
    """A formats PDF whose cross-reference table is well formed but points every object at the wrong bytes."""
    data = (FORMATS / "en-mali-solidarity-finance.pdf").read_bytes()
    start, end = _pdf_xref_span(data)
    return data[:start] + re.sub(rb"\d{10} 00000 n", b"0000000999 00000 n", data[start:end]) + data[end:]


def _rezip(source: Path, edit: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a ZIP (DOCX) with some parts replaced or added, fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = (edit or {}).get(info.filename, old.read(info.filename))
            new.writestr(zipfile.ZipInfo(info.filename, FIXED_DATE), data, zipfile.ZIP_DEFLATED)
        for name, data in (add or {}).items():
            new.writestr(zipfile.ZipInfo(name, FIXED_DATE), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xxe_docx() -> bytes:
    """A DOCX whose XML declares external entities (a local file, a remote DTD) and links to external resources.

    `&xxe;` stands where the text had "Afrique": resolved, it would pour /etc/passwd into the
    document. The relationships point at a remote template, image and hyperlink (`TargetMode="External"`).
    """
    source = FORMATS / "fr-collectif-tunisien.docx"
    with zipfile.ZipFile(source) as archive:
        document = archive.read("word/document.xml").decode("utf-8")
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
    head, rest = document.split("?>", 1)
    doctype = (f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
               f'<!ENTITY % remote SYSTEM "{TRAP}/evil.dtd"> %remote;'
               f'<!ENTITY web SYSTEM "{TRAP}/entity.txt">]>')
    document = head + "?>" + doctype + rest.replace("Afrique", "&xxe;&web;", 1)
    external = "".join(
        f'<Relationship Id="rIdTrap{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'{kind}" Target="{TRAP}/{target}" TargetMode="External"/>'
        for n, (kind, target) in enumerate([("hyperlink", "link"), ("image", "pixel.png"),
                                            ("attachedTemplate", "template.dotm"), ("oleObject", "object.bin")]))
    rels = rels.replace("</Relationships>", external + "</Relationships>")
    return _rezip(source, edit={"word/document.xml": document.encode("utf-8"),
                                "word/_rels/document.xml.rels": rels.encode("utf-8")})


def external_resources_html() -> bytes:
    """A saved profile page full of references to other resources: none may be fetched."""
    page = (FORMATS / "en-mali-solidarity-finance.html").read_text(encoding="utf-8")
    head = (f'<base href="{TRAP}/">'
            f'<link rel="stylesheet" href="{TRAP}/style.css"><link rel="preload" href="{TRAP}/font.woff2">'
            f'<link rel="import" href="{TRAP}/import.html"><meta http-equiv="refresh" content="0; url={TRAP}/go">'
            f'<script src="{TRAP}/tracker.js"></script><style>@import url("{TRAP}/import.css");</style>')
    body = (f'<img src="{TRAP}/logo.png" srcset="{TRAP}/logo-2x.png 2x" alt="logo">'
            f'<iframe src="{TRAP}/frame.html"></iframe><object data="{TRAP}/object.swf"></object>'
            f'<embed src="{TRAP}/embed.swf"><video src="{TRAP}/video.mp4" poster="{TRAP}/poster.png"></video>'
            f'<audio src="{TRAP}/audio.mp3"></audio><svg><image href="{TRAP}/svg.png"/></svg>'
            f'<div style="background: url({TRAP}/bg.png)"></div><script>fetch("{TRAP}/xhr")</script>')
    page = page.replace("<head>", "<head>" + head, 1).replace("</h1>", "</h1>" + body, 1)
    assert TRAP in page, "the fixture page changed shape"
    return page.encode("utf-8")


def _ole(names: list[str]) -> bytes:
    """The start of an OLE compound file with these directory entries: enough to be recognized, not to be opened."""
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in names)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + entries


def encrypted_part_docx() -> bytes:
    """A minimal DOCX whose document part is flagged as encrypted with a ZIP password."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", FIXED_DATE), "<Types/>")
        info = zipfile.ZipInfo("word/document.xml", FIXED_DATE)
        archive.writestr(info, "<w:document/>", zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers of the part
        at = data.index(signature, data.index(signature) + 4)
        data[at + flags] |= 1  # general purpose bit 0: encrypted
    return bytes(data)


def small_files() -> dict[str, bytes]:
    """Every checked-in bad file, by name."""
    return {
        "empty.txt": b"",
        "binary-garbage.txt": binary_garbage(),
        **utf16_without_bom(),
        "mixed-encodings.txt": mixed_encodings(),
        "broken-xref.pdf": broken_xref(),
        "wrong-xref-offsets.pdf": wrong_xref_offsets(),
        "xxe.docx": xxe_docx(),
        "password-protected.docx": _ole(["Root Entry", "EncryptionInfo", "EncryptedPackage"]),
        "old-word-97.docx": _ole(["Root Entry", "WordDocument", "1Table"]),
        "encrypted-part.docx": encrypted_part_docx(),
        "external-resources.html": external_resources_html(),
    }


def write_small(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in small_files().items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


# --------------------------------------------------------------------------- big, generated at test time


def big_text(path: Path, size: int = BIG_TEXT_BYTES) -> Path:
    """A real profile repeated to `size` bytes (over the default 20 MB --max-bytes)."""
    unit = (CORPUS / "reiessg.txt").read_bytes() + b"\n"
    with path.open("wb") as handle:
        handle.write(unit * (size // len(unit)) + unit[: size % len(unit)])
    return path


def many_pages_pdf(path: Path, pages: int = BIG_PDF_PAGES) -> Path:
    """A valid PDF of `pages` pages with a line of text each (all sharing one content stream): small but long."""
    content = b"BT /F1 12 Tf 72 720 Td (Many Pages Network \\(MPN\\): one page of many.) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
               + b"] /Count %d >>" % pages,
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                b"/Resources << /Font << /F1 4 0 R >> >> >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def nested_divs_html(path: Path, size: int = BIG_HTML_BYTES) -> Path:
    """A page of `size` bytes that is a profile title, then <div>s nested as deep as the bytes allow."""
    head = b"<!doctype html><html><body><h1>Nested Divisions Network (NDN)</h1>"
    depth = (size - len(head) - 40) // len(b"<div></div>")
    path.write_bytes(head + b"<div>" * depth + b"deep text" + b"</div>" * depth + b"</body></html>")
    return path


def _bomb_document() -> bytes:
    """A word/document.xml that inflates to BOMB_BYTES: a valid paragraph padded with whitespace."""
    with zipfile.ZipFile(FORMATS / "en-mali-solidarity-finance.docx") as archive:
        xml = archive.read("word/document.xml")
    at = xml.index(b"<w:body>") + len(b"<w:body>")
    return xml[:at] + b" " * (BOMB_BYTES - len(xml)) + xml[at:]


def zip_bomb_docx(path: Path) -> Path:
    """A DOCX whose document part inflates to 120 MB (~1,000 times its compressed size); the ZIP says so."""
    path.write_bytes(_rezip(FORMATS / "en-mali-solidarity-finance.docx",
                            edit={"word/document.xml": _bomb_document()}))
    return path


def lying_zip_bomb_docx(path: Path) -> Path:
    """The same bomb, but the ZIP's headers claim the document part is 2 KB: only reading it can tell."""
    data = bytearray(_rezip(FORMATS / "en-mali-solidarity-finance.docx", edit={"word/document.xml": _bomb_document()}))
    name = b"word/document.xml"
    fake = (2048).to_bytes(4, "little")
    local = data.index(b"PK\x03\x04")  # the local header of the document part
    while data[local + 30: local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    data[local + 22: local + 26] = fake  # uncompressed size
    central = data.index(b"PK\x01\x02")
    while data[central + 46: central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24: central + 28] = fake
    path.write_bytes(bytes(data))
    return path


def write_big(folder: Path) -> dict[str, Path]:
    """Every big bad file, written to `folder`; returns them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "50mb.txt": big_text(folder / "50mb.txt"),
        "2000-pages.pdf": many_pages_pdf(folder / "2000-pages.pdf"),
        "nested-divs.html": nested_divs_html(folder / "nested-divs.html"),
        "zip-bomb.docx": zip_bomb_docx(folder / "zip-bomb.docx"),
        "zip-bomb-lying.docx": lying_zip_bomb_docx(folder / "zip-bomb-lying.docx"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare tests/data/bad/ with a fresh generation")
    parser.add_argument("--big", type=Path, metavar="DIR", help="write the big files to DIR")
    args = parser.parse_args(argv)
    if args.big:
        for name, path in write_big(args.big).items():
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = write_small(Path(tmp))
            stale = [p.name for p in fresh if not (BAD / p.name).exists()
                     or not filecmp.cmp(p, BAD / p.name, shallow=False)]
        print("stale: " + ", ".join(stale) if stale else "tests/data/bad/ is current")
        return 1 if stale else 0
    for path in write_small(BAD):
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
