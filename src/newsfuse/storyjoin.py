"""Does an article off any clock join its best story? A small logistic regression over the join's own signals."""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelError
from .logistic import Logistic

if TYPE_CHECKING:
    from .model import Article
    from .stories import ClusterSettings, StoryState

__all__ = [
    "JoinSettings",
    "JoinModel",
    "JOIN_FEATURES",
    "JOIN_PATH",
    "join_features",
    "signals",
    "shipped_join",
    "train_join",
]

JOIN_VERSION = "undated-join-1"
JOIN_PATH = Path(__file__).resolve().parent / "models" / "undated-join.json"
# What the model reads of an article and its best live story, in column order. Only what every
# index holds (a story's centroid and size), so the store and the Dask merge decide alike.
JOIN_FEATURES = (
    "cosine",  # the article's cosine with the best story's centroid
    "log_size",  # log of that story's articles: a big story gathers impostors' words, so it asks more
    "margin",  # that cosine less the runner-up's (0 without one): a clear winner asks less
)
# The training streams (`train_join`): undated, so every join is off any clock. The event sets'
# tuning portions (../shared/data/events) without their dates, and two shuffled piles of
# Multi-News train clusters, one of the test mix's size (the first 950 records, 2,228
# articles) and one of the validation mix's (records 1,000 to 5,999, 11,587 articles): the same
# decision at both densities of impostors.
JOIN_EVENT_SETS = ("allsides2021.tune-early.jsonl", "pac.train.jsonl")
JOIN_MIXES = ((0, 950), (1000, 5000))
JOIN_SEED = 5


@dataclass(frozen=True)
class JoinSettings:
    """How the model is fitted and when it says "join"."""

    # L2 penalty on the standardized coefficients and the most Newton steps (as `pairs.PairSettings`).
    l2: float = 1.0
    max_iter: int = 50
    # The probability from which the article joins: 0.5, not tuned (0.38 / 0.62, one-off: the
    # first clusters 0.887 / 0.869, undated PAC train 0.911 / 0.953; docs/benchmarks.md, branch `events3`).
    threshold: float = 0.5


def signals(ranked: Sequence[tuple[int, float, StoryState]]) -> tuple[float, int, float]:
    """What the join reads of a clusterer's `ranked` candidates (best first, not empty): the best
    story's cosine and size, and the runner-up's cosine (0 without one)."""
    _, cosine, state = ranked[0]
    return cosine, state.size, ranked[1][1] if len(ranked) > 1 else 0.0


def join_features(cosine: float, size: int, runner_up: float) -> list[float]:
    """The JOIN_FEATURES of a best story's cosine, its size and the runner-up's cosine."""
    return [cosine, math.log(max(size, 1)), cosine - runner_up]


class JoinModel(Logistic):
    """Whether an article off any clock joins its best story: a `Logistic` over JOIN_FEATURES,
    decided on the raw features in plain Python (the join asks it once an article)."""

    VERSION, FEATURES, SETTINGS, PATH, WHAT = JOIN_VERSION, JOIN_FEATURES, JoinSettings, JOIN_PATH, "undated join"

    def _fitted(self) -> None:
        """The coefficients on raw features, so a decision is three products in plain Python."""
        self.raw_coef_ = (self.coef_ / self.scale_).tolist()
        self.raw_intercept_ = self.intercept_ - float(np.dot(self.coef_ / self.scale_, self.mean_))
        p = self.settings.threshold
        self.logit_cut_ = math.log(p / (1 - p))

    def _logit(self, features: Sequence[float]) -> float:
        return self.raw_intercept_ + sum(c * f for c, f in zip(self.raw_coef_, features))

    def probability(self, features: Sequence[float]) -> float:
        """The probability that the article is of its best story's event (a row of JOIN_FEATURES)."""
        return 1 / (1 + math.exp(-self._logit(features)))

    def joins(self, cosine: float, size: int, runner_up: float) -> bool:
        """Whether the article joins (probability at least the settings' threshold; no exp taken)."""
        return self._logit(join_features(cosine, size, runner_up)) >= self.logit_cut_


@lru_cache(maxsize=1)
def shipped_join() -> JoinModel:
    """The package's model (read once a process)."""
    return JoinModel.load(JOIN_PATH)


def join_rows(
    articles: Sequence[Article], truth: Sequence[object], settings: ClusterSettings
) -> tuple[np.ndarray, np.ndarray]:
    """One row of JOIN_FEATURES for each article off any clock that meets a live story, as the
    clusterer with `settings` meets it; labelled 1 when that story already holds an article of
    the article's gold event."""
    from .stories import StoryClusterer

    clusterer = StoryClusterer(settings=settings)
    held: dict[int, Counter] = defaultdict(Counter)
    X, y = [], []
    for article, vector, event in zip(articles, clusterer.vectorize(articles), truth):
        if article.published is None and clusterer.clock(None) is None:
            ranked = clusterer.ranked(vector, None, clusterer.arrivals)
            if ranked:
                X.append(join_features(*signals(ranked)))
                y.append(1.0 if held[ranked[0][0]][event] else 0.0)
        held[clusterer.assign(vector, article.published)][event] += 1
    return np.array(X, dtype=float).reshape(-1, len(JOIN_FEATURES)), np.array(y)


def _pile(path: Path, start: int, records: int, seed: int) -> tuple[list[Article], list[int]]:
    """The kept, non-empty documents of Multi-News records [start, start + records), shuffled; and
    each one's record number."""
    pairs = [(a, n) for a, n in _kept_documents(path) if start <= n < start + records]
    random.Random(seed).shuffle(pairs)
    return [a for a, _ in pairs], [n for _, n in pairs]


def _kept_documents(path: Path) -> Iterator[tuple[Article, int]]:
    import gzip

    from .model import Article

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            for i in record["cleansed_keep"]:
                text = record["documents"][i]
                if text.strip():
                    yield Article(text=text, id=f"{record['id']}-{i}"), number


def _event_stream(path: Path) -> tuple[list[Article], list[str]]:
    """An event set's articles in stream order without their dates (only the clusterer's fields)."""
    from .model import Article

    articles, truth = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            r = json.loads(line)
            articles.append(Article(text=r["text"], title=r.get("title"), outlet=r.get("outlet"), id=r["id"]))
            truth.append(r["event"])
        except (ValueError, KeyError) as err:
            raise ModelError(f"{path}:{number}: not an event record ({err})") from err
    return articles, truth


def train_join(out_dir: str | Path, events_dir: str | Path, multinews_train: str | Path) -> dict:
    """Fit the undated join model on the rows (`join_rows`) of the default settings' decisions by
    `undated_threshold` (the model's own would need the model) on
    every JOIN_EVENT_SETS stream and JOIN_MIXES pile, each stream weighted alike, and save it to
    `out_dir/undated-join.json`."""
    from dataclasses import replace

    from .stories import DEFAULT

    streams: dict[str, tuple[list, list]] = {}
    for name in JOIN_EVENT_SETS:
        streams[name] = _event_stream(Path(events_dir) / name)
    for start, records in JOIN_MIXES:
        streams[f"multinews-train[{start}:{start + records}]"] = _pile(Path(multinews_train), start, records, JOIN_SEED)
    groups = [join_rows(articles, truth, replace(DEFAULT, learned_join=False)) for articles, truth in streams.values()]
    model = JoinModel().fit_balanced(groups)
    meta = {"train_streams": list(streams), "train_rows": sum(len(labels) for _, labels in groups)}
    return {"model": str(model.save(Path(out_dir) / JOIN_PATH.name, meta)), **meta}
