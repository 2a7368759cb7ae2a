"""The speed paths give what the general ones give: one-article stories, the reranker's candidate
rows made for all candidates at once, and features made once a story."""

from __future__ import annotations

import numpy as np

from newsfuse import compare as compare_module
from newsfuse import features
from newsfuse.attribute import attribute, source_of
from newsfuse.compare import compare
from newsfuse.model import Article, Story
from newsfuse.prepare import prepare
from newsfuse.select import default_budget
from newsfuse.select.learned import LearnedSelector
from newsfuse.select.rerank import CANDIDATE_FEATURES, candidates

ONE = (
    'The city council voted 7 to 2 on Monday to approve the new harbour budget. "We kept our promise," '
    "the mayor, Ana Ruiz, said. The budget adds money for schools and roads. Critics said taxes would "
    "rise by 3 percent. The council voted 7 to 2 to approve it. Ruiz said the vote came after months of talks."
)
OTHER = (
    "On Monday the council approved the harbour budget by 7 votes to 2. The budget adds money for "
    "schools and roads, the mayor said. Opponents warned that taxes would rise by 4 percent."
)


def test_one_article_attribution_is_each_sentence_alone() -> None:
    story = prepare(Story(articles=[Article(text=ONE)]))
    for sentence, summary in zip(story.sentences, attribute(story, story.sentences)):
        assert summary.sources == (source_of(story, sentence),)
        assert summary.origins == 1 and summary.partial == ()


def test_one_article_comparison_equals_the_general_path(monkeypatch) -> None:
    story = prepare(Story(articles=[Article(text=ONE)]))
    fast = compare(story)

    found = []

    def every_pair(story, floor):  # the path of a story with two articles or more
        found.append(story.views.neighbours(story.candidates, floor))
        return found[-1]

    monkeypatch.setattr(compare_module, "_similar_pairs", every_pair)
    assert compare(prepare(Story(articles=[Article(text=ONE)]))) == fast
    assert len(fast.facts) > 0 and found[0].nnz > 0  # the general path read pairs (facts' loop, not its shortcut)


def test_features_made_once_a_story() -> None:
    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER)]))
    assert features.story_features(story) is features.story_features(story)
    again = features.story_features(prepare(Story(articles=[Article(text=ONE), Article(text=OTHER)])))
    assert again is not features.story_features(story)
    assert np.array_equal(again.matrix, features.story_features(story).matrix)


def _reference_rows(story, made, budget) -> np.ndarray:
    """The candidate columns made by a plain loop over each candidate's sentences."""
    feats = made.feats
    sents = [story.sentences[i] for i in feats.candidates]
    lengths = np.array([s.words for s in sents], dtype=float)
    docs = np.array([s.document for s in sents])
    col = {f: feats.matrix[:, features.FEATURES.index(f)].astype(float) for f in features.FEATURES}
    rows = []
    for chosen in made.chosen:
        idx = np.array(chosen)
        w = lengths[idx] / lengths[idx].sum()
        rows.append(
            [
                lengths[idx].sum() / budget,
                len(idx),
                col["agreement"][idx] @ w,
                col["centrality"][idx] @ w,
                col["position"][idx] @ w,
                col["log_offset"][idx] @ w,
                col["position"][idx[0]],
                len(set(docs[idx].tolist())) / len(set(docs.tolist())),
            ]
        )
    return np.array(rows)


def test_candidate_rows_equal_a_loop_over_each_candidate() -> None:
    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER), Article(text=ONE + " " + OTHER)]))
    budget = default_budget(story)
    made = candidates(story, budget, LearnedSelector.load())
    assert made is not None and len(made.chosen) > 1
    names = ["share_of_budget", "sentences", "agreement_mean", "centrality_mean"]
    names += ["position_mean", "offset_mean", "first_position", "doc_share"]
    got = made.matrix[:, [CANDIDATE_FEATURES.index(f) for f in names]]
    assert np.allclose(got, _reference_rows(story, made, budget), rtol=1e-6, atol=1e-7)


def test_attribution_made_once_a_sentence_equals_a_fresh_one() -> None:
    articles = [Article(text=ONE), Article(text=OTHER)]
    story = prepare(Story(articles=articles))
    first = attribute(story, story.sentences[:4])
    again = attribute(story, story.sentences[3:1:-1])  # remembered, in another order
    fresh = attribute(prepare(Story(articles=articles)), story.sentences[3:1:-1])
    assert again == fresh == [first[3], first[2]]
    assert any(s.origins == 2 for s in first)


def test_cosines_from_the_all_pairs_matrix_equal_the_product_of_the_rows(monkeypatch) -> None:
    from newsfuse import textsim

    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER)]))
    vectors = story.views.tfidf()
    rows, cols = [3, 0, 5], [1, 4, 2, 0]
    product = np.asarray((vectors[rows] @ vectors[cols].T).todense())
    assert np.array_equal(story.views.cosines(rows, cols), product)  # bit for bit
    assert np.array_equal(story.views.cosines(rows), np.asarray((vectors[rows] @ vectors.T).todense()))
    monkeypatch.setattr(textsim, "DENSE_COSINES", 0)  # a big story: the product itself
    assert np.array_equal(story.views.cosines(rows, cols), product)
    assert product.max() > 0.3


def test_small_story_priorities_equal_the_sparse_path_bit_for_bit(monkeypatch) -> None:
    from newsfuse.select import rerank

    stories = [[ONE], [OTHER], [ONE, OTHER], [OTHER, ONE, ONE + " " + OTHER]]
    got, sparse_path = [], []
    for texts in stories:
        story = prepare(Story(articles=[Article(text=t) for t in texts]))
        feats = features.story_features(story)
        docs = np.array([story.sentences[i].document for i in feats.candidates])
        got.append(rerank.priorities(feats, docs, len(texts)))
    monkeypatch.setattr(rerank, "DENSE_PRIORITY", 0)  # a big story's path
    monkeypatch.setattr(rerank, "_one_article_priority", lambda vectors: None)
    for texts, small in zip(stories, got):
        story = prepare(Story(articles=[Article(text=t) for t in texts]))
        feats = features.story_features(story)
        docs = np.array([story.sentences[i].document for i in feats.candidates])
        sparse_path.append(rerank.priorities(feats, docs, len(texts)))
        assert small.tobytes() == sparse_path[-1].tobytes()  # a one-article story's is a residue
    assert sparse_path[2].max() > 0.1 and sparse_path[0][0] != 0.0


def test_one_article_priority_equals_the_general_paths_bit_for_bit() -> None:
    import random
    from types import SimpleNamespace

    from newsfuse.select import rerank
    from newsfuse.textsim import _count_matrix, tfidf_rows

    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(60)]
    texts = [ONE, OTHER, ONE + " " + OTHER]
    matrices = [features.story_features(prepare(Story(articles=[Article(text=t)]))).vectors for t in texts]
    for _ in range(300):  # terms first used in every order, ascending ids among them
        tokens = [[rng.choice(vocab[: rng.randint(1, 60)]) for _ in range(rng.randint(0, 20))] for _ in range(8)]
        matrices.append(tfidf_rows(_count_matrix(tokens + [["w7"]])))
    for vectors in matrices:
        docs = np.zeros(vectors.shape[0], dtype=int)
        fast = rerank._one_article_priority(vectors)
        small = rerank._small_priorities(vectors, docs, 1)
        assert fast is not None and small is not None
        assert fast.tobytes() == small.tobytes()
        assert fast.tobytes() == rerank.priorities(SimpleNamespace(vectors=vectors), docs, 1).tobytes()


def test_candidate_sums_equal_scipys_and_a_loops_bit_for_bit() -> None:
    from scipy import sparse

    from newsfuse.select import rerank

    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER), Article(text=ONE + " " + OTHER)]))
    made = candidates(story, default_budget(story), LearnedSelector.load())
    assert made is not None and len({len(c) for c in made.chosen}) > 1
    feats, kept = made.feats, [(c, 0, 1.0) for c in made.chosen]
    member = np.zeros((len(kept), len(feats.candidates)))
    for r, chosen in enumerate(made.chosen):
        member[r, chosen] = 1.0
    centroid, summary = rerank._summed_vectors(feats.vectors, kept)
    assert centroid.tobytes() == np.asarray(feats.vectors.sum(axis=0)).ravel().tobytes()
    assert summary.tobytes() == np.asarray((sparse.csr_matrix(member) @ feats.vectors).todense()).tobytes()
    scores = np.random.default_rng(0).standard_normal(len(feats.candidates))
    z = (scores - scores.mean()) / scores.std()
    top, total, score_sum, z_mean = rerank._row_stats(feats.similarity, kept, scores, z)
    for r, chosen in enumerate(made.chosen):
        idx = np.array(chosen)
        assert (score_sum[r], z_mean[r]) == (scores[idx].sum(), z[idx].mean())
        if len(idx) > 1:
            pair = feats.similarity[np.ix_(idx, idx)]
            assert (top[r], total[r]) == (pair.max(), pair.sum())


def test_dense_gram_incidence_equals_the_sparse_one(monkeypatch) -> None:
    from newsfuse.select import rerank

    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER), Article(text=ONE + " " + OTHER)]))
    feats = features.story_features(story)
    docs = np.array([story.sentences[i].document for i in feats.candidates])
    dense = rerank._gram_incidences(feats.tokens, docs)
    monkeypatch.setattr(rerank, "DENSE_COVER", 0)
    for (incidence, weight), (sparse_incidence, sparse_weight) in zip(
        dense, rerank._gram_incidences(feats.tokens, docs)
    ):
        assert isinstance(incidence, np.ndarray) and not isinstance(sparse_incidence, np.ndarray)
        assert np.array_equal(incidence, sparse_incidence.toarray()) and np.array_equal(weight, sparse_weight)
        assert weight.max() >= 2 and incidence.sum() > len(docs)


def test_gram_incidences_from_the_features_words_equal_their_own_numbering(monkeypatch) -> None:
    from newsfuse.select import rerank

    story = prepare(Story(articles=[Article(text=ONE), Article(text=OTHER), Article(text=ONE + " " + OTHER)]))
    feats = features.story_features(story)
    docs = np.array([story.sentences[i].document for i in feats.candidates])
    words = feats.memo[features.WORDS_KEY]
    for cells in (rerank.DENSE_COVER, 0):  # dense and sparse incidences
        monkeypatch.setattr(rerank, "DENSE_COVER", cells)
        own, shared = rerank._gram_incidences(feats.tokens, docs), rerank._gram_incidences(feats.tokens, docs, words)
        for (incidence, weight), (shared_incidence, shared_weight) in zip(own, shared):
            dense = incidence if isinstance(incidence, np.ndarray) else incidence.toarray()
            other = shared_incidence if isinstance(shared_incidence, np.ndarray) else shared_incidence.toarray()
            assert np.array_equal(dense, other) and np.array_equal(weight, shared_weight)
            assert weight.max() >= 2


def test_money_test_equals_the_regex() -> None:
    import random

    pieces = "MILLION mıllion bıllion Percent dollars dollar's DOLLARS 5% $ £ € per cent ſ millions x1billion".split()
    rng = random.Random(3)
    texts = ["", "no money here", "Taxes rose 3 percent.", "It cost 2 mıllion."]
    texts += [" ".join(rng.choice(pieces + ["a", "the"]) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    for text in texts:
        assert features._money(text) == bool(features._MONEY_RE.search(text)), text
    assert features._money("It cost 2 mıllion.") and not features._money("no money here")


def test_one_article_pair_columns_equal_the_masked_ones() -> None:
    story = prepare(Story(articles=[Article(text=ONE)]))
    sim = features.story_features(story).similarity
    n = len(sim)
    docs, leads = np.zeros(n, dtype=np.int64), np.arange(n) == 0
    got = features._pair_columns_dense(sim, docs, docs, leads)
    same, other = ~np.eye(n, dtype=bool), np.zeros((n, n), dtype=bool)
    expected = {
        "centrality": sim.sum(axis=1) / (n - 1),
        "centrality_other": (sim * other).sum(axis=1) / np.maximum(1, other.sum(axis=1)),
        "max_sim_other": (sim * other).max(axis=1),
        "lead_sim": (sim[:, leads] * other[:, leads]).sum(axis=1),
        "within_doc_dup": (sim * same).max(axis=1),
    }
    for name, column in expected.items():
        assert got[name].tobytes() == column.tobytes(), name
    assert got["within_doc_dup"].max() > 0.1 and not got["agreement"].any()


def test_unique_inverse_equals_numpys() -> None:
    from newsfuse.select import rerank

    rng = np.random.default_rng(5)
    for values in [np.zeros(0, dtype=np.int64), np.array([3]), rng.integers(0, 9, 50), rng.integers(-5, 10**12, 300)]:
        uniques, inverse = rerank._unique_inverse(values)
        expected, expected_inverse = np.unique(values, return_inverse=True)
        assert np.array_equal(uniques, expected) and np.array_equal(inverse, expected_inverse)
        assert uniques.dtype == expected.dtype and np.array_equal(uniques[inverse], values)


def test_finite_is_nan_to_num() -> None:
    clean = np.arange(6, dtype=np.float32).reshape(2, 3)
    dirty = np.array([[np.nan, np.inf, -np.inf, 1.5]], dtype=np.float32)
    for matrix in (clean, dirty):
        assert features.finite_rows(matrix.copy()).tobytes() == np.nan_to_num(matrix).tobytes()


def _reference_words(toks: list[str]) -> list[float]:
    """A sentence's word columns as a loop over its words gave them (the code `_word_columns` replaced)."""
    from newsfuse.textsim import stop_words

    n = max(1, len(toks))
    return [
        len(toks),
        len([t for t in toks if t not in stop_words()]) / n,
        sum(map(len, toks)) / n,
        float(any(t in features._SAID for t in toks)),
        sum(t in features._FIRST_PERSON for t in toks) / n,
        sum(t in features._NOISE for t in toks),
    ]


def _reference_topic(tokens: list[list[str]], docs: list[int]) -> np.ndarray:
    """`_topic_stats` as a loop over each sentence's words made it."""
    from newsfuse.textsim import stop_words

    contents = [[t for t in toks if t not in stop_words()] for toks in tokens]
    doc_sets: dict[str, set[int]] = {}
    freq: dict[str, int] = {}
    for content, d in zip(contents, docs):
        for t in content:
            doc_sets.setdefault(t, set()).add(d)
            freq[t] = freq.get(t, 0) + 1
    total = max(1, sum(freq.values()))
    out = np.zeros((len(tokens), 4))
    for r, content in enumerate(contents):
        if content:
            topical = [len(doc_sets[t]) >= 2 for t in content]
            rare = [len(t) >= 7 or any(c.isdigit() for c in t) for t in content]
            out[r] = (
                sum(topical) / len(content),
                sum(freq[t] for t in content) / len(content) / total * 100,
                sum(rare) / len(content),
                sum(a and b for a, b in zip(rare, topical)) / len(content),
            )
    return out


def test_word_columns_and_topic_stats_equal_a_loop_over_each_sentence() -> None:
    import random

    from newsfuse.textsim import stop_words

    vocab = "the fire crews said we our harbour blaze 2019 x1 reuters click longerword i'm tweet ap".split()
    rng = random.Random(6)
    for articles in (1, 3):
        tokens = [[rng.choice(vocab) for _ in range(rng.randint(0, 14))] for _ in range(40)] + [[], ["the"]]
        docs = [rng.randrange(articles) for _ in tokens]
        words = features._Words.of(tokens, stop_words())
        columns = features._word_columns(words)
        expected = np.array([_reference_words(t) for t in tokens])
        for j, name in enumerate(("words", "content_share", "mean_word_len", "said", "first_person", "noise_words")):
            assert columns[name].tobytes() == expected[:, j].tobytes(), name
        topic = features._topic_stats(words, np.array(docs))
        assert topic.tobytes() == _reference_topic(tokens, docs).tobytes()
        assert (topic[:, 0] > 0).any() == (articles > 1) and (topic[:, 2] > 0).any()


def _reference_attribution(story, sentence, row, documents, settings):
    """One sentence's attribution as the per-sentence loop made it (the code `_attribute_all`'s
    one sort for all chosen sentences replaced): each other article's best match, then for a lede
    the best-matching lede of each article not shown."""
    from newsfuse.claims import shares_words, support
    from newsfuse.model import SummarySentence
    from newsfuse.textsim import best_per_group

    sources, partial = [source_of(story, sentence)], []
    others = np.flatnonzero((documents != sentence.document) & (row >= settings.same_content))
    for best in best_per_group(others, row[others], documents[others]).tolist():
        if not shares_words(
            sentence.text, story.sentences[best].text, None, settings.min_shared, settings.shared_share
        ):
            continue
        how = support(sentence.text, story.sentences[best].text)
        if how != "contradicts":
            (sources if how == "full" else partial).append(source_of(story, story.sentences[best]))
    retold = []
    if sentence.position < settings.lede_positions:
        shown = {s.document for s in (*sources, *partial)}
        firsts = [rows[: settings.lede_positions] for d, rows in enumerate(story.document_rows) if d not in shown]
        ledes = np.concatenate(firsts) if firsts else np.zeros(0, dtype=int)
        ledes = ledes[row[ledes] >= settings.same_news]
        for best in best_per_group(ledes, row[ledes], documents[ledes]).tolist():
            other = story.sentences[best].text
            if (
                shares_words(sentence.text, other, None, settings.min_shared, settings.shared_share)
                and support(sentence.text, other, numbers_required=False) == "full"
            ):
                retold.append(source_of(story, story.sentences[best]))
    return SummarySentence(
        text=sentence.text,
        sources=tuple(sources),
        origins=story.count_origins(s.document for s in sources),
        partial=tuple(partial),
        retold=tuple(retold),
    )


def test_attribution_in_one_sort_equals_the_per_sentence_loop(fulltext_dev) -> None:
    import json

    from newsfuse.attribute import AttributionSettings, _attribute_all
    from newsfuse.ingest import story_from_record

    lines = [line for line in fulltext_dev.read_text(encoding="utf-8").splitlines() if line.strip()][:12]
    stories = [Story(articles=[Article(text=ONE), Article(text=OTHER), Article(text=OTHER + " " + ONE)])]
    stories += [story_from_record(json.loads(line), "test")[0] for line in lines]
    retold = 0
    for raw in stories:
        story = prepare(raw)
        documents = np.array([s.document for s in story.sentences])
        for settings in (AttributionSettings(), AttributionSettings(same_content=0.2, same_news=0.1)):
            chosen = list(story.sentences)
            rows = story.views.cosines([story.row_of[(s.document, s.start)] for s in chosen])
            expected = [_reference_attribution(story, s, rows[k], documents, settings) for k, s in enumerate(chosen)]
            assert _attribute_all(story, chosen, settings) == expected
            retold += sum(len(e.retold) for e in expected)
    assert retold > 0
