"""The reranker's meaning features: wordllama token sums, the candidate-to-story cosines, and their switch."""

from __future__ import annotations

import numpy as np

from newsfuse.meaning import encoder
from newsfuse.select.learned import LearnedSelector
from newsfuse.select.rerank import CANDIDATE_FEATURES, RerankSettings, candidates
from newsfuse.select.semantic import GAPPED, MEANING_FEATURES, meaning_columns, token_sums
from test_learned import small_story

TEXTS = [
    "The U.S. will not cooperate with Russia on Syria, officials said.",
    "Washington refused to work with Moscow in the Syrian conflict.",
    "The recipe needs two cups of flour and a pinch of salt.",
]


def test_token_sums_over_counts_are_wordllamas_pooled_vectors():
    sums, counts = token_sums([*TEXTS, ""])
    assert counts[-1] == 0 and np.all(sums[-1] == 0) and np.all(counts[:-1] > 3)
    pooled = encoder().embed(TEXTS)
    assert np.allclose(sums[:-1] / counts[:-1, None], pooled, atol=1e-6)


def test_a_candidate_closer_in_meaning_to_the_story_scores_higher():
    """Two sentences on one news and one off it: the candidate of the news scores higher than the
    off-topic one against the story, the origins and the best article; the whole story scores 1."""
    sums, _ = token_sums(TEXTS + [TEXTS[0]])
    member = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [1, 1, 1, 1], [1, 0, 0, 1]], dtype=float)
    lengths = np.array([11.0, 10.0, 12.0, 11.0])
    docs, origins = np.array([0, 1, 2, 0]), np.array(["a", "b", "c", "a"])
    cols = meaning_columns(sums, member, lengths, docs, origins, best_doc=0)
    assert set(cols) == set(MEANING_FEATURES) - {f"{name}_gap" for name in GAPPED}
    assert np.isclose(cols["meaning_cos"][2], 1.0) and cols["meaning_gap"][2] == 0.0
    assert cols["meaning_gap"].max() == 0.0 and cols["meaning_gap"][1] < 0
    for key in ("meaning_cos", "meaning_origin_mean", "meaning_priority", "meaning_sent_mean"):
        assert cols[key][0] > cols[key][1], key
    assert np.isclose(cols["meaning_pair_max"][3], 1.0)  # the same sentence twice
    assert cols["meaning_pair_max"][0] == 0.0  # one sentence: no pair
    assert cols["meaning_origin_min"][2] < cols["meaning_origin_mean"][2]


def test_meaning_columns_are_filled_only_when_the_settings_ask():
    story, scorer = small_story(), LearnedSelector.load()
    at = [CANDIDATE_FEATURES.index(f) for f in MEANING_FEATURES]
    on = candidates(story, 40, scorer, RerankSettings(meaning=True))
    off = candidates(story, 40, scorer, RerankSettings(meaning=False))
    assert on is not None and off is not None and on.chosen == off.chosen
    assert np.all(off.matrix[:, at] == 0) and np.any(on.matrix[:, at] != 0)
    rest = [j for j in range(len(CANDIDATE_FEATURES)) if j not in at]
    assert np.array_equal(on.matrix[:, rest], off.matrix[:, rest])
    # a model file written before the setting existed learned without the columns
    assert RerankSettings.from_json({}).meaning is False
    assert RerankSettings.from_json(RerankSettings().to_json()) == RerankSettings()


def test_gap_columns_are_each_candidates_distance_to_the_storys_best():
    story = small_story()
    made = candidates(story, 40, LearnedSelector.load(), RerankSettings(meaning=True))
    assert made is not None and len(made.chosen) >= 2
    for name in GAPPED:
        value, gap = (made.matrix[:, CANDIDATE_FEATURES.index(f)] for f in (name, f"{name}_gap"))
        assert gap.max() == 0.0 and np.allclose(gap, value - value.max(), atol=1e-5), name
