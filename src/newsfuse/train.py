"""Train the learned selector on Multi-News: ROUGE labels, LightGBM scorer, validation scores."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

from .batch import open_text
from .errors import NewsfuseError
from .features import FEATURES, story_features
from .ingest import story_from_record
from .model import Story
from .select.learned import MODEL_VERSION

__all__ = ["train", "multinews_story", "load_multinews", "rouge_tokens", "sentence_labels", "MODEL_VERSION"]

MODEL_FILE = "learned.json"
# Clusters of the training file used by default: the full run stays well under 25 minutes on 2 cores.
DEFAULT_TRAIN_LIMIT = 20000
VALIDATION_EVAL = 500
VALIDATION_BUDGET = 260
# LightGBM settings (chosen on validation; see docs/bench_selection.md).
PARAMS = {
    "objective": "regression",
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 1,
}
ROUNDS = 300
TARGET = "rank"  # lambdarank on greedy-oracle labels, clusters as queries (best on validation)
# Selection settings stored with the model (tuned on validation by bench/bench_selection.py).
SELECTION = {"mmr": 0.0, "trigram_block": 1, "max_offset": 300, "min_words": 6, "max_words": 70}

_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def multinews_story(record: dict, where: str = "multinews") -> Story | None:
    """A Multi-News record as a Story. Its documents are cut mid-sentence at ~500 tokens a cluster;
    the cut tail is dropped so the cleaner keeps the body (a text that never ends a sentence gets a
    final period)."""
    docs = []
    for doc in record.get("documents") or []:
        text = (doc or "").strip()
        ends = list(_SENTENCE_END_RE.finditer(text))
        if ends and ends[-1].end() < len(text):
            text = text[: ends[-1].end()] if ends[-1].end() > 0.5 * len(text) else text + " ."
        elif text and not ends:
            text += " ."
        docs.append(text)
    if not any(docs):
        return None
    story, _ = story_from_record({"id": record.get("id"), "documents": docs}, where)
    return story


def load_multinews(path: str | Path, limit: int | None = None) -> Iterator[tuple[Story, str]]:
    """(story, reference) pairs of a Multi-News .jsonl(.gz) file, truncated texts repaired."""
    path = Path(path)
    with open_text(path) as lines:
        count = 0
        for line in lines:
            if limit is not None and count >= limit:
                return
            record = json.loads(line)
            story = multinews_story(record, f"{path.name}:{record.get('id')}")
            if story is None or not isinstance(record.get("summary"), str):
                continue
            count += 1
            yield story, record["summary"].strip().lstrip("–—-").strip()


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
            _f1(np.minimum(m + s, r).sum(axis=1), n_grams + sl, r.sum())
            for m, s, r, n_grams, sl in zip(mats, sel, refs, lens, sel_len)
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

    story, reference = item
    try:
        story = prepare(story)
    except NewsfuseError:
        return None
    feats = story_features(story, SELECTION["max_offset"])
    if len(feats.candidates) == 0:
        return None
    texts = [story.sentences[i].text for i in feats.candidates]
    soft, oracle = sentence_labels(texts, reference)
    body = sum(s.words for s in story.sentences)
    return feats.matrix, soft, oracle, (len(reference.split()), body, len(story.articles))


def build_rows(path: str | Path, limit: int | None, progress: bool, label: str, workers: int = 2) -> dict:
    """Features, labels and group sizes of the first `limit` usable clusters of a Multi-News file
    (usable: some sentence survives preparation)."""
    from multiprocessing import get_context

    items = load_multinews(path)
    out: dict[str, list] = {"X": [], "soft": [], "oracle": [], "groups": [], "meta": []}
    with get_context("fork").Pool(workers) as pool, _progress(progress, label, limit) as tick:
        for row in pool.imap(_cluster_rows, items, chunksize=32):
            tick()
            if row is None:
                continue
            if limit is not None and len(out["groups"]) >= limit:
                break
            X, soft, oracle, meta = row
            out["X"].append(X)
            out["soft"].append(soft)
            out["oracle"].append(oracle)
            out["groups"].append(len(X))
            out["meta"].append(meta)
    return {
        "X": np.vstack(out["X"]),
        "soft": np.concatenate(out["soft"]),
        "oracle": np.concatenate(out["oracle"]),
        "groups": np.array(out["groups"]),
        "meta": np.array(out["meta"], dtype=float),
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


def fit(
    data: dict,
    seed: int = 0,
    target: str = TARGET,
    rounds: int = ROUNDS,
    params: dict | None = None,
    features: list[str] | None = None,
):
    """A LightGBM booster predicting `target` from the chosen feature columns."""
    import lightgbm as lgb

    cols = [FEATURES.index(f) for f in (features or FEATURES)]
    params = {**PARAMS, **(params or {}), "seed": seed, "deterministic": True}
    label, group = data["oracle" if target == "rank" else target], None
    if target == "oracle":
        params["objective"] = "binary"
    elif target == "rank":  # clusters are queries: only the order within a cluster matters
        params |= {"objective": "lambdarank", "lambdarank_truncation_level": 20}
        label, group = label.astype(int), data["groups"]
    dataset = lgb.Dataset(
        data["X"][:, cols], label=label, group=group, feature_name=[FEATURES[c] for c in cols], free_raw_data=False
    )
    return lgb.train(params, dataset, num_boost_round=rounds)


def save_model(
    booster, out_dir: str | Path, length: dict | None = None, selection: dict | None = None, meta: dict | None = None
) -> Path:
    """Write the versioned model file: the LightGBM text model plus selection and length settings."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / MODEL_FILE
    payload = {
        "version": MODEL_VERSION,
        "features": booster.feature_name(),
        "selection": selection or SELECTION,
        "length": length,
        "meta": meta or {},
        "booster": booster.model_to_string(),
    }
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def fit_length(meta: np.ndarray) -> dict:
    """Reference length ~ a + b * log(number of articles): input size is left out on purpose, as
    training text is truncated while real articles are not (see docs/bench_selection.md)."""
    ref_words, _, n_docs = meta[:, 0], meta[:, 1], meta[:, 2]
    A = np.column_stack([np.ones(len(n_docs)), np.log(n_docs)])
    coef, *_ = np.linalg.lstsq(A, ref_words, rcond=None)
    return {"intercept": float(coef[0]), "log_docs": float(coef[1]), "min": 60, "max": 360}


def evaluate_validation(
    model_path: Path,
    validation_path: str | Path,
    limit: int = VALIDATION_EVAL,
    budget: int | None = VALIDATION_BUDGET,
    progress: bool = True,
) -> dict:
    """Mean ROUGE of the learned selector and of lead on validation clusters, at `budget` words."""
    from .evaluate import ROUGE_TYPES, rouge
    from .prepare import prepare
    from .select import default_budget, get_selector
    from .select.learned import LearnedSelector

    learned = LearnedSelector(model_path=model_path)
    lead = get_selector("lead")
    totals = {"learned": dict.fromkeys(ROUGE_TYPES, 0.0), "lead": dict.fromkeys(ROUGE_TYPES, 0.0)}
    count = 0
    with _progress(progress, "validation", limit) as tick:
        for story, reference in load_multinews(validation_path, limit):
            tick()
            try:
                story = prepare(story)
            except NewsfuseError:
                continue
            count += 1
            words = budget or default_budget(story)
            for name, selector in (("learned", learned), ("lead", lead)):
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
) -> dict:
    """Build features and labels from `train_path`, fit the scorer, save it to `out_dir`, and
    return validation ROUGE with timings. `limit` caps the training clusters (default 20,000)."""
    limit = limit or DEFAULT_TRAIN_LIMIT
    started = time.perf_counter()
    data = build_rows(train_path, limit, progress, "features + labels")
    built = time.perf_counter()
    booster = fit(data, seed=seed, target=TARGET, rounds=ROUNDS if len(data["groups"]) >= 1000 else 50)
    fitted = time.perf_counter()
    meta = {"train_clusters": int(len(data["groups"])), "train_rows": int(len(data["X"])), "seed": seed}
    path = save_model(booster, out_dir, length=fit_length(data["meta"]), meta=meta)
    val_limit = VALIDATION_EVAL if limit >= 1000 else 50
    scores = evaluate_validation(path, validation_path, limit=val_limit, progress=progress)
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
    for name in ("learned", "lead"):
        table.add_row(name, *(f"{scores[name][k]:.2f}" for k in ROUGE_TYPES))
    Console().print(table)
