"""Never crash on input: generated and mutated documents through the whole pipeline.

Every case must end as a valid `Profile` or an `ErrorRecord` — never an exception, never
`internal_error` (a bug) — within `SECONDS`. Generated inputs: arbitrary Unicode (control
characters included), right-to-left scripts with bidi controls, extremely long lines,
text without a single newline, thousands of bullets, deeply nested Markdown lists and
HTML elements, random bytes, profile-like documents assembled from the vocabularies'
own words; and the dev corpus mutated (lines shuffled, deleted, duplicated, headings
renamed, text re-encoded). Each is written as .txt, .md or .html.

The budget follows the Hypothesis profile (tests/hypothesis_profiles.py): `ci` by
default, fixed seed; `HYPOTHESIS_PROFILE=long` by hand for a longer random search.
Inputs that once broke the pipeline are kept below as plain regression tests.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS, DOCUMENTS, ROOT
from hypothesis_profiles import examples
from make_bad_inputs import BAD
from pipeline.errors import TooLarge
from pipeline.models import ErrorRecord, Profile
from pipeline.readers import read_document
from pipeline.readers.html import MAX_NESTING, nesting_over
from pipeline.run import Input, extract_document

SECONDS = 10.0  # per document; the largest generated input is ~200,000 characters
FORMATS = ("txt", "md", "html")
TEXT_DOCUMENTS = [p for p in DOCUMENTS if p.suffix in (".txt", ".md", ".html")]
VOCAB = ROOT / "pipeline" / "vocab"


def _vocab_words() -> tuple[list[str], list[str]]:
    """Section headings and field labels of every language: what makes generated text look like a profile."""
    headings: set[str] = set()
    labels: set[str] = set()
    for lang in sorted(p for p in VOCAB.iterdir() if p.is_dir()):
        sections = yaml.safe_load((lang / "sections.yml").read_text(encoding="utf-8"))
        for kind in sections.values():
            if isinstance(kind, dict):
                headings.update(kind.get("headings") or [])
                headings.update(kind.get("leadins") or [])
        lexicon = yaml.safe_load((lang / "lexicon.yml").read_text(encoding="utf-8"))
        for words in lexicon["labels"].values():
            labels.update(words)
    return sorted(map(str, headings)), sorted(map(str, labels))


HEADINGS, LABELS = _vocab_words()
HEADING_SET = {h.casefold() for h in HEADINGS}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, warm_pipeline: None) -> Path:
    """Where each example is written; the pipeline is warmed first, so the time limit times documents only."""
    return tmp_path_factory.mktemp("fuzz")


def assert_record_or_error(folder: Path, name: str, data: bytes) -> Profile | ErrorRecord:
    """Extract `data` saved as `folder/name`: a valid record or a refusal, never a bug, in bounded time."""
    path = folder / name
    path.write_bytes(data)
    started = time.perf_counter()
    result = extract_document(Input(path, name))
    seconds = time.perf_counter() - started
    assert isinstance(result, (Profile, ErrorRecord))
    if isinstance(result, ErrorRecord):
        assert result.code != "internal_error", result.message
    else:
        assert Profile.model_validate_json(result.model_dump_json()) == result
        assert all(e.start <= e.end for e in result.evidence.values())
    if seconds >= SECONDS:  # the first document of a language builds its spaCy tokenizer (seconds, once): time again
        started = time.perf_counter()
        extract_document(Input(path, name))
        seconds = time.perf_counter() - started
    assert seconds < SECONDS, f"{seconds:.1f} s for {len(data):,} bytes"
    return result


# --------------------------------------------------------------------------- strategies

# Any code point that UTF-8 can hold: control characters, private use, unassigned, emoji.
ANY_CHAR = st.characters(codec="utf-8")
RTL_CHAR = st.one_of(st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
                     st.characters(min_codepoint=0xFB1D, max_codepoint=0xFDFF),  # presentation forms
                     st.sampled_from("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 .:()\n0123"))
MARKERS = st.sampled_from(["-", "*", "+", "•", "◦", "▪", "–", "1.", "2)", "(3)", "a)", "iv.", "A)", "#", ">", "|"])
SHORT = st.text(ANY_CHAR, max_size=30)
WORDY = st.text(st.sampled_from("abcdefghij ABCDEFGHIJ éàçñ’'-().,;:/@+0123456789"), min_size=1, max_size=40)


@st.composite
def long_line(draw: st.DrawFn) -> str:
    """One line (no newline at all) of up to ~200,000 characters."""
    unit = draw(st.text(ANY_CHAR.filter(lambda c: c not in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                        min_size=1, max_size=40))
    return unit * draw(st.integers(1, 200_000 // len(unit)))


@st.composite
def many_bullets(draw: st.DrawFn) -> str:
    marker = draw(MARKERS)
    count = draw(st.integers(1_000, 4_000))
    words = draw(st.lists(WORDY, min_size=1, max_size=5))
    return "Bullets Network (BN)\n" + "".join(f"{marker} {words[i % len(words)]} {i}\n" for i in range(count))


@st.composite
def nested_md_list(draw: st.DrawFn) -> str:
    depth = draw(st.integers(50, 600))
    indent = draw(st.sampled_from([" ", "  ", "    ", "\t"]))
    marker = draw(st.sampled_from(["-", "*", "1.", ">"]))
    return "# Deep Lists Network (DLN)\n\n" + "".join(f"{indent * i}{marker} item {i}\n" for i in range(depth))


@st.composite
def nested_html(draw: st.DrawFn) -> str:
    depth = draw(st.integers(100, 5_000))
    opening, closing = draw(st.sampled_from([("<div>", "</div>"), ("<ul><li>", "</li></ul>"), ("<ol><li>x", "</ol>"),
                                             ("<blockquote>", "</blockquote>"), ("<table><tr><td>", "</td></tr></table>"),
                                             ("<table><tr><td>cell", "</td><td>x</td></tr></table>"),
                                             ("<span>", "</span>"), ("<b><p>", ""), ("<div><h2>T</h2>", "</div>")]))
    inner = draw(st.sampled_from(["<h1>Deep Page Network (DPN)</h1>", "Deep Page Network (DPN)", "", "<br>" * 50]))
    closed = draw(st.booleans())
    return "<html><body>" + opening * depth + inner + (closing * depth if closed else "") + "</body></html>"


@st.composite
def profile_like(draw: st.DrawFn) -> str:
    """Lines assembled from real headings and labels, names with acronyms, dates, phones, e-mails, bullets."""
    pieces = st.one_of(
        st.sampled_from(HEADINGS).map(lambda h: h.capitalize()),
        st.sampled_from(HEADINGS).map(lambda h: f"## {h}:"),
        st.tuples(st.sampled_from(LABELS), WORDY).map(lambda t: f"{t[0].title()}: {t[1]}"),
        st.tuples(WORDY, st.from_regex(r"[A-Z]{1,8}(-[A-Z]{1,3})?", fullmatch=True)).map(lambda t: f"{t[0]} ({t[1]})"),
        st.sampled_from(["Founded on 31 January 2015 in Guelmim by 16 members.", "Créé le 3 mars 1999 à Dakar.",
                         "Fundada en 2001 por siete cooperativas.", "Chair: Mr. Jean Dupont", "Tel: +212 5 28 87 32 16",
                         "Phone: 00 221 33 000 00 00 / 77 000 00 00", "Email: a@b.c", "https://x.y/z?q=1",
                         "Member since 2019", "Region: Africa", "Country: Morocco", "Fax : 12", "Tél. : ++33 ()",
                         "Its partners include A; B; and, C.", "The objectives of the association are to:",
                         "Project name\tObjectives", "among which A; B; and, C", "REIESS, REISESS, REIESSG"]),
        st.tuples(MARKERS, WORDY).map(lambda t: f"{t[0]} {t[1]}"),
        WORDY, SHORT, st.just(""),
    )
    lines = draw(st.lists(pieces, min_size=1, max_size=80))
    return "\n".join(lines)


RTL_TEXT = st.text(RTL_CHAR, max_size=3_000)
ANY_TEXT = st.text(ANY_CHAR, max_size=5_000)
SHAPES = st.one_of(ANY_TEXT, RTL_TEXT, long_line(), many_bullets(), nested_md_list(), profile_like(),
                   st.lists(st.one_of(profile_like(), RTL_TEXT, SHORT), max_size=5).map("\n".join))


def encode(draw: st.DrawFn, text: str) -> bytes:
    """Mostly UTF-8; sometimes with a BOM, in UTF-16 (with and without BOM), or a legacy code page."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
                                     "latin-1"]))
    return text.encode(encoding, errors="replace")


# --------------------------------------------------------------------------- generated documents


@given(text=SHAPES, fmt=st.sampled_from(FORMATS), data=st.data())
@settings(max_examples=examples(120))
def test_any_text_gives_a_record_or_an_error(workdir: Path, text: str, fmt: str, data: st.DataObject) -> None:
    assert_record_or_error(workdir, f"doc.{fmt}", encode(data.draw, text))


@given(page=nested_html())
@settings(max_examples=examples(15))
def test_deeply_nested_html_gives_a_record_or_an_error(workdir: Path, page: str) -> None:
    assert_record_or_error(workdir, "page.html", page.encode("utf-8"))


@given(data=st.binary(max_size=4_000), fmt=st.sampled_from(FORMATS + ("pdf", "docx")))
@settings(max_examples=examples(60))
def test_random_bytes_give_a_record_or_an_error(workdir: Path, data: bytes, fmt: str) -> None:
    assert_record_or_error(workdir, f"bytes.{fmt}", data)


# --------------------------------------------------------------------------- mutated real documents


def _lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").splitlines()


def _is_heading(line: str) -> bool:
    folded = line.strip("#*: \t").casefold()
    return bool(folded) and (folded in HEADING_SET or line.lstrip().startswith("#") or line.lstrip().startswith("<h"))



@st.composite
def mutated_document(draw: st.DrawFn) -> tuple[str, str]:
    """A dev document with its lines shuffled, deleted, duplicated, headings renamed or swapped."""
    source = draw(st.sampled_from(TEXT_DOCUMENTS))
    lines = _lines_of(source)
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        op = draw(st.sampled_from(["shuffle", "delete", "duplicate", "rename", "swap", "truncate", "join", "splice"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "shuffle":
            j = draw(st.integers(i, len(lines)))
            lines[i:j] = draw(st.permutations(lines[i:j]))
        elif op == "delete":
            del lines[i:i + draw(st.integers(1, 10))]
        elif op == "duplicate":
            lines[i:i] = lines[i:i + draw(st.integers(1, 10))] * draw(st.integers(1, 30))
        elif op == "rename":
            headings = [k for k, line in enumerate(lines) if _is_heading(line)] or [i]
            k = draw(st.sampled_from(headings))
            lines[k] = draw(st.one_of(st.sampled_from(HEADINGS), WORDY, SHORT))
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[:i]
        elif op == "join":
            lines[i:i + 5] = [" ".join(lines[i:i + 5])]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))] + draw(SHORT)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return source.suffix, newline.join(lines)


@given(mutated=mutated_document(), data=st.data())
@settings(max_examples=examples(80))
def test_mutated_documents_give_a_record_or_an_error(workdir: Path, mutated: tuple[str, str],
                                                     data: st.DataObject) -> None:
    suffix, text = mutated
    assert_record_or_error(workdir, f"mutated{suffix}", encode(data.draw, text))


@given(mutated=mutated_document(), fmt=st.sampled_from(FORMATS))
@settings(max_examples=examples(40))
def test_mutated_documents_in_another_format_give_a_record_or_an_error(workdir: Path,
                                                                       mutated: tuple[str, str], fmt: str) -> None:
    """A text document read as Markdown or HTML, a page read as text: the markup must not break a reader."""
    _suffix, text = mutated
    assert_record_or_error(workdir, f"other.{fmt}", text.encode("utf-8"))


# --------------------------------------------------------------------------- inputs that once broke the pipeline


def test_nested_tables_are_read_once() -> None:
    """Was exponential: each table read the rows of every table nested in it again (20 levels: a million rows)."""
    page = "<h1>Nested Tables Network (NTN)</h1>" + "<table><tr><td>cell" * 40 + "</td></tr></table>" * 40
    started = time.perf_counter()
    doc = read_document(Path("tables.html"), "tables.html", page.encode("utf-8"))
    assert doc.text.count("cell") == 40
    assert time.perf_counter() - started < 2


def test_a_page_nested_too_deep_is_refused_before_parsing() -> None:
    """Was minutes per document: the HTML parser's time grows with the square of the nesting depth."""
    deep = "<div>" * (MAX_NESTING + 1) + "text"
    with pytest.raises(TooLarge):
        read_document(Path("deep.html"), "deep.html", deep.encode("utf-8"))
    assert nesting_over(deep) == MAX_NESTING + 1


@pytest.mark.parametrize("markup", [
    "<div></div>" * 20_000,  # many elements, none deep
    "<p>paragraph" * 20_000 + "<li>item" * 20_000,  # end tags left out: the parser closes them
    "<br><img src=x><hr/>" * 20_000 + "<svg><path/></svg>" * 10_000,  # void and self-closing elements
], ids=["siblings", "implied-ends", "void"])
def test_wide_pages_are_not_counted_as_deep(markup: str) -> None:
    assert nesting_over(markup) is None


def test_utf16_ascii_without_bom_is_text() -> None:
    """Was `not_text`: ASCII in UTF-16 is valid UTF-8 full of NUL characters."""
    doc = read_document(Path("u.txt"), "u.txt", "Plain Network (PN)\n\nFounded in 2001.\n".encode("utf-16-le"))
    assert doc.text.startswith("Plain Network (PN)")


def test_a_docx_with_a_password_protected_part_is_encrypted_not_a_bug(workdir: Path) -> None:
    """Was `internal_error`: zipfile raises RuntimeError for an encrypted ZIP part."""
    result = assert_record_or_error(workdir, "locked.docx", (BAD / "encrypted-part.docx").read_bytes())
    assert isinstance(result, ErrorRecord) and result.code == "encrypted"


def test_repeated_paragraphs_take_linear_time(workdir: Path) -> None:
    """Was 8-14 s for 45 KB: every repetition of the description added its names again to the alias comparisons."""
    lines = (CORPUS / "reiessg.txt").read_text(encoding="utf-8").splitlines()
    text = "\r\n".join(lines[:10] * 30 + lines)
    started = time.perf_counter()
    result = assert_record_or_error(workdir, "repeated.md", text.encode("utf-8"))
    assert isinstance(result, Profile) and result.acronym == "REIESSG"
    assert time.perf_counter() - started < 3
