"""Hostile and unlucky input (issue 14): every bad input named, the good records complete."""

from __future__ import annotations

import json
import os

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
