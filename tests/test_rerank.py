"""The reranker: candidate summaries, picking by its model, model file and version check, budget, training."""

from __future__ import annotations

import numpy as np
import pytest

from newsfuse.errors import ModelError
from newsfuse.select import available, get_selector
from newsfuse.select.learned import LearnedSelector, ModelFile
from newsfuse.select.rerank import (
    CANDIDATE_FEATURES,
    RERANK_VERSION,
    Reranker,
    RerankSettings,
    candidates,
)
from test_learned import DATA, needs_data, small_story

SHARE = CANDIDATE_FEATURES.index("share_of_budget")


def synthetic(sign: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows whose label rises (sign 1) or falls (sign -1) with the candidate's share of its budget."""
    rng = np.random.default_rng(0)
    groups = np.full(40, 8)
    X = rng.random((groups.sum(), len(CANDIDATE_FEATURES))).astype(np.float32)
    X[:, SHARE] *= 1.5  # a packing may pass its budget by one sentence
    return X, sign * X[:, SHARE], groups


def fitted(sign: float) -> Reranker:
    X, y, groups = synthetic(sign)
    return Reranker(rounds=30, params={"min_data_in_leaf": 5, "feature_fraction": 1.0}).fit(X, y, groups)


def test_candidates_are_distinct_packings_within_the_budget():
    story = small_story()
    made = candidates(story, 40, LearnedSelector.load())
    assert made is not None and len(made.chosen) >= 2
    assert len({frozenset(c) for c in made.chosen}) == len(made.chosen)
    assert made.matrix.shape == (len(made.chosen), len(CANDIDATE_FEATURES))
    for chosen in made.chosen:
        lengths = [story.sentences[made.feats.candidates[i]].words for i in chosen]
        assert sum(lengths[:-1]) <= 40  # over the budget by at most its last sentence, as pack


VARIANT = CANDIDATE_FEATURES.index("variant")


def test_article_lead_candidates_are_each_articles_opening_in_order():
    story = small_story()
    made = candidates(story, 40, LearnedSelector.load(), RerankSettings(article_leads=5))
    assert made is not None
    leads = [c for c, v in zip(made.chosen, made.matrix[:, VARIANT]) if v == 3]
    assert leads  # some article's opening is not already another candidate
    for chosen in leads:
        sents = [story.sentences[made.feats.candidates[i]] for i in chosen]
        assert len({s.document for s in sents}) == 1
        assert [s.position for s in sents] == sorted(s.position for s in sents) and sents[0].position == 0
    assert not any(
        v == 3
        for v in candidates(story, 40, LearnedSelector.load(), RerankSettings(article_leads=0)).matrix[:, VARIANT]
    )


def test_half_quotes_are_packed_only_when_nothing_else_is_left():
    """A story whose articles end on a quotation they open and do not close: with `whole_quotes`
    no candidate holds it while others fill the budget; without it, some do."""
    from newsfuse.model import Article, Story
    from newsfuse.prepare import prepare
    from newsfuse.select.order import unbalanced_quotes

    half = 'The minister said: "The ceasefire will hold in every province of the country from Monday on.'
    texts = [
        "Officials from both sides met in Geneva to sign the ceasefire agreement after weeks of talks. "
        f"The United Nations welcomed the deal and promised monitors for the border regions soon. {half}",
        "Aid groups said they would send food convoys to the besieged towns within days of the ceasefire. "
        f"Residents of the capital celebrated in the streets as the news of the agreement spread. {half}",
    ]
    story = prepare(Story(articles=[Article(text=t, outlet=f"o{i}") for i, t in enumerate(texts)]))
    scorer = LearnedSelector.load()

    def halves(settings: RerankSettings) -> int:
        made = candidates(story, 50, scorer, settings)
        assert made is not None
        return sum(unbalanced_quotes(story.sentences[made.feats.candidates[i]].text) for c in made.chosen for i in c)

    assert halves(RerankSettings(whole_quotes=False)) > 0
    assert halves(RerankSettings(whole_quotes=True)) == 0


def test_a_pointing_back_sentence_is_packed_only_after_its_referent():
    """Articles whose shared news is told in sentences opening with "He" and "However": with
    `referents` each such sentence in a candidate comes after the sentence before it in its
    article; without it, some candidate holds one alone."""
    from newsfuse.model import Article, Story
    from newsfuse.prepare import prepare
    from newsfuse.select.order import needs_referent, predecessor

    texts = [
        "The mayor of the city met the striking bus drivers at the town hall on Tuesday morning. "
        "He promised the drivers a pay rise and new buses after the long strike over wages. "
        "However, the drivers said the strike over wages would go on until the pay rise was signed.",
        "Bus drivers in the city have been on strike for three weeks, leaving thousands without transport. "
        "He promised the drivers a pay rise and new buses, the mayor's office said after the strike talks. "
        "However, the drivers said the strike would go on until the pay rise and the new buses were signed.",
    ]
    story = prepare(Story(articles=[Article(text=t, outlet=f"o{i}") for i, t in enumerate(texts)]))
    scorer = LearnedSelector.load()

    def alone(settings: RerankSettings) -> int:
        made = candidates(story, 40, scorer, settings)
        assert made is not None
        count = 0
        for chosen in made.chosen:
            sents = [story.sentences[made.feats.candidates[i]] for i in chosen]
            count += sum(needs_referent(s.text) and predecessor(story, s) not in sents[:k] for k, s in enumerate(sents))
        return count

    assert alone(RerankSettings(referents=False)) > 0
    assert alone(RerankSettings(referents=True)) == 0


def test_the_model_chooses_the_candidate():
    """A model that likes long summaries and one that likes short ones pick different candidates,
    each the one its model scores highest."""
    story = small_story()
    made = candidates(story, 40, LearnedSelector.load())
    assert made is not None
    models = {sign: fitted(sign) for sign in (1.0, -1.0)}
    pick = {sign: model(story, 40) for sign, model in models.items()}
    for sign, model in models.items():
        scores = model.score(made.matrix)
        best = made.chosen[int(np.argmax(scores))]
        assert pick[sign] == [story.sentences[made.feats.candidates[i]] for i in best]
    # the model that likes long summaries picks a longer one (its other features are noise, so
    # it need not be the very longest candidate)
    assert pick[1.0] != pick[-1.0]
    assert sum(s.words for s in pick[1.0]) > sum(s.words for s in pick[-1.0])


def test_unfitted_reranker_raises_model_error():
    reranker = Reranker()
    assert not reranker.fitted
    with pytest.raises(ModelError, match="not fitted"):
        reranker(small_story(), 40)
    with pytest.raises(ModelError):
        reranker.model_file()


def test_model_file_round_trip_and_version_check(tmp_path):
    settings = RerankSettings(shares=(0.5, 1.0), redundancy="4gram", doc_priority=False, swaps=2)
    reranker = fitted(1.0).with_settings(settings)
    path = reranker.save(tmp_path / "rerank.json", {"train_clusters": 40})
    model = ModelFile.read(path, RERANK_VERSION, CANDIDATE_FEATURES)
    assert model.version == RERANK_VERSION and model.meta["train_clusters"] == 40
    again = Reranker.load(path)
    assert again.settings == settings
    X, _, _ = synthetic(1.0)
    assert np.array_equal(again.score(X), reranker.score(X))
    assert model.write(tmp_path / "again.json").read_bytes() == path.read_bytes()
    with pytest.raises(ModelError, match="version"):
        ModelFile.read(path)  # not a learned selector's file
    with pytest.raises(ModelError, match="redundancy"):
        RerankSettings.from_json({"redundancy": "5gram"})


def test_shipped_reranker_is_registered_and_keeps_the_budget():
    story = small_story()
    chosen = get_selector("rerank")(story, 30)
    assert chosen and all(s in story.sentences for s in chosen)
    assert sum(s.words for s in chosen[:-1]) <= 30
    assert {"learned", "rerank"} <= set(available())


@needs_data
@pytest.mark.timeout(600)  # two trainings, each starting two worker processes
def test_training_reproduces_the_reranker(tmp_path):
    from newsfuse.train import train_reranker

    paths = [
        train_reranker(DATA / "multinews" / "train.jsonl.gz", tmp_path / f"r{k}", limit=25, skip=0) for k in (0, 1)
    ]
    assert paths[0]["train_clusters"] == 25
    first, second = (tmp_path / f"r{k}" / "rerank.json" for k in (0, 1))
    assert first.read_bytes() == second.read_bytes()
    story = small_story()
    assert Reranker.load(first)(story, 40)


def test_a_budget_far_past_the_trained_ones_gets_the_scorers_packing():
    from newsfuse.select.rerank import TRAINED_BUDGET_MAX

    story = small_story()
    scorer = LearnedSelector.load()
    reranker = fitted(-1.0).with_scorer(scorer)  # a model that likes short summaries
    assert reranker(story, TRAINED_BUDGET_MAX + 1) == scorer(story, TRAINED_BUDGET_MAX + 1)
