"""Write a run's results to the output directory, each file atomically.

- `<id>.json`: one record per document, pretty, in the contract's key order;
- `profiles.jsonl`: every record, one per line, in input order;
- `errors.jsonl`: one line per document that produced no record;
- `manifest.json`: inputs with their sha256, tool version, counts, outputs.

Every file is written to a temporary file in the same directory and renamed over the
old one, so a reader (or an interrupted run) only ever sees a complete file. The output
is a function of the inputs alone (no timestamps), so the same input gives the same
bytes. Record files a previous run wrote and this run did not are removed.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.models import SCHEMA_VERSION, ErrorRecord, Profile
from pipeline.validate import slugify

MANIFEST = "manifest.json"


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


def _jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)


def file_names(profiles: Sequence[Profile]) -> list[str]:
    """One file name per record: `<id>.json`, or `<id>--<source>.json` when two documents share an id."""
    counts: dict[str, int] = {}
    for p in profiles:
        counts[p.id] = counts.get(p.id, 0) + 1
    return [f"{p.id}.json" if counts[p.id] == 1 else f"{p.id}--{slugify(p.source.path)}.json" for p in profiles]


def write_outputs(out: Path, results: Sequence[Profile | ErrorRecord]) -> dict[str, Any]:
    """Write every output file of a run; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    profiles = [r for r in results if isinstance(r, Profile)]
    errors = [r for r in results if isinstance(r, ErrorRecord)]
    names = file_names(profiles)
    previous = _previous_outputs(out)
    for profile, name in zip(profiles, names):
        atomic_write(out / name, json.dumps(record_json(profile), ensure_ascii=False, indent=2) + "\n")
    atomic_write(out / "profiles.jsonl", _jsonl([record_json(p) for p in profiles]))
    atomic_write(out / "errors.jsonl", _jsonl([e.model_dump(mode="json") for e in errors]))
    file_of = {id(p): n for p, n in zip(profiles, names)}
    inputs = []
    for r in results:
        if isinstance(r, Profile):
            inputs.append({"path": r.source.path, "sha256": r.source.sha256, "format": r.source.format,
                           "status": "record", "id": r.id, "output": file_of[id(r)], "warnings": len(r.warnings)})
        else:
            inputs.append({"path": r.source.path, "sha256": r.source.sha256, "format": r.source.format,
                           "status": "error", "code": r.code})
    manifest = {
        "tool": "sse-profiles",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "counts": {"documents": len(results), "records": len(profiles), "errors": len(errors),
                   "warnings": sum(len(p.warnings) for p in profiles)},
        "inputs": inputs,
        "outputs": sorted(names),
    }
    atomic_write(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    for stale in previous - set(names):
        (out / stale).unlink(missing_ok=True)
    return manifest


def _previous_outputs(out: Path) -> set[str]:
    """Record files the previous run listed in its manifest (only plain names inside `out`)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for n in listed if isinstance(n, str) and n.endswith(".json") and "/" not in n and "\\" not in n
            and not n.startswith(".") and n != MANIFEST}
