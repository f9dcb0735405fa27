"""PDF and Word: the same profile read from any format gives the same record; layouts and bad files.

The fixtures in tests/data/formats/ are made by tests/make_fixtures.py from the dev-corpus
texts: each of three profiles as .txt, .md, .html, .pdf and .docx, plus PDFs with two
columns, a ruled table and running headers; tests/data/formats/bad/ holds files that must
be refused, each with its error code below.
"""
from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from conftest import CORPUS, DATA, contract_view, gold_of
from pipeline.models import Document, ErrorRecord, Profile
from pipeline.readers import Limits, read_document
from pipeline.readers.pdf import furniture_key, join_lines
from pipeline.run import Input, extract_document

FORMATS = DATA / "formats"
BAD = FORMATS / "bad"
PROFILES = ["en-mali-solidarity-finance", "fr-collectif-tunisien", "es-red-andaluza-finanzas"]
LAYOUTS = {"two_columns": FORMATS / "fr-collectif-tunisien-two-columns.pdf",
           "ruled_table": FORMATS / "es-red-andaluza-finanzas-ruled-table.pdf",
           "running_headers": FORMATS / "en-mali-solidarity-finance-running-headers.pdf"}
FIXTURES = sorted(p for p in FORMATS.iterdir() if p.is_file())
PDFS = [p for p in FIXTURES if p.suffix == ".pdf"]
REFUSED = {"image-only.pdf": "no_text_layer", "encrypted.pdf": "encrypted", "truncated.pdf": "unreadable",
           "truncated.docx": "unreadable", "empty.pdf": "empty", "profile.rtf": "unsupported_format"}


@cache
def record_of(path: Path) -> Profile | ErrorRecord:
    return extract_document(Input(path, path.name))


@cache
def document_of(path: Path) -> Document:
    return read_document(path, path.name, path.read_bytes())


def profile(path: Path) -> Profile:
    record = record_of(path)
    assert isinstance(record, Profile), f"{path.name}: {record}"
    return record


def gold_for(path: Path) -> dict[str, Any]:
    """The dev-corpus gold of the profile a fixture was made from (its name starts with the source's)."""
    sources = [p for p in CORPUS.iterdir() if not p.name.endswith(".json")]
    source = next(p for p in sources if path.stem.startswith(p.stem.removesuffix("-crlf")))
    return gold_of(source)


# --------------------------------------------------------------------------- one profile, five formats


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "docx"])
@pytest.mark.parametrize("stem", PROFILES)
def test_every_format_gives_the_record_of_the_text(stem: str, fmt: str) -> None:
    assert contract_view(profile(FORMATS / f"{stem}.{fmt}")) == contract_view(profile(FORMATS / f"{stem}.txt"))


@pytest.mark.parametrize("path", [p for p in FIXTURES if p.suffix != ".rtf"], ids=lambda p: p.name)
def test_record_matches_the_gold_of_its_source(path: Path) -> None:
    assert contract_view(profile(path)) == gold_for(path)


@pytest.mark.parametrize("path", [p for p in FIXTURES if p.suffix != ".rtf"], ids=lambda p: p.name)
def test_record_names_its_format(path: Path) -> None:
    assert profile(path).source.format == path.suffix.lstrip(".")


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_pdf_evidence_has_a_page(path: Path) -> None:
    record = profile(path)
    assert record.evidence
    assert all(e.page is not None and e.page >= 1 for e in record.evidence.values())


def test_pdf_evidence_points_to_the_page_of_its_value() -> None:
    record = profile(LAYOUTS["running_headers"])
    assert record.evidence["/name"].page == 1
    assert record.evidence["/contacts/emails/0"].page == 3


@pytest.mark.parametrize("stem", PROFILES)
def test_docx_evidence_has_a_page(stem: str) -> None:
    record = profile(FORMATS / f"{stem}.docx")
    assert all(e.page == 1 for e in record.evidence.values())


# --------------------------------------------------------------------------- layouts


def test_two_columns_read_the_left_column_before_the_right() -> None:
    doc = document_of(LAYOUTS["two_columns"])
    headings = [doc.block_text(b) for b in doc.blocks if b.kind == "heading"]
    assert headings == ["Collectif Tunisien des Acteurs de l’Économie Solidaire (CTAES)", "Axes d’intervention",
                        "Objectifs", "Projets", "Partenaires", "Perspectives", "Coordonnées"]
    left_end = doc.text.index("Contribuer à la mise en œuvre de la loi relative à l’économie sociale et solidaire.")
    assert left_end < doc.text.index("Nom du projet Objectifs")


def test_two_columns_keep_each_paragraph_whole() -> None:
    doc = document_of(LAYOUTS["two_columns"])
    assert ("Présidé par Mme Leïla Ben Salah, le collectif fédère aujourd’hui plus de 90 structures réparties "
            "dans douze gouvernorats.") in doc.text
    assert "Incubateur ESS de Gafsa Accompagner 20 projets collectifs de jeunes diplômés jusqu’à leur " \
           "immatriculation" in [doc.block_text(b) for b in doc.blocks]


def test_running_headers_footers_and_page_numbers_are_dropped() -> None:
    doc = document_of(LAYOUTS["running_headers"])
    for furniture in ("Member profile", "Directory 2024", "RENAPESS member directory", "Page 1 of 3", "Page 3"):
        assert furniture not in doc.text
    assert not any(re.fullmatch(r"\d+", doc.block_text(b)) for b in doc.blocks)
    assert {b.page for b in doc.blocks} == {1, 2, 3}


def test_running_headers_are_on_the_pages() -> None:
    """The furniture the test above checks is absent is really on every page of the fixture."""
    with pdfplumber.open(LAYOUTS["running_headers"]) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 3
    assert all("Member profile" in t and "RENAPESS member directory" in t and f"Page {n} of 3" in t
               for n, t in enumerate(texts, start=1))


def test_words_hyphenated_at_a_line_end_are_put_back() -> None:
    with pdfplumber.open(LAYOUTS["running_headers"]) as pdf:
        lines = [line for page in pdf.pages for line in page.extract_text().splitlines()]
    broken = [(a.split()[-1], b.split()[0]) for a, b in zip(lines, lines[1:]) if re.search(r"[a-z]-$", a)]
    assert broken, "the fixture should break some words at a line end"
    text = document_of(LAYOUTS["running_headers"]).text
    for head, tail in broken:
        word = head[:-1] + tail
        assert word in text and f"{head} {tail}" not in text


@pytest.mark.parametrize(("before", "after", "joined"), [
    ("the organi-", "zation works", "the organi" "zation works"),
    ("the region of Souss-", "Massa", "the region of Souss-Massa"),
    ("from 2013-", "2015", "from 2013-2015"),
    ("a line", "and the next", "a line and the next"),
    ("a dash -", "then more", "a dash - then more"),
])
def test_join_lines(before: str, after: str, joined: str) -> None:
    assert join_lines(before, after) == joined


def test_page_numbers_and_running_lines_share_a_key_across_pages() -> None:
    assert furniture_key("Page 2 of 5") == furniture_key("Page 3 of 5") == "page # of #"


def test_ruled_table_gives_the_projects() -> None:
    record = profile(LAYOUTS["ruled_table"])
    assert [p.model_dump() for p in record.projects] == gold_for(LAYOUTS["ruled_table"])["projects"]


def test_ruled_table_is_read_as_rows_with_cells() -> None:
    doc = document_of(LAYOUTS["ruled_table"])
    rows = [[doc.text[a:b] for a, b in block.cells] for block in doc.blocks if block.kind == "row"]
    assert [r[0] for r in rows] == ["Nombre del proyecto", "Microcréditos Solidarios Sur",
                                    "Escuela de Finanzas Éticas", "Fondo de Garantía Cooperativa"]
    assert all(len(r) == 2 for r in rows)
    assert "Nombre del proyecto Objetivos" not in doc.text  # the table's words are not also running text


# --------------------------------------------------------------------------- refused files


@pytest.mark.parametrize(("name", "code"), REFUSED.items())
def test_bad_file_is_refused_with_its_code(name: str, code: str) -> None:
    record = record_of(BAD / name)
    assert isinstance(record, ErrorRecord)
    assert (record.code, record.stage) == (code, "read")


def test_no_text_layer_says_ocr_is_needed() -> None:
    record = record_of(BAD / "image-only.pdf")
    assert isinstance(record, ErrorRecord) and "OCR" in record.message


@pytest.mark.parametrize(("path", "limits"), [
    (LAYOUTS["running_headers"], Limits(max_pages=2)),
    (FORMATS / "es-red-andaluza-finanzas.pdf", Limits(max_bytes=1_000)),
    (FORMATS / "es-red-andaluza-finanzas.docx", Limits(max_unpacked_bytes=100_000)),
], ids=["pages", "bytes", "unpacked"])
def test_document_over_a_limit_is_too_large(path: Path, limits: Limits) -> None:
    record = extract_document(Input(path, path.name), limits)
    assert isinstance(record, ErrorRecord) and record.code == "too_large"


def test_docx_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    source = zipfile.ZipFile(FORMATS / "fr-collectif-tunisien.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head, rest = data.decode("utf-8").split("?>", 1)
                doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
                data = (head + "?>" + doctype + rest.replace("Afrique", "&xxe;", 1)).encode("utf-8")
            archive.writestr(info, data)
    doc = read_document(Path("x.docx"), "x.docx", out.getvalue())
    assert "Membre depuis" in doc.text
    assert "TOP-SECRET-VALUE" not in doc.text
