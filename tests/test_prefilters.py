"""Cheap tests that spare the matchers most lines give the answers the matchers give."""
from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import fields, names
from pipeline.models import Block, Document
from pipeline.sections import _Finder
from pipeline.vocab import fold, load_vocab

HEADINGS = ["Objectives", "Our objectives:", "Nos projets", "**Partenaires**", "Contact", "Perspectivas", "Proyectos",
            "1. Nos objectifs", "Approaches & methods", "Objectifs :", "Partners —", "ESS", "Contacto/Contact"]
WORDS = ["the", "Our", "Main", "de", "la", "#", "*", "-", ":", "(", ")", "»", "2001", "network", "Réseau", "_", "…"]


def _kind(lang: str, text: str, filtered: bool) -> object:
    vocab = load_vocab(lang)
    if not filtered:
        vocab = dataclasses.replace(vocab, heading_ends=None)
    doc = Document(path="x.txt", sha256="0", format="txt", text=text, blocks=[Block("heading", 0, len(text))])
    return _Finder(doc, vocab)._heading_kind(text)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@given(before=st.lists(st.sampled_from(WORDS), max_size=3), heading=st.sampled_from(HEADINGS),
       after=st.lists(st.sampled_from(WORDS + [":", ".", "!", "**"]), max_size=3))
def test_the_heading_filter_changes_no_answer(lang: str, before: list[str], heading: str, after: list[str]) -> None:
    text = " ".join([*before, heading, *after])
    assert _kind(lang, text, True) == _kind(lang, text, False), text


@pytest.mark.parametrize(("lang", "text", "kind"), [("en", "Objectives", "objectives"), ("fr", "Nos projets :", "projects"),
                                                    ("es", "**Socios**", "partners"), ("en", "Objectives of 2001", None)])
def test_headings_are_still_found(lang: str, text: str, kind: str | None) -> None:
    found = _kind(lang, text, True)
    assert (found[0] if found else None) == kind  # type: ignore[index]


LEADINS = ["The objectives of the network are:", "Nos objectifs sont les suivants :", "Sus proyectos:",
           "Among its partners:", "Le réseau travaille avec :", "Sus socios son", "We plan to:", "Other things:"]


def _opener(lang: str, text: str, filtered: bool) -> object:
    vocab = load_vocab(lang)
    if not filtered:
        vocab = dataclasses.replace(vocab, leadin_words=None)
    item = "- one item"
    doc = Document(path="x.txt", sha256="0", format="txt", text=text + "\n" + item,
                   blocks=[Block("paragraph", 0, len(text)), Block("item", len(text) + 1, len(text) + 1 + len(item))])
    return _Finder(doc, vocab).opener(0)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@given(before=st.lists(st.sampled_from(WORDS), max_size=4), leadin=st.sampled_from(LEADINS),
       after=st.lists(st.sampled_from(WORDS + [":", "are", "sont"]), max_size=30))
def test_the_leadin_filter_changes_no_answer(lang: str, before: list[str], leadin: str, after: list[str]) -> None:
    text = " ".join([*before, leadin, *after])
    assert _opener(lang, text, True) == _opener(lang, text, False), text


# --------------------------------------------------------------------------- names: words read by token

NAME_WORDS = ["Réseau", "Network", "of", "the", "Burkina", "Faso", "Faso.", "Côte", "d'Ivoire", "République", "du",
              "Congo", "Senegal.", "Sénégalais", "L'Union", "d’Afrique", "Sierra", "Leone,", "Cooperative", "Women’s",
              "Costa", "Rica", "United", "States", "(RNESS)", "Economy;", "Solidarity:", "ESS/SSE", "South", "Africa"]


def _words_naively(comparer: names.NameComparer, text: str) -> list[str]:
    """`NameComparer._content_words` as first written: every phrase length tried at every word."""
    raw = [w for w in names._WORD_SPLIT.split(fold(text)) if w]
    countries = comparer.vocab.countries
    longest = max(len(k.split()) for k in countries)
    out, i = [], 0
    while i < len(raw):
        for size in range(min(longest, len(raw) - i), 0, -1):
            phrase = " ".join(raw[i:i + size])
            if phrase in countries:
                out.append("@" + countries[phrase])
                i += size
                break
        else:
            word = raw[i].strip(".'’\"")
            if len(word) > 1 and word not in comparer.stop:
                out.append(word)
            i += 1
    return out


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@given(words=st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=12))
def test_content_words_try_only_the_phrases_a_word_starts(lang: str, words: list[str]) -> None:
    comparer = names.NameComparer(load_vocab(lang))
    text = " ".join(words)
    assert comparer._content_words(text) == _words_naively(comparer, text)


@pytest.mark.parametrize("lang", ["en", "fr"])
@given(words=st.lists(st.sampled_from(NAME_WORDS), min_size=2, max_size=10))
def test_a_window_of_tokens_that_no_country_phrase_crosses_has_its_tokens_words(lang: str, words: list[str]) -> None:
    comparer = names.NameComparer(load_vocab(lang))
    text = " ".join(words)
    tokens = names.name_tokens(text)
    spans = [(m.start(), m.end()) for m in names._NAME_TOKEN.finditer(text)]
    infos = comparer.token_infos(tokens)
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens)):
            if any(info.crosses for info in infos[i:j]):
                continue
            first, last = text[spans[i][0]:spans[i][1]].strip(","), text[spans[j][0]:spans[j][1]].rstrip(",.")
            inner = [w for info in infos[i + 1:j] for w in info.words]
            window = text[spans[i][0]:spans[j][0] + len(last)]
            assert [*comparer.words(first), *inner, *comparer.words(last)] == _words_naively(comparer, window), window


def _share_naively(wa: tuple[str, ...], wb: tuple[str, ...]) -> float:
    matched, pool = 0, list(wb)
    for w in wa:
        scores = [names.word_similarity(w, x) for x in pool]
        if scores and max(scores) >= names.WORD_SIMILARITY:
            matched += 1
            pool.pop(scores.index(max(scores)))
    return 2 * matched / (len(wa) + len(wb)) if wa and wb else 0.0


SHARE_WORDS = ["reseau", "reseaux", "national", "nationale", "economie", "economy", "sociale", "social", "@bf", "@sn",
               "bruxelles", "bruxelloise", "solidaire", "solidarity"]


@given(wa=st.lists(st.sampled_from(SHARE_WORDS), max_size=6), wb=st.lists(st.sampled_from(SHARE_WORDS), max_size=6))
def test_the_same_word_is_matched_at_once(wa: list[str], wb: list[str]) -> None:
    assert names.NameComparer.word_share(tuple(wa), tuple(wb)) == _share_naively(tuple(wa), tuple(wb))


SPACED = st.text(alphabet=st.sampled_from(list("ab.!? \t\u00a0\n\u2003")), max_size=24)


@given(text=SPACED)
def test_single_spacing_is_told_as_the_whitespace_pattern_tells_it(text: str) -> None:
    # `sentence_spans` checks `" ".join(text.split()) != text`: what this pattern finds (str.split and
    # the pattern's \s agree on what is whitespace).
    odd = re.compile(r"\s\s|[^\S ]|^\s|\s$")
    assert (" ".join(text.split()) != text) == bool(odd.search(text))


@given(text=SPACED)
def test_punctuated_words_are_found_at_word_starts_only(text: str) -> None:
    every_position = re.compile(r"[^ ]*[.!?][^ ]*")
    assert [m.span() for m in fields._PUNCT_WORD.finditer(text)] == [m.span() for m in every_position.finditer(text)]
