"""Vocabularies: every language has the same kinds, every pattern validates."""
from __future__ import annotations

import pytest
import yaml

from pipeline.vocab import SECTION_KINDS, VOCAB_DIR, available_languages, load_vocab

LANGS = available_languages()


def test_english_french_spanish_have_data() -> None:
    assert {"en", "fr", "es"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_language_has_every_section_kind(lang: str) -> None:
    data = yaml.safe_load((VOCAB_DIR / lang / "sections.yml").read_text(encoding="utf-8"))
    english = yaml.safe_load((VOCAB_DIR / "en" / "sections.yml").read_text(encoding="utf-8"))
    assert set(data) == set(english)
    assert all(data[kind]["headings"] for kind in SECTION_KINDS)


@pytest.mark.parametrize("lang", LANGS)
def test_lexicon_has_the_same_lists_as_english(lang: str) -> None:
    data = yaml.safe_load((VOCAB_DIR / lang / "lexicon.yml").read_text(encoding="utf-8"))
    english = yaml.safe_load((VOCAB_DIR / "en" / "lexicon.yml").read_text(encoding="utf-8"))
    assert set(data) == set(english)
    assert set(data["labels"]) == set(english["labels"])


@pytest.mark.parametrize("lang", LANGS)
def test_vocabulary_loads_and_patterns_validate(lang: str) -> None:
    vocab = load_vocab(lang)  # Matcher(validate=True) rejects a malformed pattern here
    assert vocab.lang == lang
    assert len(vocab.patterns) > 0
    assert {"FOUNDED", "CHAIR", "DATE"} <= set(vocab.pattern_labels.values())


@pytest.mark.parametrize("lang", LANGS)
def test_country_lists_cover_the_world(lang: str) -> None:
    assert len(set(load_vocab(lang).countries.values())) >= 190


def test_language_without_data_uses_english_rules() -> None:
    assert load_vocab("de").lang == "en"


def test_public_accessors_return_the_cached_lexicon_and_countries() -> None:
    from pipeline import vocab

    for lang in available_languages():
        assert vocab.lexicon(lang) is vocab.lexicon(lang) is load_vocab(lang).lex
        assert vocab.countries(lang) is vocab.countries(lang)
        assert set(vocab.countries(lang)) <= set(load_vocab(lang).countries)
