"""Readers: encodings, line endings, structure, and page furniture kept out."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import CORPUS
from pipeline.errors import EmptyDocument, NotText, UnsupportedFormat
from pipeline.models import Document
from pipeline.readers import read_document

SOURCE = (CORPUS / "fr-collectif-tunisien.txt").read_text(encoding="utf-8")


def read(name: str, data: bytes) -> Document:
    return read_document(Path(name), name, data)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_text_decodes_to_the_same_document(encoding: str) -> None:
    reference = read("a.txt", SOURCE.encode("utf-8"))
    other = read("a.txt", SOURCE.replace("’", "'").replace("–", "-").encode(encoding)
                 if encoding == "cp1252" else SOURCE.encode(encoding))
    if encoding == "cp1252":
        reference = read("a.txt", SOURCE.replace("’", "'").replace("–", "-").encode("utf-8"))
    assert other.text == reference.text
    assert "Économie" in other.text


def test_crlf_and_lf_give_the_same_text() -> None:
    assert read("a.txt", SOURCE.replace("\n", "\r\n").encode()).text == read("a.txt", SOURCE.encode()).text


def test_bullets_are_normalized_and_kept_as_markers() -> None:
    doc = read("a.txt", "Title (T)\n\n  • first\n  - second\n* third\n1) fourth\n-\nfifth\n".encode())
    items = [b for b in doc.blocks if b.kind == "item"]
    assert [doc.block_text(b) for b in items] == ["first", "second", "third", "fourth", "fifth"]
    assert [b.marker for b in items] == ["•", "•", "•", "1)", "•"]


def test_honorific_initial_is_not_a_list_marker() -> None:
    doc = read("a.txt", "M. Dupont préside le réseau.\n".encode())
    assert [b.kind for b in doc.blocks] == ["paragraph"]


def test_markdown_headings_lists_and_inline_markup() -> None:
    md = "# Name (N)\n\n## Objectives\n\n1. **Build** [things](http://x)\n2. Share\n   - nested\n"
    doc = read("a.md", md.encode())
    assert [(b.kind, b.level, doc.block_text(b)) for b in doc.blocks] == [
        ("heading", 1, "Name (N)"), ("heading", 2, "Objectives"),
        ("item", 0, "Build things"), ("item", 0, "Share"), ("item", 1, "nested")]


def test_html_keeps_the_profile_and_drops_page_furniture() -> None:
    doc = read("p.html", (CORPUS / "en-morocco-souss-network.html").read_bytes())
    assert doc.text.startswith("Regional Network of Social and Solidarity Economy of Souss-Massa (RRESS-SM)")
    for furniture in ("cookies", "Home", "Share this profile", "Secretariat", "All rights reserved", "gtag"):
        assert furniture not in doc.text
    rows = [b for b in doc.blocks if b.kind == "row"]
    assert [doc.text[s:e] for s, e in rows[1].cells] == ["Argan Quality Label", ""]


def test_html_without_main_reads_the_body_and_never_runs_scripts() -> None:
    page = b"<html><body><h1>Name (N)</h1><script>alert(1)</script><p>Text <b>bold</b><br>next</p></body></html>"
    doc = read("p.html", page)
    assert [doc.block_text(b) for b in doc.blocks] == ["Name (N)", "Text bold", "next"]


def test_deeply_nested_html_is_read_without_recursion_error() -> None:
    page = ("<html><body>" + "<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000 + "</body></html>").encode()
    assert "deep text" in read("p.html", page).text


@pytest.mark.parametrize(("name", "data", "error"), [
    ("empty.txt", b"", EmptyDocument),
    ("blank.txt", b"  \n\t\n", EmptyDocument),
    ("binary.txt", bytes(range(256)) * 40, NotText),
    ("sheet.xlsx", b"PK\x03\x04", UnsupportedFormat),
])
def test_unreadable_inputs_raise_typed_errors(name: str, data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read(name, data)


def test_a_quoted_paragraph_in_another_language_does_not_flip_the_language() -> None:
    from pipeline.language import detect_language

    english = (CORPUS / "en-senegal-womens-coops.txt").read_text(encoding="utf-8")
    french = ("La Plateforme poursuit plusieurs objectifs, parmi lesquels la structuration des filières agricoles "
              "et artisanales et l'accès des ménages ruraux à la protection sociale à travers les mutuelles.")
    lines = english.split("\n\n")
    mixed = "\n\n".join(lines[:3] + [french] + lines[3:])
    assert detect_language(read("a.txt", mixed.encode())).language == "en"
    assert detect_language(read("a.txt", SOURCE.encode())).language == "fr"


def test_a_printable_line_needs_only_its_spaces_collapsed() -> None:
    """`normalize_line`'s fast path: no printable character is dropped or is a space other than ' '."""
    from pipeline.readers import text as T

    odd = [c for c in range(sys.maxunicode + 1) if chr(c).isprintable() and c != 0x20 and
           (c in T._INVISIBLE or chr(c).isspace() or T._SPACES.match(chr(c)))]
    assert odd == []
