"""Summarize a JSONL corpus, one story a line, streaming and in parallel over cores."""

from __future__ import annotations

import gc
import gzip
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .codec import json_line, problem_to_dict, summary_to_dict
from .errors import NewsfuseError
from .ingest import iter_records, story_from_record
from .pipeline import summarize_story
from .settings import Options

__all__ = ["BatchReport", "OUTPUT_KEYS", "carried_name", "process_record", "result_line", "run_batch", "open_text"]

# Records in flight per worker: enough to keep every core busy, few enough that memory
# stays flat however long the input is.
WINDOW_PER_WORKER = 8
# Failure messages a report keeps (all are counted in `failures`): 2 million bad records must not
# hold 2 million messages, and the command line prints only LIMITS.errors_shown of them.
FAILED_KEPT = 1000
# How often a worker process checks that its parent is alive (seconds).
PARENT_POLL_S = 1.0

# The keys an output line writes (codec.summary_to_dict's, whether or not a line has them, and
# `error`). An input record's other keys are carried through as they are; one of these is carried
# under another name (`carried_name`), so no input value is lost and `summary` is always newsfuse's.
OUTPUT_KEYS = frozenset(
    ("version", "summary", "sentences", "words", "budget", "selector", "origins", "wire_copies")
    + ("problems", "comparison", "error")
)
# A Multi-News record's `summary` is the human reference summary.
RENAMED = {"summary": "reference"}


def carried_name(key: str, record_keys: Iterable[str] = ()) -> str:
    """The name an input key is carried under in the output line: itself, unless the output writes
    that key; then `summary` becomes `reference` and any other `input_<key>`, with `input_` put in
    front again while the name is taken (by the output or by another key of the record).

    >>> carried_name("topic"), carried_name("summary"), carried_name("words")
    ('topic', 'reference', 'input_words')
    >>> carried_name("summary", ["reference"])
    'input_reference'
    """
    if key not in OUTPUT_KEYS:
        return key
    taken = OUTPUT_KEYS | set(record_keys)
    name = RENAMED.get(key, f"input_{key}")
    while name in taken:
        name = f"input_{name}"
    return name


@dataclass
class BatchReport:
    """What a batch run did: counts, and the messages of the first FAILED_KEPT records that failed
    (`failures` counts them all)."""

    done: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: int = 0
    failures: int = 0
    warned: list[str] = field(default_factory=list)  # the first FAILED_KEPT warnings, each naming its record

    def fail(self, message: str) -> None:
        self.failures += 1
        if len(self.failed) < FAILED_KEPT:
            self.failed.append(message)

    def warn(self, message: str) -> None:
        self.warnings += 1
        if len(self.warned) < FAILED_KEPT:
            self.warned.append(message)

    def add(self, other: BatchReport) -> None:
        self.done += other.done
        self.warnings += other.warnings
        self.failures += other.failures
        self.failed += other.failed[: max(0, FAILED_KEPT - len(self.failed))]
        self.warned += other.warned[: max(0, FAILED_KEPT - len(self.warned))]


def open_text(path: str | Path, mode: str = "rt") -> IO[str]:
    """Open a text file, gzip-compressed when its name ends in .gz."""
    path = Path(path)
    # Reading, a byte that is not UTF-8 is kept as a surrogate escape, so the line holding it is
    # refused by name (ingest.iter_records) instead of the whole file failing to decode.
    errors = "surrogateescape" if "r" in mode else "strict"
    # JSON Lines ends a line at "\n" only; universal newlines would also split at a "\r" inside one.
    newline = "\n" if "r" in mode else None
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding="utf-8", errors=errors, newline=newline)  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8", errors=errors, newline=newline)


def process_record(at: str, record: dict | Exception, options: Options) -> dict:
    """One output line: the input's id and carried keys (renamed where the output writes the same
    key: `carried_name`) with the summary, or an `error`. Each problem's `where` names the record
    (file:line and id)."""
    if isinstance(record, Exception):
        return {"id": None, "error": str(record)}
    try:
        story, problems = story_from_record(record, at)
        summary = summarize_story(story, options)
    except NewsfuseError as err:
        return {"id": record.get("id"), "error": str(err)}
    written = summary_to_dict(summary)
    written.pop("id", None)
    out = {"id": record.get("id")}
    out.update((carried_name(k, story.extra), v) for k, v in story.extra.items())
    out.update((k, v) for k, v in written.items() if k != "problems")
    label = f"{at} (id {record['id']})" if "id" in record else at
    notes = [problem_to_dict(p) for p in problems] + [
        {**note, "where": _in_record(note["where"], label, story.id)} for note in written.get("problems", [])
    ]
    if notes:
        out["problems"] = notes
    return out


def _in_record(where: str, label: str, story_id: str | None) -> str:
    """A summary problem's place, said with the record's file, line and id."""
    if where == story_id or not where:
        return label
    return where if where.startswith(label) else f"{label} {where}"


def result_line(result: dict) -> str:
    """One output record as a JSONL line (codec.json_line)."""
    return json_line(result)


def _start_worker(parent: int, collector: tuple[tuple[int, ...], bool]) -> None:
    """In a worker: the parent's collector setting (cli.collect_less's, if the parent is the CLI;
    a user's process keeps its own in its workers too), then watch the parent."""
    threshold, frozen = collector
    gc.set_threshold(*threshold)
    if frozen:  # newsfuse.batch and the pipeline are imported by now: they leave the generations
        gc.freeze()
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the parent is gone (killed with -9, it cannot stop its workers)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="newsfuse-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool started by spawn (no fork of a process with threads running, e.g. Dask's)
    whose workers die with their parent."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), (gc.get_threshold(), gc.get_freeze_count() > 0)),
    )


def _ordered_map(executor: Executor | None, fn: Callable, items: Iterable, window: int) -> Iterator:
    """Map in parallel, yielding results in input order, with at most `window` items in flight."""
    if executor is None:
        yield from (fn(*item) for item in items)
        return
    pending: deque[Future] = deque()
    for item in items:
        pending.append(executor.submit(fn, *item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def run_batch(
    in_path: str | Path,
    out: IO[str],
    options: Options = Options(),
    workers: int | None = None,
    advance: Callable[[], None] | None = None,
) -> BatchReport:
    """Summarize every story line of `in_path` into `out`, in input order."""
    workers = workers or os.cpu_count() or 1
    report = BatchReport()
    with open_text(in_path) as lines:
        items = ((at, record, options) for at, record in iter_records(lines, str(in_path)))
        executor = worker_pool(workers) if workers > 1 else None
        try:
            for result in _ordered_map(executor, process_record, items, workers * WINDOW_PER_WORKER):
                _account(report, result)
                out.write(result_line(result))
                if advance:
                    advance()
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)
    return report


def _account(report: BatchReport, result: dict) -> None:
    if "error" in result:
        report.fail(result["error"])
    else:
        report.done += 1
        for note in result.get("problems", []):
            report.warn(f"{note.get('where')}: {note.get('message')}")
