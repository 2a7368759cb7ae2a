"""Summary-level selection: candidate summaries from the learned sentence scores, ranked by a model of their ROUGE.

`Reranker` is an estimator in scikit-learn's manner (constructor stores settings, `fit` sets
`booster_` and `features_`); its model file is a `ModelFile` of version `rerank-1`, written by
`newsfuse train` beside the learned selector's. Candidates are greedy packings of the learned
scores at several lengths up to the budget, in score order, with the best-covering article's lead
first, and with one of the top sentences left out; the model picks one, so the length is chosen
with the summary, never above the budget the caller gave (plus at most one sentence, as `pack`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..errors import ModelError
from ..features import FEATURES, WORDS_KEY, StoryFeatures, _Words, finite_rows, story_features
from ..model import Sentence
from ..prepare import PreparedStory
from ..syndicate import sorted_distinct  # np.unique by one sort (numpy 2 hashes: 5-10x here)
from ..textsim import stop_words
from ._base import MISFIT_PENALTY, fitting, lowered, pack, register
from .learned import LearnedSelector, ModelFile, resolved_once
from .order import needs_referent, predecessor, unbalanced_quotes
from .trees import read_trees

if TYPE_CHECKING:
    from ..settings import Options

__all__ = [
    "RerankSettings",
    "Reranker",
    "ShippedReranker",
    "Candidates",
    "candidates",
    "CANDIDATE_FEATURES",
    "RERANK_VERSION",
    "RERANK_PATH",
    "REDUNDANCY",
]

RERANK_VERSION = "rerank-1"
RERANK_PATH = Path(__file__).resolve().parent.parent / "models" / "rerank.json"
REDUNDANCY = ("trigram", "4gram", "similarity", "none")

# LightGBM settings of the shipped reranker: a small regression on each candidate's ROUGE minus its
# story's mean (only the order within a story matters). 15 leaves x 200 rounds against 31 x 300,
# Huber loss and LambdaRank on graded ranks: all within 0.2 rouge1 on validation (500) and
# fulltext-dev; the smallest was kept.
PARAMS: dict[str, Any] = {
    "objective": "regression",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 1,
}
ROUNDS = 200

CANDIDATE_FEATURES: list[str] = [
    # length
    "share_of_budget",
    "words",
    "sentences",
    "budget",
    "log_budget",
    # the sentence scorer's view
    "score_sum",
    "score_mean",
    "score_min",
    "z_mean",
    "top3_share",
    "top5_share",
    "top10_share",
    # salient content
    "centroid_cos",
    "top_terms",
    "unigram_cover",
    "bigram_cover",
    "bigram_precision",
    "agreement_mean",
    "agree02_mean",
    "centrality_mean",
    # redundancy
    "pair_max",
    "pair_mean",
    # positions
    "position_mean",
    "lead_share",
    "offset_mean",
    "first_position",
    # document priority
    "priority_mean",
    "best_doc_share",
    "first_priority",
    "doc_share",
    "origin_share",
    # story
    "n_docs",
    "n_origins",
    "n_cands",
    "log_story_words",
    # how it was made
    "variant",
]


# The reranker learned from budgets of the default rule and 260 words (train.RERANK_BUDGETS); far
# past them its length features leave what it saw (on the seeds at --words 2000 it stopped at 1,146
# of 2,636 words, leaving AFP's own sentences out), so a longer budget gets the sentence scorer's
# packing, which fills it. 600 keeps the order stage's refill pool (twice a default budget of at
# most 260 words) the reranker's: the scorer's there cost 0.2 rouge1 / 0.15 rouge2 on fulltext-dev.
TRAINED_BUDGET_MAX = 600


@dataclass(frozen=True)
class RerankSettings:
    """How candidate summaries are made. Chosen on validation with `bench/bench_selection.py
    rerank` (docs/benchmarks.md, "Summary-level selection"); each comment says what was measured."""

    # Candidate lengths as shares of the budget: the budget the caller gives is never exceeded
    # (beyond one sentence), shorter summaries are the model's choice.
    shares: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    # Redundancy control of every packing: "trigram" (skip a sentence sharing a word trigram with
    # the chosen ones), "4gram", "similarity" (TF-IDF cosine >= `similarity` to a chosen one) or
    # "none". Cosine 0.3 was best for the plain greedy packing on both fulltext-dev and validation
    # (300) and as good as trigrams under a reranker trained on trigram candidates (one-off run,
    # numbers in docs/benchmarks.md), so the shipped reranker is trained on it.
    redundancy: str = "similarity"
    similarity: float = 0.3
    # Candidates that open with the lead of the article that best covers the story.
    doc_priority: bool = True
    # Candidates of the full-length packing with one of its first `swaps` sentences left out.
    swaps: int = 6
    # Candidates that are one article's lead (its sentences in order, to the budget), for the
    # `article_leads` articles that best cover the story (document priority); 0: none. They raise
    # the oracle over the candidates on fulltext-dev from 49.1 / 18.5 to 49.9 / 20.4 (with the two
    # settings below); left out, the summary after the order stage loses 0.2 / 0.2 on validation
    # (500), nothing on fulltext-dev (docs/benchmarks.md, "Reranker candidates as the summary will
    # stand"). 5 is not tuned (stories average 3 articles).
    article_leads: int = 5
    # Sentences with a half quote (an odd number of double quotation marks) are packed only when
    # nothing else is left, as misfits are: the order stage leaves them out of the summary anyway,
    # so the model picks among summaries as they will stand (left out: -0.2 / -0.15 on validation
    # after the order stage; fulltext-dev, nearly without half quotes, the same).
    whole_quotes: bool = True
    # A sentence opening with a pronoun or a connective (`order.needs_referent`) is packed only
    # after the sentence before it in its article: the order stage would bring that one in,
    # displacing the summary's last choices (left out: -0.3 / -0.25 on validation after the order
    # stage; fulltext-dev +0.15 / +0.1, within its noise).
    referents: bool = True

    def __post_init__(self) -> None:
        if self.redundancy not in REDUNDANCY:
            raise ValueError(f"unknown redundancy {self.redundancy!r}; choose one of {', '.join(REDUNDANCY)}")
        if not self.shares or not all(0 < s <= 1 for s in self.shares):
            raise ValueError(f"shares must be in (0, 1], got {self.shares}")

    def to_json(self) -> dict[str, Any]:
        return {
            "shares": list(self.shares),
            "redundancy": self.redundancy,
            "similarity": self.similarity,
            "doc_priority": int(self.doc_priority),
            "swaps": self.swaps,
            "article_leads": self.article_leads,
            "whole_quotes": int(self.whole_quotes),
            "referents": int(self.referents),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "settings") -> RerankSettings:
        if not isinstance(data, dict) or set(data) - {f.name for f in fields(cls)}:
            raise ModelError(f"{where}: bad reranker settings {data!r}")
        try:
            return cls(
                shares=tuple(float(s) for s in data.get("shares", cls.shares)),
                redundancy=str(data.get("redundancy", cls.redundancy)),
                similarity=float(data.get("similarity", cls.similarity)),
                doc_priority=bool(data.get("doc_priority", cls.doc_priority)),
                swaps=int(data.get("swaps", cls.swaps)),
                # a file without these keys predates them: its model learned candidates made without
                article_leads=int(data.get("article_leads", 0)),
                whole_quotes=bool(data.get("whole_quotes", False)),
                referents=bool(data.get("referents", False)),
            )
        except (TypeError, ValueError) as err:
            raise ModelError(f"{where}: bad reranker settings ({err})") from err


@dataclass
class Candidates:
    """A story's candidate summaries: `chosen` (each a list of indices into `feats.candidates`,
    in packing order) and their feature rows (columns: CANDIDATE_FEATURES)."""

    feats: StoryFeatures
    chosen: list[list[int]]
    matrix: np.ndarray


def _ngram_sets(tokens: list[list[str]], n: int) -> list[set[tuple[str, ...]]]:
    return [set(zip(*[t[i:] for i in range(n)])) for t in tokens]


def _redundancy(feats: StoryFeatures, settings: RerankSettings) -> Callable[[int, list[int]], bool] | None:
    """The redundancy test of `pack` for the chosen control."""
    if settings.redundancy == "none":
        return None
    if settings.redundancy == "similarity":
        near = _remembered(
            feats, ("near", settings.similarity), lambda: _near_sets(feats.similarity, settings.similarity)
        )

        def similar(i: int, chosen: list[int]) -> bool:
            return not near[i].isdisjoint(chosen)

        return similar
    grams = _ngram_sets(feats.tokens, 3 if settings.redundancy == "trigram" else 4)

    def repeats(i: int, chosen: list[int]) -> bool:
        return any(not grams[i].isdisjoint(grams[j]) for j in chosen)

    return repeats


def _with_referents(story: PreparedStory, feats: StoryFeatures, sents: list[Sentence], redundant):
    """The redundancy test, also refusing a pointing-back sentence whose referent is not chosen."""
    referent = _remembered(feats, ("referent",), lambda: _referents(story, feats, sents))

    def test(i: int, chosen: list[int]) -> bool:
        return (referent[i] != -1 and referent[i] not in chosen) or (redundant is not None and redundant(i, chosen))

    return test


def _referents(story: PreparedStory, feats: StoryFeatures, sents: list[Sentence]) -> list[int]:
    """Per candidate: -1 when it points nowhere, else the candidate index of the sentence before it
    (-2 when there is none or it is not a candidate)."""
    index = {row: k for k, row in enumerate(feats.candidates.tolist())}
    out = []
    for s in sents:
        if not needs_referent(s.text):
            out.append(-1)
        elif (before := predecessor(story, s)) is None:  # an article's first: the order stage leaves it out
            out.append(-2)
        else:
            out.append(index.get(story.row_of[(before.document, before.start)], -2))
    return out


def _near_sets(sim: np.ndarray | sparse.csr_matrix, threshold: float) -> list[set[int]]:
    """Per candidate, the candidates whose cosine reaches `threshold`: the redundancy test of every
    packing by set lookups (a story packs about 20 times). The same test as the maximum over the
    chosen row reaching it; an entry a sparse matrix leaves out is 0, below any threshold > 0."""
    if sparse.issparse(sim):
        coo = sparse.coo_matrix(sim)
        hit = coo.data >= threshold
        rows, cols = coo.row[hit], coo.col[hit]
        if threshold <= 0:  # the zeros left out reach it too
            rows, cols = np.nonzero(np.ones(sim.shape, dtype=bool))
    else:
        rows, cols = np.nonzero(np.asarray(sim) >= threshold)
    near: list[set[int]] = [set() for _ in range(sim.shape[0])]
    for r, c in zip(rows.tolist(), cols.tolist()):
        near[r].add(c)
    return near


# Up to this many article x term cells the article priorities are computed in numpy (scipy's
# per-call cost, a sparse product and five reductions, was most of a one-article story's).
DENSE_PRIORITY = 200_000


def priorities(feats: StoryFeatures, docs: np.ndarray, n_docs: int) -> np.ndarray:
    """Per article: the cosine of its candidates' summed TF-IDF to the other articles' sum (how
    well it covers what the others say; sparse, so a big story costs no dense article x term
    matrix); 0 for an article without candidates. A one-article story's is a rounding residue
    the model splits on, so a small story's (`_small_priorities`) is made of the same sums in the
    same orders as this sparse path's."""
    if n_docs == 1 and feats.vectors.nnz:  # most stories: one article
        one = _one_article_priority(feats.vectors)
        if one is not None:
            return one
    if n_docs * feats.vectors.shape[1] <= DENSE_PRIORITY:
        small = _small_priorities(feats.vectors, docs, n_docs)
        if small is not None:
            return small
    n = len(docs)
    by_doc = sparse.csr_matrix((np.ones(n), (docs, np.arange(n))), shape=(n_docs, n))
    vecs = (by_doc @ feats.vectors).tocsr()
    total = np.asarray(vecs.sum(axis=0)).ravel()
    own = np.asarray(vecs.multiply(vecs).sum(axis=1)).ravel()
    dot_total = vecs @ total
    return _cosine_to_others(own, dot_total, total @ total)


def _cosine_to_others(own: np.ndarray, dot_total: np.ndarray, total_sq: Any) -> np.ndarray:
    """Each article's cosine to the other articles' sum, from its squared norm, its dot with the
    total and the total's squared norm (0 where a norm is 0)."""
    others_sq = np.maximum(total_sq - 2 * dot_total + own, 0.0)
    norms = np.sqrt(own * others_sq)
    return np.where(norms > 0, (dot_total - own) / np.maximum(norms, 1e-12), 0.0)


def _small_priorities(vectors: sparse.csr_matrix, docs: np.ndarray, n_docs: int) -> np.ndarray | None:
    """`priorities` in numpy (scipy's per-call cost was most of a one-article story's), each sum
    as the sparse path makes it: an article's row of `by_doc @ vectors` holds its terms in the
    reverse order of their first use, each the sum over its sentences in order; the total per term
    sums the articles in order; `multiply(...).sum(axis=1)` sums an article's squares (in its row's
    order when every row is sorted, else reversed) by `np.add.reduceat`; `vecs @ total` an
    article's products one after the other. None where a square underflows (scipy drops it)."""
    width = max(1, vectors.shape[1])
    entry_doc = docs[np.repeat(np.arange(len(docs)), np.diff(vectors.indptr))]
    keys, first, inverse = np.unique(entry_doc * width + vectors.indices, return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=vectors.data, minlength=len(keys))  # in sentence order, from 0
    order = np.lexsort((-first, keys // width))
    row_doc, cols, data = keys[order] // width, keys[order] % width, sums[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(row_doc, minlength=n_docs))])
    total = np.bincount(cols, weights=data, minlength=vectors.shape[1])
    square = data * data
    if not square.all():
        return None
    if not (np.diff(cols)[np.diff(row_doc) == 0] > 0).all():  # scipy's general product: rows reversed
        square = square[_reversed_rows(ptr)]
    own = np.zeros(n_docs)
    rows = np.flatnonzero(np.diff(ptr))
    if len(rows):
        own[rows] = np.add.reduceat(square, ptr[rows])
    products = data * total[cols]
    dot_total = np.array(
        [np.cumsum(products[ptr[d] : ptr[d + 1]])[-1] if ptr[d + 1] > ptr[d] else 0.0 for d in range(n_docs)]
    )
    return _cosine_to_others(own, dot_total, total @ total)


def _one_article_priority(vectors: sparse.csr_matrix) -> np.ndarray | None:
    """`_small_priorities` of a one-article story, the same sums in the same orders without its
    grouping by article (a sort, a lexsort and a dozen small calls, most of a one-article story's
    priorities): the article's row is the total, each term summed over the sentences in order (one
    `np.bincount`, which adds in order from 0); its terms in the reverse order of their first use;
    its squares summed by `np.add.reduceat` in that order when it is ascending, else reversed; the
    products by `np.cumsum` in that order. None where a square underflows (the general path)."""
    indices = vectors.indices
    total = np.bincount(indices, weights=vectors.data, minlength=vectors.shape[1])
    first_use = np.array(list(dict.fromkeys(indices.tolist())), dtype=np.intp)
    cols = first_use[::-1]
    data = total[cols]
    products = data * data
    if not products.all():
        return None
    ascending = len(cols) < 2 or bool((cols[1:] > cols[:-1]).all())
    first = total[first_use]
    square = products if ascending else first * first
    own = np.add.reduceat(square, np.zeros(1, dtype=np.intp))
    dot_total = np.array([np.cumsum(products)[-1]])
    return _cosine_to_others(own, dot_total, total @ total)


def _reversed_rows(ptr: np.ndarray) -> np.ndarray:
    """The positions of a CSR's entries with each row's reversed."""
    index = np.arange(ptr[-1])
    row = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    return ptr[row] + ptr[row + 1] - 1 - index


def _remembered(feats: StoryFeatures, key: tuple, make: Callable[[], Any]) -> Any:
    """`make()`, made once for these features and key (a story selects more than once: the order
    stage's refill asks again at a larger budget)."""
    if key not in feats.memo:
        feats.memo[key] = make()
    return feats.memo[key]


def _scored(
    story: PreparedStory, feats: StoryFeatures, scorer: LearnedSelector, raw_scores: np.ndarray | None = None
) -> tuple:
    """The candidates' sentences, lengths, scores (misfits lowered), articles, article priorities
    and score order, once per features and scorer (its booster is kept with them and checked:
    the key holds only its id). `raw_scores`: the scorer's scores of `feats.matrix` when already
    made (`prime`'s stacked evaluation)."""
    opts = scorer.settings

    def make() -> tuple:
        sents = [story.sentences[i] for i in feats.candidates]
        lengths = np.array([s.words for s in sents])
        raw = scorer.score(feats.matrix) if raw_scores is None else raw_scores
        fits = (lengths >= opts.min_words) & (lengths <= opts.max_words)  # the scorer's limits (6-70 shipped)
        scores = lowered(raw, ~fits)  # misfits only when nothing else is left
        docs = np.array([s.document for s in sents], dtype=int)
        prio = priorities(feats, docs, len(story.articles))
        order = list(np.argsort(-scores, kind="stable"))
        return scorer.booster_, (sents, lengths, scores, docs, prio, order)

    key = _scored_key(scorer)
    if key in feats.memo and feats.memo[key][0] is not scorer.booster_:  # an id reused: not this booster
        del feats.memo[key]
    return _remembered(feats, key, make)[1]


def _scored_key(scorer: LearnedSelector) -> tuple:
    return ("scored", id(scorer.booster_), scorer.settings.min_words, scorer.settings.max_words)


def _predict_groups(booster: Any, matrices: list[np.ndarray]) -> list[np.ndarray]:
    """The booster's predictions of each matrix, in one call when it is a `TreeEnsemble` (bit for
    bit each matrix's own call), else one call a matrix (a LightGBM booster just fitted)."""
    if hasattr(booster, "predict_groups"):
        return booster.predict_groups(matrices)
    return [np.asarray(booster.predict(m, num_threads=1), dtype=float) if len(m) else np.zeros(0) for m in matrices]


def _quietly(make: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """(True, make(*args)), or (False, None) when it raises: `Reranker.prime` only fills caches, so
    a story it cannot make is left to that story's own call, which raises the same error there
    (where the store records it for that story alone)."""
    try:
        return True, make(*args)
    except Exception:  # noqa: BLE001 - raised again by the story's own call
        return False, None


def candidates(
    story: PreparedStory, budget: int, scorer: LearnedSelector, settings: RerankSettings = RerankSettings()
) -> Candidates | None:
    """The story's candidate summaries and their features (None: no candidate sentence, or none fits)."""
    opts = scorer.settings
    feats = story_features(story, opts.max_offset)
    n = len(feats.candidates)
    if n == 0:
        return None
    sents, lengths, scores, docs, prio, order = _scored(story, feats, scorer)
    half = np.zeros(n, dtype=bool)
    if settings.whole_quotes:
        half = _remembered(feats, ("half",), lambda: np.array([unbalanced_quotes(s.text) for s in sents], dtype=bool))
        if half.any():
            scores = lowered(scores, half & fitting(scores))
            order = list(np.argsort(-scores, kind="stable"))
    redundant = _redundancy(feats, settings)
    if settings.referents:
        redundant = _with_referents(story, feats, sents, redundant)
    made: list[tuple[list[int], int, float]] = []  # (chosen, variant, share)
    orders = [(order, 0)]
    if settings.doc_priority:
        best = int(np.argmax(prio))
        leads = [i for i in order if docs[i] == best and sents[i].position == 0 and not half[i]]
        if leads and leads[0] != order[0]:
            orders.append((leads + [i for i in order if i != leads[0]], 1))
    for ranked, variant in orders:
        for share in settings.shares:
            made.append((pack(sents, ranked, max(1, round(share * budget)), redundant), variant, share))
    full = pack(sents, order, budget, redundant)
    for k in range(min(settings.swaps, len(full))):
        ranked = [i for i in order if i != full[k]]
        made.append((pack(sents, ranked, budget, redundant), 2, 1.0))
    for document in np.argsort(-prio, kind="stable")[: settings.article_leads].tolist():
        in_order = sorted(
            np.flatnonzero((docs == document) & fitting(scores)).tolist(), key=lambda i: sents[i].position
        )
        made.append((pack(sents, in_order, budget, redundant), 3, 1.0))
    unique: dict[frozenset[int], tuple[list[int], int, float]] = {}
    for chosen, variant, share in made:
        if chosen:
            unique.setdefault(frozenset(chosen), (chosen, variant, share))
    kept = list(unique.values())
    if not kept:  # no sentence fits the budget (each is over twice as long)
        return None
    matrix = _candidate_matrix(story, feats, kept, scores, lengths, docs, prio, budget)
    return Candidates(feats, [c for c, _, _ in kept], matrix)


# Up to this many sentence x gram cells the coverage counts are made dense (scipy's per-call cost
# is most of a small story's), above it sparse (memory linear in the grams).
DENSE_COVER = 200_000


def _gram_incidences(
    tokens: list[list[str]], docs: np.ndarray, words: _Words | None = None
) -> list[tuple[np.ndarray | sparse.csr_matrix, np.ndarray]]:
    """The candidates' content words and their word pairs (two neighbours, not both stop words),
    as `_incidence` gives each kind; each word an integer once, the pairs found by numpy. `words`:
    the features' `_Words` of these tokens when made (numbering the tokens in Python was half of
    this), else numbered here as the features number them."""
    if words is None:
        words = _Words.of(tokens, stop_words())
    word, row = words.word, words.row
    is_stop = ~words.content[word]
    pair = (row[1:] == row[:-1]) & ~(is_stop[1:] & is_stop[:-1])  # neighbours within one sentence
    keys = word[:-1][pair] * max(1, len(words.names)) + word[1:][pair]
    return [
        _incidence(row[~is_stop], word[~is_stop], docs, len(tokens)),
        _incidence(row[1:][pair], keys, docs, len(tokens)),
    ]


def _covers(incidences: list[tuple[np.ndarray | sparse.csr_matrix, np.ndarray]], member: np.ndarray) -> np.ndarray:
    """Per candidate summary (rows of `member`): the share of the story's shared content words and
    word pairs (by weight: articles - 1, for those two or more articles use: what a reference
    summary is likely to repeat) it has, and the share of its own pairs that are shared. One
    product per kind for all candidates, not a set union per candidate."""
    out = np.zeros((len(member), 3))
    for kind, (incidence, weight) in enumerate(incidences):
        if isinstance(incidence, np.ndarray):  # counts of whole numbers: exact either way
            have = (member @ incidence) > 0
            got, distinct = have @ weight, have.sum(axis=1)
        else:
            have = sparse.csr_matrix(member) @ incidence
            have.data[:] = 1.0
            got, distinct = have @ weight, np.diff(have.indptr)
        out[:, kind] = got / max(1, weight.sum())
        if kind == 1:
            out[:, 2] = (have @ (weight > 0).astype(float)) / np.maximum(1, distinct)
    return out


def _incidence(
    rows: np.ndarray, keys: np.ndarray, docs: np.ndarray, n: int
) -> tuple[np.ndarray | sparse.csr_matrix, np.ndarray]:
    """Sentence x gram incidence (1 where sentence `rows[i]` has gram `keys[i]`; dense up to
    DENSE_COVER cells, made directly: a CSR built and densified cost more than the rest of a
    small story's coverage), and each gram's weight: the number of articles using it minus one,
    0 for a gram of one article."""
    grams, col = _unique_inverse(keys)
    width = max(1, len(grams))
    n_docs = int(docs.max()) + 1 if len(docs) else 1
    if n * width <= DENSE_COVER:  # marked in place: repeated cells and (gram, article) pairs count once
        incidence: np.ndarray | sparse.csr_matrix = np.zeros((n, width))
        incidence[rows, col] = 1.0
        used = np.zeros((n_docs, width), dtype=bool)
        used[docs[rows], col] = True
        return incidence, np.maximum(used.sum(axis=0) - 1.0, 0.0)
    cells = sorted_distinct(rows * width + col)  # (sentence, gram) pairs, once each
    cell_rows, cell_cols = cells // width, cells % width
    incidence = sparse.csr_matrix((np.ones(len(cells)), (cell_rows, cell_cols)), shape=(n, width))
    pairs = sorted_distinct(cell_cols * n_docs + docs[cell_rows])  # (gram, article) pairs, once each
    weight = np.bincount(pairs // n_docs, minlength=width).astype(float) - 1.0
    return incidence, np.maximum(weight, 0.0)


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` of a 1-d array, without its wrappers' checks
    (three calls a small story's candidate rows, about a tenth of their cost)."""
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    new = np.empty(len(ranked), dtype=bool)
    new[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    inverse = np.empty(len(ranked), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _candidate_matrix(story, feats, kept, scores, lengths, docs, prio, budget) -> np.ndarray:
    """Feature rows of the candidate summaries (columns: CANDIDATE_FEATURES), all candidates at
    once by products with their membership matrix (sums and weighted means equal a loop's to
    float rounding, below the float32 the rows are kept in; counts, maxima and minima exactly)."""
    n, m = len(scores), len(kept)
    sizes = [len(chosen) for chosen, _, _ in kept]
    member = np.zeros((m, n))  # one assignment for all candidates' cells (a loop was 40-50 us)
    member[np.repeat(np.arange(m), sizes), [i for chosen, _, _ in kept for i in chosen]] = 1.0
    firsts = np.array([chosen[0] for chosen, _, _ in kept])
    rank = np.empty(n, dtype=int)
    rank[np.argsort(-scores, kind="stable")] = np.arange(n)
    # whole-number sums (sentences, words, top-ranked sentences), exact in any order: one product
    counts = member @ np.column_stack([np.ones(n), lengths, rank < 3, rank < 5, rank < 10])
    k, words = counts[:, 0], counts[:, 1]
    weights = member * lengths / np.maximum(1, words)[:, None]  # each sentence by its share of the words
    fit_scores = np.where(fitting(scores), scores, scores + MISFIT_PENALTY)
    z = (fit_scores - (mean := _mean(fit_scores))) / (_std(fit_scores, mean) + 1e-9)
    centroid, summary = _summed_vectors(feats.vectors, kept)
    # np.linalg.norm's own arithmetic for real rows and a real vector, without its wrapper's checks
    norms = np.sqrt(np.add.reduce(summary * summary, axis=1)) * max(np.sqrt(centroid.dot(centroid)), 1e-12)
    top_terms = np.argsort(-centroid)[:20]
    positions = np.array([story.sentences[i].position for i in feats.candidates], dtype=float)
    best_doc = int(np.argmax(prio))
    sent_prio = prio[docs]
    if len(docs) and (docs == docs[0]).all():
        # One article's candidates (most stories): every gram's weight (articles using it - 1) is 0,
        # so every cover is 0 exactly, and one article is one origin: the same columns, cheaply.
        doc_index = origin_index = np.zeros(len(docs), dtype=np.intp)
        covers = np.zeros((m, 3))
    else:
        origins = np.array([story.copy_origin_of(d) for d in docs])
        _, doc_index = _unique_inverse(docs)
        _, origin_index = _unique_inverse(origins)
        covers = _covers(
            _remembered(feats, ("grams",), lambda: _gram_incidences(feats.tokens, docs, feats.memo.get(WORDS_KEY))),
            member,
        )
    n_docs, n_origins = int(doc_index.max()) + 1, int(origin_index.max()) + 1
    weighted = weights @ np.column_stack(
        [
            *(
                feats.matrix[:, FEATURES.index(f)].astype(float)
                for f in ("agreement", "origins_agree_02", "centrality")
            ),
            positions,
            positions == 0,
            feats.matrix[:, FEATURES.index("log_offset")].astype(float),
            sent_prio,
            docs == best_doc,
        ]
    )
    pair_max, pair_sum, score_sum, z_mean = _row_stats(feats.similarity, kept, fit_scores, z)
    columns = {
        "share_of_budget": words / budget,
        "words": words,
        "sentences": k,
        "budget": budget,
        "log_budget": np.log(budget),
        "score_sum": score_sum,
        "score_mean": score_sum / k,
        "score_min": np.where(member > 0, fit_scores, np.inf).min(axis=1),
        "z_mean": z_mean,
        "top3_share": counts[:, 2] / 3,
        "top5_share": counts[:, 3] / 5,
        "top10_share": counts[:, 4] / 10,
        "centroid_cos": np.where(norms > 0, summary @ centroid / np.where(norms > 0, norms, 1.0), 0.0),
        # bool.mean(axis=1): a float64 sum of whole numbers, divided (exact as any such sum)
        "top_terms": np.add.reduce(summary[:, top_terms] > 0, axis=1, dtype=np.float64) / len(top_terms)
        if len(top_terms)
        else 0.0,
        "unigram_cover": covers[:, 0],
        "bigram_cover": covers[:, 1],
        "bigram_precision": covers[:, 2],
        "agreement_mean": weighted[:, 0],
        "agree02_mean": weighted[:, 1],
        "centrality_mean": weighted[:, 2],
        "pair_max": np.where(k > 1, pair_max, 0.0),
        "pair_mean": np.where(k > 1, pair_sum / np.maximum(1, k * (k - 1)), 0.0),
        "position_mean": weighted[:, 3],
        "lead_share": weighted[:, 4],
        "offset_mean": weighted[:, 5],
        "first_position": positions[firsts],
        "priority_mean": weighted[:, 6],
        "best_doc_share": weighted[:, 7],
        "first_priority": sent_prio[firsts],
        "doc_share": _share_of_groups(member, doc_index, n_docs),
        "origin_share": _share_of_groups(member, origin_index, n_origins),
        "n_docs": n_docs,
        "n_origins": n_origins,
        "n_cands": n,
        "log_story_words": np.log1p(sum(s.words for s in story.sentences)),
        "variant": np.array([variant for _, variant, _ in kept]),
    }
    matrix = np.empty((m, len(CANDIDATE_FEATURES)))
    for j, f in enumerate(CANDIDATE_FEATURES):
        matrix[:, j] = columns[f]
    return finite_rows(matrix.astype(np.float32))  # np.nan_to_num where a value is not finite


def _mean(values: np.ndarray) -> Any:
    """`values.mean()` of a 1-d float array as numpy's `_mean` makes it (its sum, divided by the
    count), without its wrapper's checks."""
    return np.add.reduce(values) / len(values)


def _std(values: np.ndarray, mean: Any) -> Any:
    """`values.std()` of a 1-d float array as numpy's `_var` makes it from `mean` (`_mean`): the
    squared deviations summed, divided by the count, the root; its wrapper was 10 numpy calls."""
    deviation = values - mean
    return np.sqrt(np.add.reduce(deviation * deviation) / len(values))


def _share_of_groups(member: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray | float:
    """Per candidate, the share of the groups (articles, origins) its sentences come from; every
    candidate of a one-group story has them all (a candidate is never empty)."""
    if groups == 1:
        return 1.0
    return ((member @ np.eye(groups)[group]) > 0).sum(axis=1) / groups


def _summed_vectors(vectors: sparse.csr_matrix, kept: list) -> tuple[np.ndarray, np.ndarray]:
    """The story's summed TF-IDF and each candidate's (dense rows), as scipy's `vectors.sum(axis=0)`
    and `csr_matrix(member) @ vectors` sum them (each term over the sentences in index order, from
    0), by `np.bincount`, which adds its weights in order: two scipy calls were a tenth of a small
    story's candidate rows."""
    width = vectors.shape[1]
    centroid = np.bincount(vectors.indices, weights=vectors.data, minlength=width)
    rows = [sorted(chosen) for chosen, _, _ in kept]  # small lists: sorted, not one np.sort each
    sentence = np.array([i for row in rows for i in row], dtype=np.intp)
    starts, ends = vectors.indptr[sentence], vectors.indptr[sentence + 1]
    entry = np.repeat(ends - np.cumsum(ends - starts), ends - starts) + np.arange(int((ends - starts).sum()))
    owner = np.repeat(np.repeat(np.arange(len(rows)), [len(r) for r in rows]), ends - starts)
    cells = np.bincount(
        owner * width + vectors.indices[entry], weights=vectors.data[entry], minlength=len(rows) * width
    )
    return centroid, cells.reshape(len(rows), width)


def _row_stats(sim: np.ndarray | sparse.csr_matrix, kept: list, fit_scores: np.ndarray, z: np.ndarray) -> tuple:
    """Per candidate summary: the highest cosine between two of its sentences and their sum, and
    the sum of its scores and mean of their z-scores, each summed over the candidate's own
    sentences as numpy sums them (a z mean near 0 is rounding, and the model splits at its sign):
    the candidates of one length at once, as a row of a C-ordered matrix sums as that array alone."""
    top, total, score_sum, z_mean = (np.zeros(len(kept)) for _ in range(4))
    by_size: dict[int, list[int]] = {}  # the candidates of each length (in Python: a few dozen)
    for r, (chosen, _, _) in enumerate(kept):
        by_size.setdefault(len(chosen), []).append(r)
    for size, rows in by_size.items():
        at = np.array(rows)
        idx = np.array([kept[r][0] for r in rows])  # (candidates, size), in packing order
        score_sum[at], z_mean[at] = fit_scores[idx].sum(axis=1), z[idx].sum(axis=1) / size  # np.mean's sum, divided
        if size < 2:
            continue
        if sparse.issparse(sim):
            for r, row in zip(at.tolist(), idx):
                pair = sim[row][:, row].toarray()
                top[r], total[r] = pair.max(), pair.sum()
        else:
            pair = sim[idx[:, :, None], idx[:, None, :]].reshape(len(at), size * size)
            top[at], total[at] = pair.max(axis=1), pair.sum(axis=1)
    return top, total, score_sum, z_mean


_CACHE: dict[Path, Reranker] = {}


class Reranker:
    """Pick one of a story's candidate summaries by a LightGBM model of its ROUGE.

    The constructor stores `settings` (how candidates are made), the sentence scorer (None: the
    shipped learned selector) and the training parameters; `fit` sets `booster_` and
    `features_`; `Reranker.load()` gives the shipped reranker. Selecting unfitted raises `ModelError`.
    """

    name = "rerank"
    booster_: Any
    features_: tuple[str, ...]
    meta_: dict[str, Any]

    def __init__(
        self,
        settings: RerankSettings = RerankSettings(),
        scorer: LearnedSelector | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        rounds: int = ROUNDS,
        seed: int = 0,
    ) -> None:
        self.settings = settings
        self.scorer = scorer
        self.params = params
        self.rounds = rounds
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray, group: np.ndarray) -> Reranker:
        """Fit on candidate rows `X` (columns: CANDIDATE_FEATURES), their ROUGE `y` and `group`, the
        number of candidates of each story in order (each story's labels are centred on its mean)."""
        import lightgbm as lgb

        y = np.asarray(y, dtype=float)
        starts = np.r_[0, np.cumsum(group)[:-1]].astype(int)
        means = np.repeat(np.add.reduceat(y, starts) / np.maximum(group, 1), group) if len(y) else y
        params = {**PARAMS, **(self.params or {}), "seed": self.seed, "deterministic": True}
        data = lgb.Dataset(np.asarray(X), label=y - means, feature_name=list(CANDIDATE_FEATURES), free_raw_data=False)
        self.booster_ = lgb.train(params, data, num_boost_round=self.rounds)
        self.features_ = tuple(CANDIDATE_FEATURES)
        self.meta_ = {"seed": self.seed}
        return self

    @property
    def fitted(self) -> bool:
        return hasattr(self, "booster_")

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ModelError("this Reranker is not fitted: call fit(...), or use Reranker.load() for the shipped model")

    def model_file(self, meta: Mapping[str, Any] | None = None) -> ModelFile:
        """The fitted reranker as a model file (version rerank-1; its settings in meta["rerank"])."""
        self._check_fitted()
        meta = {**dict(meta or {}), "rerank": self.settings.to_json()}
        return ModelFile(self.booster_.model_to_string(), self.features_, meta=meta, version=RERANK_VERSION)

    def save(self, path: str | Path, meta: Mapping[str, Any] | None = None) -> Path:
        written = self.model_file(meta).write(path)
        _CACHE.pop(written.resolve(), None)
        return written

    @classmethod
    def from_model_file(cls, model: ModelFile, scorer: LearnedSelector | None = None) -> Reranker:
        """The fitted reranker of a model file; its booster is a `trees.TreeEnsemble` (LightGBM's
        scores without importing lightgbm, whose import costs more than a summary's start-up)."""
        settings = RerankSettings.from_json(model.meta.get("rerank", {}), "rerank model")
        reranker = cls(settings, scorer, seed=int(model.meta.get("seed", 0)))
        reranker.booster_ = read_trees(model.booster)
        reranker.features_ = model.features
        reranker.meta_ = dict(model.meta)
        return reranker

    @classmethod
    def load(cls, path: str | Path | None = None) -> Reranker:
        """The fitted reranker of the model file at `path` (default: the shipped one), read once a process."""
        path = Path(path).resolve() if path else resolved_once(RERANK_PATH)
        if path not in _CACHE:
            _CACHE[path] = cls.from_model_file(ModelFile.read(path, RERANK_VERSION, CANDIDATE_FEATURES))
        return _CACHE[path]

    def with_settings(self, settings: RerankSettings) -> Reranker:
        """The same fitted model over candidates made with other settings."""
        other = copy.copy(self)
        other.settings = settings
        return other

    def with_scorer(self, scorer: LearnedSelector | None) -> Reranker:
        """The same fitted model over another sentence scorer (the booster is shared, not copied)."""
        other = copy.copy(self)
        other.scorer = scorer
        return other

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """The model's predicted ROUGE (relative to the story's mean) of each candidate row."""
        self._check_fitted()
        if len(matrix) == 0:
            return np.zeros(0)
        cols = [CANDIDATE_FEATURES.index(f) for f in self.features_]
        return np.asarray(self.booster_.predict(matrix[:, cols], num_threads=1), dtype=float)

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        """The candidate summary the model rates highest, its sentences in packing order."""
        self._check_fitted()
        if not story.sentences:
            return []
        scorer = self.scorer or LearnedSelector.load()
        if budget > TRAINED_BUDGET_MAX:
            return scorer(story, budget)
        feats = story_features(story, scorer.settings.max_offset)
        key, refs = self._primed_key(budget, scorer)
        primed = feats.memo.get(key)
        if primed is not None and all(a is b for a, b in zip(primed[0], refs)):  # by `prime` (ids reused: not)
            made, scores = primed[1], primed[2]
        else:
            made = candidates(story, budget, scorer, self.settings)
            scores = None if made is None else self.score(made.matrix)
        if made is None or scores is None:
            return []
        best = made.chosen[int(np.argmax(scores))]
        return [story.sentences[made.feats.candidates[i]] for i in best]

    def _primed_key(self, budget: int, scorer: LearnedSelector) -> tuple[tuple, tuple]:
        """Where `prime` leaves a story's scored candidates in its features' memo, and the boosters
        they were made by (compared by identity: the key holds only their ids)."""
        key = ("reranked", budget, self.settings, scorer.settings, id(self.booster_), id(scorer.booster_))
        return key, (self.booster_, scorer.booster_)

    def prime(self, stories: Sequence[PreparedStory], budgets: Sequence[int]) -> None:
        """Make and score the candidates of all these stories at their budgets, as `__call__`
        would, with one stacked evaluation of the sentence scorer and one of the reranker for all
        of them (a tree evaluation's fixed cost was most of a small story's); kept in each story's
        features, so `self(story, budget)` reads them. The scores are bit for bit a call's
        (`TreeEnsemble.predict_groups`); a model of another kind is evaluated story by story."""
        self._check_fitted()
        scorer = self.scorer or LearnedSelector.load()
        todo = [(s, b) for s, b in zip(stories, budgets) if s.sentences and b <= TRAINED_BUDGET_MAX]
        featured = []
        for story, budget in todo:
            ok, feats = _quietly(story_features, story, scorer.settings.max_offset)
            if ok:
                featured.append((story, budget, feats))
        fresh = [(story, f) for story, _, f in featured if len(f.candidates) and _scored_key(scorer) not in f.memo]
        raw = _predict_groups(scorer.booster_, [f.matrix[:, scorer.columns_] for _, f in fresh])
        for (story, f), r in zip(fresh, raw):
            _quietly(_scored, story, f, scorer, np.asarray(r, dtype=float))
        made = []
        for story, budget, f in featured:
            ok, got = _quietly(candidates, story, budget, scorer, self.settings)
            if ok:  # a failure is left to the story's own call, which raises it again
                made.append((f, budget, got))
        cols = [CANDIDATE_FEATURES.index(name) for name in self.features_]
        scores = iter(_predict_groups(self.booster_, [c.matrix[:, cols] for _, _, c in made if c is not None]))
        for f, budget, c in made:
            key, refs = self._primed_key(budget, scorer)
            f.memo[key] = (refs, c, None if c is None else np.asarray(next(scores), dtype=float))

    def __repr__(self) -> str:
        return f"Reranker({self.settings}, {'fitted' if self.fitted else 'unfitted'})"


@register("rerank")
class ShippedReranker:
    """The registry's "rerank": `Reranker.load()` over the shipped learned selector, read on
    first use (naming it reads no model; a missing model fails each story with `ModelError`)."""

    name = "rerank"

    def __init__(self, options: Options | None = None) -> None:
        self.learned = options.learned if options is not None else None

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        if not story.sentences:
            return []
        return self._reranker()(story, budget)

    def prime(self, stories: Sequence[PreparedStory], budgets: Sequence[int]) -> None:
        """`Reranker.prime` of the shipped reranker with this selector's scorer (a missing model
        is left to each story's call, which fails with `ModelError`)."""
        ok, reranker = _quietly(self._reranker)
        if ok:
            reranker.prime(stories, budgets)

    def _reranker(self) -> Reranker:
        shipped = LearnedSelector.load()
        scorer = shipped.with_settings(self.learned) if self.learned else shipped
        return Reranker.load().with_scorer(scorer)
