"""The learned join of articles off any clock (newsfuse.storyjoin) and where the clusterer uses it."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest

from newsfuse.errors import ModelError, OptionError
from newsfuse.model import Article
from newsfuse.stories import DEFAULT, ArticleVector, ClusterSettings, StoryClusterer
from newsfuse.storyjoin import JOIN_FEATURES, JoinModel, join_features, join_rows, shipped_join

DAY = datetime(2022, 5, 3, tzinfo=timezone.utc)
# The vectors here are of one or two synthetic terms, so every join shares one: the rule that a
# join needs two shared terms (ClusterSettings.shared_terms, tested in test_stories) is set off.
ONE_TERM = replace(DEFAULT, shared_terms=1)


def unit(*weights: float) -> ArticleVector:
    """A vector over terms 1, 2, ... with these weights, L2-normalized."""
    w = np.array(weights, dtype=np.float32)
    return ArticleVector(np.arange(1, len(w) + 1, dtype=np.int32), w / np.linalg.norm(w))


def story_of(size: int, settings: ClusterSettings = ONE_TERM) -> StoryClusterer:
    """A clusterer holding one undated story of `size` copies of term 1's article."""
    clusterer = StoryClusterer(settings=settings)
    for _ in range(size):
        assert clusterer.assign(unit(1.0)) == 0
    return clusterer


def cosine_02() -> ArticleVector:
    return unit(0.2, math.sqrt(1 - 0.04))  # cosine 0.2 with term 1's story


def test_shipped_model_asks_more_of_a_big_story_and_less_of_a_clear_winner():
    model = shipped_join()
    coef = dict(zip(JOIN_FEATURES, model.raw_coef_))
    assert coef["cosine"] > 0 and coef["margin"] > 0 and coef["log_size"] < 0
    # a lone winner at 0.2 joins a story of one article (the threshold 0.25 would not) ...
    assert model.joins(0.2, 1, 0.0) and not model.joins(0.2, 1, 0.19)
    # ... and 0.25 is too little for a story of 20
    assert model.joins(0.25, 1, 0.0) and not model.joins(0.25, 20, 0.0)


def test_an_article_off_any_clock_joins_by_the_learned_join():
    learned = story_of(1)
    assert learned.assign(cosine_02()) == 0  # the model: a clear winner at 0.2 joins
    threshold = story_of(1, replace(ONE_TERM, learned_join=False))
    assert threshold.assign(cosine_02()) == 1  # under undated_threshold 0.25: a story of its own
    big = story_of(20)
    assert big.assign(unit(0.25, math.sqrt(1 - 0.0625))) == 1  # a story of 20 asks more than 0.25


def test_dated_and_on_the_clock_articles_keep_their_thresholds():
    # vectors of one and two terms: the thresholds alone, without the floor short texts need ...
    thresholds = replace(ONE_TERM, short_evidence=0.0)
    dated = StoryClusterer(settings=thresholds)
    dated.assign(unit(1.0), DAY)
    assert dated.assign(cosine_02(), DAY) == 0  # join_threshold 0.18, as ever
    on_clock = StoryClusterer(settings=thresholds)
    on_clock.assign(unit(1.0), DAY)
    assert on_clock.assign(cosine_02()) == 1  # on the stream's clock: undated_threshold 0.25
    # ... which asks a story of one term for a cosine of 1.15 on a clock, not off it (the learned join's)
    floored = StoryClusterer(settings=ONE_TERM)
    floored.assign(unit(1.0), DAY)
    assert floored.assign(cosine_02(), DAY) == 1
    assert story_of(1).assign(cosine_02()) == 0


def test_learned_join_setting_is_validated():
    with pytest.raises(OptionError, match="learned_join"):
        ClusterSettings(learned_join=1)  # type: ignore[arg-type]


def test_fit_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(400, 3))
    y = (X[:, 0] + 0.5 * X[:, 2] - 0.3 * X[:, 1] > 0.5).astype(float)
    model = JoinModel().fit(X, y)
    assert model.coef_[0] > 0 and model.coef_[2] > 0 and model.coef_[1] < 0
    path = model.save(tmp_path / "join.json", {"note": "test"})
    again = JoinModel.load(path)
    for row in X[:20]:
        assert again.probability(row) == pytest.approx(model.probability(row))
        assert again.joins(row[0], round(math.exp(row[1])), row[0] - row[2]) == (
            model.probability(join_features(row[0], round(math.exp(row[1])), row[0] - row[2])) >= 0.5
        )
    payload = json.loads(path.read_text())
    path.write_text(json.dumps({**payload, "version": "undated-join-0"}))
    with pytest.raises(ModelError, match="version"):
        JoinModel.load(path)
    with pytest.raises(ModelError, match="cannot read"):
        JoinModel.load(tmp_path / "missing.json")


def test_join_rows_label_whether_the_best_story_holds_the_event():
    articles = [
        Article(text="harbour crane collapse injures dock workers at the port", id="a"),
        Article(text="harbour crane collapse at the port injures dock workers overnight", id="b"),
        Article(text="harbour crane inspection at another port after collapse", id="c"),
    ]
    X, y = join_rows(articles, ["crane", "crane", "inspection"], replace(DEFAULT, learned_join=False))
    assert X.shape == (2, len(JOIN_FEATURES))  # the first article met no story
    assert y.tolist() == [1.0, 0.0]
    assert X[0, 1] == 0.0  # log size of a story of one


def test_train_join_only_writes_a_loadable_model(tmp_path):
    import gzip

    from click.testing import CliRunner

    from newsfuse.cli import app

    topics = ["harbour crane collapse dock", "senate budget vote deficit", "wildfire evacuation canyon smoke"]
    events = tmp_path / "events"
    events.mkdir()
    for name in ("allsides2021.tune-early.jsonl", "pac.train.jsonl"):
        lines = [
            json.dumps(
                {
                    "id": f"{name}-{i}",
                    "text": f"{topics[i % 3]} report number {i}",
                    "title": topics[i % 3],
                    "outlet": f"o{i % 2}",
                    "event": f"e{i % 3}",
                }
            )
            for i in range(12)
        ]
        (events / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    train = tmp_path / "train.jsonl.gz"
    with gzip.open(train, "wt", encoding="utf-8") as handle:
        for r in range(30):
            docs = [f"{topics[r % 3]} story {r} account {k} of the day" for k in range(3)]
            handle.write(json.dumps({"id": r, "documents": docs, "cleansed_keep": [0, 1, 2]}) + "\n")
    out = tmp_path / "models"
    result = CliRunner().invoke(
        app, ["train", "--join-only", "--out", str(out), "--events", str(events), "--train", str(train)]
    )
    assert result.exit_code == 0, result.output
    model = JoinModel.load(out / "undated-join.json")
    assert model.coef_.shape == (len(JOIN_FEATURES),)
    meta = json.loads((out / "undated-join.json").read_text())["meta"]
    assert meta["train_streams"][:2] == ["allsides2021.tune-early.jsonl", "pac.train.jsonl"]
    assert meta["train_rows"] > 0
    assert not (out / "same-claim.json").exists()  # --join-only trains nothing else
