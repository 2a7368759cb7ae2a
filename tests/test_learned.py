"""The learned selector: model file and version check, features, budget and extractiveness, training, quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsfuse.errors import ModelError
from newsfuse.evaluate import load_clusters, rouge
from newsfuse.features import FEATURES, story_features
from newsfuse.model import Article, Story
from newsfuse.prepare import prepare
from newsfuse.select import _base, get_selector
from newsfuse.select import learned as learned_mod

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FULLTEXT = DATA / "fulltext-dev.jsonl"
needs_data = pytest.mark.skipif(not FULLTEXT.exists(), reason="../shared/data is not available")

ARTICLES = [
    "Flooding forced 2,000 people from their homes in Dresden on Tuesday, officials said.\n\n"
    "The Elbe river rose to 8.5 meters, its highest level since 2002.\n\n"
    '"We have never seen water this fast," said Anna Weber, a resident.\n\n'
    "Rescue teams used boats to reach people trapped in the old town.\n\n"
    "The city council will meet on Wednesday to discuss the cost of the damage.",
    "More than 2,000 residents of Dresden left their homes on Tuesday as the Elbe flooded.\n\n"
    "The river reached 8.5 meters, according to the regional flood office.\n\n"
    "Boats carried people out of the old town, where streets were under water.\n\n"
    "Is the city ready for the next flood?",
    "Germany sent soldiers to help Dresden after the Elbe burst its banks.\n\n"
    "About 2,000 people were evacuated, the interior ministry said.\n\n"
    "Insurers estimate the damage at 300 million euros.",
]


def small_story() -> Story:
    story = prepare(Story(articles=[Article(text=t, outlet=f"o{i}") for i, t in enumerate(ARTICLES)]))
    return story


def test_shipped_model_loads_with_its_version():
    model = learned_mod.load_model()
    assert model.booster is not None and model.features
    assert set(model.features) <= set(FEATURES)
    payload = json.loads(learned_mod.MODEL_PATH.read_text())
    assert payload["version"] == learned_mod.MODEL_VERSION
    assert learned_mod.MODEL_PATH.stat().st_size < 20 * 1024 * 1024


def test_tampered_version_raises_model_error(tmp_path):
    payload = json.loads(learned_mod.MODEL_PATH.read_text())
    payload["version"] = "learned-0-old"
    path = tmp_path / "learned.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(ModelError, match="version"):
        learned_mod.load_model(path)


def test_missing_model_raises_model_error(tmp_path):
    with pytest.raises(ModelError):
        learned_mod.load_model(tmp_path / "absent.json")


def test_features_shape_and_finite():
    story = small_story()
    feats = story_features(story)
    assert feats.matrix.shape == (len(feats.candidates), len(FEATURES))
    assert len(feats.candidates) == len(story.sentences)  # short articles: every sentence is a candidate
    assert np.isfinite(feats.matrix).all()
    col = {f: feats.matrix[:, FEATURES.index(f)] for f in FEATURES}
    first = [k for k, i in enumerate(feats.candidates) if story.sentences[i].position == 0]
    assert (col["is_lead"][first] == 1).all() and col["is_lead"].sum() == len(first)
    quoted = [k for k, i in enumerate(feats.candidates) if story.sentences[i].text.startswith('"')]
    assert quoted and (col["starts_quote"][quoted] == 1).all()
    # the 2,000-evacuated fact is stated by all three articles: it agrees across origins
    evac = [k for k, i in enumerate(feats.candidates) if "2,000" in story.sentences[i].text]
    other = [k for k in range(len(feats.candidates)) if k not in evac]
    assert col["agreement"][evac].mean() > col["agreement"][other].mean()


def check_selection(story: Story, budget: int) -> list:
    chosen = get_selector("learned")(story, budget)
    assert chosen
    for s in chosen:  # extractive: exact spans of source articles, Sentence objects of the story
        assert s in story.sentences
        assert s.text == story.articles[s.document].text[s.start : s.end]
    total = sum(s.words for s in chosen)
    # budget rule of _base.pack: over the budget by at most the last sentence
    assert total - chosen[-1].words < budget
    assert len(set(chosen)) == len(chosen)
    return chosen


def test_learned_selector_budget_and_extractive():
    story = small_story()
    for budget in (15, 30, 60):
        check_selection(story, budget)
    assert 60 <= learned_mod.learned_budget(story) <= _base.BUDGET_MAX + 100


@needs_data
def test_learned_on_fulltext_budget_rule():
    for story, _ in load_clusters(FULLTEXT, limit=5):
        story = prepare(story)
        check_selection(story, _base.default_budget(story))
        check_selection(story, learned_mod.learned_budget(story))


@needs_data
def test_training_on_tiny_subset(tmp_path):
    from newsfuse.train import train

    metrics = train(
        DATA / "multinews" / "train.jsonl.gz",
        DATA / "multinews" / "validation.jsonl.gz",
        tmp_path,
        seed=0,
        limit=200,
        progress=False,
    )
    assert metrics["train_clusters"] > 100
    model = learned_mod.load_model(tmp_path / "learned.json")
    story = small_story()
    chosen = learned_mod.LearnedSelector(model_path=tmp_path / "learned.json")(story, 40)
    assert chosen and all(s in story.sentences for s in chosen)
    assert model.meta["train_clusters"] == metrics["train_clusters"]
    assert metrics["validation"]["learned"]["rouge1"] > 20


@needs_data
def test_quality_floor_beats_lead_on_fulltext():
    learned, lead = get_selector("learned"), get_selector("lead")
    totals = {"learned": 0.0, "lead": 0.0}
    clusters = list(load_clusters(FULLTEXT, limit=20))
    for story, reference in clusters:
        story = prepare(story)
        budget = _base.default_budget(story)
        for name, selector in (("learned", learned), ("lead", lead)):
            totals[name] += rouge("\n".join(s.text for s in selector(story, budget)), reference)["rouge1"]
    learned_r1, lead_r1 = totals["learned"] / len(clusters), totals["lead"] / len(clusters)
    assert learned_r1 >= lead_r1 + 1.0, (learned_r1, lead_r1)
