"""Score quote extraction (newsfuse.quotes.find_quotes, which compare uses) on PolNeAR.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_quotes.py [--split train dev] [--limit N] [--threshold 0.3]

Scoring (../shared/data/trust/README.md, the Gender Gap Tracker's rule): a gold quote matches the
prediction that covers the largest share of its characters, if that share is above --threshold;
matching is greedy and one to one. Span P = matched / predicted, R = matched / gold.
Speaker accuracy is over matched quotes whose annotated source is a named person (the source's
coreference chain holds a proper name): right when the predicted speaker's mention overlaps the
gold Source mention (GGT's rule) or the predicted name's surname is a word of the gold names.
"strict" (a column of its own) asks more of a predicted name of two or more words: it is right only
when one gold name holds both its first and its last word (the lenient check counts "Bill Clinton"
right for Hillary Clinton's quote, by surname, and any name right whose mention overlaps the gold
one); a name of one word or none is scored as by the lenient check.
"he/she named" is over the matched named quotes whose predicted mention is "he" or "she": the share
whose resolved name is right by the name alone (strict for two words or more, surname for one; no
name is wrong), since both checks above count any pronoun right whose mention is the gold one.
Gold quotes of one word are left out: a single quoted word is a scare quote.
compare's older finder, which this bench also scored, is gone; its last dev numbers are in
docs/benchmarks.md ("Quotes on PolNeAR").
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsfuse.clean import clean
from newsfuse.quotes import find_quotes

ROOT = Path(__file__).resolve().parents[1]
TRUST = ROOT.parent / "shared" / "data" / "trust"
MIN_GOLD_WORDS = 2
_WORD = re.compile(r"[\w’']+")


@dataclass(frozen=True)
class Pred:
    start: int
    end: int
    speaker: str | None
    speaker_start: int | None = None
    speaker_end: int | None = None


def new_path(text: str) -> list[Pred]:
    blocks = [(b.start, b.end) for b in clean(text)] if text.strip() else []
    return [Pred(q.start, q.end, q.speaker, q.speaker_start, q.speaker_end) for q in find_quotes(text, blocks)]


def load(split: str, limit: int | None = None) -> list[dict]:
    with open(TRUST / f"quotes_polnear_{split}.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return records[:limit] if limit else records


def match(gold: Sequence[dict], preds: Sequence[Pred], threshold: float) -> dict[int, int]:
    """Gold index -> prediction index, greedy by covered share of the gold quote's characters."""
    pairs = []
    for i, g in enumerate(gold):
        length = max(1, g["end"] - g["start"])
        for j, p in enumerate(preds):
            share = (min(g["end"], p.end) - max(g["start"], p.start)) / length
            if share > threshold:
                pairs.append((share, i, j))
    found: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in found and j not in used:
            found[i] = j
            used.add(j)
    return found


def named(g: dict) -> bool:
    return bool(g["speaker_names"]) and g["speaker"] is not None


def speaker_right(g: dict, p: Pred) -> bool:
    spans = p.speaker_start is not None and g["speaker_start"] is not None
    if spans and min(g["speaker_end"], p.speaker_end or 0) > max(g["speaker_start"], p.speaker_start or 0):
        return True
    if not p.speaker:
        return False
    surname = _WORD.findall(p.speaker)[-1:] or [""]
    gold_words = {w.lower() for n in [*g["speaker_names"], g["speaker"]] for w in _WORD.findall(n)}
    return surname[0].lower().removesuffix("’s").removesuffix("'s") in gold_words


def speaker_strict(g: dict, p: Pred) -> bool:
    words = [w.lower().removesuffix("’s").removesuffix("'s") for w in _WORD.findall(p.speaker or "")]
    if len(words) < 2:
        return speaker_right(g, p)
    return name_right(g, words)


def name_right(g: dict, words: list[str]) -> bool:
    """Whether a predicted name's lower-cased words name the gold speaker: one gold name holds its
    first and last word (its only word, for one)."""
    names = [{w.lower() for w in _WORD.findall(n)} for n in [*g["speaker_names"], g["speaker"]]]
    return bool(words) and any(words[0] in n and words[-1] in n for n in names)


def pronoun_named(text: str, g: dict, p: Pred) -> bool | None:
    """For a quote attributed to "he" or "she", whether its resolved name is right (else None)."""
    if p.speaker_start is None or text[p.speaker_start : p.speaker_end].lower() not in ("he", "she"):
        return None
    return name_right(g, [w.lower().removesuffix("’s").removesuffix("'s") for w in _WORD.findall(p.speaker or "")])


def score(records: list[dict], extract: Callable[[str], list[Pred]], threshold: float) -> dict[str, float]:
    n_gold = n_pred = n_match = n_named = n_right = n_strict = n_none = n_pronoun = n_pronoun_right = 0
    for r in records:
        gold = [g for g in r["quotes"] if g["words"] >= MIN_GOLD_WORDS]
        preds = extract(r["text"])
        found = match(gold, preds, threshold)
        n_gold, n_pred, n_match = n_gold + len(gold), n_pred + len(preds), n_match + len(found)
        for i, j in found.items():
            if named(gold[i]):
                n_named += 1
                n_right += speaker_right(gold[i], preds[j])
                n_strict += speaker_strict(gold[i], preds[j])
                pronoun = pronoun_named(r["text"], gold[i], preds[j])
                n_pronoun += pronoun is not None
                n_pronoun_right += bool(pronoun)
                n_none += preds[j].speaker is None
    p, rec = n_match / max(1, n_pred), n_match / max(1, n_gold)
    return {
        "P": 100 * p,
        "R": 100 * rec,
        "F1": 200 * p * rec / max(1e-9, p + rec),
        "speaker": 100 * n_right / max(1, n_named),
        "strict": 100 * n_strict / max(1, n_named),
        "pronoun": 100 * n_pronoun_right / max(1, n_pronoun),
        "pronouns": n_pronoun,
        "no speaker": 100 * n_none / max(1, n_named),
        "named": n_named,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", nargs="+", default=["train", "dev"], choices=["train", "dev"])
    parser.add_argument("--limit", type=int, default=None, help="first N articles of each split")
    parser.add_argument("--threshold", type=float, default=0.3, help="quote match threshold (GGT: 0.3)")
    args = parser.parse_args()
    paths = {"quotes.find_quotes": new_path}
    print(
        "| split | extractor | span P | span R | span F1 | speaker right | strict | he/she named | no speaker | named quotes |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for split in args.split:
        records = load(split, args.limit)
        for name, extract in paths.items():
            s = score(records, extract, args.threshold)
            print(
                f"| {split} | {name} | {s['P']:.1f} | {s['R']:.1f} | {s['F1']:.1f} | {s['speaker']:.2f}% "
                f"| {s['strict']:.2f}% | {s['pronoun']:.1f}% of {s['pronouns']} | {s['no speaker']:.1f}% | {s['named']} |"
            )


if __name__ == "__main__":
    main()
