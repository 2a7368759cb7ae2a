"""Trust on public sets: `newsfuse.compare` measured on data nobody here wrote (trust issue, item 7).

The data is /work/shared/data/trust (read its README.md); it is read in place, never copied.

1. ECB+ (`facts_ecbplus_{train,dev}.jsonl`): each story's documents are compared as Articles with
   their outlet. Every gold sentence is mapped to the facts with a Source span of its document that
   overlaps it by at least one character. Reported: corroboration recall (gold body sentences with a
   `same_fact` partner in another article that end up in a fact of >= 2 origins), and same-fact
   pair precision/recall (a predicted pair is two gold sentences of different articles in one
   fact), also on the cleaner contrast strict positives vs pairs sharing no event and no entity.
2. FNC-1 (`conflicts_fnc1_train.jsonl`, the only FNC-1 file, so it is tuning data, not a test): an
   article pair is flagged when one reported disagreement has a claim sourced in one article and
   a different claim sourced in the other. Reported: share of consistent pairs flagged (false
   disagreements) and of conflicting pairs flagged (conflict recall), disagreements per story.
3. `--sample N`: N reported disagreements (fixed seed, half ECB+ dev, half FNC-1) written with
   their sentences to `--sample-out` (outside the repo: it holds article text) for a hand check;
   `--judgements PATH` scores a JSONL of {key, real, note} against them by key.
4. Run time per story (prepare + compare).

Commands (from the repository root, /work/wt-trustbench):
    PYTHONPATH=src python bench/bench_trust.py                      # ECB+ dev and FNC-1
    PYTHONPATH=src python bench/bench_trust.py --split train        # ECB+ train and FNC-1
    PYTHONPATH=src python bench/bench_trust.py --limit 5            # first 5 stories of each set
    PYTHONPATH=src python bench/bench_trust.py --sample 50 --sample-out /tmp/trust-sample.jsonl
    PYTHONPATH=src python bench/bench_trust.py --judgements bench/judgements/disagreements-2026-12-01.jsonl

Facts and disagreements are read only through the typed `Comparison` fields; a fact counts as
corroborated when it has >= 2 origins, and every status value met (including ones this script
does not know, such as "partial") is counted and printed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsfuse import Article, Story, prepare
from newsfuse.compare import compare
from newsfuse.model import Comparison, Disagreement

ROOT = Path(__file__).resolve().parents[1]
TRUST = ROOT.parent / "shared" / "data" / "trust"
FNC1 = TRUST / "conflicts_fnc1_train.jsonl"
SEED = 20261201
SAMPLE_OUT = Path("/tmp/trust-disagreement-sample.jsonl")


def ecbplus_path(split: str) -> Path:
    return TRUST / f"facts_ecbplus_{split}.jsonl"


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
                if limit is not None and len(records) >= limit:
                    break
    return records


@dataclass
class Run:
    """One story compared: its record, the comparison and the seconds it took."""

    record: dict
    comparison: Comparison
    seconds: float


def run_story(record: dict) -> Run:
    articles = [Article(text=d["text"], outlet=d.get("outlet"), id=str(d.get("id"))) for d in record["documents"]]
    start = time.perf_counter()
    comparison = compare(prepare(Story(articles=articles, id=record["id"])))
    return Run(record, comparison, time.perf_counter() - start)


def run_all(records: Iterable[dict], label: str) -> list[Run]:
    runs = []
    for record in records:
        runs.append(run_story(record))
        print(f"  {label} {record['id']}: {runs[-1].seconds:.2f} s", file=sys.stderr)
    return runs


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}" if d else "–"


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- ECB+ -----------------------------------------------------------------------------------


def facts_of_sentences(run: Run) -> list[set[int]]:
    """Per gold sentence, the indices of the facts with a source overlapping it (same document)."""
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for k, fact in enumerate(run.comparison.facts):
        for src in fact.sources:
            spans[src.document].append((src.start, src.end, k))
    return [
        {k for start, end, k in spans.get(s["document"], ()) if start < s["end"] and s["start"] < end}
        for s in run.record["sentences"]
    ]


@dataclass
class EcbCounts:
    recall_gold: int = 0  # body sentences with a same_fact partner in another article
    in_corroborated: int = 0  # ...that are in a fact of >= 2 origins
    with_partner: int = 0  # ...in a fact that also holds one of their gold partners
    unmapped: int = 0  # ...that no fact covers at all
    pairs: Counter = field(default_factory=Counter)  # (subset, gold, predicted) -> n
    statuses: Counter = field(default_factory=Counter)
    status_mismatch: int = 0  # facts whose status disagrees with origins >= 2 (for a new status)


def score_ecbplus(runs: list[Run]) -> EcbCounts:
    c = EcbCounts()
    for run in runs:
        facts = run.comparison.facts
        for fact in facts:
            c.statuses[fact.status] += 1
            if (fact.status == "corroborated") != (fact.origins >= 2):
                c.status_mismatch += 1
        sentences = run.record["sentences"]
        mapped = facts_of_sentences(run)
        partners: dict[int, set[int]] = defaultdict(set)
        for p in run.record["pairs"]:
            a, b = p["a"], p["b"]
            predicted = bool(mapped[a] & mapped[b])
            body = not (sentences[a]["headline"] or sentences[b]["headline"])
            for subset in ("all", "body") if body else ("all",):
                c.pairs[(subset, p["same_fact"], predicted)] += 1
                if p["strict_same_fact"]:
                    c.pairs[(subset + "-strict", True, predicted)] += 1
                elif not p["shared_events"] and not p["shared_entities"]:
                    c.pairs[(subset + "-strict", False, predicted)] += 1
            if p["same_fact"]:
                partners[a].add(b)
                partners[b].add(a)
        for i, s in enumerate(sentences):
            if s["headline"] or not partners[i]:
                continue
            c.recall_gold += 1
            c.unmapped += not mapped[i]
            corroborated = {k for k in mapped[i] if facts[k].origins >= 2}
            c.in_corroborated += bool(corroborated)
            c.with_partner += any(corroborated & mapped[j] for j in partners[i])
    return c


def report_ecbplus(c: EcbCounts, split: str, stories: int) -> None:
    print(f"\n### ECB+ {split} ({stories} stories)\n")
    n = c.recall_gold
    print(
        table(
            ["corroboration recall (body sentences with a same_fact partner)", "sentences", "%"],
            [
                ["in a corroborated fact (>= 2 origins)", f"{c.in_corroborated}/{n}", pct(c.in_corroborated, n)],
                ["...that also holds one of its gold partners", f"{c.with_partner}/{n}", pct(c.with_partner, n)],
                ["in no fact at all (too short, or not a candidate)", f"{c.unmapped}/{n}", pct(c.unmapped, n)],
            ],
        )
    )
    rows = []
    for subset, name in (
        ("all", "all pairs: same_fact"),
        ("body", "pairs without a headline: same_fact"),
        ("all-strict", "strict_same_fact vs no shared event/entity"),
        ("body-strict", "the same, without headlines"),
    ):
        tp, fp = c.pairs[(subset, True, True)], c.pairs[(subset, False, True)]
        fn, tn = c.pairs[(subset, True, False)], c.pairs[(subset, False, False)]
        rows.append([name, tp + fn, fp + tn, tp + fp, pct(tp, tp + fp), pct(tp, tp + fn)])
    print()
    print(table(["same-fact pairs", "positives", "negatives", "predicted", "precision", "recall"], rows))
    statuses = ", ".join(f"{s} {k}" for s, k in sorted(c.statuses.items()))
    print(f"\nFact statuses: {statuses}; status vs origins >= 2 differ on {c.status_mismatch} facts.")


# ---- FNC-1 ----------------------------------------------------------------------------------


def flagged_pairs(d: Disagreement) -> set[tuple[int, int]]:
    """Article pairs this disagreement puts on different sides (a document on both sides of
    it still pairs with the documents of the other claims)."""
    docs = [{s.document for s in claim.sources} for claim in d.claims]
    pairs = set()
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            pairs |= {(min(a, b), max(a, b)) for a in docs[i] for b in docs[j] if a != b}
    return pairs


def report_fnc1(runs: list[Run]) -> None:
    counts: Counter = Counter()
    kinds: Counter = Counter()
    stories_with: Counter = Counter()
    for run in runs:
        flagged = set().union(*(flagged_pairs(d) for d in run.comparison.disagreements))
        for label in ("consistent", "conflicts"):
            for p in run.record[label]:
                counts[(label, "pairs")] += 1
                counts[(label, "flagged")] += (min(p["a"], p["b"]), max(p["a"], p["b"])) in flagged
        here = Counter(d.kind for d in run.comparison.disagreements)
        kinds.update(here)
        stories_with.update(here.keys())
        counts["flagged any"] += len(flagged)
        counts["article pairs"] += len(run.record["documents"]) * (len(run.record["documents"]) - 1) // 2
    print(f"\n### FNC-1 train ({len(runs)} stories; the only FNC-1 file, so tuning data)\n")
    rows = []
    for label, name in (
        ("consistent", "consistent pairs (false disagreements)"),
        ("conflicts", "conflicting pairs (conflict recall)"),
    ):
        n, f = counts[(label, "pairs")], counts[(label, "flagged")]
        rows.append([name, n, f, pct(f, n)])
    rows.append(
        [
            "all article pairs of the stories",
            counts["article pairs"],
            counts["flagged any"],
            pct(counts["flagged any"], counts["article pairs"]),
        ]
    )
    print(table(["article pairs", "pairs", "flagged", "% flagged"], rows))
    print()
    rows = [[k, kinds[k], f"{kinds[k] / len(runs):.2f}", stories_with[k]] for k in sorted(kinds)]
    total = sum(kinds.values())
    rows.append(
        ["all", total, f"{total / len(runs):.2f}" if runs else "–", sum(1 for r in runs if r.comparison.disagreements)]
    )
    print(table(["disagreements by kind", "reported", "per story", "stories with one"], rows))


def report_times(groups: list[tuple[str, list[Run]]]) -> None:
    rows = []
    for name, runs in groups:
        if not runs:
            continue
        t = [r.seconds for r in runs]
        docs = sum(len(r.record["documents"]) for r in runs)
        rows.append(
            [
                name,
                len(runs),
                f"{docs / len(runs):.1f}",
                f"{statistics.mean(t):.2f}",
                f"{statistics.median(t):.2f}",
                f"{max(t):.2f}",
            ]
        )
    print("\n### Run time per story (prepare + compare, one process)\n")
    print(table(["set", "stories", "articles/story", "mean s", "median s", "max s"], rows))


# ---- hand check -----------------------------------------------------------------------------


def disagreement_key(story_id: str, d: Disagreement) -> str:
    """Stable across runs: the story, the kind and the sorted claim values."""
    return " | ".join([story_id, d.kind, *sorted(c.value for c in d.claims)])


def sample_record(run: Run, d: Disagreement, dataset: str) -> dict:
    return {
        "key": disagreement_key(run.record["id"], d),
        "dataset": dataset,
        "story": run.record["id"],
        "kind": d.kind,
        "topic": d.topic,
        "claims": [
            {
                "value": c.value,
                "text": c.text,
                "outlets": sorted({s.outlet or f"document {s.document}" for s in c.sources}),
            }
            for c in d.claims
        ],
    }


def draw_sample(ecb: list[Run], fnc: list[Run], n: int, seed: int) -> list[dict]:
    """n disagreements, half from each set where it has enough (distinct keys, fixed seed)."""
    pools = []
    for dataset, runs in (("ecbplus-dev", ecb), ("fnc1-train", fnc)):
        pool: dict[str, dict] = {}
        for run in runs:
            for d in run.comparison.disagreements:
                pool.setdefault(disagreement_key(run.record["id"], d), sample_record(run, d, dataset))
        pools.append([pool[k] for k in sorted(pool)])
    rng = random.Random(seed)
    for pool in pools:
        rng.shuffle(pool)
    first = min(len(pools[0]), n // 2)
    second = min(len(pools[1]), n - first)
    first = min(len(pools[0]), n - second)
    return pools[0][:first] + pools[1][:second]


def report_judgements(path: Path, sample: list[dict] | None) -> None:
    verdicts = {r["key"]: r for r in read_jsonl(path)}
    by_set: Counter = Counter()
    real: Counter = Counter()
    kinds_real: Counter = Counter()
    kinds_all: Counter = Counter()
    missing = 0
    known = {r["key"]: r for r in sample} if sample is not None else None
    for key, v in verdicts.items():
        if known is not None and key not in known:
            missing += 1
            continue
        dataset = "fnc1-train" if key.startswith("fnc1") else "ecbplus"
        kind = key.split(" | ")[1]
        by_set[dataset] += 1
        real[dataset] += bool(v["real"])
        kinds_all[kind] += 1
        kinds_real[kind] += bool(v["real"])
    print(f"\n### Hand check: {path.name}\n")
    rows = [[s, by_set[s], real[s], pct(real[s], by_set[s])] for s in sorted(by_set)]
    rows.append(["all", sum(by_set.values()), sum(real.values()), pct(sum(real.values()), sum(by_set.values()))])
    print(table(["set", "judged", "real", "% real"], rows))
    print()
    print(
        table(
            ["kind", "judged", "real", "% real"],
            [[k, kinds_all[k], kinds_real[k], pct(kinds_real[k], kinds_all[k])] for k in sorted(kinds_all)],
        )
    )
    if known is not None:
        unjudged = [k for k in known if k not in verdicts]
        print(f"\nJudged keys not in the current sample: {missing}; sampled keys not judged: {len(unjudged)}.")


# ---- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("train", "dev"), default="dev", help="ECB+ split (FNC-1 has only train)")
    parser.add_argument("--limit", type=int, default=None, help="first N stories of each set")
    parser.add_argument(
        "--sample",
        type=int,
        nargs="?",
        const=50,
        default=None,
        help="draw N disagreements (default 50) for a hand check; uses ECB+ dev and FNC-1",
    )
    parser.add_argument(
        "--sample-out",
        type=Path,
        default=SAMPLE_OUT,
        help=f"where the sample goes (default {SAMPLE_OUT}; keep it out of the repo)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--judgements", type=Path, default=None, help="JSONL of {key, real, note}: print the share judged real"
    )
    args = parser.parse_args(argv)

    if args.judgements is not None and args.sample is None:
        report_judgements(args.judgements, None)
        return
    if args.sample is not None and args.sample_out.resolve().is_relative_to(ROOT):
        parser.error("--sample-out must be outside the repository: the sample holds article text")
    split = "dev" if args.sample is not None else args.split
    print(f"Running ECB+ {split} and FNC-1 train (limit {args.limit or 'none'})...", file=sys.stderr)
    ecb = run_all(read_jsonl(ecbplus_path(split), args.limit), "ecb+")
    fnc = run_all(read_jsonl(FNC1, args.limit), "fnc1")
    if args.sample is not None:
        sample = draw_sample(ecb, fnc, args.sample, args.seed)
        with args.sample_out.open("w", encoding="utf-8") as f:
            for r in sample:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"Wrote {len(sample)} disagreements to {args.sample_out}", file=sys.stderr)
        if args.judgements is not None:
            report_judgements(args.judgements, sample)
        return
    report_ecbplus(score_ecbplus(ecb), split, len(ecb))
    report_fnc1(fnc)
    report_times([(f"ECB+ {split}", ecb), ("FNC-1 train", fnc)])


if __name__ == "__main__":
    main()
