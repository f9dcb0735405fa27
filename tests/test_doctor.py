"""`profiles doctor`: one line per check, exit 0 on a sound installation and 1 when a check fails."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import doctor
from pipeline.cli import main, schema_documents
from pipeline.vocab import VocabError, available_languages


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_a_sound_installation_passes_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    lines = lines_of(capsys)
    assert all(line.split()[0] in ("ok", "skip") for line in lines), lines
    passed = {line.split(None, 1)[1].split(":")[0] for line in lines if line.startswith("ok ")}
    assert {"python", *doctor.KEY_PACKAGES, "JSON Schema", "sample document"} <= passed
    assert {f"vocabulary {lang}" for lang in available_languages()} <= passed


def test_a_missing_package_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(doctor, "KEY_PACKAGES", ("spacy", "no-such-package-installed"))
    assert main(["doctor"]) == 1
    assert "FAIL  no-such-package-installed: not installed" in lines_of(capsys)


def test_a_package_below_the_requirement_fails(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(doctor, "_requirements", lambda: {"spacy": ">=99"})
    assert main(["doctor"]) == 1
    assert any(line.startswith("FAIL  spacy:") and "needs >=99" in line for line in lines_of(capsys))


def test_a_broken_vocabulary_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(lang: str) -> None:
        raise VocabError(f"pipeline/vocab/{lang}/patterns.jsonl:3: invalid pattern")

    monkeypatch.setattr("pipeline.vocab.load_vocab", broken)
    assert main(["doctor"]) == 1
    assert "FAIL  vocabulary fr: VocabError: pipeline/vocab/fr/patterns.jsonl:3: invalid pattern" in lines_of(capsys)


def test_a_stale_schema_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in schema_documents().items():
        (tmp_path / name).write_text(text.replace('"title"', '"old_title"', 1), encoding="utf-8")
    monkeypatch.setattr(doctor, "_schema_dir", lambda: tmp_path)
    assert main(["doctor"]) == 1
    assert any(line.startswith("FAIL  JSON Schema") and "profiles schema" in line for line in lines_of(capsys))


def test_a_sample_that_extracts_wrong_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(doctor, "SAMPLE_EXPECTED", {**doctor.SAMPLE_EXPECTED, "founded.date": "1999-01-01"})
    assert main(["doctor"]) == 1
    assert any(line.startswith("FAIL  sample document: founded.date is '2015-01-31'") for line in lines_of(capsys))


def test_a_crashing_check_is_a_failure_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    def crash() -> doctor.Check:
        raise ImportError("libspacy.so: cannot open shared object file")

    monkeypatch.setattr(doctor, "CHECKS", (crash, doctor.check_python))
    assert main(["doctor"]) == 1
    assert lines_of(capsys)[0] == "FAIL  crash: ImportError: libspacy.so: cannot open shared object file"
