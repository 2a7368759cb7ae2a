"""Tests for newsfuse.segment: span invariants, gold-set accuracy, tricky news cases, big input."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfuse.segment import split_sentences

GOLD = Path(__file__).parent / "fixtures" / "sentences_gold.jsonl"
BENCH_SPLITTERS = Path(__file__).resolve().parents[1] / "bench" / "splitters.py"
# Measured 2026-11 (see docs/benchmarks.md): boundary F1 0.995, exact paragraphs 0.990.
MIN_F1 = 0.97
MIN_EXACT = 0.95


def sentences(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, start, end)]


def check_invariants(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> None:
    end = len(text) if end is None else end
    prev = start
    for s, e in spans:
        assert prev <= s < e <= end
        piece = text[s:e]
        assert piece == piece.strip() and piece
        prev = e
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text[start:end].split())  # no text dropped


def load_gold() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_spans(rec: dict) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for sent in rec["sentences"]:
        i = rec["text"].index(sent, pos)
        spans.append((i, i + len(sent)))
        pos = i + len(sent)
    return spans


# --- invariants -------------------------------------------------------------------------------

PIECES = list("aZ .!?\"'“”‘’…()[]-—,\n\t3\xa0") + ["Mr.", "U.S.", " said ", "\n\n", "...", " . ", "He ", "the "]
NEWSY = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(NEWSY, st.text(max_size=200)))
def test_invariants_random_text(text: str) -> None:
    check_invariants(text, split_sentences(text))


@settings(max_examples=200, deadline=None)
@given(NEWSY, st.integers(0, 300), st.integers(0, 300))
def test_invariants_with_window(text: str, a: int, b: int) -> None:
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    check_invariants(text, split_sentences(text, start, end), start, end)


def _bench_splitters():
    """bench/splitters.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_splitters", BENCH_SPLITTERS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CANDIDATES = ["newsfuse", "naive-regex", "pysbd", "syntok", "blingfire"]


def test_bench_measures_these_candidates_and_the_product_splitter() -> None:
    splitters = _bench_splitters()
    assert sorted(splitters.SPLITTERS) == sorted(CANDIDATES)
    assert splitters.SPLITTERS["newsfuse"] is split_sentences


@pytest.mark.parametrize("name", CANDIDATES)
def test_every_candidate_returns_valid_spans(name: str) -> None:
    splitters = _bench_splitters()
    if name in splitters.REQUIRES:  # a rival from the `bench` extra
        pytest.importorskip(splitters.REQUIRES[name], reason=f'{name} needs the bench extra: pip install -e ".[bench]"')
    text = load_gold()[0]["text"] + "\n\n" + load_gold()[-1]["text"]
    check_invariants(text, splitters.SPLITTERS[name](text))


# --- gold accuracy -------------------------------------------------------------------------------


def test_gold_fixture_is_well_formed() -> None:
    records = load_gold()
    assert len(records) >= 120
    for rec in records:
        assert set(rec) == {"text", "sentences"}
        gold_spans(rec)  # raises if a sentence is not an in-order substring


def test_default_splitter_accuracy_on_gold() -> None:
    tp = fp = fn = exact = 0
    records = load_gold()
    for rec in records:
        gold, pred = gold_spans(rec), split_sentences(rec["text"])
        gb, pb = {e for _, e in gold[:-1]}, {e for _, e in pred[:-1]}
        tp, fp, fn = tp + len(gb & pb), fp + len(pb - gb), fn + len(gb - pb)
        exact += pred == gold
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= MIN_F1
    assert exact / len(records) >= MIN_EXACT


# --- tricky cases ----------------------------------------------------------------------------------

ONE_SENTENCE = [
    "The U.S. military and U.N. officials met in St. Louis on Sept. 5 at 10 a.m. Friday.",
    "Gen. Smith and Dr. Jones told Mr. Lee that it ranked No. 2 in the world.",
    "President John F. Kennedy visited on Jan. 3, 1961, with growth at 3.5 percent.",
    "The deal is worth $1.2 billion, or about 4.5 percent of sales.",
    '"It was ... a mistake," Carter said.',
    '"It was a mistake," Carter said.',
    "“We’re not going anywhere,” the protest leader said.",
    '"Why?" she asked.',
    "The report -- released late Thursday -- found no evidence.",
    "ROME (AFP) - Italian police arrested 14 people on Monday.",
    "WASHINGTON — The Senate voted 52-48 on Tuesday.",
    "the u.s. military said on tuesday that it will leave .",
    '" we will win , " he said .',
    "mr. smith , who lives in st. louis , declined to comment .",
]


@pytest.mark.parametrize("text", ONE_SENTENCE)
def test_no_false_break(text: str) -> None:
    assert sentences(text) == [text]


SPLIT_CASES = [
    ('He said "No." Then he left.', ['He said "No."', "Then he left."]),
    ("It grew in the U.S. The rest fell.", ["It grew in the U.S.", "The rest fell."]),
    ("The shooting was at 9:30 p.m. Police said he fled.", ["The shooting was at 9:30 p.m.", "Police said he fled."]),
    ("“It’s over,” he said. “We lost.” Nobody argued.", ["“It’s over,” he said.", "“We lost.”", "Nobody argued."]),
    (
        "The toll rose. (Names were withheld.) Funerals are set.",
        ["The toll rose.", "(Names were withheld.)", "Funerals are set."],
    ),
    ("Storm hits coast\nThe storm hit on Monday.", ["Storm hits coast", "The storm hit on Monday."]),
    ("First paragraph without a period\n\nsecond one", ["First paragraph without a period", "second one"]),
    ("He left.\nShe stayed.", ["He left.", "She stayed."]),
    ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
    ("the u.s. military said on tuesday . it will leave .", ["the u.s. military said on tuesday .", "it will leave ."]),
    ('" why ? " she asked . " why ? "', ['" why ? " she asked .', '" why ? "']),
    ('he said " no . " then he left .', ['he said " no . "', "then he left ."]),
    ("Key points:\n- Taxes rise.\n- Spending falls.", ["Key points:", "- Taxes rise.", "- Spending falls."]),
]


@pytest.mark.parametrize(("text", "expected"), SPLIT_CASES)
def test_splits(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_wrapped_line_after_comma_is_joined() -> None:
    assert sentences("The mayor, who took office in May,\nresigned on Friday.") == [
        "The mayor, who took office in May,\nresigned on Friday."
    ]


def test_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t ") == []


# --- start/end restriction --------------------------------------------------------------------------


def test_start_end_restriction() -> None:
    text = "Ignore this. Mr. Smith left. He came back. Ignore that too."
    start, end = text.index("Mr."), text.index("Ignore that")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Mr. Smith left.", "He came back."]
    assert all(start <= s and e <= end for s, e in spans)


def test_start_end_offsets_are_absolute() -> None:
    text = "xxxx Hello there. Bye now. yyyy"
    spans = split_sentences(text, 5, 26)
    assert spans == [(5, 17), (18, 26)]


def test_end_none_and_out_of_range() -> None:
    text = "One. Two."
    assert split_sentences(text, 0, None) == split_sentences(text) == split_sentences(text, 0, 999)
    assert split_sentences(text, 9, 3) == []


# --- large input ------------------------------------------------------------------------------------


def test_five_megabyte_text_splits() -> None:
    block = "\n\n".join(rec["text"] for rec in load_gold())
    text = (block + "\n\n") * (5_000_000 // len(block) + 1)
    text = text[:5_000_000]
    spans = split_sentences(text)
    assert len(spans) > 10_000
    sample = spans[::997] + spans[-5:]
    for s, e in sample:
        assert text[s:e] == text[s:e].strip() and e > s
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] <= len(text)


def test_glued_sentences_split():
    """Feed descriptions run sentences together without a space (Livemint: "in April.Previously")."""
    from newsfuse.segment import split_sentences

    text = "Modi met Xi in Wuhan last year in April.Previously, Modi hosted Xi in Ahmedabad."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Modi met Xi in Wuhan last year in April.",
        "Previously, Modi hosted Xi in Ahmedabad.",
    ]
    for whole in ("Mr.Smith went home.", "See example.com today.", "He is anti?Trump now.", "the u.s.army said."):
        assert len(split_sentences(whole)) == 1, whole


def test_glued_cuts_equal_the_lookbehind_regex_scan():
    import random

    from newsfuse.segment import _GLUED, _glued_boundary, _glued_cuts

    pieces = [
        "in April.Previously",
        "Mr.Smith",
        "ab.Cd",
        "x.Yes",
        "U.S.Army",
        "end.",
        "The",
        "said.Then",
        " ",
        ".",
        "aa.Bbb",
    ]
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        expected = [g.start() for g in _GLUED.finditer(text, start, end) if _glued_boundary(text, g.start())]
        assert _glued_cuts(text, start, end) == expected, (text, start, end)
    assert _glued_cuts("in April.Previously, Modi", 0, 25) == [9]
