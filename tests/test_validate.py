"""`profiles validate` on a record, a JSON Lines file or a directory, and the JSON Schema's documentation."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS
from pipeline.cli import main, schema_documents
from pipeline.models import SCHEMA_VERSION


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    assert main(["extract", str(CORPUS / "emesse.txt"), str(CORPUS / "reiessg.txt"), "--out", str(folder),
                 "--quiet"]) == 0
    return folder


def break_record(record: dict[str, Any]) -> dict[str, Any]:
    record["founded"]["date"] = "28/12/2016"
    record["partners"][0]["name"] = 7
    record["evidence"]["/name"]["start"] = -1
    record["colour"] = "blue"
    return record


BROKEN = ["/founded/date", "/partners/0/name", "/evidence/~1name/start", "/colour"]


@pytest.mark.parametrize("target", ["record", "jsonl", "directory"])
def test_validate_accepts_what_extract_writes(out: Path, target: str) -> None:
    path = {"record": out / "emesse.json", "jsonl": out / "profiles.jsonl", "directory": out}[target]
    assert main(["validate", str(path)]) == 0


def test_validate_lists_every_violation_of_a_record_with_its_json_pointer(
        out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = out / "reiessg.json"
    path.write_text(json.dumps(break_record(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: invalid: 4 problems" in err
    for pointer in BROKEN:
        assert f"{path}: {pointer}: " in err


def test_validate_names_the_line_of_a_jsonl_file(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = out / "profiles.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = json.dumps(break_record(json.loads(lines[1])))
    lines.append("{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    for pointer in BROKEN:
        assert f"{path}:2: {pointer}: " in err
    assert f"{path}:3: /: Invalid JSON" in err
    assert f"{path}:1:" not in err
    assert "1 valid, 2 invalid records" in err


def test_every_field_of_the_schema_is_described() -> None:
    for name, text in schema_documents().items():
        schema = json.loads(text)
        assert schema["$id"].endswith(f"/{SCHEMA_VERSION}/{name}") and schema["title"] and schema["description"]
        for model_name, model in [("", schema), *schema.get("$defs", {}).items()]:
            assert model.get("description"), f"{name} {model_name}"
            for field, spec in model.get("properties", {}).items():
                assert spec.get("description"), f"{name} {model_name}.{field}"
