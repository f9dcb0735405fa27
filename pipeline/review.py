"""The review report: a static, self-contained HTML site for curators.

`build_pages` reads a run's output (`profiles.jsonl`, `errors.jsonl`), rebuilds each
document's normalized text from the raw file its record names, and turns each record
into a `Page`: the text cut into segments by the evidence spans, the record as a form,
the warnings, stale corrections and doubtful values first. `write_site` renders them with
jinja2 (autoescaping on: document text is untrusted and only ever shown as text).

Pages are named after record ids (already `[a-z0-9-]`, slugified again); no path is
ever built from document text, and a source path that leaves `--raw` is not followed.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from pipeline import __version__
from pipeline.curation import CURATION_RULE, INVALID, STALE, CurationFile
from pipeline.errors import PipelineError
from pipeline.models import ErrorRecord, Profile, Warning
from pipeline.pointers import NOT_VALUES, is_index, is_within, split_pointer, values
from pipeline.readers import on_disk, read_document, sha256_of
from pipeline.validate import slugify
from pipeline.write import atomic_write

PAGES = "records"
FIELDS = [name for name in Profile.model_fields if name not in NOT_VALUES]
PALETTE = 16  # one colour per field (base.html: .c0 … .c15)


class ReviewError(ValueError):
    """The run's output cannot be read (no profiles.jsonl, a broken line)."""


@dataclass(frozen=True)
class Value:
    """One value of a record as the page shows it; `vid` ties it to its text segments."""

    vid: str
    pointer: str
    label: str
    shown: str
    start: int | None
    end: int | None
    snippet: str | None
    rule: str | None
    colour: int
    warnings: tuple[str, ...] = ()
    value: Any = None

    @property
    def curated(self) -> bool:
        return self.rule == CURATION_RULE

    @property
    def absent(self) -> bool:
        return self.shown == ""


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same spans; `inner` is the shortest of them (its colour)."""

    text: str
    vids: tuple[str, ...] = ()
    inner: str | None = None
    colour: int | None = None
    title: str = ""


@dataclass(frozen=True)
class Group:
    name: str
    colour: int
    values: list[Value]


@dataclass(frozen=True)
class Note:
    """A warning as the page lists it, with the value it points at when there is one."""

    code: str
    message: str
    field: str | None
    vid: str | None
    stale: bool


@dataclass
class Page:
    record: Profile
    file: str
    text: str | None
    text_status: str  # ok | missing | changed | unreadable
    text_note: str
    segments: list[Segment]
    groups: list[Group]
    notes: list[Note]
    doubtful: list[Value]
    curation: CurationFile | None
    values: list[Value] = field(default_factory=list)

    @property
    def stale(self) -> list[Note]:
        return [n for n in self.notes if n.stale]

    @property
    def reviewed(self) -> bool:
        c = self.curation
        return bool(c and c.reviewed and c.sha256 in (None, self.record.source.sha256))

    @property
    def needs_review(self) -> bool:
        return bool(self.stale) or (bool(self.record.warnings) and not self.reviewed)

    @property
    def n_values(self) -> int:
        return sum(not v.absent for v in self.values)

    @property
    def n_curated(self) -> int:
        return sum(v.curated for v in self.values)


# --------------------------------------------------------------------------- reading a run


def load_run(records: Path) -> tuple[list[Profile], list[ErrorRecord]]:
    """The records and refused documents of an output directory."""
    jsonl = records / "profiles.jsonl"
    if not jsonl.is_file():
        raise ReviewError(f"no {jsonl}: run `profiles extract` first, or give --records")
    profiles = [_parse(Profile, line, jsonl, n) for n, line in _lines(jsonl)]
    errors_path = records / "errors.jsonl"
    errors = [_parse(ErrorRecord, line, errors_path, n) for n, line in _lines(errors_path)] \
        if errors_path.is_file() else []
    return profiles, errors


def _lines(path: Path) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip()]


def _parse(model: Any, line: str, path: Path, n: int) -> Any:
    try:
        return model.model_validate_json(line)
    except ValueError as err:
        raise ReviewError(f"{path}:{n}: not a valid {model.__name__} line: {str(err).splitlines()[0]}") from err


def source_text(record: Profile, raw: Path) -> tuple[str | None, str, str]:
    """The document's normalized text rebuilt from `raw`, with a status and a note for the page."""
    root = raw.resolve()
    path = (root / record.source.path).resolve()
    if not path.exists():  # a name that is not UTF-8 is recorded with its bytes as `\xNN`
        path = (root / on_disk(record.source.path)).resolve()
    if not path.is_relative_to(root):
        return None, "missing", f"the source path '{record.source.path}' is outside {raw}/: not followed"
    try:
        data = path.read_bytes()
    except OSError:
        return None, "missing", f"the source file {raw / record.source.path} is gone: the text cannot be shown"
    try:
        text = read_document(path, record.source.path, data).text
    except PipelineError as err:
        return None, "unreadable", f"the source file can no longer be read: {err}"
    if sha256_of(data) != record.source.sha256:
        return text, "changed", ("the source file changed since extraction (its sha256 differs): spans are not "
                                 "shown; run `profiles extract` again")
    return text, "ok", ""


# --------------------------------------------------------------------------- building pages


def build_pages(profiles: list[Profile], raw: Path, curation: Mapping[str, CurationFile]) -> list[Page]:
    """One page per record, in run order, each with a unique file name."""
    pages, taken = [], set()
    for record in profiles:
        slug = slugify(record.id) or "record"
        name, n = slug, 1
        while name in taken:
            n += 1
            name = f"{slug}-{n}"
        taken.add(name)
        pages.append(build_page(record, f"{name}.html", raw, curation.get(record.id)))
    return pages


def build_page(record: Profile, file: str, raw: Path, curation: CurationFile | None) -> Page:
    """A record's page: its text in segments, its values by field, what to check first."""
    text, status, note = source_text(record, raw)
    spans_usable = status == "ok" and text is not None
    data = record.model_dump(mode="json")
    listed = [(n % PALETTE, name, values({name: data[name]}, keep_empty=True)) for n, name in enumerate(FIELDS)]
    flat = [(pointer, value) for _, _, vals in listed for pointer, value in vals]
    about = _warnings_by_value(record.warnings, flat)
    all_values: list[Value] = []
    groups: list[Group] = []
    for colour, name, vals in listed:
        group = []
        for pointer, value in vals:
            ev = record.evidence.get(pointer)
            usable = spans_usable and ev is not None and ev.end <= len(text or "")
            v = Value(vid=f"v{len(all_values)}", pointer=pointer, label=_row_label(pointer),
                      shown=_show(value), start=ev.start if usable and ev else None,
                      end=ev.end if usable and ev else None,
                      snippet=(text or "")[ev.start:ev.end] if usable and ev else None,
                      rule=ev.rule if ev else None, colour=colour, warnings=tuple(about.get(pointer, ())),
                      value=value)
            all_values.append(v)
            group.append(v)
        groups.append(Group(name=name.replace("_", " "), colour=colour, values=group))
    notes = [_note(w, all_values) for w in record.warnings]
    notes.sort(key=lambda n: not n.stale)
    doubtful = [v for v in all_values if v.warnings and not v.absent]
    segments = cut_segments(text, [v for v in all_values if v.start is not None]) if text is not None else []
    return Page(record=record, file=file, text=text, text_status=status, text_note=note, segments=segments,
                groups=groups, notes=notes, doubtful=doubtful, curation=curation, values=all_values)


def _warnings_by_value(warnings: list[Warning], vals: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """The warning messages about each value; a warning on a list goes to the items it quotes (else to all)."""
    out: dict[str, list[str]] = {}
    for w in warnings:
        if not w.field:
            continue
        inside = [p for p, _ in vals if is_within(p, w.field)]
        quoted = [p for p, v in vals if p in inside and isinstance(v, str) and v
                  and (f"'{v}'" in w.message or f'"{v}"' in w.message)]
        for pointer in quoted or inside:
            out.setdefault(pointer, []).append(w.message)
    return out


def _note(w: Warning, vals: list[Value]) -> Note:
    about = [v for v in vals if w.message in v.warnings and v.start is not None]
    inside = [v for v in vals if w.field and is_within(v.pointer, w.field) and v.start is not None]
    target = (about or inside)[0] if about or inside else None
    return Note(code=w.code, message=w.message, field=w.field, vid=target.vid if target else None,
                stale=w.code in (STALE, INVALID))


def _row_label(pointer: str) -> str:
    """The label of a value inside its field's box: `/projects/1/objectives/0` -> `#2 › objectives 1`."""
    words: list[str] = []
    for part in split_pointer(pointer)[1:]:
        if is_index(part):
            if words:
                words[-1] += f" {int(part) + 1}"
            else:
                words.append(f"#{int(part) + 1}")
        else:
            words.append(part.replace("_", " "))
    if len(words) > 1 and words[-1] == "text":
        words.pop()
    return " › ".join(words)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def cut_segments(text: str, values_with_spans: list[Value]) -> list[Segment]:
    """The text cut at every span boundary; each piece knows the values whose spans cover it."""
    spans = [(v.start, v.end, v) for v in values_with_spans if v.start is not None and v.end is not None]
    bounds = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        covering = sorted(((e - s, int(v.vid[1:]), v) for s, e, v in spans if s <= a and b <= e),
                          key=lambda c: c[:2])
        if not covering:
            out.append(Segment(text[a:b]))
            continue
        inner = covering[0][2]
        out.append(Segment(text[a:b], tuple(c[2].vid for c in covering), inner.vid, inner.colour,
                           " · ".join(c[2].pointer for c in covering)))
    return out


# --------------------------------------------------------------------------- writing the site


def environment() -> Environment:
    """jinja2 with autoescaping on for every template: all record and document text is untrusted."""
    return Environment(loader=PackageLoader("pipeline", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def write_site(out: Path, pages: list[Page], errors: list[ErrorRecord],
               curation: Mapping[str, CurationFile]) -> Path:
    """Write index.html and records/<id>.html under `out`; returns the index's path."""
    env = environment()
    known = {p.record.id for p in pages}
    orphans = sorted(i for i in curation if i not in known)
    pages_dir = out / PAGES
    before = {p.name for p in pages_dir.glob("*.html")} if pages_dir.is_dir() else set()
    for page in pages:
        atomic_write(pages_dir / page.file, env.get_template("document.html").render(
            page=page, fields=FIELDS, version=__version__))
    for gone in before - {p.file for p in pages}:
        (pages_dir / gone).unlink(missing_ok=True)
    index = out / "index.html"
    atomic_write(index, env.get_template("index.html").render(
        pages=pages, errors=errors, orphans=orphans, pages_dir=PAGES, version=__version__,
        counts={"records": len(pages), "errors": len(errors),
                "review": sum(p.needs_review for p in pages), "stale": sum(len(p.stale) for p in pages)}))
    return index
