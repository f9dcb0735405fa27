"""Read every field of the record from the document's layout, each value with its evidence.

`extract_fields` returns a `Draft`: the record's values as plain data, the evidence of
each value keyed by its JSON Pointer, and the warnings. `validate.py` turns it into a
`Profile`. Rules come from the language's vocabulary; nothing here names an organization.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import numpy
import phonenumbers
from dateparser.date import DateDataParser
from spacy.attrs import ORTH
from spacy.matcher import Matcher
from spacy.strings import hash_string
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span
from spacy.util import filter_spans

from pipeline import names
from pipeline.models import Block, Document, Section, Warning
from pipeline.sections import Layout, label_of
from pipeline.vocab import Vocab, fold

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s|,;<>\"'()]+", re.I)
_DOMAIN = re.compile(r"(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s|,;<>\"']*)?", re.I)
_EDGE = " \t;,.:-–—•"
_PAIRS = {'"': '"', "“": "”", "«": "»", "‘": "’", "'": "'", "„": "“"}
_SENTENCE_END = {".", "!", "?"}
_CONTACT_FIELDS = ("address", "phone", "email", "website")


# --------------------------------------------------------------------------- cleaning with offsets


def trim(text: str, start: int) -> tuple[str, int, int]:
    """Strip edge punctuation and surrounding quotes; return the clean text and its span."""
    s, e = 0, len(text)
    while True:
        before = (s, e)
        while s < e and text[s] in _EDGE:
            s += 1
        while e > s and (text[e - 1] in _EDGE or text[e - 1].isspace()):
            if text[e - 1] == "." and text[max(s, e - 3):e] == "...":
                break  # "mutuals ..." keeps its ellipsis
            e -= 1
        if e - s >= 2 and text[s] in _PAIRS and text[e - 1] == _PAIRS[text[s]]:
            s, e = s + 1, e - 1
        if (s, e) == before:
            break
    return " ".join(text[s:e].split()), start + s, start + e


def drop_article(text: str, start: int, articles: frozenset[str]) -> tuple[str, int]:
    """Drop a leading article ("The World Bank" -> "World Bank", "L'approche" -> "approche")."""
    match = re.match(r"^(\S+?)(?:\s+|(?<=['’]))(?=\S)", text)
    if match:
        word = fold(match.group(1))
        if word in articles or (word.endswith("'") and word in articles):
            return text[match.end():], start + match.end()
    elided = re.match(r"^([A-Za-z]['’])(?=\w)", text)
    if elided and fold(elided.group(1)) in articles:
        return text[elided.end():], start + elided.end()
    return text, start


def unquote_words(text: str) -> str:
    """Remove quotation marks around words: 'The "human rights" approach' -> 'The human rights approach'."""
    text = re.sub(r"[\"“”«»„]", "", text)
    text = re.sub(r"(?<!\w)['‘’]|['‘’](?!\w)", "", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- the draft record


@dataclass
class Draft:
    """The record being built: values, evidence per JSON Pointer, warnings."""

    doc: Document
    values: dict[str, Any] = field(default_factory=dict)
    # Each value's `Evidence` as plain data (`start`, `end`, `page`, `rule`): validated with the record.
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.paged = any(block.page is not None for block in self.doc.blocks)

    def cite(self, pointer: str, start: int, end: int, rule: str | None) -> None:
        self.evidence[pointer] = {"start": start, "end": end, "page": self.doc.page_at(start) if self.paged else None,
                                  "rule": rule}

    def warn(self, code: str, message: str, pointer: str | None = None) -> None:
        self.warnings.append(Warning(code=code, message=message, field=pointer))


# --------------------------------------------------------------------------- the extractor


# A space-separated word holding ".", "!" or "?": tried only where a word starts (after a space), not at
# every character of every word.
_PUNCT_WORD = re.compile(r"(?<![^ ])[^ ]*[.!?][^ ]*")
_WORD_TOKENS: dict[int, tuple[Vocab, dict[str, tuple[str, ...]]]] = {}


def _word_tokens(vocab: Vocab) -> Callable[[str], tuple[str, ...]]:
    """The token texts of one space-free word, as the vocabulary's tokenizer cuts it (kept per word)."""
    hit = _WORD_TOKENS.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        hit = _WORD_TOKENS[id(vocab)] = (vocab, {})
    kept, tokenizer = hit[1], vocab.nlp.tokenizer

    def tokens(word: str) -> tuple[str, ...]:
        found = kept.get(word)
        if found is None:
            if len(kept) > 20_000:  # words a process keeps, per vocabulary
                kept.clear()
            found = kept[word] = tuple(t.text for t in tokenizer(word))
        return found
    return tokens


@cache
def _sentence_end_ids() -> numpy.ndarray:
    """The ORTH ids of the tokens that may end a sentence."""
    return numpy.array([hash_string(t) for t in sorted(_SENTENCE_END)], dtype=numpy.uint64)


def _span_start(span: Span) -> int:
    return span.start


_LOOKAROUND = re.compile(r"\\[bBAZ]|\(\?[=!<]")


def _trigger(spec: dict[str, Any]) -> str | None:
    """A regular expression that finds, in a lower-cased text, every token this token pattern can match."""
    lower = spec.get("LOWER")
    if isinstance(lower, str):
        return re.escape(lower)
    if isinstance(lower, dict) and isinstance(lower.get("IN"), list) and lower["IN"]:
        return "|".join(re.escape(str(w)) for w in sorted(lower["IN"], key=len, reverse=True))
    if isinstance(lower, dict) and isinstance(lower.get("REGEX"), str) and not _LOOKAROUND.search(lower["REGEX"]):
        source = lower["REGEX"]  # searched in a token, so in the text around it too, once unanchored
        source = source[1:] if source.startswith("^") else source
        return source[:-1] if source.endswith("$") and not source.endswith("\\$") else source
    return None


def _selectivity(spec: dict[str, Any]) -> int:
    """How rarely a token pattern may match: its shortest word's length (5 for a regular expression)."""
    lower = spec["LOWER"]
    if isinstance(lower, str):
        return len(lower)
    return min(map(len, lower["IN"])) if "IN" in lower else 5


class _Patterns:
    """A vocabulary's founding and chair patterns, each with the words that must be in a text it matches.

    Each pattern gives the words of one of its required tokens (the one with the longest
    shortest word, a regular expression counting as 5 letters): a block or sentence whose
    lower-cased text contains none of a rule's words cannot match it. Most paragraphs of
    a profile hold none, and are neither tokenized nor matched; a sentence is matched with
    the rules whose words it holds only. Dates have their own matcher, run when a
    founding pattern needs them.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.rules: list[tuple[str, re.Pattern[str] | None]] = []  # (rule, its words; None: no words known)
        self.tokens: dict[str, list[Any]] = {}  # rule -> the LOWER value of each pattern's required token
        self.dates = Matcher(vocab.nlp.vocab)
        for rule, label in vocab.pattern_labels.items():
            patterns = vocab.patterns.get(rule)[1]
            if label == "DATE":
                self.dates.add(rule, patterns)
                continue
            words: list[str] | None = []
            specs: list[dict[str, Any]] = []
            for pattern in patterns:
                best = max(((_selectivity(spec), t, spec) for spec in pattern if spec.get("OP") in (None, "+")
                            for t in [_trigger(spec)] if t is not None), default=None, key=lambda c: c[0])
                if best is None or words is None:
                    words = None
                else:
                    words.append(best[1])
                    specs.append(best[2]["LOWER"])
            self.rules.append((rule, re.compile("|".join(f"(?:{w})" for w in words)) if words else None))
            self.tokens[rule] = specs
        known = [w.pattern for _, w in self.rules if w is not None]
        self.any = re.compile("|".join(f"(?:{w})" for w in known)) \
            if self.rules and all(w is not None for _, w in self.rules) else None
        self._events: dict[tuple[str, ...], Matcher] = {}
        # The most words of a number phrase ("une douzaine"), and every start of one: a token whose
        # folded text starts none starts no number.
        numbers = vocab.lex.number_words
        self.number_longest = max((len(w.split()) for w in numbers), default=1)
        self.number_starts = frozenset(w[:n] for w in numbers for n in range(1, len(w) + 1))

    def triggered(self, text: str, lowered: str, start: int, end: int, whole: bool = False) -> tuple[str, ...]:
        """The rules whose words `text[start:end]` holds (`lowered` is `text.lower()`).

        With `whole` (a text spaced by single spaces), a word counts only where the tokenizer
        cuts it out of its space-separated word as a token of its own ("formed", not the
        "formed" of "informed"): as the matcher will see it.
        """
        if len(lowered) != len(text):  # lower-casing changed the length: the slice itself
            text, lowered, start, end, whole = text[start:end], text[start:end].lower(), 0, end - start, False
        found = []
        for rule, words in self.rules:
            if words is None:
                found.append(rule)
                continue
            for match in words.finditer(lowered, start, end):
                if not whole or self._is_token(rule, text, match.start()):
                    found.append(rule)
                    break
        return tuple(found)

    def _is_token(self, rule: str, text: str, at: int) -> bool:
        """Whether the space-separated word of `text` around `at` holds a token a required token of `rule` matches."""
        begin = text.rfind(" ", 0, at) + 1
        end = text.find(" ", at)
        for piece in _word_tokens(self.vocab)(text[begin:] if end < 0 else text[begin:end]):
            lower = piece.lower()
            for spec in self.tokens[rule]:
                if isinstance(spec, str):
                    if lower == spec:
                        return True
                elif "IN" in spec:
                    if lower in spec["IN"]:
                        return True
                elif re.search(spec["REGEX"], lower):
                    return True
        return False

    def events(self, rules: tuple[str, ...]) -> Matcher:
        """A matcher of these founding and chair rules (built once per set of rules)."""
        matcher = self._events.get(rules)
        if matcher is None:
            matcher = self._events[rules] = Matcher(self.vocab.nlp.vocab)
            for rule in rules:
                matcher.add(rule, self.vocab.patterns.get(rule)[1])
        return matcher


_PATTERNS: dict[int, _Patterns] = {}


def _patterns(vocab: Vocab) -> _Patterns:
    hit = _PATTERNS.get(id(vocab))
    if hit is None or hit.vocab is not vocab:
        hit = _PATTERNS[id(vocab)] = _Patterns(vocab)
    return hit


@cache
def _date_parser(lang: str) -> DateDataParser:
    """The date parser of a language (built once per process: it is costly to build)."""
    return DateDataParser(languages=[lang], settings={"PREFER_DAY_OF_MONTH": "first"})


@cache
def _month_numbers(lang: str, months: tuple[str, ...]) -> dict[str, int]:
    """Each month word of the lexicon -> its number, as the date parser reads it ("févr." -> 2)."""
    numbers = {}
    for month in months:
        data = _date_parser(lang).get_date_data(f"{month} 2000")
        if data.date_obj is not None and data.period == "month":
            numbers[month] = data.date_obj.month
    return numbers


_DATE_WORD = re.compile(r"[^\W\d_]+\.?|\d+(?:st|nd|rd|th|er)?|[^\s,]")


def plain_date(text: str, vocab: Vocab) -> tuple[datetime, str] | None:
    """A date written as the DATE patterns find them, read without the date parser (whose reading it gives).

    A year ("2001"), a month and year ("March 2001", "mars 2001", "marzo de 2001"), or a day,
    month and year in either order ("12 March 2001", "March 12th, 2001", "1er mars 2001");
    the language's stop words ("of", "de") may stand inside it. Returns the date and its
    period ("year", "month", "day"), or None for anything else (numeric dates, whose order
    of day and month depends on the language, words it does not know, impossible days).
    """
    months = _month_numbers(vocab.lang, vocab.lex.months)
    year = month = day = None
    for word in _DATE_WORD.findall(text.lower()):
        if word[0].isdigit():
            digits = word.rstrip("stndrhe")
            if len(digits) == 4 and digits == word and year is None and 1800 <= int(digits) < 2100:
                year = int(digits)
            elif len(digits) <= 2 and day is None and year is None:
                day = int(digits)
            else:
                return None
        elif word in months and month is None and year is None:
            month = months[word]
        elif (day is None and month is None) or year is not None or fold(word) not in vocab.lex.stopwords:
            return None  # a stop word only inside the date ("12 of March", "marzo de 2001")
    if year is None or (day is not None and month is None):
        return None
    try:
        date = datetime(year, month or 1, day or 1)
    except ValueError:
        return None
    return date, "year" if month is None else "month" if day is None else "day"


@cache
def _intro_patterns(intros: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """One pattern that finds any of the alias intros (a paragraph without any skips them all), then one each."""
    if not intros:
        return ()
    each = tuple(re.compile(rf"\b{re.escape(intro)}\s+") for intro in intros)
    return (re.compile("|".join(p.pattern for p in each)), *each)


class _Extractor:
    def __init__(self, doc: Document, layout: Layout, vocab: Vocab) -> None:
        self.doc = doc
        self.layout = layout
        self.vocab = vocab
        self.lex = vocab.lex
        self.draft = Draft(doc)
        self._phones: dict[tuple[str, str | None], list[phonenumbers.PhoneNumberMatch]] = {}
        self.by_kind: dict[str, list[Section]] = {}
        for section in layout.sections:
            self.by_kind.setdefault(section.kind, []).append(section)

    # ------------------------------------------------------------------ helpers

    def text(self, i: int) -> str:
        return self.doc.block_text(self.doc.blocks[i])

    def blocks(self, kind: str) -> list[int]:
        return [i for s in self.by_kind.get(kind, []) for i in s.blocks]

    def rule(self, kind: str) -> str | None:
        sections = self.by_kind.get(kind)
        return sections[0].rule if sections else None

    def tokens(self, i: int) -> SpacyDoc:
        return self.vocab.nlp.make_doc(self.text(i))

    def sentences(self, tokens: SpacyDoc) -> list[Span]:
        """The sentences of a block: each ends on ".", "!" or "?" followed by a capital."""
        out, start = [], 0
        n = len(tokens)
        for i in numpy.flatnonzero(numpy.isin(tokens.to_array(ORTH), _sentence_end_ids())).tolist():
            if i + 1 < n and tokens[i + 1].text[:1].isupper():
                out.append(tokens[start:i + 1])
                start = i + 1
        out.append(tokens[start:])
        return [s for s in out if len(s)]

    def parse_date(self, text: str, pointer: str, start: int, end: int, month_only: bool = False) -> str | None:
        found = plain_date(text, self.vocab)
        if found is None:  # anything else: the date parser's reading
            data = _date_parser(self.vocab.lang).get_date_data(text)
            if data.date_obj is None:
                self.draft.warn("date_unparsed", f"could not read a date in {text!r}", pointer)
                return None
            found = data.date_obj, data.period
        date, period = found
        if period == "year":
            return f"{date.year:04d}"
        if period == "month" or month_only:
            return f"{date.year:04d}-{date.month:02d}"
        return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"

    # ------------------------------------------------------------------ title, header, description

    def title(self) -> names.Title | None:
        d = self.draft
        i = self.layout.title
        if i is not None:
            block = self.doc.blocks[i]
            text = self.text(i)
            found = names.parse_title(text)
            d.values["name"] = found.name
            d.cite("/name", block.start, block.start + len(found.name), "title")
            if found.acronym:
                d.values["acronym"] = found.acronym
                start = block.start + (found.acronym_offset or 0)
                d.cite("/acronym", start, start + len(found.acronym), "title")
            return found
        return None

    def name_from_prose(self) -> None:
        """No title line: the first "The Full Name (ACR)" of the description names the organization."""
        d = self.draft
        for i in self.blocks("description")[:2]:
            text = self.text(i)
            match = re.search(r"(?P<name>[A-ZÀ-Ý][^()]{3,150}?)\s*\((?P<acr>[^()]{2,40})\)", text)
            if not match or not names.looks_like_acronym(match.group("acr")):
                continue
            name, offset = drop_article(match.group("name"), match.start("name"), self.lex.articles)
            start = self.doc.blocks[i].start
            d.values["name"] = name.strip()
            d.cite("/name", start + offset, start + offset + len(name.strip()), "prose.name_acronym")
            acronym = names.strip_quotes(match.group("acr"))
            d.values["acronym"] = acronym
            a = start + text.index(acronym, match.start("acr"))
            d.cite("/acronym", a, a + len(acronym), "prose.name_acronym")
            d.warn("no_title", "no title line; the name was read from the first sentence", "/name")
            return

    def acronym_from_prose(self) -> None:
        """A title without acronym: the description's "Full Name (ACR)" gives it."""
        d = self.draft
        target = fold(d.values["name"])
        for i in self.blocks("description")[:2]:
            text = self.text(i)
            for match in re.finditer(r"\((?P<acr>[^()]{2,40})\)", text):
                if names.looks_like_acronym(match.group("acr")) and fold(text[:match.start()]).rstrip().endswith(target):
                    acronym = names.strip_quotes(match.group("acr"))
                    a = self.doc.blocks[i].start + text.index(acronym, match.start())
                    d.values["acronym"] = acronym
                    d.cite("/acronym", a, a + len(acronym), "prose.name_acronym")
                    return

    def header(self) -> None:
        d = self.draft
        header = list(self.layout.header)
        n = 0
        while n < len(header):
            i = header[n]
            block = self.doc.blocks[i]
            text = self.text(i)
            found = label_of(text, self.vocab.all_labels)
            if found is None:  # a bare region line
                if "region" not in d.values:
                    value, s, e = trim(text, block.start)
                    d.values["region"] = value
                    d.cite("/region", s, e, "header.bare_region")
                n += 1
                continue
            name, value, offset = found
            start = block.start + offset
            if not value and n + 1 < len(header):  # the value is on the next line
                n += 1
                start = self.doc.blocks[header[n]].start
                value = self.text(header[n])
            value, s, e = trim(value, start)
            if value:
                self.header_value(name, value, s, e)
            n += 1

    def header_value(self, name: str, value: str, s: int, e: int) -> None:
        d = self.draft
        rule = f"header.{name}"
        if name == "region" and "region" not in d.values:
            d.values["region"] = value
            d.cite("/region", s, e, rule)
        elif name == "member_since" and "member_since" not in d.values:
            date = self.parse_date(value, "/member_since", s, e, month_only=True)
            if date:
                d.values["member_since"] = date[:7]
                d.cite("/member_since", s, e, rule)
        elif name == "chair" and "chair" not in d.values:
            person = self.person(self.vocab.nlp.make_doc(value), 0)
            if person:
                ps, pe = person
                d.values["chair"] = value[ps:pe]
                d.cite("/chair", s + ps, s + pe, rule)
        elif name == "founded" and "date" not in d.values["founded"]:
            date = self.parse_date(value, "/founded/date", s, e)
            if date:
                d.values["founded"]["date"] = date
                d.cite("/founded/date", s, e, rule)
        elif name == "founding_members" and "founding_members_count" not in d.values:
            number = re.search(r"\d+", value)
            if number:
                d.values["founding_members_count"] = int(number.group(0))
                d.cite("/founding_members_count", s + number.start(), s + number.end(), rule)
        elif name == "country" and "country" not in d.values:
            code = self.vocab.countries.get(fold(value))
            if code:
                d.values["country"] = code
                d.cite("/country", s, e, rule)

    def description(self) -> None:
        d = self.draft
        paragraphs: list[list[str]] = []
        first = last = None
        for i in self.blocks("description"):
            block = self.doc.blocks[i]
            if block.kind not in ("paragraph",):
                continue
            if block.gap_before or not paragraphs:
                paragraphs.append([])
            paragraphs[-1].append(self.text(i))
            first = block.start if first is None else first
            last = block.end
        if paragraphs and first is not None and last is not None:
            d.values["description"] = "\n\n".join(" ".join(" ".join(p).split()) for p in paragraphs)
            d.cite("/description", first, last, "description")

    # ------------------------------------------------------------------ founding, chair

    def person(self, tokens: SpacyDoc | Span, start: int) -> tuple[int, int] | None:
        """Char span (relative to the tokens' text) of a person's name starting at token `start`."""
        lex = self.lex
        i = start
        while i < len(tokens) and fold(tokens[i].text) in lex.articles:
            i += 1
        while i < len(tokens) and (fold(tokens[i].text) in lex.honorifics
                                   or fold(tokens[i].text + ".") in lex.honorifics and i + 1 < len(tokens)
                                   and tokens[i + 1].text == "."):
            i += 2 if i + 1 < len(tokens) and tokens[i + 1].text == "." and not tokens[i].text.endswith(".") else 1
        first = last = None
        j = i
        while j < len(tokens):
            t = tokens[j]
            word = t.text
            if word[:1].isupper() and any(c.islower() for c in word) or (word.isupper() and len(word) > 1 and first is not None):
                first = j if first is None else first
                last = j
            elif word in ("-", "'", "’") and first is not None and not t.whitespace_ and j + 1 < len(tokens):
                pass
            elif fold(word) in lex.name_particles and first is not None and j + 1 < len(tokens) \
                    and tokens[j + 1].text[:1].isupper():
                pass
            else:
                break
            j += 1
        if first is None or last is None:
            return None
        base = tokens[0].idx
        return tokens[first].idx - base, tokens[last].idx + len(tokens[last]) - base

    def founding(self) -> None:
        """The founding date, place and members, and the chair, from the sentences of the description and header
        that hold one of the patterns' words: only those sentences are tokenized, and matched with those patterns."""
        patterns = _patterns(self.vocab)
        values = self.draft.values
        for i in self.blocks("description") + [i for i in self.layout.header]:
            if "date" in values["founded"] and "chair" in values:
                return  # nothing left to find
            text = self.text(i)
            lowered = text.lower()
            if patterns.any is not None and not patterns.any.search(lowered):
                continue  # no word that opens a founding or chair pattern: nothing to find here
            start = self.doc.blocks[i].start
            spans = self.sentence_spans(text)
            make_doc = self.vocab.nlp.make_doc
            if spans is None:  # a sentence may end inside a word, or odd spacing: the whole block, tokenized
                tokens = make_doc(text)
                chosen = ((tokens, sentence, 0, rules) for sentence in self.sentences(tokens)
                          for rules in [patterns.triggered(text, lowered, sentence.start_char, sentence.end_char)]
                          if rules)
            else:
                chosen = ((doc, doc[:], a, rules) for a, b in spans
                          for rules in [patterns.triggered(text, lowered, a, b, whole=True)] if rules
                          for doc in [make_doc(text[a:b])])
            for tokens, sentence, offset, rules in chosen:  # the patterns never cross a sentence's end
                if "date" in values["founded"] and "chair" in values:
                    break
                self.events_in(tokens, sentence, text, start, offset, patterns.events(rules), patterns.dates)

    def events_in(self, tokens: SpacyDoc, sentence: Span, text: str, start: int, offset: int, events: Matcher,
                  dates_in: Matcher) -> None:
        """The founding and chair patterns in one sentence of `tokens` (the block's text from `offset`)."""
        d = self.draft
        labels = self.vocab.pattern_labels
        base = sentence.start
        dates: list[Span] | None = None  # matched when a founding pattern needs them
        for m, s, e in events(sentence):
            rule = self.vocab.rule(m)
            label = labels[rule]
            e += base
            if label == "FOUNDED" and "date" not in d.values.setdefault("founded", {}):
                if dates is None:
                    found = [(self.vocab.rule(m), base + s, base + e) for m, s, e in dates_in(sentence)]
                    dates = filter_spans([tokens[s:e] for _, s, e in found])
                    date_rules = {(s, e): r for r, s, e in found}
                self.founded_in(sentence, e, dates, date_rules, rule, start + offset)
            elif label == "CHAIR" and "chair" not in d.values:
                person = self.person(tokens, e)
                if person:
                    ps, pe = person[0] + offset, person[1] + offset
                    d.values["chair"] = text[ps:pe]
                    d.cite("/chair", start + ps, start + pe, rule)

    def sentence_spans(self, text: str) -> list[tuple[int, int]] | None:
        """The char spans of the sentences `sentences` would find in the tokens of `text`, tokenizing only the
        words that hold ".", "!" or "?" and the words after them (spaCy tokenizes each space-separated word on
        its own). None when that cannot be known so: other spacing than single spaces, or a sentence that
        ends inside a word ("end.The")."""
        if " ".join(text.split()) != text:  # any whitespace but single spaces between words
            return None
        words = _word_tokens(self.vocab)
        ends: list[int] = []
        for match in _PUNCT_WORD.finditer(text):
            pieces = words(match.group())
            if any(p in _SENTENCE_END and pieces[k + 1][:1].isupper() for k, p in enumerate(pieces[:-1])):
                return None
            after = match.end() + 1
            if pieces[-1] in _SENTENCE_END and after < len(text):
                space = text.find(" ", after)
                following = text[after:space if space >= 0 else len(text)]
                if words(following)[0][:1].isupper():
                    ends.append(match.end())
        spans, begin = [], 0
        for end in ends:
            spans.append((begin, end))
            begin = end + 1
        spans.append((begin, len(text)))
        return spans

    def founded_in(self, sentence: Span, trigger_end: int, dates: list[Span], date_rules: dict[tuple[int, int], str],
                   rule: str, offset: int) -> None:
        d = self.draft
        first = bisect_left(dates, sentence.start, key=_span_start)  # dates are sorted and do not overlap
        inside = []
        for span in dates[first:]:
            if span.start >= sentence.end:
                break
            if span.end <= sentence.end:
                inside.append(span)
        after = [s for s in inside if s.start >= trigger_end]
        chosen = after[0] if after else (inside[-1] if inside else None)
        if chosen is None:
            return
        founded = d.values["founded"]
        start, end = offset + chosen.start_char, offset + chosen.end_char
        date = self.parse_date(chosen.text, "/founded/date", start, end)
        if date is None:
            return
        founded["date"] = date
        date_rule = date_rules.get((chosen.start, chosen.end), "date")
        d.cite("/founded/date", start, end, f"{rule}+{date_rule}")
        self.place(sentence, trigger_end, chosen, rule, offset)
        self.founders(sentence, trigger_end, chosen, rule, offset)

    def place(self, sentence: Span, trigger_end: int, date: Span, rule: str, offset: int) -> None:
        d = self.draft
        preps = self.lex_list("place_prepositions")
        tokens = sentence.doc
        months = set(self.lex.months)
        for t in sentence:
            if t.i < trigger_end or fold(t.text) not in preps or t.i + 1 >= sentence.end:
                continue
            j = t.i + 1
            if date.start <= j < date.end or tokens[j].text.lower() in months or not tokens[j].text[:1].isupper():
                continue
            k = j
            while k + 1 < sentence.end and (tokens[k + 1].text[:1].isupper() or
                                            (tokens[k + 1].text in "-'’" and not tokens[k].whitespace_)
                                            or (tokens[k].text in "-'’" and not tokens[k].whitespace_)):
                k += 1
            span = tokens[j:k + 1]
            if fold(span.text) in self.vocab.countries or span.text.isupper():
                continue
            d.values["founded"]["place"] = span.text
            d.cite("/founded/place", offset + span.start_char, offset + span.end_char, rule)
            return

    def founders(self, sentence: Span, trigger_end: int, date: Span, rule: str, offset: int) -> None:
        d = self.draft
        tokens = sentence.doc
        stops = self.lex_list("not_founding_markers")
        nouns = self.lex.member_nouns
        words = self.lex.number_words
        patterns = _patterns(self.vocab)
        longest, starts = patterns.number_longest, patterns.number_starts
        for i in range(max(sentence.start, trigger_end), sentence.end):
            if date.start <= i < date.end:
                continue
            t = tokens[i]
            text = t.text
            folded = fold(text)
            if folded in stops:
                return
            value, size = None, 1
            if text.isdigit() and len(text) <= 4 and int(text) < 1800:
                value = int(text)
            elif folded in starts:  # "seven", "une douzaine": the longest number phrase starting here
                for size in range(min(longest, sentence.end - i), 0, -1):
                    # fold of the tokens with their spaces is fold(span.text)
                    value = words.get(fold("".join([w.text_with_ws for w in tokens[i:i + size]])))
                    if value:
                        break
            if not value:
                continue
            for k in range(t.i + size, min(t.i + size + 5, sentence.end)):
                if tokens[k].is_punct and tokens[k].text != "-":
                    break
                if fold(tokens[k].text) in nouns:
                    d.values["founding_members_count"] = value
                    d.cite("/founding_members_count", offset + t.idx, offset + tokens[k].idx + len(tokens[k]), rule)
                    return

    def lex_list(self, name: str) -> frozenset[str]:
        return getattr(self.lex, name)

    # ------------------------------------------------------------------ list sections

    def items(self, kind: str) -> list[tuple[str, int, int]]:
        """The items of the sections of `kind`: list items, else lines, else a prose list split."""
        out: list[tuple[str, int, int]] = []
        for section in self.by_kind.get(kind, []):
            if section.opener in self.layout.inline_starts:
                out += self.prose_list(section.opener, self.layout.inline_starts[section.opener])
                continue
            blocks = [self.doc.blocks[i] for i in section.blocks]
            listed = [b for b in blocks if b.kind == "item"]
            chosen = listed or [b for b in blocks if b.kind in ("paragraph", "row")]
            for block in chosen:
                start = block.cells[0][0] if block.cells else block.start
                end = block.cells[0][1] if block.cells else block.end
                value, s, e = trim(self.doc.text[start:end], start)
                if value:
                    out.append((value, s, e))
        return out

    def prose_list(self, i: int, start: int) -> list[tuple[str, int, int]]:
        """Split "A; B; and, C." into items."""
        block = self.doc.blocks[i]
        text = self.doc.text[start:block.end]
        out = []
        pos = 0
        pieces = text.split(";")
        for n, piece in enumerate(pieces):
            s = start + pos
            pos += len(piece) + 1
            if n == len(pieces) - 1:
                match = re.match(r"^\s*(\w+)\s*,?\s+", piece)
                if match and fold(match.group(1)) in self.lex_list("list_conjunctions"):
                    s += match.end()
                    piece = piece[match.end():]
            value, vs, ve = trim(piece, s)
            if value:
                out.append((value, vs, ve))
        return out

    def text_items(self, kind: str) -> None:
        d = self.draft
        rule = self.rule(kind)
        values = []
        for n, (value, s, e) in enumerate(self.items(kind)):
            values.append({"text": value})
            d.cite(f"/{kind}/{n}/text", s, e, rule)
        d.values[kind] = values
        if kind in self.by_kind and not values:
            d.warn("section_empty", f"a {kind} section was found but no item could be read from it", f"/{kind}")

    def approaches(self) -> None:
        d = self.draft
        rule = self.rule("approaches")
        out = []
        for value, s, e in self.items("approaches"):
            name, text = value, ""
            name_start, name_end = s, e
            split = self.split_label(value)
            if split is not None:
                left, right_at = split
                name, name_end = left, s + len(left)
                text, ts, te = trim(value[right_at:], s + right_at)
            name, name_start = drop_article(name.strip(), name_start, self.lex.articles)
            n = len(out)
            out.append({"name": unquote_words(trim(name, 0)[0]), "text": text})
            d.cite(f"/approaches/{n}/name", name_start, name_end, rule)
            if text:
                d.cite(f"/approaches/{n}/text", ts, te, rule)
        d.values["approaches"] = out

    @staticmethod
    def split_label(value: str) -> tuple[str, int] | None:
        """'Name: explanation' (or 'Name – explanation' with a short name) -> (name, offset of explanation)."""
        match = re.search(r"\s*:\s+|\s*:$", value)
        if match and len(value[:match.start()].split()) <= 12:
            return value[:match.start()], match.end()
        match = re.search(r"\s+[–—-]\s+", value)
        if match and len(value[:match.start()].split()) <= 8:
            return value[:match.start()], match.end()
        return None

    def partner_names(self) -> list[tuple[str, int, int]]:
        """The partner items; a paragraph listing names ("A (ACR), B; and C") is split at its separators."""
        out: list[tuple[str, int, int]] = []
        for value, s, e in self.items("partners"):
            pieces = list(re.finditer(r"[^;]+", value)) if ";" in value else list(re.finditer(r"[^,]+", value))
            names_like = len(pieces) > 1 and all(p.group(0).strip()[:1].isupper() for p in pieces)
            if not names_like or any(b.kind == "item" for b in self.section_blocks("partners")):
                out.append((value, s, e))
                continue
            for piece in pieces:
                text, ps, pe = trim(piece.group(0), s + piece.start())
                conj = re.match(r"^(\w+)\s+(?=[A-ZÀ-Ý])", text)
                if conj and fold(conj.group(1)) in self.lex.list_conjunctions:
                    text, ps = text[conj.end():], ps + conj.end()
                if text:
                    out.append((text, ps, pe))
        return out

    def section_blocks(self, kind: str) -> list[Block]:
        return [self.doc.blocks[i] for i in self.blocks(kind)]

    def partners(self) -> None:
        d = self.draft
        rule = self.rule("partners")
        out = []
        for value, s, e in self.partner_names():
            value, s = drop_article(value, s, self.lex.articles)
            acronym = None
            match = re.search(r"\s*\(([^()]{2,40})\)$", value)
            n = len(out)
            if match and names.looks_like_acronym(match.group(1)):
                acronym = names.strip_quotes(match.group(1))
                a = s + value.index(acronym, match.start())
                d.cite(f"/partners/{n}/acronym", a, a + len(acronym), rule)
                value = value[:match.start()]
            name = value.strip()
            out.append({"name": name, "acronym": acronym})
            d.cite(f"/partners/{n}/name", s, s + len(name), rule)
        d.values["partners"] = out

    # ------------------------------------------------------------------ projects

    def split_action(self, text: str) -> int | None:
        """Offset where the objective starts in 'Project Name Objective text', at a capitalized action word."""
        words = list(re.finditer(r"\S+", text))
        verbs = self.lex.action_verbs
        nouns = self.lex.action_nouns
        ranked: list[tuple[int, int]] = []  # (rank, offset): verbs before nouns, an object after it first
        for n, word in enumerate(words[1:], start=1):
            w = word.group(0)
            if not w[:1].isupper() or len(words) - n < 3:
                continue
            key = fold(w.strip(".,;:'\"“”"))
            # A verb is followed by its object ("Provide drip kits"), a name word by a name word.
            then = words[n + 1].group(0)
            weak = 0 if then[:1].islower() or then[:1].isdigit() else 2
            if key in verbs:
                ranked.append((weak, word.start()))
            elif key in nouns:
                ranked.append((weak + 1, word.start()))
        return min(ranked)[1] if ranked else None

    def projects(self) -> None:
        d = self.draft
        rule = self.rule("projects")
        out: list[dict[str, Any]] = []

        def add_project(name: str, s: int, e: int) -> None:
            d.cite(f"/projects/{len(out)}/name", s, e, rule)
            out.append({"name": name, "objectives": []})

        def add_objective(text: str, s: int, e: int) -> None:
            objectives = out[-1]["objectives"]
            d.cite(f"/projects/{len(out) - 1}/objectives/{len(objectives)}", s, e, rule)
            objectives.append(text)

        for section in self.by_kind.get("projects", []):
            blocks = [self.doc.blocks[i] for i in section.blocks]
            has_names = any(b.kind in ("heading", "row", "paragraph") for b in blocks)
            for n, block in enumerate(blocks):
                text, start = self.doc.block_text(block), block.start
                nxt = blocks[n + 1] if n + 1 < len(blocks) else None
                if block.kind == "row":
                    cells = [(self.doc.text[a:b], a) for a, b in block.cells]
                    if self.is_table_header(cells):
                        continue
                    name, s, e = trim(*cells[0])
                    if not name:
                        continue
                    add_project(name, s, e)
                    for cell, at in cells[1:]:
                        value, s, e = trim(cell, at)
                        if value:
                            add_objective(value, s, e)
                elif block.kind == "item" and out and has_names:
                    value, s, e = trim(text, start)
                    if value:
                        add_objective(value, s, e)
                elif block.kind == "item":  # "Name : objective" items, no name lines
                    split = self.split_label(text)
                    left = split[0] if split else text
                    name, s, e = trim(left, start)
                    add_project(name, s, e)
                    if split:
                        value, vs, ve = trim(text[split[1]:], start + split[1])
                        if value:
                            add_objective(value, vs, ve)
                else:
                    if block.kind == "paragraph" and self.is_prose(text) and not (nxt and nxt.kind == "item"):
                        continue  # an introductory sentence, not a project
                    at = self.split_action(text) if block.kind == "paragraph" else None
                    name, s, e = trim(text[:at] if at else text, start)
                    if not name:
                        continue
                    add_project(name, s, e)
                    if at:
                        value, vs, ve = trim(text[at:], start + at)
                        add_objective(value, vs, ve)
        d.values["projects"] = out

    def is_table_header(self, cells: list[tuple[str, int]]) -> bool:
        joined = " ".join(c for c, _ in cells)
        tokens = self.vocab.nlp.make_doc(joined)
        return any(e - s == len(tokens) for _, s, e in self.vocab.headings(tokens))

    @staticmethod
    def is_prose(text: str) -> bool:
        return len(text.split()) > 14 and text.rstrip().endswith(".")

    # ------------------------------------------------------------------ contacts and country

    def contacts(self) -> None:
        d = self.draft
        rule = self.rule("contacts")
        lines: list[tuple[str | None, str, int]] = []  # (label field, value, offset)
        blocks = self.blocks("contacts")
        n = 0
        while n < len(blocks):
            i = blocks[n]
            block = self.doc.blocks[i]
            text = self.text(i)
            found = label_of(text, self.vocab.all_labels)
            if found and found[0] not in _CONTACT_FIELDS:  # "President: ..." among the contacts
                value, s, e = trim(found[1], block.start + found[2])
                if value:
                    self.header_value(found[0], value, s, e)
            elif found:
                name, value, offset = found
                if not value.strip() and n + 1 < len(blocks) and not label_of(self.text(blocks[n + 1]),
                                                                               self.vocab.all_labels):
                    n += 1
                    nb = self.doc.blocks[blocks[n]]
                    lines.append((name, self.text(blocks[n]), nb.start))
                elif value.strip():
                    lines.append((name, value, block.start + offset))
            elif not found:
                lines.append((None, text, block.start))
            n += 1
        address = None
        emails: list[tuple[str, int, int]] = []
        sites: list[tuple[str, int, int]] = []
        phone_lines: list[tuple[str, int]] = []
        for name, value, at in lines:
            found_emails = [(m.group(0), at + m.start(), at + m.end()) for m in _EMAIL.finditer(value)]
            emails += found_emails
            rest = _EMAIL.sub(lambda m: " " * len(m.group(0)), value)  # offsets kept
            found_sites = [(m.group(0).rstrip(".,:"), at + m.start(), at + m.start() + len(m.group(0).rstrip(".,:")))
                           for m in (_URL.finditer(rest) if name != "website" else
                                     (_URL.finditer(rest) if _URL.search(rest) else _DOMAIN.finditer(rest)))]
            sites += found_sites
            if name == "address" or (name is None and address is None and not found_emails and not found_sites
                                     and len(re.findall(r"[^\W\d_]{2,}", value)) >= 2
                                     and re.search(r"[\d,]", value) and not value.rstrip().endswith(":")):
                if name == "address" or not self.phones_in(value, None):
                    if address is None:
                        address = trim(value, at)
                    continue
            if name in ("phone", None):
                phone_lines.append((value, at))
        if address:
            d.values["contacts"]["address"] = address[0]
            d.cite("/contacts/address", address[1], address[2], rule)
        for key, found in (("emails", emails), ("websites", sites)):
            seen: list[str] = []
            for value, s, e in found:
                if value.lower() in (v.lower() for v in seen):
                    continue
                d.cite(f"/contacts/{key}/{len(seen)}", s, e, rule)
                seen.append(value)
            d.values["contacts"][key] = seen
        self.country(phone_lines)
        self.phones(phone_lines, rule)

    def phones_in(self, text: str, region: str | None) -> list[phonenumbers.PhoneNumberMatch]:
        key = (text, region)
        found = self._phones.get(key)
        if found is None:  # the country and the phones stages read the same lines
            try:
                found = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE))
            except Exception:  # noqa: BLE001 - phonenumbers raises on odd input; a phone is then just absent
                found = []
            self._phones[key] = found
        return found

    def phones(self, lines: list[tuple[str, int]], rule: str | None) -> None:
        d = self.draft
        region = d.values.get("country")
        out: list[str] = []
        for value, at in lines:
            for match in self.phones_in(value, region):
                number = match.number
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                if e164 in out:
                    continue
                pointer = f"/contacts/phones/{len(out)}"
                if not phonenumbers.is_valid_number(number):
                    d.warn("phone_invalid", f"{match.raw_string!r} is not a valid number for "
                           f"{phonenumbers.region_code_for_number(number) or region}", pointer)
                d.cite(pointer, at + match.start, at + match.end, rule)
                out.append(e164)
            if region is None and re.search(r"\d{2}[\s.]?\d{2}[\s.]?\d{2}", value) and not self.phones_in(value, None):
                d.warn("phone_no_country", f"{value!r} has no country prefix and the country is unknown",
                       "/contacts/phones")
        d.values["contacts"]["phones"] = out

    def country(self, phone_lines: list[tuple[str, int]]) -> None:
        """Country from the address, else an international phone prefix, else the name or description."""
        d = self.draft
        address = d.values["contacts"].get("address")
        if address and "country" not in d.values:  # the address's last part ("..., Dakar, Senegal")
            start = d.evidence["/contacts/address"]["start"]
            last = re.split(r",|\s[-–]\s", address)[-1]
            found = self.country_in(last, start + len(address) - len(last), last=True)
            if found:
                d.values["country"], s, e = found
                d.cite("/country", s, e, "country.address")
        if "country" not in d.values:
            for value, at in phone_lines:
                for match in self.phones_in(value, None):
                    code = phonenumbers.region_code_for_number(match.number)
                    if code and code != "ZZ":
                        d.values["country"] = code
                        d.cite("/country", at + match.start, at + match.end, "country.phone_prefix")
                        return
        if "country" not in d.values and self.layout.title is not None:
            i = self.layout.title
            found = self.country_in(self.text(i), self.doc.blocks[i].start)
            if found:
                d.values["country"], s, e = found
                d.cite("/country", s, e, "country.title")
                return
        if "country" not in d.values:  # the description, when it names one country only
            hits = [hit for i in self.blocks("description")
                    for hit in self.country_in(self.text(i), self.doc.blocks[i].start, every=True)]
            if len({code for code, _, _ in hits}) == 1:
                d.values["country"], s, e = hits[0]
                d.cite("/country", s, e, "country.description")

    def country_in(self, text: str, start: int, last: bool = False, every: bool = False) -> Any:
        """The first (or last, or every) country name or demonym in `text`, with its span."""
        words = list(re.finditer(r"[^\W\d_][\w'’.-]*", text))
        hits = []
        longest = 4
        for n in range(len(words)):
            for size in range(min(longest, len(words) - n), 0, -1):
                s, e = words[n].start(), words[n + size - 1].end()
                phrase = fold(text[s:e]).rstrip(".")
                code = self.vocab.countries.get(phrase)
                if code:
                    hits.append((code, start + s, start + e))
                    break
        if every or not hits:
            return hits if every else None
        return hits[-1] if last else hits[0]

    # ------------------------------------------------------------------ aliases

    def aliases(self, title: names.Title | None) -> None:
        d = self.draft
        name, acronym = d.values.get("name"), d.values.get("acronym")
        if not name:
            return
        comparer = names.NameComparer(self.vocab)
        known_names = [name]
        found: dict[str, tuple[int, int, str]] = {}
        own = {fold(name), fold(acronym or "")}

        def add(text: str, s: int, e: int, rule: str) -> bool:
            text = " ".join(text.split())
            if not text or fold(text) in own or fold(text) in {fold(k) for k in found}:
                return False
            found[text] = (s, e, rule)
            return True

        if title and title.others and self.layout.title is not None:
            base = self.doc.blocks[self.layout.title].start
            for other, offset in title.others:
                add(other, base + offset, base + offset + len(other), "title.translation")
                known_names.append(other)
        # Prose: the description, and every sentence-like paragraph outside the contact block.
        contacts = set(self.blocks("contacts"))
        prose = [i for i, b in enumerate(self.doc.blocks) if b.kind == "paragraph" and i not in contacts
                 and i != self.layout.title and len(self.text(i).split()) >= 6]
        partner_acronyms = {names.acronym_key(p["acronym"]) for p in d.values.get("partners", []) if p["acronym"]}
        tokens = {i: names.name_tokens(self.text(i)) for i in prose}
        if len(comparer.words(name)) >= 2:  # the bounds of every paragraph's words, in one comparison
            comparer.bounds({w for words in tokens.values() for w in words}, name)
        for i in tokens:
            text, base = self.text(i), self.doc.blocks[i].start
            taken: list[tuple[int, int]] = []
            folded = fold(text)
            intros = _intro_patterns(self.lex.alias_intros)
            for intro in intros[1:] if intros and intros[0].search(folded) else ():  # longest first
                for match in intro.finditer(folded):
                    if any(s <= match.start() < e for s, e in taken):
                        continue
                    taken.append(match.span())
                    rest = text[match.end():]
                    cut = re.search(r"[,;.()]|\s(is|est|es|was|a été|fue)\s", rest)
                    phrase = rest[:cut.start()] if cut else rest
                    phrase, s = drop_article(phrase.strip(), base + match.end(), self.lex.articles)
                    if len(phrase.split()) >= 2:
                        add(phrase, s, s + len(phrase), "alias.intro")
                        known_names.append(phrase)
            for s, e in names.name_windows(text, comparer, name, tokens[i]):
                add(text[s:e], base + s, base + e, "alias.same_words")
                known_names.append(text[s:e])
        known_names = list(dict.fromkeys(known_names))  # a repeated paragraph repeats them: compare each once
        if acronym:
            for i in dict.fromkeys(prose):
                text, base = self.text(i), self.doc.blocks[i].start
                for match in names.ACRONYM_IN_TEXT.finditer(text):
                    candidate = match.group(1)
                    key = names.acronym_key(candidate)
                    if candidate == acronym or key in partner_acronyms or not candidate.isupper() \
                            or text.startswith(acronym, match.start()):  # "RENAPESS" of "RENAPESS Mali"
                        continue
                    if self.introduced_as_other(text, match.start(), comparer, known_names):
                        continue
                    if names.same_acronym(acronym, candidate, known_names, comparer) and \
                            add(candidate, base + match.start(), base + match.end(), "alias.acronym"):
                        if key != names.acronym_key(acronym):
                            self.draft.warn("alias_guessed", f"{candidate!r} taken as a variant of {acronym!r}",
                                            "/aliases")
        ordered = sorted(found)
        d.values["aliases"] = ordered
        for n, text in enumerate(ordered):
            s, e, rule = found[text]
            d.cite(f"/aliases/{n}", s, e, rule)

    def introduced_as_other(self, text: str, at: int, comparer: names.NameComparer, known: list[str]) -> bool:
        """Whether the acronym at `at` stands in parentheses after a name unlike ours (another organization)."""
        if at == 0 or text[at - 1] != "(":
            return False
        words = text[:at - 1].split()[-16:]
        for name in known:  # is any phrase ending here, of 1 to 16 words, like one of our names?
            size = len(comparer.words(name))
            bounds = comparer.bounds(words, name)
            most = 0
            for n in range(1, len(words) + 1):
                most += bounds.get(words[-n], 0)
                if names.may_reach(most, size) and \
                        comparer.similarity(" ".join(words[-n:]), name) >= names.NAME_SIMILARITY:
                    return False
        return True

    # ------------------------------------------------------------------ all fields

    def run(self) -> Draft:
        d = self.draft
        d.values.update(founded={}, contacts={"address": None, "phones": [], "emails": [], "websites": []})
        title = self.title()
        if "name" not in d.values:
            self.name_from_prose()
        elif "acronym" not in d.values:
            self.acronym_from_prose()
        self.header()
        self.description()
        self.founding()
        self.approaches()
        self.text_items("objectives")
        self.projects()
        self.partners()
        self.text_items("perspectives")
        self.contacts()
        self.aliases(title)
        self.truncation()
        return d

    def truncation(self) -> None:
        """A document cut off mid-sentence: its last item is kept, and flagged.

        Cut off means the last block ends on an article or a link word ("... for the"), on
        a comma or a hyphen, or lacks the final punctuation every item before it has.
        """
        blocks = self.doc.blocks
        last = blocks[-1]
        text = self.doc.block_text(last).rstrip()
        words = text.split()
        siblings = [self.doc.block_text(b).rstrip() for b in blocks[-6:-1] if b.kind == last.kind == "item"]
        cut = bool(words) and (fold(words[-1]) in self.lex.stopwords | self.lex.articles or text[-1] in ",-–"
                               or (len(siblings) >= 2 and all(s[-1] in ".;" for s in siblings)
                                   and text[-1] not in ".;!?)»”\""))
        if cut:
            self.draft.warn("truncated", f"the document seems cut off mid-sentence after {text[-40:]!r}; "
                            "its last value may be partial")


def extract_fields(doc: Document, layout: Layout, vocab: Vocab) -> Draft:
    """Read every field of the record from the document's layout."""
    return _Extractor(doc, layout, vocab).run()
