"""Text similarity shared by the stages: word normalization, a story's shared text views, shingles."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

from .hashing import ENGLISH_STOP_WORDS

__all__ = [
    "words",
    "normalize",
    "shingles",
    "TextViews",
    "tfidf_rows",
    "cosine_matrix",
    "self_cosines",
    "best_per_group",
    "stop_words",
    "QUOTE_CHARS",
    "SAME_CONTENT",
    "SAME_NEWS",
    "quote_marks",
]

QUOTE_CHARS = '"“”«»„'
# Tokenized text (Multi-News) writes double quotation marks as `` and '' too, mixed with the others.
_NON_ASCII_QUOTES = QUOTE_CHARS.replace('"', "")


def quote_marks(text: str) -> int:
    """How many double quotation marks the text holds (an odd number: a quotation cut in two)."""
    marks = text.count('"') + text.count("``") + text.count("''")
    if text.isascii():  # the other marks are not (the order and the features ask of every sentence)
        return marks
    return marks + sum(text.count(mark) for mark in _NON_ASCII_QUOTES)


# Two sentences state the same content when their TF-IDF cosine reaches this (attribution and
# facts alike). Calibrated by reading seed pairs: paraphrases of one fact by two outlets score
# 0.45-0.7, sentences that only share the story's topic words (Carter, Russia, Syria) stay under 0.35.
SAME_CONTENT = 0.45
# Two articles' ledes tell the story's main news in their own words at this lower cosine (unless a
# value contradicts): the comparison's lede grouping (compare.ComparisonSettings.same_lead, where
# the ECB+ numbers are) and a summary lede's `retold` outlets (attribute.py) alike.
SAME_NEWS = 0.15
# `TextViews.cosines` reads a story of at most this many sentences from one all-pairs matrix
# (8 MB at the bound); the order stage and attribution ask for many small blocks of it.
DENSE_COSINES = 1000
# `TextViews.neighbours` multiplies this many (rows x story rows) entries at a time at most.
NEIGHBOUR_BLOCK = 4_000_000
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# `_WORD_RE` on normalized text without "_": `normalize` leaves no ’, and without "_" a word
# character is `\w`, a class the regex engine tests in one step (1.75x faster than the negated set).
_PLAIN_WORD_RE = re.compile(r"\w+(?:'\w+)*")
# Spelling variants that wire rewrites and the tokenized training text introduce.
_VARIANTS = [
    (re.compile(rf"\b{re.escape(variant)}", re.IGNORECASE), canonical)
    for variant, canonical in {"u.s.": "us", "u.n.": "un", "u.k.": "uk", "qaeda": "qaida"}.items()
]


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
# What a variant's case-insensitive match lowers to: no such substring, no match (after NFKD the
# other letters IGNORECASE matches, the long s and the Kelvin sign, are already s and K).
_VARIANT_KEYS = ("u.s.", "u.n.", "u.k.", "qaeda")


def _drop_combining(run: re.Match[str]) -> str:
    return "".join(c for c in run.group() if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower-case, accents folded, curly quotes straightened: raw and tokenized text meet here."""
    ascii_text = text.isascii()
    if not ascii_text:  # ASCII is its own NFKD and has no combining marks
        text = _NON_ASCII_RE.sub(_drop_combining, unicodedata.normalize("NFKD", text))
    lowered = text.lower()
    # every variant key holds "u." or is "qaeda": two searches decide for most sentences
    if ("u." in lowered or "qaeda" in lowered) and any(key in lowered for key in _VARIANT_KEYS):
        for variant, canonical in _VARIANTS:
            text = variant.sub(canonical, text)
        lowered = text.lower()
    if ascii_text or not ("‘" in lowered or "’" in lowered):  # ASCII stays ASCII: no curly quote
        return lowered
    return lowered.replace("’", "'").replace("‘", "'")


# What `words` turns into spaces in ASCII text without "_": every character that is neither a word
# character (a letter, a digit) nor the apostrophe.
_NOT_IN_WORDS = {i: " " for i in range(128) if chr(i) not in string.ascii_letters + string.digits + "'"}


def words(text: str) -> list[str]:
    """Word tokens of normalized text (punctuation dropped, "n't"/"'s" kept attached)."""
    normal = normalize(text)
    if "_" in normal:
        return _WORD_RE.findall(normal)
    if not normal.isascii():
        return _PLAIN_WORD_RE.findall(normal)
    return _ascii_words(normal)


def _ascii_words(normal: str) -> list[str]:
    """`_PLAIN_WORD_RE.findall(normal)` of ASCII text without "_", by one translate and
    split (the regex engine's scan was 2/3 of `words`): no match crosses a character that is neither
    a word character nor an apostrophe, so the matches are those of each run between such
    characters alone, and a run without an apostrophe is one match, whole."""
    parts = normal.translate(_NOT_IN_WORDS).split()
    if "'" not in normal:
        return parts
    out: list[str] = []
    for part in parts:
        if "'" in part:
            out += _PLAIN_WORD_RE.findall(part)
        else:
            out.append(part)
    return out


def shingles(text: str | Sequence[str], k: int = 3) -> set[str]:
    """Word k-shingles of a text (or of its `words`, already split): the unit of near-duplicate detection."""
    tokens = words(text) if isinstance(text, str) else text
    if len(tokens) < k:
        return {" ".join(tokens)} if tokens else set()
    return set(map(" ".join, zip(*(tokens[i:] for i in range(k)))))  # each run of k words, joined in C


class TextViews:
    """A story's sentences as every stage reads them, each view computed once: word tokens, a
    content-word count matrix, and TF-IDF rows (with their cosines) for each set of sentences a
    stage fits its weights on."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.tokens: list[list[str]] = [words(t) for t in texts]
        self._counts: sparse.csr_matrix | None = None
        self._fits: dict[bytes, sparse.csr_matrix] = {}
        self._cosines: dict[bytes, np.ndarray] = {}

    @property
    def counts(self) -> sparse.csr_matrix:
        """Sentence x content-word counts (stop words out), columns in alphabetical order."""
        if self._counts is None:
            self._counts = _count_matrix(self.tokens)
        return self._counts

    def tfidf(self, rows: np.ndarray | None = None) -> sparse.csr_matrix:
        """L2-normalized sublinear TF-IDF of the sentences `rows` (default: all), IDF fitted on them."""
        key = _key(rows, len(self.tokens))
        if key not in self._fits:
            self._fits[key] = tfidf_rows(
                self.counts if rows is None or key == b"all" else _row_subset(self.counts, rows)
            )
        return self._fits[key]

    def similarity(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Dense cosines among the sentences `rows`, on the TF-IDF fitted on them."""
        key = _key(rows, len(self.tokens))
        if key not in self._cosines:
            self._cosines[key] = self_cosines(self.tfidf(rows))
        return self._cosines[key]

    def cosines(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Dense cosines of the sentences `rows` against `cols` (default: all), on the TF-IDF fitted
        on all sentences. Up to DENSE_COSINES sentences read from the all-pairs matrix made once
        (each entry is the same sum, in the same order, as the product of those rows alone
        gives); above, the product of those rows (no sentences x sentences matrix)."""
        if len(self.tokens) <= DENSE_COSINES:
            every, picked = self.similarity(), np.asarray(rows, dtype=int)
            return every[picked] if cols is None else every[np.ix_(picked, np.asarray(cols, dtype=int))]
        vectors = self.tfidf()
        return np.asarray((vectors[rows] @ (vectors if cols is None else vectors[cols]).T).todense())

    def neighbours(self, rows: np.ndarray | None = None, threshold: float = 0.0) -> sparse.csr_matrix:
        """The cosines among the sentences `rows` (on the TF-IDF fitted on them, diagonal kept) that
        reach `threshold` (> 0), as a sparse matrix: what `similarity` holds at those entries, to the
        bit, without a dense rows x rows matrix. Sentences of the same words have one TF-IDF row, so
        their cosines are the same sums in the same order: each distinct row's are computed once
        and copied (a big story's wire copies repeat sentences word for word: 2,000 articles,
        24,000 distinct of 39,000, and the products grow with the square of the rows)."""
        if threshold <= 0:
            raise ValueError("neighbours needs a threshold above 0 (use similarity for every pair)")
        vectors = self.tfidf(rows)
        picked = range(len(self.tokens)) if rows is None else rows
        which_of: dict[tuple[str, ...], int] = {}
        which = np.array([which_of.setdefault(tuple(self.tokens[r]), len(which_of)) for r in picked], dtype=np.int64)
        if len(which_of) == len(which):
            return _blocked_neighbours(vectors, threshold)
        distinct = _blocked_neighbours(vectors[np.unique(which, return_index=True)[1]], threshold)
        # each distinct row's cosines for every copy, then each column for every copy (products by 1.0)
        shape = (len(which), len(which_of))
        copies = sparse.csr_matrix((np.ones(len(which)), (np.arange(len(which)), which)), shape=shape)
        out = (distinct[which] @ copies.T.tocsr()).tocsr()
        out.sort_indices()
        return out


def _blocked_neighbours(vectors: sparse.csr_matrix, threshold: float) -> sparse.csr_matrix:
    """`vectors`' cosines with each other that reach `threshold`, made in blocks of rows, so memory
    stays bounded by the entries kept; a pair with no content word in common costs nothing."""
    n = vectors.shape[0]
    transposed = vectors.T.tocsr()  # CSR: a product with a CSC operand converts it again each block
    step = max(16, NEIGHBOUR_BLOCK // max(1, n))
    blocks = []
    for start in range(0, n, step):
        block = (vectors[start : start + step] @ transposed).tocsr()
        block.data[block.data < threshold] = 0.0
        block.eliminate_zeros()
        blocks.append(block)
    if not blocks:
        return sparse.csr_matrix((0, 0))
    out = sparse.vstack(blocks, format="csr")
    out.sort_indices()
    return out


def _key(rows: np.ndarray | None, n: int) -> bytes:
    """One cache key per set of rows; all rows given explicitly is the same fit as None."""
    if rows is None or (len(rows) == n and bool((np.asarray(rows) == np.arange(n)).all())):
        return b"all"
    return np.asarray(rows, dtype=np.int64).tobytes()


# Up to this many content words a story's counts are made in Python (numpy's sort and scipy's
# checks cost more than the counting for a one-article story: one-off timing, about 0.65x).
SMALL_COUNTS = 500


def _probe_csr() -> int | None:
    """scipy's `maxprint` when its CSR matrix is what `canonical_csr` assumes (its state exactly these five
    attributes), else None: `canonical_csr` then calls the constructor."""
    probe = sparse.csr_matrix((np.ones(1), np.zeros(1, dtype=np.int32), np.array([0, 1], dtype=np.int32)), shape=(1, 1))
    state = vars(probe)
    return state["maxprint"] if set(state) == {"_shape", "maxprint", "data", "indices", "indptr"} else None


_MAXPRINT = _probe_csr()


def canonical_csr(
    data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]
) -> sparse.csr_matrix:
    """`sparse.csr_matrix((data, indices, indptr), shape=shape)` of canonical arrays made here
    (float64 data, int32 indices and pointers, their lengths right), without the constructor's
    index-type search and checks: 28 us a matrix on this machine, four a one-article story, about
    2% of its summary. The same matrix: the constructor keeps these arrays as they are (no copy,
    no cast, nothing to prune); anything else goes to the constructor."""
    if (
        _MAXPRINT is None
        or data.dtype != np.float64
        or indices.dtype != np.int32
        or indptr.dtype != np.int32
        or data.ndim != 1
        or indices.ndim != 1
        or indptr.ndim != 1
        or len(indptr) != shape[0] + 1
        or len(indices) != len(data)
        or (len(indptr) and (indptr[0] != 0 or indptr[-1] != len(data)))
        or max(shape) >= np.iinfo(np.int32).max
    ):
        return sparse.csr_matrix((data, indices, indptr), shape=shape)
    made = sparse.csr_matrix.__new__(sparse.csr_matrix)
    made.__dict__.update(
        _shape=(int(shape[0]), int(shape[1])), maxprint=_MAXPRINT, data=data, indices=indices, indptr=indptr
    )
    return made


def _count_matrix(tokens: Sequence[Sequence[str]]) -> sparse.csr_matrix:
    stop = stop_words()
    content = [[t for t in toks if t not in stop] for toks in tokens]
    vocab = {w: i for i, w in enumerate(sorted({t for toks in content for t in toks}))}
    if sum(map(len, content)) <= SMALL_COUNTS:
        return _small_count_matrix(content, vocab)
    width = max(1, len(vocab))
    rows = np.repeat(np.arange(len(content), dtype=np.int64), [len(c) for c in content])
    cols = np.array([vocab[t] for c in content for t in c], dtype=np.int64)
    # canonical CSR built directly (duplicates summed, columns sorted): scipy's COO route costs
    # more than the counting for the small stories a stream summarizes one by one
    cells, counts = np.unique(rows * width + cols, return_counts=True)
    indptr = np.searchsorted(cells, np.arange(len(content) + 1, dtype=np.int64) * width)
    return canonical_csr(
        counts.astype(np.float64), (cells % width).astype(np.int32), indptr.astype(np.int32), (len(content), width)
    )


def _small_count_matrix(content: list[list[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    """`_count_matrix` counted in Python: the same canonical CSR (columns sorted, counts summed),
    each sentence's columns counted by `Counter` (its counting loop is C)."""
    data: list[int] = []
    indices: list[int] = []
    indptr = [0]
    column_of = vocab.__getitem__
    for words in content:
        row = Counter(map(column_of, words))
        columns = sorted(row)
        indices += columns
        data += map(row.__getitem__, columns)
        indptr.append(len(indices))
    return canonical_csr(
        np.array(data, dtype=np.float64),
        np.array(indices, dtype=np.int32),
        np.array(indptr, dtype=np.int32),
        (len(content), max(1, len(vocab))),
    )


def tfidf_rows(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """Sublinear tf times smoothed idf, rows L2-normalized: scikit-learn's TfidfVectorizer
    (`sublinear_tf=True`) on counts already made, so a story is tokenized once for every fit. On
    the CSR's arrays, one matrix made at the end (each scipy operation's fixed cost was most of a
    small story's fit); each step the numpy operation scipy's would run (a row's squares summed
    by `np.add.reduceat`, as `sum(axis=1)` does), so the same numbers to the bit."""
    n, width = counts.shape
    weights = np.log(counts.data.astype(np.float64)) + 1.0
    df = np.bincount(counts.indices, minlength=width).astype(np.float64)
    weights *= (np.log((n + 1.0) / (df + 1.0)) + 1.0)[counts.indices]
    lengths = np.diff(counts.indptr)
    norms = np.zeros(n)
    rows = np.flatnonzero(lengths)
    if len(rows):
        norms[rows] = np.add.reduceat(weights * weights, counts.indptr[rows])
    norms = np.sqrt(norms)
    norms[norms == 0] = 1.0
    weights /= np.repeat(norms, lengths)
    return canonical_csr(weights, counts.indices.copy(), counts.indptr.copy(), (n, width))


def _row_subset(matrix: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """`matrix[rows]` (each row's entries in their order) from the CSR's arrays."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = matrix.indptr[rows].astype(np.int64)
    lengths = matrix.indptr[rows + 1] - starts
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    entry = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
    return canonical_csr(
        matrix.data[entry], matrix.indices[entry], indptr.astype(matrix.indptr.dtype), (len(rows), matrix.shape[1])
    )


# Up to this many (sentence, sentence, shared term) products `self_cosines` sums them by numpy
# instead of a sparse product, whose fixed cost was most of a small story's cosines (one-off
# timing, CPU, the least of 5, 150 fulltext-dev and validation stories: about 0.45x of scipy's
# under 2,000 products, 0.8x at 5,000-10,000, even at 10,000-20,000, slower above).
DENSE_PRODUCTS = 15_000


def self_cosines(vectors: sparse.csr_matrix) -> np.ndarray:
    """`cosine_matrix(vectors, vectors)`: each entry the sum scipy's product makes, its products
    (row i's entry times row j's, per shared term) added in the order of row i's terms, from 0;
    small stories by `np.bincount`, which adds its weights in order, over the products listed term
    by term (every row's terms sorted: scipy's canonical form, which `tfidf_rows` keeps)."""
    n = vectors.shape[0]
    sizes = np.bincount(vectors.indices, minlength=vectors.shape[1])
    if int((sizes * sizes).sum()) > DENSE_PRODUCTS or not vectors.has_sorted_indices:
        return cosine_matrix(vectors, vectors)
    order = np.argsort(vectors.indices, kind="stable")  # entries term by term, rows ascending
    row = np.repeat(np.arange(n), np.diff(vectors.indptr))[order]
    value = vectors.data[order]
    sizes = sizes[sizes > 0]
    each = np.repeat(sizes, sizes)  # per entry: how many rows share its term
    left = np.repeat(np.arange(len(order)), each)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes) - (np.cumsum(each) - each)
    right = np.repeat(first, each) + np.arange(len(left))  # each entry against its term's entries
    cells = np.bincount(row[left] * n + row[right], weights=value[left] * value[right], minlength=n * n)
    return cells.reshape(n, n)


def best_per_group(cols: np.ndarray, values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The column of the highest value in each group (`groups[i]` is column `cols[i]`'s group), in
    group order; on ties the lower column. One sorted pass, whatever the number of groups."""
    order = np.lexsort((cols, -values, groups))
    sorted_groups = groups[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    return cols[order[first]]


def cosine_matrix(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Dense cosine similarities of L2-normalized rows."""
    return np.asarray((a @ b.T).todense())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words plus the reporting verbs and honorifics every news sentence carries."""
    return frozenset(ENGLISH_STOP_WORDS | {"said", "says", "told", "s", "t", "mr", "ms", "mrs"})
