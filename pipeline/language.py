"""Decide a document's main language from a sample of its prose (langdetect, seeded)."""
from __future__ import annotations

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from pipeline.models import Document, Warning

SAMPLE_BLOCKS = 8        # prose blocks sampled, in document order
SAMPLE_CHARS = 300       # characters taken from each: no single paragraph can dominate the sample
MIN_WORDS = 6            # shorter blocks (labels, names) say little about the language
DEFAULT = "en"


def detect_language(doc: Document) -> Document:
    """Fill `doc.language` from one detection over an even sample of the prose.

    Each sampled block contributes at most SAMPLE_CHARS characters, so a French
    paragraph quoted in an English profile is outweighed by the English ones; one
    langdetect call per document keeps the cost bounded whatever the document's size.
    """
    prose = [b for b in doc.blocks if b.kind in ("paragraph", "item")
             and len(doc.block_text(b).split()) >= MIN_WORDS][:SAMPLE_BLOCKS]
    if not prose:
        prose = [b for b in doc.blocks if b.kind in ("paragraph", "item", "heading")][:SAMPLE_BLOCKS]
    sample = "\n".join(doc.block_text(b)[:SAMPLE_CHARS] for b in prose)
    DetectorFactory.seed = 0  # langdetect is random unless seeded before each call
    try:
        doc.language = detect_langs(sample)[0].lang.split("-")[0]
    except LangDetectException:
        doc.language = DEFAULT
        doc.warnings.append(Warning(code="language_unknown", field="/language",
                                    message=f"no prose to detect the language from; assumed '{DEFAULT}'"))
    return doc
