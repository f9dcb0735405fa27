"""Nothing lost: a killed run leaves complete files, curation is never written, runs never interleave.

A run of `profiles extract` is killed (SIGKILL) at seeded random moments and once just as
it starts writing; after each kill every output file must be byte-for-byte the previous
run's or the new run's, never a partial one, and a re-run must finish the job. The output
directory's lock (pipeline/lock.py) makes a second run refuse at once (exit status 3) or
wait (`--wait SECONDS`) — never write beside the first.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import DOCUMENTS, ROOT
from pipeline.cli import EXIT_BUSY, main
from pipeline.lock import LOCK_NAME, Locked, acquire, clear_leftovers, holder_of, locked, release

SEED = 20240607
RUN_FILES = ("errors.jsonl", "manifest.json", "profiles.jsonl")


def make_corpus(folder: Path, copies: int) -> Path:
    """`copies` copies of the dev documents, one sub-folder each (copy1/, copy2/ …): the same relative paths every time."""
    for n in range(1, copies + 1):
        (folder / f"copy{n}").mkdir(parents=True, exist_ok=True)
        for path in DOCUMENTS:
            shutil.copy(path, folder / f"copy{n}" / path.name)
    return folder


def extract_args(raw: Path, out: Path, tmp: Path, *extra: str) -> list[str]:
    return ["extract", str(raw), "--out", str(out), "--quiet", "--curation", str(tmp / "curation"),
            "--registry", str(tmp / "registry"), *extra]


def start(args: list[str]) -> subprocess.Popen[bytes]:
    """`profiles ARGS` in a subprocess (its own, so a SIGKILL reaches only it)."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every visible file under `folder` (records, run files, tables/), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def assert_complete(out: Path, previous: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Every visible file is byte-for-byte the previous run's or the new run's (and JSON files parse)."""
    for name, data in snapshot(out).items():
        assert name in previous or name in new, f"unexpected output {name}"
        assert data in (previous.get(name), new.get(name)), f"{name} is neither the previous nor the new version"
        if name.endswith(".jsonl"):
            [json.loads(line) for line in data.decode("utf-8").splitlines()]
        elif name.endswith(".json"):
            json.loads(data.decode("utf-8"))
    assert all(n in (LOCK_NAME, ".cache") or (n.startswith(".") and n.endswith(".tmp")) for n in hidden(out)), \
        hidden(out)


@dataclass(frozen=True)
class Runs:
    """Inputs (`small`: 2 copies of the dev corpus, `large`: 3), complete runs of each, and how long `large` takes."""

    tmp: Path
    small: Path
    large: Path
    ref_small: Path
    ref_large: Path
    seconds: float  # a whole run of `large` in a subprocess, start-up included


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    tmp = tmp_path_factory.mktemp("nothing-lost")
    (tmp / "curation").mkdir()
    (tmp / "curation" / "reiessg.yaml").write_text(
        "id: reiessg\nreviewed: true\ncorrections: []\n", encoding="utf-8")
    small, large = make_corpus(tmp / "small", 2), make_corpus(tmp / "large", 3)
    assert main(extract_args(small, tmp / "ref-small", tmp)) == 0
    started = time.monotonic()
    assert start(extract_args(large, tmp / "ref-large", tmp)).wait(timeout=300) == 0
    return Runs(tmp, small, large, tmp / "ref-small", tmp / "ref-large", time.monotonic() - started)


def test_a_killed_run_leaves_every_file_complete_and_a_rerun_finishes(runs: Runs) -> None:
    tmp = runs.tmp
    previous, new = snapshot(runs.ref_small), snapshot(runs.ref_large)
    assert previous.keys() < new.keys() and previous["manifest.json"] != new["manifest.json"]
    curation = snapshot(tmp / "curation")
    out = tmp / "killed"
    rng = random.Random(SEED)
    duration = runs.seconds
    moments: list[float | None] = [rng.uniform(0.3, 1.0) * duration for _ in range(2)] + [None]  # None: as writing starts
    for moment in moments:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(runs.ref_small, out)
        process = start(extract_args(runs.large, out, tmp))
        if moment is None:
            deadline = time.monotonic() + 120
            while not any(n.endswith(".tmp") for n in os.listdir(out)) and process.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.001)
        else:
            time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert_complete(out, previous, new)
    rerun = start(extract_args(runs.large, out, tmp))
    assert rerun.wait(timeout=120) == 0
    assert snapshot(out) == new
    assert hidden(out) == [".cache"]  # the lock is gone and the killed runs' temporary files are cleared
    assert snapshot(tmp / "curation") == curation and hidden(tmp / "curation") == []


def test_extract_never_writes_to_the_curation_folder(runs: Runs) -> None:
    tmp = runs.tmp
    files = sorted(p.relative_to(tmp / "curation") for p in (tmp / "curation").rglob("*"))
    assert [str(p) for p in files] == ["reiessg.yaml"]
    assert (tmp / "curation" / "reiessg.yaml").read_text(encoding="utf-8").startswith("id: reiessg")


# --------------------------------------------------------------------------- the lock


def test_a_second_lock_is_refused_while_the_first_is_held(tmp_path: Path) -> None:
    lock = acquire(tmp_path)
    try:
        with pytest.raises(Locked) as refused:
            acquire(tmp_path)
        assert refused.value.holder["pid"] == os.getpid()
        assert str(os.getpid()) in str(refused.value) and "--wait" in str(refused.value)
    finally:
        release(lock)
    assert not (tmp_path / LOCK_NAME).exists()
    release(acquire(tmp_path))  # free again


def test_a_waiting_run_takes_the_lock_when_it_is_released(tmp_path: Path) -> None:
    lock = acquire(tmp_path)
    threading.Timer(0.3, release, args=[lock]).start()
    started = time.monotonic()
    with locked(tmp_path, wait=10):
        assert 0.2 < time.monotonic() - started < 5


def test_waiting_gives_up_after_the_time_given(tmp_path: Path) -> None:
    lock = acquire(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(Locked):
            acquire(tmp_path, wait=0.5)
        assert 0.4 < time.monotonic() - started < 3
    finally:
        release(lock)


def test_a_stale_lock_from_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": dead.pid, "host": "here"}), encoding="utf-8")
    with locked(tmp_path) as lock:
        assert holder_of(lock.path)["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_the_lock_holder_clears_temporary_files_a_killed_run_left(tmp_path: Path) -> None:
    (tmp_path / ".profiles.jsonl.abc123.tmp").write_text("{partial", encoding="utf-8")
    (tmp_path / "keep.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".keep-me").write_text("", encoding="utf-8")
    assert clear_leftovers(tmp_path) == [".profiles.jsonl.abc123.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep-me", "keep.json"]


def test_extract_refuses_an_output_directory_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    lock = acquire(out)
    try:
        assert main(extract_args(DOCUMENTS[0], out, tmp_path)) == EXIT_BUSY
    finally:
        release(lock)
    err = capsys.readouterr().err
    assert "being written by another run" in err and f"pid {os.getpid()}" in err and "--wait" in err
    assert list(out.iterdir()) == []  # nothing written


def test_extract_waits_for_the_output_directory_with_wait(tmp_path: Path) -> None:
    out = tmp_path / "out"
    lock = acquire(out)
    threading.Timer(0.5, release, args=[lock]).start()
    assert main(extract_args(DOCUMENTS[0], out, tmp_path, "--wait", "30")) == 0
    assert (out / "manifest.json").exists() and not (out / LOCK_NAME).exists()


def test_two_runs_on_one_output_directory_never_interleave(runs: Runs, tmp_path: Path) -> None:
    """A second run refuses while the first (a subprocess) writes; with --wait it runs after it, alone."""
    out = tmp_path / "out"
    first = start(extract_args(runs.large, out, runs.tmp))
    deadline = time.monotonic() + 60
    while not (out / LOCK_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the test could race it"
    assert main(extract_args(runs.small, out, runs.tmp)) == EXIT_BUSY
    assert main(extract_args(runs.small, out, runs.tmp, "--wait", "120")) == 0
    assert first.wait(timeout=60) == 0  # the first run was not disturbed
    assert snapshot(out) == snapshot(runs.ref_small)  # the last run's files alone, none of the first's left over
