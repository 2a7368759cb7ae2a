"""The batched summary pass (`pipeline.summarize_many`, `Store.refresh_many`) gives each story's own
summary bit for bit: the stacked tree evaluations (`TreeEnsemble.predict_groups`, and LightGBM's
own predict on a stacked matrix) score each row as a call of its story alone does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsfuse.codec import summary_to_dict
from newsfuse.errors import EmptyStoryError
from newsfuse.features import story_features
from newsfuse.model import Article, Story
from newsfuse.pipeline import summarize_many, summarize_story
from newsfuse.prepare import prepare
from newsfuse.select import trees
from newsfuse.select.learned import LearnedSelector
from newsfuse.select.rerank import CANDIDATE_FEATURES, Reranker, candidates
from newsfuse.settings import Options
from newsfuse.store import Store

FULLTEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fulltext-dev.jsonl"
needs_data = pytest.mark.skipif(not FULLTEXT.exists(), reason="needs ../shared/data")


def _stories() -> list[Story]:
    """Full-text stories of several articles, and one-article ones (whose article priority is a
    rounding residue the reranker splits on, so an inexact pass would show there first)."""
    with open(FULLTEXT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:14]
    whole = [Story(articles=[Article(text=d) for d in r["documents"] if d.strip()]) for r in records[:6]]
    ones = [Story(articles=[Article(text=d)]) for r in records[6:] for d in r["documents"][:3] if d.strip()]
    return whole + ones


def _rows(stories: list[Story]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each story's sentence-scorer rows and reranker candidate rows, as the summary scores them."""
    scorer, reranker = LearnedSelector.load(), Reranker.load()
    cols = [CANDIDATE_FEATURES.index(f) for f in reranker.features_]
    sentence_rows, candidate_rows = [], []
    for story in stories:
        prepared = prepare(story)
        sentence_rows.append(story_features(prepared).matrix[:, scorer.columns_])
        made = candidates(prepared, 120, scorer, reranker.settings)
        assert made is not None
        candidate_rows.append(made.matrix[:, cols])
    return sentence_rows, candidate_rows


def _descent(model) -> trees.TreeEnsemble:
    return trees.read_trees(model.booster_.model_to_string(), native=False)


@needs_data
def test_predict_groups_is_each_matrix_own_predict_bit_for_bit(monkeypatch):
    sentence_rows, candidate_rows = _rows(_stories()[:20])
    singles = [m[:1] for m in sentence_rows]  # one-row matrices: their sum is numpy's pairwise one
    for booster, groups in (  # the numpy descent's sums (LightGBM's library sums each row alone)
        (_descent(LearnedSelector.load()), [*sentence_rows, np.zeros((0, sentence_rows[0].shape[1])), *singles]),
        (_descent(Reranker.load()), [*candidate_rows, *(m[:1] for m in candidate_rows)]),
    ):
        alone = [booster.predict(m) for m in groups]
        together = booster.predict_groups(groups)
        assert all(np.array_equal(a, b) for a, b in zip(alone, together))
        # the check has teeth: one evaluation of the stacked rows differs from the one-row calls
        stacked = booster.predict(np.vstack(groups))
        assert not np.array_equal(np.concatenate(alone), stacked)
    # blocks: a matrix longer than a block is summed block by block, a one-row last block pairwise
    monkeypatch.setattr(trees, "_BLOCK", 300 * 7)  # 7 rows a block for the scorer's 300 trees
    booster = _descent(LearnedSelector.load())
    groups = [np.vstack(sentence_rows)[:n] for n in (1, 6, 7, 8, 15, 22, 29)]
    alone = [booster.predict(m) for m in groups]
    assert all(np.array_equal(a, b) for a, b in zip(alone, booster.predict_groups(groups)))


@needs_data
def test_lightgbm_scores_a_stacked_matrix_as_each_story_alone():
    lgb = pytest.importorskip("lightgbm")
    _, candidate_rows = _rows(_stories()[:20])
    booster = lgb.Booster(model_str=Reranker.load().booster_.model_to_string())
    alone = np.concatenate([booster.predict(m, num_threads=1) for m in candidate_rows])
    assert np.array_equal(alone, booster.predict(np.vstack(candidate_rows), num_threads=1))


@needs_data
@pytest.mark.parametrize("options", [Options(compare=True), Options(compare=False, words=40)])
def test_summarize_many_is_each_story_summary(options):
    stories = [*_stories(), Story(articles=[Article(text="Too short.")])]
    many = summarize_many(stories, options)
    for story, got in zip(stories, many):
        try:
            expected = summary_to_dict(summarize_story(story, options))
        except EmptyStoryError as error:
            assert isinstance(got, EmptyStoryError) and str(got) == str(error)
            continue
        assert not isinstance(got, Exception)
        assert summary_to_dict(got) == expected


@needs_data
def test_a_primed_story_is_not_scored_again(monkeypatch):
    stories = [prepare(s) for s in _stories()[6:12]]
    reranker = Reranker.load().with_scorer(LearnedSelector.load())
    expected = [reranker(s, 80) for s in [prepare(s) for s in _stories()[6:12]]]
    reranker.prime(stories, [80] * len(stories))

    def refuse(*_: object) -> None:
        raise AssertionError("scored again after prime")

    monkeypatch.setattr(Reranker, "score", refuse)
    monkeypatch.setattr(LearnedSelector, "score", refuse)
    assert [reranker(s, 80) for s in stories] == expected


@needs_data
def test_drain_gives_the_summaries_of_one_story_at_a_time(tmp_path):
    articles = [a for s in _stories() for a in s.articles][:30]
    articles.append(Article(text="Nothing here.", url="https://example.org/empty"))  # no body sentence
    batched, single = tmp_path / "batched.db", tmp_path / "single.db"
    for path in (batched, single):
        with Store(path) as store:
            store.ingest(articles, summarize=False)
    with Store(single) as store:
        for story in store.stale():
            store.refresh(story)
        expected = store.db.execute("SELECT story, size, data FROM summaries ORDER BY story").fetchall()
        assert not store.stale()
    with Store(batched) as store:
        assert store.drain() > 1
        assert store.db.execute("SELECT story, size, data FROM summaries ORDER BY story").fetchall() == expected
        assert not store.stale()  # the story without a summary is settled too, as `refresh` settles it


@needs_data
def test_one_article_attribution_is_the_general_one():
    from newsfuse.attribute import AttributionSettings, _attributed, attribute

    settings = AttributionSettings()
    for story in _stories()[6:]:
        prepared = prepare(story)
        documents = np.array([s.document for s in prepared.sentences])
        zeros = np.zeros((len(documents), len(documents)))
        general = _attributed(prepared, prepared.sentences, zeros, documents, settings)
        assert attribute(prepared, prepared.sentences, settings) == general


@needs_data
def test_the_background_summarizer_gives_the_summaries_of_one_story_at_a_time(tmp_path):
    from newsfuse.store import Summarizer

    articles = [a for s in _stories() for a in s.articles][:30]
    batched, single = tmp_path / "batched.db", tmp_path / "single.db"
    for path in (batched, single):
        with Store(path) as store:
            store.ingest(articles, summarize=False)
    with Store(single) as store:
        waiting = store.stale()
        for story in waiting:
            store.refresh(story)
        expected = store.db.execute("SELECT story, size, data FROM summaries ORDER BY story").fetchall()
    summarizer = Summarizer(batched)
    summarizer.start()
    summarizer.wake()
    try:
        assert summarizer.wait_idle(120)
    finally:
        assert summarizer.stop(60)
    with Store(batched) as store:
        assert store.db.execute("SELECT story, size, data FROM summaries ORDER BY story").fetchall() == expected
        assert not store.stale()
    assert summarizer.computed == len(waiting)  # each stale story once (in passes of several)


@needs_data
def test_a_primed_score_serves_only_the_boosters_that_made_it(monkeypatch):
    from newsfuse.select.learned import ModelFile
    from newsfuse.select.rerank import RERANK_PATH, RERANK_VERSION

    stories = [prepare(s) for s in _stories()[6:9]]
    reranker = Reranker.load().with_scorer(LearnedSelector.load())
    reranker.prime(stories, [80] * len(stories))
    model = ModelFile.read(RERANK_PATH, RERANK_VERSION, CANDIDATE_FEATURES)
    other = Reranker.from_model_file(model, LearnedSelector.load())  # the same trees, another booster
    scored = []
    original = Reranker.score

    def counted(self: Reranker, matrix: np.ndarray) -> np.ndarray:
        scored.append(len(matrix))
        return original(self, matrix)

    monkeypatch.setattr(Reranker, "score", counted)
    assert [other(s, 80) for s in stories] == [reranker(s, 80) for s in stories]
    assert len(scored) == len(stories)  # the other booster's calls only
