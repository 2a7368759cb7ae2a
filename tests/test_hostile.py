"""Hostile and unlucky input (issue 14): every bad input named, the good records complete."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsfuse.ingest import LIMITS, decode, iter_records, read_paths, read_text

GOOD = {
    "id": "g1",
    "documents": [
        "The council met on Monday. It approved the plan for the harbor.",
        "The harbor plan was approved by the council on Monday, officials said.",
    ],
}
ARTICLE = "The council met on Monday. It approved the plan for the harbor."


def _jsonl(tmp_path, *lines: str, name: str = "in.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join([json.dumps(GOOD), *lines]) + "\n", encoding="utf-8")
    return path


# ---- encodings: a corpus made here, each with the text it must read as

WESTERN = {
    "de": "Grüße aus München. Die Straße ist schön, sagte der Bürgermeister.",
    "de-word": "Grüße",
    "fr": "Le président a déclaré que la réunion était reportée à jeudi.",
    "es": "El niño comió en Año Nuevo, ¿verdad? ¡Sí!",
    "en-quotes": "He said “hello” — and left… it’s fine. Coffee costs €5.",
    "is": "Þetta er íslenskur texti með ð og þ.",
}


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


ENCODED = [
    *((f"{k}-{e}", v, e) for k, v in WESTERN.items() for e in ("cp1252", "latin_1") if _encodable(v, e)),
    *((f"de-{e}", WESTERN["de"], e) for e in ("utf-16", "utf-16-be", "utf-32", "utf-8-sig")),
    ("ru-cp1251", "Привет, как дела? Это тест на русском языке.", "cp1251"),
    ("el-cp1253", "Καλημέρα κόσμε, αυτό είναι ένα τεστ.", "cp1253"),
    ("pl-cp1250", "Zażółć gęślą jaźń. Łódź jest piękna.", "cp1250"),
    (
        "pl-iso8859-2",
        "Rada miasta zatwierdziła w poniedziałek plan dla portu w Gdańsku. Łódź jest piękna.",
        "iso8859_2",
    ),
    ("cs-iso8859-2", "Příliš žluťoučký kůň úpěl ďábelské ódy. Město schválilo rozpočet.", "iso8859_2"),
]


@pytest.mark.parametrize("name,text,encoding", ENCODED, ids=[e[0] for e in ENCODED])
def test_encoding_corpus_reads_the_expected_text(name, text, encoding):
    data = text.encode(encoding)
    if encoding in ("utf-16-be",):  # a BOM in the given byte order
        data = "\ufeff".encode(encoding) + data
    assert decode(data, "x.txt") == text


def test_utf16_with_bom_file_is_read_not_refused_as_binary(tmp_path):
    (tmp_path / "a.txt").write_bytes(("Harbor closes\n\n" + ARTICLE).encode("utf-16"))
    pile = read_paths([str(tmp_path / "a.txt")])
    assert not pile.problems and pile.articles[0].title == "Harbor closes"


# ---- JSON records that broke the readers


@pytest.mark.parametrize(
    "line,reason",
    [
        ('{"id": "d", "documents": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
        ('{"id": "d", "documents": ["a b c."], "x": ' + "[" * 900 + "]" * 900 + "}", "nested more than"),
        ('{"id": ' + "9" * 5000 + ', "documents": ["a b c."]}', "4,300 digits"),
        ('{"id": "s", "documents": ["The council \\ud800 met. It did."]}', "surrogate"),
    ],
    ids=["deep-100000", "deep-900", "bigint", "lone-surrogate"],
)
def test_bad_json_records_are_named_and_the_rest_read(tmp_path, line, reason):
    path = _jsonl(tmp_path, line)
    pile = read_paths([str(path)])
    assert [s.id for s in pile.stories] == ["g1"]
    [problem] = pile.problems
    assert problem.where == f"{path}:2" and reason in problem.message


def test_garbage_and_out_of_range_dates_are_reported_and_the_article_kept(tmp_path):
    lines = [json.dumps({"id": f"a{i}", "text": ARTICLE, "published": d}) for i, d in enumerate(["0001-01-01", "soon"])]
    pile = read_paths([str(_jsonl(tmp_path, *lines))])
    assert [a.published for a in pile.articles] == [None, None]
    assert ["0001-01-01" in pile.problems[0].message, "'soon'" in pile.problems[1].message] == [True, True]
    assert "kept undated" in pile.problems[0].message


def test_a_long_line_is_refused_without_holding_it(tmp_path):
    path = tmp_path / "in.jsonl"
    long = json.dumps({"id": "big", "text": "word " * 100})
    path.write_text(json.dumps(GOOD) + "\n" + long + "\n" + json.dumps(GOOD) + "\n")
    from dataclasses import replace

    limits = replace(LIMITS, line_chars=300)
    with open(path, encoding="utf-8") as handle:
        records = list(iter_records(handle, str(path), limits))
    assert [type(r).__name__ for _, r in records] == ["dict", "InputError", "dict"]
    assert "longer than 300 characters" in str(records[1][1]) and records[2][0] == f"{path}:3"


def test_blank_padding_stops_reading_with_a_message(tmp_path):
    from dataclasses import replace

    limits = replace(LIMITS, blank_lines=10)
    records = list(iter_records("\n" * 50 + json.dumps(GOOD), "pad.jsonl", limits))
    [(at, error)] = records
    assert "more than 10 blank lines" in str(error) and at == "pad.jsonl:11"


def test_too_many_documents_and_words_are_cut_and_reported(monkeypatch):
    from dataclasses import replace

    import newsfuse.ingest as ingest

    monkeypatch.setattr(ingest, "LIMITS", replace(LIMITS, documents=2, article_words=5))
    record = {"id": "big", "documents": [ARTICLE, ARTICLE + " Again.", ARTICLE + " Third."]}
    story, problems = ingest.story_from_record(record, "in.jsonl:1")
    assert len(story.articles) == 2 and story.articles[0].text == "The council met on Monday. "
    messages = [p.message for p in problems]
    assert any("1 documents over the limit of 2" in m for m in messages)
    assert any("longer than 5 words" in m for m in messages)


# ---- files that are not files, or not named in UTF-8


def test_fifo_and_devices_are_refused_not_read(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    pile = read_paths([str(fifo), "/dev/zero"])
    assert [p.where for p in pile.problems] == [str(fifo), "/dev/zero"]
    assert all("not a regular file" in p.message for p in pile.problems)


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("Harbor closes\n\n" + ARTICLE)
    [article] = read_paths([str(tmp_path / name)]).articles
    assert article.origin_file.endswith("caf\\xe9.txt")
    article.origin_file.encode("utf-8")  # printable and storable


def test_read_text_of_json_array_too_deep():
    pile = read_text("[" * 100_000 + "]" * 100_000, "a.json", kind="json")
    assert "nested too deep" in pile.problems[0].message


# ---- the command line: plain messages, exit codes, nothing overwritten, full disks

from click.testing import CliRunner  # noqa: E402

from newsfuse.cli import app  # noqa: E402

runner = CliRunner()
HOSTILE = {
    "id": "[/]x",
    "title": "[/] Harbor [bold]fire",
    "outlet": "[/]Wire",
    "text": "The council \x1b]52;c;cm0gLXJmIH4=\x07met on Monday\x1b[2J. It approved the plan for the harbor.",
    "published": "0001-01-01",
}


def test_markup_escapes_and_bad_dates_pass_summarize_ingest_cluster_and_stories(tmp_path):
    path = _jsonl(tmp_path, json.dumps({"id": "[/]", "docs": []}), json.dumps(HOSTILE))
    result = runner.invoke(app, ["summarize", str(path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "(id [/]): neither 'documents'" in result.stderr and "'0001-01-01' is outside the years" in result.stderr
    result = runner.invoke(app, ["cluster", str(path), "-o", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 0, result.output
    db = tmp_path / "s.db"
    assert runner.invoke(app, ["ingest", str(path), "--db", str(db)]).exit_code == 0
    for _ in range(2):  # the stored title with markup is shown as written, on every run
        result = runner.invoke(app, ["stories", "--db", str(db)])
        assert result.exit_code == 0 and "[/] Harbor [bold]fire" in result.stdout, result.output


def test_a_bad_db_path_is_named_and_nothing_created(tmp_path):
    path = _jsonl(tmp_path)
    result = runner.invoke(app, ["ingest", str(path), "--db", str(tmp_path)])
    assert result.exit_code == 1 and "is a directory" in result.stderr
    result = runner.invoke(app, ["ingest", str(path), "--db", str(tmp_path / "nodir" / "s.db")])
    assert result.exit_code == 1 and "does not exist; create it first" in result.stderr
    typo = tmp_path / "typo.db"
    for args in (["stories"], ["show", "1"], ["serve"]):
        result = runner.invoke(app, [*args, "--db", str(typo)])
        assert result.exit_code == 1 and "no such store" in result.stderr, result.output
    assert not typo.exists()


def test_a_damaged_store_is_named_under_show_and_stories(tmp_path):
    db = tmp_path / "s.db"
    assert runner.invoke(app, ["ingest", str(_jsonl(tmp_path)), "--db", str(db), "--no-summarize"]).exit_code == 0
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)
    db.write_bytes(bytes(data))
    for args in (["show", "1"], ["stories"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 1 and ("damaged" in result.stderr), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_eval_of_a_missing_file_says_so():
    result = runner.invoke(app, ["eval", "nosuch.jsonl"])
    assert result.exit_code == 1 and "nosuch.jsonl: no such file" in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_outputs_never_overwrite_an_input(tmp_path):
    path = _jsonl(tmp_path)
    before = path.read_bytes()
    for args in (["summarize", str(path), "-o", str(path)], ["batch", str(path), "-o", str(path), "--workers", "1"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "is an input too" in result.stderr, result.output
    text = tmp_path / "a.txt"
    text.write_text("Harbor closes\n\n" + ARTICLE)
    assert runner.invoke(app, ["summarize", str(tmp_path), "-o", str(text)]).exit_code == 2
    assert path.read_bytes() == before and text.read_text().startswith("Harbor closes")


def _disk_full(monkeypatch):
    import errno

    import newsfuse.distributed as distributed

    real_open = open

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        writelines = write

    monkeypatch.setattr(distributed, "open", lambda *a, **k: Full(real_open(*a, **k)), raising=False)


def test_a_full_disk_under_summarize_and_batch_leaves_no_temporary(tmp_path, monkeypatch):
    path = _jsonl(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _disk_full(monkeypatch)
    for args in (["summarize", str(path), "-o", str(out / "s.txt")], ["batch", str(path), "-o", str(out / "b.jsonl")]):
        result = runner.invoke(app, [*args, "--workers", "1"] if args[0] == "batch" else args)
        assert result.exit_code == 1 and "No space left on device" in result.stderr, result.output
        assert isinstance(result.exception, SystemExit)
    assert list(out.iterdir()) == []


def test_a_full_disk_under_ingest_is_named(tmp_path, monkeypatch):
    import sqlite3

    from newsfuse.store import Store

    def full(self, articles):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_ingest_batch", full)
    result = runner.invoke(app, ["ingest", str(_jsonl(tmp_path)), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 1 and "disk is full" in result.stderr and "rerun" in result.stderr


def test_many_bad_records_print_the_first_few_and_a_count(tmp_path):
    path = _jsonl(tmp_path, *["{bad"] * (LIMITS.errors_shown + 30))
    result = runner.invoke(app, ["batch", str(path), "-o", str(tmp_path / "o.jsonl"), "--workers", "1"])
    assert result.exit_code == 0
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == LIMITS.errors_shown + 1 and "30 more not shown" in failed[-1]
    assert f"1 summarized, {LIMITS.errors_shown + 30} failed" in result.stderr
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == LIMITS.errors_shown + 31


def test_a_non_utf8_file_name_is_ingested_and_listed(tmp_path):
    name = os.fsdecode(b"r\xe9sum\xe9.txt")
    (tmp_path / name).write_text("Harbor closes\n\n" + ARTICLE)
    db = tmp_path / "s.db"
    result = runner.invoke(app, ["ingest", str(tmp_path / name), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["stories", "--db", str(db)]).exit_code == 0


# ---- atomic writes, workers, resume


def test_write_atomic_removes_stale_temporaries_of_dead_processes(tmp_path):
    from newsfuse.distributed import write_atomic

    out = tmp_path / "o.jsonl"
    stale = tmp_path / ".o.jsonl.999999999.tmp"  # no such process
    stale.write_text("half")
    write_atomic(out, ["x\n"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl"]


def test_a_resume_after_the_input_changed_does_not_reuse_parts(tmp_path):
    from newsfuse.distributed import _manifest, _prepare_dir
    from newsfuse.errors import NewsfuseError
    from newsfuse.settings import Options

    path = _jsonl(tmp_path)
    parts = tmp_path / "parts"
    _prepare_dir(parts, _manifest([path], 1, 100, Options()))
    _prepare_dir(parts, _manifest([path], 1, 100, Options()))  # the same input: resumable
    path.write_text(path.read_text().replace("Monday", "Friday"))  # same size, same record count
    with pytest.raises(NewsfuseError, match="other contents"):
        _prepare_dir(parts, _manifest([path], 1, 100, Options()))


WORKER_PARENT = """
import sys, time
from newsfuse.batch import worker_pool
pool = worker_pool(1)
print(pool.submit(__import__("os").getpid).result(), flush=True)
time.sleep(60)
"""


@pytest.mark.timeout(60)
def test_pool_workers_die_with_a_killed_parent(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    import newsfuse

    env = {**os.environ, "PYTHONPATH": str(Path(newsfuse.__file__).parents[1])}
    parent = subprocess.Popen([sys.executable, "-c", WORKER_PARENT], stdout=subprocess.PIPE, text=True, env=env)
    worker = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived its parent")


DASK_PARENT = """
import os, time
from newsfuse.distributed import _client
client = _client(None, 1, lambda message: None)
print(client.run(os.getpid).popitem()[1], flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.timeout(120)
def test_dask_workers_die_with_a_killed_parent():
    pytest.importorskip("distributed")
    import signal
    import subprocess
    import sys
    import time

    import newsfuse

    env = {**os.environ, "PYTHONPATH": str(Path(newsfuse.__file__).parents[1])}
    parent = subprocess.Popen([sys.executable, "-c", DASK_PARENT], stdout=subprocess.PIPE, text=True, env=env)
    worker = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not _alive(worker):
            return
        time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the Dask worker outlived its parent")


def test_process_pools_are_spawned_not_forked(monkeypatch):
    import multiprocessing

    from newsfuse.batch import worker_pool
    from newsfuse.train import build_rows

    pool = worker_pool(1)
    assert pool._mp_context.get_start_method() == "spawn"
    pool.shutdown()
    methods = []

    def record(method=None):
        methods.append(method)
        raise RuntimeError("stop here")

    monkeypatch.setattr(multiprocessing, "get_context", record)
    with pytest.raises(RuntimeError, match="stop here"):
        build_rows("nosuch.jsonl", 1, False, "x")
    assert methods == ["spawn"]


def test_batch_stops_at_blank_padding_in_a_gzip_and_refuses_a_long_line(tmp_path, monkeypatch):
    import gzip
    import io
    from dataclasses import replace

    import newsfuse.ingest as ingest
    from newsfuse.batch import run_batch
    from newsfuse.distributed import count_records
    from newsfuse.settings import Options

    monkeypatch.setattr(ingest, "LIMITS", replace(LIMITS, blank_lines=10, line_chars=1000))
    path = tmp_path / "in.jsonl.gz"
    long = json.dumps({"id": "long", "text": "word " * 500})
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD) + "\n" + long + "\n" + "\n" * 1000 + json.dumps(GOOD) + "\n")
    assert count_records(path) == 3
    out = io.StringIO()
    report = run_batch(path, out, Options(words=30), workers=1)
    errors = [json.loads(line).get("error") for line in out.getvalue().splitlines()]
    assert report.done == 1 and report.failures == 2
    assert "longer than 1,000 characters" in errors[1] and "more than 10 blank lines" in errors[2]


def test_a_lone_surrogate_at_write_time_is_escaped_not_fatal():
    from newsfuse.batch import result_line

    line = result_line({"id": "x", "text": "a\ud800b"})
    assert json.loads(line)["text"] == "a\ud800b" and line.encode("utf-8")


def test_a_unicode_line_end_in_a_record_keeps_the_record_on_one_line(tmp_path):
    # Found by test_fuzz: an id of U+0085 was written raw, and splitlines() read two lines.
    import io

    from newsfuse.batch import run_batch
    from newsfuse.settings import Options

    path = tmp_path / "in.jsonl"
    ids = ["\x85", "a\u2028b", "c\u2029"]
    path.write_text("".join(json.dumps({"id": i, "documents": None}) + "\n" for i in ids), encoding="utf-8")
    out = io.StringIO()
    run_batch(path, out, Options(words=30), workers=1)
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in written] == ids


def test_a_file_of_records_holding_nothing_stops_being_read_and_says_where(tmp_path, monkeypatch):
    import gzip
    import io
    from dataclasses import replace

    import newsfuse.ingest as ingest
    from newsfuse.batch import run_batch
    from newsfuse.settings import Options

    monkeypatch.setattr(ingest, "LIMITS", replace(LIMITS, bad_in_a_row=5))
    path = tmp_path / "in.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD) + "\n" + "{}\n" * 4 + json.dumps(GOOD) + "\n" + "{}\n" * 50)
    out = io.StringIO()
    report = run_batch(path, out, Options(words=30), workers=1)
    errors = [json.loads(line).get("error") for line in out.getvalue().splitlines()]
    assert report.done == 2  # four bad records then a good one: the run starts again
    assert len(errors) == 2 + 4 + 5 + 1 and "in.jsonl.gz:11: 5 records in a row" in errors[-1]
    pile = ingest.read_text("{}\n" * 9 + json.dumps(GOOD), "f.jsonl", kind="json")
    assert (
        not pile.stories and pile.problems[-1].where == "f.jsonl:5" and "rest of the file" in pile.problems[-1].message
    )


def test_a_gzip_file_is_read_whole_by_summarize_and_a_bad_one_named(tmp_path):
    import gzip

    good, bad = tmp_path / "in.jsonl.gz", tmp_path / "bad.jsonl.gz"
    with gzip.open(good, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD) + "\n")
    bad.write_bytes(b"not gzip at all")
    pile = read_paths([str(good), str(bad)])
    assert [s.id for s in pile.stories] == [GOOD["id"]]
    assert [p.where for p in pile.problems] == [str(bad)] and "gzip" in pile.problems[0].message
