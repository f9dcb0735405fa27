"""The extraction cache (OUT/.cache): unchanged documents are not extracted again; any change that
could alter a document's record invalidates it; corrections apply on every run."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import pipeline
from conftest import CORPUS, ROOT
from pipeline import cache as cache_module
from pipeline.curation import read_curation_file
from pipeline.registry import registry_text
from pipeline.run import run

DOCS = ("emesse.txt", "reiessg.txt", "fr-occitanie-cae.md")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, folder)
    return folder


def cached(out: Path, prefix: str = "") -> list[str]:
    """The cache's document entries (keys in hexadecimal), or its named ones starting with `prefix`."""
    keys = cache_module.entries(out / ".cache")
    return [k for k in keys if k.startswith(prefix)] if prefix else [k for k in keys if "-" not in k]


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.parts}


def test_an_unchanged_corpus_is_not_extracted_again(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run([raw], out)
    before = outputs(out)
    second = run([raw], out)
    assert (first.reused, second.reused) == (0, len(DOCS))
    assert outputs(out) == before
    assert len(cached(out)) == len(DOCS)  # one per document


def test_the_cache_gives_the_records_extraction_gives(raw: Path, tmp_path: Path) -> None:
    run([raw], tmp_path / "out")
    run([raw], tmp_path / "out")
    run([raw], tmp_path / "fresh", use_cache=False)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "fresh")


def test_a_changed_document_is_extracted_again(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run([raw], out)
    text = (raw / "emesse.txt").read_text(encoding="utf-8")
    (raw / "emesse.txt").write_text(text.replace("2016", "2017"), encoding="utf-8")
    again = run([raw], out)
    assert again.reused == len(DOCS) - 1
    assert "2017" in (out / "emesse.json").read_text(encoding="utf-8")
    assert len(cached(out)) == len(DOCS)  # the old entry is gone


def test_a_changed_vocabulary_file_invalidates_everything(raw: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run([raw], out)
    package = tmp_path / "package"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "PACKAGE_DIR", package)
    assert run([raw], out).reused == len(DOCS)  # a copy of the same files: the same fingerprint
    lexicon = package / "vocab" / "fr" / "lexicon.yml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# a comment is a change\n", encoding="utf-8")
    assert run([raw], out).reused == 0


def test_a_new_version_invalidates_everything(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run([raw], out)
    monkeypatch.setattr(pipeline, "__version__", pipeline.__version__ + ".post1")
    assert run([raw], out).reused == 0


def test_a_damaged_entry_is_extracted_again(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run([raw], out)
    before = outputs(out)
    db = sqlite3.connect(out / ".cache" / cache_module.DATABASE)
    db.execute("UPDATE entries SET text = substr(text, 1, 100)")
    db.commit()
    db.close()
    assert run([raw], out).reused == 0
    assert outputs(out) == before


def test_corrections_apply_to_records_from_the_cache(raw: Path, tmp_path: Path) -> None:
    out, curation = tmp_path / "out", tmp_path / "curation"
    run([raw], out)
    curation.mkdir()
    (curation / "reiessg.yaml").write_text(
        "id: reiessg\ncorrections:\n- field: /chair\n  action: set\n  value: Youssef Ellouze\n"
        "  source_text: Youssef Ellouxe\n", encoding="utf-8")
    corrections = {"reiessg": read_curation_file(curation / "reiessg.yaml")}
    result = run([raw], out, curation=corrections)
    assert result.reused == len(DOCS)
    assert '"chair": "Youssef Ellouze"' in (out / "reiessg.json").read_text(encoding="utf-8")
    assert [p.id for p in result.curated] == ["reiessg"]
    run([raw], out)  # the correction withdrawn: the record as extracted again, still from the cache
    assert '"chair": "Youssef Ellouxe"' in (out / "reiessg.json").read_text(encoding="utf-8")


def test_refused_documents_are_kept_too(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "notes.odt").write_bytes(b"PK\x03\x04")
    (raw / "empty.txt").write_bytes(b"")
    run([raw], tmp_path / "out")
    again = run([raw], tmp_path / "out")
    assert again.reused == 2 and [e.code for e in again.refused] == ["empty", "unsupported_format"]


def test_the_registry_is_kept_while_the_names_are_the_same(raw: Path, tmp_path: Path) -> None:
    out, registry = tmp_path / "out", tmp_path / "registry"
    registry.mkdir()
    first = run([raw], out, registry=registry)
    written = (registry / "organizations.json").read_bytes()
    again = run([raw], out, registry=registry)
    assert first.registry is not None and again.registry is not None
    assert [e.to_json() for e in again.registry.entries] == [e.to_json() for e in first.registry.entries]
    assert again.registry.refs == first.registry.refs
    assert (registry / "organizations.json").read_bytes() == written
    (registry / "decisions.yaml").write_text("different:\n- [REIESSG, REMESS]\n", encoding="utf-8")
    assert len(cached(out, "registry-")) == 1
    run([raw], out, registry=registry)  # new decisions: the registry is built again (and the old entry pruned)
    assert len(cached(out, "registry-")) == 1
    kept, built = run([raw], out, registry=registry), run([raw], tmp_path / "fresh", registry=registry, use_cache=False)
    assert kept.registry is not None and built.registry is not None
    assert list(kept.registry.entries) == list(built.registry.entries)
    assert (registry / "organizations.json").read_text(encoding="utf-8") == registry_text(built.registry)


def _stamps(out: Path, registry: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in sorted([*out.rglob("*"), *registry.rglob("*")])
            if p.is_file() and ".cache" not in p.parts}


def test_an_unchanged_run_writes_nothing_and_says_what_the_last_one_did(raw: Path, tmp_path: Path) -> None:
    out, registry = tmp_path / "out", tmp_path / "registry"
    registry.mkdir()
    (raw / "empty.txt").write_bytes(b"")  # an error record, kept like a record
    first = run([raw], out, registry=registry)
    stamps, before = _stamps(out, registry), outputs(out)
    again = run([raw], out, registry=registry)
    assert _stamps(out, registry) == stamps and outputs(out) == before  # not a file rewritten
    assert again.reused == len(DOCS) + 1
    assert (again.documents, again.records, again.errors, again.warnings) == \
        (first.documents, first.records, first.errors, first.warnings)
    assert [e.code for e in again.refused] == [e.code for e in first.refused] == ["empty"]
    assert first.registry is not None and again.registry is not None
    assert again.registry.refs == first.registry.refs and again.registry.problems == first.registry.problems
    assert [e.to_json() for e in again.registry.entries] == [e.to_json() for e in first.registry.entries]
    assert len(cached(out, "run-")) == 1


def test_an_output_changed_since_the_last_run_is_written_again(raw: Path, tmp_path: Path) -> None:
    out, registry = tmp_path / "out", tmp_path / "registry"
    registry.mkdir()
    run([raw], out, registry=registry)
    before = outputs(out)
    (out / "emesse.json").unlink()
    (out / "profiles.jsonl").write_text("edited by hand\n", encoding="utf-8")
    run([raw], out, registry=registry)
    assert outputs(out) == before
    (raw / "emesse.txt").write_text((raw / "emesse.txt").read_text(encoding="utf-8").replace("2016", "2017"),
                                    encoding="utf-8")
    again = run([raw], out, registry=registry)  # a document changed: extracted again, the rest reused
    assert again.reused == len(DOCS) - 1 and "2017" in (out / "emesse.json").read_text(encoding="utf-8")
    assert len(cached(out, "run-")) == 1  # the old run's entry is pruned


def test_a_damaged_cache_database_is_started_again(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run([raw], out)
    before = outputs(out)
    for path in (out / ".cache").glob(cache_module.DATABASE + "*"):
        path.write_bytes(b"not a database" * 100)
    (out / ".cache" / ("0" * 64 + ".json")).write_text("record\n{}\n", encoding="utf-8")  # an older cache's file
    assert run([raw], out).reused == 0
    assert outputs(out) == before
    assert len(cached(out)) == len(DOCS) and not list((out / ".cache").glob("*.json"))
    assert run([raw], out).reused == len(DOCS)


def test_a_cache_of_an_earlier_layout_is_emptied_and_used_again(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".cache").mkdir(parents=True)
    db = sqlite3.connect(out / ".cache" / cache_module.DATABASE)
    db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID")
    db.execute("INSERT INTO entries VALUES (?, ?)", ("0" * 64, "record\n{}\n"))
    db.commit()
    db.close()
    assert run([raw], out).reused == 0
    db = sqlite3.connect(out / ".cache" / cache_module.DATABASE)
    assert db.execute("PRAGMA user_version").fetchone()[0] == cache_module.LAYOUT
    db.close()
    assert "0" * 64 not in cached(out) and len(cached(out)) == len(DOCS)
    assert run([raw], out).reused == len(DOCS)
