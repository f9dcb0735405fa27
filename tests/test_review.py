"""The review report and the review sheet: pages, spans, escaping, the xlsx round trip."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from conftest import CORPUS
from pipeline.cli import main
from pipeline.curation import load_curation
from pipeline.readers import read_document

HOSTILE = """Hostile <script>alert(1)</script> Network (HSN)

The Hostile Network (HSN) "onmouseover="alert(1) was created on March 3, 2010 in Rabat under the chairmanship \
of Mr. Karim <b>Smith</b>.

The objectives of the association are to:

  • fight <img src=x onerror=alert(1)> injection
  • promote "onmouseover="alert(1) safety

Contact details

Address: 1 rue <script>alert(2)</script>, Rabat, Maroc
"""
FORMULA = '=HYPERLINK("http://example.invalid","x") Network (FHN)\n\nThe Formula Network was created in 2012.\n'


def run(tmp_path: Path, *docs: str, extra: dict[str, str] | None = None,
        curation: dict[str, Any] | None = None, sheet: bool = False) -> Path:
    """Extract the named dev documents (and extra files) into tmp_path/out and write the report to tmp_path/review."""
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name in docs:
        shutil.copy(CORPUS / name, raw / name)
    for name, text in (extra or {}).items():
        (raw / name).write_text(text, encoding="utf-8")
    cur = tmp_path / "curation"
    cur.mkdir(exist_ok=True)
    for record_id, data in (curation or {}).items():
        (cur / f"{record_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    main(["extract", str(raw), "--out", str(tmp_path / "out"), "--curation", str(cur), "--quiet"])
    args = ["review", "--records", str(tmp_path / "out"), "--raw", str(raw), "--curation", str(cur),
            "--out", str(tmp_path / "review")]
    assert main(args + (["--sheet", str(tmp_path / "review.xlsx")] if sheet else [])) == 0
    return tmp_path / "review"


def test_the_index_links_every_record_and_lists_refused_documents(tmp_path: Path) -> None:
    review = run(tmp_path, "reiessg.txt", "fr-occitanie-cae.md", extra={"empty.txt": ""})
    index = HTMLParser((review / "index.html").read_text(encoding="utf-8"))
    links = sorted(a.attributes["href"] for a in index.css("#docs a"))
    assert links == ["records/focae.html", "records/reiessg.html"]
    assert all((review / link).is_file() for link in links)
    refused = [[td.text() for td in tr.css("td")] for tr in index.css("#errors tbody tr")]
    assert [(r[0], r[1]) for r in refused] == [("empty.txt", "empty")]
    row = index.css_first('tr[data-id="reiessg"]')
    assert row.attributes["data-review"] == "1" and "alias_guessed" in row.text()


def test_page_file_names_are_slugs_of_record_ids(tmp_path: Path) -> None:
    review = run(tmp_path, "reiessg.txt", extra={"hostile.txt": HOSTILE, "formula.txt": FORMULA})
    names = sorted(p.name for p in (review / "records").iterdir())
    assert names == ["fhn.html", "hsn.html", "reiessg.html"]
    assert all(re.fullmatch(r"[a-z0-9-]+\.html", n) for n in names)


def test_every_span_on_the_page_holds_its_values_evidence_text(tmp_path: Path) -> None:
    review = run(tmp_path, "reiessg.txt")
    record = json.loads((tmp_path / "out" / "reiessg.json").read_text(encoding="utf-8"))
    text = read_document(CORPUS / "reiessg.txt", "reiessg.txt", (CORPUS / "reiessg.txt").read_bytes()).text
    page = HTMLParser((review / "records" / "reiessg.html").read_text(encoding="utf-8"))
    assert page.css_first("#text").text() == text
    checked = 0
    for value in page.css(".value[data-v]"):
        vid, pointer = value.attributes["data-v"], value.attributes["data-ptr"]
        spans = [s.text() for s in page.css(".hl") if vid in (s.attributes["data-v"] or "").split()]
        ev = record["evidence"][pointer]
        assert "".join(spans) == text[ev["start"]:ev["end"]], pointer
        checked += 1
    assert checked == len(record["evidence"])


def test_warnings_and_doubtful_values_come_first(tmp_path: Path) -> None:
    review = run(tmp_path, "reiessg.txt")
    html = (review / "records" / "reiessg.html").read_text(encoding="utf-8")
    page = HTMLParser(html)
    assert [li.attributes["data-code"] for li in page.css("#warnings li")] == ["alias_guessed", "alias_guessed"]
    assert html.index('id="to-check"') < html.index('id="text"')
    doubtful = [v.attributes["data-ptr"] for v in page.css(".value.doubtful")]
    assert doubtful == ["/aliases/2", "/aliases/3"]  # the two variants the warnings quote


def test_curated_values_are_marked_on_the_page(tmp_path: Path) -> None:
    fix = {"id": "reiessg", "corrections": [{"field": "/chair", "action": "set", "value": "Youssef Ellouze",
                                             "source_text": "Youssef Ellouxe"}]}
    review = run(tmp_path, "reiessg.txt", curation={"reiessg": fix})
    page = HTMLParser((review / "records" / "reiessg.html").read_text(encoding="utf-8"))
    chair = page.css_first('.value[data-ptr="/chair"]')
    assert "Youssef Ellouze" in chair.text() and chair.css_first(".badge.curated") is not None


@pytest.mark.parametrize("change", ["missing", "changed"])
def test_the_page_says_when_the_source_file_is_gone_or_changed(tmp_path: Path, change: str) -> None:
    run(tmp_path, "reiessg.txt")
    raw = tmp_path / "raw" / "reiessg.txt"
    if change == "missing":
        raw.unlink()
    else:
        raw.write_text(raw.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert main(["review", "--records", str(tmp_path / "out"), "--raw", str(tmp_path / "raw"),
                 "--out", str(tmp_path / "review")]) == 0
    page = HTMLParser((tmp_path / "review" / "records" / "reiessg.html").read_text(encoding="utf-8"))
    assert page.css_first("#text-status").attributes["data-status"] == change
    assert not page.css(".hl")


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    review = run(tmp_path, "reiessg.txt")
    for path in [review / "index.html", review / "records" / "reiessg.html"]:
        tree = HTMLParser(path.read_text(encoding="utf-8"))
        assert not tree.css("link, script[src], img, iframe"), path.name
        assert all(not (a.attributes.get("href") or "").startswith(("http:", "https:", "//"))
                   for a in tree.css("a")), path.name


def test_review_without_a_run_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["review", "--records", str(tmp_path), "--out", str(tmp_path / "review")]) == 2


# --------------------------------------------------------------------------- hostile documents


def test_a_hostile_document_is_escaped_everywhere_in_the_report(tmp_path: Path) -> None:
    review = run(tmp_path, extra={"hostile.txt": HOSTILE})
    record = json.loads((tmp_path / "out" / "hsn.json").read_text(encoding="utf-8"))
    assert "<script>" in record["name"] and any("onmouseover" in o["text"] for o in record["objectives"])
    for path in [review / "index.html", review / "records" / "hsn.html"]:
        html = path.read_text(encoding="utf-8")
        tree = HTMLParser(html)
        scripts = tree.css("script")
        assert len(scripts) == 1 and "alert" not in scripts[0].text(), path.name  # only the report's own
        assert not tree.css("img, b"), path.name
        handlers = [(node.tag, name) for node in tree.root.traverse() for name in (node.attributes or {})
                    if name.lower().startswith("on")]
        assert not handlers, path.name
        assert "<script>alert(1)</script>" in tree.body.text()  # shown as text
        assert "alert(1)</script>" not in html  # never raw markup
    page = HTMLParser((review / "records" / "hsn.html").read_text(encoding="utf-8"))
    assert '"onmouseover="alert(1)' in page.css_first("#text").text()


def test_sheet_cells_from_documents_are_never_formulas(tmp_path: Path) -> None:
    run(tmp_path, extra={"formula.txt": FORMULA}, sheet=True)
    sheet = openpyxl.load_workbook(tmp_path / "review.xlsx")["values"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)
             and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


# --------------------------------------------------------------------------- the sheet round trip

CORRECTIONS = {
    "id": "reiessg",
    "source": "reiessg.txt",
    "reviewed": True,
    "corrections": [
        {"field": "/chair", "action": "set", "value": "Youssef Ellouze", "source_text": "Youssef Ellouxe"},
        {"field": "/partners/3", "action": "remove", "source_text": "World Bank"},
        {"field": "/objectives", "action": "add", "value": "networking of SSE actors",
         "source_text": "REIESS works on several objectives"},
        {"field": "/founding_members_count", "action": "confirm", "value": 16, "source_text": "16 organizations"},
        {"field": "/region", "action": "set", "value": "Africa", "source_text": "no longer in the text"},
    ],
}


def corrections_of(directory: Path) -> dict[str, Any]:
    return {i: (f.reviewed, [c.model_dump() for c in f.corrections]) for i, f in load_curation(directory).items()}


def test_the_xlsx_round_trip_reproduces_the_corrections(tmp_path: Path) -> None:
    run(tmp_path, "reiessg.txt", "emesse.txt", curation={"reiessg": CORRECTIONS}, sheet=True)
    assert main(["corrections", "import", str(tmp_path / "review.xlsx"), "--curation", str(tmp_path / "again")]) == 0
    assert corrections_of(tmp_path / "again") == corrections_of(tmp_path / "curation")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["reiessg.yaml"]


def test_edited_rows_become_corrections_that_extract_applies(tmp_path: Path) -> None:
    run(tmp_path, "reiessg.txt", sheet=True)
    book = openpyxl.load_workbook(tmp_path / "review.xlsx")
    sheet = book["values"]
    head = [c.value for c in sheet[1]]
    col = {name: head.index(name) for name in head}
    rows = {(r[col["record id"]].value, r[col["field"]].value): r for r in sheet.iter_rows(min_row=2)}
    rows[("reiessg", "/chair")][col["value"]].value = "Youssef Ellouze"
    rows[("reiessg", "/partners/3/name")][col["status"]].value = "remove"
    rows[("reiessg", "/")][col["status"]].value = "ok"
    sheet.append(["reiessg.txt", "reiessg", "/objectives", "networking of SSE actors", None,
                  "REIESS works on several objectives", None, "add"])
    book.save(tmp_path / "edited.xlsx")
    assert main(["corrections", "import", str(tmp_path / "edited.xlsx"), "--curation", str(tmp_path / "curation")]) == 0
    file = load_curation(tmp_path / "curation")["reiessg"]
    assert file.reviewed
    assert [(c.field, c.action) for c in file.corrections] == [
        ("/chair", "set"), ("/partners/3/name", "remove"), ("/objectives", "add")]
    main(["extract", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--curation", str(tmp_path / "curation"),
          "--quiet"])
    record = json.loads((tmp_path / "out" / "reiessg.json").read_text(encoding="utf-8"))
    assert record["chair"] == "Youssef Ellouze"
    assert "World Bank" not in [p["name"] for p in record["partners"]]
    assert record["objectives"][-1]["text"] == "networking of SSE actors"


def test_import_writes_nothing_when_a_row_cannot_be_read(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    run(tmp_path, "reiessg.txt", sheet=True)
    book = openpyxl.load_workbook(tmp_path / "review.xlsx")
    book["values"].append(["reiessg.txt", "reiessg", "/region", "Africa", None, None, None, "set"])
    book["values"].append(["reiessg.txt", "reiessg", "/chair", "x", None, "Youssef", None, "maybe"])
    book.save(tmp_path / "bad.xlsx")
    assert main(["corrections", "import", str(tmp_path / "bad.xlsx"), "--curation", str(tmp_path / "new")]) == 1
    err = capsys.readouterr().err
    assert "'source' column" in err and "unknown status 'maybe'" in err
    assert not (tmp_path / "new").exists()
