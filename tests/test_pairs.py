"""newsfuse.pairs: the same-claim model updates can ask (UpdateSettings.decision)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsfuse.errors import ModelError, OptionError
from newsfuse.pairs import FEATURES, MODEL_PATH, PairSettings, SameClaim, pair_features, shipped
from newsfuse.train import TRUST


def toy(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose label follows the cover column: a separable-by-one-feature set."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(FEATURES)))
    return X, (X[:, 1] > 0.5).astype(float)


def test_fit_sets_learned_state_and_separates():
    model = SameClaim(PairSettings(l2=0.1))
    assert not hasattr(model, "coef_")  # the constructor only stores settings
    X, y = toy()
    assert model.fit(X, y) is model
    assert model.coef_.shape == (len(FEATURES),) and np.isfinite(model.intercept_)
    assert int(np.argmax(np.abs(model.coef_))) == 1  # the label's own feature weighs most
    assert np.mean((model.predict_proba(X) >= 0.5) == y) > 0.95
    with pytest.raises(ValueError):
        model.fit(X[:, :3], y)


def test_save_and_load_round_trip(tmp_path):
    X, y = toy()
    model = SameClaim().fit(X, y)
    path = model.save(tmp_path / "m" / "same-claim.json", {"seed": 0})
    back = SameClaim.load(path)
    assert np.allclose(back.predict_proba(X), model.predict_proba(X)) and back.settings == model.settings
    payload = json.loads(path.read_text())
    path.write_text(json.dumps({**payload, "version": "same-claim-0"}))
    with pytest.raises(ModelError, match="version"):
        SameClaim.load(path)
    path.write_text(json.dumps({**payload, "features": ["cosine"]}))
    with pytest.raises(ModelError, match="features"):
        SameClaim.load(path)
    with pytest.raises(ModelError, match="cannot read"):
        SameClaim.load(tmp_path / "missing.json")


def test_features_of_a_pair():
    claim = "Senator Josh Hawley of Missouri voted against the bill on Tuesday."
    other = "Josh Hawley was the only senator to vote against the bill."
    row = dict(zip(FEATURES, pair_features(claim, other, 0.3)))
    assert row["cosine"] == 0.3 and 0 < row["cover"] < 1 and 0 < row["cover_back"] < 1
    assert row["new_names"] == 2  # Missouri and Tuesday (Josh and Hawley the other has)
    assert row["same_figures"] == 0.0
    same = dict(zip(FEATURES, pair_features("About 170,000 migrants crossed.", "Some 170,000 migrants came.", 0.3)))
    assert same["same_figures"] == 1.0


def test_shipped_model_orders_a_paraphrase_above_another_claim():
    model = shipped()
    said = "The warehouse fire injured 14 people and forced the evacuation of nearby homes."
    retold = "Fourteen people were injured in the warehouse fire, which forced nearby homes to be evacuated."
    other = "The owner of the warehouse said it would rebuild on the same site next year."
    p = model.predict_proba(np.vstack([pair_features(retold, said, 0.4), pair_features(other, said, 0.2)]))
    assert p[0] > p[1]


@pytest.mark.skipif(not (TRUST / "paraphrase_mrpc_train.jsonl").exists(), reason="needs ../shared/data/trust")
def test_the_shipped_model_is_what_train_pairs_writes(tmp_path):
    from newsfuse.train import train_pairs

    done = train_pairs(tmp_path)
    written, ours = json.loads((tmp_path / "same-claim.json").read_text()), json.loads(MODEL_PATH.read_text())
    assert np.allclose(written["coef"], ours["coef"]) and np.isclose(written["intercept"], ours["intercept"])
    assert set(done["dev"]) == {"mrpc", "stsb", "ecbplus"} and done["dev"]["mrpc"]["accuracy_asked"] > 0.5


def test_update_decision_is_validated():
    from newsfuse.updates import UpdateSettings

    with pytest.raises(OptionError, match="decision"):
        UpdateSettings(decision="guess")  # type: ignore[arg-type]
