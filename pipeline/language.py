"""Decide a document's main language from a sample of its prose.

A cheap first test counts each supported language's function words (data in the
lexicons); when one language clearly dominates, that is the answer. Otherwise (another
language, or too little text) langdetect, seeded, decides on the same bounded sample.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cache
from itertools import islice

from langdetect import DetectorFactory, detect_langs, detector_factory
from langdetect.lang_detect_exception import LangDetectException

from pipeline.models import Document, Warning
from pipeline.vocab import function_words

SAMPLE_BLOCKS = 8        # prose blocks sampled, in document order
SAMPLE_CHARS = 300       # characters taken from each: no single paragraph can dominate the sample
MIN_WORDS = 6            # shorter blocks (labels, names) say little about the language
DEFAULT = "en"
DECISIVE_SHARE = 0.12    # function words of one language must make this share of all words
DECISIVE_LEAD = 3.0      # ... and outnumber the next language's this many times
_WORD = re.compile(r"[^\W\d_]+")


def sample_of(doc: Document) -> str:
    prose = list(islice((b for b in doc.blocks if b.kind in ("paragraph", "item")
                         and len(doc.block_text(b).split()) >= MIN_WORDS), SAMPLE_BLOCKS))
    if not prose:
        prose = [b for b in doc.blocks if b.kind in ("paragraph", "item", "heading")][:SAMPLE_BLOCKS]
    return "\n".join(doc.block_text(b)[:SAMPLE_CHARS] for b in prose)


@cache
def _function_word_language() -> dict[str, str]:
    """Each function word -> its language (a word belongs to one language only)."""
    return {w: lang for lang, words in function_words().items() for w in words}


def by_function_words(sample: str) -> str | None:
    """The language whose function words clearly dominate the sample, or None."""
    lowered = sample.lower()
    # Lower-cased at once, unless that changes the text's length (a letter becoming two: "İ").
    words = _WORD.findall(lowered) if len(lowered) == len(sample) else [w.lower() for w in _WORD.findall(sample)]
    owner = _function_word_language()
    counts = Counter(dict.fromkeys(function_words(), 0))
    counts.update(filter(None, map(owner.get, words)))
    ranked = counts.most_common(2) + [("", 0)]
    (best, top), (_, second) = ranked[0], ranked[1]
    if words and top >= DECISIVE_SHARE * len(words) and top >= DECISIVE_LEAD * max(second, 1):
        return best
    return None


def ensure_profiles() -> None:
    """Reload langdetect's profiles when a load was cut short (a document stopped by its time or
    memory limit while they loaded leaves a factory that knows only some languages)."""
    factory = detector_factory._factory
    if factory is not None and len(factory.langlist) < _PROFILE_COUNT:
        detector_factory._factory = None
    detector_factory.init_factory()


_PROFILE_COUNT = 55  # the languages langdetect ships profiles for


def detect_language(doc: Document) -> Document:
    """Fill `doc.language` from an even sample of the prose (each block capped, so a quoted
    paragraph in another language cannot flip it); cost bounded whatever the document's size."""
    sample = sample_of(doc)
    decided = by_function_words(sample)
    if decided:
        doc.language = decided
        return doc
    ensure_profiles()
    DetectorFactory.seed = 0  # langdetect is random unless seeded before each call
    try:
        doc.language = detect_langs(sample)[0].lang.split("-")[0]
    except LangDetectException:
        doc.language = DEFAULT
        doc.warnings.append(Warning(code="language_unknown", field="/language",
                                    message=f"no prose to detect the language from; assumed '{DEFAULT}'"))
    return doc
