"""Where documents are extracted: in this process, or in worker processes; per-document limits either way.

`InProcess` (`--jobs 1`) extracts in the running process. The time limit is a `SIGALRM`
timer (POSIX, main thread only: elsewhere there is none), armed for one document, whose
handler (installed once, until `close`) raises `Deadline` in the extracting code; the
memory limit is an `RLIMIT_AS` ceiling set for the length of one document (this
process's address space, read every `SIZE_EVERY` documents, plus
`max_memory_bytes`; a `MemoryError` then refuses the document). Python code is stopped
at once; one long call into a C library (a regular expression, the tokenizer) only when
it returns. What libraries load on their first use is loaded before the first document
(`prepare`), so that a document stopped in this process cannot leave it half-loaded.

`Pool` (`--jobs N`) runs N worker processes (the `forkserver` start method where there is
one, else `spawn`; the fork server builds the matchers and loads the libraries' data once,
`_warm.py`). A worker enforces the same limits on itself, and the parent enforces them
from outside: a worker that has not answered `GRACE_SECONDS` after its document's time
limit is killed, and one that dies (the kernel's out-of-memory killer, a crash) is
replaced; the document is refused (`timeout`, `too_large`, `internal_error`) and the run
goes on. A worker is also replaced after `DOCS_PER_PROCESS` documents, so that what
grows with the corpus inside it (spaCy's string store) does not grow without bound.
Results come back in input order.

Both take the work as plain functions (`work(job) -> outcome`, `stopped(job, reason) ->
outcome`), so they know nothing of documents.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol, TypeVar

from pipeline.limits import Limits

GRACE_SECONDS = 5.0      # after its time limit, how long a worker has to answer before it is killed
WINDOW_PER_JOB = 64      # documents read ahead of the oldest unfinished one, per worker
SIZE_EVERY = 32         # documents between two readings of the address space (the memory ceiling's base)
DOCS_PER_PROCESS = 5000  # then a worker gives way to a fresh one: spaCy's string store grows with every new word
PRELOAD = ["pipeline._warm"]  # the fork server builds the vocabularies once, for every worker
try:
    import resource
except ImportError:  # not POSIX: no memory ceiling
    resource = None  # type: ignore[assignment]


class Deadline(BaseException):
    """A document's time is up: raised in the extracting code (a BaseException, so that no
    `except Exception` in a stage can swallow it)."""


class Job(Protocol):
    outcome: Any


J = TypeVar("J", bound=Job)
Work = Callable[[Any], Any]
Stopped = Callable[[Any, str], Any]  # reason: "timeout", "memory", or "crash: ..."


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class _Every:
    """`read()`, read again every `n` calls; in between, its last value."""

    def __init__(self, read: Callable[[], int | None], n: int) -> None:
        self.read, self.n = read, n
        self.value: int | None = None
        self.left = 0

    def __call__(self) -> int | None:
        if self.left <= 0:
            self.value, self.left = self.read(), self.n
        self.left -= 1
        return self.value


# The base of the memory ceiling: between two documents a process grows by little (its results),
# and reading its size costs as much as a small stage.
_base_size = _Every(_address_space, SIZE_EVERY)


def _on_alarm(signum: int, frame: Any) -> None:
    raise Deadline()


def _timer_usable(limits: Limits) -> bool:
    return bool(limits.timeout_seconds) and hasattr(signal, "setitimer") \
        and threading.current_thread() is threading.main_thread()


@contextmanager
def alarm_handler(limits: Limits) -> Iterator[None]:
    """Inside, `SIGALRM` raises `Deadline`: installed once for many documents, since installing a handler
    costs more than arming the timer (`document_limits` arms it)."""
    previous = signal.signal(signal.SIGALRM, _on_alarm) if _timer_usable(limits) else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)


@contextmanager
def document_limits(limits: Limits) -> Iterator[None]:
    """Enforce the time and memory limits of `limits` on the code run inside, in this process
    (within `alarm_handler`, which turns the timer's signal into `Deadline`)."""
    timer = _timer_usable(limits)
    ceiling = None
    if limits.max_memory_bytes and resource is not None:
        size = _base_size()
        if size is not None:
            ceiling = resource.getrlimit(resource.RLIMIT_AS)
            hard = ceiling[1]
            soft = size + limits.max_memory_bytes
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    try:
        if timer:
            # Repeat every half second: a Deadline raised inside a C extension's callback (spaCy's
            # matcher predicates) can be swallowed there, the next one then lands in Python code.
            signal.setitimer(signal.ITIMER_REAL, float(limits.timeout_seconds or 0), 0.5)
        yield
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if ceiling is not None:
            resource.setrlimit(resource.RLIMIT_AS, ceiling)


def attempt(job: Any, work: Work, stopped: Stopped, limits: Limits) -> Any:
    """`work(job)` within the limits (inside `alarm_handler`); a document that goes over one becomes
    `stopped(job, reason)`."""
    try:
        with document_limits(limits):
            return work(job)
    except Deadline:
        return stopped(job, "timeout")
    except MemoryError:
        return stopped(job, "memory")


class InProcess:
    """Extract in this process, one document at a time; `prepare()` first, before the limits apply to anything."""

    def __init__(self, work: Work, stopped: Stopped, limits: Limits, prepare: Callable[[], None] | None = None) -> None:
        self.work, self.stopped, self.limits, self.prepare = work, stopped, limits, prepare
        self.handler: AbstractContextManager[None] | None = None

    def imap(self, jobs: Iterable[J]) -> Iterator[J]:
        for job in jobs:
            if job.outcome is None:
                if self.prepare is not None and (self.limits.timeout_seconds or self.limits.max_memory_bytes):
                    self.prepare()
                    self.prepare = None
                if self.handler is None:  # until `close`; the timer is armed only while a document is extracted
                    self.handler = alarm_handler(self.limits)
                    self.handler.__enter__()
                job.outcome = attempt(job, self.work, self.stopped, self.limits)
            yield job

    def close(self) -> None:
        if self.handler is not None:
            self.handler.__exit__(None, None, None)
            self.handler = None


def _worker_main(conn: Connection, work: Work, stopped: Stopped, limits: Limits) -> None:
    """A worker: extract each job it is sent, answer (index, outcome, alive); None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    with alarm_handler(limits):  # for the worker's life
        _serve(conn, work, stopped, limits)


def _serve(conn: Connection, work: Work, stopped: Stopped, limits: Limits) -> None:
    """The worker's loop, until the parent ends it."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, job = message
        alive = True
        try:
            with document_limits(limits):
                outcome = work(job)
        except Deadline:
            outcome = stopped(job, "timeout")
        except MemoryError:
            # Out of memory once, the process may be in a poor state: it answers, then gives way to a new one.
            outcome, alive = stopped(job, "memory"), False
        conn.send((index, outcome, alive))
        if not alive:
            return


class _Worker:
    def __init__(self, context: Any, work: Work, stopped: Stopped, limits: Limits) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, work, stopped, limits), daemon=True)
        self.process.start()
        child.close()
        self.job: Any = None
        self.index = -1
        self.done = 0
        self.deadline = float("inf")

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Pool:
    """Extract in up to `jobs` worker processes, started when first needed; results in input order."""

    def __init__(self, jobs: int, work: Work, stopped: Stopped, limits: Limits) -> None:
        self.size, self.work, self.stopped, self.limits = max(1, jobs), work, stopped, limits
        self.workers: list[_Worker] = []
        self.context = _context()

    def _start(self) -> _Worker:
        worker = _Worker(self.context, self.work, self.stopped, self.limits)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> None:
        self.workers.remove(worker)
        worker.stop(kill=kill)

    def imap(self, jobs: Iterable[J]) -> Iterator[J]:
        feed = iter(jobs)
        window: deque[J] = deque()   # read, not yet given back, in input order
        queue: deque[tuple[int, J]] = deque()  # waiting for a worker
        count = 0
        done = False
        limit = self.limits.timeout_seconds
        while True:
            while not done and len(window) < WINDOW_PER_JOB * self.size:
                try:
                    job = next(feed)
                except StopIteration:
                    done = True
                    break
                window.append(job)
                if job.outcome is None:
                    queue.append((count, job))
                count += 1
            while queue:
                idle = next((w for w in self.workers if w.job is None), None)
                if idle is None:
                    if len(self.workers) >= self.size:
                        break
                    idle = self._start()
                index, job = queue.popleft()
                try:
                    idle.conn.send((index, job))
                except OSError:  # the worker is gone: another one takes the document
                    queue.appendleft((index, job))
                    self._retire(idle, kill=True)
                    continue
                idle.job, idle.index = job, index
                idle.deadline = time.monotonic() + limit + GRACE_SECONDS if limit else float("inf")
            while window and window[0].outcome is not None:
                yield window.popleft()
            if not window:
                if done:
                    return
                continue
            self._collect()

    def _collect(self) -> None:
        """Wait for an answer (or a deadline); fill in the outcomes of finished, stopped or lost documents."""
        busy = [w for w in self.workers if w.job is not None]
        if not busy:
            return
        soonest = min(w.deadline for w in busy)
        timeout = None if soonest == float("inf") else max(0.0, soonest - time.monotonic())
        ready = wait([w.conn for w in busy], timeout=timeout)
        for worker in busy:
            if worker.conn in ready:
                try:
                    _, outcome, alive = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    code = worker.process.exitcode
                    reason = "memory" if code == -signal.SIGKILL else f"crash: the worker process ended ({code})"
                    worker.job.outcome = self.stopped(worker.job, reason)
                    self._retire(worker, kill=True)
                    continue
                worker.job.outcome = outcome
                worker.job = None
                worker.done += 1
                if not alive or worker.done >= DOCS_PER_PROCESS:
                    self._retire(worker, kill=False)
            elif time.monotonic() >= worker.deadline:
                worker.job.outcome = self.stopped(worker.job, "timeout")
                self._retire(worker, kill=True)

    def close(self) -> None:
        for worker in list(self.workers):
            self._retire(worker, kill=worker.job is not None)


def executor(jobs: int, work: Work, stopped: Stopped, limits: Limits,
             prepare: Callable[[], None] | None = None) -> InProcess | Pool:
    """`InProcess` for one job (`prepare()` run first), else a `Pool` of `jobs` workers (prepared by `_warm`)."""
    return InProcess(work, stopped, limits, prepare) if jobs <= 1 else Pool(jobs, work, stopped, limits)
