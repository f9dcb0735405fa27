"""Cheap tests that spare the matchers most lines give the answers the matchers give."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.models import Block, Document
from pipeline.sections import _Finder
from pipeline.vocab import load_vocab

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
