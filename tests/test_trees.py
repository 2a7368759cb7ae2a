"""Both tree evaluators, LightGBM's library through its C API and the numpy descent, give
LightGBM's predictions (the shipped model on real feature rows, binary and regression models,
missing values, one-leaf trees) and refuse what the numpy descent cannot read."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from newsfuse.errors import ModelError
from newsfuse.features import story_features
from newsfuse.model import Article, Story
from newsfuse.prepare import prepare
from newsfuse.select import trees
from newsfuse.select.learned import MODEL_PATH, LearnedSelector, ModelFile
from newsfuse.select.trees import TreeEnsemble, read_trees

lgb = pytest.importorskip("lightgbm")
FULLTEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fulltext-dev.jsonl"
ENGINES = [True, False]  # read_trees' `native`: LightGBM's library, then the numpy descent


def _real_rows(limit: int = 12) -> np.ndarray:
    with open(FULLTEXT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:limit]
    rows = []
    for record in records:
        story = prepare(Story(articles=[Article(text=d) for d in record["documents"] if d.strip()]))
        rows.append(story_features(story).matrix)
    return np.vstack(rows)


@pytest.mark.skipif(not FULLTEXT.exists(), reason="needs ../shared/data")
def test_shipped_model_scores_real_rows_as_lightgbm():
    model = ModelFile.read(MODEL_PATH)
    selector = LearnedSelector.from_model_file(model)
    assert isinstance(selector.booster_, TreeEnsemble)
    assert isinstance(selector.booster_.engine, trees._NativeTrees)  # the wheel's library loads here
    rows = _real_rows()
    assert len(rows) > 300
    expected = lgb.Booster(model_str=model.booster).predict(rows[:, selector.columns_], num_threads=1)
    assert np.array_equal(selector.score(rows), expected)  # LightGBM's own predictor: the same numbers
    descent = read_trees(model.booster, native=False)
    assert isinstance(descent.engine, trees._NumpyTrees)
    assert np.abs(descent.predict(rows[:, selector.columns_]) - expected).max() <= 1e-9
    assert selector.booster_.model_to_string() == model.booster  # model_file() writes it back unchanged


@pytest.mark.parametrize("native", ENGINES)
def test_groups_are_each_matrix_own_call(native):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 4))
    ensemble = read_trees(_fit(X, X[:, 0] - X[:, 1], objective="regression", rounds=30).model_to_string(), native)
    matrices = [rng.normal(size=(n, 4)) for n in (3, 0, 1, 17)]
    for got, matrix in zip(ensemble.predict_groups(matrices), matrices):
        assert np.array_equal(got, ensemble.predict(matrix))
    assert ensemble.predict_groups([]) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_native_trees_start_no_threads():
    """One thread: no OpenMP pool that a later fork (a process pool) would inherit half-made."""
    before = len(os.listdir("/proc/self/task"))
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    text = _fit(X, X[:, 0], objective="regression", rounds=40).model_to_string()
    read_trees(text).predict(rng.normal(size=(2000, 3)))
    assert len(os.listdir("/proc/self/task")) == before


def _fit(X, y, **params) -> lgb.Booster:
    params = {"verbose": -1, "num_threads": 1, "min_data_in_leaf": 5, "seed": 0, "deterministic": True} | params
    return lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=params.pop("rounds", 20))


def _same(booster: lgb.Booster, X: np.ndarray) -> None:
    expected = booster.predict(X, num_threads=1)
    for native in ENGINES:
        assert np.abs(read_trees(booster.model_to_string(), native).predict(X) - expected).max() <= 1e-9


def test_binary_and_regression_models_with_missing_values():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 6))
    X[rng.random(X.shape) < 0.15] = np.nan  # NaN splits (missing type NaN, default left or right)
    X[rng.random(X.shape) < 0.15] = 0.0
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(float)
    test = rng.normal(size=(300, 6))
    test[rng.random(test.shape) < 0.2] = np.nan
    test[rng.random(test.shape) < 0.2] = 0.0
    for params in ({"objective": "binary"}, {"objective": "regression"}, {"objective": "binary", "sigmoid": 0.7}):
        _same(_fit(X, y, **params), test)
    zero = _fit(X, y, objective="regression", zero_as_missing=True)  # missing type Zero
    assert "decision_type=" in zero.model_to_string()
    _same(zero, test)


def test_one_leaf_trees_and_no_missing_values():
    rng = np.random.default_rng(2)
    X = rng.random((200, 3))
    _same(_fit(X, np.ones(200), objective="regression", rounds=3), X)  # a constant: one-leaf trees
    _same(_fit(X, X[:, 0] * 3 + X[:, 2], objective="regression", rounds=40, num_leaves=63), rng.random((5000, 3)))


def test_what_it_cannot_read_raises_model_error():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 5, size=(300, 2)).astype(float)
    y = (X[:, 0] == 2).astype(float)
    params = {"objective": "binary", "verbose": -1, "min_data_in_leaf": 5, "min_data_per_group": 5}
    categorical = lgb.train(params, lgb.Dataset(X, label=y, categorical_feature=[0]), num_boost_round=5)
    multi = _fit(X, X[:, 0], objective="multiclass", num_class=5, rounds=2)
    for native in ENGINES:  # the same models for both, though LightGBM's library reads these
        with pytest.raises(ModelError, match="categorical"):
            read_trees(categorical.model_to_string(), native)
        with pytest.raises(ModelError, match="single-output"):
            read_trees(multi.model_to_string(), native)
        with pytest.raises(ModelError, match="features"):
            read_trees(_fit(X, y, objective="binary", rounds=2).model_to_string(), native).predict(np.zeros((2, 5)))


@pytest.mark.parametrize("native", ENGINES)
def test_an_ensemble_pickles_as_its_model(native):
    """A selector sent to another process (a Dask worker) carries its model, read again there."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 3))
    ensemble = read_trees(_fit(X, X[:, 1], objective="regression", rounds=10).model_to_string(), native)
    copy = pickle.loads(pickle.dumps(ensemble))
    assert type(copy.engine) is type(ensemble.engine) and copy.booster == ensemble.booster
    assert np.array_equal(copy.predict(X), ensemble.predict(X))
