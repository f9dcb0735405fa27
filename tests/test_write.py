"""The streaming writer: the same bytes the standard json module writes, unchanged files left alone."""
from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from hypothesis_profiles import examples
from pipeline.run import run
from pipeline.write import Staging, line_json, pretty_json

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(st.characters(codec="utf-8")),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@given(JSON)
@settings(max_examples=examples(300))
def test_records_are_written_as_json_dumps_writes_them(value: object) -> None:
    assert pretty_json(value) == (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    assert line_json(value) == (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def test_the_manifest_is_what_json_dumps_gives(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("emesse.txt", "reiessg.txt"):
        (raw / name).write_bytes((CORPUS / name).read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    run([raw], tmp_path / "out")
    text = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    run([], tmp_path / "none")
    text = (tmp_path / "none" / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


def test_a_file_whose_bytes_do_not_change_is_not_rewritten(tmp_path: Path) -> None:
    same, other = tmp_path / "same.json", tmp_path / "other.json"
    same.write_bytes(b"{}\n")
    other.write_bytes(b"{}\n")
    os.utime(same, (1, 1))
    staging = Staging()
    staging.write(same, b"{}\n")
    staging.write(other, b"[]\n")
    with staging.open(tmp_path / "streamed.jsonl") as handle:
        handle.write(b"{}\n")
    staging.commit()
    assert same.stat().st_mtime == 1 and other.read_bytes() == b"[]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json", "same.json", "streamed.jsonl"]
