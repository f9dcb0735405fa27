"""Name keys for matching organization names across documents: words, keys, initials, similarity.

A name is compared by its content words: folded (`vocab.fold`: case and accents),
split at punctuation, apostrophes and hyphens, the stop words and articles of every
language dropped, and a country name or demonym of any language read as its ISO code
(`@BF` for "Burkinabè" and for "du Burkina Faso"). Every distinct string is analysed
once per registry build (`Words` caches), so the cost follows the number of distinct
spellings, not of mentions.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from pipeline import vocab
from pipeline.names import acronym_key
from pipeline.vocab import LANGUAGES, fold

NAME_MERGE = 0.9   # similarity of two names alone to merge them
WORD_MATCH = 85    # rapidfuzz ratio for two words to count as one (a typo)

_TOKEN = re.compile(r"\w+")  # a word of a folded name: punctuation, apostrophes and hyphens separate words
# The same split for ASCII text, in C: every ASCII character that is not \w becomes a space.
_ASCII_WORDS = str.maketrans({chr(c): " " for c in range(128) if not re.match(r"\w", chr(c))})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class NameRules:
    """Every language's stop words and articles, and country names and demonyms (as word strings)."""

    stop: frozenset[str]
    articles: frozenset[str]
    countries: dict[str, str]
    country_starts: dict[str, int]  # first word of a country phrase -> its longest length in words
    first_words: frozenset[str]     # the same first words, as a set


@cache
def name_rules() -> NameRules:
    """The word lists of every language (read from the vocab files, without building spaCy pipelines)."""
    stop: set[str] = set()
    articles: set[str] = set()
    countries: dict[str, str] = {}
    for lang in LANGUAGES:
        lex = vocab.lexicon(lang)  # the lexicon alone: load_vocab also builds spaCy
        stop |= {" ".join(_TOKEN.findall(w)) for w in lex.stopwords | lex.articles}
        articles |= {" ".join(_TOKEN.findall(w)) for w in lex.articles}
        for phrase, code in vocab.countries(lang).items():
            words = " ".join(_TOKEN.findall(phrase))
            if words:
                countries.setdefault(words, code)
    starts: dict[str, int] = {}
    for phrase in countries:
        first, *rest = phrase.split(" ")
        starts[first] = max(starts.get(first, 0), 1 + len(rest))
    return NameRules(frozenset(stop), frozenset(articles), countries, starts, frozenset(starts))


class Words:
    """Content words, name keys, initials and acronym keys of names: each distinct string analysed once.

    The caches live as long as one registry build.
    """

    def __init__(self, rules: NameRules) -> None:
        self.rules = rules
        self._folded: dict[str, str] = {}
        self._analysed: dict[str, tuple[tuple[str, ...], str, str, str | None]] = {}
        self._akeys: dict[str, str] = {}

    def fold(self, text: str) -> str:
        hit = self._folded.get(text)
        if hit is None:  # ASCII needs no accent stripping: the same result as vocab.fold, faster
            hit = " ".join(text.lower().split()) if text.isascii() else fold(text)
            self._folded[text] = hit
        return hit

    def analyse(self, text: str) -> tuple[tuple[str, ...], str, str, str | None]:
        """(content words, the name key: those words sorted and joined, initials of the words as written,
        the one country the words name or None)."""
        hit = self._analysed.get(text)
        if hit is not None:
            return hit
        rules = self.rules
        stop = rules.stop
        folded = self._folded.get(text) or self.fold(text)
        raw = folded.translate(_ASCII_WORDS).split() if folded.isascii() else _TOKEN.findall(folded)
        content = [w for w in raw if w not in stop and len(w) > 1]
        initials = "".join([w[0] for w in content]).upper()
        if rules.first_words.isdisjoint(raw):  # no country named: the common case
            words = tuple(content)
            hit = self._analysed[text] = (words, " ".join(sorted(words)), initials, None)
            return hit
        starts = rules.country_starts
        out: list[str] = []
        i, n = 0, len(raw)
        for j in [j for j, w in enumerate(raw) if w in starts]:
            if j < i:
                continue
            out += [w for w in raw[i:j] if len(w) > 1 and w not in stop]
            i = j
            for size in range(min(starts[raw[j]], n - j), 0, -1):
                code = rules.countries.get(raw[j] if size == 1 else " ".join(raw[j:j + size]))
                if code:
                    out.append("@" + code)
                    i = j + size
                    break
        out += [w for w in raw[i:] if len(w) > 1 and w not in stop]
        words = tuple(out)
        codes = {w for w in words if w[0] == "@"}
        country = next(iter(codes))[1:] if len(codes) == 1 else None
        hit = self._analysed[text] = (words, " ".join(sorted(words)), initials, country)
        return hit

    def of(self, text: str) -> tuple[str, ...]:
        """`The Plateforme Burkinabè de l'ESS` -> ('plateforme', '@BF', 'ess')."""
        return self.analyse(text)[0]

    def key(self, text: str) -> str:
        """The content words sorted: one key for "Network Initiative Spirit" and "Initiative Spirit Network"."""
        return self.analyse(text)[1]

    def initials(self, text: str) -> str:
        """Initials of the content words as written (a demonym keeps its own letter)."""
        return self.analyse(text)[2]

    def akey(self, text: str) -> str:
        """`names.acronym_key`: `PB-ESS` and `P.B.E.S.S.` -> `PBESS`."""
        hit = self._akeys.get(text)
        if hit is None:
            hit = _NOT_ALNUM.sub("", text.upper()) if text.isascii() else acronym_key(text)
            self._akeys[text] = hit
        return hit


def similarity(wa: Sequence[str], wb: Sequence[str]) -> tuple[float, list[str], list[str]]:
    """Share of content words in common (a fuzzy match counts its ratio), and the words of each left unmatched.

    Country codes (`@MA`) only match themselves: "Red Andaluza" is not "Red Argentina".
    """
    if not wa or not wb:
        return 0.0, list(wa), list(wb)
    left_b = list(wb)
    rest_a: list[str] = []
    for w in wa:
        if w in left_b:
            left_b.remove(w)
        else:
            rest_a.append(w)
    matched = float(len(wa) - len(rest_a))
    left_a: list[str] = []
    for w in rest_a:
        best, best_score = -1, 0.0
        if w[0] != "@":
            for j, x in enumerate(left_b):
                if x[0] != "@":
                    s = fuzz.ratio(w, x, score_cutoff=WORD_MATCH)
                    if s > best_score:
                        best, best_score = j, s
        if best >= 0:
            matched += best_score / 100
            left_b.pop(best)
        else:
            left_a.append(w)
    return 2 * matched / (len(wa) + len(wb)), left_a, left_b


def same_name(score: float, left_a: list[str], left_b: list[str]) -> bool:
    """Two spellings of one name: nearly the same words, none replaced, none added but a country.

    A typo still counts ("Minstry of Youth"); an added word other than a country names
    another organization ("Central Agency of ..." is not "Agency of ...").
    """
    if score < NAME_MERGE:
        return False
    extra = left_a or left_b
    return not (left_a and left_b) and all(w[0] == "@" for w in extra)
