"""Benchmark: the PDF reader and the whole pipeline against pdfplumber's own word extraction.

Generates 50 multi-page PDFs (3 to 6 pages each, drawn from the dev-corpus texts with
tests/make_fixtures.py: varying page sizes and margins, running headers and footers,
some words hyphenated), then, in this one process, times

  (a) the baseline: `pdfplumber.open` and `extract_words` on every page of every file, and
  (b) `pipeline.run.extract_document` on the same files (read, language, sections, fields,
      validation: a record per file),

interleaved, best of 3 rounds each, and prints the ratio (b)/(a). Target: at most 1.5.

    .venv/bin/python benchmarks/bench_pdf.py [--files 50] [--rounds 3] [--keep DIR]

Needs the test extra (fpdf2).
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pdfplumber  # noqa: E402

import make_fixtures as fixtures  # noqa: E402
from pipeline.models import Profile  # noqa: E402
from pipeline.readers.pdf import _WORD_OPTIONS  # noqa: E402
from pipeline.run import Input, extract_document  # noqa: E402

PAGE_SIZES = {"A5": (419.53, 595.28), "A6": (297.64, 419.53)}


def generate(out: Path, count: int) -> list[Path]:
    """`count` PDFs of 3 to 6 pages from the dev texts, each layout a little different."""
    fixtures.PAGES.update(PAGE_SIZES)
    sources = sorted(p.name for p in fixtures.CORPUS.glob("*.txt"))
    paths: list[Path] = []
    attempt = 0
    while len(paths) < count:
        source = sources[attempt % len(sources)]
        fmt = ("A5", "A6")[(attempt // len(sources)) % 2]
        margin = 40 + (attempt * 7) % 40
        attempt += 1
        elements = fixtures.source_of(source)
        data, _ = fixtures.to_pdf(elements, fmt, header=f"{source[:-4]} \u2013 member profile",
                                  footer="Solidarity economy directory", right_margin=margin)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
        if not 3 <= pages <= 6:
            continue
        path = out / f"{len(paths):02d}-{source[:-4]}-{fmt}-{margin}.pdf"
        path.write_bytes(data)
        paths.append(path)
        if attempt > 20 * count:
            raise SystemExit("bench_pdf: could not make enough 3-6 page documents")
    return paths


def baseline(paths: list[Path]) -> int:
    words = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                words += len(page.extract_words(**_WORD_OPTIONS))
    return words


def pipeline(paths: list[Path]) -> int:
    records = 0
    for path in paths:
        records += isinstance(extract_document(Input(path, path.name)), Profile)
    return records


def timed(func: Callable[[list[Path]], int], paths: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    result = func(paths)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the PDFs here instead of a temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        paths = generate(out, args.files)
        pages = 0
        for path in paths:
            with pdfplumber.open(path) as pdf:
                pages += len(pdf.pages)
        print(f"{len(paths)} PDFs, {pages} pages", file=sys.stderr)
        pipeline(paths[:len(fixtures.PROFILES) * 3])  # warm up: vocabularies and spaCy load once per language
        best_a = best_b = float("inf")
        for n in range(args.rounds):
            a, words = timed(baseline, paths)
            b, records = timed(pipeline, paths)
            best_a, best_b = min(best_a, a), min(best_b, b)
            print(f"round {n + 1}: (a) pdfplumber words {a:.2f} s ({words} words)   "
                  f"(b) extract_document {b:.2f} s ({records} records)", file=sys.stderr)
    ratio = best_b / best_a
    print(f"best of {args.rounds}: (a) {best_a:.2f} s  (b) {best_b:.2f} s  ratio (b)/(a) = {ratio:.2f} (target <= 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
