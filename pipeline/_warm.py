"""Imported by the worker processes' fork server only: build what every document needs once, before any fork.

`workers.Pool` starts its workers from a `forkserver` that preloads this module, so each
worker starts with the runner imported, the spaCy pipelines and matchers of every
language built (`spacy.blank("fr")` alone takes seconds) and the date parser's and the
language detector's data loaded, shared copy-on-write, instead of loading them again in
each worker, on its first document (where they would count against `--timeout`).
Importing it anywhere else is harmless but slow.
"""
from __future__ import annotations

from langdetect import detect_langs
from langdetect.lang_detect_exception import LangDetectException

import pipeline.run  # noqa: F401 - the worker's code
from pipeline.vocab import available_languages, load_vocab

SAMPLES = {"en": "founded on 12 March 2001", "fr": "créé le 12 mars 2001", "es": "fundada el 12 de marzo de 2001"}

for _lang in available_languages():
    try:
        load_vocab(_lang)
        from dateparser.date import DateDataParser

        DateDataParser(languages=[_lang]).get_date_data(SAMPLES.get(_lang, SAMPLES["en"]))
    except Exception:  # noqa: BLE001, S112 - a broken vocabulary is reported per document, by the worker
        continue
try:
    detect_langs("The network was created by sixteen organizations of the social economy.")
except LangDetectException:
    pass
