"""Unsupervised selector: salience from cross-origin agreement, centrality and lead position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model import Sentence
from ..prepare import PreparedStory
from ._base import MAX_WORDS, MIN_WORDS, lowered, pack, register, similarity_redundancy

if TYPE_CHECKING:
    from ..settings import Options


@dataclass(frozen=True)
class CentralityWeights:
    """Weights of the salience terms and the redundancy threshold, tuned on validation."""

    agreement: float = 1.0
    centrality: float = 1.0
    position: float = 1.0
    redundancy: float = 0.5


def origin_ids(story: PreparedStory) -> np.ndarray:
    """Each sentence's origin by copied text and agency copy (`PreparedStory.copy_origins`, as the features read it)."""
    return np.array([story.copy_origin_of(s.document) for s in story.sentences])


def salience(story: PreparedStory, similarity: np.ndarray, cands: np.ndarray, weights: CentralityWeights) -> np.ndarray:
    """Scores of the candidates: how widely other origins state it, how central, how early.

    `similarity` holds cosines of the candidates (rows) against every sentence (columns)."""
    centrality = similarity.mean(axis=1)
    agreement = _agreement(similarity, origin_ids(story), cands)
    position = 1.0 / np.sqrt(1.0 + np.array([story.sentences[i].position for i in cands]))
    return weights.agreement * agreement + weights.centrality * centrality + weights.position * position


def _agreement(similarity: np.ndarray, origins: np.ndarray, cands: np.ndarray) -> np.ndarray:
    """Mean, over the other origins, of the best match a candidate has in that origin."""
    labels = np.unique(origins)
    if len(labels) < 2:
        return np.zeros(len(cands))
    best = np.stack([similarity[:, origins == o].max(axis=1) for o in labels], axis=1)
    best[origins[cands][:, None] == labels[None, :]] = 0.0
    return best.sum(axis=1) / (len(labels) - 1)


@register("centrality")
class CentralitySelector:
    """Rank by salience, then pack to the budget leaving out sentences that repeat a chosen one."""

    name = "centrality"

    def __init__(self, options: Options | None = None) -> None:
        self.weights = options.centrality if options is not None else CentralityWeights()

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        if not story.sentences:
            return []
        cands = story.candidates
        vectors = story.views.tfidf()
        similarity = np.asarray((vectors[cands] @ vectors.T).todense())
        scores = salience(story, similarity, cands, self.weights)
        fits = np.array([MIN_WORDS <= story.sentences[i].words <= MAX_WORDS for i in cands], dtype=bool)
        scores = lowered(scores, ~fits)  # misfits only when nothing else is left
        ranked = np.argsort(-scores, kind="stable").tolist()
        local = [story.sentences[i] for i in cands]
        redundant = similarity_redundancy(similarity[:, cands], self.weights.redundancy)
        return [local[i] for i in pack(local, ranked, budget, redundant)]
