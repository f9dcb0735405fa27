"""The extraction cache: what a document gave last time, reused while nothing it depends on changed.

One file per document in `OUT/.cache/`, named by a key: the sha256 of the document's
bytes' sha256, its path relative to the input root (the record says it), the limits
that shape a result (`max_bytes`, `max_pages`, `max_unpacked_bytes`) and the pipeline's
*fingerprint* — the tool version, every file of the `pipeline` package (its code and
its vocabularies, `pipeline/vocab/`) and the versions of the libraries that read and
parse documents. Change any of them and every key changes: everything is extracted again.

An entry is the document's outcome *before* the curators' corrections and the registry
(both applied again on every run, since they change without the document changing):
`record` or `error`, then the record or error record as compact JSON. Outcomes that
depend on the moment rather than the inputs (a file that could not be read, a document
stopped by `--timeout` or `--max-memory`) are not kept. The registry keeps its own entry,
keyed by every name the records give and the curator's decisions. A whole run keeps one
too (`run-<key>`, `run._run_key`: every document's key, the options, the decisions), with
the size and modification time of every file it wrote: a run that finds it, and those
files as they were, has nothing to extract or write (without curation files only, whose
report needs the records).

A run removes the entries it did not use, so the cache holds the current corpus only. A
damaged entry is a miss. Entries are written atomically (temporary file, then rename)
but not synced to disk: losing one costs an extraction, nothing more.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pipeline
from pipeline.limits import Limits

CACHE_DIR = ".cache"
PACKAGE_DIR = Path(pipeline.__file__).resolve().parent
# The libraries whose version can change what a document gives.
LIBRARIES = ("spacy", "langdetect", "dateparser", "phonenumbers", "rapidfuzz", "pydantic", "pydantic-core",
             "charset-normalizer", "selectolax", "markdown-it-py", "pdfplumber", "pdfminer.six", "python-docx",
             "PyYAML")
_ENTRY = re.compile(r"^(registry-|run-)?[0-9a-f]{64}\.json$")


class Outcome(NamedTuple):
    """What one document gave: `kind` "record" or "error", `text` its JSON, `cacheable` whether it is kept."""

    kind: str
    text: str
    cacheable: bool = True


def fingerprint(package_dir: Path | None = None) -> str:
    """A hash of everything but the document that decides what a document gives (see the module doc)."""
    package_dir = package_dir or PACKAGE_DIR
    digest = hashlib.sha256(f"sse-profiles {pipeline.__version__}\n".encode())
    for path in sorted(p for p in package_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(package_dir).as_posix()
        if "__pycache__" in rel or any(part.startswith(".") for part in rel.split("/")):
            continue
        data = path.read_bytes()
        digest.update(f"{rel}\n{len(data)}\n".encode())
        digest.update(data)
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()


class Cache:
    """The cache directory of one run: look-ups, new entries, and the pruning of unused ones."""

    def __init__(self, directory: Path, limits: Limits, enabled: bool = True, print_: str | None = None) -> None:
        self.directory = directory
        self.enabled = enabled
        self.print = print_ or fingerprint()
        self.shape = f"{limits.max_bytes}/{limits.max_pages}/{limits.max_unpacked_bytes}"
        self.used: set[str] = set()
        self.hits = 0

    def key(self, relpath: str, sha256: str) -> str:
        text = f"{self.print}\n{self.shape}\n{sha256}\n{relpath}"
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    def get(self, key: str) -> Outcome | None:
        """The outcome kept under `key`, or None (none kept, or `--no-cache`)."""
        if not self.enabled:
            return None
        try:
            kind, text = (self.directory / f"{key}.json").read_text(encoding="utf-8").split("\n", 1)
        except (OSError, ValueError):
            return None
        if kind not in ("record", "error") or not text.endswith("}\n"):
            return None  # damaged (a partial write): extracted again
        self.used.add(key)
        self.hits += 1
        return Outcome(kind, text[:-1])

    def put(self, key: str, outcome: Outcome) -> None:
        if not outcome.cacheable:
            return
        self.used.add(key)
        self._write(f"{key}.json", f"{outcome.kind}\n{outcome.text}\n")

    def get_text(self, name: str) -> str | None:
        """A named entry (the registry's), or None."""
        if not self.enabled:
            return None
        try:
            text = (self.directory / f"{name}.json").read_text(encoding="utf-8")
        except OSError:
            return None
        self.used.add(name)
        return text

    def put_text(self, name: str, text: str) -> None:
        self.used.add(name)
        self._write(f"{name}.json", text)

    def _write(self, name: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self) -> int:
        """Remove the entries this run did not use and the temporary files a killed run left; returns how many."""
        removed = 0
        try:
            entries: Iterable[os.DirEntry[str]] = list(os.scandir(self.directory))
        except OSError:
            return 0
        for entry in entries:
            name = entry.name
            if _ENTRY.match(name):
                if name[:-5] in self.used:
                    continue
            elif not (name.startswith(".") and name.endswith(".tmp")):  # a killed run's: this run's are renamed
                continue
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
        return removed
