"""Imported by the worker processes' fork server only: build what every document needs once, before any fork.

`workers.Pool` starts its workers from a `forkserver` that preloads this module, so each
worker starts with the runner imported, the spaCy pipelines and matchers of every
language built (`spacy.blank("fr")` alone takes seconds) and the date parser's and the
language detector's data loaded (`run.warm_up`), shared copy-on-write, instead of
loading them again in each worker, on its first document (where they would count
against `--timeout`). Importing it anywhere else is harmless but slow.
"""
from __future__ import annotations

from pipeline.run import warm_up
from pipeline.vocab import available_languages, load_vocab

for _lang in available_languages():
    try:
        load_vocab(_lang)
    except Exception:  # noqa: BLE001, S112 - a broken vocabulary is reported per document, by the worker
        continue
warm_up()
