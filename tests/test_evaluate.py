from __future__ import annotations

import pytest

from newsfuse.evaluate import evaluate, load_clusters, reference_lines, rouge
from newsfuse.settings import Options


def test_rouge_is_rouge_score_with_stemming():
    assert rouge("the cats ran", "the cat runs")["rouge1"] > 60  # stemming matches cats/cat, ran? no
    assert rouge("alpha beta", "gamma delta")["rouge2"] == 0.0


def test_reference_lines_split_sentences_for_rougelsum():
    assert reference_lines("– The port closed. It reopened on Monday.") == "The port closed.\nIt reopened on Monday."


@pytest.mark.parametrize("selector", ["learned", "centrality"])
def test_newsfuse_beats_baselines_on_fulltext_dev(fulltext_dev, selector):
    """The quality bar: all 50 full-text clusters at the default length, for the default
    (learned) selector and the unsupervised one (about 20 s each)."""
    scores = evaluate(list(load_clusters(fulltext_dev)), Options(selector=selector))
    ours, lead, lexrank = (scores.mean(name) for name in (selector, "lead", "lexrank"))
    assert scores.clusters == 50
    for baseline in (lead, lexrank):
        assert ours["rouge1"] > baseline["rouge1"] and ours["rouge2"] > baseline["rouge2"]
