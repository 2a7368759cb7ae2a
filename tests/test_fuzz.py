"""Property-based fuzzing (hypothesis) of what reads input: the record readers, batch and the store.

Each property: no exception other than newsfuse's own InputError escapes, and every non-blank input
line ends as a story, an article or a problem naming that line (batch: one output line each).
Kept to a few seconds: modest `max_examples`, no deadline (the first call loads models)."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsfuse.batch import run_batch
from newsfuse.errors import InputError
from newsfuse.ingest import LIMITS, decode, read_text
from newsfuse.settings import Options

# NEWSFUSE_FUZZ_EXAMPLES raises the examples for a longer hunt than CI's (as in test_serve_fuzz).
EXAMPLES = int(os.environ.get("NEWSFUSE_FUZZ_EXAMPLES", "40"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=max(8, EXAMPLES // 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])

SENTENCE = st.sampled_from(
    [
        "The council met on Monday. It approved the plan for the harbor.",
        "Officials said the harbor plan was approved on Monday by the council.",
        "Grüße aus München, sagte der Bürgermeister. Er lachte.",
        "[/] markup [bold]and \x1b]52;c;eA==\x07 escapes\x1b[2J in text.",
        "<script>alert(1)</script> <svg onload=alert(1)>",
        "",
        "   ",
    ]
)
DATES = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31T23:59:59-14:00", "2024-02-30", "soon", "Mon, 32 Foo 2024", ""]),
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), SENTENCE, DATES)
DOCUMENT = st.one_of(
    SENTENCE,
    st.fixed_dictionaries(
        {"text": st.one_of(SENTENCE, LEAF)},
        optional={"published": DATES, "outlet": LEAF, "title": LEAF, "url": LEAF, "id": LEAF},
    ),
    LEAF,
)
RECORD = st.one_of(
    st.fixed_dictionaries(
        {"id": LEAF, "documents": st.one_of(st.lists(DOCUMENT, max_size=4), LEAF)}, optional={"topic": LEAF}
    ),
    st.fixed_dictionaries({"text": st.one_of(SENTENCE, LEAF)}, optional={"id": LEAF, "published": DATES}),
    st.dictionaries(st.text(max_size=8), LEAF, max_size=3),
    st.recursive(
        LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner), max_leaves=6
    ),
)
HOSTILE_LINE = st.sampled_from(
    [
        "[" * 5000 + "]" * 5000,
        '{"id": "d", "documents": ' + "[" * 70 + "]" * 70 + "}",
        '{"id": ' + "7" * 5000 + "}",
        '{"id": "s", "text": "a \\ud800 b. c d."}',
        '{"id": "s", "text": "pair \\ud83d\\ude00 ok. It is fine here."}',
        "{not json",
        "null",
        "",
        "   ",
    ]
)
LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r)), HOSTILE_LINE, st.text(max_size=40).map(lambda t: t.replace("\n", " "))
)


def _lines_accounted(pile, lines: list[str], where: str) -> None:
    places = [a.origin_file or "" for a in pile.articles]
    places += [a.origin_file or "" for s in pile.stories for a in s.articles]
    places += [p.where for p in pile.problems]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        at = re.compile(re.escape(f"{where}:{number}") + r"(?!\d)")
        assert any(at.match(p) for p in places), f"line {number} vanished: {line[:80]!r}"


@FAST
@given(st.lists(LINE, min_size=1, max_size=6))
@example(["\x85", '{"text": null}'])  # U+0085 is a line break to str.splitlines, not to JSON Lines
@example(["{}\u2028", "{}", '{"text": null}'])
def test_record_reader_names_every_line(lines):
    text = "\n".join(lines)
    pile = read_text(text, "f.jsonl", kind="json")
    if not text.lstrip().startswith("["):  # else a JSON array file: one value, read whole
        _lines_accounted(pile, lines, "f.jsonl")
    for article in pile.articles + [a for s in pile.stories for a in s.articles]:
        assert article.published is None or LIMITS.first_year <= article.published.year <= LIMITS.last_year
        json.dumps(article.text, ensure_ascii=False).encode("utf-8")  # writable


@FAST
@given(st.binary(max_size=300))
def test_decode_takes_any_bytes(data):
    try:
        text = decode(data, "x.txt")
    except InputError:
        return
    text.encode("utf-8")


@FAST
@given(st.text(max_size=300))
def test_any_text_reads_or_is_refused_by_name(text):
    try:
        read_text(text, "x.txt")
    except InputError as err:
        assert err.where.startswith("x.txt")


@SLOW
@given(st.lists(LINE, min_size=1, max_size=4))
@example(["0\r0"])  # a carriage return inside a line is no line end in JSON Lines
def test_batch_writes_one_line_per_record(lines):
    lines = [line for line in lines if not line.lstrip().startswith("[") or line.strip() == "[]"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = io.StringIO()
        report = run_batch(path, out, Options(words=30), workers=1)
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(written) == sum(1 for line in lines if line.strip())
    assert report.done + report.failures == len(written)
    out.getvalue().encode("utf-8")


@SLOW
@given(st.lists(LINE, min_size=1, max_size=4))
def test_store_ingests_whatever_was_read(lines):
    from newsfuse.store import Store

    pile = read_text("\n".join(lines), "f.jsonl", kind="json")
    articles = pile.articles + [a for s in pile.stories for a in s.articles]
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store:
        done = store.ingest(articles, summarize=False)
        assert len(done) == sum(1 for a in articles if a.text.strip())
        for info in store.stories():
            info.to_dict()
