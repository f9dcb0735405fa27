"""Nothing hostile gets through: safe ids and file names, escaped report, no code run, nothing fetched.

- record ids and output file names are slugs: `[a-z0-9-]`, bounded, no path separator, no
  `..`; two documents with the same id get names told apart by their source path, the
  same whatever the order the files were created in;
- the review report shows hostile file names as text (hostile document text: tests/test_review.py);
- the package never evaluates, unpickles or hands to a shell anything (an AST scan of its source);
- reading HTML, DOCX, PDF, Markdown and text never opens a network connection: sockets are
  made to fail and a listener on the port the hostile files point at must receive nothing.
"""
from __future__ import annotations

import ast
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from conftest import CORPUS, DATA, ROOT
from hypothesis_profiles import examples
from make_bad_inputs import BAD, TRAP_PORT
from pipeline.cli import main
from pipeline.models import ErrorRecord, Profile
from pipeline.run import Input, extract_document
from pipeline.validate import MAX_ID, slugify
from test_review import run as review_run

PACKAGE = ROOT / "pipeline"
SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


# --------------------------------------------------------------------------- ids and file names


@given(st.text(st.characters(codec="utf-8"), max_size=300))
@settings(max_examples=examples(300))
def test_slugs_are_safe_for_any_text(text: str) -> None:
    slug = slugify(text)
    assert set(slug) <= SLUG_CHARS and len(slug) <= MAX_ID
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug and ".." not in slug


def _extract(raw: Path, out: Path) -> list[str]:
    assert main(["extract", str(raw), "--out", str(out), "--quiet"]) == 0
    return sorted(p.name for p in out.iterdir())


def test_documents_with_the_same_acronym_get_distinct_deterministic_names(tmp_path: Path) -> None:
    """Two copies of one profile (same acronym, so the same id): names from their paths, whatever the creation order."""
    outputs = []
    for order, names in enumerate([["b/reiessg.txt", "a/reiessg.txt"], ["a/reiessg.txt", "b/reiessg.txt"]]):
        raw = tmp_path / f"raw{order}"
        for name in names:
            (raw / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(CORPUS / "reiessg.txt", raw / name)
        outputs.append((_extract(raw, tmp_path / f"out{order}"), (tmp_path / f"out{order}" / "profiles.jsonl").read_bytes()))
    assert outputs[0] == outputs[1]
    assert [n for n in outputs[0][0] if n.startswith("reiessg")] == ["reiessg--a-reiessg-txt.json",
                                                                     "reiessg--b-reiessg-txt.json"]


def test_paths_whose_slugs_collide_still_get_distinct_names(tmp_path: Path) -> None:
    """`a;b$(x).txt` and `a b x.txt` both slugify to `a-b-x-txt`: a counter tells them apart, in input order."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("a;b$(x).txt", "a b x.txt"):
        shutil.copy(CORPUS / "reiessg.txt", raw / name)
    names = _extract(raw, tmp_path / "out")
    assert [n for n in names if n.startswith("reiessg")] == ["reiessg--a-b-x-txt-2.json", "reiessg--a-b-x-txt.json"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [(i["path"], i["output"]) for i in manifest["inputs"]] == [("a b x.txt", "reiessg--a-b-x-txt.json"),
                                                                      ("a;b$(x).txt", "reiessg--a-b-x-txt-2.json")]


def test_a_record_id_never_takes_the_name_of_a_run_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "m.txt").write_text("Manifest Network (MANIFEST)\n\nThe Manifest Network was created in 2012 in Rabat.\n",
                               encoding="utf-8")
    out = tmp_path / "out"
    _extract(raw, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["id"] == "manifest"
    assert all((out / name).exists() and name != "manifest.json" for name in manifest["outputs"])


def test_the_review_report_shows_hostile_file_names_as_text(tmp_path: Path) -> None:
    record_name = "<img src=x onerror=alert(7)>.txt"
    refused_name = "<svg onload=alert(8)>.rtf"  # a name cannot hold "/": no closing tags
    review = review_run(tmp_path, "reiessg.txt", extra={record_name: (CORPUS / "emesse.txt").read_text("utf-8"),
                                                       refused_name: "not a profile"})
    for page in [review / "index.html", *sorted((review / "records").glob("*.html"))]:
        html = page.read_text(encoding="utf-8")
        tree = HTMLParser(html)
        assert not tree.css("img, svg"), page.name
        assert all("alert" not in s.text() for s in tree.css("script")), page.name
        assert "<img src=x" not in html and "<svg onload" not in html, page.name
    assert refused_name in HTMLParser((review / "index.html").read_text(encoding="utf-8")).body.text()


# --------------------------------------------------------------------------- no code from documents

# Calls that run code or a program, or rebuild objects from bytes: none belongs in a document pipeline.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", "os.execv", "os.execvp",
                   "os.spawnv", "os.startfile", "yaml.load", "yaml.unsafe_load", "yaml.full_load",
                   "pickle.load", "pickle.loads", "marshal.loads", "importlib.import_module"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "subprocess", "pty", "code", "codeop"}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _findings(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _dotted(node.func) in FORBIDDEN_CALLS:
            yield f"{path.name}:{node.lineno}: {_dotted(node.func)}()"
        elif isinstance(node, ast.Import):
            yield from (f"{path.name}:{node.lineno}: import {a.name}" for a in node.names
                        if a.name.split(".")[0] in FORBIDDEN_MODULES)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            yield f"{path.name}:{node.lineno}: from {node.module} import"


def test_the_package_never_evaluates_unpickles_or_shells_out() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    assert [f for path in sources for f in _findings(path)] == []


def test_the_scan_would_see_them(tmp_path: Path) -> None:
    """The scan above is not vacuous."""
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nfrom pickle import loads\nimport os, yaml\neval(x)\nos.system(x)\n"
                   "yaml.load(x)\n", encoding="utf-8")
    assert len(list(_findings(bad))) == 5


# --------------------------------------------------------------------------- nothing fetched


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every Python connection attempt fails and is recorded; a listener on the trap port catches any other."""
    attempts: list[str] = []

    def refuse(self: socket.socket, address: object, *args: object) -> None:
        attempts.append(repr(address))
        raise OSError("network access is blocked in this test")

    def no_lookup(host: object, *args: object, **kwargs: object) -> None:
        attempts.append(f"getaddrinfo {host!r}")
        raise OSError("name lookups are blocked in this test")

    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", TRAP_PORT))
        listener.listen(16)
        listener.setblocking(False)
    except OSError:  # the port is taken: the Python-level block still holds
        listener = None
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))  # type: ignore[arg-type]
    yield attempts
    if listener is not None:
        try:
            connection, peer = listener.accept()
            connection.close()
            attempts.append(f"a connection to the trap port from {peer}")
        except BlockingIOError:
            pass
        listener.close()


HOSTILE_FILES = [BAD / "external-resources.html", BAD / "xxe.docx"]
EVERY_FORMAT = sorted(p for p in (DATA / "formats").iterdir() if p.is_file() and p.suffix != ".rtf")


@pytest.mark.parametrize("path", HOSTILE_FILES + EVERY_FORMAT, ids=lambda p: p.name)
def test_reading_never_opens_a_connection(path: Path, no_network: list[str]) -> None:
    result = extract_document(Input(path, path.name))
    assert isinstance(result, Profile), result
    assert no_network == []


def test_the_hostile_files_do_point_at_the_trap() -> None:
    """The test above means something: the hostile files reference the trap port many times."""
    import zipfile

    page = (BAD / "external-resources.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(BAD / "xxe.docx") as docx:
        parts = docx.read("word/document.xml").decode() + docx.read("word/_rels/document.xml.rels").decode()
    assert page.count(f":{TRAP_PORT}/") >= 15 and parts.count(f":{TRAP_PORT}/") >= 6


def test_the_blocked_network_is_really_blocked(no_network: list[str]) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", TRAP_PORT), timeout=1)
    assert no_network
    no_network.clear()


def test_an_error_record_is_written_for_an_unreadable_hostile_file(tmp_path: Path, no_network: list[str]) -> None:
    """Even a refusal (a DOCX that is really an HTML page with external resources) fetches nothing."""
    fake = tmp_path / "page.docx"
    fake.write_bytes((BAD / "external-resources.html").read_bytes())
    result = extract_document(Input(fake, fake.name))
    assert isinstance(result, ErrorRecord) and result.code == "unreadable"
    assert no_network == []
