"""Document priority learned (issue 16): which article's lead best summarizes the story, by a model
trained on Multi-News train, measured as a pick, a gate and reranker features (a negative result).

Usage (from the repo root; about 16 min on the shared 2-core machine at load ~7, most of it the training rows):
    OMP_NUM_THREADS=1 PYTHONPATH=src python3 bench/bench_docprio.py --val 500
    OMP_NUM_THREADS=1 PYTHONPATH=src python3 bench/bench_docprio.py --val 500 --refit   # also the reranker refits
The second table weighs in the candidates' rouge against the articles' own leads (no model).

The model: LightGBM with the reranker's PARAMS and ROUNDS, one row an article of a training cluster
(after the first 30,000 of train: neither the sentence scorer's first 20,000 nor the reranker's
4,000 after 21,000), its features the reranker's 36 candidate features of the article's lead (its
fitting sentences in order, packed to the budget as the reranker's article-lead candidates are),
its lede's cosines to the other ledes, its TF-IDF priority (`rerank.priorities`) and each of 11
features' gap to the story's best lead; its label the lead's rouge1 + rouge2 F1 minus the story's
mean over its articles. Every number is before the order stage, scored by `train.rouge12`.
"""

from __future__ import annotations

import argparse
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
DOC_SKIP = 30000
RERANK_SKIP, RERANK_BUDGETS = 21000, (None, 260)  # train.RERANK_SKIP / RERANK_BUDGETS
GAPS = (
    "score_sum",
    "score_mean",
    "centroid_cos",
    "bigram_cover",
    "unigram_cover",
    "top_terms",
    "agreement_mean",
    "centrality_mean",
    "share_of_budget",
    "z_mean",
    "top10_share",
)
DOC_FEATURES = [
    *CANDIDATE_FEATURES,
    *("lede_sim_mean", "lede_sim_max", "prio", "prio_gap", "prio_rank", "n_articles", "lede_sim_gap"),
    *(f"{g}_gap" for g in GAPS),
]
CAND_EXTRA = ["dp_first", "dp_mean", "pred_share", "is_pred_lead", "prefix_share", "dp_first_raw", "dp_margin"]
_SCORER = None


def _init() -> None:
    global _SCORER
    from newsfuse.select.learned import LearnedSelector

    _SCORER = LearnedSelector.load()


def _text(story, feats, chosen) -> str:
    return "\n".join(story.sentences[feats.candidates[i]].text for i in chosen)


def cluster(item, budgets=(None,), pseudo=False):
    """Per budget: the reranker's candidates (rows, rouge, sentences' articles and positions), each
    article's lead as a candidate (rows, rouge), its whole lead's rouge (all its sentences in order,
    as bench_order's oracle) and the rouge of the score packing opening with its first two lead
    sentences; with `pseudo`, each candidate's mean rouge1 + rouge2 F1 against the articles' whole
    leads (pseudo-references) and whether an article is at least twice the budget; None when
    prepare rejects the cluster or nothing fits."""
    from newsfuse.prepare import prepare
    from newsfuse.select import default_budget
    from newsfuse.select import rerank as R
    from newsfuse.select._base import pack
    from newsfuse.train import rouge12

    raw, reference = item
    try:
        story = prepare(raw)
    except Exception:  # noqa: BLE001 - evaluate() skips such clusters too
        return None
    out = []
    settings = R.RerankSettings()
    for wanted in budgets:
        budget = wanted or default_budget(story)
        made = R.candidates(story, budget, _SCORER, settings)
        if made is None:
            return None
        feats = made.feats
        sents, lengths, scores, docs, prio, order = R._scored(story, feats, _SCORER)
        half = np.array([R.unbalanced_quotes(s.text) for s in sents], dtype=bool)
        if half.any():  # as candidates() lowers them
            scores = R.lowered(scores, half & R.fitting(scores))
            order = list(np.argsort(-scores, kind="stable"))
        redundant = R._with_referents(story, feats, sents, R._redundancy(feats, settings))
        positions = np.array([s.position for s in sents])
        leads, hybrids = {}, {}
        for d in range(len(story.articles)):
            in_order = sorted(np.flatnonzero((docs == d) & R.fitting(scores)).tolist(), key=lambda i: positions[i])
            if chosen := pack(sents, in_order, budget, redundant):
                leads[d] = chosen
                ranked = in_order[:2] + [i for i in order if i not in in_order[:2]]
                hybrids[d] = rouge12(_text(story, feats, pack(sents, ranked, budget, redundant)), reference)
        kept = [(c, 3, 1.0) for c in leads.values()]
        whole = []
        for d in leads:
            own = story.sentences_of(d)
            whole.append(rouge12("\n".join(own[i].text for i in pack(own, range(len(own)), budget)), reference))
        sim = feats.similarity.toarray() if hasattr(feats.similarity, "toarray") else np.asarray(feats.similarity)
        first = {d: c[0] for d, c in leads.items()}  # an article's lead sentence among the candidates
        lede = [[sim[first[d], first[e]] for e in leads if e != d] or [0.0] for d in leads]
        extra = {}
        if pseudo:
            refs = []
            for d in range(len(story.articles)):
                own = story.sentences_of(d)
                refs.append("\n".join(own[i].text for i in pack(own, range(len(own)), budget)))
            refs = [r for r in refs if r]
            extra["pseudo"] = np.array(
                [np.mean([sum(rouge12(_text(story, feats, c), r)) for r in refs]) for c in made.chosen]
            )
            longest = max(sum(s.words for s in story.sentences_of(d)) for d in range(len(story.articles)))
            extra["long"] = longest >= 2 * budget
        out.append(
            {
                **extra,
                "budget": budget,
                "matrix": made.matrix,
                "r12": np.array([rouge12(_text(story, feats, c), reference) for c in made.chosen]),
                "chosen": made.chosen,
                "docs": docs,
                "positions": positions,
                "lengths": lengths,
                "prio": prio,
                "n_articles": len(story.articles),
                "body_words": np.array([sum(s.words for s in story.sentences_of(d)) for d in leads]),
                "lead_docs": list(leads),
                "lead_chosen": list(leads.values()),
                "lead_matrix": R._candidate_matrix(story, feats, kept, scores, lengths, docs, prio, budget)
                if kept
                else None,
                "lead_r12": np.array([rouge12(_text(story, feats, c), reference) for c in leads.values()]),
                "whole_r12": np.array(whole),
                "hybrid_r12": np.array([hybrids[d] for d in leads]),
                "lede_sim": np.array([[np.mean(v), np.max(v)] for v in lede]),
            }
        )
    return out


def rows_of(pairs, budgets=(None,), pseudo=False) -> list[dict]:
    """`cluster` of each (story, reference) pair, by two spawned workers, rejected clusters dropped."""
    with get_context("spawn").Pool(2, _init) as pool:
        made = pool.map(partial(cluster, budgets=budgets, pseudo=pseudo), list(pairs), chunksize=8)
    return [b for r in made if r for b in r]


def doc_rows(c: dict) -> np.ndarray | None:
    """The document-priority features of a story's articles with a lead (columns: DOC_FEATURES)."""
    if c["lead_matrix"] is None:
        return None
    m = c["lead_matrix"].astype(float)
    prio = c["prio"][c["lead_docs"]]
    lede = c["lede_sim"]
    rank = np.argsort(np.argsort(-prio))
    n = np.full(len(prio), c["n_articles"])
    extra = np.column_stack([lede, prio, prio - c["prio"].max(), rank, n, lede[:, 0] - lede[:, 0].max()])
    gaps = np.column_stack([m[:, CANDIDATE_FEATURES.index(g)] - m[:, CANDIDATE_FEATURES.index(g)].max() for g in GAPS])
    return np.hstack([m, extra, gaps])


def fit_docs(train: list[dict], seed: int = 0):
    import lightgbm as lgb

    X, y = [], []
    for c in train:
        if (rows := doc_rows(c)) is not None:
            label = c["lead_r12"].sum(axis=1)
            X.append(rows)
            y.append(label - label.mean())
    params = {**PARAMS, "seed": seed, "deterministic": True}
    return lgb.train(params, lgb.Dataset(np.vstack(X), np.concatenate(y)), ROUNDS)


def predicted(model, c: dict) -> np.ndarray:
    """The model's value of each article (NaN for one without a lead)."""
    out = np.full(c["n_articles"], np.nan)
    if (rows := doc_rows(c)) is not None:
        out[c["lead_docs"]] = model.predict(rows)
    return out


def picks(model, shipped: Reranker, data: list[dict]) -> dict[str, np.ndarray]:
    """Per story, rouge1 / rouge2 of each way to choose (the oracles choose by their sum)."""
    share = CANDIDATE_FEATURES.index("share_of_budget")
    out: dict[str, list] = {}
    for c in data:
        if c["lead_matrix"] is None:  # no article has a fitting lead: not a document-priority story
            continue
        pick = c["r12"][int(np.argmax(shipped.score(c["matrix"])))]
        at = int(np.argmax(predicted(model, c)[c["lead_docs"]]))  # an index into lead_docs
        by_prio = int(np.argmax(c["prio"][c["lead_docs"]]))
        fires = c["body_words"].max() >= 2 * c["budget"]
        full_length = c["lead_matrix"][at, share] >= 0.9
        rows = {
            "shipped reranker's pick": pick,
            "lead of the best-covering article (TF-IDF priority)": c["lead_r12"][by_prio],
            "lead of the model's article": c["lead_r12"][at],
            "whole lead of the model's article (all its sentences)": c["whole_r12"][at],
            "model's article's first two lead sentences, then the score packing": c["hybrid_r12"][at],
            "gate: the model's lead where an article is >= 2x the budget and its lead full-length": c["lead_r12"][at]
            if fires and full_length
            else pick,
            "best article's lead (oracle)": c["lead_r12"][int(np.argmax(c["lead_r12"].sum(axis=1)))],
            "best article's whole lead (oracle)": c["whole_r12"][int(np.argmax(c["whole_r12"].sum(axis=1)))],
            "best candidate (oracle)": c["r12"][int(np.argmax(c["r12"].sum(axis=1)))],
        }
        for name, got in rows.items():
            out.setdefault(name, []).append(got)
    return {name: np.array(v) for name, v in out.items()}


def paired(a: np.ndarray, b: np.ndarray) -> str:
    """Mean per-story difference of rouge1 and of rouge2, ± standard error."""
    d = a - b
    se = d.std(axis=0, ddof=1) / np.sqrt(len(d))
    return f"{d[:, 0].mean():+.2f} ± {se[0]:.2f} | {d[:, 1].mean():+.2f} ± {se[1]:.2f}"


def pick_table(sets: dict[str, list[dict]], model, shipped: Reranker) -> None:
    print("\n| set | choice | rouge1 | rouge2 | Δ rouge1 vs the reranker | Δ rouge2 |\n|---|---|---:|---:|---|---|")
    for name, data in sets.items():
        got = picks(model, shipped, data)
        base = got["shipped reranker's pick"]
        for row, v in got.items():
            r1, r2 = v.mean(axis=0)
            print(f"| {name} | {row} | {r1:.2f} | {r2:.2f} | {paired(v, base)} |")


def _z(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / (v.std() + 1e-9)


def pseudo_table(sets: dict[str, list[dict]], shipped: Reranker) -> None:
    """The reranker's score plus a weight times the candidates' rouge against the articles' whole
    leads (each z-scored within the story), for every story and only where an article is at least
    twice the budget (full text's shape: 72% of fulltext-dev, 8% of validation)."""
    print("\n| set | choice | rouge1 | rouge2 | Δ rouge1 vs the reranker | Δ rouge2 |\n|---|---|---:|---:|---|---|")
    for name, data in sets.items():
        scores = [shipped.score(c["matrix"]) for c in data]
        base = np.array([c["r12"][int(np.argmax(s))] for c, s in zip(data, scores)])
        print(f"| {name} | shipped reranker's pick | {base[:, 0].mean():.2f} | {base[:, 1].mean():.2f} | — | — |")
        print(f"| {name} | (an article >= 2x the budget in {100 * np.mean([c['long'] for c in data]):.0f}%) | | | | |")
        for weight in (0.1, 0.25, 0.5):
            for gated in (False, True):
                got = np.array(
                    [
                        c["r12"][int(np.argmax(_z(s) + weight * (c["long"] or not gated) * _z(c["pseudo"])))]
                        for c, s in zip(data, scores)
                    ]
                )
                label = f"+ {weight} x rouge to the leads" + (", where an article >= 2x the budget" if gated else "")
                print(f"| {name} | {label} | {got[:, 0].mean():.2f} | {got[:, 1].mean():.2f} | {paired(got, base)} |")


def cand_extra(c: dict, value: np.ndarray) -> np.ndarray:
    """Per candidate (columns: CAND_EXTRA): its first sentence's article's predicted value (gap to
    the best article's, and raw), its words' mean gap, the share of its words from the predicted
    best article, whether it is that article's lead, the share of its words that open their
    article in order (every earlier candidate sentence of the article chosen too), and the
    story's margin between its best two articles."""
    docs, pos, lengths = c["docs"], c["positions"], c["lengths"]
    value = np.where(np.isnan(value), np.nanmin(value), value) if not np.isnan(value).all() else np.zeros(len(value))
    gap, best = value - value.max(), int(np.argmax(value))
    ranked = np.sort(value)[::-1]
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else 0.0
    lead = frozenset(c["lead_chosen"][c["lead_docs"].index(best)]) if best in c["lead_docs"] else None
    rows = []
    for chosen in c["chosen"]:
        w = lengths[chosen]
        total, have = max(1, w.sum()), set(chosen)
        opening = sum(
            lengths[i] for i in chosen if all(j in have for j in np.flatnonzero((docs == docs[i]) & (pos < pos[i])))
        )
        rows.append(
            [
                gap[docs[chosen[0]]],
                (gap[docs[chosen]] * w).sum() / total,
                w[docs[chosen] == best].sum() / total,
                float(lead is not None and frozenset(chosen) == lead),
                opening / total,
                value[docs[chosen[0]]],
                margin,
            ]
        )
    return np.array(rows)


def refit_table(rerank: list[dict], sets: dict[str, list[dict]], model) -> None:
    """The reranker refitted on its own training rows (seeds 0, 1, 2, mean of their picks' rouge)
    with the shipped 36 columns and with the document-priority columns added."""
    import lightgbm as lgb

    names = CANDIDATE_FEATURES + CAND_EXTRA
    subsets = {
        "shipped 36": CANDIDATE_FEATURES,
        "36 + all 7 document-priority columns": names,
        "36 + the 5 predicted-article columns": CANDIDATE_FEATURES
        + ["dp_first", "dp_mean", "pred_share", "is_pred_lead", "dp_margin"],
        "36 + prefix_share": CANDIDATE_FEATURES + ["prefix_share"],
    }

    def matrix(c: dict, cols: list[int]) -> np.ndarray:
        return np.hstack([c["matrix"].astype(float), cand_extra(c, predicted(model, c))])[:, cols]

    base: dict[str, np.ndarray] = {}
    print(
        "\n| columns | "
        + " | ".join(f"{s} rouge1 | rouge2 | Δ rouge1 | Δ rouge2" for s in sets)
        + " |\n|---|"
        + "---:|---:|---|---|" * len(sets)
    )
    for label, subset in subsets.items():
        cols = [names.index(n) for n in subset]
        X = np.vstack([matrix(c, cols) for c in rerank])
        y = np.concatenate([c["r12"].mean(axis=1) - c["r12"].mean() for c in rerank])
        mean: dict[str, list] = {s: [] for s in sets}
        for seed in (0, 1, 2):
            booster = lgb.train({**PARAMS, "seed": seed, "deterministic": True}, lgb.Dataset(X, y), ROUNDS)
            for s, data in sets.items():
                mean[s].append([c["r12"][int(np.argmax(booster.predict(matrix(c, cols))))] for c in data])
        cells = []
        for s in sets:
            got = np.mean(mean[s], axis=0)
            base.setdefault(s, got)
            cells.append(f"{got[:, 0].mean():.2f} | {got[:, 1].mean():.2f} | {paired(got, base[s])}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--train", type=int, default=4000, help="training clusters of the document model")
    parser.add_argument("--refit", action="store_true", help="also refit the reranker with its columns")
    parser.add_argument("--rerank-train", type=int, default=4000, help="--refit: the reranker's training clusters")
    args = parser.parse_args()
    train = rows_of(islice(load_clusters(TRAIN, truncated=True), DOC_SKIP, DOC_SKIP + args.train))
    model = fit_docs(train)
    gain = model.feature_importance("gain")
    top = sorted(zip(gain / gain.sum(), DOC_FEATURES), reverse=True)[:8]
    print(f"document model: {len(train)} clusters; gain " + ", ".join(f"{n} {g:.2f}" for g, n in top))
    sets = {
        "fulltext-dev": rows_of(load_clusters(FULLTEXT), pseudo=True),
        f"validation ({args.val})": rows_of(load_clusters(VALIDATION, args.val, truncated=True), pseudo=True),
    }
    pick_table(sets, model, Reranker.load())
    pseudo_table(sets, Reranker.load())
    if args.refit:
        pairs = islice(load_clusters(TRAIN, truncated=True), RERANK_SKIP, RERANK_SKIP + args.rerank_train)
        refit_table(rows_of(pairs, RERANK_BUDGETS), sets, model)


if __name__ == "__main__":
    main()
