"""The sentence splitters bench_segment.py measures: newsfuse's own and its rivals.

The rivals need the `bench` extra (pip install -e ".[dev,bench]"); each imports its library only
when called, so this module imports without them. `REQUIRES` names the module each one needs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from newsfuse.segment import _strip_span as strip_span  # noqa: E402  (the product's own rule)
from newsfuse.segment import split_sentences  # noqa: E402

Span = tuple[int, int]


_NAIVE = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+|\n\s*\n")


def naive(text: str) -> list[Span]:
    """Baseline: break after . ! ? (plus closers) before whitespace, and at blank lines."""
    spans, pos = [], 0
    for m in _NAIVE.finditer(text):
        spans.append(strip_span(text, pos, m.start() + len(m.group().rstrip())))
        pos = m.end()
    spans.append(strip_span(text, pos, len(text)))
    return [sp for sp in spans if sp]


def pysbd_spans(text: str) -> list[Span]:
    """pysbd (rule-based, Golden Rules) with character spans."""
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    spans = (strip_span(text, t.start, t.end) for t in seg.segment(text))
    return [sp for sp in spans if sp]


def syntok_spans(text: str) -> list[Span]:
    """syntok tokenizer-based segmenter; spans from first to last token offsets."""
    from syntok import segmenter

    spans: list[Span] = []
    for para in segmenter.analyze(text):
        for sent in para:
            toks = list(sent)
            if toks:
                spans.append((toks[0].offset, toks[-1].offset + len(toks[-1].value)))
    return [sp for sp in (strip_span(text, a, b) for a, b in spans) if sp]


def blingfire_spans(text: str) -> list[Span]:
    """BlingFire (compiled FSM) sentence breaker with character offsets."""
    import blingfire

    if not text.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    return [sp for sp in (strip_span(text, a, b) for a, b in offsets) if sp]


SPLITTERS: dict[str, Callable[[str], list[Span]]] = {
    "newsfuse": split_sentences,  # the product's splitter, the one the pipeline uses
    "naive-regex": naive,
    "pysbd": pysbd_spans,
    "syntok": syntok_spans,
    "blingfire": blingfire_spans,
}
# The module each splitter imports (the `bench` extra); the others need nothing beyond newsfuse.
REQUIRES: dict[str, str] = {"pysbd": "pysbd", "syntok": "syntok", "blingfire": "blingfire"}
