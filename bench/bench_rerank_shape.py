"""Reranker refits for full text (issue 16, a negative result): features invariant to the training
text's truncation, training rows shaped like full text, a reference-length predictor as features or a
hard length cap, and the candidates against the other articles' union as a pseudo-reference.

Usage (from the repo root; about 15 min on the shared 2-core machine, most of it the training rows):
    OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 python3 bench/bench_rerank_shape.py --val 500

Every number is the reranker's pick before the order stage, scored by `train.rouge12` (rouge1 /
rouge2 F1). The refits use the shipped reranker's training rows (`train.rerank_rows`' clusters: 4,000
after the first 21,000 of train at `train.RERANK_BUDGETS`; a refit of the 36 shipped columns at seed
0 predicts as `models/rerank.json`), LightGBM with the shipped `PARAMS` / `ROUNDS` at seeds 0, 1, 2;
a story's rouge is the mean over the three seeds' picks, Δ paired against the refit of the 36
shipped columns, ± standard error over stories.
"""

from __future__ import annotations

import argparse
import re
from functools import partial
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from newsfuse.evaluate import load_clusters
from newsfuse.select.rerank import CANDIDATE_FEATURES, PARAMS, ROUNDS, Reranker

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FULLTEXT = DATA / "fulltext-dev.jsonl"
VALIDATION = DATA / "multinews" / "validation.jsonl.gz"
TRAIN = DATA / "multinews" / "train.jsonl.gz"
RERANK_SKIP, RERANK_BUDGETS = 21000, (None, 260)  # train.RERANK_SKIP / RERANK_BUDGETS
# fulltext-dev's median budget / story words (0.21; validation's 0.40) and reference / budget (0.84;
# validation's 1.43): the shaped rows' budget and their references' cut
SHAPED_BUDGET, SHAPED_MIN = 0.21, 40
REF_CUTS = (0.85, 1.0, None)  # the reference's first sentences to this share of the budget (None: whole)
STORY = ("budget", "log_budget", "n_docs", "n_origins", "n_cands", "log_story_words")
SEEDS = (0, 1, 2)
_SCORER = None


def _init() -> None:
    global _SCORER
    from newsfuse.select.learned import LearnedSelector

    _SCORER = LearnedSelector.load()


def cut_reference(reference: str, words: float) -> str:
    """The reference's first sentences to about `words` words (the one crossing it when nearer)."""
    out: list[str] = []
    n = 0
    for sentence in re.split(r"(?<=[.!?])\s+|(?<=[.!?][\"”’])\s+", reference.strip()):
        w = len(sentence.split())
        if n >= words or (out and n + w - words > words - n):
            break
        out.append(sentence)
        n += w
    return " ".join(out)


def _union_f1(grams: list, chosen: list[int], refs: list[int]) -> float:
    """Mean rouge1/rouge2 F1 of the chosen sentences' grams against the `refs` sentences' (x100)."""
    from collections import Counter

    out = []
    for kind in grams:
        got, ref = Counter(), Counter()
        for i in chosen:
            got.update(kind[i])
        for i in refs:
            ref.update(kind[i])
        hits = sum(min(c, ref[k]) for k, c in got.items() if k in ref)
        p, r = hits / max(1, sum(got.values())), hits / max(1, sum(ref.values()))
        out.append(200 * p * r / (p + r) if hits else 0.0)
    return float(np.mean(out))


def cluster(item, budgets=(None,), shaped=False, pseudo=False):
    """Per budget: the candidate rows, their rouge against the reference (with `shaped`, at the
    full-text-shaped budget against each cut of the reference), the story's article count and
    reference words; with `pseudo`, each candidate's F1 against the rest of the story's candidate
    sentences and against the other articles' (those none of its sentences come from). None when
    prepare rejects the cluster or nothing fits."""
    from newsfuse.errors import NewsfuseError
    from newsfuse.prepare import prepare
    from newsfuse.select import default_budget
    from newsfuse.select.rerank import RerankSettings, candidates
    from newsfuse.train import _ngram_counts, rouge12, rouge_tokens

    raw, reference = item
    try:
        story = prepare(raw)
    except NewsfuseError:
        return None
    words = sum(s.words for s in story.sentences)
    if shaped:
        budgets = (int(max(SHAPED_MIN, round(SHAPED_BUDGET * words))),)
    out = []
    for wanted in budgets:
        budget = wanted or default_budget(story)
        made = candidates(story, budget, _SCORER, RerankSettings())
        if made is None:
            return None
        sents = [story.sentences[i] for i in made.feats.candidates]
        texts = ["\n".join(sents[i].text for i in chosen) for chosen in made.chosen]
        refs = {
            cut: cut_reference(reference, cut * budget) if cut else reference
            for cut in (REF_CUTS if shaped else (None,))
        }
        row = {
            "X": made.matrix,
            "r12": {cut: np.array([rouge12(t, ref) for t in texts]) for cut, ref in refs.items()},
            "n_articles": len(story.articles),
            "ref_words": len(reference.split()),
            "budget": budget,
            "story_words": words,
        }
        if pseudo:
            toks = [rouge_tokens(s.text) for s in sents]
            grams = [[_ngram_counts(t, n) for t in toks] for n in (1, 2)]
            docs = [s.document for s in sents]
            everyone = range(len(sents))
            row["rest"] = np.array([_union_f1(grams, c, [i for i in everyone if i not in c]) for c in made.chosen])
            row["others"] = np.array(
                [_union_f1(grams, c, [i for i in everyone if docs[i] not in {docs[j] for j in c}]) for c in made.chosen]
            )
        out.append(row)
    return out


def rows_of(pairs, limit: int, **kw) -> list[dict]:
    """`cluster` of each pair by two spawned workers, the first `limit` usable clusters' rows."""
    with get_context("spawn").Pool(2, _init) as pool:
        made = pool.map(partial(cluster, **kw), list(pairs), chunksize=8)
    return [b for r in [r for r in made if r][:limit] for b in r]


def fitted(rows: list[dict], cut, transform, cols, seed: int):
    """A LightGBM refit on the rows (labels: mean rouge1/2 F1 against the reference cut `cut`,
    centred per story), predicting from `transform(X)[:, cols]`."""
    import lightgbm as lgb

    X = np.vstack([transform(r["X"]) for r in rows])
    y = np.concatenate([r["r12"][cut].mean(axis=1) - r["r12"][cut].mean() for r in rows])
    cols = list(range(X.shape[1])) if cols is None else cols
    params = {**PARAMS, "seed": seed, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(X[:, cols], y), ROUNDS)
    return lambda m: booster.predict(transform(m)[:, cols], num_threads=1)


def picked(data: list[dict], score) -> np.ndarray:
    """Per story, rouge1 / rouge2 of the candidate `score(row)` rates highest."""
    return np.array([r["r12"][None][int(np.argmax(score(r)))] for r in data])


def _story_cols() -> list[int]:
    return [CANDIDATE_FEATURES.index(f) for f in STORY]


def relative(kind: str, keep: bool):
    """Rows with each candidate feature also (keep) or only (not keep: with the story's features)
    as its within-story z-score or rank share: what a feature says against the story's other
    candidates reads the same on truncated and full text."""
    own = [j for j, f in enumerate(CANDIDATE_FEATURES) if f not in STORY]

    def transform(X: np.ndarray) -> np.ndarray:
        c = X[:, own].astype(float)
        if kind == "z":
            rel = (c - c.mean(axis=0)) / (c.std(axis=0) + 1e-9)
        else:
            rel = np.argsort(np.argsort(c, axis=0, kind="stable"), axis=0) / max(1, len(c) - 1)
        return np.hstack([X, rel]) if keep else np.hstack([X[:, _story_cols()], rel])

    return transform


def length_predictor(train: list[dict]) -> dict[int, float]:
    """Mean reference words by article count (capped at 6) on the training clusters (one row a
    cluster: the default budget's)."""
    by: dict[int, list[int]] = {}
    for r in train[:: len(RERANK_BUDGETS)]:
        by.setdefault(min(6, r["n_articles"]), []).append(r["ref_words"])
    return {k: float(np.mean(v)) for k, v in by.items()}


def with_length(pred: dict[int, float]):
    """Rows with the predicted reference words, the candidate's words and the budget over it."""
    nd, w, b = (CANDIDATE_FEATURES.index(f) for f in ("n_docs", "words", "budget"))
    default = float(np.mean(list(pred.values())))

    def transform(X: np.ndarray) -> np.ndarray:
        p = np.array([pred.get(min(6, int(n)), default) for n in X[:, nd]])
        return np.hstack([X, np.column_stack([p, X[:, w] / p, X[:, b] / p])])

    return transform


def _same(X: np.ndarray) -> np.ndarray:
    return X


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def table(sets: dict[str, list[dict]], rows: list[tuple[str, dict[str, np.ndarray]]], base: dict[str, np.ndarray]):
    print("| columns / rows | " + " | ".join(f"{s} rouge1 / rouge2 | Δ rouge1 | Δ rouge2" for s in sets) + " |")
    print("|---|" + "---|---|---|" * len(sets))
    for name, got in rows:
        cells = []
        for s in sets:
            d = got[s] - base[s]
            se = d.std(axis=0) / np.sqrt(len(d))
            r = got[s].mean(axis=0)
            cells.append(
                f"{r[0]:.2f} / {r[1]:.2f} | {d[:, 0].mean():+.2f} ± {se[0]:.2f} | {d[:, 1].mean():+.2f} ± {se[1]:.2f}"
            )
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def refits(train, shaped, sets) -> None:
    """The first table: refits with each transform / extra rows, seeds averaged per story."""

    def run(rows, cut=None, transform=_same, cols=None, extra=()):
        got = {s: 0.0 for s in sets}
        for seed in SEEDS:
            model = fitted(list(rows) + list(extra), cut, transform, cols, seed)
            for s, data in sets.items():
                got[s] = got[s] + picked(data, lambda r, m=model: m(r["X"])) / len(SEEDS)
        return got

    check = fitted(train, None, _same, None, 0)
    shipped = Reranker.load()
    gap = max(float(np.abs(check(r["X"]) - shipped.score(r["X"])).max()) for d in sets.values() for r in d)
    print(f"the 36-column refit at seed 0 against models/rerank.json: largest difference {gap:.3g}")
    base = run(train)
    out = [("shipped 36 (refit)", base)]
    for kind in ("z", "rank"):
        out.append((f"36 + within-story {kind} of each candidate feature", run(train, transform=relative(kind, True))))
        out.append((f"story features + within-story {kind} only", run(train, transform=relative(kind, False))))
    for cut in REF_CUTS:
        named = f"reference cut to {cut:.2f} x budget" if cut else "whole reference"
        shaped_rows = [{**r, "r12": {None: r["r12"][cut]}} for r in shaped]
        out.append((f"full-text-shaped rows only, {named}", run(shaped_rows)))
        out.append((f"shipped rows + full-text-shaped rows, {named}", run(train, extra=shaped_rows)))
    pred = length_predictor(train)
    print("predicted reference words by article count (train):", {k: round(v) for k, v in sorted(pred.items())})
    n = len(CANDIDATE_FEATURES)
    out.append(("36 + predicted reference words, words and budget over it", run(train, transform=with_length(pred))))
    out.append(
        (
            "36 + words over the predicted reference words",
            run(train, transform=with_length(pred), cols=[*range(n), n + 1]),
        )
    )
    table(sets, out, base)
    caps(sets, pred)


def caps(sets, pred) -> None:
    """The second table: the shipped model's pick among the candidates up to c x the reference's
    length (predicted from the article count, or the reference's own: an oracle)."""
    shipped = Reranker.load()
    w = CANDIDATE_FEATURES.index("words")
    base = {s: picked(d, lambda r: shipped.score(r["X"])) for s, d in sets.items()}

    def capped(c, own):
        def score(r):
            limit = c * (r["ref_words"] if own else pred.get(min(6, r["n_articles"]), 230.0))
            words = r["X"][:, w]
            ok = words <= limit if (words <= limit).any() else words == words.min()
            return np.where(ok, shipped.score(r["X"]), -np.inf)

        return score

    rows = [("shipped model's pick", base)]
    for c in (1.0, 1.2, 1.4):
        rows.append(
            (f"up to {c} x the predicted reference words", {s: picked(d, capped(c, False)) for s, d in sets.items()})
        )
        rows.append(
            (
                f"up to {c} x the reference's own words (oracle)",
                {s: picked(d, capped(c, True)) for s, d in sets.items()},
            )
        )
    rows.append(("the longest candidate", {s: picked(d, lambda r: r["X"][:, w]) for s, d in sets.items()}))
    table(sets, rows, base)


def pseudo(sets) -> None:
    """The third table: the shipped model's z-scored prediction plus a weight times the z-scored F1
    against the rest of the story, or against the articles the candidate does not draw on."""
    shipped = Reranker.load()
    base = {s: picked(d, lambda r: shipped.score(r["X"])) for s, d in sets.items()}
    rows = [("shipped model's pick", base)]
    for key, named in (("rest", "the rest of the story"), ("others", "the other articles")):
        for weight in (0.1, 0.25, 0.5, 1.0):
            got = {
                s: picked(d, lambda r, w=weight, k=key: _z(shipped.score(r["X"])) + w * _z(r[k]))
                for s, d in sets.items()
            }
            rows.append((f"+ {weight} x F1 against {named}", got))
    table(sets, rows, base)


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0]) if np.std(a) > 0 and np.std(b) > 0 else float("nan")


def look(sets) -> None:
    """Where full text differs: the shapes, the shipped pick against a random full-length candidate
    and the oracle, the oracle's candidate against the pick (features in within-story standard
    deviations, those with |t| > 2), the reference's length against the article count, and the
    within-story Spearman correlation of the model and of single features with the label."""
    shipped = Reranker.load()
    share = CANDIDATE_FEATURES.index("share_of_budget")
    for name, data in sets.items():
        ratio = np.median([r["budget"] / r["story_words"] for r in data])
        ref = np.median([r["ref_words"] / r["budget"] for r in data])
        picks = [int(np.argmax(shipped.score(r["X"]))) for r in data]
        best = [int(np.argmax(r["r12"][None].sum(axis=1))) for r in data]
        long = [r["r12"][None][r["X"][:, share] >= min(0.95, r["X"][:, share].max())].mean(axis=0) for r in data]
        print(
            f"{name}: budget / story words {ratio:.2f}, reference / budget {ref:.2f}, pick's share median",
            f"{np.median([r['X'][k, share] for r, k in zip(data, picks)]):.2f}; a full-length candidate",
            np.mean(long, axis=0).round(2),
            "pick",
            picked(data, lambda r: shipped.score(r["X"])).mean(axis=0).round(2),
            "oracle",
            picked(data, lambda r: r["r12"][None].sum(axis=1)).mean(axis=0).round(2),
        )
        gap = np.array([(r["X"][b] - r["X"][k]) / (r["X"].std(axis=0) + 1e-9) for r, k, b in zip(data, picks, best)])
        t = gap.mean(axis=0) / np.maximum(gap.std(axis=0) / np.sqrt(len(gap)), 1e-9)
        print(
            "  oracle - pick:",
            ", ".join(
                f"{f} {gap[:, j].mean():+.2f} (t {t[j]:+.1f})"
                for j, f in enumerate(CANDIDATE_FEATURES)
                if abs(t[j]) > 2
            ),
        )
        print(
            f"  reference words ~ article count: Spearman {_spearman([r['ref_words'] for r in data], [r['n_articles'] for r in data]):.2f}"
        )
        within = {"model": [_spearman(shipped.score(r["X"]), r["r12"][None].sum(axis=1)) for r in data]}
        for f in ("bigram_cover", "top10_share", "unigram_cover", "centroid_cos", "share_of_budget"):
            j = CANDIDATE_FEATURES.index(f)
            within[f] = [_spearman(r["X"][:, j], r["r12"][None].sum(axis=1)) for r in data]
        print("  within-story Spearman:", ", ".join(f"{k} {np.nanmean(v):.2f}" for k, v in within.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--train", type=int, default=4000, help="the refits' training clusters")
    args = parser.parse_args()
    sets = {
        "fulltext-dev (50)": rows_of(load_clusters(FULLTEXT), 50, pseudo=True),
        f"validation ({args.val})": rows_of(
            islice(load_clusters(VALIDATION, truncated=True), args.val), args.val, pseudo=True
        ),
    }
    look(sets)
    pseudo(sets)
    skip = islice(load_clusters(TRAIN, truncated=True), RERANK_SKIP, RERANK_SKIP + args.train + args.train // 10 + 10)
    pairs = list(skip)
    train = rows_of(pairs, args.train, budgets=RERANK_BUDGETS)
    shaped = rows_of(pairs, args.train, shaped=True)
    refits(train, shaped, sets)


if __name__ == "__main__":
    main()
