"""Curators' corrections: one `curation/<id>.yaml` per record, applied as extraction's last stage.

A corrections file is written by a person (or by `profiles corrections import` from the
review sheet) and only ever read by `profiles extract`::

    id: reiessg
    source: reiessg.txt
    reviewed: true                # the whole record was checked
    corrections:
    - field: /chair               # JSON Pointer of the value
      action: set                 # set | remove | add | confirm
      value: Youssef Ellouze
      source_text: Youssef Ellouxe   # the document text the correction was made against

Corrections are anchored by their source text, not by position: a correction of
`/objectives/2/text` lands on whichever objective is now read from that text, so it
survives re-runs that reorder or add items. When the text is gone (the document
changed), the correction is not applied and not dropped: the record gets a
`correction_stale` warning naming the field, and the file stays as it is. A correction
that would break the contract is skipped with a `correction_invalid` warning.

A corrected value's evidence is the span of its source text with `rule: "curation"`;
warnings about a value a curator set or removed are dropped with it. `confirm` leaves a
value as extracted while it equals the confirmed one (and sets it back if a later run
reads something else); removing an item's name or text removes the item; `add` does
nothing once extraction finds the item itself.
"""
from __future__ import annotations

import bisect
import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.models import Approach, Document, Partner, Profile, Project, TextItem, Warning
from pipeline.pointers import NOT_VALUES, is_index, is_within, join_pointer, resolve, split_pointer, values
from pipeline.validate import _pointer_key
from pipeline.write import atomic_write

CURATION_DIR = Path("curation")
CURATION_RULE = "curation"
STALE, INVALID = "correction_stale", "correction_invalid"
Action = Literal["set", "remove", "add", "confirm"]
# Lists of objects: a correction may give just the item's first field as a string.
ITEM_MODELS: dict[str, type[BaseModel]] = {"objectives": TextItem, "perspectives": TextItem,
                                           "approaches": Approach, "projects": Project, "partners": Partner}


class CurationError(ValueError):
    """A corrections file that cannot be read: the run stops before extracting anything."""


class Correction(BaseModel):
    """One change a curator made to one value of a record."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(pattern=r"^/", description="JSON Pointer of the value (for add: of the list, or list/-)")
    action: Action
    value: Any = None
    source_text: str = Field(min_length=1, description="the document text the correction was made against")
    note: str | None = None


class CurationFile(BaseModel):
    """Every correction to one record, and whether a curator reviewed it whole."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    source: str | None = Field(default=None, description="the document's path, for the reader")
    sha256: str | None = Field(default=None, description="the document's sha256 when the file was written")
    reviewed: bool = False
    corrections: list[Correction] = Field(default_factory=list)


# --------------------------------------------------------------------------- files


def load_curation(directory: Path) -> dict[str, CurationFile]:
    """Every corrections file of `directory` by record id (none when the directory does not exist)."""
    if not directory.is_dir():
        return {}
    files = [read_curation_file(p) for p in sorted(directory.glob("*.yaml")) if not p.name.startswith(".")]
    return {f.id: f for f in files}


def read_curation_file(path: Path) -> CurationFile:
    """Read and check one corrections file; CurationError says which file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise CurationError(f"{path}: not a readable YAML file: {err}") from err
    try:
        curation = CurationFile.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'/'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in err.errors()[:5])
        raise CurationError(f"{path}: {problems}") from err
    if curation.id != path.stem:
        raise CurationError(f"{path}: holds corrections to '{curation.id}' but is named for '{path.stem}'")
    return curation


HEADER = """\
# Corrections to the record '{id}', applied by `profiles extract` as its last stage.
# field: JSON Pointer of the value; action: set, remove, add (to a list) or confirm;
# value: the right value; source_text: the document text the correction was made against
# (while it is no longer in the document the correction is reported stale, not applied).
# reviewed: true once a curator has checked the whole record.
"""


def dump_curation(curation: CurationFile) -> str:
    """The human-readable YAML of a corrections file."""
    data: dict[str, Any] = {"id": curation.id}
    if curation.source:
        data["source"] = curation.source
    if curation.sha256:
        data["sha256"] = curation.sha256
    data["reviewed"] = curation.reviewed
    data["corrections"] = []
    for c in curation.corrections:
        item: dict[str, Any] = {"field": c.field, "action": c.action}
        if c.action != "remove" or c.value is not None:
            item["value"] = c.value
        item["source_text"] = c.source_text
        if c.note:
            item["note"] = c.note
        data["corrections"].append(item)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return HEADER.format(id=curation.id) + body


def merge_curation(old: CurationFile, new: CurationFile) -> CurationFile:
    """`old` updated by `new`: a correction of the same field and source text replaces the old one."""
    def key(c: Correction) -> tuple[str, str]:
        return c.field, " ".join(c.source_text.split())

    replaced = {key(c): c for c in new.corrections}
    kept = [replaced.pop(key(c), c) for c in old.corrections]
    return CurationFile(id=old.id, source=new.source or old.source, sha256=new.sha256 or old.sha256,
                        reviewed=old.reviewed or new.reviewed,
                        corrections=kept + [c for c in new.corrections if key(c) in replaced])


def write_curation(directory: Path, files: Iterable[CurationFile]) -> list[Path]:
    """Write corrections files, merged into the ones already there; returns the paths written."""
    written = []
    for curation in files:
        path = directory / f"{curation.id}.yaml"
        if path.exists():
            curation = merge_curation(read_curation_file(path), curation)
        atomic_write(path, dump_curation(curation))
        written.append(path)
    return written


# --------------------------------------------------------------------------- applying


@dataclass(frozen=True)
class Target:
    """Where a correction lands in the current record, and the span of its source text."""

    pointer: str
    start: int
    end: int


def occurrences(text: str, source_text: str) -> list[tuple[int, int]]:
    """Spans of `source_text` in `text`, any run of whitespace matching any other."""
    words = source_text.split()
    if not words:
        return []
    body = r"\s+".join(map(re.escape, words))
    # A source text that starts or ends with a letter or digit matches whole words only.
    head = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    tail = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    pattern = re.compile(head + body + tail)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def locate(correction: Correction, record: dict[str, Any], text: str) -> Target | str:
    """The target of a correction in `record`, or why it is stale (a sentence)."""
    spans = occurrences(text, correction.source_text)
    if not spans:
        return "is no longer in the document"
    parts = split_pointer(correction.field)
    evidence: dict[str, dict[str, Any]] = record["evidence"]
    if correction.action == "add" or not any(is_index(p) for p in parts):
        cited = [(e["start"], e["end"]) for k, e in evidence.items() if is_within(k, correction.field)]
        start, end = _best_span(spans, cited)
        return Target(correction.field, start, end)
    # An item of a list: the item now read from the source text, wherever it is in the list.
    best: tuple[tuple[int, bool, int], Target] | None = None
    for key, ev in evidence.items():
        kparts = split_pointer(key)
        if len(kparts) < len(parts) or not _same_shape(kparts[: len(parts)], parts):
            continue
        score = max(2 if (ev["start"], ev["end"]) == s else 1 if _overlap(s, (ev["start"], ev["end"])) else 0
                    for s in spans)
        if not score:
            continue
        target = join_pointer(kparts[: len(parts)])
        start, end = _best_span(spans, [(ev["start"], ev["end"])])
        distance = sum(abs(int(a) - int(b)) for a, b in zip(kparts, parts) if is_index(a) and is_index(b))
        rank = (score, target == correction.field, -distance)
        if best is None or rank > best[0]:
            best = rank, Target(target, start, end)
    if best is None:
        shape = join_pointer(["*" if is_index(p) else p for p in parts])
        return f"is in the document but no value at {shape} is read from it any more"
    return best[1]


def apply_curation(profile: Profile, doc: Document, curation: CurationFile | None) -> Profile:
    """Apply a record's corrections, each one checked against the contract; the last stage of extraction."""
    if curation is None or not curation.corrections:
        return profile
    record = profile.model_dump(mode="json")
    notes: list[Warning] = []
    for correction in curation.corrections:
        where = locate(correction, record, doc.text)
        if isinstance(where, str):
            notes.append(stale_warning(correction, where, curation.id))
            continue
        try:
            record = Profile.model_validate(edit(record, correction, where, doc)).model_dump(mode="json")
        except (CorrectionError, ValidationError) as err:
            reason = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
            notes.append(Warning(code=INVALID, field=correction.field,
                                 message=f"correction not applied ({correction.action} {correction.field}, "
                                         f"curation/{curation.id}.yaml): {reason}"))
    record["warnings"] += [w.model_dump(mode="json") for w in notes]
    record["evidence"] = dict(sorted(record["evidence"].items(), key=lambda kv: _pointer_key(kv[0])))
    return Profile.model_validate(record)


def stale_warning(correction: Correction, reason: str, record_id: str) -> Warning:
    snippet = " ".join(correction.source_text.split())
    snippet = snippet if len(snippet) <= 80 else snippet[:77] + "…"
    return Warning(code=STALE, field=correction.field,
                   message=f"correction not applied ({correction.action} {correction.field}, "
                           f"curation/{record_id}.yaml): its source text '{snippet}' {reason}")


class CorrectionError(ValueError):
    """A correction that does not fit the record (no such field, not a list...)."""


def edit(record: dict[str, Any], correction: Correction, target: Target, doc: Document) -> dict[str, Any]:
    """A copy of `record` with one located correction made, its evidence and warnings kept in step."""
    new = copy.deepcopy(record)
    span = {"start": target.start, "end": target.end, "page": doc.page_at(target.start), "rule": CURATION_RULE}
    parts = split_pointer(target.pointer)
    if not parts:
        raise CorrectionError("a correction names a field, not the whole record")
    if parts[0] in NOT_VALUES:
        raise CorrectionError(f"/{parts[0]} is set by the pipeline, not extracted: it cannot be corrected")
    if correction.action == "add":
        return _add(new, parts, correction.value, span)
    if correction.action == "remove" and _names_its_item(parts):
        parts = parts[:-1]  # removing an item's name or text removes the item
    parent, key = _container(new, parts)
    if correction.action == "confirm" and parent[key] == _shaped(parts, correction.value):
        return new
    _forget(new, join_pointer(parts))
    if correction.action == "remove":
        if isinstance(parent, list):
            del parent[key]
            _shift(new, join_pointer(parts[:-1]), key + 1, -1)
        else:
            parent[key] = [] if isinstance(parent[key], list) else None
        return new
    value = _shaped(parts, correction.value)
    parent[key] = value
    _cite(new["evidence"], target.pointer, value, span)
    return new


def _add(record: dict[str, Any], parts: list[str], value: Any, span: dict[str, Any]) -> dict[str, Any]:
    index: int | None = None
    if parts[-1] == "-":
        parts = parts[:-1]
    elif is_index(parts[-1]):
        index, parts = int(parts[-1]), parts[:-1]
    pointer = join_pointer(parts)
    try:
        items = resolve(record, pointer)
    except KeyError:
        raise CorrectionError(f"the record has no list at {pointer}") from None
    if not isinstance(items, list):
        raise CorrectionError(f"{pointer} is not a list: add puts an item in a list")
    item = _shaped([*parts, "0"], value)
    if item in items:  # extraction finds it now: nothing to add
        return record
    if index is None:
        index = bisect.bisect(items, item) if pointer == "/aliases" else len(items)
    index = min(index, len(items))
    _shift(record, pointer, index, +1)
    items.insert(index, item)
    _cite(record["evidence"], f"{pointer}/{index}", item, span)
    return record


def _container(record: dict[str, Any], parts: list[str]) -> tuple[Any, Any]:
    """The list or object holding the value at `parts`, and its index or key there."""
    pointer = join_pointer(parts)
    try:
        parent = resolve(record, join_pointer(parts[:-1]))
    except KeyError:
        raise CorrectionError(f"the record has no field {pointer}") from None
    if isinstance(parent, list) and is_index(parts[-1]) and int(parts[-1]) < len(parent):
        return parent, int(parts[-1])
    if isinstance(parent, dict) and parts[-1] in parent:
        return parent, parts[-1]
    raise CorrectionError(f"the record has no field {pointer}")


def _names_its_item(parts: list[str]) -> bool:
    """`/partners/2/name`, `/objectives/0/text`: the field an item of a list of objects cannot be without."""
    return (len(parts) == 3 and parts[0] in ITEM_MODELS and is_index(parts[1])
            and parts[2] == next(iter(ITEM_MODELS[parts[0]].model_fields)))


def _shaped(parts: list[str], value: Any) -> Any:
    """An item of a list of objects given as a string becomes the object (`"X"` -> `{"text": "X"}`)."""
    if len(parts) == 2 and parts[0] in ITEM_MODELS and is_index(parts[1]):
        model = ITEM_MODELS[parts[0]]
        if isinstance(value, str):
            value = {next(iter(model.model_fields)): value}
        try:
            return model.model_validate(value).model_dump(mode="json")
        except ValidationError as err:
            raise CorrectionError(f"not a valid item of {parts[0]}: {err.errors()[0]['msg']}") from err
    return value


def _cite(evidence: dict[str, Any], pointer: str, value: Any, span: dict[str, Any]) -> None:
    """Give every non-empty scalar of `value` (placed at `pointer`) the span of its source text."""
    if isinstance(value, (dict, list)):
        shell = {"v": value}
        for sub, _ in values(shell):
            evidence[pointer + sub[2:]] = dict(span)
    elif value not in (None, ""):
        evidence[pointer] = dict(span)


def _forget(record: dict[str, Any], pointer: str) -> None:
    """Drop the evidence of a value and of everything in it, and the warnings about it."""
    record["evidence"] = {k: v for k, v in record["evidence"].items() if not is_within(k, pointer)}
    record["warnings"] = [w for w in record["warnings"] if not (w.get("field") and is_within(w["field"], pointer))]


def _shift(record: dict[str, Any], list_pointer: str, start: int, delta: int) -> None:
    """Renumber the items of a list from `start` on by `delta` in evidence and warning fields."""
    depth = len(split_pointer(list_pointer))

    def moved(pointer: str) -> str:
        if not is_within(pointer, list_pointer) or pointer == list_pointer:
            return pointer
        parts = split_pointer(pointer)
        if is_index(parts[depth]) and int(parts[depth]) >= start:
            parts[depth] = str(int(parts[depth]) + delta)
        return join_pointer(parts)

    record["evidence"] = {moved(k): v for k, v in record["evidence"].items()}
    for w in record["warnings"]:
        if w.get("field"):
            w["field"] = moved(w["field"])


def _same_shape(parts: list[str], pattern: list[str]) -> bool:
    return all(is_index(a) if is_index(b) else a == b for a, b in zip(parts, pattern))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _best_span(spans: list[tuple[int, int]], cited: list[tuple[int, int]]) -> tuple[int, int]:
    """The occurrence that is (or overlaps) where the value is cited now, else the first."""
    for want in (lambda s, c: s == c, _overlap):
        for s in spans:
            if any(want(s, c) for c in cited):
                return s
    return spans[0]


def stale_corrections(profile: Profile) -> list[Warning]:
    """The record's warnings about corrections that could not be applied."""
    return [w for w in profile.warnings if w.code in (STALE, INVALID)]


def curated_pointers(profile: Profile) -> set[str]:
    return {k for k, e in profile.evidence.items() if e.rule == CURATION_RULE}
