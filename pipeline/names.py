"""Organization names: title parsing, acronyms, and the aliases a document uses for itself.

An alias is another spelling of the acronym (REIESS for REIESSG: edit distance, or the
initials of one of the names), or a name made of the same words in another order or with
a demonym for the country's name ("Plateforme Burkinabè de ..." / "Plateforme ... du
Burkina Faso"), or a name introduced as a translation ("known in French as ..."). A name
followed by its own acronym that is not like ours is another organization, and its
acronym is never an alias.
"""
from __future__ import annotations

import re
from functools import cache
from itertools import accumulate, chain
from operator import itemgetter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from pipeline.vocab import Vocab, fold

_QUOTES = "\"'“”‘’«»„‟‹›"
_TITLE = re.compile(r"^(?P<name>.+?)\s*\((?P<paren>[^()]{1,120})\)\s*[.:]?$")
_ACRONYM_WORD = re.compile(r"^[A-ZÀ-Ý0-9][A-ZÀ-Ý0-9&.\-/]*$")
# An acronym in running text: capitals and digits, maybe joined by hyphens ("PB-ESS", "RRESS-SM").
ACRONYM_IN_TEXT = re.compile(r"(?<![\w-])([A-ZÀ-Ý][A-ZÀ-Ý0-9]*(?:[-&][A-ZÀ-Ý0-9]+)*)(?![\w-])")
ACRONYM_SIMILARITY = 0.8   # Indel similarity of two acronyms (letters and digits only)
NAME_SIMILARITY = 0.9      # share of content words two names must have in common
WORD_SIMILARITY = 85       # word_similarity of two words that count as the same word
MIN_ACRONYM = 3
_MAX_KEPT = 50_000  # tokens whose words a process keeps (per vocabulary)
_PAIRS: dict[tuple[str, str], float] = {}  # word_similarity of two words, kept across documents (bounded)
_WORD_SPLIT = re.compile(r"[\s,;:()/]+|(?<=\w)['’](?=\w)")  # a name's words


def strip_quotes(text: str) -> str:
    return text.strip().strip(_QUOTES).strip()


def looks_like_acronym(text: str) -> bool:
    """`REIESSG`, `ESS-FR`, `RENAPESS Mali`, `PB-ESS`: a first word mostly in capitals, short overall."""
    words = strip_quotes(text).split()
    if not words or len(words) > 3:
        return False
    first = words[0]
    letters = [c for c in first if c.isalpha()]
    caps = sum(1 for c in letters if c.isupper())
    return bool(_ACRONYM_WORD.match(first)) and caps >= 2 or (caps >= 3 and caps >= 0.7 * len(letters))


def acronym_key(text: str) -> str:
    return "".join(c for c in fold(text).upper() if c.isalnum())


@dataclass(frozen=True)
class Title:
    name: str
    acronym: str | None
    acronym_offset: int | None  # offset of the acronym in the title text
    others: tuple[tuple[str, int], ...] = ()  # other names given in the parenthesis (translations)


def parse_title(text: str) -> Title:
    """`Full Name (ACRONYM)` -> name and acronym; `(Translated Name, ACR)` gives an alias too."""
    match = _TITLE.match(text)
    if match:
        paren, base = match.group("paren"), match.start("paren")
        parts = [(m.group(0), base + m.start()) for m in re.finditer(r"[^,;–—]+|(?<=\s)-(?=\s)", paren)]
        parts = [(p, o) for p, o in parts if p.strip() and p.strip() != "-"]
        acronyms = [(p, o) for p, o in parts if looks_like_acronym(p)]
        if acronyms:
            raw, offset = acronyms[-1]
            acronym = strip_quotes(raw)
            offset += raw.index(acronym[0])
            others = tuple((strip_quotes(p), o + len(p) - len(p.lstrip())) for p, o in parts
                           if (p, o) not in acronyms and len(strip_quotes(p).split()) >= 2)
            return Title(match.group("name").strip(), acronym, offset, others)
    quoted = re.match(r"^(?P<name>.+?)\s+[\"“«‘'](?P<acr>[^\"”»’']{2,40})[\"”»’']\s*$", text)
    if quoted and looks_like_acronym(quoted.group("acr")):  # Full Name "ACR"
        return Title(quoted.group("name").strip(), quoted.group("acr").strip(), quoted.start("acr"))
    for sep in (" – ", " — ", " - ", ": "):  # "ACR – Full Name" or "Full Name – ACR"
        if sep in text:
            left, right = text.split(sep, 1)
            if looks_like_acronym(left) and not looks_like_acronym(right):
                return Title(right.strip(), strip_quotes(left), text.index(strip_quotes(left)))
            if looks_like_acronym(right) and not looks_like_acronym(left):
                return Title(left.strip(), strip_quotes(right), len(left) + len(sep))
    return Title(text.strip().rstrip("."), None, None)


# --------------------------------------------------------------------------- name comparison


def word_similarity(a: str, b: str) -> float:
    """Similarity of two words, 0-100; a place and its adjective share a long stem (Bruxelles, Bruxelloise)."""
    if a == b:
        return 100.0
    stem = 0
    for x, y in zip(a, b):
        if x != y:
            break
        stem += 1
    if stem >= 5 and stem >= 0.7 * min(len(a), len(b)):
        return 90.0
    return fuzz.ratio(a, b)


def _raw_words(text: str) -> list[str]:
    """The words of a name, folded, before stop words and countries are looked at."""
    return [w for w in _WORD_SPLIT.split(fold(text)) if w]


class TokenInfo(NamedTuple):
    """What comparing names needs of one token (a word and the punctuation stuck to it)."""

    words: tuple[str, ...]  # its content words (`NameComparer.words`)
    parts: int  # how many of its words may be part of a multi-word country phrase
    crosses: bool  # whether a multi-word country phrase starting in it may go on past its end


@dataclass(frozen=True)
class _Rules:
    """What comparing names in one vocabulary needs, built once per process."""

    stop: frozenset[str]  # stop words and articles
    openers: dict[str, int]  # the first word of each multi-word country phrase -> its most words
    parts: frozenset[str]  # the words of multi-word country phrases (stop words aside)
    tokens: dict[str, TokenInfo]  # tokens seen


@dataclass
class _Bounds:
    """`NameComparer.bounds` of one target name: the tokens and words compared with it so far."""

    seen: set[str]  # tokens whose bound is known
    hot: dict[str, int]  # those whose bound is not 0 -> their bound
    compared: set[str]  # content words compared with the target's
    alike: set[str]  # those like one of the target's words


class NameComparer:
    """Compare organization names by their content words, demonyms folded into countries.

    The word lists it needs are built once per vocabulary (`_rules`); a comparer keeps the
    words of every text it has seen, since a document compares the same names many times.
    """

    # Per vocabulary: its `_Rules` (the tokens' `TokenInfo` kept across documents).
    _built: dict[int, tuple[Vocab, _Rules]] = {}

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        rules = self._rules(vocab)
        self.stop, self._openers, self.country_parts, self._tokens = (
            rules.stop, rules.openers, rules.parts, rules.tokens)
        self._words: dict[str, tuple[str, ...]] = {}
        self._bounds: dict[str, _Bounds] = {}  # a name -> what `bounds` knows of it

    @classmethod
    def _rules(cls, vocab: Vocab) -> _Rules:
        hit = cls._built.get(id(vocab))
        if hit is None or hit[0] is not vocab:
            stop = frozenset(vocab.lex.stopwords | vocab.lex.articles | {"'", "’", ",", "-"})
            openers: dict[str, int] = {}
            for key in vocab.countries:
                first, *rest = key.split(" ")
                if rest:
                    openers[first] = max(openers.get(first, 0), len(rest) + 1)
            parts = frozenset(w for k in vocab.countries if " " in k for w in _WORD_SPLIT.split(k) if w not in stop)
            hit = cls._built[id(vocab)] = (vocab, _Rules(stop, openers, parts, {}))
        return hit[1]

    def words(self, text: str) -> tuple[str, ...]:
        """The content words of a name, folded, a country name or demonym as `@XX`."""
        hit = self._words.get(text)
        if hit is None:
            hit = self._words[text] = tuple(self._content_words(text))
        return hit

    def _content_words(self, text: str, raw: list[str] | None = None) -> list[str]:
        """`words` of `text`, from its `_raw_words` when the caller has them."""
        if raw is None:
            raw = _raw_words(text)
        countries = self.vocab.countries
        out: list[str] = []
        i = 0
        openers = self._openers
        while i < len(raw):
            first = raw[i]
            for size in range(min(openers.get(first, 1), len(raw) - i), 1, -1):  # the longest phrase first
                phrase = " ".join(raw[i:i + size])
                if phrase in countries:
                    out.append("@" + countries[phrase])
                    i += size
                    break
            else:
                if first in countries:
                    out.append("@" + countries[first])
                else:
                    word = first.strip(".'’\"")
                    if len(word) > 1 and word not in self.stop:  # one letter: an elided article (d', l')
                        out.append(word)
                i += 1
        return out

    def similarity(self, a: str, b: str) -> float:
        """Share of content words in common (fuzzy per word, so a typo still counts)."""
        return self.word_share(self.words(a), self.words(b))

    @staticmethod
    def word_share(wa: tuple[str, ...], wb: tuple[str, ...]) -> float:
        """`similarity` of two names from their content words."""
        if not wa or not wb:
            return 0.0
        matched = 0
        pool = list(wb)
        pairs = _PAIRS
        if len(pairs) > _MAX_KEPT:
            pairs.clear()
        for w in wa:
            if w in pool:  # the same word: 100, which only the same word scores
                matched += 1
                pool.remove(w)
                continue
            best, best_score = None, -1.0
            for x in pool:  # the first of the most similar
                score = pairs.get((w, x))
                if score is None:
                    score = pairs[w, x] = word_similarity(w, x)
                if score > best_score:
                    best, best_score = x, score
            if best is not None and best_score >= WORD_SIMILARITY:
                matched += 1
                pool.remove(best)
        return 2 * matched / (len(wa) + len(wb))

    def bounds(self, tokens: Iterable[str], target: str) -> dict[str, int]:
        """At most how many words of `target` each token's words can match, in any name that contains it.

        Its content words like one of the target's, plus one for each word that may be part of a
        country phrase spanning several tokens ("Burkina" "Faso" -> @BF): an upper bound, so that
        `name_windows` compares only the windows that can reach `NAME_SIMILARITY`. Returns the
        tokens seen so far with this target whose bound is not 0 (`.get(token, 0)`); the words are
        compared in one call.
        """
        state = self._bounds.get(target)
        if state is None:
            state = self._bounds[target] = _Bounds(set(), {}, set(), set())
        new = set(tokens)
        new -= state.seen
        if not new:
            return state.hot
        state.seen |= new
        tokens = list(new)
        infos = list(map(self._tokens.get, tokens))
        if None in infos:
            infos = self.token_infos(tokens)
        unseen = set(chain.from_iterable(map(itemgetter(0), infos)))
        unseen -= state.compared
        alike = state.alike
        if unseen:
            state.compared |= unseen
            targets = self.words(target)
            if targets:
                unseen_list = list(unseen)
                scores = process.cdist(unseen_list, targets, scorer=fuzz.ratio, score_cutoff=WORD_SIMILARITY)
                alike.update(unseen_list[n] for n in scores.nonzero()[0].tolist())
                prefixes = {x[:5] for x in targets if len(x) >= 5}  # a long shared stem (`word_similarity`)
                alike.update(w for w in unseen if w[:5] in prefixes and w not in alike
                             and any(word_similarity(w, x) >= WORD_SIMILARITY for x in targets))
        hot = state.hot
        disjoint = map(alike.isdisjoint, map(itemgetter(0), infos))
        for t, (words, parts, _), none_alike in zip(tokens, infos, disjoint):
            if parts or not none_alike:
                hot[t] = parts + sum(w in alike for w in words)
        return hot

    def token_infos(self, tokens: list[str]) -> list[TokenInfo]:
        kept = self._tokens
        return [kept.get(t) or self._token(t) for t in tokens]

    def _token(self, token: str) -> TokenInfo:
        info = self._tokens.get(token)
        if info is None:
            if len(self._tokens) > _MAX_KEPT:
                self._tokens.clear()
            raw = _raw_words(token)
            openers = self._openers
            info = self._tokens[token] = TokenInfo(
                tuple(self._content_words(token, raw)),
                sum(1 for w in raw if w.strip(".'’\"") in self.country_parts),
                any(openers.get(w, 1) > len(raw) - n for n, w in enumerate(raw)))
        return info

    def initials(self, text: str) -> str:
        """Initials of the content words as written (a demonym keeps its own letter)."""
        raw = [w.strip(".'’\"") for w in _WORD_SPLIT.split(fold(text))]
        return "".join(w[0] for w in raw if len(w) > 1 and w not in self.stop).upper()


def same_acronym(a: str, b: str, names: Iterable[str], comparer: NameComparer) -> bool:
    """Whether acronym `b` spells the organization of acronym `a`: same letters nearly, or initials of a name."""
    ka, kb = acronym_key(a), acronym_key(b)
    if len(kb) < MIN_ACRONYM or not ka:
        return False
    if ka == kb:
        return True
    head = acronym_key(a.split()[0]) if len(a.split()) > 1 else ka  # "RENAPESS Mali": its first word
    if head != ka and same_acronym(a.split()[0], b, (), comparer):
        return True
    if ka[0] == kb[0] and abs(len(ka) - len(kb)) <= 2 and Indel.normalized_similarity(ka, kb) >= ACRONYM_SIMILARITY:
        return True
    if ka[0] == kb[0] and min(len(ka), len(kb)) >= 4 and OSA.distance(ka, kb) <= 1:  # LNSE / LSNE
        return True
    return any(comparer.initials(name) == kb for name in names)


@dataclass(frozen=True)
class Alias:
    text: str
    start: int
    end: int
    rule: str


_NAME_TOKEN = re.compile(r"[^\s,;:()]+(?:,(?=\s))?")
_ELIDED = re.compile(r"^[^\W\d_]{1,2}['’](?=\w)")  # "L'Union": the name starts after "L'"
_APOSTROPHE = re.compile(r"['’]")


def may_reach(matched: int, size: int) -> bool:
    """Whether a name with at most `matched` words like those of a `size`-word name can be similar enough.

    `similarity` is 2m / (len(a) + size) with m <= len(a), so at most 2m / (m + size).
    """
    return matched > 0 and 2 * matched / (matched + size) >= NAME_SIMILARITY - 1e-9


@cache
def _least_matched(size: int) -> int:
    """The fewest matched words with which `may_reach(matched, size)` holds."""
    return next(m for m in range(1, 2 * size + 2) if may_reach(m, size))


def name_tokens(text: str) -> list[str]:
    """The tokens `name_windows` reads a text in (words, without the brackets and stops around them)."""
    return _NAME_TOKEN.findall(text)


def name_windows(text: str, comparer: NameComparer, target: str,
                 words: list[str] | None = None) -> list[tuple[int, int]]:
    """Spans of `text` that name the same organization as `target` (same content words).

    `words` are the text's `name_tokens`, when the caller has them already.
    """
    size = len(comparer.words(target))
    if size < 2:
        return []
    if words is None:
        words = _NAME_TOKEN.findall(text)
    bounds = comparer.bounds(words, target)
    reach = [0, *accumulate([bounds.get(w, 0) for w in words])]  # reach[k]: target words tokens 0..k-1 can match at most
    if not may_reach(reach[-1], size):
        return []  # not enough words like the name's in the whole paragraph (most paragraphs)
    n, reach_at_most = len(words), size * 2 + 2
    least = _least_matched(size)  # may_reach(m, size) is m >= least
    starts = [i for i in range(n) if reach[min(n, i + reach_at_most)] - reach[i] >= least]
    if not starts:
        return []
    tokens = [(m.start(), m.end()) for m in _NAME_TOKEN.finditer(text)]
    # A window's content words are its tokens' (kept across documents), unless a country phrase
    # may go on from one token to the next: then they are read from the window's text.
    infos = comparer.token_infos(words)
    target_words = comparer.words(target)
    stop = comparer.stop
    found: list[tuple[float, int, int]] = []
    for i in starts:
        start, first_end = tokens[i]
        stop_at = min(n, i + reach_at_most)
        first = text[start:first_end].strip(",")
        elided = _ELIDED.match(first)
        if elided and (fold(elided.group(0)) in stop or fold(elided.group(0)) in ("l'", "d'")):
            start, first = start + elided.end(), first[elided.end():]
        if not first[:1].isupper() or fold(first) in stop:
            continue
        inner: list[str] = []  # the content words of the tokens between the first and the last
        by_tokens = not infos[i].crosses
        for j in range(i + 1, stop_at):
            if j > i + 1:
                inner += infos[j - 1][0]
                by_tokens = by_tokens and not infos[j - 1].crosses
            if reach[j + 1] - reach[i] < least:
                continue
            end = tokens[j][1]
            last = text[tokens[j][0]:end].rstrip(",.")
            head = _APOSTROPHE.split(last)[-1][:1]
            if not (head.isupper() or head.isdigit()) or "(" in text[start:end] or ")" in text[start:end]:
                continue
            end = tokens[j][0] + len(last)
            if by_tokens:
                score = comparer.word_share((*comparer.words(first), *inner, *comparer.words(last)), target_words)
            else:
                score = comparer.similarity(text[start:end], target)
            if score >= NAME_SIMILARITY:
                found.append((score, start, end))
    found.sort(key=lambda f: (-f[0], -(f[2] - f[1]), f[1]))
    chosen: list[tuple[int, int]] = []
    for _, start, end in found:
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)
