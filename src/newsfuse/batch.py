"""Summarize a JSONL corpus, one story a line, streaming and in parallel over cores."""

from __future__ import annotations

import gzip
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .codec import problem_to_dict, summary_to_dict
from .errors import NewsfuseError
from .ingest import iter_records, story_from_record
from .pipeline import summarize_story
from .settings import Options

__all__ = ["BatchReport", "process_record", "result_line", "run_batch", "open_text"]

# Records in flight per worker: enough to keep every core busy, few enough that memory
# stays flat however long the input is.
WINDOW_PER_WORKER = 8


@dataclass
class BatchReport:
    """What a batch run did: counts, and one message per record that failed."""

    done: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: int = 0


def open_text(path: str | Path, mode: str = "rt") -> IO[str]:
    """Open a text file, gzip-compressed when its name ends in .gz."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")


def process_record(at: str, record: dict | Exception, options: Options) -> dict:
    """One output line: the input's id and carried keys with the summary, or an `error`."""
    if isinstance(record, Exception):
        return {"id": None, "error": str(record)}
    try:
        story, problems = story_from_record(record, at)
        summary = summarize_story(story, options)
    except NewsfuseError as err:
        return {"id": record.get("id"), "error": str(err)}
    out = {"id": record.get("id"), **story.extra, **summary_to_dict(summary)}
    out["id"] = record.get("id")
    notes = [problem_to_dict(p) for p in problems] + out.pop("problems", [])
    if notes:
        out["problems"] = notes
    return out


def result_line(result: dict) -> str:
    """One output record as a JSONL line (UTF-8 text kept as written)."""
    return json.dumps(result, ensure_ascii=False) + "\n"


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
        executor = ProcessPoolExecutor(workers) if workers > 1 else None
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
        report.failed.append(result["error"])
    else:
        report.done += 1
        report.warnings += len(result.get("problems", []))
