"""Evidence: every value of every record points at the normalized text it came from."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import DOCUMENTS
from pipeline.fields import unquote_words
from pipeline.models import Profile
from pipeline.readers import read_document
from pipeline.vocab import fold, load_vocab

UNCITED = {"/schema_version", "/id", "/source", "/language", "/warnings", "/evidence"}


def leaves(value: Any, pointer: str = "") -> list[tuple[str, Any]]:
    """Every extracted scalar of a record with its JSON Pointer (nulls and empty texts are absent values)."""
    if pointer in UNCITED:
        return []
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, f"{pointer}/{k}")]
    if isinstance(value, list):
        return [leaf for n, v in enumerate(value) for leaf in leaves(v, f"{pointer}/{n}")]
    return [] if value in (None, "") else [(pointer, value)]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def holds(pointer: str, value: Any, source: str, lang: str) -> bool:
    """Whether `source` (the cited text) is where `value` came from."""
    folded = fold(unquote_words(source))
    if pointer == "/description":
        return all(" ".join(p.split()) in " ".join(source.split()) for p in value.split("\n\n"))
    if pointer.startswith("/contacts/phones/"):
        national = digits(value)[-8:]
        return national in digits(source)
    if pointer in ("/founded/date", "/member_since"):
        return value[:4] in source
    if pointer == "/founding_members_count":
        return str(value) in source or any(n == value and w in fold(source)
                                           for w, n in load_vocab(lang).lex.number_words.items())
    if pointer == "/country":
        vocab = load_vocab(lang)
        return vocab.countries.get(fold(source).rstrip(".")) == value or bool(digits(source))
    return fold(unquote_words(str(value))) in folded


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_value_has_evidence(path: Path, corpus_records: dict[str, Profile]) -> None:
    record = corpus_records[path.name]
    values = leaves(record.model_dump(mode="json"))
    missing = [pointer for pointer, _ in values if pointer not in record.evidence]
    assert not missing


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_evidence_spans_hold_the_source_text(path: Path, corpus_records: dict[str, Profile]) -> None:
    record = corpus_records[path.name]
    text = read_document(path, path.name, path.read_bytes()).text
    wrong = []
    for pointer, value in leaves(record.model_dump(mode="json")):
        span = record.evidence[pointer]
        assert 0 <= span.start < span.end <= len(text), pointer
        if not holds(pointer, value, text[span.start:span.end], record.language):
            wrong.append((pointer, value, text[span.start:span.end]))
    assert not wrong


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_evidence_points_only_at_values(path: Path, corpus_records: dict[str, Profile]) -> None:
    record = corpus_records[path.name]
    pointers = {pointer for pointer, _ in leaves(record.model_dump(mode="json"))}
    assert set(record.evidence) <= pointers
