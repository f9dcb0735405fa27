"""What changed between two runs: per document and field, values added, removed and changed.

Documents are matched by `source.path` (a rule change may change a record's id, which
then shows as a changed `/id`). Values are compared as the contract has them, warnings
included, evidence and hashes left out; list items are aligned (difflib) so that one
item put in front of the others shows as one item added, not as every item changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from pipeline.pointers import values

IGNORED = ("evidence", "source", "schema_version")


class DiffError(ValueError):
    """A directory that holds no run output."""


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    pointer: str
    old: Any = None
    new: Any = None


@dataclass
class DocumentDiff:
    path: str
    old_id: str | None
    new_id: str | None
    status: str  # changed | new | gone | refused | accepted | refused-changed
    changes: list[Change] = field(default_factory=list)
    note: str = ""


@dataclass
class RunDiff:
    documents: list[DocumentDiff]

    @property
    def changed(self) -> bool:
        return bool(self.documents)

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for d in self.documents for c in d.changes)


def load_run(directory: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Records and errors of an output directory, each by source path."""
    jsonl = directory / "profiles.jsonl"
    if not jsonl.is_file():
        raise DiffError(f"{directory}: no profiles.jsonl (not an output directory of `profiles extract`)")

    def rows(path: Path) -> list[dict[str, Any]]:
        if not path.is_file():
            return []
        try:
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except ValueError as err:
            raise DiffError(f"{path}: not JSON lines: {err}") from err

    records = {r["source"]["path"]: r for r in rows(jsonl)}
    errors = {e["source"]["path"]: e for e in rows(directory / "errors.jsonl")}
    return records, errors


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in record.items() if k not in IGNORED}
    data["warnings"] = [f"{w['code']}{' ' + w['field'] if w.get('field') else ''}: {w['message']}"
                        for w in record.get("warnings", [])]
    return data


def _leaves(value: Any, pointer: str) -> list[tuple[str, Any]]:
    if isinstance(value, (dict, list)):
        return [(pointer + p[2:], v) for p, v in values({"v": value})]
    return [] if value in (None, "") else [(pointer, value)]


def compare(old: Any, new: Any, pointer: str = "") -> list[Change]:
    """The value changes from `old` to `new` (plain JSON), leaf by leaf."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [c for k in {**old, **new} for c in compare(old.get(k), new.get(k), f"{pointer}/{k}")]
    if isinstance(old, list) and isinstance(new, list):
        return _compare_lists(old, new, pointer)
    if old in (None, "", [], {}):
        return [Change("added", p, new=v) for p, v in _leaves(new, pointer)]
    if new in (None, "", [], {}):
        return [Change("removed", p, old=v) for p, v in _leaves(old, pointer)]
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
        return ([Change("removed", p, old=v) for p, v in _leaves(old, pointer)]
                + [Change("added", p, new=v) for p, v in _leaves(new, pointer)])
    return [Change("changed", pointer, old, new)]


def _compare_lists(old: list[Any], new: list[Any], pointer: str) -> list[Change]:
    keys = [[json.dumps(x, sort_keys=True, ensure_ascii=False) for x in side] for side in (old, new)]
    out: list[Change] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, keys[0], keys[1], autojunk=False).get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):  # a replaced item: what changed inside it, at its new place
            out += compare(old[i1 + k], new[j1 + k], f"{pointer}/{j1 + k}")
        for i in range(i1 + paired, i2):
            out += [Change("removed", p, old=v) for p, v in _leaves(old[i], f"{pointer}/{i}")]
        for j in range(j1 + paired, j2):
            out += [Change("added", p, new=v) for p, v in _leaves(new[j], f"{pointer}/{j}")]
    return out


def diff_runs(old_dir: Path, new_dir: Path) -> RunDiff:
    """Every document whose record or refusal differs between two output directories."""
    old_records, old_errors = load_run(old_dir)
    new_records, new_errors = load_run(new_dir)
    out = []
    for path in sorted({*old_records, *new_records, *old_errors, *new_errors}):
        old, new = old_records.get(path), new_records.get(path)
        old_err, new_err = old_errors.get(path), new_errors.get(path)
        if old and new:
            changes = compare(_comparable(old), _comparable(new))
            if changes:
                note = "the document itself changed" if old["source"]["sha256"] != new["source"]["sha256"] else ""
                out.append(DocumentDiff(path, old["id"], new["id"], "changed", changes, note))
        elif new:
            status = "accepted" if old_err else "new"
            note = f"was refused: {old_err['code']}" if old_err else ""
            changes = [Change("added", p, new=v) for p, v in values(new)]
            out.append(DocumentDiff(path, None, new["id"], status, changes, note))
        elif old:
            status = "refused" if new_err else "gone"
            note = f"now refused: {new_err['code']}: {new_err['message']}" if new_err else ""
            changes = [Change("removed", p, old=v) for p, v in values(old)]
            out.append(DocumentDiff(path, old["id"], None, status, changes, note))
        elif old_err and new_err and (old_err["code"], old_err["message"]) != (new_err["code"], new_err["message"]):
            out.append(DocumentDiff(path, None, None, "refused-changed",
                                    note=f"refused as {old_err['code']}, now as {new_err['code']}: {new_err['message']}"))
        elif bool(old_err) != bool(new_err):
            err = new_err or old_err
            assert err is not None
            out.append(DocumentDiff(path, None, None, "refused" if new_err else "gone",
                                    note=f"{'now' if new_err else 'was'} refused: {err['code']}"))
    return RunDiff(out)


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 2] + "…\""


TITLES = {"changed": "", "new": "new record", "gone": "record gone", "refused": "refused now",
          "accepted": "record now (was refused)", "refused-changed": "refused for another reason"}
MARKS = {"added": "+", "removed": "-", "changed": "~"}


def format_diff(diff: RunDiff, old_dir: Path, new_dir: Path, limit: int = 0) -> str:
    """The report for a person: one block per document, one line per value, a summary line."""
    lines = []
    for d in diff.documents:
        ids = d.new_id or d.old_id
        head = f"{d.path}" + (f" ({ids})" if ids else "")
        extra = ", ".join(x for x in (TITLES[d.status], d.note) if x)
        lines.append(head + (f": {extra}" if extra else ""))
        shown = d.changes if not limit else d.changes[:limit]
        for c in shown:
            if c.kind == "changed":
                lines.append(f"  ~ {c.pointer}: {_short(c.old)} -> {_short(c.new)}")
            else:
                lines.append(f"  {MARKS[c.kind]} {c.pointer}: {_short(c.new if c.kind == 'added' else c.old)}")
        if len(shown) < len(d.changes):
            lines.append(f"  … {len(d.changes) - len(shown)} more")
    if diff.changed:
        n = len(diff.documents)
        lines.append(f"{n} document{'s differ' if n > 1 else ' differs'} between {old_dir} and {new_dir}; "
                     f"values: {diff.count('added')} added, {diff.count('removed')} removed, "
                     f"{diff.count('changed')} changed")
    else:
        lines.append(f"no differences between {old_dir} and {new_dir}")
    return "\n".join(lines) + "\n"
