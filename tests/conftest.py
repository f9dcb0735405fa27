"""Shared test helpers: the checked-in dev corpus and the contract view of a record."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hypothesis_profiles  # noqa: F401 - registers and loads the Hypothesis profile (HYPOTHESIS_PROFILE)
from pipeline.models import SCHEMA_VERSION, Profile
from pipeline.run import Input, extract_document

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus"      # a copy of the shared dev corpus
VARIANTS = DATA / "variants"  # the project's own profiles: other phrasings and layouts, reviewed gold
GOLD_SUFFIX = ".expected.json"
DOCUMENTS = sorted((p for d in (CORPUS, VARIANTS) for p in d.iterdir() if p.is_file()
                    and not p.name.endswith(".json")), key=lambda p: p.name)
# Keys a gold file has: the record minus source, evidence and warnings.
NOT_IN_GOLD = ("source", "evidence", "warnings")
GOLD_SCHEMA_VERSION = "1.0"  # the contract version of the gold files


def gold_of(path: Path) -> dict[str, Any]:
    stem = path.name[: -len(path.suffix)]
    return json.loads((path.parent / f"{stem}{GOLD_SUFFIX}").read_text(encoding="utf-8"))


def extract(path: Path, root: Path | None = None) -> Any:
    rel = path.relative_to(root).as_posix() if root else path.name
    return extract_document(Input(path, rel))


def contract_view(profile: Profile) -> dict[str, Any]:
    """The record as a gold file has it: the 1.0 contract (1.1 only adds `partners[].ref`).

    The schema version is checked here, apart from the values: gold files say "1.0".
    """
    data = profile.model_dump(mode="json")
    for key in NOT_IN_GOLD:
        data.pop(key)
    assert data["schema_version"] == SCHEMA_VERSION
    data["schema_version"] = GOLD_SCHEMA_VERSION
    for partner in data["partners"]:
        partner.pop("ref")
    return data


@pytest.fixture(scope="session")
def corpus_records() -> dict[str, Profile]:
    """Every dev document extracted once per test session."""
    out = {}
    for path in DOCUMENTS:
        record = extract(path)
        assert isinstance(record, Profile), f"{path.name}: {record}"
        out[path.name] = record
    return out


@pytest.fixture(scope="session")
def warm_pipeline() -> None:
    """Load every language's vocabulary, spaCy and dateparser data once, so that timed tests time documents only."""
    for name in ("reiessg.txt", "fr-collectif-tunisien.txt", "es-red-colombiana.txt"):
        extract(CORPUS / name)
