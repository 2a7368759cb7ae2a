"""Benchmark every sentence splitter in bench/splitters.py (newsfuse's and its rivals): accuracy on the gold set, speed.

The rivals come from the `bench` extra (pip install -e ".[dev,bench]"); a missing one is skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# bench/ is on sys.path when this script runs
from splitters import SPLITTERS  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "sentences_gold.jsonl"
# Records from this index on were written after the newsfuse rules were tuned on the ones before.
HELD_OUT_FROM = 155
Span = tuple[int, int]


def load_gold(path: Path = GOLD) -> list[dict]:
    """Gold records {"text", "sentences"} with sentence spans added under "spans"."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            rec["spans"] = gold_spans(rec["text"], rec["sentences"])
            records.append(rec)
    return records


def gold_spans(text: str, sentences: list[str]) -> list[Span]:
    """Locate each gold sentence in text, in order."""
    spans, pos = [], 0
    for sent in sentences:
        i = text.index(sent, pos)
        spans.append((i, i + len(sent)))
        pos = i + len(sent)
    return spans


def boundaries(spans: list[Span]) -> set[int]:
    """Internal boundaries: the end offset of every sentence but the last."""
    return {e for _, e in spans[:-1]}


def score(split: Callable[[str], list[Span]], records: list[dict]) -> dict[str, float]:
    """Boundary precision/recall/F1 (micro) and exact-paragraph accuracy."""
    tp = fp = fn = exact = 0
    for rec in records:
        pred = split(rec["text"])
        gold_b, pred_b = boundaries(rec["spans"]), boundaries(pred)
        tp += len(gold_b & pred_b)
        fp += len(pred_b - gold_b)
        fn += len(gold_b - pred_b)
        exact += pred == rec["spans"]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "exact": exact / len(records)}


def big_text(records: list[dict], chars: int) -> str:
    """Synthetic large article: gold paragraphs repeated to about `chars` characters."""
    block = "\n\n".join(rec["text"] for rec in records)
    return "\n\n".join([block] * (chars // len(block) + 1))[:chars]


def speed(split: Callable[[str], list[Span]], text: str, repeat: int) -> float:
    """Best-of-`repeat` characters per second on text."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        split(text)
        best = min(best, time.perf_counter() - t0)
    return len(text) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chars", type=int, default=1_000_000, help="size of the synthetic speed text")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    records = load_gold()
    text = big_text(records, args.chars)
    rows = []
    for name, split in SPLITTERS.items():
        try:
            acc = score(split, records)
        except ImportError as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
            continue
        held = score(split, records[HELD_OUT_FROM:])
        cased = score(split, [r for r in records if "\n" not in r["text"] and r["text"] != r["text"].lower()])
        rows.append((name, acc, held, cased, speed(split, text, args.repeat)))
    print_table(rows, records, text, args.repeat)


def print_table(rows: list[tuple], records: list[dict], text: str, repeat: int) -> None:
    """Markdown table, best F1 first; speed relative to the fastest candidate.

    "cased one-line" = gold paragraphs with no newline and not lower-cased: ordinary prose,
    where libraries are not penalized for not implementing the headline-line rule or tokenized text.
    """
    fastest = max(row[-1] for row in rows)
    print(
        f"Gold: {len(records)} paragraphs, {sum(len(r['spans']) for r in records)} sentences "
        f"(held-out: {len(records) - HELD_OUT_FROM} paragraphs); "
        f"speed text: {len(text):,} chars, best of {repeat}.\n"
    )
    print(
        "| splitter | boundary P | boundary R | boundary F1 | exact paragraphs "
        "| held-out F1 | held-out exact | cased one-line F1 | chars/s | time vs fastest |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, a, h, c, cps in sorted(rows, key=lambda r: -r[1]["f1"]):
        print(
            f"| {name} | {a['precision']:.3f} | {a['recall']:.3f} | {a['f1']:.3f} | {a['exact']:.3f} "
            f"| {h['f1']:.3f} | {h['exact']:.3f} | {c['f1']:.3f} | {cps:,.0f} | {fastest / cps:.1f}x |"
        )


if __name__ == "__main__":
    main()
