"""Evaluate the learned selector beside centrality, lead and LexRank; ablations and length study.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_selection.py results            # main table
    PYTHONPATH=src python3 bench/bench_selection.py tune               # selection settings on validation
    PYTHONPATH=src python3 bench/bench_selection.py ablation           # feature groups (retrains)
    PYTHONPATH=src python3 bench/bench_selection.py length             # fixed lengths vs the rule
    PYTHONPATH=src python3 bench/bench_selection.py rerank             # summary-level selection ablation
    PYTHONPATH=src python3 bench/bench_selection.py candidates --old REV   # the reranker's candidates against REV's
Options: --val N (validation clusters, default 500), --train N (ablation training clusters).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from newsfuse.evaluate import ROUGE_TYPES, load_clusters, rouge
from newsfuse.features import FEATURES, GROUPS
from newsfuse.prepare import prepare
from newsfuse.select import default_budget, get_selector
from newsfuse.select.learned import MODEL_PATH, LearnedSelector, ModelFile
from newsfuse.select.order import arrange
from newsfuse.select.rerank import CANDIDATE_FEATURES, RERANK_VERSION, Reranker, RerankSettings, candidates
from newsfuse.train import build_rows, rouge12

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FULLTEXT = DATA / "fulltext-dev.jsonl"
VALIDATION = DATA / "multinews" / "validation.jsonl.gz"
TRAIN = DATA / "multinews" / "train.jsonl.gz"


def prepared(kind: str, limit: int | None) -> list[tuple]:
    """(prepared story, reference) pairs of fulltext-dev or a validation sample."""
    pairs = load_clusters(FULLTEXT, limit) if kind == "fulltext" else load_clusters(VALIDATION, limit, truncated=True)
    out = []
    for story, reference in pairs:
        try:
            story = prepare(story)
        except Exception:  # noqa: BLE001 - evaluate() skips such clusters too
            continue
        out.append((story, reference))
    return out


def run(systems: dict, clusters: list[tuple], budget_of=default_budget) -> dict:
    """Mean ROUGE, words and ms/cluster of each system on the same prepared stories and budgets,
    and the median CPU ms a cluster ("cpu_median")."""
    totals = {name: dict.fromkeys(ROUGE_TYPES, 0.0) | {"words": 0.0, "ms": 0.0} for name in systems}
    cpu: dict[str, list[float]] = {name: [] for name in systems}
    for story, reference in clusters:
        budget = budget_of(story)
        for name, selector in systems.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            chosen = selector(story, budget)
            elapsed = time.perf_counter() - start
            cpu[name].append(1000 * (time.process_time() - start_cpu))
            for k, v in rouge("\n".join(s.text for s in chosen), reference).items():
                totals[name][k] += v
            totals[name]["words"] += sum(s.words for s in chosen)
            totals[name]["ms"] += 1000 * elapsed
    n = max(1, len(clusters))
    return {
        name: {k: round(v / n, 2) for k, v in t.items()} | {"cpu_median": round(float(np.median(cpu[name] or [0])), 2)}
        for name, t in totals.items()
    }


def table(title: str, scores: dict) -> str:
    lexrank_ms = scores.get("lexrank", {}).get("ms")
    lines = [
        f"\n{title}",
        "| system | rouge1 | rouge2 | rougeL | rougeLsum | words | ms/cluster | x faster than LexRank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in scores.items():
        ratio = f"{lexrank_ms / s['ms']:.1f}" if lexrank_ms and s["ms"] else "-"
        lines.append(
            f"| {name} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeL']:.2f} | {s['rougeLsum']:.2f} "
            f"| {s['words']:.0f} | {s['ms']:.1f} | {ratio} |"
        )
    return "\n".join(lines)


def cmd_results(args) -> None:
    start = time.perf_counter()
    learned = LearnedSelector.load(args.model)
    load_ms = 1000 * (time.perf_counter() - start)
    learned(prepared("fulltext", 1)[0][0], 100)  # warm-up (imports), excluded like the model load
    systems = {"learned": learned, **{n: get_selector(n) for n in ("centrality", "lead", "lexrank")}}
    print(f"model load: {load_ms:.0f} ms (once per process, excluded from ms/cluster)")
    for kind, limit in (("fulltext", None), ("validation", args.val)):
        clusters = prepared(kind, limit)
        print(table(f"{kind} ({len(clusters)} clusters, default length rule)", run(systems, clusters)))


def cmd_tune(args) -> None:
    """Selection settings on validation (fulltext shown for reference only, not used to choose)."""
    model = ModelFile.read(args.model or MODEL_PATH)
    grid = [
        {"trigram_block": 0, "mmr": 0.0},
        {"trigram_block": 1, "mmr": 0.0},
        {"trigram_block": 1, "block_share": 0.2},
        {"trigram_block": 1, "mmr": 0.05},
        {"trigram_block": 1, "mmr": 0.1},
        {"trigram_block": 0, "mmr": 0.1},
        {"trigram_block": 1, "min_words": 8},
        {"trigram_block": 1, "max_words": 50},
    ]
    offsets = [{"max_offset": m} for m in (150, 200, 300, 500, 100000)]
    for kind, limit in (("validation", args.val), ("fulltext", None)):
        clusters = prepared(kind, limit)
        for setting in grid + (offsets if kind == "fulltext" else []):
            selector = LearnedSelector.from_model_file(model, replace(model.settings, **setting))
            systems = {json.dumps(setting): selector}
            s = next(iter(run(systems, clusters).values()))
            print(
                kind, json.dumps(setting), s["rouge1"], s["rouge2"], s["rougeL"], s["rougeLsum"], s["words"], flush=True
            )


def cmd_ablation(args) -> None:
    """Retrain without each feature group (and with each label), score validation and fulltext."""
    if args.rows:  # rows saved from build_rows (np.savez) of the first clusters of train
        data = dict(np.load(args.rows))
        n = int(data["groups"][: args.train].sum())
        data = {
            "X": data["X"][:n],
            "soft": data["soft"][:n],
            "oracle": data["oracle"][:n],
            "groups": data["groups"][: args.train],
        }
    else:
        data = build_rows(TRAIN, args.train, True, "ablation rows")
    val, full = prepared("validation", args.val), prepared("fulltext", None)
    runs = [("all features", FEATURES, args.target), ("all, soft labels (regression)", FEATURES, "soft")]
    runs += [(f"- {g}", [f for f in FEATURES if f not in names], args.target) for g, names in GROUPS.items()]
    for label, feats, target in runs:
        objective = {"oracle": "binary", "rank": "lambdarank", "soft": "regression"}[target]
        learned = LearnedSelector(objective=objective, rounds=args.rounds, features=feats)
        learned.fit(data["X"], data["soft" if target == "soft" else "oracle"], group=data["groups"])
        selector = {"learned": learned}
        v, f = run(selector, val)["learned"], run(selector, full)["learned"]
        print(
            f"| {label} | {v['rouge1']:.2f} | {v['rouge2']:.2f} | {f['rouge1']:.2f} | {f['rouge2']:.2f} |", flush=True
        )


def cmd_length(args) -> None:
    """ROUGE at fixed lengths and at the default rule, on both sets."""
    learned = LearnedSelector.load(args.model)
    for kind, limit in (("validation", args.val), ("fulltext", None)):
        clusters = prepared(kind, limit)
        refs = [len(r.split()) for _, r in clusters]
        print(f"{kind}: reference words mean {np.mean(refs):.0f}, median {np.median(refs):.0f}")
        rules = {f"fixed {w}": (lambda s, w=w: w) for w in (200, 230, 260, 300)}
        rules |= {"default rule": default_budget}
        for label, budget_of in rules.items():
            s = run({"learned": learned}, clusters, budget_of)["learned"]
            print(
                f"| {kind} | {label} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeLsum']:.2f} | {s['words']:.0f} |",
                flush=True,
            )


class _FirstOfVariant:
    """The learned greedy packing opening with the best-covering article's lead (the reranker's
    doc-priority candidate at full length), for the ablation: no model picks."""

    def __init__(self, scorer, settings) -> None:
        self.scorer, self.settings = scorer, settings

    def __call__(self, story, budget):
        made = candidates(story, budget, self.scorer, self.settings)
        if made is None:
            return []
        variants = made.matrix[:, CANDIDATE_FEATURES.index("variant")]
        shares = made.matrix[:, CANDIDATE_FEATURES.index("share_of_budget")]
        pick = int(np.argmax(np.where(variants == 1, 10.0, 0.0) + shares))  # the longest of variant 1, else of 0
        return [story.sentences[made.feats.candidates[i]] for i in made.chosen[pick]]


def rerank_systems(model: str | None) -> dict:
    """The ablation rows: baselines, learned, its redundancy controls and doc priority, the reranker."""
    learned = LearnedSelector.load(model)
    reranker = Reranker.load().with_scorer(learned)
    shipped = reranker.settings
    single = RerankSettings(shares=(1.0,), doc_priority=False, swaps=0)
    systems: dict = {n: get_selector(n) for n in ("lead", "lexrank")}
    systems["learned (current default)"] = learned
    for redundancy, sim in (("none", 0.5), ("trigram", 0.5), ("4gram", 0.5), ("similarity", 0.5), ("similarity", 0.3)):
        label = redundancy + (f" >= {sim}" if redundancy == "similarity" else "")
        systems[f"learned greedy, {label} blocking"] = reranker.with_settings(
            replace(single, redundancy=redundancy, similarity=sim)
        )
    systems["learned greedy + best document's lead first"] = _FirstOfVariant(
        learned, replace(single, doc_priority=True)
    )
    systems["rerank: lengths only"] = reranker.with_settings(replace(shipped, doc_priority=False, swaps=0))
    systems["rerank: + doc-priority candidates"] = reranker.with_settings(replace(shipped, swaps=0))
    systems["rerank: + leave-one-out candidates (shipped)"] = reranker
    for redundancy in ("4gram", "none"):
        systems[f"rerank, {redundancy} blocking"] = reranker.with_settings(replace(shipped, redundancy=redundancy))
    return systems


def cmd_rerank(args) -> None:
    """Summary-level selection: each addition as a row, fulltext-dev and validation in one run."""
    systems = rerank_systems(args.model)
    rouge_rows(systems, {kind: prepared(kind, limit) for kind, limit in (("fulltext", None), ("validation", args.val))})


def rouge_rows(systems: dict, sets: dict, cpu: bool = True) -> dict:
    """Each system's ROUGE on the fulltext and validation clusters (imports and model loads
    excluded), printed as one table (`cpu`: with the median CPU column); the results returned."""
    warm = prepared("fulltext", 1)[0][0]
    for selector in systems.values():
        selector(warm, 100)  # imports and model loads, excluded
    results = {kind: run(systems, clusters) for kind, clusters in sets.items()}
    cpu_head, cpu_rule = (" median CPU ms full / val |", "---|") if cpu else ("", "")
    print(
        f"| system | fulltext-dev ({len(sets['fulltext'])}) R1 / R2 / RL / RLsum "
        f"| validation ({len(sets['validation'])}) R1 / R2 / RL / RLsum | words full / val |{cpu_head}"
    )
    print(f"|---|---|---|---|{cpu_rule}")
    for name in systems:
        f, v = results["fulltext"][name], results["validation"][name]
        cells = [" / ".join(f"{s[k]:.2f}" for k in ROUGE_TYPES) for s in (f, v)]
        cost = f" {f['cpu_median']:.1f} / {v['cpu_median']:.1f} |" if cpu else ""
        print(f"| {name} | {cells[0]} | {cells[1]} | {f['words']:.0f} / {v['words']:.0f} |{cost}")
    return results


def _old_reranker(rev: str, scorer: LearnedSelector) -> Reranker:
    """The reranker model file of revision `rev` (a file without the newer candidate settings reads
    as the candidates it was trained on), over the sentence scorer given."""
    text = subprocess.run(
        ["git", "-C", str(Path(__file__).resolve().parents[1]), "show", f"{rev}:src/newsfuse/models/rerank.json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        handle.write(text)
        handle.flush()
        model = ModelFile.read(handle.name, RERANK_VERSION, CANDIDATE_FEATURES)
    return Reranker.from_model_file(model, scorer)


def _arranged(selector):
    """The selector as the pipeline gives it: its sentences through the order stage."""
    return lambda story, budget: arrange(story, selector(story, budget), budget, lambda words: selector(story, words))


def _oracle(reranker: Reranker, clusters: list[tuple]) -> tuple[float, float]:
    """Mean rouge1 / rouge2 of each story's best candidate (by their sum) under the reranker's settings."""
    best = []
    for story, reference in clusters:
        made = candidates(story, default_budget(story), reranker.scorer, reranker.settings)
        if made is None:
            best.append((0.0, 0.0))
            continue
        texts = ["\n".join(story.sentences[made.feats.candidates[i]].text for i in c) for c in made.chosen]
        best.append(max((rouge12(t, reference) for t in texts), key=sum))
    r1, r2 = np.mean(best, axis=0)
    return float(r1), float(r2)


def cmd_candidates(args) -> None:
    """The reranker against revision --old's, each before and after the order stage, the new
    candidate kinds left out one at a time (same model, not retrained), and the candidates' oracle.
    No CPU column: a story's features are computed once and shared, so the first reranker pays them."""
    learned = LearnedSelector.load(args.model)
    new = Reranker.load().with_scorer(learned)
    old = _old_reranker(args.old, learned)
    rerankers = {
        f"rerank at {args.old}": old,
        "rerank, no half-quote demotion": new.with_settings(replace(new.settings, whole_quotes=False)),
        "rerank, no article-lead candidates": new.with_settings(replace(new.settings, article_leads=0)),
        "rerank, openers without their referent packed": new.with_settings(replace(new.settings, referents=False)),
        "rerank (this branch)": new,
    }
    systems: dict = {"lead (arranged)": _arranged(get_selector("lead"))}
    for name, reranker in rerankers.items():
        systems[f"{name}, before order"] = reranker
        systems[f"{name}, after order"] = _arranged(reranker)
    kinds = (("fulltext", None), ("validation", args.val))
    sets = {kind: prepared(kind, limit) for kind, limit in kinds}
    rouge_rows(systems, sets, cpu=False)
    print("\n| candidates' oracle (the best of each story's, R1 / R2) | fulltext-dev | validation |\n|---|---|---|")
    for name in (f"rerank at {args.old}", "rerank (this branch)"):
        cells = [" / ".join(f"{x:.2f}" for x in _oracle(rerankers[name], sets[kind])) for kind, _ in kinds]
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    _cost({f"rerank at {args.old}": old, "rerank (this branch)": new})


def _cost(rerankers: dict) -> None:
    """Median CPU ms a fulltext-dev cluster of each reranker, each on its own fresh copy of the
    prepared stories (nothing shared), the two alternated twice."""
    times: dict[str, list[float]] = {name: [] for name in rerankers}
    for _ in range(2):
        for name, reranker in rerankers.items():
            for story, _reference in prepared("fulltext", None):
                start = time.process_time()
                reranker(story, default_budget(story))
                times[name].append(1000 * (time.process_time() - start))
    print(
        "\nmedian CPU ms a fulltext-dev cluster (fresh stories): "
        + ", ".join(f"{name} {np.median(t):.1f}" for name, t in times.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["results", "tune", "ablation", "length", "rerank", "candidates"])
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--train", type=int, default=15000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--model", default=None)
    parser.add_argument("--rows", default=None, help="np.savez of build_rows output, to skip feature building")
    parser.add_argument("--target", default="oracle", help="ablation objective: oracle (binary), rank, soft")
    parser.add_argument("--old", default="HEAD", help="candidates: the revision whose reranker is compared")
    args = parser.parse_args()
    {
        "results": cmd_results,
        "tune": cmd_tune,
        "ablation": cmd_ablation,
        "length": cmd_length,
        "rerank": cmd_rerank,
        "candidates": cmd_candidates,
    }[args.command](args)


if __name__ == "__main__":
    main()
