"""The extraction cache: what a document gave last time, reused while nothing it depends on changed.

One entry per document in an SQLite database, `OUT/.cache/entries.sqlite3`, under a key: the sha256 of the document's
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
damaged entry is a miss, and so is a damaged database (started again). Entries are written
in transactions of a few hundred (a killed run keeps those it committed) and not synced
to disk: losing one costs an extraction, nothing more.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import pipeline
from pipeline.limits import Limits

CACHE_DIR = ".cache"
PACKAGE_DIR = Path(pipeline.__file__).resolve().parent
# The libraries whose version can change what a document gives.
LIBRARIES = ("spacy", "langdetect", "dateparser", "phonenumbers", "rapidfuzz", "pydantic", "pydantic-core",
             "charset-normalizer", "selectolax", "markdown-it-py", "pdfplumber", "pdfminer.six", "python-docx",
             "PyYAML")
DATABASE = "entries.sqlite3"
COMMIT_EVERY = 500  # entries per transaction
LAYOUT = 2  # the database's layout (`PRAGMA user_version`); a database of another is emptied
# Files of the one-file-per-entry cache of earlier versions, and temporary files a killed run left.
_LEFTOVER = re.compile(r"^((registry-|run-)?[0-9a-f]{64}\.json|\..*\.tmp)$")


class Outcome(NamedTuple):
    """What one document gave: `kind` "record" or "error", `text` its JSON, `cacheable` whether it is kept.

    `names`, when just extracted: the record's id and the fields the registry reads (`names_of`),
    so that the runner need not read `text` back; not kept in the cache.
    """

    kind: str
    text: str
    cacheable: bool = True
    names: dict[str, Any] | None = None


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
    """The cache of one run (`OUT/.cache/entries.sqlite3`): look-ups, new entries, and the pruning of unused ones."""

    def __init__(self, directory: Path, limits: Limits, enabled: bool = True, print_: str | None = None) -> None:
        self.directory = directory
        self.enabled = enabled
        self.print = print_ or fingerprint()
        self.shape = f"{limits.max_bytes}/{limits.max_pages}/{limits.max_unpacked_bytes}"
        self.used: set[str] = set()
        self.hits = 0
        self._db: sqlite3.Connection | None = None
        self._pending = 0  # entries written since the last commit
        self._fresh = False  # the database held no entry when opened: only this run's can be found

    def key(self, relpath: str, sha256: str) -> str:
        text = f"{self.print}\n{self.shape}\n{sha256}\n{relpath}"
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    # ------------------------------------------------------------ the database

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / DATABASE
            try:
                self._db, count = _connect(path)
            except sqlite3.DatabaseError:  # damaged (a disk that lost writes): started again, empty
                for damaged in self.directory.glob(DATABASE + "*"):
                    damaged.unlink(missing_ok=True)
                self._db, count = _connect(path)
            self._fresh = count == 0
        return self._db

    def _read(self, key: str) -> str | None:
        try:
            db = self._open()
            if self._fresh and key not in self.used:  # a first run: nothing to look up
                return None
            row = db.execute("SELECT text FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None

    def _write(self, key: str, text: str) -> None:
        db = self._open()
        db.execute("INSERT OR REPLACE INTO entries (key, text) VALUES (?, ?)", (key, text))
        self._pending += 1
        if self._pending >= COMMIT_EVERY:  # a killed run keeps what it had committed
            db.commit()
            self._pending = 0

    def close(self) -> None:
        """Commit the new entries and close the database."""
        if self._db is not None:
            self._db.commit()
            self._db.close()
            self._db = None
            self._pending = 0

    # ------------------------------------------------------------ entries

    def get(self, key: str) -> Outcome | None:
        """The outcome kept under `key`, or None (none kept, or `--no-cache`)."""
        if not self.enabled:
            return None
        try:
            kind, text = (self._read(key) or "").split("\n", 1)
        except ValueError:
            return None
        if kind not in ("record", "error") or not text.endswith("}\n"):
            return None  # damaged: extracted again
        self.used.add(key)
        self.hits += 1
        return Outcome(kind, text[:-1])

    def put(self, key: str, outcome: Outcome) -> None:
        if not outcome.cacheable:
            return
        self.used.add(key)
        self._write(key, f"{outcome.kind}\n{outcome.text}\n")

    def get_text(self, name: str) -> str | None:
        """A named entry (the registry's, a run's), or None."""
        if not self.enabled:
            return None
        text = self._read(name)
        if text is not None:
            self.used.add(name)
        return text

    def has_prefix(self, prefix: str) -> bool:
        """Whether an entry's name starts with `prefix` (a run kept as a whole: `run-`)."""
        if not self.enabled:
            return False
        try:
            return self._open().execute("SELECT 1 FROM entries WHERE key >= ? AND key < ? LIMIT 1",
                                        (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))).fetchone() is not None
        except sqlite3.DatabaseError:
            return False

    def put_text(self, name: str, text: str) -> None:
        self.used.add(name)
        self._write(name, text)

    def prune(self) -> int:
        """Remove the entries this run did not use, and files an older cache or a killed run left; returns how many."""
        db = self._open()
        db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("DELETE FROM used")
        db.executemany("INSERT OR IGNORE INTO used (key) VALUES (?)", ((k,) for k in self.used))
        removed = db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)").rowcount
        db.commit()
        self._pending = 0
        for entry in os.scandir(self.directory):
            if _LEFTOVER.match(entry.name):
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed


def _connect(path: Path) -> tuple[sqlite3.Connection, int]:
    """The database, opened (created if new), and how many entries it holds."""
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")  # readers never wait; a killed run's last writes are rolled back
    db.execute("PRAGMA synchronous=OFF")   # losing entries to a power cut costs extractions, nothing more
    if db.execute("PRAGMA user_version").fetchone()[0] != LAYOUT:  # an earlier layout: its entries are stale anyway
        db.execute("DROP TABLE IF EXISTS entries")
        db.execute(f"PRAGMA user_version = {LAYOUT}")
    # A table with row ids: records of a few kB are inserted at less than half the cost of a WITHOUT ROWID table's.
    db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, text TEXT NOT NULL)")
    count = db.execute("SELECT count(*) FROM entries").fetchone()[0]  # a damaged file fails here
    return db, count


def entries(directory: Path) -> list[str]:
    """The keys of the entries kept in a cache directory (for tests and inspection)."""
    path = directory / DATABASE
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT key FROM entries ORDER BY key")]
    finally:
        db.close()
