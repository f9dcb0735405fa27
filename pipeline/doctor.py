"""`profiles doctor`: check that an installation can extract records.

One line per check, `ok` or `FAIL` (or `skip` when there is nothing to check here), then
a summary; the command exits 0 when nothing failed. The checks: the Python version; the
installed version of each key package against what the project requires; every
language's vocabulary loads and its spaCy patterns validate; the JSON Schema in
`schemas/` is what the models generate (when there is a `schemas/` folder); and a small
profile embedded here extracts to the record it should give, through every stage.
"""
from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

Status = Literal["ok", "FAIL", "skip"]
MIN_PYTHON = (3, 11)
DISTRIBUTION = "sse-profiles"
KEY_PACKAGES = ("spacy", "pydantic", "pdfplumber", "python-docx", "langdetect", "dateparser", "phonenumbers",
                "selectolax", "markdown-it-py", "charset-normalizer", "rapidfuzz", "jinja2", "PyYAML")

# A small profile that uses every stage: title and acronym, a founding sentence (spaCy patterns,
# dateparser), sections by heading, a list, a phone number to normalize (phonenumbers), an e-mail.
SAMPLE = """Doctor Check Cooperative Network (DCCN)

The Doctor Check Cooperative Network (DCCN) was founded on 31 January 2015 in Kumasi by twelve cooperatives.

Objectives

- Strengthen the cooperatives of the region
- Promote fair trade

Contact details

Phone: +233 24 123 4567
Email: contact@dccn.example.org
"""
SAMPLE_EXPECTED = {"name": "Doctor Check Cooperative Network", "acronym": "DCCN", "language": "en",
                   "founded.date": "2015-01-31", "contacts.phones": ["+233241234567"],
                   "contacts.emails": ["contact@dccn.example.org"],
                   "objectives": ["Strengthen the cooperatives of the region", "Promote fair trade"]}


@dataclass(frozen=True)
class Check:
    status: Status
    name: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.status:<5} {self.name}" + (f": {self.detail}" if self.detail else "")


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    need = ".".join(map(str, MIN_PYTHON))
    return Check("ok" if ok else "FAIL", "python", version + ("" if ok else f" (needs {need} or later)"))


def _requirements() -> dict[str, str]:
    """What the installed project requires of each package: name (normalized) -> specifier."""
    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return {}
    out = {}
    for requirement in requires:
        if "extra ==" in requirement:
            continue
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?\s*([^;]*)", requirement)
        if match:
            out[_normalize(match.group(1))] = match.group(2).strip()
    return out


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _satisfies(version: str, specifier: str) -> bool | None:
    """Whether `version` meets `specifier` (None when `packaging` is not there to tell)."""
    try:
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion, Version
    except ImportError:
        return None
    try:
        return Version(version) in SpecifierSet(specifier)
    except InvalidVersion:
        return None


def check_packages() -> Iterator[Check]:
    required = _requirements()
    for package in KEY_PACKAGES:
        spec = required.get(_normalize(package), "")
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            yield Check("FAIL", package, f"not installed{f' (needs {spec})' if spec else ''}")
            continue
        fits = _satisfies(version, spec) if spec else True
        if fits is False:
            yield Check("FAIL", package, f"{version}, but the project needs {spec}")
        else:
            yield Check("ok", package, version + (f" ({spec})" if spec else ""))


def check_vocabularies() -> Iterator[Check]:
    from pipeline.vocab import VocabError, available_languages, load_vocab

    languages = available_languages()
    if not languages:
        yield Check("FAIL", "vocabularies", "no language folder in pipeline/vocab/")
    for lang in languages:
        try:
            vocab = load_vocab(lang)  # spaCy's Matcher(validate=True) rejects a malformed pattern here
        except (VocabError, ValueError, KeyError, OSError) as err:
            yield Check("FAIL", f"vocabulary {lang}", f"{type(err).__name__}: {err}")
        else:
            yield Check("ok", f"vocabulary {lang}", f"{len(vocab.pattern_labels)} patterns validate")


def _schema_dir() -> Path | None:
    for folder in (Path.cwd() / "schemas", Path(__file__).resolve().parent.parent / "schemas"):
        if (folder / "profile.schema.json").exists():
            return folder
    return None


def check_schema() -> Check:
    from pipeline.cli import schema_documents

    folder = _schema_dir()
    if folder is None:
        return Check("skip", "JSON Schema", "no schemas/ folder here to compare with the models")
    stale = [name for name, text in schema_documents().items()
             if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text]
    if stale:
        return Check("FAIL", "JSON Schema", f"{', '.join(stale)} in {folder} differ from the models: run "
                     "`profiles schema --out schemas/`")
    return Check("ok", "JSON Schema", f"{folder} is what the models generate")


def _value(record: object, dotted: str) -> object:
    for part in dotted.split("."):
        record = getattr(record, part)
    if isinstance(record, list):
        return [getattr(item, "text", item) for item in record]
    return record


def check_sample() -> Check:
    from pipeline.models import ErrorRecord
    from pipeline.run import Input, extract_document

    with tempfile.TemporaryDirectory(prefix="profiles-doctor-") as tmp:
        path = Path(tmp) / "doctor-sample.txt"
        path.write_text(SAMPLE, encoding="utf-8")
        record = extract_document(Input(path, path.name))
    if isinstance(record, ErrorRecord):
        return Check("FAIL", "sample document", f"refused: {record.code}: {record.message}")
    wrong = [f"{key} is {_value(record, key)!r}, expected {want!r}" for key, want in SAMPLE_EXPECTED.items()
             if _value(record, key) != want]
    if wrong:
        return Check("FAIL", "sample document", "; ".join(wrong))
    return Check("ok", "sample document", f"extracts to a valid record ({len(record.evidence)} values with evidence)")


CHECKS: tuple[Callable[[], Check | Iterator[Check]], ...] = (
    check_python, check_packages, check_vocabularies, check_schema, check_sample)


def run_checks() -> Iterator[Check]:
    """Every check, in order; a check that crashes is a failure, not the end of the others."""
    for check in CHECKS:
        try:
            result = check()
            yield from ([result] if isinstance(result, Check) else result)
        except Exception as err:  # noqa: BLE001 - a broken installation shows here, as one failed line
            yield Check("FAIL", check.__name__.removeprefix("check_"), f"{type(err).__name__}: {err}")
