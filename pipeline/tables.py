"""Flat tables of the records, for systems that read tables: CSV and Parquet, one file per entity.

Every table starts with `id` (the record id) and `source_path` (the document: two
documents can give the same id, never the same path); list items carry `position`, their
0-based index in the record (`/objectives/2` is the objectives row of position 2). Rows
are in the order of `profiles.jsonl` (documents by path), then by position. Columns and
types are fixed by `SCHEMAS` (documented in the README): `string` (UTF-8, null where the
record has null) and `int32`.

CSV files follow RFC 4180: UTF-8, a header line, CRLF line ends, every string quoted, a
null written as an empty field and an empty string as `""` (so `read_tables` tells them
apart; pandas' `read_csv` reads both as empty). Parquet files are zstd-compressed, with
no timestamps and no pandas metadata, so the same records give the same bytes.

Written incrementally (`TableWriter`, a batch of `BATCH` records at a time): a run's
memory does not grow with the number of records.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BATCH = 2000  # records per Parquet row group and CSV write
STR, INT = pa.string(), pa.int32()
KEY = [("id", STR, False), ("source_path", STR, False)]
_COLUMNS: dict[str, list[tuple[str, pa.DataType, bool]]] = {
    "organizations": KEY + [
        ("source_sha256", STR, False), ("source_format", STR, False), ("schema_version", STR, False),
        ("language", STR, False), ("name", STR, False), ("acronym", STR, True), ("country", STR, True),
        ("region", STR, True), ("member_since", STR, True), ("founded_date", STR, True), ("founded_place", STR, True),
        ("chair", STR, True), ("founding_members_count", INT, True), ("description", STR, True), ("address", STR, True)],
    "aliases": KEY + [("position", INT, False), ("alias", STR, False)],
    "objectives": KEY + [("position", INT, False), ("text", STR, False)],
    "approaches": KEY + [("position", INT, False), ("name", STR, False), ("text", STR, False)],
    "projects": KEY + [("position", INT, False), ("name", STR, False)],
    "project_objectives": KEY + [("project_position", INT, False), ("position", INT, False), ("text", STR, False)],
    "partners": KEY + [("position", INT, False), ("name", STR, False), ("acronym", STR, True), ("ref", STR, True)],
    "perspectives": KEY + [("position", INT, False), ("text", STR, False)],
    "contacts": KEY + [("kind", STR, False), ("position", INT, False), ("value", STR, False)],
    "warnings": KEY + [("position", INT, False), ("code", STR, False), ("message", STR, False), ("field", STR, True)],
}
SCHEMAS: dict[str, pa.Schema] = {name: pa.schema([pa.field(c, t, nullable=n) for c, t, n in cols])
                                 for name, cols in _COLUMNS.items()}
CONTACT_KINDS = (("phone", "phones"), ("email", "emails"), ("website", "websites"))


def rows_of(record: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for every row a record gives, in table order."""
    key = (record["id"], record["source"]["path"])
    src, founded, contacts = record["source"], record["founded"], record["contacts"]
    yield "organizations", (*key, src["sha256"], src["format"], record["schema_version"], record["language"],
                            record["name"], record["acronym"], record["country"], record["region"],
                            record["member_since"], founded["date"], founded["place"], record["chair"],
                            record["founding_members_count"], record["description"], contacts["address"])
    for n, alias in enumerate(record["aliases"]):
        yield "aliases", (*key, n, alias)
    for n, item in enumerate(record["objectives"]):
        yield "objectives", (*key, n, item["text"])
    for n, item in enumerate(record["approaches"]):
        yield "approaches", (*key, n, item["name"], item["text"])
    for n, project in enumerate(record["projects"]):
        yield "projects", (*key, n, project["name"])
        for m, text in enumerate(project["objectives"]):
            yield "project_objectives", (*key, n, m, text)
    for n, partner in enumerate(record["partners"]):
        yield "partners", (*key, n, partner["name"], partner["acronym"], partner.get("ref"))
    for n, item in enumerate(record["perspectives"]):
        yield "perspectives", (*key, n, item["text"])
    for kind, field in CONTACT_KINDS:
        for n, value in enumerate(contacts[field]):
            yield "contacts", (*key, kind, n, value)
    for n, warning in enumerate(record["warnings"]):
        yield "warnings", (*key, n, warning["code"], warning["message"], warning["field"])


class TableWriter:
    """Append records; `close` writes the last batch. Files are opened through `open_file(path)`."""

    def __init__(self, directory: Path, open_file: Callable[[Path], IO[bytes]]) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in SCHEMAS}
        self.pending = 0
        self.csv: dict[str, pacsv.CSVWriter] = {}
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.handles: list[IO[bytes]] = []
        options = pacsv.WriteOptions(include_header=True, eol="\r\n", quoting_style="needed")
        for name, schema in SCHEMAS.items():
            csv_handle = open_file(directory / f"{name}.csv")
            parquet_handle = open_file(directory / f"{name}.parquet")
            self.handles += [csv_handle, parquet_handle]
            self.csv[name] = pacsv.CSVWriter(csv_handle, schema, write_options=options)
            self.parquet[name] = pq.ParquetWriter(parquet_handle, schema, compression="zstd", compression_level=3,
                                                  use_dictionary=True, write_statistics=True, version="2.6",
                                                  data_page_version="1.0", store_schema=True)

    def add(self, record: dict[str, Any]) -> None:
        rows = self.rows
        for table, row in rows_of(record):
            rows[table].append(row)
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def flush(self) -> None:
        for name, rows in self.rows.items():
            if not rows:
                continue
            schema = SCHEMAS[name]
            columns = list(zip(*rows))
            table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)
            self.csv[name].write_table(table)
            self.parquet[name].write_table(table)
            rows.clear()
        self.pending = 0

    def close(self) -> None:
        self.flush()
        for writer in [*self.csv.values(), *self.parquet.values()]:
            writer.close()
        for handle in self.handles:
            handle.close()


def read_tables(directory: Path, fmt: str = "parquet") -> dict[str, Any]:
    """Every table of `directory` (`OUT/tables`) as a pandas DataFrame, from Parquet or CSV, with its types."""
    out = {}
    for name, schema in SCHEMAS.items():
        path = directory / f"{name}.{fmt}"
        if fmt == "parquet":
            table = pq.read_table(path, schema=schema)
        else:
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False))
        out[name] = table.to_pandas(types_mapper={pa.string(): _pandas_string(), pa.int32(): _pandas_int32()}.get)
    return out


def _pandas_string() -> Any:
    import pandas as pd

    return pd.StringDtype()


def _pandas_int32() -> Any:
    import pandas as pd

    return pd.Int32Dtype()
