"""Curators' corrections: applied last by extract, anchored by source text, stale when the text is gone."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CORPUS
from pipeline.cli import main
from pipeline.curation import (CURATION_RULE, INVALID, STALE, Correction, CurationFile, dump_curation,
                               load_curation, read_curation_file, write_curation)
from pipeline.readers import read_document

DOC = "reiessg.txt"
CORRECTIONS = {
    "id": "reiessg",
    "source": DOC,
    "reviewed": True,
    "corrections": [
        {"field": "/chair", "action": "set", "value": "Youssef Ellouze", "source_text": "Youssef Ellouxe"},
        {"field": "/partners/3", "action": "remove", "source_text": "World Bank"},
        {"field": "/objectives", "action": "add", "value": "networking of SSE actors",
         "source_text": "REIESS works on several objectives"},
        {"field": "/founded/place", "action": "set", "value": "Guelmim", "source_text": "Region of Guelmim"},
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A working folder with raw/ holding one dev document and curation/ one corrections file."""
    (tmp_path / "raw").mkdir()
    shutil.copy(CORPUS / DOC, tmp_path / "raw" / DOC)
    (tmp_path / "curation").mkdir()
    (tmp_path / "curation" / "reiessg.yaml").write_text(yaml.safe_dump(CORRECTIONS, sort_keys=False), "utf-8")
    return tmp_path


def extract(project: Path, out: str = "out") -> dict[str, Any]:
    code = main(["extract", str(project / "raw"), "--out", str(project / out),
                 "--curation", str(project / "curation"), "--quiet"])
    assert code == 0
    return json.loads((project / out / "reiessg.json").read_text(encoding="utf-8"))


def span_text(project: Path, record: dict[str, Any], pointer: str) -> str:
    path = project / "raw" / DOC
    text = read_document(path, DOC, path.read_bytes()).text
    ev = record["evidence"][pointer]
    return text[ev["start"]:ev["end"]]


def test_a_correction_survives_three_reruns(project: Path) -> None:
    for _ in range(3):
        record = extract(project)
        assert record["chair"] == "Youssef Ellouze"
        assert "World Bank" not in [p["name"] for p in record["partners"]]
        assert record["objectives"][-1] == {"text": "networking of SSE actors"}
        assert record["founded"]["place"] == "Guelmim"
        assert not [w for w in record["warnings"] if w["code"].startswith("correction_")]


def test_a_corrected_value_says_so_in_its_evidence(project: Path) -> None:
    record = extract(project)
    for pointer, source in [("/chair", "Youssef Ellouxe"), ("/founded/place", "Region of Guelmim"),
                            ("/objectives/3/text", "REIESS works on several objectives")]:
        assert record["evidence"][pointer]["rule"] == CURATION_RULE
        assert span_text(project, record, pointer) == source
    assert record["evidence"]["/objectives/0/text"]["rule"] != CURATION_RULE


def test_removing_an_item_renumbers_the_evidence_of_the_next_ones(project: Path) -> None:
    record = extract(project)
    assert record["partners"][3]["name"] == "INDH Morocco"
    assert span_text(project, record, "/partners/3/name") == "INDH Morocco"
    assert "/partners/4/name" not in record["evidence"]


def test_extract_never_writes_curation_files(project: Path) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "curation").iterdir()}
    extract(project)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "curation").iterdir()} == before
    shutil.rmtree(project / "curation")
    extract(project)
    assert not (project / "curation").exists()


def test_a_stale_correction_is_reported_not_applied(project: Path) -> None:
    raw = project / "raw" / DOC
    raw.write_text(raw.read_text(encoding="utf-8").replace("Youssef Ellouxe", "Ahmed Benali"), encoding="utf-8")
    record = extract(project)
    assert record["chair"] == "Ahmed Benali"
    assert record["evidence"]["/chair"]["rule"] != CURATION_RULE
    stale = [w for w in record["warnings"] if w["code"] == STALE]
    assert [w["field"] for w in stale] == ["/chair"]
    assert "Youssef Ellouxe" in stale[0]["message"]
    # the other corrections still apply, and the file is kept as it was
    assert record["founded"]["place"] == "Guelmim"
    assert yaml.safe_load((project / "curation" / "reiessg.yaml").read_text())["corrections"][0]["value"] == \
        "Youssef Ellouze"


def test_a_stale_correction_is_listed_in_the_review_report(project: Path) -> None:
    raw = project / "raw" / DOC
    raw.write_text(raw.read_text(encoding="utf-8").replace("The World Bank", "The Islamic Bank"), encoding="utf-8")
    extract(project)
    assert main(["review", "--records", str(project / "out"), "--raw", str(project / "raw"),
                 "--curation", str(project / "curation"), "--out", str(project / "review")]) == 0
    page = (project / "review" / "records" / "reiessg.html").read_text(encoding="utf-8")
    assert 'data-code="correction_stale"' in page and "/partners/3" in page
    index = (project / "review" / "index.html").read_text(encoding="utf-8")
    assert "1 stale" in index


def test_a_correction_follows_its_item_when_the_list_changes(project: Path) -> None:
    raw = project / "raw" / DOC
    text = raw.read_text(encoding="utf-8")
    raw.write_text(text.replace("  • Provincial Council\n", "  • Ministry of Agriculture\n  • Provincial Council\n"),
                   encoding="utf-8")
    record = extract(project)
    names = [p["name"] for p in record["partners"]]
    assert names[0] == "Ministry of Agriculture"
    assert "World Bank" not in names and "INDH Morocco" in names
    assert not [w for w in record["warnings"] if w["code"] == STALE]


def test_a_correction_that_breaks_the_contract_is_skipped_with_a_warning(project: Path) -> None:
    data = dict(CORRECTIONS, corrections=[{"field": "/founded/date", "action": "set", "value": "31/01/2015",
                                           "source_text": "January 31, 2015"}])
    (project / "curation" / "reiessg.yaml").write_text(yaml.safe_dump(data), "utf-8")
    record = extract(project)
    assert record["founded"]["date"] == "2015-01-31"
    assert [w["field"] for w in record["warnings"] if w["code"] == INVALID] == ["/founded/date"]


def test_fields_the_pipeline_sets_cannot_be_corrected(project: Path) -> None:
    data = dict(CORRECTIONS, corrections=[{"field": "/id", "action": "set", "value": "other",
                                           "source_text": "REIESSG"}])
    (project / "curation" / "reiessg.yaml").write_text(yaml.safe_dump(data), "utf-8")
    record = extract(project)
    assert record["id"] == "reiessg"
    assert [w["field"] for w in record["warnings"] if w["code"] == INVALID] == ["/id"]


def test_confirm_keeps_the_value_and_its_rule(project: Path) -> None:
    data = dict(CORRECTIONS, corrections=[{"field": "/chair", "action": "confirm", "value": "Youssef Ellouxe",
                                           "source_text": "Youssef Ellouxe"}])
    (project / "curation" / "reiessg.yaml").write_text(yaml.safe_dump(data), "utf-8")
    record = extract(project)
    assert record["chair"] == "Youssef Ellouxe"
    assert record["evidence"]["/chair"]["rule"] != CURATION_RULE


def test_a_broken_corrections_file_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "curation" / "reiessg.yaml").write_text("id: reiessg\ncorrections:\n- field: chair\n", "utf-8")
    assert main(["extract", str(project / "raw"), "--out", str(project / "out"),
                 "--curation", str(project / "curation"), "--quiet"]) == 2
    assert "reiessg.yaml" in capsys.readouterr().err
    assert not (project / "out").exists()


def test_a_file_must_be_named_for_its_record(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(CORRECTIONS), "utf-8")
    with pytest.raises(ValueError, match="named for 'other'"):
        read_curation_file(tmp_path / "other.yaml")


def test_written_files_read_back_and_merge(tmp_path: Path) -> None:
    first = CurationFile.model_validate(CORRECTIONS)
    write_curation(tmp_path, [first])
    assert load_curation(tmp_path) == {"reiessg": first}
    assert (tmp_path / "reiessg.yaml").read_text(encoding="utf-8").startswith("# Corrections to the record")
    again = CurationFile(id="reiessg", corrections=[
        Correction(field="/chair", action="set", value="Y. Ellouze", source_text="Youssef  Ellouxe"),
        Correction(field="/region", action="set", value="Africa", source_text="Morocco")])
    write_curation(tmp_path, [again])
    merged = load_curation(tmp_path)["reiessg"]
    assert [(c.field, c.value) for c in merged.corrections] == [
        ("/chair", "Y. Ellouze"), ("/partners/3", None), ("/objectives", "networking of SSE actors"),
        ("/founded/place", "Guelmim"), ("/region", "Africa")]
    assert merged.reviewed


def test_the_yaml_is_plain_to_read() -> None:
    text = dump_curation(CurationFile.model_validate(CORRECTIONS))
    assert "- field: /chair\n  action: set\n  value: Youssef Ellouze\n  source_text: Youssef Ellouxe\n" in text
