"""The runner: the one place where stages are chained, one document at a time.

    read -> detect_language -> find_sections -> extract_fields -> build_profile

`extract_document` never raises for a document's sake: what cannot be read, or breaks
a rule of the contract, becomes an `ErrorRecord` naming the file and the reason, and a
bug becomes one too (code `internal_error`), so a run always goes on.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError, TooLarge
from pipeline.fields import extract_fields
from pipeline.language import detect_language
from pipeline.models import ErrorRecord, ErrorSource, Profile
from pipeline.readers import Limits, format_of, read_document, sha256_of
from pipeline.sections import find_sections
from pipeline.validate import build_profile
from pipeline.vocab import load_vocab
from pipeline.write import write_outputs


@dataclass(frozen=True)
class Input:
    """A document to extract: its path on disk and its path relative to the input root."""

    path: Path
    relpath: str


def discover(paths: Iterable[Path]) -> list[Input]:
    """Every file under the given paths, sorted; hidden files and symbolic links are not followed."""
    found: dict[str, Input] = {}
    for given in paths:
        if given.is_file():
            found.setdefault(given.name, Input(given, given.name))
            continue
        for path in sorted(given.rglob("*")):
            rel = path.relative_to(given)
            if any(part.startswith(".") for part in rel.parts) or path.is_symlink() or not path.is_file():
                continue
            found.setdefault(rel.as_posix(), Input(path, rel.as_posix()))
    return [found[k] for k in sorted(found)]


def extract_document(item: Input, limits: Limits = Limits()) -> Profile | ErrorRecord:
    """Extract one document: a validated record, or an error record saying why not."""
    data: bytes | None = None
    try:
        size = item.path.stat().st_size
        if size > limits.max_bytes:
            raise TooLarge(f"{size:,} bytes is over the limit of {limits.max_bytes:,} bytes (--max-bytes)")
        data = item.path.read_bytes()
        doc = read_document(item.path, item.relpath, data, limits)
        doc = detect_language(doc)
        vocab = load_vocab(doc.language)
        layout = find_sections(doc, vocab)
        draft = extract_fields(doc, layout, vocab)
        return build_profile(draft)
    except PipelineError as err:
        return _error(item, data, err.code, err.stage, str(err))
    except OSError as err:
        return _error(item, data, "unreadable", "read", f"the file could not be read: {err.strerror or err}")
    except Exception as err:  # noqa: BLE001 - a bug is recorded, never silent, and the run goes on
        where = traceback.extract_tb(err.__traceback__)[-1]
        return _error(item, data, "internal_error", "pipeline",
                      f"{type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno}); please report")


def _error(item: Input, data: bytes | None, code: str, stage: str, message: str) -> ErrorRecord:
    return ErrorRecord(source=ErrorSource(path=item.relpath, sha256=sha256_of(data) if data is not None else None,
                                          format=format_of(item.path) or None),
                       code=code, stage=stage, message=message)


@dataclass
class RunResult:
    results: list[Profile | ErrorRecord] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(isinstance(r, Profile) for r in self.results)

    @property
    def errors(self) -> int:
        return sum(isinstance(r, ErrorRecord) for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(len(r.warnings) for r in self.results if isinstance(r, Profile))


def run(paths: Iterable[Path], out: Path, limits: Limits = Limits(),
        on_document: Callable[[Input], None] | None = None) -> RunResult:
    """Extract every document under `paths` and write the outputs to `out`."""
    inputs = discover(paths)
    result = RunResult()
    for item in inputs:
        result.results.append(extract_document(item, limits))
        if on_document:
            on_document(item)
    write_outputs(out, result.results)
    return result
