"""Per-language vocabularies: load the data files, build the spaCy matchers, cache per language.

Each language has a folder `pipeline/vocab/<lang>/` with
- `sections.yml`: headings and lead-in phrases per section kind;
- `lexicon.yml`: labels, honorifics, articles, number words, action verbs, months ...;
- `patterns.jsonl`: spaCy `Matcher` token patterns (founding, chair, dates), one per line,
  each with an `id` that lands in the evidence of the values it produces. A string
  `"$name"` in a pattern stands for the lexicon list `name` (e.g. `"$months"`).
- `countries.yml`: country names and demonyms per ISO code.

Only the matchers live here; spaCy objects never leave `sections.py` / `fields.py`.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # spaCy is imported when a vocabulary is first built, not to show `profiles --help`
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: the same data, 10x faster

VOCAB_DIR = Path(__file__).parent / "vocab"
LANGUAGES = ("en", "fr", "es")
FALLBACK = "en"
SECTION_KINDS = ("description", "objectives", "approaches", "projects", "partners", "perspectives", "contacts", "end")
LABEL_FIELDS = ("region", "member_since", "chair", "country", "founded", "founding_members",
                "address", "phone", "email", "website")
_ALNUM_RUN = re.compile(r"[^\W_]+")
MAX_TEXT = 30_000_000  # characters spaCy may tokenize in one document (the byte limit comes first)


class VocabError(ValueError):
    """A vocabulary file is missing, malformed or holds an invalid pattern."""


class _NoMarks(dict[int, int | None]):
    """A `str.translate` table that drops combining characters, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_NO_MARKS = _NoMarks()


_FOLDED: dict[str, str] = {}  # fold's results: the same words and lines are folded many times, by several stages
_FOLDED_CHARS = 2_000_000  # characters of texts kept at most (then started again): memory stays bounded
_folded_chars = 0


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a phrase, for lookups."""
    global _folded_chars
    folded = _FOLDED.get(text)
    if folded is None:
        if text.isascii():  # the same result, without the Unicode work (most words)
            folded = " ".join(text.lower().split())
        else:
            decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
            folded = " ".join(decomposed.translate(_NO_MARKS).split())
        if len(text) <= _FOLDED_CHARS // 20:  # a huge text is not kept
            _folded_chars += len(text)
            if _folded_chars > _FOLDED_CHARS:
                _FOLDED.clear()
                _folded_chars = len(text)
            _FOLDED[text] = folded
    return folded


def _phrases(nlp: Language, phrases: list[str]) -> list[Any]:
    """Pattern docs for phrases, each also with the typographic apostrophe (d'intervention / d’intervention)."""
    variants = dict.fromkeys(v for p in phrases for v in (p, p.replace("'", "\u2019")))
    return [nlp.make_doc(v) for v in variants]


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loader = _YAML_LOADER(path.read_text(encoding="utf-8"))  # what yaml.safe_load does, with libyaml
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except (OSError, yaml.YAMLError) as err:
        raise VocabError(f"{path}: {err}") from err
    if not isinstance(data, dict):
        raise VocabError(f"{path}: expected a mapping at the top level")
    return data


def _strings(data: dict[str, Any], key: str, where: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabError(f"{where}: '{key}' must be a list of strings")
    return value


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one language (lexicon.yml), case-folded where they are looked up."""

    labels: dict[str, tuple[str, ...]]
    articles: frozenset[str]
    honorifics: frozenset[str]
    name_particles: frozenset[str]
    stopwords: frozenset[str]
    number_words: dict[str, int]
    member_nouns: frozenset[str]
    action_verbs: frozenset[str]
    action_nouns: frozenset[str]
    alias_intros: tuple[str, ...]
    approach_words: frozenset[str]
    regions: dict[str, str]  # folded -> as written
    months: tuple[str, ...]
    place_prepositions: frozenset[str]
    not_founding_markers: frozenset[str]
    list_conjunctions: frozenset[str]
    function_words: frozenset[str]


@cache  # read once per process: load_vocab of each language reads every language's files
def _lexicon(lang: str) -> Lexicon:
    path = VOCAB_DIR / lang / "lexicon.yml"
    data = _load_yaml(path)
    labels = data.get("labels", {})
    if not isinstance(labels, dict) or set(labels) - set(LABEL_FIELDS):
        raise VocabError(f"{path}: 'labels' must map some of {LABEL_FIELDS} to lists")
    numbers = data.get("number_words", {})
    if not isinstance(numbers, dict) or not all(isinstance(v, int) for v in numbers.values()):
        raise VocabError(f"{path}: 'number_words' must map words to integers")

    def folded(key: str) -> frozenset[str]:
        return frozenset(fold(w) for w in _strings(data, key, path))

    return Lexicon(
        labels={k: tuple(sorted((fold(v) for v in labels.get(k, [])), key=len, reverse=True)) for k in LABEL_FIELDS},
        articles=folded("articles"),
        honorifics=folded("honorifics"),
        name_particles=folded("name_particles"),
        stopwords=folded("stopwords"),
        number_words={fold(k): v for k, v in numbers.items()},
        member_nouns=folded("member_nouns"),
        action_verbs=folded("action_verbs"),
        action_nouns=folded("action_nouns"),
        alias_intros=tuple(sorted((fold(v) for v in _strings(data, "alias_intros", path)), key=len, reverse=True)),
        approach_words=folded("approach_words"),
        regions={fold(r): r for r in _strings(data, "regions", path)},
        months=tuple(m.lower() for m in _strings(data, "months", path)),
        place_prepositions=folded("place_prepositions"),
        not_founding_markers=folded("not_founding_markers"),
        list_conjunctions=folded("list_conjunctions"),
        function_words=frozenset(w.lower() for w in _strings(data, "function_words", path)),
    )


@dataclass(frozen=True)
class Vocab:
    """Everything language-specific one document needs: tokenizer, matchers, word lists."""

    lang: str
    nlp: Language
    headings: PhraseMatcher   # match id -> "<lang>.<kind>.heading"
    leadins: PhraseMatcher    # match id -> "<lang>.<kind>.leadin"
    prose: PhraseMatcher      # words that open an inline list
    patterns: Matcher         # FOUNDED, CHAIR, DATE token patterns
    pattern_labels: dict[str, str]  # rule id -> label
    heading_prefixes: frozenset[str]
    # The last run of letters or digits of every heading's last token, lower-cased ("objectives", "ess"),
    # or None when a heading ends in a token without any: what a line that is only a heading ends with.
    heading_ends: frozenset[str] | None
    # A pattern found (lower-cased) in every text that holds a lead-in phrase, or None.
    leadin_words: re.Pattern[str] | None
    lex: Lexicon
    all_labels: dict[str, tuple[str, ...]]  # label lists of every language, for mixed documents
    countries: dict[str, str]               # folded name or demonym (every language) -> ISO code

    def rule(self, match_id: int) -> str:
        return str(self.nlp.vocab.strings[match_id])

    def kind_of(self, match_id: int) -> str:
        return self.rule(match_id).split(".")[1]


def _expand(node: Any, lists: dict[str, list[str]], where: str) -> Any:
    """Replace "$name" strings in a token pattern by the lexicon list `name`."""
    if isinstance(node, str) and node.startswith("$"):
        if node[1:] not in lists:
            raise VocabError(f"{where}: unknown list {node}")
        return lists[node[1:]]
    if isinstance(node, dict):
        return {k: _expand(v, lists, where) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand(v, lists, where) for v in node]
    return node


@cache  # read once per process: load_vocab of each language reads every language's files
def _sections(lang: str) -> dict[str, Any]:
    path = VOCAB_DIR / lang / "sections.yml"
    data = _load_yaml(path)
    for kind in SECTION_KINDS:
        entry = data.get(kind)
        if not isinstance(entry, dict):
            raise VocabError(f"{path}: section kind '{kind}' is missing")
        _strings(entry, "headings", path)
        _strings(entry, "leadins", path)
    unknown = set(data) - set(SECTION_KINDS) - {"heading_prefixes", "prose"}
    if unknown:
        raise VocabError(f"{path}: unknown keys {sorted(unknown)}")
    return data


@cache  # read once per process: load_vocab of each language reads every language's files
def _countries(lang: str) -> dict[str, str]:
    path = VOCAB_DIR / lang / "countries.yml"
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for code, names in _load_yaml(path).items():
        if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) and isinstance(names, list)):
            raise VocabError(f"{path}: expected 'XX: [names]' entries, got {code!r}")
        for name in names:
            out.setdefault(fold(str(name)), code)
    return out


def lexicon(lang: str) -> Lexicon:
    """The word lists of `lang` (its lexicon.yml), without building its spaCy pipeline.

    Read once per process (the loader is cached): every call returns the same object.
    `lang` must have a folder of data files (`available_languages()`); `load_vocab(lang).lex`
    is the same lexicon, with English for a language without one.
    """
    return _lexicon(lang)


def countries(lang: str) -> dict[str, str]:
    """The country names and demonyms of `lang` (its countries.yml), folded -> ISO code.

    Read once per process (the loader is cached): every call returns the same dict, so do
    not modify it. Empty for a language without the file. `load_vocab(lang).countries`
    merges every language's names instead.
    """
    return _countries(lang)


@cache
def function_words() -> dict[str, frozenset[str]]:
    """Each language's frequent words that no other language lists: a cheap first language test."""
    lists = {lang: _lexicon(lang).function_words for lang in available_languages()}
    return {lang: words - frozenset().union(*(w for other, w in lists.items() if other != lang))
            for lang, words in lists.items()}


def available_languages() -> list[str]:
    return sorted(p.name for p in VOCAB_DIR.iterdir() if (p / "sections.yml").exists())


@cache
def load_vocab(lang: str) -> Vocab:
    """The vocabulary of `lang` (English rules for a language without data files)."""
    import spacy
    from spacy.matcher import Matcher, PhraseMatcher

    data_lang = lang if lang in available_languages() else FALLBACK
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank(data_lang)
    nlp.max_length = MAX_TEXT
    sections = {code: _sections(code) for code in available_languages()}
    own = sections[data_lang]
    headings = PhraseMatcher(nlp.vocab, attr="LOWER")
    leadins = PhraseMatcher(nlp.vocab, attr="LOWER")
    prose = PhraseMatcher(nlp.vocab, attr="LOWER")
    # Headings of every language: a French heading in an English page is still a heading.
    ends: set[str] | None = set()
    for code in [data_lang] + [c for c in sections if c != data_lang]:
        for kind in SECTION_KINDS:
            phrases = _phrases(nlp, sections[code][kind]["headings"])
            headings.add(f"{code}.{kind}.heading", phrases)
            for phrase in phrases:
                runs = _ALNUM_RUN.findall(phrase[-1].lower_) if len(phrase) else []
                if ends is not None and runs:
                    ends.add(runs[-1])
                else:
                    ends = None
    longest: set[str] | None = set()  # each lead-in's longest token: a text without any holds no lead-in
    for kind in SECTION_KINDS:
        if own[kind]["leadins"]:
            phrases = _phrases(nlp, own[kind]["leadins"])
            leadins.add(f"{data_lang}.{kind}.leadin", phrases)
            for phrase in phrases:
                if longest is not None and len(phrase):
                    longest.add(max((t.lower_ for t in phrase), key=len))
                else:
                    longest = None
    prose.add(f"{data_lang}.prose.intro", _phrases(nlp, _strings(own, "prose", VOCAB_DIR)))

    lex = _lexicon(data_lang)
    lists = {"months": list(lex.months), "number_words": list(lex.number_words)}
    matcher = Matcher(nlp.vocab, validate=True)
    labels: dict[str, str] = {}
    path = VOCAB_DIR / data_lang / "patterns.jsonl"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{n}"
        try:
            entry = json.loads(line)
            rule, label = entry["id"], entry["label"]
            matcher.add(rule, [_expand(entry["pattern"], lists, where)])
        except (ValueError, KeyError, TypeError) as err:
            raise VocabError(f"{where}: {err}") from err
        labels[rule] = label
    all_labels = {f: tuple(sorted({w for c in sections for w in _lexicon(c).labels[f]}, key=len, reverse=True))
                  for f in LABEL_FIELDS}
    countries: dict[str, str] = {}
    for code in [data_lang] + [c for c in sections if c != data_lang]:
        for name, iso in _countries(code).items():
            countries.setdefault(name, iso)
    return Vocab(lang=data_lang, nlp=nlp, headings=headings, leadins=leadins,
                 prose=prose, patterns=matcher, pattern_labels=labels,
                 heading_prefixes=frozenset(fold(p) for p in _strings(own, "heading_prefixes", VOCAB_DIR)),
                 heading_ends=frozenset(ends) if ends is not None else None,
                 leadin_words=re.compile("|".join(re.escape(w) for w in sorted(longest, key=len, reverse=True)))
                 if longest else None,
                 lex=lex, all_labels=all_labels, countries=countries)
