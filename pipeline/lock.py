"""One run at a time per output directory: an exclusive lock on `OUT/.lock`, which names its holder.

Two `profiles extract` runs writing the same directory would interleave their files (one
run's records with the other's manifest). A run takes an exclusive `flock` on `OUT/.lock`
and writes its pid and host into it; a second run waits up to `wait` seconds for the lock,
then gives up with `Locked`, naming the holder. The kernel releases a `flock` when its
process ends, however it ends, so a lock file left behind by a killed run (SIGKILL, a
power cut) holds no lock: the next run simply takes it over. A finished run removes the
file (while still holding the lock; a waiter that opened the removed file notices it is
no longer the one at `OUT/.lock` and tries again). A run that takes the lock first removes
the temporary files a killed run left. POSIX only (`fcntl`).
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = ".lock"
POLL_SECONDS = 0.1
_LEFTOVER = re.compile(r"\.[^/]+\.tmp")  # write.atomic_write's temporary files: hidden, ending in .tmp


class Locked(RuntimeError):
    """Another live run holds the output directory."""

    def __init__(self, path: Path, holder: dict[str, object], waited: float) -> None:
        self.path, self.holder = path, holder
        who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
        after = f" after waiting {waited:g} s" if waited else ""
        super().__init__(f"{path.parent} is being written by another run ({who}; lock file {path}){after}: "
                         "try again when it has finished, or pass --wait SECONDS")


@dataclass
class Lock:
    """A held lock: the open file whose `flock` is ours."""

    path: Path
    fd: int


def holder_of(path: Path) -> dict[str, object]:
    """What the lock file says about its holder ({} when absent, empty or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _try_lock(path: Path) -> Lock | None:
    """The lock if it is free now and the file we locked is still the one at `path`, else None."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        current = os.stat(path).st_ino
    except FileNotFoundError:
        current = None
    if current != os.fstat(fd).st_ino:  # the previous holder removed the file after we opened it
        os.close(fd)
        return _try_lock(path)
    record = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, record, 0)
    return Lock(path, fd)


def acquire(out: Path, wait: float = 0.0) -> Lock:
    """Take the lock of output directory `out`, waiting up to `wait` seconds; raise `Locked` if it stays held."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    started = time.monotonic()
    while True:
        lock = _try_lock(path)
        if lock is not None:
            return lock
        waited = time.monotonic() - started
        if waited >= wait:
            raise Locked(path, holder_of(path), round(wait, 1))
        time.sleep(min(POLL_SECONDS, max(wait - waited, 0.0)))


def release(lock: Lock) -> None:
    """Remove the lock file, then let go of the lock."""
    try:
        lock.path.unlink(missing_ok=True)
    finally:
        os.close(lock.fd)


def clear_leftovers(out: Path) -> list[str]:
    """Remove the temporary files an interrupted run left in `out` (`.<name>.<random>.tmp`); only under the lock."""
    removed = []
    for path in out.iterdir():
        if _LEFTOVER.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)


@contextmanager
def locked(out: Path, wait: float = 0.0) -> Iterator[Lock]:
    """`with locked(out):` — the output directory is this run's until the block ends.

    Once the lock is held no other run can be writing, so the temporary files a killed
    run left behind (`write.atomic_write`'s) are removed first.
    """
    lock = acquire(out, wait)
    try:
        clear_leftovers(out)
        yield lock
    finally:
        release(lock)
