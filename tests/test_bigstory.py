"""Big stories: the sparse paths give what the dense ones give (exactly where promised), and the
features switch to the sparse path only above BIG_STORY candidates."""

from __future__ import annotations

import numpy as np

from newsfuse import features
from newsfuse.model import Article, Story
from newsfuse.prepare import prepare

TEXTS = [
    "The city council voted 7 to 2 on Monday to approve the new budget for the harbour. "
    "The mayor said the budget adds money for schools and roads. Critics said taxes would rise.",
    "On Monday the council approved the harbour budget by 7 votes to 2. "
    "The budget adds money for schools and roads, the mayor said. Opponents warned of higher taxes.",
    "Council members approved a harbour budget on Monday in a 6 to 3 vote. "
    "Schools and roads get more money. A resident said the meeting ran late into the night.",
]


def _story() -> object:
    return prepare(Story(articles=[Article(text=t) for t in TEXTS * 4]))


def test_neighbours_equal_dense_cosines_above_threshold() -> None:
    story = _story()
    dense = story.views.similarity(story.candidates)
    near = story.views.neighbours(story.candidates, 0.2).toarray()
    assert np.array_equal(np.where(dense >= 0.2, dense, 0.0), near)


def test_sparse_features_only_above_big_story(monkeypatch) -> None:
    story = _story()
    small = features.story_features(story)
    assert isinstance(small.similarity, np.ndarray) and len(small.candidates) <= features.BIG_STORY
    monkeypatch.setattr(features, "BIG_STORY", 0)
    big = features.story_features(_story())  # a story's features are made once: the same text prepared again
    assert not isinstance(big.similarity, np.ndarray)
    exact = [f for f in features.FEATURES if f not in ("max_sim_other", "agreement", "within_doc_dup")]
    cols = [features.FEATURES.index(f) for f in exact]
    assert np.allclose(small.matrix[:, cols], big.matrix[:, cols], atol=1e-5)
    # the rest read cosines under BIG_FLOOR as 0
    assert np.abs(small.matrix - big.matrix).max() <= features.BIG_FLOOR
