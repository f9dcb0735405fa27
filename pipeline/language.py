"""Decide a document's main language from a sample of its prose (langdetect, seeded)."""
from __future__ import annotations

from collections import Counter

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from pipeline.models import Document, Warning

SAMPLE_BLOCKS = 8        # paragraphs sampled, longest first
SAMPLE_CHARS = 600       # characters taken from each
MIN_WORDS = 6            # shorter blocks (labels, names) say little about the language
DEFAULT = "en"


def detect_language(doc: Document) -> Document:
    """Fill `doc.language`: each sampled paragraph votes with its length, the largest total wins.

    A French paragraph quoted in an English profile is outvoted by the English ones,
    and the cost stays bounded whatever the document's size.
    """
    prose = [b for b in doc.blocks if b.kind in ("paragraph", "item")
             and len(doc.block_text(b).split()) >= MIN_WORDS]
    if not prose:
        prose = [b for b in doc.blocks if b.kind in ("paragraph", "item", "heading")]
    sample = sorted(prose, key=lambda b: (-(b.end - b.start), b.start))[:SAMPLE_BLOCKS]
    votes: Counter[str] = Counter()
    for block in sample:
        text = doc.block_text(block)[:SAMPLE_CHARS]
        DetectorFactory.seed = 0  # langdetect is random unless seeded before each call
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            continue
        votes[best.lang.split("-")[0]] += len(text) * best.prob
    if votes:
        doc.language = max(sorted(votes), key=lambda lang: votes[lang])
    else:
        doc.language = DEFAULT
        doc.warnings.append(Warning(code="language_unknown", field="/language",
                                    message=f"no prose to detect the language from; assumed '{DEFAULT}'"))
    return doc
