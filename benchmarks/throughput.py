"""Benchmark: the whole pipeline's throughput against the tokenizer's, on N generated text profiles.

Generates N realistic text profiles (seeded): each takes a dev document's layout
(tests/data/corpus and tests/data/variants, .txt) under a new organization name and
acronym made of the words of that language's names, with its years changed and its lists
(objectives, partners, perspectives...) shuffled, thinned and topped up with items of
other documents of the same language. Then, in this one process, measures

  (a) the baseline: `spacy.blank(lang)` tokenizing every full document once (`nlp.pipe`),
      the files read from disk;
  (b) the whole pipeline, single process: `profiles extract --jobs 1` (in-process: reading
      the files, every stage, the registry, writing records, JSON Lines, tables, manifest);
  (c) the same command again over the unchanged corpus (the cache);

and prints docs/s for (a) and (b), their ratio (target >= 0.7; by wall time, and by CPU
time, which another process on the machine disturbs less) and (c)/(b) (target < 5%),
each the best of `--rounds` turns (3), since the machine's load varies. Each turn of (b)
writes into a new folder, and nothing is deleted until every measure is taken: on ext4, files
created in the minutes after many were deleted cost several times more (the inode allocator
passes over the recently freed inodes), which would charge (b) for the previous turn's
clean-up. Both sides are warmed first (spaCy pipelines and matchers built, a small run's imports loaded), so start-up is measured
apart, in fresh processes: `profiles --help` and a one-document `profiles extract`. With
`--memory N[,N...]` it also runs `profiles extract --jobs 1` in a fresh process on N
generated documents and reports its peak resident memory (its workers included).

    .venv/bin/python benchmarks/throughput.py [--docs 2000] [--seed 7] [--memory 10000,100000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "tests" / "data" / "corpus", ROOT / "tests" / "data" / "variants"]
PROFILES = ROOT / ".venv" / "bin" / "profiles"
TRASH = "trash"  # what is deleted once every measure is taken
BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[•–\-*]|\d+[.)]|[a-z]\))\s+(?P<text>\S.*)$")
YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")
WORD = re.compile(r"[^\W\d_][\w’'-]*")
# The section a list belongs to, from the words of the line before it (en, fr, es).
SECTION_WORDS = {
    "objectives": ("objective", "objectif", "objetivo", "aims", "buts"),
    "partners": ("partner", "partenaire", "aliado", "socio", "hand in hand", "soutien", "collabor"),
    "perspectives": ("perspective", "future", "coming years", "avenir", "futur", "próximos"),
    "approaches": ("approach", "axe", "enfoque", "démarche", "intervention", "how we work"),
}


@dataclass
class Base:
    """A dev document: its lines, language, name and acronym (from its gold file)."""

    name: str
    language: str
    title: str
    acronym: str | None
    lines: list[str]


def load_bases() -> list[Base]:
    bases = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.txt")):
            gold = json.loads((folder / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
            text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
            bases.append(Base(path.stem, gold["language"], gold["name"], gold.get("acronym"), text.split("\n")))
    return bases


class Generator:
    """Profiles made by recombining the dev documents (see the module doc); the same seed, the same corpus."""

    def __init__(self, bases: list[Base], seed: int) -> None:
        self.bases = bases
        self.rng = random.Random(seed)
        self.words: dict[str, list[str]] = {}
        self.items: dict[tuple[str, str], list[str]] = {}  # (language, section) -> list items
        for base in bases:
            words = self.words.setdefault(base.language, [])
            words += [w for w in WORD.findall(base.title) if w[:1].isupper() and len(w) > 3]
            before = ""
            for line in base.lines:
                m = BULLET.match(line)
                if m and not m.group("indent"):
                    section = _section(before)
                    if section:
                        self.items.setdefault((base.language, section), []).append(m.group("text"))
                elif line.strip():
                    before = line

    def profile(self, n: int) -> tuple[str, str, str]:
        """(file name, text, language) of the n-th profile."""
        rng = self.rng
        base = rng.choice(self.bases)
        words = base.title.split()
        pool = self.words[base.language]
        for _ in range(rng.randint(1, 3)):  # a few content words of the name replaced
            slots = [i for i, w in enumerate(words) if w[:1].isupper() and len(w) > 3 and i > 0]
            fresh = [w for w in pool if w not in words]
            if slots and fresh:
                words[rng.choice(slots)] = rng.choice(fresh)
        title = " ".join(words)
        acronym = "".join(w[0] for w in WORD.findall(title) if w[:1].isupper()).upper()
        acronym = (acronym + rng.choice("ABCDEFGHIJKLMNOPRSTUVW"))[:7] if len(acronym) < 6 else acronym[:6]
        lines = self.lists(base)
        text = "\n".join(lines)
        text = text.replace(base.title, title)
        if base.acronym:
            text = re.sub(rf"\b{re.escape(base.acronym)}\b", acronym, text)
            text = text.replace(base.acronym.lower(), acronym.lower())
        text = YEAR.sub(lambda _: str(rng.randint(1960, 2024)), text)
        return f"{n:06d}-{base.language}-{acronym.lower()}.txt", text, base.language

    def lists(self, base: Base) -> list[str]:
        """The base's lines, each run of top-level list items shuffled, thinned, topped up from other profiles."""
        rng, out, run = self.rng, [], []
        before = ""

        def flush() -> None:
            if run:
                marker = BULLET.match(run[0]).group("marker")  # type: ignore[union-attr]
                texts = [BULLET.match(r).group("text") for r in run]  # type: ignore[union-attr]
                rng.shuffle(texts)
                texts = texts[: max(1, len(texts) - rng.randint(0, 2))]
                section = _section(before)
                borrowed = self.items.get((base.language, section), []) if section else []
                texts += rng.sample(borrowed, min(len(borrowed), rng.randint(0, 2)))
                for i, t in enumerate(dict.fromkeys(texts), start=1):
                    out.append(f"{i}. {t}" if marker[0].isdigit() else f"{marker} {t}")
                run.clear()

        for line in base.lines:
            m = BULLET.match(line)
            if m and not m.group("indent"):
                run.append(line)
                continue
            flush()
            out.append(line)
            if line.strip():
                before = line
        flush()
        return out


def _section(line: str) -> str | None:
    folded = line.casefold()
    return next((kind for kind, words in SECTION_WORDS.items() if any(w in folded for w in words)), None)


def set_aside(path: Path, trash: Path) -> None:
    """Move `path` (if there) into `trash`, to be deleted once the measures are taken (see the module doc)."""
    if path.exists():
        trash.mkdir(exist_ok=True)
        path.rename(Path(tempfile.mkdtemp(dir=trash)) / path.name)


def generate(folder: Path, n: int, seed: int) -> dict[str, str]:
    """Write n profiles into `folder`; returns file name -> language."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(load_bases(), seed)
    languages = {}
    for i in range(n):
        name, text, language = generator.profile(i)
        (folder / name).write_text(text, encoding="utf-8")
        languages[name] = language
    return languages


# --------------------------------------------------------------------------- measures


def _best(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return min(a[0], b[0]), min(a[1], b[1])


def baseline(folder: Path, languages: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds for spacy.blank(lang) to tokenize every document once (nlp.pipe per language), files read."""
    import spacy

    nlps = {lang: spacy.blank(lang) for lang in sorted(set(languages.values()))}
    for nlp in nlps.values():
        list(nlp.pipe(["warm up the tokenizer."]))
    started, cpu = time.perf_counter(), time.process_time()
    for lang, nlp in nlps.items():
        texts = ((folder / name).read_text(encoding="utf-8") for name, lg in sorted(languages.items()) if lg == lang)
        for _ in nlp.pipe(texts, batch_size=256):
            pass
    return time.perf_counter() - started, time.process_time() - cpu


def pipeline_run(folder: Path, out: Path, registry: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for `profiles extract --jobs 1` in this process."""
    from pipeline.cli import main

    started, cpu = time.perf_counter(), time.process_time()
    code = main(["extract", str(folder), "--out", str(out), "--jobs", "1", "--quiet", "--registry", str(registry)])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert code in (0, 1), code
    return seconds, cpu


def warm_pipeline(folder: Path, languages: dict[str, str]) -> None:
    """Run `profiles extract` once on one document of each language, in a scratch folder, so that (b) does not
    time start-up: the vocabularies built, the libraries a run imports when it writes (pyarrow, pandas) loaded."""
    from pipeline.cli import main

    picked = {}
    for name, lang in sorted(languages.items()):
        picked.setdefault(lang, name)
    with tempfile.TemporaryDirectory(prefix="sse-warm-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for name in picked.values():
            shutil.copyfile(folder / name, docs / name)
        code = main(["extract", str(docs), "--out", str(Path(tmp) / "out"), "--jobs", "1", "--quiet",
                     "--registry", str(Path(tmp) / "registry")])
        assert code in (0, 1), code


def best_of(times: int, command: list[str], cwd: Path) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def peak_memory(n: int, seed: int, work: Path) -> tuple[float, float, int]:
    """(seconds, peak resident MiB, exit status) of `profiles extract --jobs 1` on n fresh documents, in a new process."""
    folder = work / f"memory-{n}"
    if not folder.exists():
        generate(folder, n, seed)
    out, registry = work / f"memory-{n}-out", work / f"memory-{n}-registry"
    set_aside(out, work / TRASH)
    registry.mkdir(exist_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen([str(PROFILES), "extract", str(folder), "--out", str(out), "--jobs", "1", "--quiet",
                                "--registry", str(registry)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000, help="profiles for the throughput measures")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="best of how many runs of (a), (b) and (c) (default: 3)")
    parser.add_argument("--memory", default="", help="comma-separated corpus sizes for the peak memory runs")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-throughput", action="store_true", help="only the start-up and memory measures")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="sse-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    # A snapshot of the package, imported here and by the commands run: an edit to the work tree during
    # the benchmark would change the pipeline's fingerprint, and so empty the cache between (b) and (c).
    snapshot = work / "snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(ROOT / "pipeline", snapshot / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(snapshot))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(snapshot), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    try:
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        if not args.no_throughput:
            folder = work / f"docs-{args.docs}"
            set_aside(folder, work / TRASH)
            started = time.perf_counter()
            languages = generate(folder, args.docs, args.seed)
            size = sum(p.stat().st_size for p in folder.iterdir())
            print(f"generated {args.docs:,} profiles ({size / args.docs:,.0f} bytes each on average, "
                  f"{', '.join(f'{lang} {list(languages.values()).count(lang)}' for lang in sorted(set(languages.values())))}) "
                  f"in {time.perf_counter() - started:.1f} s")
            warm_pipeline(folder, languages)
            inf = (float("inf"), float("inf"))
            base = first = again = inf
            for turn in range(args.rounds):  # taking turns, best of each (wall and CPU apart): the load varies
                base = _best(base, baseline(folder, languages))
                out, registry = work / f"out-{turn + 1}", work / f"registry-{turn + 1}"
                set_aside(out, work / TRASH)
                set_aside(registry, work / TRASH)
                registry.mkdir()
                first = _best(first, pipeline_run(folder, out, registry))
                again = _best(again, pipeline_run(folder, out, registry))
            n = args.docs
            print(f"(a) baseline, spacy.blank(lang) nlp.pipe:  {n / base[0]:8.1f} docs/s  ({base[0]:.2f} s; "
                  f"CPU {base[1]:.2f} s)")
            print(f"(b) pipeline, profiles extract --jobs 1:   {n / first[0]:8.1f} docs/s  ({first[0]:.2f} s; "
                  f"CPU {first[1]:.2f} s)")
            print(f"    ratio (b)/(a): {base[0] / first[0]:.2f}x by wall time, {base[1] / first[1]:.2f}x by CPU time "
                  "(target >= 0.7x)")
            print(f"(c) re-run over the unchanged corpus:       {again[0]:.2f} s = {again[0] / first[0]:.1%} of (b)  "
                  "(target < 5%)")
        one = work / "one"
        one.mkdir(exist_ok=True)
        shutil.copy(SOURCES[0] / "reiessg.txt", one / "reiessg.txt")
        help_s = best_of(3, [str(PROFILES), "--help"], work)
        one_s = best_of(3, [str(PROFILES), "extract", str(one), "--out", str(work / "one-out"), "--jobs", "1",
                            "--quiet", "--no-cache", "--registry", str(work / "one-registry")], work)
        print(f"start-up: `profiles --help` {help_s:.2f} s; one-document `profiles extract` {one_s:.2f} s "
              "(best of 3, fresh processes)")
        for n in [int(x) for x in args.memory.split(",") if x.strip()]:
            seconds, mib, code = peak_memory(n, args.seed, work)
            print(f"peak memory, profiles extract --jobs 1 on {n:,} profiles: {mib:,.0f} MiB resident "
                  f"({seconds:.0f} s, {n / seconds:.1f} docs/s, exit {code})")
    finally:
        shutil.rmtree(work / TRASH, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
