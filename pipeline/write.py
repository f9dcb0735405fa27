"""Write a run's outputs to the output directory, record by record, each file atomically.

- `<id>.json`: one record per document, pretty, in the contract's key order;
- `profiles.jsonl`: every record, one per line, in input order;
- `errors.jsonl`: one line per document that produced no record;
- `tables/<entity>.csv` and `tables/<entity>.parquet`: the records as flat tables (`tables.py`);
- `manifest.json`: inputs with their sha256, tool version, counts, outputs.

Records stream through `RunWriter`: nothing grows with the number of records but the
list of output names. Every file is written under a temporary name in its own directory
and renamed over the old one only at `commit`, after one `os.sync()` made the new files
durable, so a reader (or an interrupted run) only ever sees the previous complete file
or the new complete one; a file whose bytes would not change is left alone. The output
is a function of the inputs alone (no timestamps), so the same input gives the same
bytes. Record files a previous run wrote and this run did not are removed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pydantic_core import to_json

from pipeline import __version__
from pipeline.models import SCHEMA_VERSION, Profile
from pipeline.validate import slugify

MANIFEST = "manifest.json"
TABLES_DIR = "tables"
PROFILES = "profiles.jsonl"
ERRORS = "errors.jsonl"


def atomic_write(path: Path, data: str) -> None:
    """Write `data` to `path` so that `path` is always either the old or the new complete file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_json(profile: Profile) -> dict[str, Any]:
    return profile.model_dump(mode="json")


def pretty_json(value: Any) -> bytes:
    """`json.dumps(value, ensure_ascii=False, indent=2) + "\\n"`, the same bytes, in Rust."""
    return to_json(value, indent=2) + b"\n"


def line_json(value: Any) -> bytes:
    """One JSON Lines line: `json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\\n"`."""
    return to_json(value) + b"\n"


RESERVED = frozenset({MANIFEST})  # run files a record file must never replace


def file_name(record_id: str, source_path: str, id_counts: Mapping[str, int], taken: set[str] | None = None) -> str:
    """The record's file: `<id>.json`, or `<id>--<source>.json` when two documents share an id (or the id
    names a run file, like `manifest`); `-2`, `-3`... when that is taken too. Adds it to `taken`."""
    name = f"{record_id}.json"
    if id_counts.get(record_id, 0) > 1 or name in RESERVED:
        name = f"{record_id}--{slugify(source_path)}.json"
    if taken is not None:
        stem, n = name[: -len(".json")], 2
        while name in taken or name in RESERVED:
            name, n = f"{stem}-{n}.json", n + 1
        taken.add(name)
    return name


def file_names(profiles: Sequence[Profile]) -> list[str]:
    """One distinct file name per record, in order (see `file_name`)."""
    counts: dict[str, int] = {}
    for p in profiles:
        counts[p.id] = counts.get(p.id, 0) + 1
    taken: set[str] = set()
    return [file_name(p.id, p.source.path, counts, taken) for p in profiles]


class Staging:
    """New versions of files, written under temporary names and renamed over the old ones at `commit`."""

    def __init__(self) -> None:
        # (temporary, target, whether the target may hold the same bytes): strings, lighter than Paths by the 100,000
        self.moves: list[tuple[str, str, bool]] = []
        self.folders: set[Path] = set()  # made already

    def _temp(self, path: Path, compare: bool) -> int:
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        # Named after the target and this process (no other writes there at once: the output's lock);
        # a random name when a killed run left that one.
        tmp = os.path.join(path.parent, f".{path.name[:60]}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".tmp")
        self.moves.append((tmp, str(path), compare))
        return fd

    def write(self, path: Path, data: bytes, exists: bool = True) -> None:
        """Stage `data` as the new `path`, unless `path` already holds exactly these bytes
        (`exists=False`: the caller knows there is no `path`)."""
        try:
            if exists and os.stat(path).st_size == len(data) and path.read_bytes() == data:
                return
        except OSError:
            pass
        fd = self._temp(path, compare=False)  # compared already
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def open(self, path: Path) -> IO[bytes]:
        """A file to stream the new `path` into (the caller closes it)."""
        return os.fdopen(self._temp(path, compare=True), "wb", buffering=1 << 20)

    def commit(self) -> None:
        """Make every staged file durable, then rename each over its target (unchanged ones are dropped)."""
        moves = []
        for tmp, path, compare in sorted(self.moves, key=lambda m: os.path.basename(m[1]) == MANIFEST):  # it last
            if compare and _same_file_bytes(tmp, path):
                os.unlink(tmp)
            else:
                moves.append((tmp, path))
        if moves:
            _sync([tmp for tmp, _ in moves])
        for tmp, path in moves:
            os.replace(tmp, path)
        self.moves = []

    def discard(self) -> None:
        for tmp, _, _ in self.moves:
            Path(tmp).unlink(missing_ok=True)
        self.moves = []


def _same_file_bytes(a: str, b: str) -> bool:
    try:
        if os.stat(a).st_size != os.stat(b).st_size:
            return False
    except OSError:
        return False
    return _digest(a) == _digest(b)


def _digest(path: str) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _sync(paths: list[str]) -> None:
    """Flush the files' data to disk: one `os.sync()` for many files, `fsync` for a few."""
    if len(paths) > 8 and hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RunWriter:
    """The outputs of one run, fed one document at a time in input order; `commit` puts them in place."""

    def __init__(self, out: Path, id_counts: Mapping[str, int], tables: bool = True) -> None:
        from pipeline.tables import TableWriter  # pyarrow: imported when a run writes

        self.out = out
        self.id_counts = id_counts
        self.previous = _previous_outputs(out)
        self.staging = Staging()
        self.profiles = self.staging.open(out / PROFILES)
        self.errors = self.staging.open(out / ERRORS)
        self.inputs = tempfile.TemporaryFile(dir=out, prefix=".manifest-inputs.")
        self.tables = TableWriter(out / TABLES_DIR, self.staging.open) if tables else None
        self.taken: set[str] = set()  # record file names given so far
        self.existing = {entry.name for entry in os.scandir(out) if entry.name.endswith(".json")}  # one listing
        self.counts = {"documents": 0, "records": 0, "errors": 0, "warnings": 0}

    def record(self, record: dict[str, Any]) -> str:
        """Write one record (with its partner refs set); returns its file name."""
        name = file_name(record["id"], record["source"]["path"], self.id_counts, self.taken)
        self.staging.write(self.out / name, pretty_json(record), exists=name in self.existing)
        self.profiles.write(line_json(record))
        if self.tables is not None:
            self.tables.add(record)
        source = record["source"]
        self._input({"path": source["path"], "sha256": source["sha256"], "format": source["format"],
                     "status": "record", "id": record["id"], "output": name, "warnings": len(record["warnings"])})
        self.counts["records"] += 1
        self.counts["warnings"] += len(record["warnings"])
        return name

    def error(self, error: dict[str, Any]) -> None:
        """Write one error record (a document that gave no record)."""
        self.errors.write(line_json(error))
        source = error["source"]
        self._input({"path": source["path"], "sha256": source["sha256"], "format": source["format"],
                     "status": "error", "code": error["code"]})
        self.counts["errors"] += 1

    def _input(self, entry: dict[str, Any]) -> None:
        if self.counts["documents"]:
            self.inputs.write(b",\n")
        self.inputs.write(b"\n".join(b"    " + line for line in to_json(entry, indent=2).split(b"\n")))
        self.counts["documents"] += 1

    def commit(self) -> dict[str, int]:
        """Close every file, write the manifest, put every new file in place, remove stale record files."""
        self.profiles.close()
        self.errors.close()
        if self.tables is not None:
            self.tables.close()
        with self.staging.open(self.out / MANIFEST) as handle:
            self._manifest(handle)
        self.inputs.close()
        self.staging.commit()
        for stale in self.previous - self.taken:
            (self.out / stale).unlink(missing_ok=True)
        return self.counts

    def discard(self) -> None:
        for handle in (self.profiles, self.errors, self.inputs):
            handle.close()
        self.staging.discard()

    def _manifest(self, handle: IO[bytes]) -> None:
        """`json.dumps(manifest, ensure_ascii=False, indent=2)`, with the inputs streamed in."""
        head = json.dumps({"tool": "sse-profiles", "version": __version__, "schema_version": SCHEMA_VERSION,
                           "counts": self.counts, "inputs": None}, ensure_ascii=False, indent=2)
        handle.write(head[: -len("null\n}")].encode())
        if self.counts["documents"]:
            handle.write(b"[\n")
            self.inputs.seek(0)
            while chunk := self.inputs.read(1 << 20):
                handle.write(chunk)
            handle.write(b"\n  ],\n")
        else:
            handle.write(b"[],\n")
        outputs = sorted(self.taken)
        handle.write(b'  "outputs": ' + (b"[]" if not outputs else
                                         b"[\n" + b",\n".join(b"    " + to_json(n) for n in outputs) + b"\n  ]"))
        handle.write(b"\n}\n")


def _previous_outputs(out: Path) -> set[str]:
    """Record files the previous run listed in its manifest (only plain names inside `out`)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for n in listed if isinstance(n, str) and n.endswith(".json") and "/" not in n and "\\" not in n
            and not n.startswith(".") and n != MANIFEST}
