"""The dask engine, input discovery, part-file output and resume (newsfuse.distributed)."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfuse.batch import run_batch
from newsfuse.cli import app
from newsfuse.distributed import (
    DASK_INSTALL,
    MANIFEST,
    SUCCESS,
    discover_inputs,
    iter_inputs,
    part_path,
    run_dask,
    run_local,
)
from newsfuse.settings import Options

VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "validation.jsonl.gz"
CLUSTERS = 200
OPTIONS = Options(words=40)
GOOD = {
    "id": "g1",
    "topic": "port",
    "documents": [
        "The port reopened on Monday after repairs, officials said. Ships began unloading at noon.",
        "Officials said the port reopened on Monday after a week of repairs. Unions welcomed it.",
    ],
}
runner = CliRunner()


def _small(tmp_path: Path, n: int = 6, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    lines = [json.dumps({**GOOD, "id": f"s{i}"}) for i in range(n)]
    path.write_text("\n".join(lines[:2] + ["{broken"] + lines[2:]) + "\n", encoding="utf-8")
    return path


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _parts(directory: Path) -> list[dict]:
    return [r for p in sorted(directory.glob("part-*.jsonl")) for r in _records(p)]


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes (1 thread each), shared by the tests of this module."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def validation_sample(tmp_path_factory) -> Path:
    if not VALIDATION.exists():
        pytest.skip(f"{VALIDATION} is not here (CI has ../shared beside the checkout)")
    path = tmp_path_factory.mktemp("multinews") / "validation-sample.jsonl"
    with gzip.open(VALIDATION, "rt", encoding="utf-8") as handle:
        path.write_text("".join(itertools.islice(handle, CLUSTERS)), encoding="utf-8")
    return path


def test_dask_two_workers_equals_single_process(client, validation_sample, tmp_path):
    single = io.StringIO()
    run_batch(validation_sample, single, OPTIONS, workers=1)
    expected = [json.loads(line) for line in single.getvalue().splitlines()]
    out = tmp_path / "out"
    report = run_dask([validation_sample], out, OPTIONS, partitions=7, client=client)
    got = _parts(out)
    assert len(got) == len(expected) == CLUSTERS
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    assert [r.get("summary") for r in got] == [r.get("summary") for r in expected]
    assert [r.get("sentences") for r in got] == [r.get("sentences") for r in expected]
    assert got == expected
    assert report.parts == 7 and report.done + len(report.failed) == CLUSTERS
    assert (out / SUCCESS).exists() and len(list(out.glob("part-*.jsonl"))) == 7
    assert not list(out.glob(".*tmp"))


def test_resume_skips_finished_parts(client, tmp_path):
    src = _small(tmp_path)
    out = tmp_path / "out"
    run_dask([src], out, OPTIONS, partitions=3, client=client)
    first = _parts(out)
    # Simulate a crash after part 1 was committed: part 0 and the success marker are gone,
    # and part 1 carries a marker a recomputation would not write.
    part_path(out, 0).unlink()
    (out / SUCCESS).unlink()
    marked = [{**r, "marker": "kept"} for r in _records(part_path(out, 1))]
    part_path(out, 1).write_text("".join(json.dumps(r) + "\n" for r in marked), encoding="utf-8")
    mtime = part_path(out, 2).stat().st_mtime_ns
    report = run_dask([src], out, OPTIONS, partitions=3, client=client)
    assert report.reused_parts == 2 and report.parts == 3
    assert _records(part_path(out, 1)) == marked
    assert part_path(out, 2).stat().st_mtime_ns == mtime
    assert _records(part_path(out, 0)) == first[: len(_records(part_path(out, 0)))]
    assert (out / SUCCESS).exists()


def test_resume_refuses_parts_of_another_job(client, tmp_path):
    src = _small(tmp_path)
    out = tmp_path / "out"
    run_dask([src], out, OPTIONS, partitions=3, client=client)
    from newsfuse.errors import NewsfuseError

    with pytest.raises(NewsfuseError, match="another job"):
        run_dask([src], out, OPTIONS, partitions=2, client=client)


def test_failed_record_reported_rest_completes_and_single_file_output(client, tmp_path):
    src = _small(tmp_path)
    out = tmp_path / "all.jsonl"
    report = run_dask([src], out, OPTIONS, partitions=2, client=client)
    records = _records(out)
    assert [r["id"] for r in records] == ["s0", "s1", None, "s2", "s3", "s4", "s5"]
    assert report.done == 6 and len(report.failed) == 1 and "in.jsonl:3" in report.failed[0]
    assert not (tmp_path / "all.jsonl.parts").exists()


def test_local_engine_directory_layout_matches_dask(client, tmp_path):
    src = _small(tmp_path)
    run_local([src], tmp_path / "local", OPTIONS, workers=1, partitions=3)
    run_dask([src], tmp_path / "dask", OPTIONS, partitions=3, client=client)
    for name in ("part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl", MANIFEST, SUCCESS):
        assert (tmp_path / "local" / name).read_text() == (tmp_path / "dask" / name).read_text()


def test_discovery_of_files_globs_directories_and_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    data = tmp_path / "data"
    data.mkdir()
    a = _small(data, 2, "a.jsonl")
    b = data / "b.jsonl.gz"
    with gzip.open(b, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({**GOOD, "id": "gz"}) + "\n")
    rows = [{**GOOD, "id": f"pq{i}"} for i in range(3)]
    pq.write_table(pa.Table.from_pylist(rows), data / "c.parquet")
    (data / "notes.txt").write_text("not an input")
    assert discover_inputs([data]) == [a, b, data / "c.parquet"]
    assert discover_inputs([str(data / "*.jsonl*"), a]) == [a, b]
    records = [r for _, r in iter_inputs([data / "c.parquet"])]
    assert records == rows
    out = tmp_path / "out.parquet"
    report = run_local(discover_inputs([data]), out, OPTIONS, workers=1)
    assert report.done == 6 and len(report.failed) == 1
    table = pq.read_table(out).to_pylist()
    assert [r["id"] for r in table] == ["s0", "s1", None, "gz", "pq0", "pq1", "pq2"]


def test_cli_single_file_local_unchanged_and_many_inputs(tmp_path):
    a, b = _small(tmp_path, 2, "a.jsonl"), _small(tmp_path, 2, "b.jsonl")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(a), str(b), "-o", str(out), "--workers", "1", "-w", "40"])
    assert result.exit_code == 0, result.output
    assert "4 summarized, 2 failed" in result.output and "a.jsonl:3" in result.output
    assert [r["id"] for r in _records(out)] == ["s0", "s1", None] * 2
    missing = runner.invoke(app, ["batch", str(tmp_path / "nope.jsonl"), "-o", str(out)])
    assert missing.exit_code != 0 and "no such file" in missing.output


def test_missing_dask_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    monkeypatch.setitem(sys.modules, "dask", None)
    src = _small(tmp_path)
    result = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "out"), "--engine", "dask"])
    assert result.exit_code != 0
    assert DASK_INSTALL in " ".join(result.output.split()) or 'pip install -e ".[dask]"' in result.output
