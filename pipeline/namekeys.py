"""Name keys for matching organization names across documents: words, keys, initials, similarity.

A name is compared by its content words: folded (`vocab.fold`: case and accents),
split at punctuation, apostrophes and hyphens, the stop words and articles of every
language dropped, and a country name or demonym of any language read as its ISO code
(`@BF` for "Burkinabè" and for "du Burkina Faso"). Every distinct string is analysed
once per registry build (`Words` caches; strings alike once folded share one analysis),
so the cost follows the number of distinct spellings, not of mentions; `analyse_all`
analyses many at once (their words split in one pass over them all).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import filterfalse
from operator import itemgetter

from rapidfuzz import fuzz

from pipeline import vocab
from pipeline.names import acronym_key
from pipeline.vocab import LANGUAGES, fold

NAME_MERGE = 0.9   # similarity of two names alone to merge them
WORD_MATCH = 85    # rapidfuzz ratio for two words to count as one (a typo)

_TOKEN = re.compile(r"\w+")  # a word of a folded name: punctuation, apostrophes and hyphens separate words
# The same split for ASCII text, in C: every ASCII character that is not \w becomes a space.
_ASCII_WORDS = str.maketrans({chr(c): " " for c in range(128) if not re.match(r"\w", chr(c))})
_NOT_ALNUM_BYTES = bytes(c for c in range(128) if not (65 <= c <= 90 or 48 <= c <= 57))  # all but [A-Z0-9]
# The same split, on bytes, for many names at once (joined by newlines, which stay).
_ASCII_BYTES = bytes(c if c == 10 or c > 127 or re.match(r"\w", chr(c)) else 32 for c in range(256))
# Folded ASCII words of one character: never content words.
_ASCII_LETTERS = frozenset(chr(c) for c in range(128) if re.match(r"\w", chr(c)) and chr(c) == chr(c).lower())
_FIRST = itemgetter(0)
# ASCII and the combining diacritical marks (U+0300-U+036F) that are combining characters: `vocab.fold` drops them.
_ASCII_AND_MARKS = re.compile("[\x00-\x7f" + "".join(chr(c) for c in range(0x300, 0x370)
                                                     if unicodedata.combining(chr(c))) + "]*")


# `Words.analyse`: content words, key, initials, country, the content words joined in order
Analysis = tuple[tuple[str, ...], str, str, "str | None", str]


@dataclass(frozen=True)
class NameRules:
    """Every language's stop words and articles, and country names and demonyms (as word strings)."""

    stop: frozenset[str]
    articles: frozenset[str]
    countries: dict[str, str]
    country_sizes: dict[str, tuple[int, ...]]  # first word -> the lengths of the phrases it starts, longest first
    single: frozenset[str]          # the country phrases of one word
    multi_first: frozenset[str]     # the first words of the country phrases of two words or more
    bigrams: frozenset[tuple[str, str]]  # the first two words of those


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
    sizes: dict[str, set[int]] = {}
    for phrase in countries:
        first, *rest = phrase.split(" ")
        sizes.setdefault(first, set()).add(1 + len(rest))
    return NameRules(frozenset(stop), frozenset(articles), countries,
                     {w: tuple(sorted(n, reverse=True)) for w, n in sizes.items()},
                     frozenset(p for p in countries if " " not in p),
                     frozenset(p.split(" ")[0] for p in countries if " " in p),
                     frozenset((first, second) for first, second, *_ in (p.split(" ") for p in countries if " " in p)))


class Words:
    """Content words, name keys, initials and acronym keys of names: each distinct string analysed once.

    The caches live as long as one registry build.
    """

    def __init__(self, rules: NameRules) -> None:
        self.rules = rules
        self._folded: dict[str, str] = {}
        self._analysed: dict[str, Analysis] = {}
        self._by_folded: dict[str, Analysis] = {}  # texts alike once folded
        self._akeys: dict[str, str] = {}
        self._noise = rules.stop | _ASCII_LETTERS  # folded ASCII words that are not content words
        self._word: dict[str, str] = {}  # each word -> its first string

    def fold(self, text: str) -> str:
        """`vocab.fold`: the same result, faster for ASCII and for letters that only lose their accents."""
        hit = self._folded.get(text)
        if hit is None:
            if text.isascii():
                hit = " ".join(text.lower().split())
            else:  # the steps of vocab.fold; marks dropped by the ASCII codec when they are all that is not ASCII
                decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
                hit = " ".join(decomposed.encode("ascii", "ignore").decode().split()) \
                    if _ASCII_AND_MARKS.fullmatch(decomposed) else fold(text)
            self._folded[text] = hit
        return hit

    def analyse(self, text: str) -> Analysis:
        """(content words, the name key: those words sorted and joined, initials of the words as written,
        the one country the words name or None, the content words joined in order)."""
        hit = self._analysed.get(text)
        if hit is None:
            folded = self._folded.get(text) or self.fold(text)
            hit = self._by_folded.get(folded)
            if hit is None:
                hit = self._by_folded[folded] = self._words(folded)
            self._analysed[text] = hit
        return hit

    @property
    def analyses(self) -> Mapping[str, Analysis]:
        """Every text analysed so far -> its analysis (`analyse`): to look many up."""
        return self._analysed

    def analyse_all(self, texts: Iterable[str]) -> None:
        """`analyse` the texts (those not analysed yet), in a few steps over them all: the same results."""
        analysed, by_folded = self._analysed, self._by_folded
        todo = [t for t in dict.fromkeys(texts) if t not in analysed]
        folded = [self.fold(t) for t in todo]
        new = [f for f in dict.fromkeys(folded) if f not in by_folded]
        plain = [f for f in new if f.isascii()]  # folded names hold no newline: they split where joined
        # Each word once in memory (the names share most of their words): the first string of each word.
        word = self._word.setdefault
        raws = [list(map(word, split, split)) for split in map(str.split, "\n".join(plain).encode()
                                                                .translate(_ASCII_BYTES).decode().split("\n"))] \
            if plain else []
        noise, rules = self._noise, self.rules
        countries, single, multi_first, bigrams = rules.countries, rules.single, rules.multi_first, rules.bigrams
        for f, raw in zip(plain, raws):  # `_words`, inlined but for country names of two words or more
            content = tuple(filterfalse(noise.__contains__, raw))
            if not (multi_first.isdisjoint(raw) or bigrams.isdisjoint(zip(raw, raw[1:]))):
                by_folded[f] = self._words(f, raw, list(content))
                continue
            named = single.intersection(raw)
            if named:  # country names of one word ("Senegal", "Malian") read as their codes
                words = tuple(["@" + countries[w] if w in named else w for w in raw if w in named or w not in noise])
                codes = {countries[w] for w in named}
                country = next(iter(codes)) if len(codes) == 1 else None
            else:
                words, country = content, None
            by_folded[f] = (words, " ".join(sorted(words)), "".join(map(_FIRST, content)).upper(), country,
                            " ".join(words))
        for f in new:
            if not f.isascii():
                by_folded[f] = self._words(f)
        analysed.update(zip(todo, map(by_folded.__getitem__, folded)))

    def _words(self, folded: str, raw: list[str] | None = None,
               content: list[str] | None = None) -> Analysis:
        """`analyse` of a folded name (its words and content words, when known)."""
        rules = self.rules
        stop = rules.stop
        if raw is None:
            raw = folded.translate(_ASCII_WORDS).split() if folded.isascii() else _TOKEN.findall(folded)
        if content is None:
            content = [w for w in raw if w not in stop and len(w) > 1]
        initials = "".join(map(_FIRST, content)).upper()
        countries = rules.countries
        if rules.multi_first.isdisjoint(raw) or rules.bigrams.isdisjoint(zip(raw, raw[1:])):
            # no country name of two words or more: only those of one word ("Senegal", "Malian"), if any
            named = rules.single.intersection(raw)
            if not named:
                return _analysis(tuple(content), initials, None)
            words = tuple(["@" + countries[w] if w in named else w for w in raw
                           if w in named or (w not in stop and len(w) > 1)])
            codes = {countries[w] for w in named}
            return _analysis(words, initials, next(iter(codes)) if len(codes) == 1 else None)
        # The longest country phrase at each word that starts one, left to right.
        sizes = rules.country_sizes
        found: list[tuple[int, int, str]] = []  # start, end, code
        end, n = 0, len(raw)
        for j, w in enumerate(raw):
            lengths = sizes.get(w)
            if lengths is None or j < end:
                continue
            for size in lengths:
                if size == 1:
                    code = countries.get(w)
                elif j + size <= n:
                    code = countries.get(" ".join(raw[j:j + size]))
                else:
                    continue
                if code:
                    found.append((j, j + size, code))
                    end = j + size
                    break
        if not found:  # first words of a country phrase, not the phrase ("Union", "Central")
            return _analysis(tuple(content), initials, None)
        out: list[str] = []
        i = 0
        for j, end, code in found:
            out += [w for w in raw[i:j] if w not in stop and len(w) > 1]
            out.append("@" + code)
            i = end
        out += [w for w in raw[i:] if w not in stop and len(w) > 1]
        codes = {code for _, _, code in found}
        return _analysis(tuple(out), initials, next(iter(codes)) if len(codes) == 1 else None)

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
            hit = text.upper().encode().translate(None, _NOT_ALNUM_BYTES).decode() if text.isascii() \
                else acronym_key(text)
            self._akeys[text] = hit
        return hit


def _analysis(words: tuple[str, ...], initials: str, country: str | None) -> Analysis:
    return words, " ".join(sorted(words)), initials, country, " ".join(words)


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
