"""The service's write side in a process of its own: ingests, the feed watcher's store calls and the background summarizer."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, TimeoutError
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..store import Store, Summarizer

__all__ = ["WriterProcess"]

T = TypeVar("T")

# The writer's niceness (os.nice): its work (clustering, 6 CPU s a summary of a 400-article story)
# is background work, so when it and the server's reads want the same core the reads go first.
# 0 leaves it equal. Measured in docs/benchmarks.md ("The write side in a process of its own").
WRITER_NICE = 5
# Seconds between the writer's checks that the server still lives: killed with SIGKILL, the
# server cannot stop it, and an orphan would go on summarizing into the store.
ORPHAN_POLL_S = 1.0

# ---- in the writer process ---------------------------------------------------------------------

_opened: dict[str, Any] = {}  # "path", and once opened, "store" and "summarizer"


def _begin(path: str, nice: int, parent: int) -> None:
    """The writer process's start: Ctrl-C reaches the terminal's whole process group, and the
    server, not the signal, stops this process (after the summary in progress)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    _opened["path"] = path
    threading.Thread(target=_orphan_watch, args=(parent,), name="newsfuse-orphan-watch", daemon=True).start()


def _orphan_watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_S)
    os._exit(0)  # committed writes are safe (WAL); a stale mark left is redone at the next start


def _store() -> Store:
    """The writer's connection, opened (and the file made and migrated) on the first call, and
    its summarizer started then: it first takes the marks a restart left."""
    if "store" not in _opened:
        summarizer = Summarizer(_opened["path"])
        _opened["store"] = Store(_opened["path"], on_stale=summarizer.wake)
        _opened["summarizer"] = summarizer
        summarizer.start()
    return _opened["store"]


def _apply(fn: Callable[[Store], T]) -> T:
    return fn(_store())


def _wake() -> None:
    _store()
    _opened["summarizer"].wake()


def _wait_idle(timeout: float | None) -> bool:
    _store()
    return _opened["summarizer"].wait_idle(timeout)


def _stop(timeout: float) -> bool:
    """Stop the summarizer (after the summary in progress) and close the store; False when a
    summary was still running after `timeout` (it is abandoned: the story stays marked)."""
    if "store" not in _opened:
        return True
    stopped = _opened.pop("summarizer").stop(timeout)
    _opened.pop("store").close()
    return stopped


# ---- in the server process ---------------------------------------------------------------------


class WriterProcess:
    """One spawned process that owns the store's writing connection and the summarizer: `submit`
    runs a picklable `fn(store)` there (a module function or a `store.StoreCall`), in turn.
    Spawned, never forked: the server has threads by then."""

    def __init__(self, path: str, nice: int | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        niceness = WRITER_NICE if nice is None else nice
        self._pool = ProcessPoolExecutor(
            1, mp_context=context, initializer=_begin, initargs=(path, niceness, os.getpid())
        )

    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        return self._pool.submit(_apply, fn)

    def wake(self) -> None:
        """Wake the writer's summarizer (a reader marked a story stale); returns at once."""
        self._pool.submit(_wake)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """`Summarizer.wait_idle` of the writer's summarizer (writes queue behind it meanwhile)."""
        return self._pool.submit(_wait_idle, timeout).result()

    def stop(self, timeout: float) -> bool:
        """Stop the summarizer and close the store, then end the process; False when a summary
        was abandoned, or the process had died (the server still shuts down cleanly)."""
        try:
            return self._pool.submit(_stop, timeout).result(timeout + 10)
        except (BrokenProcessPool, TimeoutError):
            return False
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def ready(store: Store) -> None:
    """A call that does nothing: the first one opens (makes and migrates) the store."""
