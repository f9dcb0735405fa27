"""The curators' commands of `profiles`: review, corrections import, diff.

Kept beside `cli.py` (which registers them with `add_curation_commands`) so each stays
a thin layer: the work is in `review.py`, `sheet.py`, `curation.py` and `diff.py`.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pipeline.curation import CURATION_DIR, STALE, CurationError, CurationFile, load_curation, write_curation
from pipeline.models import ErrorRecord, Profile

Command = Callable[..., argparse.ArgumentParser]


def cmd_review(args: argparse.Namespace) -> int:
    """Write the review report: a static HTML site, one page per document, and optionally the review sheet.

    Open OUT/index.html in a browser (no server, no internet needed). Each page shows the
    document's text with every value's span highlighted next to the record; click a value
    to see its span, click highlighted text to see its value. Warnings, stale corrections
    and doubtful values come first.

    example: profiles review --out extracted/review --sheet review.xlsx
    """
    from pipeline.review import ReviewError, build_pages, load_run, write_site

    try:
        profiles, errors = load_run(args.records)
        curation = load_curation(args.curation)
    except (ReviewError, CurationError) as err:
        print(f"profiles review: {err}", file=sys.stderr)
        return 2
    pages = build_pages(profiles, args.raw, curation)
    index = write_site(args.out, pages, errors, curation)
    print(f"{len(pages)} documents ({sum(p.needs_review for p in pages)} need review, "
          f"{sum(len(p.stale) for p in pages)} stale corrections, {len(errors)} refused) -> {index}", file=sys.stderr)
    for page in pages:
        if page.text_status != "ok":
            print(f"  {page.record.source.path}: {page.text_note}", file=sys.stderr)
    if args.sheet:
        from pipeline.sheet import export_sheet

        rows = export_sheet(args.sheet, pages, curation)
        print(f"{rows} rows -> {args.sheet} (edit it, then: profiles corrections import {args.sheet})",
              file=sys.stderr)
    return 0


def cmd_corrections_import(args: argparse.Namespace) -> int:
    """Turn the edited rows of a review sheet into corrections files (merged into those already there).

    A row whose value was edited becomes a `set`; status ok / remove / add give confirm,
    remove and add corrections; status ok on a record's '/' row marks it reviewed.
    Nothing is written when a row cannot be read. Run `profiles extract` afterwards.

    example: profiles corrections import review.xlsx --curation curation/
    """
    from pipeline.sheet import SheetError, read_sheet

    if not args.sheet.is_file():
        print(f"profiles corrections import: no such file: {args.sheet}", file=sys.stderr)
        return 2
    try:
        files, problems = read_sheet(args.sheet)
    except SheetError as err:
        print(f"profiles corrections import: {err}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"  {args.sheet}: {problem}", file=sys.stderr)
        print(f"nothing written: {len(problems)} rows to fix first", file=sys.stderr)
        return 1
    try:
        written = write_curation(args.curation, files.values())
    except CurationError as err:
        print(f"profiles corrections import: {err}", file=sys.stderr)
        return 2
    count = sum(len(f.corrections) for f in files.values())
    print(f"{count} corrections, {sum(f.reviewed for f in files.values())} records reviewed "
          f"-> {len(written)} files in {args.curation}/ (now run: profiles extract)", file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Show, per document and field, the values added, removed and changed between two runs.

    Exit status: 0 nothing changed, 1 something changed, 2 usage error.

    example: profiles diff extracted/ /tmp/new-vocab/
    """
    from pipeline.diff import DiffError, diff_runs, format_diff

    try:
        diff = diff_runs(args.old, args.new)
    except DiffError as err:
        print(f"profiles diff: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(format_diff(diff, args.old, args.new, limit=args.limit))
    return 1 if diff.changed else 0


def report_curation(results: Sequence[Profile | ErrorRecord], curation: Mapping[str, CurationFile]) -> None:
    """After extraction: how many corrections were applied, and every stale one (stderr)."""
    if not curation:
        return
    records = [r for r in results if isinstance(r, Profile)]
    stale = [(r, w) for r in records for w in r.warnings if w.code.startswith("correction_")]
    total = sum(len(curation[r.id].corrections) for r in records if r.id in curation)
    print(f"  {total - len(stale)} of {total} corrections applied", file=sys.stderr)
    for record, warning in stale:
        kind = "stale" if warning.code == STALE else "invalid"
        print(f"  {kind} correction: {record.id} {warning.field}: {warning.message}", file=sys.stderr)


def add_curation_commands(command: Command) -> None:
    """Register review, corrections and diff with the `profiles` parser (`command` is cli.py's helper)."""
    p = command("review", cmd_review, "write the HTML review report (and the review sheet)")
    p.add_argument("--out", type=Path, default=Path("extracted/review"), metavar="DIR",
                   help="where to write the site (default: extracted/review/)")
    p.add_argument("--records", type=Path, default=Path("extracted"), metavar="DIR",
                   help="output directory of `profiles extract` (default: extracted/)")
    p.add_argument("--raw", type=Path, default=Path("raw"), metavar="DIR",
                   help="where the documents are, as given to extract (default: raw/)")
    p.add_argument("--curation", type=Path, default=CURATION_DIR, metavar="DIR",
                   help="corrections files (default: curation/)")
    p.add_argument("--sheet", type=Path, metavar="FILE.xlsx", help="also write the review sheet")

    p = command("corrections", _corrections_usage, "curators' corrections: import the review sheet")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    doc = (cmd_corrections_import.__doc__ or "").strip()
    i = sub.add_parser("import", help="turn an edited review sheet into corrections files", description=doc,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    i.set_defaults(func=cmd_corrections_import)
    i.add_argument("sheet", type=Path, metavar="FILE.xlsx", help="the review sheet")
    i.add_argument("--curation", type=Path, default=CURATION_DIR, metavar="DIR",
                   help="where the corrections files are (default: curation/)")

    p = command("diff", cmd_diff, "values added, removed and changed between two runs")
    p.add_argument("old", type=Path, metavar="OLD_DIR", help="output directory of the earlier run")
    p.add_argument("new", type=Path, metavar="NEW_DIR", help="output directory of the later run")
    p.add_argument("--limit", type=int, default=0, metavar="N", help="show at most N changes per document")


def _corrections_usage(args: argparse.Namespace) -> int:
    """Curators' corrections files (curation/<id>.yaml).

    example: profiles corrections import review.xlsx
    """
    print("profiles corrections: say what to do, e.g. `profiles corrections import review.xlsx`", file=sys.stderr)
    return 2
