"""The flat tables (tables/*.csv, tables/*.parquet) give back every record's values."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import DOCUMENTS
from pipeline.run import run
from pipeline.tables import SCHEMAS, TableWriter, read_tables


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for path in DOCUMENTS:
        (raw / path.name).write_bytes(path.read_bytes())
    out = tmp_path_factory.mktemp("out")
    run([raw], out)
    return out


def records_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "profiles.jsonl").read_text(encoding="utf-8").splitlines()]


def rebuild(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each record's values (all but evidence) put back together from the tables alone."""
    def value(x: Any) -> Any:
        return None if pd.isna(x) else (int(x) if isinstance(x, (int,)) or hasattr(x, "item") else x)

    def items(name: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        frame = tables[name].sort_values(["id", "source_path", "position"], kind="stable")
        for row in frame.to_dict("records"):
            out.setdefault((row["id"], row["source_path"]), []).append({k: value(v) for k, v in row.items()})
        return out

    aliases, objectives, approaches = items("aliases"), items("objectives"), items("approaches")
    projects, partners, perspectives = items("projects"), items("partners"), items("perspectives")
    warnings = items("warnings")
    project_objectives: dict[tuple[str, str, int], list[str]] = {}
    for row in tables["project_objectives"].to_dict("records"):
        project_objectives.setdefault((row["id"], row["source_path"], int(row["project_position"])), []).append(
            row["text"])
    contacts: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row in tables["contacts"].to_dict("records"):
        contacts.setdefault((row["id"], row["source_path"]), {}).setdefault(row["kind"] + "s", []).append(row["value"])
    records = {}
    for org in tables["organizations"].to_dict("records"):
        o = {k: value(v) for k, v in org.items()}
        key = (o["id"], o["source_path"])
        records[key] = {
            "schema_version": o["schema_version"], "id": o["id"],
            "source": {"path": o["source_path"], "sha256": o["source_sha256"], "format": o["source_format"]},
            "language": o["language"], "name": o["name"], "acronym": o["acronym"],
            "aliases": [a["alias"] for a in aliases.get(key, [])], "country": o["country"], "region": o["region"],
            "member_since": o["member_since"], "founded": {"date": o["founded_date"], "place": o["founded_place"]},
            "chair": o["chair"], "founding_members_count": o["founding_members_count"],
            "description": o["description"],
            "approaches": [{"name": a["name"], "text": a["text"]} for a in approaches.get(key, [])],
            "objectives": [{"text": a["text"]} for a in objectives.get(key, [])],
            "projects": [{"name": p["name"], "objectives": project_objectives.get((*key, p["position"]), [])}
                         for p in projects.get(key, [])],
            "partners": [{"name": p["name"], "acronym": p["acronym"], "ref": p["ref"]} for p in partners.get(key, [])],
            "perspectives": [{"text": a["text"]} for a in perspectives.get(key, [])],
            "contacts": {"address": o["address"], **{k: contacts.get(key, {}).get(k, [])
                                                     for k in ("phones", "emails", "websites")}},
            "warnings": [{"code": w["code"], "message": w["message"], "field": w["field"]}
                         for w in warnings.get(key, [])],
        }
    return records


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_give_back_every_record(corpus_run: Path, fmt: str) -> None:
    expected = {}
    for record in records_of(corpus_run):
        record.pop("evidence")
        expected[(record["id"], record["source"]["path"])] = record
    assert len(expected) > 20
    assert rebuild(read_tables(corpus_run / "tables", fmt)) == expected


def test_every_table_has_its_columns_and_types(corpus_run: Path) -> None:
    for name, schema in SCHEMAS.items():
        assert pq.read_schema(corpus_run / "tables" / f"{name}.parquet").remove_metadata() == schema, name
        header = (corpus_run / "tables" / f"{name}.csv").read_bytes().split(b"\r\n", 1)[0]
        assert header.decode() == ",".join(f'"{c}"' for c in schema.names), name


def test_parquet_holds_no_time_nor_pandas_metadata(corpus_run: Path) -> None:
    metadata = pq.read_metadata(corpus_run / "tables" / "organizations.parquet")
    assert set((metadata.metadata or {}).keys()) <= {b"ARROW:schema"}


def test_csv_tells_an_empty_string_from_a_null(corpus_run: Path, tmp_path: Path) -> None:
    record = records_of(corpus_run)[0]
    record["chair"] = None
    record["approaches"] = [{"name": "Training", "text": ""}]
    writer = TableWriter(tmp_path, lambda path: path.open("wb"))
    writer.add(record)
    writer.close()
    assert b'"Training",""' in (tmp_path / "approaches.csv").read_bytes()
    tables = read_tables(tmp_path, "csv")
    assert tables["approaches"]["text"].tolist() == [""]
    assert tables["organizations"]["chair"].isna().all()
