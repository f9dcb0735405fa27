"""The `profiles` command: a thin layer over the library.

Data goes to files, progress and the summary to stderr. Exit status: 0 when every
document gave a record (or every record is valid), 1 when some were refused (listed in
errors.jsonl) or invalid, 2 on a usage error, 3 when `extract` finds its output directory
in use by another run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from pipeline import __version__
from pipeline.curate_cli import add_curation_commands
from pipeline.curation import CURATION_DIR
from pipeline.limits import Limits
from pipeline.lock import Locked, locked
from pipeline.registry_cli import add_registry_commands

# The extraction stages (spaCy and the readers) are imported by the commands that need
# them, so that `profiles --help` and the light commands start at once.
SCHEMA_DIR = Path("schemas")
SCHEMAS = {"profile.schema.json": "Profile", "error.schema.json": "ErrorRecord"}  # file -> pipeline.models class
EXIT_BUSY = 3  # extract: another run holds the output directory (pipeline/lock.py)


def schema_documents() -> dict[str, str]:
    """The JSON Schema files generated from the pydantic models, as they are checked in."""
    from pipeline import models

    out = {}
    for name, model_name in SCHEMAS.items():
        model = getattr(models, model_name)
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"https://sse-profiles.invalid/schemas/{models.SCHEMA_VERSION}/{name}",
                  "$comment": f"sse-profiles record contract, schema_version {models.SCHEMA_VERSION}",
                  **model.model_json_schema()}
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out


def cmd_extract(args: argparse.Namespace) -> int:
    """Extract records from profile documents.

    example: profiles extract raw/ --out extracted/
    """
    paths = args.paths or [Path("raw")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"profiles extract: no such file or directory: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    # The repository's layout (raw/ -> extracted/ + registry/) writes registry/; a run with its own --out
    # writes nothing outside it (its partners' refs are still set) unless --registry is given.
    if args.registry is None and args.out == Path("extracted"):
        args.registry = Path("registry")
    from pipeline.curate_cli import report_curation
    from pipeline.curation import CurationError, load_curation
    from pipeline.registry import DECISIONS, DecisionsError, load_decisions
    from pipeline.registry_cli import report_registry
    from pipeline.run import discover, run

    limits = Limits(max_bytes=args.max_bytes, max_pages=args.max_pages, timeout_seconds=args.timeout or None,
                    max_memory_bytes=args.max_memory or None)
    try:
        curation = load_curation(args.curation)
        if args.registry:
            load_decisions(args.registry / DECISIONS)
    except (CurationError, DecisionsError) as err:
        print(f"profiles extract: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        with locked(args.out, args.wait):  # one run at a time per output directory
            if sys.stderr.isatty() and not args.quiet:
                from rich.progress import Progress

                with Progress(transient=True) as progress:
                    task = progress.add_task("extracting", total=len(discover(paths)))
                    result = run(paths, args.out, limits, on_document=lambda _: progress.advance(task),
                                 curation=curation, registry=args.registry, jobs=args.jobs,
                                 use_cache=not args.no_cache)
            else:
                result = run(paths, args.out, limits, curation=curation, registry=args.registry, jobs=args.jobs,
                             use_cache=not args.no_cache)
    except Locked as err:
        print(f"profiles extract: {err}", file=sys.stderr)
        return EXIT_BUSY
    seconds = time.perf_counter() - started
    reused = f" ({result.reused} unchanged, from the cache)" if result.reused else ""
    print(f"{result.records} records, {result.errors} errors, {result.warnings} warnings "
          f"in {seconds:.1f} s{reused} -> {args.out}/", file=sys.stderr)
    for error in result.refused:
        print(f"  refused {error.source.path}: {error.code}: {error.message}", file=sys.stderr)
    report_curation(result.curated, curation)
    report_registry(result.registry, args.registry)
    return 1 if result.errors else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of the records, generated from the pydantic models.

    example: profiles schema --out schemas/
    """
    from pipeline.write import atomic_write

    for name, text in schema_documents().items():
        atomic_write(args.out / name, text)
        print(f"wrote {args.out / name}", file=sys.stderr)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check records against the contract: a record file (.json), a JSON Lines file, or a directory of them.

    A directory is read as `profiles extract` writes it: its *.json record files (not the
    manifest) and profiles.jsonl. Every violation is listed with the JSON Pointer of the
    value at fault, e.g. `extracted/profiles.jsonl:3: /founded/date: String should match
    pattern ...`.

    example: profiles validate extracted/
    example: profiles validate extracted/profiles.jsonl extracted/reiessg.json
    """
    from pydantic import ValidationError

    from pipeline.models import Profile

    files: list[Path] = []
    for path in args.paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.json") if p.name != "manifest.json")
            files += sorted(p for p in path.glob("profiles.jsonl"))
        elif path.exists():
            files.append(path)
        else:
            print(f"profiles validate: no such file or directory: {path}", file=sys.stderr)
            return 2
    bad = checked = 0
    for path in files:
        jsonl = path.suffix == ".jsonl"
        with path.open("rb") as handle:
            lines = handle if jsonl else [handle.read()]
            for n, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                checked += 1
                try:
                    Profile.model_validate_json(line)
                except ValidationError as err:
                    bad += 1
                    where = f"{path}:{n}" if jsonl else str(path)
                    print(f"{where}: invalid: {err.error_count()} problem{'s' * (err.error_count() != 1)}",
                          file=sys.stderr)
                    for problem in err.errors(include_url=False):
                        print(f"  {where}: {json_pointer(problem['loc'])}: {problem['msg']}", file=sys.stderr)
    print(f"{checked - bad} valid, {bad} invalid records", file=sys.stderr)
    return 1 if bad else 0


def json_pointer(loc: tuple[int | str, ...]) -> str:
    """The JSON Pointer (RFC 6901) of a pydantic error location: ('partners', 0, 'name') -> /partners/0/name."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc) or "/"


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check this installation: Python and package versions, vocabularies, schema, a sample extraction.

    Prints one line per check (ok, FAIL or skip) and exits 1 if any failed.

    example: profiles doctor
    """
    from pipeline.doctor import run_checks

    failed = 0
    for check in run_checks():
        print(check.line(), flush=True)
        failed += check.status == "FAIL"
    print(f"{failed} check(s) failed" if failed else "all checks passed", file=sys.stderr)
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="profiles", description="Member profiles of social and solidarity economy "
                                  "organizations -> validated, traceable JSON records.")
    top.add_argument("--version", action="version", version=f"sse-profiles {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        doc = (func.__doc__ or "").strip()
        p = sub.add_parser(name, help=help_text, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = command("extract", cmd_extract, "extract records from documents (default raw/ -> extracted/)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or directories (default: raw/)")
    p.add_argument("--out", type=Path, default=Path("extracted"), help="output directory (default: extracted/)")
    p.add_argument("--max-bytes", type=int, default=Limits.max_bytes, metavar="N",
                   help=f"refuse documents larger than N bytes as too_large (default: {Limits.max_bytes:,})")
    p.add_argument("--max-pages", type=int, default=Limits.max_pages, metavar="N",
                   help=f"refuse PDFs of more than N pages as too_large (default: {Limits.max_pages:,})")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="extract in N worker processes; 1: in this process (default: the number of cores, "
                        f"{os.cpu_count() or 1}); the output is the same")
    p.add_argument("--timeout", type=float, default=Limits.timeout_seconds, metavar="SECONDS",
                   help="stop a document after SECONDS and refuse it as timeout; 0: no limit "
                        f"(default: {Limits.timeout_seconds:g})")
    p.add_argument("--max-memory", type=int, default=Limits.max_memory_bytes, metavar="BYTES",
                   help="stop a document that needs more than BYTES of memory and refuse it as too_large; 0: no "
                        f"limit (default: {Limits.max_memory_bytes:,})")
    p.add_argument("--no-cache", action="store_true",
                   help="extract every document again, even those unchanged since the last run into --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="when another run is writing the same --out, wait up to SECONDS for it to finish "
                        f"(default: 0, refuse at once with exit status {EXIT_BUSY})")
    p.add_argument("--curation", type=Path, default=CURATION_DIR, metavar="DIR",
                   help="curators' corrections, applied last; never written by extract (default: curation/)")
    p.add_argument("--registry", type=Path, metavar="DIR",
                   help="organization registry: reads DIR/decisions.yaml, writes DIR/organizations.json "
                        "(default: registry/ with --out extracted; with another --out, none unless given)")

    p = command("schema", cmd_schema, "write the JSON Schema of the records")
    p.add_argument("--out", type=Path, default=SCHEMA_DIR, help="directory (default: schemas/)")

    p = command("validate", cmd_validate, "check records against the contract")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="record files, .jsonl files or directories")

    command("doctor", cmd_doctor, "check this installation: versions, vocabularies, schema, a sample document")

    add_curation_commands(command)
    add_registry_commands(command)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return int(args.func(args))
