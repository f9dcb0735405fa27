"""Dates the DATE patterns find are read without the date parser (`fields.plain_date`): the same reading."""
from __future__ import annotations

import itertools

import pytest

from pipeline.fields import _date_parser, plain_date
from pipeline.vocab import load_vocab

FORMS = {
    "en": ["{m} {y}", "{d} {m} {y}", "{m} {d}, {y}", "{d}th of {m} {y}", "{m} {d}th, {y}", "{y}"],
    "fr": ["{m} {y}", "{d} {m} {y}", "1er {m} {y}", "{y}"],
    "es": ["{m} {y}", "{m} de {y}", "{d} de {m} de {y}", "{d} {m} {y}", "{m} del {y}", "{y}"],
}


def _written(date, period: str) -> str:
    return date.strftime({"year": "%Y", "month": "%Y-%m"}.get(period, "%Y-%m-%d"))


@pytest.mark.parametrize("lang", sorted(FORMS))
def test_plain_dates_read_as_the_date_parser_reads_them(lang: str) -> None:
    vocab = load_vocab(lang)
    read = 0
    for month, form, day, year in itertools.product(vocab.lex.months, FORMS[lang], [1, 9, 28, 31], [1899, 2001]):
        text = form.format(m=month, d=day, y=year)
        fast = plain_date(text, vocab)
        slow = _date_parser(lang).get_date_data(text)
        if fast is None:  # left to the date parser: only when the form is not plain (an impossible day)
            assert day == 31, text
            continue
        read += 1
        assert slow.date_obj is not None, text
        assert _written(*fast) == _written(slow.date_obj, slow.period), text
    assert read > len(vocab.lex.months) * len(FORMS[lang]) * 6


@pytest.mark.parametrize("text", ["05/03/2001", "2001-03-05", "since March 2001", "2001 March", "12 2001",
                                  "March", "the 12th of March 2001", "31 February 2001"])
def test_other_forms_are_left_to_the_date_parser(text: str) -> None:
    assert plain_date(text, load_vocab("en")) is None
