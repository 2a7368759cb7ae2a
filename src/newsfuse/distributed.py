"""Batch over many inputs, locally or on a Dask cluster, into one file or resumable part files."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from .batch import BatchReport, _account, open_text, process_record, result_line, run_batch
from .errors import NewsfuseError
from .ingest import display_path, iter_lines, iter_records
from .settings import Options

__all__ = [
    "DASK_INSTALL",
    "RunReport",
    "discover_inputs",
    "count_records",
    "iter_inputs",
    "plan_partitions",
    "process_partition",
    "run_local",
    "run_dask",
    "part_path",
    "write_atomic",
    "fingerprint",
]

DASK_INSTALL = 'the dask engine needs the dask extra: pip install -e ".[dask]" (or pip install "newsfuse[dask]")'
PARQUET_INSTALL = 'reading or writing Parquet needs pyarrow: pip install -e ".[dask]" (or pip install pyarrow)'
INPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")
SINGLE_FILE_SUFFIXES = (".jsonl", ".parquet")
# Records per partition when --partitions is not given. Depends on the corpus only (never on
# the cluster), so a rerun sees the same partitions and can skip the finished ones.
DEFAULT_PARTITION_SIZE = 100
MANIFEST = "_newsfuse.json"
SUCCESS = "_SUCCESS"
# Partitions in flight per worker thread: enough to hide scheduling latency, few enough that the
# driver holds only a bounded slice of the corpus however large it is.
INFLIGHT_PER_THREAD = 2

Item = tuple[str, "dict | Exception"]


@dataclass
class RunReport(BatchReport):
    """A BatchReport plus partition counts: parts reused from an earlier run, parts that crashed."""

    parts: int = 0
    reused_parts: int = 0
    crashed_parts: list[str] | None = None


# ---------------------------------------------------------------- inputs


def _is_input(path: Path) -> bool:
    return path.is_file() and path.name.endswith(INPUT_SUFFIXES)


def discover_inputs(specs: Sequence[str | Path]) -> list[Path]:
    """Files named, matched by a glob, or found under a directory, in order, each once."""
    found: list[Path] = []
    for spec in map(str, specs):
        path = Path(spec)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if _is_input(p))
        elif path.is_file():
            matches = [path]
        elif glob.has_magic(spec):
            matches = sorted(p for p in map(Path, glob.glob(spec, recursive=True)) if _is_input(p))
        elif path.exists():  # a FIFO or a device: reading would hang or never end
            raise NewsfuseError(f"{display_path(spec)}: not a regular file; save the records to a file")
        else:
            raise NewsfuseError(f"{display_path(spec)}: no such file, directory or glob match")
        if not matches:
            raise NewsfuseError(f"{display_path(spec)}: no .jsonl, .jsonl.gz or .parquet files there")
        found += [m for m in matches if m not in found]
    return found


def _is_parquet(path: Path) -> bool:
    return path.suffix == ".parquet"


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as err:
        raise NewsfuseError(PARQUET_INSTALL) from err
    return pyarrow


def count_records(path: Path) -> int:
    """Records in one input: non-blank lines of JSONL, rows of Parquet (from its footer)."""
    if _is_parquet(path):
        return _pyarrow().parquet.ParquetFile(path).metadata.num_rows
    with open_text(path) as handle:  # as iter_records reads them: a stop at blank padding counts one
        return sum(1 for _ in iter_lines(handle, display_path(path)))


def _jsonable(value: Any) -> Any:
    """Parquet cell values as JSON would have them (timestamps to ISO text, bytes to text)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _iter_parquet(path: Path) -> Iterator[Item]:
    rows = 0
    for chunk in _pyarrow().parquet.ParquetFile(path).iter_batches(batch_size=1024):
        for record in chunk.to_pylist():
            rows += 1
            yield f"{path}:{rows}", {k: _jsonable(v) for k, v in record.items() if v is not None}


def iter_inputs(paths: Iterable[Path]) -> Iterator[Item]:
    """Every record of every input, in order, with its `file:line` (or `file:row`) location."""
    for path in paths:
        if _is_parquet(path):
            yield from _iter_parquet(path)
        else:
            with open_text(path) as lines:
                yield from iter_records(lines, display_path(path))


# ---------------------------------------------------------------- partitions and part files


def plan_partitions(total: int, partitions: int | None) -> int:
    """Records per partition: `total` split into `partitions` parts, or DEFAULT_PARTITION_SIZE each."""
    if partitions is not None and partitions < 1:
        raise NewsfuseError(f"partitions must be at least 1, got {partitions}")
    if not partitions:
        return DEFAULT_PARTITION_SIZE
    return max(1, math.ceil(total / partitions))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def part_path(directory: Path, index: int) -> Path:
    return directory / f"part-{index:05d}.jsonl"


def _tmp_beside(path: Path) -> Path:
    """A hidden name beside `path`, per process, to write to before the rename that commits; the
    temporaries of processes no longer alive (killed with -9) are removed first."""
    _remove_stale_tmps(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _remove_stale_tmps(path: Path) -> None:
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_atomic(path: Path, lines: Iterable[str], sync: bool = True) -> None:
    """Write to a hidden temporary name beside `path`, then rename: the rename is the commit. On
    any failure (a full disk) the temporary is removed and `path` is as it was."""
    tmp = _tmp_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes: what a resumed run checks its parts were made from."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_part(path: Path) -> list[dict]:
    return [json.loads(line) for line in _read_part_lines(path)]


def _manifest(inputs: Sequence[Path], total: int, size: int, options: Options) -> dict:
    return {
        "inputs": [str(p.resolve()) for p in inputs],
        # the parts are of these contents: an input edited in place makes them stale
        "fingerprints": [fingerprint(p) for p in inputs],
        "records": total,
        "partition_size": size,
        "partitions": math.ceil(total / size),
        # as JSON reads it back (nested settings, a timedelta as text), so a rerun compares equal
        "options": json.loads(json.dumps(asdict(options), default=str)),
    }


def _prepare_dir(directory: Path, manifest: dict) -> None:
    """Create the part directory, or check that the one there was written for the same job."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as err:
            raise NewsfuseError(f"{path}: unreadable ({err}); remove {directory} or write elsewhere") from None
        changed = {k for k in manifest if old.get(k) != manifest[k]}
        if changed == {"fingerprints"}:
            raise NewsfuseError(
                f"{directory} holds parts of other contents of the same inputs (changed since, or an "
                "older newsfuse without fingerprints); remove it or write elsewhere"
            )
        if old != manifest:
            raise NewsfuseError(
                f"{directory} holds parts of another job (inputs, partitions or options "
                "differ); remove it or write elsewhere"
            )
        return
    stale = sorted(directory.glob("part-*.jsonl"))
    if stale:
        raise NewsfuseError(f"{directory} already holds part files and no {MANIFEST}; remove them first")
    write_atomic(path, [json.dumps(manifest, indent=1) + "\n"])


class _PartWriter:
    """A file-like sink for run_batch that commits a part file every `size` lines."""

    def __init__(self, directory: Path, size: int, first: int = 0) -> None:
        self.directory, self.size, self.index = directory, size, first
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) == self.size:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            write_atomic(part_path(self.directory, self.index), self.lines)
            self.index, self.lines = self.index + 1, []


# ---------------------------------------------------------------- output layout


def _single_file(out: Path) -> bool:
    return out.suffix in SINGLE_FILE_SUFFIXES


def _staging_dir(out: Path) -> Path:
    """Where parts of a single-file output are kept until the file is assembled (resume works there too)."""
    return out.with_name(out.name + ".parts")


def _write_parquet(records: list[dict], path: Path) -> None:
    """Records as a Parquet table: a column per key; nested values kept nested, JSON text if mixed."""
    pa = _pyarrow()
    keys = list(dict.fromkeys(k for r in records for k in r))
    columns = {}
    for key in keys:
        values = [r.get(key) for r in records]
        try:
            columns[key] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            columns[key] = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values])
    tmp = _tmp_beside(path)
    try:
        pa.parquet.write_table(pa.table(columns), tmp)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _assemble(parts_dir: Path, count: int, out: Path) -> None:
    """Concatenate parts 0..count-1 into the single output file, atomically."""
    paths = [part_path(parts_dir, i) for i in range(count)]
    if out.suffix == ".parquet":
        _write_parquet([r for p in paths for r in _read_part(p)], out)
        return

    def lines() -> Iterator[str]:
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                yield from handle

    write_atomic(out, lines())


# ---------------------------------------------------------------- local engine


def _jsonl_copy(path: Path, directory: str) -> Path:
    """A Parquet input rewritten as JSONL so run_batch (which streams JSONL) can read it."""
    copy = Path(directory) / (path.name + ".jsonl")
    with open(copy, "w", encoding="utf-8") as handle:
        handle.writelines(result_line(record) for _, record in _iter_parquet(path) if isinstance(record, dict))
    return copy


def _run_batches(
    inputs: Sequence[Path],
    sink: IO[str] | _PartWriter,
    options: Options,
    workers: int | None,
    advance: Callable[[], None] | None,
) -> RunReport:
    report = RunReport()
    with tempfile.TemporaryDirectory(prefix="newsfuse-") as scratch:
        for path in inputs:
            source = _jsonl_copy(path, scratch) if _is_parquet(path) else path
            report.add(run_batch(source, sink, options, workers=workers, advance=advance))  # type: ignore[arg-type]
    return report


def run_local(
    inputs: Sequence[Path],
    out: Path,
    options: Options = Options(),
    workers: int | None = None,
    partitions: int | None = None,
    advance: Callable[[], None] | None = None,
    total: int | None = None,
) -> RunReport:
    """The local engine over several inputs: one output file, or a directory of part files
    (`total`: the inputs' record count, when the caller has counted them already)."""
    if _single_file(out) and out.suffix == ".jsonl":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_beside(out)
        try:
            with open(tmp, "w", encoding="utf-8") as sink:
                report = _run_batches(inputs, sink, options, workers, advance)
            os.replace(tmp, out)
        except BaseException:  # a full disk, an interrupt: no hidden temporary is left behind
            _remove(tmp)
            raise
        return report
    total = sum(count_records(p) for p in inputs) if total is None else total
    size = plan_partitions(total, partitions)
    directory = out
    if _single_file(out):  # the local engine does not resume: start its staging parts afresh
        directory = _staging_dir(out)
        shutil.rmtree(directory, ignore_errors=True)
    _prepare_dir(directory, _manifest(inputs, total, size, options))
    writer = _PartWriter(directory, size)
    report = _run_batches(inputs, writer, options, workers, advance)
    writer.flush()
    report.parts = writer.index
    _finish(directory, report.parts, out)
    return report


def _finish(directory: Path, parts: int, out: Path) -> None:
    if _single_file(out):
        _assemble(directory, parts, out)
        shutil.rmtree(directory)
    else:
        write_atomic(directory / SUCCESS, [])


# ---------------------------------------------------------------- dask engine


def _require_dask() -> Any:
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as err:
        raise NewsfuseError(DASK_INSTALL) from err
    return distributed


def process_partition(items: list[Item], options: Options) -> list[str]:
    """One partition on a worker: its output lines, in input order. Any model a selector loads is
    cached at module level in the worker process, so it is read once per worker, not per record."""
    return [result_line(process_record(at, record, options)) for at, record in items]


def _client(scheduler: str | None, workers: int | None, log: Callable[[str], None]) -> Any:
    """A client of the cluster at `scheduler`, or of a LocalCluster of `workers` processes."""
    distributed = _require_dask()
    if scheduler:
        client = distributed.Client(scheduler)
    else:
        n = workers or os.cpu_count() or 1
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = distributed.Client(cluster)
    log(f"dask: {len(client.scheduler_info()['workers'])} workers, dashboard {client.dashboard_link}")
    return client


def close_client(client: Any) -> None:
    """Close a client made by `_client`, and its LocalCluster when it made one."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


class _NoClient:
    """Stands in for a Dask client when there is nothing left to compute."""

    def scheduler_info(self) -> dict:
        return {"workers": {}}

    def close(self) -> None:
        pass


def _account_part(report: RunReport, lines: Iterable[str]) -> int:
    count = 0
    for line in lines:
        result = json.loads(line)
        if "error" in result and result.get("id") is not None and str(result["id"]) not in result["error"]:
            result = {**result, "error": f"{result['id']}: {result['error']}"}
        _account(report, result)
        count += 1
    return count


def run_dask(
    inputs: Sequence[Path],
    out: Path,
    options: Options = Options(),
    scheduler: str | None = None,
    workers: int | None = None,
    partitions: int | None = None,
    advance: Callable[[], None] | None = None,
    log: Callable[[str], None] = lambda _: None,
    client: Any = None,
    total: int | None = None,
) -> RunReport:
    """The dask engine: partitions of records summarized by `process_partition` on the workers;
    each part file is committed by a rename as it arrives, and parts already there are skipped
    (`total` as for `run_local`)."""
    distributed = _require_dask()
    total = sum(count_records(p) for p in inputs) if total is None else total
    size = plan_partitions(total, partitions)
    manifest = _manifest(inputs, total, size, options)
    directory = _staging_dir(out) if _single_file(out) else out
    _prepare_dir(directory, manifest)
    if all(part_path(directory, i).exists() for i in range(manifest["partitions"])):
        client = _NoClient()  # every part is done: no cluster is needed to reuse them
    own = client is None
    client = client or _client(scheduler, workers, log)
    try:
        report = _run_parts(client, distributed, directory, inputs, size, options, advance)
    finally:
        if own:
            close_client(client)
    if report.crashed_parts:
        return report
    _finish(directory, manifest["partitions"], out)
    return report


def _run_parts(
    client: Any,
    distributed: Any,
    directory: Path,
    inputs: Sequence[Path],
    size: int,
    options: Options,
    advance: Callable[[], None] | None,
) -> RunReport:
    report = RunReport(crashed_parts=[])
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
    window = INFLIGHT_PER_THREAD * threads
    pending = distributed.as_completed() if not isinstance(client, _NoClient) else None
    index_of: dict[str, int] = {}

    def collect() -> None:
        assert pending is not None  # only futures of a real client are collected
        future = next(pending)
        index = index_of.pop(future.key)
        try:
            lines = future.result()
        except Exception as err:  # a worker died or the partition raised: the rest goes on
            report.crashed_parts.append(f"part {index}: {type(err).__name__}: {err}")  # type: ignore[union-attr]
            return
        write_atomic(part_path(directory, index), lines)
        for _ in range(_account_part(report, lines)):
            advance and advance()

    for index, chunk in enumerate(_chunks(iter_inputs(inputs), size)):
        report.parts += 1
        done = part_path(directory, index)
        if done.exists():
            report.reused_parts += 1
            for _ in range(_account_part(report, _read_part_lines(done))):
                advance and advance()
            continue
        future = client.submit(
            process_partition, chunk, options, pure=False, key=f"newsfuse-part-{index:05d}-{os.getpid()}-{id(report)}"
        )
        index_of[future.key] = index
        assert pending is not None
        pending.add(future)
        if len(index_of) >= window:
            collect()
    while index_of:
        collect()
    return report


def _read_part_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line for line in handle if line.strip()]
