"""`--jobs N`: worker processes give the same bytes as one process; per-document time and memory limits
stop a document (never the run), in this process and in the workers.

The slow and huge documents are made by a test-only hook (`PROFILES_TEST_HOOK`, read from the
environment of the process that runs), not by their content.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from conftest import CORPUS, DOCUMENTS
from pipeline import run as run_module
from pipeline.cli import main
from pipeline.readers import Limits
from pipeline.registry import build_registry, mentions_of, registry_text
from pipeline.run import TEST_HOOK, mentions_of_record, run


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.parts}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for path in DOCUMENTS:
        (raw / path.name).write_bytes(path.read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    return raw


def test_workers_give_the_same_bytes_as_one_process(corpus: Path, tmp_path: Path) -> None:
    registries = []
    for jobs in ("1", "2"):
        registry = tmp_path / f"registry{jobs}"
        registry.mkdir()
        main(["extract", str(corpus), "--out", str(tmp_path / jobs), "--quiet", "--jobs", jobs,
              "--registry", str(registry)])
        registries.append((registry / "organizations.json").read_bytes())
    assert files(tmp_path / "1") == files(tmp_path / "2")
    assert len(files(tmp_path / "1")) > 40
    assert registries[0] == registries[1]


def test_the_registry_sees_the_names_mentions_of_sees(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    result = run([corpus], tmp_path / "out", registry=tmp_path / "registry")
    profiles = [r for r in result.results if not hasattr(r, "code")]
    streamed = [m for p in profiles for m in mentions_of_record(p.model_dump(mode="json"))]
    assert streamed == mentions_of(profiles)  # type: ignore[arg-type]
    registry = build_registry(mentions_of(profiles))  # type: ignore[arg-type]
    assert (tmp_path / "registry" / "organizations.json").read_text(encoding="utf-8") == registry_text(registry)


def small_corpus(tmp_path: Path, *extra: str) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("emesse.txt", "reiessg.txt"):
        shutil.copy(CORPUS / name, raw / name)
    for name in extra:  # a profile that the test hook makes slow or huge, or one more after it
        shutil.copy(CORPUS / "emesse.txt", raw / name)
    return raw


def codes(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {i["path"]: i.get("code", "record") for i in manifest["inputs"]}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_over_the_time_limit_is_refused_as_timeout(jobs: int, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    raw = small_corpus(tmp_path, "slow.txt")
    monkeypatch.setenv(TEST_HOOK, "sleep:slow.txt")
    monkeypatch.setattr(run_module, "DOCS_PER_WORKER", 1)
    started = time.perf_counter()
    result = run([raw], tmp_path / "out", Limits(timeout_seconds=3), jobs=jobs)
    assert time.perf_counter() - started < 30
    assert codes(tmp_path / "out") == {"emesse.txt": "record", "reiessg.txt": "record", "slow.txt": "timeout"}
    assert "3 s" in result.refused[0].message
    assert run([raw], tmp_path / "out", Limits(timeout_seconds=3), jobs=jobs).reused == 2  # not cached


def test_a_worker_that_does_not_answer_is_killed_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = small_corpus(tmp_path, "hang.txt", "later-1.txt", "later-2.txt")
    monkeypatch.setenv(TEST_HOOK, "hang:hang.txt")
    monkeypatch.setattr(run_module, "DOCS_PER_WORKER", 1)
    monkeypatch.setattr("pipeline.workers.GRACE_SECONDS", 0.5)
    monkeypatch.setattr("pipeline.workers.DOCS_PER_PROCESS", 1)  # and each worker gives way after one document
    run([raw], tmp_path / "out", Limits(timeout_seconds=3), jobs=2)
    assert codes(tmp_path / "out") == {"emesse.txt": "record", "hang.txt": "timeout", "later-1.txt": "record",
                                       "later-2.txt": "record", "reiessg.txt": "record"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_over_the_memory_limit_is_refused_as_too_large(jobs: int, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    raw = small_corpus(tmp_path, "huge.txt", "later.txt")
    monkeypatch.setenv(TEST_HOOK, "allocate:huge.txt")
    monkeypatch.setattr(run_module, "DOCS_PER_WORKER", 1)
    result = run([raw], tmp_path / "out", Limits(max_memory_bytes=256 * 2**20), jobs=jobs)
    assert codes(tmp_path / "out") == {"emesse.txt": "record", "huge.txt": "too_large", "later.txt": "record",
                                       "reiessg.txt": "record"}
    assert "--max-memory" in result.refused[0].message


def test_the_command_line_passes_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = small_corpus(tmp_path, "slow.txt")
    monkeypatch.setenv(TEST_HOOK, "sleep:slow.txt")
    assert main(["extract", str(raw), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1",
                 "--timeout", "0.5"]) == 1
    assert codes(tmp_path / "out")["slow.txt"] == "timeout"
