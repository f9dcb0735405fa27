"""The `profiles` command: a thin layer over the library.

Data goes to files, progress and the summary to stderr. Exit status: 0 when every
document gave a record (or every record is valid), 1 when some were refused (listed in
errors.jsonl) or invalid, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from pipeline import __version__
from pipeline.models import ErrorRecord, Profile
from pipeline.readers import Limits
from pipeline.run import discover, run
from pipeline.write import atomic_write

SCHEMA_DIR = Path("schemas")
SCHEMAS = {"profile.schema.json": Profile, "error.schema.json": ErrorRecord}


def schema_documents() -> dict[str, str]:
    """The JSON Schema files generated from the pydantic models, as they are checked in."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"https://sse-profiles.invalid/schemas/{name}", **model.model_json_schema()}
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
    limits = Limits(max_bytes=args.max_bytes)
    started = time.perf_counter()
    total = len(discover(paths))
    if sys.stderr.isatty() and not args.quiet:
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("extracting", total=total)
            result = run(paths, args.out, limits, on_document=lambda _: progress.advance(task))
    else:
        result = run(paths, args.out, limits)
    seconds = time.perf_counter() - started
    print(f"{result.records} records, {result.errors} errors, {result.warnings} warnings "
          f"in {seconds:.1f} s -> {args.out}/", file=sys.stderr)
    for error in (r for r in result.results if isinstance(r, ErrorRecord)):
        print(f"  refused {error.source.path}: {error.code}: {error.message}", file=sys.stderr)
    return 1 if result.errors else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of the records, generated from the pydantic models.

    example: profiles schema --out schemas/
    """
    for name, text in schema_documents().items():
        atomic_write(args.out / name, text)
        print(f"wrote {args.out / name}", file=sys.stderr)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check records (*.json files, .jsonl files or directories of them) against the contract.

    example: profiles validate extracted/
    """
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
        lines = path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text("utf-8")]
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            checked += 1
            try:
                Profile.model_validate_json(line)
            except ValidationError as err:
                bad += 1
                where = f"{path}:{n}" if path.suffix == ".jsonl" else str(path)
                print(f"{where}: invalid: {err.error_count()} problems", file=sys.stderr)
                for problem in err.errors()[:10]:
                    loc = "/".join(str(x) for x in problem["loc"])
                    print(f"  /{loc}: {problem['msg']}", file=sys.stderr)
    print(f"{checked - bad} valid, {bad} invalid records", file=sys.stderr)
    return 1 if bad else 0


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
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = command("schema", cmd_schema, "write the JSON Schema of the records")
    p.add_argument("--out", type=Path, default=SCHEMA_DIR, help="directory (default: schemas/)")

    p = command("validate", cmd_validate, "check records against the contract")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="record files, .jsonl files or directories")
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return int(args.func(args))
