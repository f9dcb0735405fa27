"""The runner: the one place where stages are chained.

Each document, in input order (documents stream through; `--jobs N` extracts them in
worker processes, `workers.py`):

    read bytes -> [cache | read -> detect_language -> find_sections -> extract_fields -> build_profile]
               -> apply_curation

The cache (`cache.py`) keeps what a document gave before curation, so the curators'
corrections apply on every run. Then, once every document is done, the corpus-level
registry stage (`pipeline/registry.py`) on the names the records give (only those are
kept in memory; the records wait in a spool file), and a second streaming pass writes
each record with its partners' registry refs (`write.py`).

`extract_document` never raises for a document's sake: what cannot be read, or breaks
a rule of the contract, becomes an `ErrorRecord` naming the file and the reason, and a
bug becomes one too (code `internal_error`), so a run always goes on.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import from_json

from pipeline.cache import CACHE_DIR, Cache, Outcome
from pipeline.curation import CurationFile, apply_curation
from pipeline.errors import OverMemory, PipelineError, ReadError, TimedOut, TooLarge
from pipeline.fields import extract_fields
from pipeline.language import detect_language
from pipeline.limits import Limits
from pipeline.models import Document, ErrorRecord, ErrorSource, Profile
from pipeline.readers import format_of, read_document, sha256_of, shown
from pipeline.registry import (DECISIONS, ORGANIZATIONS, Decisions, Entry, Merge, Mention, Registry,
                               build_registry, load_decisions)
from pipeline.sections import find_sections
from pipeline.validate import build_profile
from pipeline.vocab import available_languages, load_vocab
from pipeline.workers import executor
from pipeline.write import ERRORS, MANIFEST, PROFILES, TABLES_DIR, RunWriter, Staging, pretty_json

DOCS_PER_WORKER = 8  # a smaller run is extracted in this process: starting a worker costs more than it saves
# Test-only: `sleep:<path>`, `hang:<path>` (ignores the in-process timer) or `allocate:<path>` makes the
# document at that input path slow or huge, to test the limits. Read from the environment of the process
# that calls `run`, never from a document.
TEST_HOOK = "PROFILES_TEST_HOOK"


@dataclass(frozen=True)
class Input:
    """A document to extract: its path on disk and its path relative to the input root, as text (`shown`)."""

    path: Path
    relpath: str


def discover(paths: Iterable[Path]) -> list[Input]:
    """Every file under the given paths, sorted; hidden files and symbolic links are not followed."""
    found: dict[str, Input] = {}  # by the name on disk: two names `shown` alike are still two documents
    for given in paths:
        if given.is_dir():
            for rel in _files_under(given):
                found.setdefault(rel, Input(given / rel, shown(rel)))
        else:  # a file given by name: read, or refused if it is not a regular file (`read_input`)
            found.setdefault(given.name, Input(given, shown(given.name)))
    return [found[k] for k in sorted(found)]


def _files_under(root: Path) -> Iterator[str]:
    """The paths, relative to `root` and with `/`, of the regular files under it; names starting with a dot
    (files or folders) and symbolic links are passed over, and so are folders that cannot be listed."""
    folders = [""]
    while folders:
        folder = folders.pop()
        try:
            entries = os.scandir(os.path.join(root, folder))
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = f"{folder}/{entry.name}" if folder else entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(rel)
                    elif entry.is_file(follow_symlinks=False):
                        yield rel
                except OSError:
                    continue


# --------------------------------------------------------------------------- one document


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # a pipe does not block
_NOT_REGULAR = "not a regular file (a pipe, a socket or a device): not read"


def read_input(item: Input, limits: Limits) -> bytes:
    """The document's bytes; one over `limits.max_bytes` is refused before it is read."""
    try:
        fd = os.open(item.path, _OPEN_FLAGS)  # then checked through the open file: one look-up of its name
    except OSError:
        if not stat.S_ISREG(os.stat(item.path).st_mode):  # a socket cannot be opened
            raise ReadError(_NOT_REGULAR) from None
        raise
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # reading a pipe could wait for ever
            raise ReadError(_NOT_REGULAR)
        size = status.st_size
        if size > limits.max_bytes:
            raise TooLarge(f"{size:,} bytes is over the limit of {limits.max_bytes:,} bytes (--max-bytes)")
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", buffering=0) as handle:
        return handle.read()


def extract_profile(item: Input, data: bytes, limits: Limits) -> tuple[Profile, Document]:
    """The stages of one document's extraction, up to the validated record (before curation)."""
    doc = read_document(item.path, item.relpath, data, limits)
    doc = detect_language(doc)
    vocab = load_vocab(doc.language)
    layout = find_sections(doc, vocab)
    draft = extract_fields(doc, layout, vocab)
    return build_profile(draft), doc


def error_record(item: Input, data: bytes | None, err: BaseException) -> ErrorRecord:
    """The error record of a document that gave no record, from what stopped it."""
    if isinstance(err, MemoryError) and not isinstance(err, PipelineError):
        err = OverMemory("extracting it needed more memory than there was (--max-memory)")
    if isinstance(err, PipelineError):
        code, stage, message = err.code, err.stage, str(err)
    elif isinstance(err, OSError):
        code, stage, message = "unreadable", "read", f"the file could not be read: {err.strerror or err}"
    else:  # a bug: recorded, never silent, and the run goes on
        where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
        at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
        code, stage, message = "internal_error", "pipeline", f"{type(err).__name__}: {err}{at}; please report"
    return ErrorRecord(source=ErrorSource(path=item.relpath, sha256=sha256_of(data) if data is not None else None,
                                          format=format_of(item.path) or None),
                       code=code, stage=stage, message=message)


def extract_document(item: Input, limits: Limits = Limits(),
                     curation: Mapping[str, CurationFile] | None = None) -> Profile | ErrorRecord:
    """Extract one document: a validated record (curators' corrections applied last), or an error record.

    The limits on time and memory are the runner's (`run`); here only the size limits apply.
    """
    data: bytes | None = None
    try:
        data = read_input(item, limits)
        profile, doc = extract_profile(item, data, limits)
        return apply_curation(profile, doc, (curation or {}).get(profile.id))
    except Exception as err:  # noqa: BLE001 - every failure becomes the document's error record
        return error_record(item, data, err)


def extract_outcome(item: Input, data: bytes, limits: Limits) -> Outcome:
    """What a document's bytes give before curation, as the cache keeps it: a record, or an error."""
    try:
        profile, _ = extract_profile(item, data, limits)
    except MemoryError:
        raise  # the runner's limit: `stop_job` says so
    except Exception as err:  # noqa: BLE001 - every failure becomes the document's error record
        # A file that could not be read may be readable next time: not kept.
        return Outcome("error", error_record(item, data, err).model_dump_json(), not isinstance(err, OSError))
    return Outcome("record", profile.model_dump_json(), names=names_of(profile))


@dataclass
class Job:
    """One document on its way through pass 1: its bytes, cache key and, once known, its outcome."""

    item: Input
    limits: Limits
    data: bytes | None = None
    key: str | None = None
    outcome: Outcome | None = None
    hit: bool = False
    hook: str | None = None


def extract_job(job: Job) -> Outcome:
    """The work of a worker (or of this process): one job's outcome."""
    if job.hook:
        _test_hook(job)
    assert job.data is not None
    return extract_outcome(job.item, job.data, job.limits)


def stop_job(job: Job, reason: str) -> Outcome:
    """The outcome of a document stopped by a limit (or whose worker died): never cached."""
    limits = job.limits
    if reason == "timeout":
        err: Exception = TimedOut(f"stopped after {limits.timeout_seconds:g} s, the time limit for one document "
                                  "(--timeout)")
    elif reason == "memory":
        mib = (limits.max_memory_bytes or 0) / 2**20
        err = OverMemory(f"stopped: extracting it needed more than {mib:,.0f} MiB of memory, the limit for one "
                         "document (--max-memory)")
    else:
        err = RuntimeError(f"{reason}; the document was not extracted")
    return Outcome("error", error_record(job.item, job.data, err).model_dump_json(), False)


def warm_up() -> None:
    """Load now what the stages' libraries load on first use: langdetect's profiles, dateparser's languages.

    Run before the first document limited in this process, so that a document stopped
    there (`SIGALRM`, `MemoryError`) cannot leave a library's global data half-loaded.
    """
    from dateparser.date import DateDataParser
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        detect_langs("The network was created in 2015 by sixteen organizations of the social economy.")
    except LangDetectException:
        pass
    for lang in available_languages():
        DateDataParser(languages=[lang], settings={"PREFER_DAY_OF_MONTH": "first"}).get_date_data("12 2001")


def _test_hook(job: Job) -> None:
    action, _, target = (job.hook or "").partition(":")
    if target != job.item.relpath:
        return
    if action == "sleep":
        time.sleep(3600)
    elif action == "hang":  # not even the in-process timer stops it: only a parent's kill does
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    elif action == "allocate":
        bytearray(2 * (job.limits.max_memory_bytes or 2**40))  # twice the limit, at once


# --------------------------------------------------------------------------- a run


@dataclass
class RunResult:
    """What a run did: counts, the refused documents, the records that had corrections, the registry."""

    out: Path
    documents: int = 0
    records: int = 0
    errors: int = 0
    warnings: int = 0
    reused: int = 0  # documents whose extraction came from the cache
    refused: list[ErrorRecord] = field(default_factory=list)
    curated: list[Profile] = field(default_factory=list)  # records whose id has a corrections file
    registry: Registry | None = None

    @property
    def results(self) -> list[Profile | ErrorRecord]:
        """Every document's record or error record, in input order, read back from the output directory."""
        manifest = json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))
        with (self.out / PROFILES).open(encoding="utf-8") as profiles, \
                (self.out / ERRORS).open(encoding="utf-8") as errors:
            return [Profile.model_validate_json(next(profiles)) if entry["status"] == "record"
                    else ErrorRecord.model_validate_json(next(errors)) for entry in manifest["inputs"]]


def names_of(profile: Profile) -> dict[str, Any]:
    """The record's fields `mentions_of_record` reads, as its JSON gives them."""
    return {"id": profile.id, "name": profile.name, "acronym": profile.acronym, "aliases": profile.aliases,
            "country": profile.country, "partners": [{"name": p.name, "acronym": p.acronym} for p in profile.partners]}


def mentions_of_record(record: dict[str, Any]) -> list[Mention]:
    """`registry.mentions_of` for one record as JSON: the profile itself, then each of its partners."""
    rid = record["id"]
    out = [Mention(rid, "", _intern(record["name"]), _intern(record["acronym"]),
                   tuple(sys.intern(a) for a in record["aliases"]), record["country"])]
    out += [Mention(rid, _partner_pointer(i), _intern(p["name"]), _intern(p["acronym"]))
            for i, p in enumerate(record["partners"])]
    return out


def _partner_pointer(n: int) -> str:
    return sys.intern(f"/partners/{n}")


def _intern(text: str | None) -> str | None:
    """One string object per distinct name: partners are named alike across many records."""
    return sys.intern(text) if text else text


def run(paths: Iterable[Path], out: Path, limits: Limits = Limits(),
        on_document: Callable[[Input], None] | None = None,
        curation: Mapping[str, CurationFile] | None = None, registry: Path | None = None,
        jobs: int = 1, use_cache: bool = True, tables: bool = True) -> RunResult:
    """Extract every document under `paths` and write the outputs to `out` (corrections from `curation`).

    `jobs` > 1 extracts in that many worker processes (one per `DOCS_PER_WORKER` documents
    at most), with the same output; `use_cache=False` extracts every document again.
    Then, a corpus-level stage: the organization registry of every record (with the
    curator's `registry/decisions.yaml`) links each partner to its entry (`partners[].ref`)
    and is written to `registry/organizations.json` when a `registry` folder is given.
    """
    decisions_path = registry / DECISIONS if registry else None
    decisions = load_decisions(decisions_path) if decisions_path else Decisions()  # a bad file fails first
    inputs = discover(paths)
    out.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out / TABLES_DIR)
    cache = Cache(out / CACHE_DIR, limits, enabled=use_cache)
    result = RunResult(out=out)
    curation = curation or {}
    mentions: list[Mention] = []
    id_counts: Counter[str] = Counter()
    names_digest = hashlib.sha256(cache.print.encode())
    hook = os.environ.get(TEST_HOOK)
    # A run that may be found unchanged as a whole, next time (or now, if a complete run was kept).
    whole = use_cache and registry is not None and not curation and not hook
    run_digest = _run_digest(cache, registry, tables) if whole else None
    if run_digest is not None and cache.has_prefix("run-"):
        run_key = _run_key(run_digest.copy(), inputs, limits, cache, decisions_path)
        unchanged = _unchanged_run(out, registry, cache, run_key, len(inputs)) if run_key else None
        if unchanged is not None:
            cache.close()
            return unchanged
    cacheable = True  # every outcome kept: the next run may find this one unchanged as a whole
    workers = min(jobs, -(-len(inputs) // DOCS_PER_WORKER))
    extractor = executor(workers, extract_job, stop_job, limits, warm_up)
    fd, spool_name = tempfile.mkstemp(dir=out, prefix=".spool.", suffix=".tmp")
    spool_path = Path(spool_name)
    try:
        # Pass 1: every document, in input order, to its curated outcome in the spool.
        with os.fdopen(fd, "wb", buffering=1 << 20) as spool:
            for job in extractor.imap(_jobs(inputs, limits, cache, hook)):
                outcome = job.outcome
                assert outcome is not None
                if job.key is not None and not job.hit:
                    cache.put(job.key, outcome)
                cacheable = cacheable and outcome.cacheable and job.key is not None
                if run_digest is not None and job.key is not None:
                    run_digest.update(f"{job.key}\n".encode())
                kind, text = outcome.kind, outcome.text
                if kind == "record":
                    # The names the extraction gave, else the record read back (pydantic's reader)
                    record = outcome.names or from_json(text)
                    if record["id"] in curation:
                        kind, text, record = _curated(job, from_json(text), curation[record["id"]], result)
                if kind == "record":
                    id_counts[record["id"]] += 1
                    named = mentions_of_record(record)
                    mentions += named
                    names_digest.update(repr(named).encode("utf-8", "surrogateescape"))
                else:
                    result.refused.append(ErrorRecord.model_validate_json(text))
                spool.write(f"{kind[0]}{text}\n".encode("utf-8", "surrogateescape"))
                if on_document:
                    on_document(job.item)
        extractor.close()
        result.reused = cache.hits
        # The registry, on the names alone (from the cache when neither they nor the decisions changed).
        if decisions_path and decisions_path.exists():
            names_digest.update(decisions_path.read_bytes())
        registry_key = names_digest.hexdigest()
        organizations = _registry(mentions, decisions, cache, registry_key, registry)
        del mentions
        result.registry = organizations
        # Pass 2: each record with its partners' refs, to the outputs.
        writer = RunWriter(out, id_counts, tables=tables)
        try:
            refs = iter(organizations.refs)
            with spool_path.open("rb") as lines:
                for line in lines:
                    value = from_json(line[1:])
                    if line[:1] == b"r":
                        next(refs)  # the profile itself
                        for partner in value["partners"]:
                            partner["ref"] = next(refs)
                        writer.record(value)
                    else:
                        writer.error(value)
            counts = writer.commit()
        except BaseException:
            writer.discard()
            raise
        if run_digest is not None and cacheable and registry is not None:
            if decisions_path is not None and decisions_path.exists():
                run_digest.update(decisions_path.read_bytes())
            cache.put_text(f"run-{run_digest.hexdigest()}", json.dumps({
                "counts": counts, "registry": f"registry-{registry_key}", "organizations": len(organizations.entries),
                "files": _signatures([out / n for n in sorted(writer.taken)] + _run_files(out, registry))}))
        cache.prune()
    finally:
        extractor.close()
        cache.close()
        spool_path.unlink(missing_ok=True)
    result.documents, result.records = counts["documents"], counts["records"]
    result.errors, result.warnings = counts["errors"], counts["warnings"]
    return result


def _run_digest(cache: Cache, registry: Path | None, tables: bool) -> Any:
    """The start of a run's key: the pipeline, the limits' shape and the options (see `_run_key`)."""
    return hashlib.sha256(f"{cache.print}\n{cache.shape}\n{registry}\n{tables}\n".encode("utf-8", "surrogateescape"))


def _run_key(digest: Any, inputs: list[Input], limits: Limits, cache: Cache, decisions_path: Path | None) -> str | None:
    """What decides a whole run's outputs (without curation): `_run_digest`, then every document's cache key in
    input order (its bytes, path, the limits, the pipeline) and the curator's decisions. None when a document
    cannot be read (its outcome is not kept). A run computes it as it goes, for the next one."""
    for item in inputs:
        try:
            data = read_input(item, limits)
        except Exception:  # noqa: BLE001 - the run extracts it, and says why it cannot
            return None
        digest.update(f"{cache.key(item.relpath, sha256_of(data))}\n".encode())
    if decisions_path is not None and decisions_path.exists():
        digest.update(decisions_path.read_bytes())
    return str(digest.hexdigest())


def _run_files(out: Path, registry: Path) -> list[Path]:
    """The run's files besides the records: JSON Lines, manifest, tables, the registry's organizations."""
    tables = sorted(p for p in (out / TABLES_DIR).iterdir() if p.is_file()) if (out / TABLES_DIR).is_dir() else []
    return [out / PROFILES, out / ERRORS, out / MANIFEST, *tables, registry / ORGANIZATIONS]


def _signatures(paths: list[Path]) -> dict[str, list[int]]:
    """Each file's size and modification time (nanoseconds), as the next run will find them if none changed."""
    found = {}
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            continue
        found[str(path)] = [status.st_size, status.st_mtime_ns]
    return found


def _unchanged_run(out: Path, registry: Path, cache: Cache, run_key: str, documents: int) -> RunResult | None:
    """The result of a run whose documents, options and decisions are those of the last one, if its outputs are
    still as it left them: then nothing is extracted, nor written. None otherwise (a run is needed)."""
    kept = cache.get_text(f"run-{run_key}")
    if kept is None:
        return None
    try:
        last = json.loads(kept)
        files = last["files"]
        counts = last["counts"]
        if len(files) < 3 or _signatures([Path(p) for p in files]) != files:
            return None
        with (out / ERRORS).open(encoding="utf-8") as errors:
            refused = [ErrorRecord.model_validate_json(line) for line in errors]
        result = RunResult(out=out, documents=counts["documents"], records=counts["records"],
                           errors=counts["errors"], warnings=counts["warnings"], reused=documents, refused=refused)
        kept_registry = cache.get_text(last["registry"])  # its refs and problems
        if kept_registry is None:
            return None
        names = json.loads(kept_registry)
        result.registry = Registry(entries=_Entries(registry / ORGANIZATIONS, last["organizations"]),  # type: ignore[arg-type]
                                   refs=names["refs"], problems=names["problems"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    cache.hits = documents
    return result


def _clear_leftovers(folder: Path) -> None:
    """Remove the temporary files (`.<name>.<random>.tmp`) a killed run left in `folder`."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file():
                path.unlink(missing_ok=True)


def _jobs(inputs: list[Input], limits: Limits, cache: Cache, hook: str | None) -> Iterator[Job]:
    """Pass 1's jobs, in input order: the bytes read and hashed, the outcome filled in from the cache if kept."""
    for item in inputs:
        job = Job(item, limits, hook=hook)
        try:
            job.data = read_input(item, limits)
        except Exception as err:  # noqa: BLE001 - too large, or unreadable: the document's error
            job.outcome = Outcome("error", error_record(item, None, err).model_dump_json(), False)
            yield job
            continue
        job.key = cache.key(item.relpath, sha256_of(job.data))
        job.outcome = cache.get(job.key)
        job.hit = job.outcome is not None
        yield job


def _curated(job: Job, record: dict[str, Any], corrections: CurationFile,
             result: RunResult) -> tuple[str, str, dict[str, Any]]:
    """The record with the curators' corrections applied (the document is read again for their spans)."""
    try:
        profile = Profile.model_validate(record)
        assert job.data is not None
        doc = read_document(job.item.path, job.item.relpath, job.data, job.limits)
        curated = apply_curation(profile, doc, corrections)
    except Exception as err:  # noqa: BLE001 - a failing correction stops this document only
        return "error", error_record(job.item, job.data, err).model_dump_json(), {}
    result.curated.append(curated)
    return "record", curated.model_dump_json(), curated.model_dump(mode="json")


def _registry(mentions: list[Mention], decisions: Decisions, cache: Cache, key: str,
              directory: Path | None) -> Registry:
    """The registry of `mentions`, written to `directory/organizations.json` (when given).

    Kept in the cache (its refs and problems; its entries are in `organizations.json`)
    while the names, the decisions and that file stay the same; built again otherwise.
    """
    name = f"registry-{key}"
    kept = cache.get_text(name) if directory else None
    if kept is not None and directory is not None:
        try:
            data = json.loads(kept)
            path = directory / ORGANIZATIONS
            if _sha256_of_file(path) == data["sha256"]:
                return Registry(entries=_Entries(path, data["count"]), refs=data["refs"],  # type: ignore[arg-type]
                                problems=data["problems"])
        except (ValueError, KeyError, TypeError):
            pass
    built = build_registry(mentions, decisions)
    if directory is not None:
        sha256 = _write_organizations(directory / ORGANIZATIONS, built)
        cache.put_text(name, json.dumps({"refs": built.refs, "problems": built.problems,
                                         "count": len(built.entries), "sha256": sha256}, ensure_ascii=False))
    return built


class _Entries(Sequence[Entry]):
    """A kept registry's entries: read from its `organizations.json` when first asked for (the count is known)."""

    def __init__(self, path: Path, count: int) -> None:
        self.path, self.count = path, count
        self.loaded: list[Entry] | None = None

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        if self.loaded is None:
            data = json.loads(self.path.read_text(encoding="utf-8"))["organizations"]
            self.loaded = [Entry(e["id"], e["name"], e["acronym"], e["aliases"], e["country"], e["profiles"],
                                 [(m["record"], m["pointer"], m["text"]) for m in e["mentions"]],
                                 [Merge(m["rule"], m["a"], m["b"], m["score"]) for m in e["merges"]]) for e in data]
        return self.loaded[index]


def _sha256_of_file(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _write_organizations(path: Path, registry: Registry) -> str:
    """Write `organizations.json` (`registry.registry_text`, streamed entry by entry); returns its sha256.

    The file is replaced only when its bytes change, atomically.
    """
    digest = hashlib.sha256()
    staging = Staging()
    with staging.open(path) as handle:
        def put(data: bytes) -> None:
            digest.update(data)
            handle.write(data)

        put(b'{\n  "organizations": [')
        for n, entry in enumerate(registry.entries):
            put((b"\n" if n == 0 else b",\n") + _indented(entry.to_json()))
        put(b"\n  ]\n}\n" if registry.entries else b"]\n}\n")
    staging.commit()
    return digest.hexdigest()


def _indented(entry: dict[str, Any]) -> bytes:
    """An entry as `json.dumps(..., indent=2)` writes it two levels down (pydantic_core's writer, the same bytes,
    unless a score is written in exponent notation: then the json module's)."""
    if any(isinstance(m["score"], float) and (0 < abs(m["score"]) < 1e-4 or abs(m["score"]) >= 1e16)
           for m in entry["merges"]):
        text = json.dumps(entry, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        text = pretty_json(entry)[:-1]
    return b"\n".join(b"    " + line for line in text.split(b"\n"))
