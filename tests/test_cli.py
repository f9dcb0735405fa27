"""The `profiles` command, invoked in-process: exit codes, outputs, help."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from pipeline.cli import main


@pytest.mark.parametrize("command", ["extract", "schema", "validate", "review", "diff", "corrections",
                                     "corrections import", "names", "doctor"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command.split(), "--help"]) == 0
    out = capsys.readouterr().out
    assert "example: profiles" in out


def test_no_command_is_a_usage_error() -> None:
    assert main([]) == 2


def test_extract_writes_every_output(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "reiessg.txt", src)
    shutil.copy(CORPUS / "fr-occitanie-cae.md", src)
    assert main(["extract", str(src), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [".cache", "errors.jsonl", "focae.json", "manifest.json",
                                                     "profiles.jsonl", "reiessg.json", "tables"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"documents": 2, "records": 2, "errors": 0,
                                  "warnings": manifest["counts"]["warnings"]}
    assert [i["path"] for i in manifest["inputs"]] == ["fr-occitanie-cae.md", "reiessg.txt"]
    assert (out / "errors.jsonl").read_text() == ""
    assert len((out / "profiles.jsonl").read_text().splitlines()) == 2


def test_extract_exits_1_and_lists_refused_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "emesse.txt", src)
    (src / "empty.txt").write_bytes(b"")
    (src / "notes.odt").write_bytes(b"PK\x03\x04")
    assert main(["extract", str(src), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert {(e["source"]["path"], e["code"]) for e in errors} == {("empty.txt", "empty"),
                                                                  ("notes.odt", "unsupported_format")}
    assert "refused notes.odt: unsupported_format" in capsys.readouterr().err


def test_extract_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["extract", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2


def test_validate_accepts_records_and_rejects_broken_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["extract", str(CORPUS / "emesse.txt"), "--out", str(out), "--quiet"]) == 0
    assert main(["validate", str(out)]) == 0
    record = json.loads((out / "emesse.json").read_text())
    record["founded"]["date"] = "28/12/2016"
    (out / "emesse.json").write_text(json.dumps(record))
    assert main(["validate", str(out / "emesse.json")]) == 1


def output_files(out: Path) -> list[str]:
    """Every file a run wrote under `out`, relative; not the cache (.cache/) nor the review site (not extract's)."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and p.relative_to(out).parts[0] not in (".cache", "review"))


def test_checked_in_extracted_is_current(tmp_path: Path) -> None:
    """extracted/ holds exactly what `profiles extract` makes of raw/ today."""
    assert main(["extract", str(ROOT / "raw"), "--out", str(tmp_path), "--quiet"]) == 0
    expected = output_files(ROOT / "extracted")
    assert output_files(tmp_path) == expected
    for name in expected:
        if name.endswith(".parquet"):  # its bytes name the pyarrow version that wrote it: compare the tables
            import pyarrow.parquet as pq

            assert pq.read_table(tmp_path / name).equals(pq.read_table(ROOT / "extracted" / name)), name
            continue
        assert (tmp_path / name).read_bytes() == (ROOT / "extracted" / name).read_bytes(), name


def test_same_input_same_bytes(tmp_path: Path) -> None:
    for run in ("a", "b"):
        assert main(["extract", str(CORPUS), "--out", str(tmp_path / run), "--quiet", "--no-cache"]) in (0, 1)
    assert output_files(tmp_path / "a") == output_files(tmp_path / "b")
    for name in output_files(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_rerun_removes_records_of_documents_that_are_gone(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "emesse.txt", src)
    shutil.copy(CORPUS / "reiessg.txt", src)
    out = tmp_path / "out"
    main(["extract", str(src), "--out", str(out), "--quiet"])
    (src / "reiessg.txt").unlink()
    (out / "notes.json").write_text("{}")  # not ours: left alone
    main(["extract", str(src), "--out", str(out), "--quiet"])
    assert not (out / "reiessg.json").exists()
    assert (out / "emesse.json").exists() and (out / "notes.json").exists()
