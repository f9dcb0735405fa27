"""The bad-input corpus: each file gives its error code, or a correct record, in bounded time and memory.

Small files are checked in (tests/data/bad/, made by tests/make_bad_inputs.py; the
refused PDFs and DOCX of tests/data/formats/bad/ are reused, not copied); the big ones —
50 MB of text, a 2,000-page PDF, 10 MB of nested `<div>`s, two ZIP bombs — are generated
once per session in a temporary folder. Hostile file names and symbolic links are made
here too. Per-document time and memory limits, enforced by the runner in worker
processes, are tested at the end (skipped until `Limits` has them).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CORPUS, DATA, contract_view, gold_of
from make_bad_inputs import BAD, small_files, write_big
from pipeline.cli import main
from pipeline.errors import ReadError
from pipeline.models import ErrorRecord, Profile
from pipeline.readers import Limits
from pipeline.run import Input, discover, extract_document, read_input, run

FORMATS_BAD = DATA / "formats" / "bad"
SECONDS = 10.0
PEAK_BYTES = 64_000_000  # Python allocations while refusing a ZIP bomb that inflates to 120 MB


@pytest.fixture(autouse=True)
def _warm(warm_pipeline: None) -> None:
    """Time documents, not the first load of a language's data."""


def record_or_error(path: Path, limits: Limits = Limits()) -> tuple[Profile | ErrorRecord, float]:
    started = time.perf_counter()
    result = extract_document(Input(path, path.name), limits)
    return result, time.perf_counter() - started


def same_as_gold(source: str) -> Callable[[Profile], None]:
    def check(record: Profile) -> None:
        assert contract_view(record) == gold_of(CORPUS / source)
    return check


def no_secret_and_named(name: str) -> Callable[[Profile], None]:
    def check(record: Profile) -> None:
        assert record.name == name
        dumped = record.model_dump_json()
        assert "root:" not in dumped and "/bin/" not in dumped  # /etc/passwd did not leak in
    return check


# Every checked-in bad file: the error code it must give, or a check of the record it must give.
REFUSED = {
    "empty.txt": "empty",
    "binary-garbage.txt": "not_text",
    "wrong-xref-offsets.pdf": "unreadable",  # well-formed table, every offset wrong: nothing to rebuild from
    "password-protected.docx": "encrypted",  # Word's encrypted container (OLE)
    "encrypted-part.docx": "encrypted",  # a ZIP part with a password (was a bug: internal_error)
    "old-word-97.docx": "unreadable",  # a .doc renamed
}
READ: dict[str, Callable[[Profile], None]] = {
    "utf16le-no-bom.txt": same_as_gold("en-ghana-platform-no-contacts.txt"),
    "utf16be-ascii-no-bom.txt": same_as_gold("en-ghana-platform-no-contacts.txt"),
    "mixed-encodings.txt": same_as_gold("fr-collectif-tunisien.txt"),  # the cp1252 half decoded too
    "broken-xref.pdf": same_as_gold("en-mali-solidarity-finance-crlf.txt"),  # pdfminer rebuilds the table
    "external-resources.html": same_as_gold("en-mali-solidarity-finance-crlf.txt"),
    "xxe.docx": no_secret_and_named("Collectif Tunisien des Acteurs de l’Économie Solidaire"),
}
REUSED = {"encrypted.pdf": "encrypted", "truncated.pdf": "unreadable", "truncated.docx": "unreadable",
          "image-only.pdf": "no_text_layer", "empty.pdf": "empty"}


def test_every_bad_file_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(REFUSED | READ)


def test_bad_files_are_current() -> None:
    """tests/data/bad/ holds what tests/make_bad_inputs.py makes (run it after changing either)."""
    assert {name: data for name, data in small_files().items()} == {p.name: p.read_bytes() for p in BAD.iterdir()}


@pytest.mark.parametrize(("name", "code"), REFUSED.items())
def test_bad_file_is_refused_with_its_code(name: str, code: str) -> None:
    result, seconds = record_or_error(BAD / name)
    assert isinstance(result, ErrorRecord) and result.code == code, result
    assert seconds < SECONDS


@pytest.mark.parametrize(("name", "code"), REUSED.items())
def test_formats_bad_file_is_refused_with_its_code(name: str, code: str) -> None:
    result, seconds = record_or_error(FORMATS_BAD / name)
    assert isinstance(result, ErrorRecord) and result.code == code, result
    assert seconds < SECONDS


@pytest.mark.parametrize("name", READ)
def test_bad_file_still_gives_its_record(name: str) -> None:
    result, seconds = record_or_error(BAD / name)
    assert isinstance(result, Profile), result
    READ[name](result)
    assert seconds < SECONDS


def test_mixed_encodings_are_decoded_line_by_line() -> None:
    record, _ = record_or_error(BAD / "mixed-encodings.txt")
    assert isinstance(record, Profile)
    text = record.model_dump_json()
    assert "Ã" not in text and "\ufffd" not in text  # neither UTF-8 read as cp1252 nor replacement characters
    assert "l’intérieur" in " ".join(o.text for o in record.objectives)  # from the cp1252 half


# --------------------------------------------------------------------------- big files, made per session


@pytest.fixture(scope="session")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_big(tmp_path_factory.mktemp("big-bad-inputs"))


def test_a_50_mb_text_is_too_large_under_the_default_limit(big: dict[str, Path]) -> None:
    path = big["50mb.txt"]
    assert path.stat().st_size > Limits().max_bytes
    result, seconds = record_or_error(path)
    assert isinstance(result, ErrorRecord) and result.code == "too_large" and "--max-bytes" in result.message
    assert result.source.sha256 is None  # refused from its size: never read
    assert seconds < 1


def test_a_pdf_of_2000_pages_is_too_large(big: dict[str, Path]) -> None:
    result, seconds = record_or_error(big["2000-pages.pdf"])
    assert isinstance(result, ErrorRecord) and result.code == "too_large" and "--max-pages" in result.message
    assert seconds < SECONDS


def test_the_2000_page_pdf_is_readable_under_a_higher_limit(big: dict[str, Path]) -> None:
    """The refusal above is the limit's, not a broken file's."""
    import pdfplumber

    with pdfplumber.open(big["2000-pages.pdf"]) as pdf:
        assert len(pdf.pages) == 2_000
        assert "Many Pages Network" in pdf.pages[1_999].extract_text()


def test_10_mb_of_nested_divs_end_in_bounded_time(big: dict[str, Path]) -> None:
    path = big["nested-divs.html"]
    assert path.stat().st_size >= 9_900_000
    result, seconds = record_or_error(path)
    assert isinstance(result, Profile) or result.code == "too_large", result
    assert seconds < SECONDS


@pytest.mark.parametrize(("name", "code"), [("zip-bomb.docx", "too_large"), ("zip-bomb-lying.docx", "unreadable")])
def test_a_docx_zip_bomb_is_refused_without_inflating_it(big: dict[str, Path], name: str, code: str) -> None:
    """Refused from the declared sizes, or (sizes that lie) at the declared size: memory stays far below 120 MB."""
    tracemalloc.start()
    try:
        result, seconds = record_or_error(big[name])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, ErrorRecord) and result.code == code, result
    assert peak < PEAK_BYTES, f"{peak:,} bytes allocated"
    assert seconds < SECONDS


# --------------------------------------------------------------------------- hostile names and links

HOSTILE_NAMES = ["with spaces.txt", "accents éàüñ ç.txt", "notes..v2.txt", "a;b$(x).txt", "it's & co.txt",
                 "`rm -rf ~` |tee| > out.txt", "<img src=x onerror=alert(1)>.txt", "-rf.txt", "x" * 200 + ".txt"]


@pytest.fixture
def hostile_names_run(tmp_path: Path) -> tuple[Path, Path]:
    """The same profile under each hostile name, extracted with `profiles extract`."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(CORPUS / "reiessg.txt", raw / name)
    assert main(["extract", str(raw), "--out", str(out), "--quiet"]) == 0
    return raw, out


def test_hostile_file_names_give_records_with_the_name_as_given(hostile_names_run: tuple[Path, Path]) -> None:
    _, out = hostile_names_run
    records = [json.loads(line) for line in (out / "profiles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["source"]["path"] for r in records) == sorted(HOSTILE_NAMES)
    assert {r["id"] for r in records} == {"reiessg"}


def test_hostile_file_names_give_safe_output_names(hostile_names_run: tuple[Path, Path]) -> None:
    raw, out = hostile_names_run
    names = sorted(p.name for p in out.iterdir())
    records = [n for n in names if n not in ("errors.jsonl", "manifest.json", "profiles.jsonl", ".cache", "tables")]
    assert len(records) == len(HOSTILE_NAMES)
    for name in records:
        stem = name.removesuffix(".json")
        assert name.endswith(".json") and stem.replace("-", "").isalnum() and stem.isascii() and stem == stem.lower()
        assert ".." not in name and "/" not in name and len(name) <= 200
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "raw"]  # nothing written beside
    assert sorted(p.name for p in raw.iterdir()) == sorted(HOSTILE_NAMES)  # the inputs untouched


def test_a_symbolic_link_out_of_the_input_root_is_not_followed(tmp_path: Path) -> None:
    raw, outside, out = tmp_path / "raw", tmp_path / "outside", tmp_path / "out"
    raw.mkdir()
    outside.mkdir()
    shutil.copy(CORPUS / "emesse.txt", raw / "emesse.txt")
    shutil.copy(CORPUS / "reiessg.txt", outside / "secret.txt")
    (raw / "link.txt").symlink_to(outside / "secret.txt")
    (raw / "linked-folder").symlink_to(outside, target_is_directory=True)
    assert main(["extract", str(raw), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [i["path"] for i in manifest["inputs"]] == ["emesse.txt"]
    assert "reiessg" not in (out / "profiles.jsonl").read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes in a name")
def test_a_file_name_that_is_not_utf8_gives_its_record_and_error_without_stopping_the_run(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(CORPUS / "reiessg.txt", os.fsdecode(bytes(raw) + b"/bad\xff\xfename.txt"))
    Path(os.fsdecode(bytes(raw) + b"/empty\xff.txt")).write_bytes(b"")
    assert main(["extract", str(raw), "--out", str(out), "--quiet"]) == 1  # the empty file is refused
    record = json.loads((out / "reiessg.json").read_text(encoding="utf-8"))
    assert record["source"]["path"] == "bad\\xff\\xfename.txt"  # the bytes written out, as text
    error = json.loads((out / "errors.jsonl").read_text(encoding="utf-8"))
    assert (error["source"]["path"], error["code"]) == ("empty\\xff.txt", "empty")
    assert main(["validate", str(out)]) == 0
    assert main(["review", "--records", str(out), "--raw", str(raw), "--out", str(tmp_path / "review")]) == 0
    page = (tmp_path / "review" / "records" / "reiessg.html").read_text(encoding="utf-8")
    assert "is gone" not in page and "Youssef Ellouxe" in page  # the document found again, its text shown


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_given_as_input_is_refused_not_read(tmp_path: Path) -> None:
    pipe, out = tmp_path / "profile.txt", tmp_path / "out"
    os.mkfifo(pipe)  # reading it would wait for a writer for ever
    assert main(["extract", str(pipe), "--out", str(out), "--quiet"]) == 1
    error = json.loads((out / "errors.jsonl").read_text(encoding="utf-8"))
    assert (error["source"]["path"], error["code"]) == ("profile.txt", "unreadable")
    assert "not a regular file" in error["message"]



@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets here")
def test_a_socket_or_a_folder_read_as_a_document_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "socket.txt"))  # a socket file cannot be opened at all
        for name in ("folder.txt", "socket.txt"):
            with pytest.raises(ReadError, match="not a regular file"):
                read_input(Input(tmp_path / name, name), Limits())

def test_discovery_takes_every_regular_file_and_passes_over_hidden_names_and_links(tmp_path: Path) -> None:
    root, other = tmp_path / "root", tmp_path / "other"
    for rel in ["b.txt", "a/c/d.md", "sp ace/é/ü.txt", ".hidden.txt", ".git/x.txt", "a/.h/y.txt", "a/c/.z"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x", encoding="utf-8")
    (root / "link.txt").symlink_to(root / "b.txt")
    (root / "folder-link").symlink_to(root / "a", target_is_directory=True)
    other.mkdir()
    (other / "b.txt").write_text("y", encoding="utf-8")
    (other / "e.txt").write_text("y", encoding="utf-8")
    found = discover([root, other, other / "e.txt"])
    assert [i.relpath for i in found] == ["a/c/d.md", "b.txt", "e.txt", "sp ace/é/ü.txt"]
    assert [i.path for i in found] == [root / "a/c/d.md", root / "b.txt", other / "e.txt", root / "sp ace/é/ü.txt"]
    assert discover([tmp_path / "missing"]) == [Input(tmp_path / "missing", "missing")]  # refused when read


# --------------------------------------------------------------------------- per-document time and memory

LIMITS_BUILT = hasattr(Limits(), "timeout_seconds")


@pytest.mark.skipif(not LIMITS_BUILT, reason="per-document limits not built yet")
def test_a_document_over_the_time_limit_is_stopped_as_timeout(tmp_path: Path) -> None:
    """A 3 MB single-line text takes far longer than a second; the worker is stopped and the run goes on."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(CORPUS / "emesse.txt", raw / "emesse.txt")
    (raw / "slow.txt").write_text("Slow Network (SN) was founded on 12 March 2001 in Dakar. " * 50_000, "utf-8")
    handler = signal.getsignal(signal.SIGALRM)
    started = time.perf_counter()
    result = run([raw], tmp_path / "out", Limits(timeout_seconds=1))  # type: ignore[call-arg]
    assert time.perf_counter() - started < 30
    assert signal.getsignal(signal.SIGALRM) is handler  # the run's own handler went with it
    codes = {r.source.path: (r.code if isinstance(r, ErrorRecord) else "record") for r in result.results}
    assert codes == {"emesse.txt": "record", "slow.txt": "timeout"}


@pytest.mark.skipif(not LIMITS_BUILT, reason="per-document limits not built yet")
def test_a_document_over_the_memory_limit_is_stopped_as_too_large(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A document that needs more than the limit is stopped, the run goes on. (15 MB of one line grows the
    process by ~0.9 GB only, and for minutes: the runner's test hook allocates the memory instead.)"""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(CORPUS / "emesse.txt", raw / "emesse.txt")
    (raw / "huge.txt").write_text("Huge Network (HN) word " * 1_000, "utf-8")
    monkeypatch.setenv("PROFILES_TEST_HOOK", "allocate:huge.txt")
    result = run([raw], tmp_path / "out", Limits(max_memory_bytes=1_000_000_000,  # type: ignore[call-arg]
                                                  timeout_seconds=120))
    codes = {r.source.path: (r.code if isinstance(r, ErrorRecord) else "record") for r in result.results}
    assert codes == {"emesse.txt": "record", "huge.txt": "too_large"}
