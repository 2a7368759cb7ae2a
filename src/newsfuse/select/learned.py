"""Learned selector: a LightGBM sentence scorer trained on Multi-News, packed with redundancy control."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import ModelError
from ..features import FEATURES, story_features
from ..model import Sentence
from ..prepare import PreparedStory
from ._base import BUDGET_MIN, BUDGET_SHARE, BUDGET_SLACK, default_budget, register

MODEL_VERSION = "learned-1"
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "learned.json"

_CACHE: dict[Path, LearnedModel] = {}


@dataclass
class LearnedModel:
    """The scorer, the selection settings and the length model of one model file."""

    booster: object
    features: list[str]
    selection: dict
    length: dict | None
    meta: dict = field(default_factory=dict)
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def score(self, matrix: np.ndarray) -> np.ndarray:
        if len(matrix) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(matrix[:, self.columns], num_threads=1), dtype=float)


def load_model(path: str | Path | None = None) -> LearnedModel:
    """The model at `path` (default: the shipped one), read once and cached; version checked."""
    path = Path(path or MODEL_PATH).resolve()
    if path not in _CACHE:
        _CACHE[path] = _read(path)
    return _CACHE[path]


def _read(path: Path) -> LearnedModel:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{path}: cannot read the learned selector's model ({err}); run `newsfuse train`") from err
    version = payload.get("version") if isinstance(payload, dict) else None
    if version != MODEL_VERSION:
        raise ModelError(
            f"{path}: model version {version!r} does not match this newsfuse "
            f"({MODEL_VERSION!r}); retrain it with `newsfuse train`"
        )
    unknown = [f for f in payload["features"] if f not in FEATURES]
    if unknown:
        raise ModelError(f"{path}: model uses features this newsfuse does not compute: {unknown}")
    try:
        import lightgbm as lgb
    except ImportError as err:
        raise ModelError("the learned selector needs lightgbm: pip install lightgbm") from err
    booster = lgb.Booster(model_str=payload["booster"])
    columns = np.array([FEATURES.index(f) for f in payload["features"]], dtype=int)
    return LearnedModel(
        booster, payload["features"], payload["selection"], payload.get("length"), payload.get("meta", {}), columns
    )


def learned_budget(story: PreparedStory, model: LearnedModel | None = None) -> int:
    """The default length when the learned selector runs: the length model of the model file,
    capped by the same share-of-input rule as `default_budget` (falls back to it without one)."""
    model = model or load_model()
    if not model.length:
        return default_budget(story)
    n_docs = max(1, sum(1 for a in story.articles if a.text.strip()))
    guess = model.length["intercept"] + model.length["log_docs"] * np.log(n_docs)
    guess = min(model.length["max"], max(model.length["min"], guess))
    body = sum(s.words for s in story.sentences)
    return int(round(min(guess, max(BUDGET_MIN, BUDGET_SHARE * body))))


def select(
    story: PreparedStory,
    budget: int,
    model: LearnedModel,
    selection: dict | None = None,
    scores: np.ndarray | None = None,
) -> list[Sentence]:
    """Greedy packing by model score minus an MMR penalty, skipping trigram repeats; a summary
    goes over its budget by at most one sentence, as `_base.pack` promises."""
    opts = {**model.selection, **(selection or {})}
    feats = story_features(story, int(opts["max_offset"]))
    if len(feats.candidates) == 0:
        return []
    scores = model.score(feats.matrix) if scores is None else scores
    sents = [story.sentences[i] for i in feats.candidates]
    lengths = np.array([s.words for s in sents])
    fits = (lengths >= opts["min_words"]) & (lengths <= opts["max_words"])
    scores = np.where(fits, scores, scores - 10.0)  # misfits only when nothing else is left
    trigrams = _trigram_matrix(feats.tokens) if opts["trigram_block"] else None
    chosen = _greedy(
        scores, lengths, feats.similarity, trigrams, budget, float(opts["mmr"]), float(opts.get("block_share", 0.0))
    )
    return [sents[i] for i in chosen]


def _greedy(scores, lengths, similarity, trigrams, budget, mmr, block_share) -> list[int]:
    n = len(scores)
    available = np.ones(n, dtype=bool)
    max_sim = np.zeros(n)
    seen = np.zeros(trigrams.shape[1] if trigrams is not None else 0)
    chosen: list[int] = []
    total = 0
    while available.any() and total < budget - BUDGET_SLACK:
        fits = (total + lengths <= budget) | (total + lengths - budget < budget - total)
        value = np.where(available & fits, scores - mmr * max_sim, -np.inf)
        i = int(np.argmax(value))
        if not np.isfinite(value[i]):
            break
        available[i] = False
        if trigrams is not None and chosen:
            row = trigrams[i]
            repeated = float(seen[row.indices].sum())
            if repeated > block_share * max(1, row.nnz):
                continue
        chosen.append(i)
        total += lengths[i]
        max_sim = np.maximum(max_sim, similarity[i])
        if trigrams is not None:
            seen[trigrams[i].indices] = 1.0
        if total > budget:
            break
    return chosen


def _trigram_matrix(tokens: list[list[str]]) -> sparse.csr_matrix:
    """Binary (sentence x word-trigram) incidence of the candidates."""
    vocab: dict[tuple[str, str, str], int] = {}
    rows, cols = [], []
    for r, toks in enumerate(tokens):
        for g in set(zip(toks, toks[1:], toks[2:])):
            rows.append(r)
            cols.append(vocab.setdefault(g, len(vocab)))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(tokens), max(1, len(vocab))))


@register("learned")
class LearnedSelector:
    """Score each early sentence with the shipped model, then pack it with redundancy control."""

    name = "learned"

    def __init__(self, model_path: str | Path | None = None, selection: dict | None = None) -> None:
        self.model_path = model_path
        self.selection = selection

    @property
    def model(self) -> LearnedModel:
        return load_model(self.model_path)

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        if not story.sentences:
            return []
        return select(story, budget, self.model, self.selection)
