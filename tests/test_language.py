"""Language: the function-word shortcut agrees with langdetect, and steps aside for other languages."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langdetect import DetectorFactory, detect

from conftest import DOCUMENTS, gold_of
from pipeline.language import by_function_words, detect_language, ensure_profiles, sample_of
from pipeline import language
from pipeline.readers import read_document
from pipeline.vocab import function_words


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_shortcut_agrees_with_langdetect(path: Path) -> None:
    sample = sample_of(read_document(path, path.name, path.read_bytes()))
    ensure_profiles()
    DetectorFactory.seed = 0
    assert by_function_words(sample) == detect(sample) == gold_of(path)["language"]


@pytest.mark.parametrize(("text", "lang"), [
    ("A Rede Brasileira de Economia Solidária é uma associação criada em 2010 por 20 cooperativas e associações "
     "que trabalham com comércio justo e finanças solidárias em todo o país.", "pt"),
    ("La Rete Italiana di Economia Solidale è un'associazione nata nel 2010 che riunisce cooperative, associazioni "
     "e gruppi di acquisto solidale per promuovere il commercio equo e la finanza etica.", "it"),
])
def test_other_languages_go_to_langdetect(tmp_path: Path, text: str, lang: str) -> None:
    assert by_function_words(text) is None
    path = tmp_path / "p.txt"
    path.write_text(f"Rede (R)\n\n{text}\n", encoding="utf-8")
    assert detect_language(read_document(path, "p.txt", path.read_bytes())).language == lang


@given(st.lists(st.sampled_from(list("aeiouDLSÉÀÇİẞǅΣσ ,.'’-1") + ["les ", "The ", "LOS ", "de ", "and "]),
                max_size=120).map("".join))
def test_the_sample_lowered_at_once_gives_the_words_lowered_one_by_one(sample: str) -> None:
    words = [w.lower() for w in language._WORD.findall(sample)]
    owner = language._function_word_language()
    counts = Counter(dict.fromkeys(function_words(), 0))
    counts.update(filter(None, map(owner.get, words)))
    ranked = counts.most_common(2) + [("", 0)]
    (best, top), (_, second) = ranked[0], ranked[1]
    expected = best if words and top >= language.DECISIVE_SHARE * len(words) and \
        top >= language.DECISIVE_LEAD * max(second, 1) else None
    assert language.by_function_words(sample) == expected
