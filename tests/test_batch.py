from __future__ import annotations

import gzip
import io
import json

from newsfuse.batch import run_batch
from newsfuse.settings import Options

GOOD = {
    "id": "g1",
    "topic": "port",
    "documents": [
        "The port reopened on Monday after repairs, officials said. Ships began unloading at noon.",
        {
            "text": "Officials said the port reopened on Monday after a week of repairs. Unions welcomed it.",
            "outlet": "Coast Wire",
            "url": "https://example.org/a",
        },
    ],
}


def _lines(tmp_path, lines, name="in.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_output_shape_ids_and_carried_keys(tmp_path):
    path = _lines(tmp_path, [json.dumps(GOOD)])
    out = io.StringIO()
    report = run_batch(path, out, Options(words=30), workers=1)
    [record] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert report.done == 1 and record["id"] == "g1" and record["topic"] == "port"
    assert record["summary"] == "\n".join(s["text"] for s in record["sentences"])
    src = record["sentences"][0]["sources"][0]
    texts = [GOOD["documents"][0], GOOD["documents"][1]["text"]]
    assert texts[src["document"]][src["start"] : src["end"]] == record["sentences"][0]["text"]


def test_bad_lines_reported_rest_completes_in_order(tmp_path):
    lines = [
        json.dumps(GOOD),
        "{broken",
        json.dumps({"id": "nodocs"}),
        json.dumps({"id": "empty", "documents": ["", "  "]}),
        json.dumps({**GOOD, "id": "g2"}),
    ]
    out = io.StringIO()
    report = run_batch(_lines(tmp_path, lines), out, Options(words=30), workers=2)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in records] == ["g1", None, "nodocs", "empty", "g2"]
    assert report.done == 2 and len(report.failed) == 3
    assert "in.jsonl:2" in records[1]["error"]
    assert "documents" in records[2]["error"] and "nodocs" in records[2]["error"]
    assert "empty" in records[3]["error"]


def test_parallel_equals_serial_and_gzip_input(tmp_path):
    lines = [json.dumps({**GOOD, "id": f"s{i}"}) for i in range(12)]
    path = tmp_path / "in.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    serial, parallel = io.StringIO(), io.StringIO()
    run_batch(path, serial, Options(words=30), workers=1)
    run_batch(path, parallel, Options(words=30), workers=2)
    assert serial.getvalue() == parallel.getvalue()
    assert len(serial.getvalue().splitlines()) == 12


def test_input_is_streamed_not_read_whole(tmp_path):
    """The reader is consumed lazily: with a window of in-flight records, output begins
    before the input ends (a generator input that would fail past the window proves it)."""
    from newsfuse.batch import _ordered_map

    consumed = []

    def items():
        for i in range(1000):
            consumed.append(i)
            yield (i,)

    stream = _ordered_map(None, lambda i: i * 2, items(), window=4)
    assert next(stream) == 0 and len(consumed) == 1


def test_batch_never_destroys_an_input_field(tmp_path):
    """Multi-News' `summary` (the human reference) is kept as `reference`; any other input key the
    output writes is kept as `input_<key>`; `summary` is always newsfuse's."""
    record = {**GOOD, "summary": "– The human reference.", "words": 7, "reference": "another", "version": "v9"}
    out = io.StringIO()
    run_batch(_lines(tmp_path, [json.dumps(record)]), out, Options(words=30), workers=1)
    [line] = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["summary"] == "\n".join(s["text"] for s in line["sentences"])
    assert line["input_reference"] == "– The human reference." and line["reference"] == "another"
    assert line["input_words"] == 7 and line["words"] != 7 and line["input_version"] == "v9"
    assert line["version"] == 1 and line["topic"] == "port"
    plain = {**GOOD, "summary": "– The human reference."}
    out = io.StringIO()
    run_batch(_lines(tmp_path, [json.dumps(plain)], "mn.jsonl"), out, Options(words=30), workers=1)
    assert json.loads(out.getvalue())["reference"] == "– The human reference."


def test_batch_lists_each_warning_with_its_record(tmp_path):
    dated = {**GOOD, "documents": [GOOD["documents"][0], {**GOOD["documents"][1], "published": "not a date"}]}
    single = {"id": "s1", "documents": ["Only one report. It says the port reopened on Monday."]}
    path = _lines(tmp_path, [json.dumps(dated), json.dumps(single)])
    report = run_batch(path, io.StringIO(), Options(words=30), workers=1)
    assert report.warnings == 2 and len(report.warned) == 2
    assert report.warned[0].startswith(f"{path}:1 (id g1) document 1: published 'not a date'")
    assert report.warned[1].startswith(f"{path}:2 (id s1): only one article")
