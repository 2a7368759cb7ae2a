"""Learned selector: a LightGBM sentence scorer trained on Multi-News, packed with redundancy control.

`LearnedSelector` is an estimator in scikit-learn's manner: the constructor only stores its
settings and training parameters, `fit` sets the fitted attributes (`booster_`, `features_`), and
`ModelFile` is the one schema of the model file that `newsfuse train` writes and the selector reads.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..errors import ModelError
from ..features import FEATURES, MAX_OFFSET, candidate_reach, story_features
from ..model import Sentence
from ..prepare import PreparedStory
from ._base import BUDGET_SLACK, MAX_WORDS, MIN_WORDS, lowered, register
from .trees import read_trees

if TYPE_CHECKING:
    from ..settings import Options

__all__ = [
    "LearnedSettings",
    "LearnedSelector",
    "ShippedLearnedSelector",
    "ModelFile",
    "MODEL_VERSION",
    "MODEL_PATH",
    "PARAMS",
    "ROUNDS",
]

MODEL_VERSION = "learned-1"
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "learned.json"

# LightGBM settings of the shipped model (chosen on validation: docs/benchmarks.md, "Labels and
# objective"); `fit` adds the seed, `deterministic` and the objective's own settings.
PARAMS: dict[str, Any] = {
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
# LambdaRank on greedy-oracle labels with clusters as queries beat regression on soft labels and
# binary oracle labels on validation (42.14 against 41.43 / 42.08 rouge1).
OBJECTIVES = ("lambdarank", "binary", "regression")


@dataclass(frozen=True)
class LearnedSettings:
    """How the scored sentences are packed into a summary. The defaults are those stored in the
    shipped model file; each was chosen as its comment says (tables in docs/benchmarks.md,
    "Selection settings", measured with `bench/bench_selection.py tune`)."""

    # MMR penalty on a candidate's max cosine to the chosen sentences. 0.05 / 0.1 on top of trigram
    # blocking moved validation rouge1 by +0.1 (41.52 / 41.54 against 41.43), within noise, so none.
    mmr: float = 0.0
    # Skip a candidate that repeats the chosen sentences' word trigrams: +0.1 rouge1 / +0.2 rouge2
    # on validation, +0.7 rouge1 on full text, over no redundancy control.
    trigram_block: bool = True
    # Only sentences starting within this many words of their article's start (plus every lead)
    # are candidates. Set from the training data's reach (Multi-News holds ~500 tokens a cluster),
    # not tuned: validation text never goes past it. Full text, for reference: 150/200/300/500/all
    # words gave 45.03/45.46/44.94/44.46/44.45 rouge1; a later 500/750/1000 ÷ articles cut, no gain.
    max_offset: int = MAX_OFFSET
    # Sentences shorter or longer than this (in words) are taken only when nothing else is left:
    # the candidate length limits every selector shares (select/_base.py says how they were chosen).
    min_words: int = MIN_WORDS
    max_words: int = MAX_WORDS
    # With trigram blocking: the share of a candidate's trigrams already chosen that blocks it
    # (0: any shared trigram). 0.2 was tried and scored 41.78 / 13.89 on validation against
    # 41.43 / 13.75, but the shipped settings keep 0 (44.70 against 44.94 rouge1 on full text);
    # the record does not say more. Not stored in files when 0, as files of version learned-1 had
    # no such key.
    block_share: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The settings as the model file stores them (`trigram_block` as 0/1)."""
        out: dict[str, Any] = {
            "mmr": float(self.mmr),
            "trigram_block": int(self.trigram_block),
            "max_offset": int(self.max_offset),
            "min_words": int(self.min_words),
            "max_words": int(self.max_words),
        }
        if self.block_share:
            out["block_share"] = float(self.block_share)
        return out

    @classmethod
    def from_json(cls, data: object, where: str = "settings") -> LearnedSettings:
        """Settings from a model file's "selection" object; a key it does not know is an error."""
        if not isinstance(data, dict):
            raise ModelError(f"{where}: the selection settings are not an object")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ModelError(f"{where}: unknown selection settings {unknown}")
        casts = {"mmr": float, "trigram_block": bool, "max_offset": int, "min_words": int, "max_words": int}
        try:
            return cls(**{k: casts.get(k, float)(v) for k, v in data.items()})
        except (TypeError, ValueError) as err:
            raise ModelError(f"{where}: bad selection settings ({err})") from err


@dataclass(frozen=True)
class ModelFile:
    """The learned selector's model file: a version string, the feature names the booster reads
    (in its column order), the selection settings, free-form meta (training size, seed) and the
    LightGBM text model. `newsfuse train` writes one; `LearnedSelector.load` reads one."""

    booster: str
    features: tuple[str, ...]
    settings: LearnedSettings = LearnedSettings()
    meta: dict[str, Any] = field(default_factory=dict)
    version: str = MODEL_VERSION

    def write(self, path: str | Path) -> Path:
        """Write the file (JSON; parent folders made as needed) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": self.version,
            "features": list(self.features),
            "selection": self.settings.to_json(),
            "meta": self.meta,
            "booster": self.booster,
        }
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path, version: str = MODEL_VERSION, known: Sequence[str] = FEATURES) -> ModelFile:
        """Read and check a file: its version must be `version` (this newsfuse's learned selector's
        unless given: the reranker's files share the format) and every feature one of `known`."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ModelError(f"{path}: cannot read the learned selector's model ({err}); run `newsfuse train`") from err
        found = payload.get("version") if isinstance(payload, dict) else None
        if found != version:
            raise ModelError(
                f"{path}: model version {found!r} does not match this newsfuse "
                f"({version!r}); retrain it with `newsfuse train`"
            )
        features, booster = payload.get("features"), payload.get("booster")
        if not isinstance(features, list) or not isinstance(booster, str):
            raise ModelError(f"{path}: the model file lacks its feature list or its booster")
        unknown = [f for f in features if f not in known]
        if unknown:
            raise ModelError(f"{path}: model uses features this newsfuse does not compute: {unknown}")
        meta = payload.get("meta") or {}
        settings = LearnedSettings.from_json(payload.get("selection"), str(path))
        return cls(booster=booster, features=tuple(features), settings=settings, meta=dict(meta), version=version)


_CACHE: dict[Path, LearnedSelector] = {}


@cache
def resolved_once(path: Path) -> Path:
    """A shipped model's resolved path, resolved once a process: a summary asks for the shipped
    models several times (each selector call, the order stage's refill), and each `resolve` is
    a file-system walk (about 50 us here)."""
    return path.resolve()


class LearnedSelector:
    """Score each early sentence with a LightGBM model, then pack greedily with redundancy control.

    The constructor only stores `settings` (packing) and the training parameters; `fit` sets
    `booster_` (a LightGBM booster; a model file's is a `trees.TreeEnsemble`) and `features_`; `LearnedSelector.load()` gives the fitted selector of the shipped
    model. Selecting with an unfitted selector raises `ModelError`.
    """

    name = "learned"
    # set by fit / from_model_file
    booster_: Any
    features_: tuple[str, ...]
    columns_: np.ndarray
    meta_: dict[str, Any]

    def __init__(
        self,
        settings: LearnedSettings = LearnedSettings(),
        *,
        objective: str = "lambdarank",
        params: Mapping[str, Any] | None = None,
        rounds: int = ROUNDS,
        seed: int = 0,
        features: Sequence[str] | None = None,
    ) -> None:
        self.settings = settings
        self.objective = objective
        self.params = params
        self.rounds = rounds
        self.seed = seed
        self.features = features

    # ---- fitting ---------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, group: np.ndarray | None = None) -> LearnedSelector:
        """Fit the scorer. `X`: one row per candidate sentence, the columns of `features.FEATURES`;
        `y`: its labels (0/1 oracle labels for "lambdarank" and "binary"); `group`: the number of
        rows of each cluster, in order (needed by "lambdarank": clusters are the queries)."""
        import lightgbm as lgb

        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; choose one of {', '.join(OBJECTIVES)}")
        names = list(self.features or FEATURES)
        cols = [FEATURES.index(f) for f in names]
        params = {**PARAMS, **(self.params or {}), "seed": self.seed, "deterministic": True}
        label, groups = np.asarray(y), None
        if self.objective == "binary":
            params["objective"] = "binary"
        elif self.objective == "lambdarank":  # only the order within a cluster matters
            if group is None:
                raise ValueError("the lambdarank objective needs `group` (rows per cluster)")
            params |= {"objective": "lambdarank", "lambdarank_truncation_level": 20}
            label, groups = label.astype(int), group
        dataset = lgb.Dataset(
            np.asarray(X)[:, cols], label=label, group=groups, feature_name=names, free_raw_data=False
        )
        self._set_fitted(lgb.train(params, dataset, num_boost_round=self.rounds), names)
        return self

    def _set_fitted(self, booster: Any, features: Sequence[str], meta: Mapping[str, Any] | None = None) -> None:
        self.booster_ = booster
        self.features_ = tuple(features)
        self.columns_ = np.array([FEATURES.index(f) for f in features], dtype=int)
        self.meta_ = dict(meta or {})

    @property
    def fitted(self) -> bool:
        return hasattr(self, "booster_")

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ModelError(
                "this LearnedSelector is not fitted: call fit(...), or use LearnedSelector.load() for the shipped model"
            )

    # ---- model files -----------------------------------------------------------------------

    def model_file(self, meta: Mapping[str, Any] | None = None) -> ModelFile:
        """The fitted selector as a model file (the booster as LightGBM's text model)."""
        self._check_fitted()
        return ModelFile(self.booster_.model_to_string(), self.features_, self.settings, dict(meta or {}))

    def save(self, path: str | Path, meta: Mapping[str, Any] | None = None) -> Path:
        """Write `model_file(meta)` to `path`; a selector `load` had cached from that path is dropped."""
        written = self.model_file(meta).write(path)
        _CACHE.pop(written.resolve(), None)
        return written

    @classmethod
    def from_model_file(cls, model: ModelFile, settings: LearnedSettings | None = None) -> LearnedSelector:
        """A fitted selector of `model`, packing with its settings (or `settings` when given). Its
        `booster_` is a `trees.TreeEnsemble` (the same scores as LightGBM's, without importing it)."""
        selector = cls(model.settings if settings is None else settings, seed=int(model.meta.get("seed", 0)))
        selector._set_fitted(read_trees(model.booster), model.features, model.meta)
        return selector

    @classmethod
    def load(cls, path: str | Path | None = None) -> LearnedSelector:
        """The fitted selector of the model file at `path` (default: the shipped one), read once a
        process and shared: do not refit it."""
        path = Path(path).resolve() if path else resolved_once(MODEL_PATH)
        if path not in _CACHE:
            _CACHE[path] = cls.from_model_file(ModelFile.read(path))
        return _CACHE[path]

    def with_settings(self, settings: LearnedSettings) -> LearnedSelector:
        """The same fitted model packing with other settings (the booster is shared, not copied)."""
        other = copy.copy(self)
        other.settings = settings
        return other

    # ---- selection -------------------------------------------------------------------------

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """The model's score of each row of a `story_features` matrix."""
        self._check_fitted()
        if len(matrix) == 0:
            return np.zeros(0)
        return np.asarray(self.booster_.predict(matrix[:, self.columns_], num_threads=1), dtype=float)

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        """Greedy packing by model score minus an MMR penalty, skipping trigram repeats; a summary
        goes over its budget by at most one sentence, as `_base.pack` promises."""
        self._check_fitted()
        if not story.sentences:
            return []
        opts = self.settings
        feats = story_features(story, candidate_reach(budget, opts.max_offset))
        if len(feats.candidates) == 0:
            return []
        scores = self.score(feats.matrix)
        sents = [story.sentences[i] for i in feats.candidates]
        lengths = np.array([s.words for s in sents])
        fits = (lengths >= opts.min_words) & (lengths <= opts.max_words)
        scores = lowered(scores, ~fits)  # misfits only when nothing else is left
        trigrams = _trigram_matrix(feats.tokens) if opts.trigram_block else None
        chosen = _greedy(scores, lengths, feats.similarity, trigrams, budget, opts.mmr, opts.block_share)
        return [sents[i] for i in chosen]

    def __repr__(self) -> str:
        state = "fitted" if self.fitted else "unfitted"
        return f"LearnedSelector({asdict(self.settings)}, objective={self.objective!r}, {state})"


@register("learned")
class ShippedLearnedSelector:
    """The registry's "learned": `LearnedSelector.load()` (the shipped model), read on first use,
    so that naming the selector (as the CLI does to check a name) reads no model, and a missing
    model fails each story with `ModelError` as before."""

    name = "learned"

    def __init__(self, options: Options | None = None) -> None:
        self.settings = options.learned if options is not None else None  # None: the model file's

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        if not story.sentences:
            return []
        shipped = LearnedSelector.load()
        return (shipped.with_settings(self.settings) if self.settings else shipped)(story, budget)


def _greedy(scores, lengths, similarity, trigrams, budget, mmr, block_share) -> list[int]:
    n = len(scores)
    similarity = similarity.tocsr() if sparse.issparse(similarity) else similarity
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
        grams = trigrams.indices[trigrams.indptr[i] : trigrams.indptr[i + 1]] if trigrams is not None else None
        if grams is not None and chosen:
            repeated = float(seen[grams].sum())
            if repeated > block_share * max(1, len(grams)):
                continue
        chosen.append(i)
        total += lengths[i]
        max_sim = np.maximum(max_sim, _row(similarity, i, n))
        if grams is not None:
            seen[grams] = 1.0
        if total > budget:
            break
    return chosen


def _row(matrix, i: int, n: int) -> np.ndarray:
    """Row i of a dense array or a CSR matrix, as a dense vector (sliced by hand: scipy's row
    indexing costs more than the rest of a greedy step)."""
    if not sparse.issparse(matrix):
        return matrix[i]
    row = np.zeros(n)
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    row[matrix.indices[lo:hi]] = matrix.data[lo:hi]
    return row


def _trigram_matrix(tokens: list[list[str]]) -> sparse.csr_matrix:
    """Binary (sentence x word-trigram) incidence of the candidates (a row's columns unsorted:
    the greedy packing reads them as a set)."""
    vocab: dict[tuple[str, str, str], int] = {}
    cols: list[int] = []
    indptr = [0]
    for toks in tokens:
        cols += [vocab.setdefault(g, len(vocab)) for g in set(zip(toks, toks[1:], toks[2:]))]
        indptr.append(len(cols))
    return sparse.csr_matrix(
        (np.ones(len(cols)), np.array(cols, dtype=np.int32), np.array(indptr, dtype=np.int32)),
        shape=(len(tokens), max(1, len(vocab))),
    )
