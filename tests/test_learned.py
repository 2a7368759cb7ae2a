"""The learned selector: model file and version check, fitting, features, budget and extractiveness, training, quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsfuse.errors import ModelError
from newsfuse.evaluate import load_clusters, rouge
from newsfuse.features import FEATURES, story_features
from newsfuse.model import Article, Story
from newsfuse.prepare import PreparedStory, prepare
from newsfuse.select import _base, get_selector
from newsfuse.select.learned import MODEL_PATH, MODEL_VERSION, LearnedSelector, LearnedSettings, ModelFile

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


def small_story() -> PreparedStory:
    return prepare(Story(articles=[Article(text=t, outlet=f"o{i}") for i, t in enumerate(ARTICLES)]))


def test_shipped_model_loads_fitted_with_its_version_and_settings():
    selector = LearnedSelector.load()
    assert selector.fitted and selector.booster_ is not None and selector.features_
    assert set(selector.features_) <= set(FEATURES)
    assert LearnedSelector.load() is selector  # read once a process
    model = ModelFile.read(MODEL_PATH)
    assert model.version == MODEL_VERSION
    assert model.settings == LearnedSettings() == selector.settings  # the defaults are the shipped settings
    payload = json.loads(MODEL_PATH.read_text())
    assert set(payload) == {"version", "features", "selection", "meta", "booster"}  # no length model
    assert MODEL_PATH.stat().st_size < 20 * 1024 * 1024


def test_tampered_version_raises_model_error(tmp_path):
    payload = json.loads(MODEL_PATH.read_text())
    payload["version"] = "learned-0-old"
    path = tmp_path / "learned.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(ModelError, match="version"):
        LearnedSelector.load(path)


def test_unknown_feature_or_setting_raises_model_error(tmp_path):
    model = ModelFile(booster="tree", features=("position", "not_a_feature"))
    with pytest.raises(ModelError, match="not_a_feature"):
        ModelFile.read(model.write(tmp_path / "features.json"))
    payload = json.loads(model.write(tmp_path / "settings.json").read_text())
    payload["features"], payload["selection"]["length"] = ["position"], 1
    (tmp_path / "settings.json").write_text(json.dumps(payload))
    with pytest.raises(ModelError, match="length"):
        ModelFile.read(tmp_path / "settings.json")


def test_missing_model_raises_model_error(tmp_path):
    with pytest.raises(ModelError):
        LearnedSelector.load(tmp_path / "absent.json")


def test_unfitted_selector_raises_model_error():
    selector = LearnedSelector(LearnedSettings(mmr=0.1), rounds=10)
    assert not selector.fitted and not hasattr(selector, "booster_")
    with pytest.raises(ModelError, match="not fitted"):
        selector(small_story(), 40)
    with pytest.raises(ModelError):
        selector.model_file()


def test_model_file_round_trip(tmp_path):
    settings = LearnedSettings(
        mmr=0.05, trigram_block=False, max_offset=200, min_words=4, max_words=50, block_share=0.2
    )
    model = ModelFile(booster="tree\nversion=v4\n", features=("position", "words"), settings=settings, meta={"seed": 3})
    path = model.write(tmp_path / "sub" / "learned.json")
    assert ModelFile.read(path) == model
    # the shipped file reads and writes back byte for byte
    assert ModelFile.read(MODEL_PATH).write(tmp_path / "again.json").read_bytes() == MODEL_PATH.read_bytes()


def test_small_fit_sets_booster_and_selects(tmp_path):
    rng = np.random.default_rng(0)
    groups = np.array([12, 9, 15, 10, 14, 11])
    X = rng.random((groups.sum(), len(FEATURES))).astype(np.float32)
    y = (X[:, FEATURES.index("centrality")] > 0.7).astype(float)
    selector = LearnedSelector(rounds=5, params={"min_data_in_leaf": 2}, features=FEATURES[:5] + ["centrality"])
    assert selector.fit(X, y, group=groups) is selector
    assert selector.booster_ is not None and selector.features_ == tuple(FEATURES[:5] + ["centrality"])
    assert selector.booster_.current_iteration() == 5
    check_selection(small_story(), 30, selector)
    again = LearnedSelector.from_model_file(ModelFile.read(selector.save(tmp_path / "m.json", {"seed": 0})))
    story = small_story()
    assert again(story, 30) == selector(story, 30)
    binary = LearnedSelector(objective="binary", rounds=3, params={"min_data_in_leaf": 2}).fit(X, y)
    assert len(binary.score(X)) == len(X)
    with pytest.raises(ValueError, match="group"):
        LearnedSelector(rounds=3).fit(X, y)


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


def check_selection(story: PreparedStory, budget: int, selector=None) -> list:
    chosen = (selector or get_selector("learned"))(story, budget)
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


@needs_data
def test_learned_on_fulltext_budget_rule():
    for story, _ in load_clusters(FULLTEXT, limit=5):
        story = prepare(story)
        check_selection(story, _base.default_budget(story))
        check_selection(story, 150)


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
    model = ModelFile.read(tmp_path / "learned.json")
    story = small_story()
    chosen = LearnedSelector.load(tmp_path / "learned.json")(story, 40)
    assert chosen and all(s in story.sentences for s in chosen)
    assert model.meta["train_clusters"] == metrics["train_clusters"]
    assert model.settings == LearnedSettings()
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
