"""The review sheet: every value of every record as a spreadsheet row, and back as corrections.

`export_sheet` writes one row per value (document, record id, field, value, extracted
value, source snippet, warning, status), one row per existing correction (its status is
its action) and one row per record (field `/`: status `ok` marks the record reviewed).
A curator edits `value` (a changed value becomes a `set`), or sets `status` to `ok`
(confirmed), `remove`, `set` or `add` (a new row: field is the list, e.g. `/objectives`,
value the item, source the text it comes from). `read_sheet` turns the rows into
corrections files: importing an exported sheet unchanged reproduces the corrections.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.curation import STALE, Action, Correction, CurationFile
from pipeline.review import Page

SHEET = "values"
COLUMNS = ["document", "record id", "field", "value", "extracted value", "source", "warning", "status", "sha256"]
WIDTHS = [24, 14, 26, 48, 30, 48, 36, 10, 10]
STATUS_OF = {"confirm": "ok", "set": "set", "remove": "remove", "add": "add"}
ACTION_OF: dict[str, Action | None] = {"ok": "confirm", "set": "set", "remove": "remove", "add": "add", "": None}
RECORD_ROW = "/"
HOW_TO = [
    "How to use this sheet",
    "One row per extracted value. Edit 'value' to correct it, or set 'status':",
    "  ok      the value is right (confirmed)",
    "  remove  the value is wrong and must go",
    "  set     use 'value' as it is now",
    "  add     a new row: 'field' is the list (/objectives, /partners, /aliases ...), 'value' the new item,",
    "          'source' the document text it comes from",
    "The row whose field is '/' stands for the whole record: status ok marks it reviewed.",
    "'source' is the document text a correction is made against: keep it (or, for a new value, fill it in).",
    "Then: profiles corrections import THIS_FILE.xlsx && profiles extract",
]


class SheetError(ValueError):
    """The sheet cannot be read at all (not an xlsx file, no header row)."""


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def sheet_rows(pages: list[Page], curation: Mapping[str, CurationFile]) -> list[list[Any]]:
    """The rows of the sheet, records in run order."""
    rows: list[list[Any]] = []
    for page in pages:
        r = page.record
        file = curation.get(r.id)
        corrections = file.corrections if file else []
        general = "; ".join(f"{w.code}: {w.message}" for w in r.warnings if not w.field)
        rows.append([r.source.path, r.id, RECORD_ROW, r.name, r.name, "", general,
                     "ok" if file and file.reviewed else "", r.source.sha256])
        stale = [w for w in r.warnings if w.code == STALE]
        for c in corrections:
            said = next((w.message for w in stale if w.field == c.field and f"({c.action} {c.field}," in w.message), "")
            rows.append([r.source.path, r.id, c.field, c.value, None, c.source_text, said, STATUS_OF[c.action],
                         r.source.sha256])
        corrected = {c.field for c in corrections}
        for v in page.values:
            if v.curated or v.pointer in corrected:
                continue
            rows.append([r.source.path, r.id, v.pointer, v.value, v.value, v.snippet or "", "; ".join(v.warnings),
                         "", r.source.sha256])
    return rows


def export_sheet(path: Path, pages: list[Page], curation: Mapping[str, CurationFile]) -> int:
    """Write the review sheet (atomically); returns the number of value rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    rows = sheet_rows(pages, curation)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # document text is data, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if cells[2].value == RECORD_ROW:
            for cell in cells:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="EEF2F6")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.column_dimensions["I"].hidden = True
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions
    status = DataValidation(type="list", formula1='"ok,set,remove,add"', allow_blank=True)
    status.add(f"H2:H{max(2, len(rows) + 200)}")
    sheet.add_data_validation(status)
    notes = book.create_sheet("how to")
    for line in HOW_TO:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)


def _value(cell: Any) -> Any:
    """A cell as a value: JSON objects and lists written as text are read back as such."""
    if isinstance(cell, str):
        text = cell.strip()
        if text[:1] in "{[" and text[-1:] in "}]":
            try:
                return json.loads(text)
            except ValueError:
                pass
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


def _same(a: Any, b: Any) -> bool:
    def norm(v: Any) -> str:
        return "" if v is None else " ".join(str(v).split())
    return norm(a) == norm(b)


def read_sheet(path: Path) -> tuple[dict[str, CurationFile], list[str]]:
    """The corrections files the rows of a review sheet ask for, and the problems of rows that cannot be read."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not xlsx
        raise SheetError(f"{path}: not a readable .xlsx file: {err}") from err
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, ())]
    col = {name: header.index(name) for name in COLUMNS if name in header}
    missing = [c for c in ("record id", "field", "value", "source", "status") if c not in col]
    if missing:
        raise SheetError(f"{path}: the first row has no column {', '.join(repr(m) for m in missing)}")
    files: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for n, row in enumerate(rows, start=2):
        def get(name: str) -> Any:
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else None

        record_id, field = str(get("record id") or "").strip(), str(get("field") or "").strip()
        status = str(get("status") or "").strip().lower()
        if not record_id and not field:
            continue
        if not record_id or not field:
            problems.append(f"row {n}: needs both a record id and a field")
            continue
        entry = files.setdefault(record_id, {"id": record_id, "source": str(get("document") or "") or None,
                                             "sha256": str(get("sha256") or "") or None,
                                             "reviewed": False, "corrections": []})
        if field == RECORD_ROW:
            if status not in ("", "ok"):
                problems.append(f"row {n}: the whole-record row ('/') takes status ok or nothing, not '{status}'")
            entry["reviewed"] = entry["reviewed"] or status == "ok"
            continue
        if status not in ACTION_OF:
            problems.append(f"row {n}: unknown status '{status}' (use ok, set, remove, add, or leave it empty)")
            continue
        value, action = _value(get("value")), ACTION_OF[status]
        if action is None:
            if _same(value, _value(get("extracted value"))):
                continue
            action = "set"
        source = str(get("source") or "").strip()
        if not source:
            problems.append(f"row {n}: {record_id} {field}: the 'source' column must hold the document text "
                            "the correction is made against")
            continue
        try:
            entry["corrections"].append(Correction(field=field, action=action, value=value, source_text=source))
        except ValueError as err:
            problems.append(f"row {n}: {record_id} {field}: {str(err).splitlines()[-1].strip()}")
    out: dict[str, CurationFile] = {}
    for record_id, entry in files.items():
        if not entry["reviewed"] and not entry["corrections"]:
            continue
        try:
            out[record_id] = CurationFile.model_validate(entry)
        except ValueError as err:
            problems.append(f"record '{record_id}': {str(err).splitlines()[-1].strip()}")
    return out, problems
