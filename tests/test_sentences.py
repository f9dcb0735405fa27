"""The founding stage finds sentences from the words that may end one (`sentence_spans`), tokenizing
only those: the same sentences as the token rule over the whole block (`sentences`)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CORPUS, VARIANTS
from pipeline.fields import _Extractor
from pipeline.readers import read_document
from pipeline.vocab import load_vocab

WORDS = ["The", "network", "was", "founded", "in", "2001.", "It", "U.S.", "etc.", "Dr.", "end.The", "(Ghana).",
         "«Réseau»", "créé", "!", "?", "«Il", "n'est", "e.g.", "3.5", "...", "A.", "Sr.", "l'ESS.", "¿Qué?", "¡Sí!"]


def _by_tokens(extractor: _Extractor, text: str) -> list[tuple[int, int]]:
    return [(s.start_char, s.end_char) for s in extractor.sentences(extractor.vocab.nlp.make_doc(text))]


def _extractor(lang: str) -> _Extractor:
    extractor = _Extractor.__new__(_Extractor)
    extractor.vocab = load_vocab(lang)
    return extractor


def _agrees(extractor: _Extractor, text: str) -> bool:
    spans = extractor.sentence_spans(text)
    if spans is None:  # left to the token rule
        return False
    assert spans == _by_tokens(extractor, text), text
    return True


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@given(words=st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=8).filter(lambda w: " " not in w),
                      min_size=1, max_size=30))
def test_sentences_from_words_are_the_token_rule_s(lang: str, words: list[str]) -> None:
    _agrees(_extractor(lang), " ".join(words))


def test_every_paragraph_of_the_test_documents() -> None:
    checked = 0
    for path in sorted([*CORPUS.glob("*.txt"), *CORPUS.glob("*.md"), *VARIANTS.glob("*.txt")]):
        doc = read_document(path, path.name, path.read_bytes())
        for lang in ("en", "fr", "es"):
            extractor = _extractor(lang)
            for block in doc.blocks:
                checked += _agrees(extractor, doc.block_text(block))
    assert checked > 300
