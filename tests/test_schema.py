"""The checked-in JSON Schema is the one the pydantic models generate, and records satisfy it."""
from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import ROOT
from pipeline.cli import schema_documents
from pipeline.models import Profile


@pytest.mark.parametrize("name", sorted(schema_documents()))
def test_checked_in_schema_is_current(name: str) -> None:
    checked_in = (ROOT / "schemas" / name).read_text(encoding="utf-8")
    assert checked_in == schema_documents()[name], "run `make schema` (profiles schema) and commit schemas/"


def test_records_satisfy_the_json_schema(corpus_records: dict[str, Profile]) -> None:
    schema = json.loads(schema_documents()["profile.schema.json"])
    validator = jsonschema.Draft202012Validator(schema)
    for name, record in corpus_records.items():
        errors = list(validator.iter_errors(record.model_dump(mode="json")))
        assert not errors, f"{name}: {errors[0].message}"


def test_schema_documents_the_evidence() -> None:
    schema = json.loads(schema_documents()["profile.schema.json"])
    evidence = schema["$defs"]["Evidence"]
    assert set(evidence["properties"]) == {"start", "end", "page", "rule"}
    assert "JSON Pointer" in schema["properties"]["evidence"]["description"]
