"""Golden files: each dev document's record equals its reviewed gold on every contract field."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DOCUMENTS, contract_view, gold_of
from pipeline.models import Profile


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_record_matches_gold(path: Path, corpus_records: dict[str, Profile]) -> None:
    assert contract_view(corpus_records[path.name]) == gold_of(path)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_record_names_its_source(path: Path, corpus_records: dict[str, Profile]) -> None:
    record = corpus_records[path.name]
    assert record.source.path == path.name
    assert record.source.format == {".txt": "txt", ".md": "md", ".html": "html"}[path.suffix]
    assert len(record.source.sha256) == 64
