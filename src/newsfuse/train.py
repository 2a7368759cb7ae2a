"""Train the learned selector on Multi-News: ROUGE labels and feature rows, then `LearnedSelector.fit`.

This module only prepares the data; the estimator, its settings and the model file are in
`select/learned.py`.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import NewsfuseError
from .evaluate import load_clusters
from .features import story_features
from .model import Story
from .select import Selector
from .select.learned import ROUNDS, LearnedSelector, LearnedSettings, ModelFile

__all__ = ["train", "build_rows", "rouge_tokens", "sentence_labels", "evaluate_validation"]

MODEL_FILE = "learned.json"
# Clusters of the training file used by default: the full run stays well under 25 minutes on 2 cores.
DEFAULT_TRAIN_LIMIT = 20000
VALIDATION_EVAL = 500
VALIDATION_BUDGET = 260
# The settings the training rows are built with (candidates: `max_offset`) and the model ships with.
SETTINGS = LearnedSettings()

_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    from nltk.stem import porter

    return _stemmer(porter).stem(token) if len(token) > 3 else token


_STEMMER = None


def _stemmer(porter):
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = porter.PorterStemmer()
    return _STEMMER


def rouge_tokens(text: str) -> list[str]:
    """Tokens as rouge-score sees them (lower-case alphanumerics, Porter-stemmed above 3 chars)."""
    return [_stem(t) for t in _NON_ALNUM_RE.sub(" ", text.lower()).split()]


def _ngram_counts(tokens: list[str], n: int) -> Counter:
    return Counter(zip(*[tokens[i:] for i in range(n)]))


def _overlap_matrix(sent_counts: list[Counter], ref: Counter) -> np.ndarray:
    """(sentences x reference n-grams) counts, clipped later against the reference counts."""
    keys = {g: k for k, g in enumerate(ref)}
    out = np.zeros((len(sent_counts), max(1, len(keys))))
    for r, counts in enumerate(sent_counts):
        for g, c in counts.items():
            k = keys.get(g)
            if k is not None:
                out[r, k] = c
    return out


def sentence_labels(texts: list[str], reference: str, oracle_words: int = 260) -> tuple[np.ndarray, np.ndarray]:
    """Soft labels (mean of the sentence's ROUGE-1 and ROUGE-2 F1 against the reference) and a
    greedy ROUGE-1+2 oracle (1 for the sentences it picks, up to `oracle_words` words)."""
    ref_tokens = rouge_tokens(reference)
    toks = [rouge_tokens(t) for t in texts]
    soft = np.zeros(len(texts))
    oracle = np.zeros(len(texts))
    if not ref_tokens or not texts:
        return soft, oracle
    mats, refs, lens = [], [], []
    for n in (1, 2):
        ref = _ngram_counts(ref_tokens, n)
        counts = [_ngram_counts(t, n) for t in toks]
        mats.append(_overlap_matrix(counts, ref))
        refs.append(np.array(list(ref.values()), dtype=float) if ref else np.ones(1))
        lens.append(np.array([max(0, len(t) - n + 1) for t in toks], dtype=float))
    f = [_f1(np.minimum(m, r).sum(axis=1), n_grams, r.sum()) for m, r, n_grams in zip(mats, refs, lens)]
    soft = (f[0] + f[1]) / 2
    oracle = _greedy_oracle(mats, refs, lens, np.array([len(t) for t in toks]), oracle_words)
    return soft, oracle


def _f1(hits: np.ndarray, length: np.ndarray, ref_total: float) -> np.ndarray:
    p = hits / np.maximum(length, 1)
    r = hits / max(ref_total, 1)
    return np.where(hits > 0, 2 * p * r / np.maximum(p + r, 1e-9), 0.0)


def _greedy_oracle(mats, refs, lens, words, budget) -> np.ndarray:
    chosen = np.zeros(len(words), dtype=bool)
    sel = [np.zeros_like(r) for r in refs]
    sel_len = [0.0, 0.0]
    best = 0.0
    while words[chosen].sum() < budget:
        gain = sum(
            (
                _f1(np.minimum(m + s, r).sum(axis=1), n_grams + sl, r.sum())
                for m, s, r, n_grams, sl in zip(mats, sel, refs, lens, sel_len)
            ),
            np.zeros(len(words)),
        )
        gain[chosen] = -1
        i = int(np.argmax(gain))
        if gain[i] <= best:
            break
        best = gain[i]
        chosen[i] = True
        sel = [s + m[i] for s, m in zip(sel, mats)]
        sel_len = [sl + n_grams[i] for sl, n_grams in zip(sel_len, lens)]
    return chosen.astype(float)


def _cluster_rows(item: tuple[Story, str]):
    """Features and labels of one training cluster (None when it has no usable sentence)."""
    from .prepare import prepare

    raw, reference = item
    try:
        story = prepare(raw)
    except NewsfuseError:
        return None
    feats = story_features(story, SETTINGS.max_offset)
    if len(feats.candidates) == 0:
        return None
    texts = [story.sentences[i].text for i in feats.candidates]
    soft, oracle = sentence_labels(texts, reference)
    return feats.matrix, soft, oracle


def build_rows(path: str | Path, limit: int | None, progress: bool, label: str, workers: int = 2) -> dict:
    """Features, labels and group sizes of the first `limit` usable clusters of a Multi-News file
    (usable: some sentence survives preparation)."""
    from itertools import islice
    from multiprocessing import get_context

    items = load_clusters(path, truncated=True)
    if limit is not None:  # bounded and read to its end, as in rerank_rows (leaving imap early hangs)
        items = islice(items, limit + limit // 10 + 10)
    out: dict[str, list] = {"X": [], "soft": [], "oracle": [], "groups": []}
    # spawn, not fork: a pool forked while another thread runs (Dask's, an earlier test's) can
    # deadlock in Pool.terminate.
    with get_context("spawn").Pool(workers) as pool, _progress(progress, label, limit) as tick:
        for row in pool.imap(_cluster_rows, items, chunksize=32):
            tick()
            if row is None or (limit is not None and len(out["groups"]) >= limit):
                continue
            X, soft, oracle = row
            out["X"].append(X)
            out["soft"].append(soft)
            out["oracle"].append(oracle)
            out["groups"].append(len(X))
    return {
        "X": np.vstack(out["X"]),
        "soft": np.concatenate(out["soft"]),
        "oracle": np.concatenate(out["oracle"]),
        "groups": np.array(out["groups"]),
    }


class _progress:
    """A rich progress bar (or nothing) that yields a tick function."""

    def __init__(self, enabled: bool, label: str, total: int | None) -> None:
        self.enabled, self.label, self.total = enabled, label, total

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.progress import Progress

        self.bar = Progress(transient=False)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.stop()


def evaluate_validation(
    learned: Selector,
    validation_path: str | Path,
    limit: int = VALIDATION_EVAL,
    budget: int | None = VALIDATION_BUDGET,
    progress: bool = True,
    extra: Mapping[str, Selector] | None = None,
) -> dict:
    """Mean ROUGE of `learned`, of lead and of the `extra` selectors on validation clusters, at `budget` words."""
    from .evaluate import ROUGE_TYPES, rouge
    from .prepare import prepare
    from .select import default_budget, get_selector

    systems = {"learned": learned, "lead": get_selector("lead"), **(extra or {})}
    totals = {name: dict.fromkeys(ROUGE_TYPES, 0.0) for name in systems}
    count = 0
    with _progress(progress, "validation", limit) as tick:
        for raw, reference in load_clusters(validation_path, limit, truncated=True):
            tick()
            try:
                story = prepare(raw)
            except NewsfuseError:
                continue
            count += 1
            words = budget or default_budget(story)
            for name, selector in systems.items():
                text = "\n".join(s.text for s in selector(story, words))
                for k, v in rouge(text, reference).items():
                    totals[name][k] += v
    return {name: {k: round(v / max(1, count), 2) for k, v in t.items()} for name, t in totals.items()} | {
        "clusters": count
    }


def train(
    train_path: str | Path,
    validation_path: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = True,
    reranker: bool = True,
) -> dict:
    """Build features and labels from `train_path`, fit the scorer, save it to `out_dir`, then
    (with `reranker`) fit the reranker over it on the clusters after them, and return validation
    ROUGE with timings. `limit` caps the scorer's training clusters (default 20,000); the
    reranker's skip and count scale with it (21,000 and 4,000 at the default)."""
    limit = limit or DEFAULT_TRAIN_LIMIT
    started = time.perf_counter()
    data = build_rows(train_path, limit, progress, "features + labels")
    built = time.perf_counter()
    rounds = ROUNDS if len(data["groups"]) >= 1000 else 50
    selector = LearnedSelector(SETTINGS, rounds=rounds, seed=seed)
    selector.fit(data["X"], data["oracle"], group=data["groups"])
    fitted = time.perf_counter()
    meta = {"train_clusters": int(len(data["groups"])), "train_rows": int(len(data["X"])), "seed": seed}
    path = selector.save(Path(out_dir) / MODEL_FILE, meta)
    val_limit = VALIDATION_EVAL if limit >= 1000 else 50
    written = LearnedSelector.from_model_file(ModelFile.read(path))  # the file as users will read it
    extra, rerank_metrics = {}, {}
    if reranker:
        from .select.rerank import Reranker

        skip = RERANK_SKIP * limit // DEFAULT_TRAIN_LIMIT
        count = max(50, RERANK_LIMIT * limit // DEFAULT_TRAIN_LIMIT)
        rerank_metrics = train_reranker(train_path, out_dir, path, seed, count, skip, progress)
        extra["rerank"] = Reranker.load(rerank_metrics["model"]).with_scorer(written)
    scores = evaluate_validation(written, validation_path, limit=val_limit, progress=progress, extra=extra)
    if progress:
        _print_scores(scores, time.perf_counter() - started)
    return {
        "model": str(path),
        "model_bytes": path.stat().st_size,
        **meta,
        "seconds_features": round(built - started, 1),
        "seconds_fit": round(fitted - built, 1),
        "seconds_total": round(time.perf_counter() - started, 1),
        "validation": scores,
        **({"reranker": rerank_metrics} if rerank_metrics else {}),
    }


def _print_scores(scores: dict, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    from .evaluate import ROUGE_TYPES

    table = Table(
        title=f"validation ({scores['clusters']} clusters, {VALIDATION_BUDGET} words); trained in {seconds:.0f} s"
    )
    table.add_column("system")
    for key in ROUGE_TYPES:
        table.add_column(key, justify="right")
    for name in [k for k in scores if k != "clusters"]:
        table.add_row(name, *(f"{scores[name][k]:.2f}" for k in ROUGE_TYPES))
    Console().print(table)


# ---- the reranker (select/rerank.py) ---------------------------------------------------------

RERANK_FILE = "rerank.json"
# The reranker learns from clusters the sentence scorer never saw (its scores on its own training
# clusters are optimistic): those after the first RERANK_SKIP of the file, RERANK_LIMIT of them.
RERANK_SKIP = 21000
RERANK_LIMIT = 4000
# Budgets of the training candidates (None: the default length rule, as users get it).
# Budgets of the training candidates: the default length rule (as users get it; on the truncated
# training text it is about 160 words) and 260 words, the rule's cap, which full text reaches:
# on 3,000 clusters both together beat either alone on fulltext-dev and validation.
RERANK_BUDGETS: tuple[int | None, ...] = (None, 260)

_SCORER: LearnedSelector | None = None


def _init_scorer(path: str) -> None:
    global _SCORER
    _SCORER = LearnedSelector.from_model_file(ModelFile.read(path))


def rouge12(summary: str, reference: str) -> tuple[float, float]:
    """ROUGE-1 and ROUGE-2 F1 (x100) as rouge-score counts them, without its per-call overhead."""
    ref, got = rouge_tokens(reference), rouge_tokens(summary)
    out = []
    for n in (1, 2):
        r, g = _ngram_counts(ref, n), _ngram_counts(got, n)
        hits = sum(min(c, r[k]) for k, c in g.items() if k in r)
        p, rc = hits / max(1, sum(g.values())), hits / max(1, sum(r.values()))
        out.append(100 * 2 * p * rc / (p + rc) if hits else 0.0)
    return out[0], out[1]


def _rerank_cluster(item: tuple[Story, str], budgets: tuple[int | None, ...] = (None,)):
    """Candidate rows and labels (mean ROUGE-1/2 F1) of one training cluster at each budget, or None."""
    from .prepare import prepare
    from .select import default_budget
    from .select.rerank import RerankSettings, candidates

    raw, reference = item
    try:
        story = prepare(raw)
    except NewsfuseError:
        return None
    assert _SCORER is not None
    out = []
    for budget in budgets:
        made = candidates(story, budget or default_budget(story), _SCORER, RerankSettings())
        if made is None:
            return None
        labels = []
        for chosen in made.chosen:
            text = "\n".join(story.sentences[made.feats.candidates[i]].text for i in chosen)
            r1, r2 = rouge12(text, reference)
            labels.append((r1 + r2) / 2)
        out.append((made.matrix, np.array(labels)))
    return out


def rerank_rows(
    path: str | Path,
    scorer_path: str | Path,
    skip: int,
    limit: int,
    progress: bool,
    workers: int = 2,
    budgets: tuple[int | None, ...] = (None,),
):
    """Candidate rows, labels and group sizes of `limit` usable clusters after the first `skip`,
    at each of `budgets` (in words; None: each story's default length rule)."""
    from functools import partial
    from itertools import islice
    from multiprocessing import get_context

    # A bounded input, read to its end: leaving imap early with tasks still queued can hang the
    # pool's terminate (its feeder blocks on a full pipe once the workers are gone). The slack
    # covers clusters that prepare rejects (under 1% of train).
    items = islice(load_clusters(path, truncated=True), skip, skip + limit + limit // 10 + 10)
    X, y, groups, clusters = [], [], [], 0
    ctx = get_context("spawn")
    with ctx.Pool(workers, _init_scorer, (str(scorer_path),)) as pool, _progress(progress, "reranker", limit) as tick:
        for row in pool.imap(partial(_rerank_cluster, budgets=budgets), items, chunksize=16):
            tick()
            if row is None or clusters >= limit:
                continue
            clusters += 1
            for matrix, labels in row:
                X.append(matrix)
                y.append(labels)
                groups.append(len(labels))
    return np.vstack(X), np.concatenate(y), np.array(groups), clusters


def train_reranker(
    train_path: str | Path,
    out_dir: str | Path,
    scorer_path: str | Path | None = None,
    seed: int = 0,
    limit: int = RERANK_LIMIT,
    skip: int = RERANK_SKIP,
    progress: bool = False,
) -> dict:
    """Fit the reranker on candidate summaries of `limit` training clusters after the first `skip`
    (scored by the learned selector at `scorer_path`, default the shipped one) at each budget of
    RERANK_BUDGETS, and save it to `out_dir/rerank.json`."""
    from .select.learned import MODEL_PATH
    from .select.rerank import Reranker, RerankSettings

    started = time.perf_counter()
    X, y, groups, clusters = rerank_rows(
        train_path, scorer_path or MODEL_PATH, skip, limit, progress, budgets=RERANK_BUDGETS
    )
    built = time.perf_counter()
    reranker = Reranker(RerankSettings(), seed=seed).fit(X, y, groups)
    meta = {"train_clusters": clusters, "train_rows": int(len(X)), "skip": skip, "seed": seed}
    path = reranker.save(Path(out_dir) / RERANK_FILE, meta)
    return {
        "model": str(path),
        **meta,
        "seconds_features": round(built - started, 1),
        "seconds_fit": round(time.perf_counter() - built, 1),
    }


# ---- the same-claim model (pairs.py), for updates ---------------------------------------------

PAIRS_FILE = "same-claim.json"
TRUST = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "trust"
# MRPC ships only its train portion here: every fifth pair (by a hash of its id) is held out as dev.
MRPC_DEV_EVERY = 5
# STS-B pairs from this score are one claim (4: "mostly equivalent, unimportant details differ";
# 3 already "some important information differs").
STSB_SAME = 4.0
# The TF-IDF of MRPC and STS-B pairs is fitted on blocks of this many pairs, about a story's
# sentences (a story's fit is what updates' cosines come from; a whole file's idf is far steeper).
PAIR_BLOCK = 100


def _read_jsonl(path: Path) -> list[dict]:
    import json

    if not path.exists():
        raise NewsfuseError(f"{path}: no such file (the trust sets, ../shared/data/trust)")
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _both_ways(pairs: list[tuple[str, str]], labels: list[float], block: int) -> tuple[list, list]:
    """(claim, other, cosine) both ways round of each pair, cosines on blocks of `block` pairs."""
    from .textsim import TextViews

    out, y = [], []
    for start in range(0, len(pairs), block):
        chunk = pairs[start : start + block]
        vectors = TextViews([t for pair in chunk for t in pair]).tfidf()
        for n, (a, b) in enumerate(chunk):
            cosine = float((vectors[2 * n] @ vectors[2 * n + 1].T).toarray()[0, 0])
            out += [(a, b, cosine), (b, a, cosine)]
            y += [labels[start + n]] * 2
    return out, y


def _mrpc(dev: bool) -> tuple[list, list]:
    from zlib import crc32

    records = [
        r
        for r in _read_jsonl(TRUST / "paraphrase_mrpc_train.jsonl")
        if (crc32(str(r["id"]).encode()) % MRPC_DEV_EVERY == 0) == dev
    ]
    return _both_ways([(r["s1"], r["s2"]) for r in records], [float(r["label"]) for r in records], PAIR_BLOCK)


def _stsb(dev: bool) -> tuple[list, list]:
    records = _read_jsonl(TRUST / f"similarity_stsb_{'dev' if dev else 'train'}.jsonl")
    return _both_ways(
        [(r["s1"], r["s2"]) for r in records], [float(r["score"] >= STSB_SAME) for r in records], PAIR_BLOCK
    )


def _ecbplus(dev: bool) -> tuple[list, list]:
    """ECB+ gold pairs (same event and a shared participant, time or place: `strict_same_fact`),
    both ways, cosines on the TF-IDF of the story's gold sentences."""
    from .textsim import TextViews

    out, y = [], []
    for story in _read_jsonl(TRUST / f"facts_ecbplus_{'dev' if dev else 'train'}.jsonl"):
        texts = [s["text"] for s in story["sentences"]]
        vectors = TextViews(texts).tfidf()
        for p in story["pairs"]:
            a, b = p["a"], p["b"]
            cosine = float((vectors[a] @ vectors[b].T).toarray()[0, 0])
            out += [(texts[a], texts[b], cosine), (texts[b], texts[a], cosine)]
            y += [float(p["strict_same_fact"])] * 2
    return out, y


PAIR_SETS = {"mrpc": _mrpc, "stsb": _stsb, "ecbplus": _ecbplus}


def pair_rows(dev: bool) -> dict[str, tuple[np.ndarray, np.ndarray, list]]:
    """Per trust set, the FEATURES rows, labels and (claim, other, cosine) pairs of its train or dev part."""
    from .pairs import rows

    out = {}
    for name, read in PAIR_SETS.items():
        pairs, labels = read(dev)
        out[name] = (rows(pairs), np.array(labels), pairs)
    return out


# The sets the model learns from: MRPC and STS-B ask "the same content in other words", which is
# what an update must not repeat. ECB+ asks "the same event" (its pairs of one event add details
# of their own: 90% of its pairs the update would ask are positive), so it is measured, not learned.
PAIR_TRAIN_SETS = ("mrpc", "stsb")
# Pairs are learned where updates asks the model: at the lede gate's cosine or above, `support` full.
PAIR_GATE = 0.15


def asked(pairs: list) -> np.ndarray:
    """Which (claim, other, cosine) pairs updates would ask the model about (PAIR_GATE, support full)."""
    from .claims import support

    return np.array([c >= PAIR_GATE and support(a, b) == "full" for a, b, c in pairs], dtype=bool)


def pair_accuracy(model, data: dict) -> dict:
    """Per set: accuracy on every pair and on the pairs updates asks, with the old rule's beside it
    (cosine at SAME_CONTENT or the earlier holds `UpdateSettings.min_cover` of the later's words);
    "band": the asked pairs below SAME_CONTENT, where the model (or min_cover) decides alone."""
    from .textsim import SAME_CONTENT
    from .updates import UpdateSettings

    out = {}
    for name, (X, y, pairs) in data.items():
        learned = model.predict_proba(X) >= model.settings.threshold if len(X) else np.zeros(0, bool)
        rule = (X[:, 0] >= SAME_CONTENT) | (X[:, 1] >= UpdateSettings().min_cover)
        gate = asked(pairs)
        band = gate & (X[:, 0] < SAME_CONTENT)  # where the model, not the cosine, decides
        out[name] = {
            "pairs": int(len(y)),
            "asked": int(gate.sum()),
            "band": int(band.sum()),
            "band_positive": round(float(y[band].mean()), 3) if band.any() else None,
            "accuracy": round(float(np.mean(learned == y)), 3),
            "accuracy_asked": round(float(np.mean(learned[gate] == y[gate])), 3),
            "accuracy_band": round(float(np.mean(learned[band] == y[band])), 3) if band.any() else None,
            "rule_accuracy": round(float(np.mean(rule == y)), 3),
            "rule_accuracy_asked": round(float(np.mean(rule[gate] == y[gate])), 3),
            "rule_accuracy_band": round(float(np.mean(rule[band] == y[band])), 3) if band.any() else None,
        }
    return out


def train_pairs(out_dir: str | Path, progress: bool = False) -> dict:
    """Fit the same-claim model (pairs.py) on the asked pairs of PAIR_TRAIN_SETS' train parts, each
    set weighted alike, save it to `out_dir/same-claim.json`, and score it on every set's dev part."""
    from .pairs import SameClaim

    started = time.perf_counter()
    train_data, dev_data = pair_rows(dev=False), pair_rows(dev=True)
    groups = []
    for name in PAIR_TRAIN_SETS:
        rows_, labels, pairs = train_data[name]
        gate = asked(pairs)
        groups.append((rows_[gate], labels[gate]))
    model = SameClaim().fit_balanced(groups)
    meta = {"train_sets": list(PAIR_TRAIN_SETS), "train_pairs": sum(len(labels) for _, labels in groups)}
    path = model.save(Path(out_dir) / PAIRS_FILE, meta)
    scores = pair_accuracy(model, dev_data)
    if progress:
        for name, s in scores.items():
            print(f"same-claim dev {name}: {s}")
    return {"model": str(path), **meta, "dev": scores, "seconds": round(time.perf_counter() - started, 1)}


def place_names() -> list[str]:
    """The place names `quotes._places` reads, from pycountry (ISO 3166): countries by name, common
    and official name; the US states and territories, Canada's provinces, the UK's nations."""
    import pycountry

    names = {
        n for c in pycountry.countries for n in (c.name, getattr(c, "common_name", ""), getattr(c, "official_name", ""))
    }
    for code in ("US", "CA", "GB"):
        names |= {
            d.name
            for d in pycountry.subdivisions.get(country_code=code)
            if code != "GB" or d.type in ("Country", "Province")
        }
    return sorted({n.lower() for n in names if n})


def write_places(out_dir: str | Path) -> Path:
    """Write `place_names()` where the package reads it (`quotes.PLACES_FILE`)."""
    from .quotes import PLACES_FILE

    path = Path(out_dir) / PLACES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(place_names()) + "\n", encoding="utf-8")
    return path
