"""Sentence features of a prepared Story for the learned selector (case-free: train text is lower-cased)."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .prepare import MAX_POSITION, PreparedStory
from .syndicate import sorted_distinct  # np.unique by one sort (numpy 2 hashes: 5-10x here)
from .textsim import QUOTE_CHARS, quote_marks, self_cosines, stop_words

__all__ = [
    "FEATURES",
    "GROUPS",
    "StoryFeatures",
    "story_features",
    "word_offsets",
    "candidate_indices",
    "candidate_reach",
    "BIG_STORY",
    "finite_rows",
]

# Only sentences that start within this many words of their article's start are candidates.
# Multi-News training text holds ~500 tokens a cluster, so the model never saw later sentences.
MAX_OFFSET = 300


def candidate_reach(budget: int, max_offset: int = MAX_OFFSET) -> int:
    """How far into each article (in words) a summary of `budget` words may draw: `max_offset`,
    the training text's reach, up to that budget (so training and every default-length summary
    are unchanged), and the budget beyond it: a summary of N words may use any article's first N,
    so a long one can draw on whole articles."""
    return max(max_offset, budget)


# Above this many candidates a story's pair features come from its sparse cosines >= BIG_FLOOR
# (textsim.TextViews.neighbours) and sums of TF-IDF rows, not from a dense candidates x candidates
# matrix: cost and memory linear in the similar pairs. Far above every golden case (at most 70
# candidates on fulltext-dev, the seeds and the examples), so their outputs do not change. What
# changes above it: maxima and the per-origin best matches read cosines under BIG_FLOOR as 0 (the
# "agreement" mean and the MMR penalty; the 0.2 / 0.4 / 0.8 tests are exact); sums are exact up
# to float rounding.
BIG_STORY = 1000
BIG_FLOOR = 0.1

GROUPS: dict[str, list[str]] = {
    "position": ["position", "inv_position", "is_lead", "word_offset", "log_offset"],
    "length": ["words", "log_words", "content_share", "mean_word_len"],
    "centrality": ["centrality", "centrality_other", "topic_share", "topic_mass", "max_sim_other"],
    "agreement": ["agreement", "origins_agree_02", "origins_agree_04", "near_copy", "lead_sim"],
    "numbers": ["numbers", "has_year", "has_money_pct"],
    "entities": ["rare_share", "rare_topic"],
    "quotes": ["quote_chars", "starts_quote", "said", "first_person", "question"],
    "noise": ["noise_words", "colon", "within_doc_dup"],
    "story": ["n_docs", "n_origins", "n_cands", "doc_cands"],
}
FEATURES: list[str] = [name for names in GROUPS.values() for name in names]

_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONEY_RE = re.compile(r"[$£€%]|\b(percent|million|billion|dollars?)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d")
_FIRST_PERSON = frozenset({"i", "we", "my", "our", "me", "us", "you", "your", "i'm", "we're"})
_SAID = frozenset({"said", "says", "told", "according", "stated", "added"})
_NOISE = frozenset(
    {
        "click",
        "http",
        "https",
        "www",
        "com",
        "photo",
        "video",
        "subscribe",
        "newsletter",
        "cookies",
        "javascript",
        "browser",
        "email",
        "image",
        "caption",
        "advertisement",
        "share",
        "tweet",
        "facebook",
        "twitter",
        "getty",
        "ap",
        "reuters",
        "copyright",
    }
)


# Where `story_features` leaves the candidates' `_Words` (word ids, sentence of each token, content
# flags) in the features' memo, for a selector that numbers the same words.
WORDS_KEY = ("words",)


@dataclass
class StoryFeatures:
    """Candidates (indices into story.sentences), their feature rows, TF-IDF rows, their cosines
    (zero diagonal) and tokens."""

    candidates: np.ndarray
    matrix: np.ndarray
    vectors: sparse.csr_matrix
    similarity: np.ndarray | sparse.csr_matrix  # sparse (cosines >= BIG_FLOOR) above BIG_STORY candidates
    tokens: list[list[str]]
    # what a selector derives from these features alone, kept with them (`story_features` gives
    # one StoryFeatures per story and reach, and a summary selects more than once)
    memo: dict = field(default_factory=dict, repr=False, compare=False)


def word_offsets(story: PreparedStory) -> np.ndarray:
    """Words of the same article's body before each sentence."""
    offsets: list[int] = []
    running: dict[int, int] = {}
    for s in story.sentences:
        before = running.get(s.document, 0)
        offsets.append(before)
        running[s.document] = before + s.words
    return np.array(offsets, dtype=np.int64)


def candidate_indices(
    story: PreparedStory, max_offset: int = MAX_OFFSET, offsets: np.ndarray | None = None
) -> np.ndarray:
    """Sentences early enough in their article: near the lead, within the training text's reach
    (`offsets`: the story's `word_offsets`, when the caller has them)."""
    offsets = word_offsets(story) if offsets is None else offsets
    positions = np.array([s.position for s in story.sentences])
    keep = ((offsets < max_offset) | (positions == 0)) & (positions < MAX_POSITION)
    return np.flatnonzero(keep)


def _agreement(sim: np.ndarray, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per candidate: mean best match over other origins, how many pass 0.2 / 0.4, and the max."""
    labels = np.unique(origins)
    if len(labels) < 2:
        zero = np.zeros(len(origins))
        return zero, zero, zero, zero
    best = np.stack([np.where(origins[None, :] == o, sim, 0.0).max(axis=1) for o in labels], axis=1)
    best[origins[:, None] == labels[None, :]] = 0.0
    return (
        best.sum(axis=1) / (len(labels) - 1),
        (best >= 0.2).sum(axis=1) / (len(labels) - 1),
        (best >= 0.4).sum(axis=1) / (len(labels) - 1),
        best.max(axis=1),
    )


def _text_marks(text: str) -> tuple:
    """Features read from one sentence's text alone (those of its words: `_word_columns`)."""
    numbers = len(_NUMBER_RE.findall(text))
    stripped = text.lstrip()
    return (
        numbers,
        float(numbers >= 4 and bool(_YEAR_RE.search(text))),  # a year is four digits
        float(_money(text)),
        quote_marks(text),
        float(stripped[:1] in QUOTE_CHARS or stripped[:2] in ("''", "``")),
        float(text.rstrip().rstrip("\"'”’ ").endswith("?")),
        float(":" in text),
    )


# The columns `_text_marks` fills, in its order.
_MARK_COLUMNS = ("numbers", "has_year", "has_money_pct", "quote_chars", "starts_quote", "question", "colon")


@dataclass
class _Words:
    """The candidates' words as integers, each distinct word judged once: `word` (one per token,
    sentence after sentence), `row` (its sentence), `lengths` (tokens a sentence), `names` (the
    words in id order) and `content` (per id: not a stop word)."""

    word: np.ndarray
    row: np.ndarray
    lengths: np.ndarray
    names: list[str]
    content: np.ndarray

    @classmethod
    def of(cls, tokens: list[list[str]], stop: frozenset[str]) -> _Words:
        ids: dict[str, int] = {}
        word = np.array([ids.setdefault(t, len(ids)) for toks in tokens for t in toks], dtype=np.intp)
        lengths = np.array([len(toks) for toks in tokens], dtype=np.intp)
        names = list(ids)
        content = np.array([w not in stop for w in names], dtype=bool)
        return cls(word, np.repeat(np.arange(len(tokens)), lengths), lengths, names, content)

    def per_row(self, weights: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Per sentence, the sum of `weights` (per id) over its tokens (those of `mask`): whole
        numbers, so exact in any order."""
        word, row = (self.word, self.row) if mask is None else (self.word[mask], self.row[mask])
        return np.bincount(row, weights=weights[word], minlength=len(self.lengths))

    def flags(self, words: frozenset[str]) -> np.ndarray:
        return np.array([w in words for w in self.names], dtype=float)


def _word_columns(words: _Words) -> dict[str, np.ndarray]:
    """Features read from each sentence's words: counts per sentence by `np.bincount` over the
    story's tokens (the same whole numbers, and the same shares, as a loop over each sentence's)."""
    n = np.maximum(words.lengths, 1)
    return {
        "words": words.lengths.astype(float),
        "content_share": words.per_row(words.content.astype(float)) / n,
        "mean_word_len": words.per_row(np.array([len(w) for w in words.names], dtype=float)) / n,
        "said": (words.per_row(words.flags(_SAID)) > 0).astype(float),
        "first_person": words.per_row(words.flags(_FIRST_PERSON)) / n,
        "noise_words": words.per_row(words.flags(_NOISE)),
    }


_MONEY_WORDS = ("percent", "million", "billion", "dollar")


def _money(text: str) -> bool:
    """`_MONEY_RE.search(text)`, its word search (most of a sentence's text features) run only
    when an ASCII text holds one of its words (case-insensitive matching of other text can meet
    letters such as the dotless i, so it runs on any other text)."""
    if any(c in text for c in "$£€%"):
        return True
    if text.isascii() and not any(word in text.lower() for word in _MONEY_WORDS):
        return False
    return bool(_MONEY_RE.search(text))


_COLUMN = {name: j for j, name in enumerate(FEATURES)}


# A prepared story never changes, and the summary path asks for its features more than once (the
# reranker, its sentence scorer, the order stage's refill at a larger budget): made once per
# (story, reach), forgotten with the story. Callers read a StoryFeatures, never write it.
_MEMO: weakref.WeakKeyDictionary[PreparedStory, dict[int, StoryFeatures]] = weakref.WeakKeyDictionary()


def story_features(story: PreparedStory, max_offset: int = MAX_OFFSET) -> StoryFeatures:
    """The feature matrix (rows: candidates, columns: FEATURES) of a prepared story (made once a story and reach)."""
    made = _MEMO.setdefault(story, {})
    if max_offset not in made:
        made[max_offset] = _story_features(story, max_offset)
    return made[max_offset]


def _story_features(story: PreparedStory, max_offset: int) -> StoryFeatures:
    all_offsets = word_offsets(story)
    cands = candidate_indices(story, max_offset, all_offsets)
    sents = [story.sentences[i] for i in cands.tolist()]
    tokens = [story.views.tokens[i] for i in cands.tolist()]
    vectors = story.views.tfidf(cands)
    n = len(cands)
    doc_list = [s.document for s in sents]
    docs = np.array(doc_list, dtype=np.int64)
    origin_list = [story.copy_origin_of(d) for d in doc_list]
    origins = np.array(origin_list, dtype=np.int64)
    positions = np.array([s.position for s in sents], dtype=float)
    offsets = all_offsets[cands].astype(float)
    leads = positions == 0
    if n > BIG_STORY:
        sparse_sim = story.views.neighbours(cands, BIG_FLOOR)
        sparse_sim.setdiag(0.0)
        sparse_sim.eliminate_zeros()
        similarity: np.ndarray | sparse.csr_matrix = sparse_sim
        pair_cols = _pair_columns_sparse(sparse_sim, vectors, docs, origins, leads)
    else:
        # all sentences: the views' cosines, which attribution and the order stage read too
        sim = story.views.similarity().copy() if n == len(story.sentences) else self_cosines(vectors)
        np.fill_diagonal(sim, 0.0)
        similarity = sim
        pair_cols = _pair_columns_dense(sim, docs, origins, leads)
    # every column written in place into one float64 matrix (the same numbers as stacking them)
    matrix = np.empty((n, len(FEATURES)))
    stop = stop_words()
    marks = np.array([_text_marks(s.text) for s in sents], dtype=float)
    matrix[:, [_COLUMN[c] for c in _MARK_COLUMNS]] = marks.reshape(n, len(_MARK_COLUMNS))
    words = _Words.of(tokens, stop)
    for name, column in _word_columns(words).items():
        matrix[:, _COLUMN[name]] = column
    matrix[:, _COLUMN["log_words"]] = np.log1p(matrix[:, _COLUMN["words"]])
    topic = _topic_stats(words, docs)
    for j, name in enumerate(("topic_share", "topic_mass", "rare_share", "rare_topic")):
        matrix[:, _COLUMN[name]] = topic[:, j]
    for name, column in pair_cols.items():
        matrix[:, _COLUMN[name]] = column
    matrix[:, _COLUMN["position"]] = positions
    matrix[:, _COLUMN["inv_position"]] = 1.0 / np.sqrt(1.0 + positions)
    matrix[:, _COLUMN["is_lead"]] = leads
    matrix[:, _COLUMN["word_offset"]] = offsets
    matrix[:, _COLUMN["log_offset"]] = np.log1p(offsets)
    matrix[:, _COLUMN["n_docs"]] = float(len(set(doc_list)))
    matrix[:, _COLUMN["n_origins"]] = float(len(set(origin_list)))
    matrix[:, _COLUMN["n_cands"]] = float(n)
    matrix[:, _COLUMN["doc_cands"]] = np.bincount(docs, minlength=len(story.articles))[docs]
    made = StoryFeatures(cands, finite_rows(matrix.astype(np.float32)), vectors, similarity, tokens)
    made.memo[WORDS_KEY] = words  # the reranker's gram covers number the words the same way
    return made


def finite_rows(matrix: np.ndarray) -> np.ndarray:
    """`np.nan_to_num(matrix)`, called only when a value is not finite (its wrapper's cost was a
    tenth of a one-article story's features; a finite matrix comes back as it is)."""
    return matrix if np.isfinite(matrix).all() else np.nan_to_num(matrix)


def _pair_columns_dense(
    sim: np.ndarray, docs: np.ndarray, origins: np.ndarray, leads: np.ndarray
) -> dict[str, np.ndarray]:
    """The features read from pairs of candidates, on the dense cosines (zero diagonal)."""
    n = len(docs)
    if n and (docs == docs[0]).all():
        return _one_article_pairs(sim)
    other_doc = docs[:, None] != docs[None, :]
    same_doc = ~other_doc
    np.fill_diagonal(same_doc, False)
    agreement, agree2, agree4, max_other = _agreement(sim, origins)
    return {
        "centrality": sim.sum(axis=1) / max(1, n - 1),
        "centrality_other": (sim * other_doc).sum(axis=1) / np.maximum(1, other_doc.sum(axis=1)),
        "max_sim_other": (sim * other_doc).max(axis=1) if n else np.zeros(0),
        "agreement": agreement,
        "origins_agree_02": agree2,
        "origins_agree_04": agree4,
        "near_copy": (max_other >= 0.8).astype(float),
        "lead_sim": (sim[:, leads] * other_doc[:, leads]).sum(axis=1) / max(1, leads.sum()),
        "within_doc_dup": (sim * same_doc).max(axis=1) if n else np.zeros(0),
    }


def _one_article_pairs(sim: np.ndarray) -> dict[str, np.ndarray]:
    """`_pair_columns_dense` of candidates of one article, without its masks: nothing from another
    article (zeros, as the masked sums and maxima give), its best match within the article the
    row's maximum (the diagonal is 0, the cosines >= 0)."""
    n = len(sim)
    zero = np.zeros(n)
    return {
        "centrality": sim.sum(axis=1) / max(1, n - 1),
        "centrality_other": zero,
        "max_sim_other": zero,
        "agreement": zero,
        "origins_agree_02": zero,
        "origins_agree_04": zero,
        "near_copy": zero,
        "lead_sim": zero,
        "within_doc_dup": sim.max(axis=1),
    }


def _pair_columns_sparse(
    sim: sparse.csr_matrix, vectors: sparse.csr_matrix, docs: np.ndarray, origins: np.ndarray, leads: np.ndarray
) -> dict[str, np.ndarray]:
    """The same features for a big story, linear in the similar pairs: sums of cosines exactly, by
    sums of TF-IDF rows (per article, per article's leads); maxima and per-origin best matches from
    the cosines >= BIG_FLOOR (`sim`, zero diagonal), smaller ones counted as 0."""
    n = len(docs)
    n_docs = int(docs.max()) + 1
    by_doc = sparse.csr_matrix((np.ones(n), (docs, np.arange(n))), shape=(n_docs, n))
    doc_sums = by_doc @ vectors
    lead_sums = by_doc[:, np.flatnonzero(leads)] @ vectors[np.flatnonzero(leads)]
    self_sim = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()

    def dot_rows(m: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(vectors.multiply(m).sum(axis=1)).ravel()

    total = np.asarray(vectors @ np.asarray(vectors.sum(axis=0)).ravel()).ravel() - self_sim
    own_doc = dot_rows(doc_sums[docs])
    lead_total = np.asarray(vectors @ np.asarray(lead_sums.sum(axis=0)).ravel()).ravel()
    lead_own = dot_rows(lead_sums[docs])
    entries = sim.tocoo()
    rows, cols, values = entries.row, entries.col, entries.data
    other = docs[rows] != docs[cols]
    max_other = np.zeros(n)
    np.maximum.at(max_other, rows[other], values[other])
    within = np.zeros(n)
    np.maximum.at(within, rows[~other], values[~other])
    agreement, agree2, agree4, best = _agreement_sparse(rows, cols, values, origins)
    doc_size = np.bincount(docs, minlength=n_docs)[docs]
    return {
        "centrality": total / max(1, n - 1),
        "centrality_other": (total - (own_doc - self_sim)) / np.maximum(1, n - doc_size),
        "max_sim_other": max_other,
        "agreement": agreement,
        "origins_agree_02": agree2,
        "origins_agree_04": agree4,
        "near_copy": (best >= 0.8).astype(float),
        "lead_sim": (lead_total - lead_own) / max(1, int(leads.sum())),
        "within_doc_dup": within,
    }


def _agreement_sparse(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, origins: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`_agreement` from the stored cosines alone, in one pass: the best match of each (candidate,
    other origin) by one sort, then their sum, counts and maximum per candidate."""
    n = len(origins)
    labels, index = np.unique(origins, return_inverse=True)
    zero = np.zeros(n)
    if len(labels) < 2:
        return zero, zero, zero, zero
    keep = index[rows] != index[cols]
    key = rows[keep].astype(np.int64) * len(labels) + index[cols[keep]]
    values = values[keep]
    order = np.argsort(key, kind="stable")
    key, values = key[order], values[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    best = np.maximum.reduceat(values, starts) if len(key) else np.zeros(0)
    owner = key[starts] // len(labels)
    others = len(labels) - 1
    top = np.zeros(n)
    np.maximum.at(top, owner, best)
    return (
        np.bincount(owner, weights=best, minlength=n) / others,
        np.bincount(owner, weights=best >= 0.2, minlength=n) / others,
        np.bincount(owner, weights=best >= 0.4, minlength=n) / others,
        top,
    )


def _topic_stats(words: _Words, docs: np.ndarray) -> np.ndarray:
    """Per sentence: share and mean story frequency of its topic words (content words in >= 2
    articles), share of words rare in English news (long, non-stop) and of those that are topical.
    Whole-number sums per sentence by `np.bincount`, then the shares as a loop over each
    sentence's words divides them (a sentence without content words: zeros)."""
    content = words.content[words.word]
    word, row = words.word[content], words.row[content]
    width = len(words.names)
    freq = np.bincount(word, minlength=width)
    topical = np.zeros(width, dtype=bool)
    if len(word) and (docs != docs[0]).any():  # one article: no word is in two
        n_docs = int(docs.max()) + 1
        pairs = sorted_distinct(word * n_docs + docs[row])  # (word, article) pairs, once each
        topical = np.bincount(pairs // n_docs, minlength=width) >= 2
    rare = np.array([len(t) >= 7 or (not t.isalpha() and any(c.isdigit() for c in t)) for t in words.names], dtype=bool)
    size = np.bincount(row, minlength=len(words.lengths))
    per = np.maximum(size, 1)
    total = max(1, len(word))
    out = np.zeros((len(words.lengths), 4))
    out[:, 0] = words.per_row(topical.astype(float), content) / per
    out[:, 1] = words.per_row(freq.astype(float), content) / per / total * 100
    out[:, 2] = words.per_row(rare.astype(float), content) / per
    out[:, 3] = words.per_row((rare & topical).astype(float), content) / per
    return out
