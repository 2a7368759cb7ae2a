"""The selector protocol, the registry of selectors by name, and the shared budget packing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..errors import UnknownNameError
from ..model import Sentence
from ..prepare import PreparedStory

if TYPE_CHECKING:
    from ..settings import Options

__all__ = ["Selector", "register", "get_selector", "available", "default_budget", "pack", "lowered", "fitting"]

# Default length rule: 40% of the story's body words, between 60 and 260 words. 260 is the
# mean length of Multi-News reference summaries; 40% keeps a two-short-article story from
# being "summarized" by nearly all of its text.
BUDGET_SHARE = 0.4
BUDGET_MIN = 60
BUDGET_MAX = 260
# Stop packing once the summary is this close to its budget.
BUDGET_SLACK = 5
# Candidate lengths in words: shorter sentences are fragments or datelines, longer ones run-ons or
# lists; a selector takes them only when nothing else is left. Chosen on validation against 8 and
# 50 words (`bench/bench_selection.py tune`), for the centrality and the learned selector alike.
MIN_WORDS = 6
MAX_WORDS = 70

# ... a misfit (outside those lengths; for the reranker also a half quote) has its score lowered
# by MISFIT_PENALTY, so a greedy packing reaches it only when nothing else is left; a fitting
# sentence's score stays above -MISFIT_PENALTY / 2 (the scorers' outputs are a few units wide).
MISFIT_PENALTY = 10.0


def lowered(scores: np.ndarray, misfit: np.ndarray) -> np.ndarray:
    """The scores with each misfit's lowered by MISFIT_PENALTY."""
    return np.where(misfit, scores - MISFIT_PENALTY, scores)


def fitting(scores: np.ndarray) -> np.ndarray:
    """True where a score of `lowered` was not lowered."""
    return scores > -MISFIT_PENALTY / 2


class Selector(Protocol):
    """Chooses the summary's sentences: `(story, budget in words) -> sentences`, best first."""

    name: str

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]: ...


# A selector class is built from the Options it runs under (None: every default), so its settings
# come from the one settings tree.
Factory = Callable[["Options | None"], Selector]
_REGISTRY: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Class decorator: make a selector available to the CLI, the service and the API by name."""

    def add(factory: Factory) -> Factory:
        _REGISTRY[name] = factory
        return factory

    return add


def available() -> list[str]:
    return sorted(_REGISTRY)


def get_selector(name: str, options: Options | None = None) -> Selector:
    """The selector registered as `name`, with its settings from `options`."""
    if name not in _REGISTRY:
        raise UnknownNameError(f"unknown selector {name!r}; choose one of {', '.join(available())}")
    return _REGISTRY[name](options)


def default_budget(story: PreparedStory) -> int:
    """The summary length in words when the caller gives none (rule documented above)."""
    body_words = sum(s.words for s in story.sentences)
    return int(min(BUDGET_MAX, max(BUDGET_MIN, round(BUDGET_SHARE * body_words))))


def pack(
    sentences: Sequence[Sentence],
    ranked: Sequence[int],
    budget: int,
    is_redundant: Callable[[int, list[int]], bool] | None = None,
) -> list[int]:
    """Take ranked sentences while they fit the word budget, skipping redundant ones.

    A sentence that does not fit is still taken, as the last one, when it brings the length
    closer to the budget than stopping would: so a summary exceeds its budget by at most
    one sentence, and is never cut mid-sentence.
    """
    chosen: list[int] = []
    total = 0
    for i in ranked:
        if total >= budget - BUDGET_SLACK:
            break
        n = sentences[i].words
        if is_redundant is not None and is_redundant(i, chosen):
            continue
        if total + n <= budget:
            chosen.append(i)
            total += n
        elif total + n - budget < budget - total:
            chosen.append(i)
            break
    return chosen


def similarity_redundancy(similarity: np.ndarray, threshold: float) -> Callable[[int, list[int]], bool]:
    """A redundancy test: candidate i repeats a chosen sentence when their cosine >= threshold."""

    def is_redundant(i: int, chosen: list[int]) -> bool:
        return bool(chosen) and float(similarity[i, chosen].max()) >= threshold

    return is_redundant
