"""`profiles diff`: what changed between two runs, and an exit status that says whether anything did."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from pipeline.cli import main
from pipeline.diff import Change, compare


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("diff")
    (root / "raw").mkdir()
    for name in ("reiessg.txt", "emesse.txt"):
        shutil.copy(CORPUS / name, root / "raw" / name)
    assert main(["extract", str(root / "raw"), "--out", str(root / "old"), "--quiet",
                 "--curation", str(root / "no-curation")]) == 0
    return root / "old"


def edited_copy(run_dir: Path, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    new = tmp_path / "new"
    shutil.copytree(run_dir, new)
    records = [json.loads(line) for line in (new / "profiles.jsonl").read_text(encoding="utf-8").splitlines()]
    for record in records:
        edit(record)
    (new / "profiles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return new


def test_no_change_exits_0(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(run_dir), str(run_dir)]) == 0
    assert "no differences" in capsys.readouterr().out


def test_changes_are_listed_per_document_and_field_and_exit_1(run_dir: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    def edit(record: dict) -> None:  # type: ignore[type-arg]
        if record["id"] == "reiessg":
            record["chair"] = "Youssef Ellouze"
            record["objectives"].insert(0, {"text": "a new first objective"})
            del record["partners"][3]
            record["evidence"] = {}  # evidence is not a value: not reported

    new = edited_copy(run_dir, tmp_path, edit)
    assert main(["diff", str(run_dir), str(new)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "reiessg.txt (reiessg)"
    assert '  ~ /chair: "Youssef Ellouxe" -> "Youssef Ellouze"' in out
    assert '  + /objectives/0/text: "a new first objective"' in out
    assert '  - /partners/3/name: "World Bank"' in out
    assert "/objectives/1" not in out  # the items after the new one are not reported as changed
    assert "emesse" not in out and "evidence" not in out
    assert "1 document differs" in out and "values: 1 added, " in out and ", 1 changed" in out


def test_new_gone_and_refused_documents_are_reported(run_dir: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(CORPUS / "reiessg.txt", raw / "reiessg.txt")
    shutil.copy(CORPUS / "fr-occitanie-cae.md", raw)
    (raw / "emesse.txt").write_text("", encoding="utf-8")
    main(["extract", str(raw), "--out", str(tmp_path / "new"), "--quiet", "--curation", str(tmp_path / "none")])
    assert main(["diff", str(run_dir), str(tmp_path / "new")]) == 1
    out = capsys.readouterr().out
    assert "emesse.txt (emesse): refused now, now refused: empty" in out
    assert "fr-occitanie-cae.md (focae): new record" in out
    assert "reiessg" not in out


@pytest.mark.parametrize("args", [["diff"], ["diff", "only-one"], ["diff", "nowhere-a", "nowhere-b"]])
def test_usage_errors_exit_2(args: list[str], run_dir: Path) -> None:
    assert main([a if a != "only-one" else str(run_dir) for a in args]) == 2


def test_a_directory_without_profiles_is_a_usage_error(run_dir: Path, tmp_path: Path) -> None:
    assert main(["diff", str(run_dir), str(tmp_path)]) == 2


def test_replaced_list_items_show_what_changed_inside() -> None:
    old = {"partners": [{"name": "A", "acronym": None}, {"name": "B", "acronym": "BB"}]}
    new = {"partners": [{"name": "A", "acronym": "AA"}, {"name": "B", "acronym": "BB"}]}
    assert compare(old, new) == [Change("added", "/partners/0/acronym", new="AA")]
