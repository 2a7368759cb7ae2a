"""textsim.normalize's fast paths give what the plain NFKD-fold-and-replace rule gives."""

from __future__ import annotations

import random
import unicodedata

import pytest

from newsfuse.textsim import _VARIANTS, normalize, words


def _reference(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for variant, canonical in _VARIANTS:
        text = variant.sub(canonical, text)
    return text.lower().replace("’", "'").replace("‘", "'")


def test_normalize_matches_the_plain_rule():
    pieces = (
        "U.S. u.ſ. U.K. U.N.’s K ſ İ ı ǅ ﬁ Qaeda QAEDA al-Qa’ida Ü café naïve ’ ‘ “ ” ẞ ß \u0301 \u20dd a . x".split()
    )
    rng = random.Random(0)
    texts = ["", "plain ascii, U.S. and u.n.", "Café naïve résumé’s", "Straße ﬁnal Ångström"]
    texts += ["".join(rng.choice(pieces + [" "]) for _ in range(rng.randint(1, 25))) for _ in range(2000)]
    for text in texts:
        assert normalize(text) == _reference(text), text
    assert words("The U.S. envoy’s café") == ["the", "us", "envoy's", "cafe"]


def test_ascii_words_match_the_regex():
    from newsfuse.textsim import _PLAIN_WORD_RE, _ascii_words

    pieces = "a b zz 9 10 ' '' don't rock'n'roll players' 'quoted' . , - ; : ! ? ( ) [ ] $ % / & \" \t \n x'y'".split(
        " "
    )
    rng = random.Random(2)
    texts = ["", "'", "a''b", "o'neil's 'x' y'", "u.s.-led e-mail 1,000.5"]
    texts += ["".join(rng.choice(pieces + [" ", "'"]) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for text in texts:
        assert _ascii_words(text) == _PLAIN_WORD_RE.findall(text), text
    assert words("Rock'n'roll, 'quoted' players' e-mail") == ["rock'n'roll", "quoted", "players", "e", "mail"]


@pytest.mark.parametrize("small_counts", [0, 10_000])  # numpy's path, then Python's
def test_count_matrix_is_the_summed_coo_matrix(monkeypatch, small_counts):
    import numpy as np
    from scipy import sparse

    from newsfuse import textsim
    from newsfuse.textsim import _count_matrix, stop_words

    monkeypatch.setattr(textsim, "SMALL_COUNTS", small_counts)

    rng = random.Random(1)
    vocab = ["fire", "port", "the", "crews", "harbour", "said", "blaze", "x"]
    tokens = [[rng.choice(vocab) for _ in range(rng.randint(0, 12))] for _ in range(40)] + [[]]
    ours = _count_matrix(tokens)
    content = [[t for t in toks if t not in stop_words()] for toks in tokens]
    columns = {w: i for i, w in enumerate(sorted({t for c in content for t in c}))}
    rows = np.repeat(np.arange(len(content)), [len(c) for c in content])
    cols = [columns[t] for c in content for t in c]
    theirs = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=ours.shape)
    theirs.sum_duplicates()
    assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)
    assert (ours.data.dtype, ours.indices.dtype, ours.indptr.dtype) == (np.float64, np.int32, np.int32)
    assert _count_matrix([]).shape == (0, 1)


def _scipy_tfidf(counts):
    """tfidf_rows as scipy's operations made it (the code the array version replaced)."""
    import numpy as np

    weights = counts.astype(np.float64, copy=True)
    weights.data = np.log(weights.data) + 1.0
    df = np.bincount(weights.indices, minlength=weights.shape[1]).astype(np.float64)
    weights.data *= (np.log((weights.shape[0] + 1.0) / (df + 1.0)) + 1.0)[weights.indices]
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    weights.data /= np.repeat(norms, np.diff(weights.indptr))
    return weights


def _random_counts(seed: int, sentences: int = 40):
    from newsfuse.textsim import _count_matrix

    rng = random.Random(seed)
    vocab = [f"word{i}" for i in range(30)] + ["the", "said"]
    return _count_matrix([[rng.choice(vocab) for _ in range(rng.randint(0, 25))] for _ in range(sentences)] + [[]])


def test_tfidf_rows_and_their_cosines_equal_scipys_bit_for_bit(monkeypatch):
    import numpy as np

    from newsfuse import textsim

    for seed in range(5):
        counts = _random_counts(seed)
        ours, theirs = textsim.tfidf_rows(counts), _scipy_tfidf(counts)
        for a, b in ((ours.data, theirs.data), (ours.indices, theirs.indices), (ours.indptr, theirs.indptr)):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        product = np.asarray((theirs @ theirs.T).todense())
        assert textsim.self_cosines(ours).tobytes() == product.tobytes()  # summed in scipy's order
        rows = np.array([0, 3, 4, 9, 17, len(product) - 1])
        subset, indexed = textsim._row_subset(counts, rows), counts[rows]
        for a, b in ((subset.data, indexed.data), (subset.indices, indexed.indices), (subset.indptr, indexed.indptr)):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert np.sum(product > 0.3) > len(product)  # many pairs share many terms
    monkeypatch.setattr(textsim, "DENSE_PRODUCTS", 0)  # a big story: the sparse product itself
    assert textsim.self_cosines(ours).tobytes() == product.tobytes()
    assert textsim.self_cosines(textsim.tfidf_rows(_count_matrix_of([]))).shape == (0, 0)


def _count_matrix_of(tokens):
    from newsfuse.textsim import _count_matrix

    return _count_matrix(tokens)


def test_neighbours_of_copies_are_the_blocked_product_bit_for_bit(fulltext_dev):
    """`TextViews.neighbours`, each distinct row's cosines computed once for all its copies, is the
    blocked product of every row bit for bit (indices, order and floats), on a story whose articles
    repeat each other's sentences word for word (copies with a paragraph left out)."""
    import json

    import numpy as np

    from newsfuse import Article, Story
    from newsfuse.prepare import prepare
    from newsfuse.textsim import _blocked_neighbours

    with open(fulltext_dev, encoding="utf-8") as handle:
        documents = [d for line in list(handle)[:3] for d in json.loads(line)["documents"] if d.strip()]
    copies = ["\n\n".join(d.split("\n\n")[k % 2 :: 1 + k % 3]) or d for k, d in enumerate(documents * 3)]
    story = prepare(Story([Article(text=t) for t in documents + copies]))
    texts = [story.sentences[i].text for i in story.candidates]
    assert len(set(texts)) < len(texts)  # copies: the distinct path is the one run
    for floor in (0.15, 0.5):
        ours = story.views.neighbours(story.candidates, floor)
        plain = _blocked_neighbours(story.views.tfidf(story.candidates), floor)
        assert plain.nnz > len(texts)
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(ours, part), getattr(plain, part))


def test_shingles_are_each_run_of_k_words_joined():
    import random

    from newsfuse.textsim import shingles

    rng = random.Random(2)
    for _ in range(2000):
        tokens = [rng.choice(["a", "b", "c", "us", "n't"]) for _ in range(rng.randint(0, 9))]
        k = rng.randint(1, 4)
        expected = {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)} if len(tokens) >= k else None
        assert shingles(tokens, k) == (expected if expected is not None else ({" ".join(tokens)} if tokens else set()))
        assert shingles(tuple(tokens), k) == shingles(tokens, k)


def test_quote_marks_count_every_kind_of_double_mark():
    import random

    from newsfuse.textsim import QUOTE_CHARS, quote_marks

    rng = random.Random(9)
    pieces = [*QUOTE_CHARS, "`", "'", "a", " ", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        expected = sum(text.count(mark) for mark in (*QUOTE_CHARS, "``", "''"))
        assert quote_marks(text) == expected, text


def test_words_are_the_word_regex_on_normalized_text():
    """`words` (a plain `\\w` pattern where the text has no "_") finds what `_WORD_RE` finds on
    normalized text: apostrophes of both kinds, underscores, accents, digits, other scripts."""
    import random

    from newsfuse.textsim import _WORD_RE, normalize, words

    rng = random.Random(11)
    pieces = ["don", "'", "’", "‘", "t", "_", "x_y", "café", "Ünïcode", "日本", "42", " ", "-", "U.S.", "ﬁ", "²", "."]
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert words(text) == _WORD_RE.findall(normalize(text)), text


def test_normalize_folds_variants_accents_and_curly_quotes_as_each_step_in_turn():
    import random
    import unicodedata

    from newsfuse.textsim import _VARIANTS, normalize

    def stepwise(text: str) -> str:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        for variant, canonical in _VARIANTS:
            text = variant.sub(canonical, text)
        return text.lower().replace("’", "'").replace("‘", "'")

    rng = random.Random(12)
    pieces = ["U.S.", "u.n.", "U.K.", "al-Qaeda", "QAEDA", "u.", "’", "‘", "'", "é", "Ü", "ﬁ", "a", " ", "S."]
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        assert normalize(text) == stepwise(text), text


def test_csr_is_the_constructors_matrix():
    import numpy as np
    from scipy import sparse

    from newsfuse.textsim import canonical_csr

    rng = np.random.default_rng(0)
    for rows in (0, 1, 5, 30):
        lengths = rng.integers(0, 6, rows)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        indices = np.concatenate([np.sort(rng.choice(9, n, replace=False)) for n in lengths] + [[]]).astype(np.int32)
        data = rng.random(len(indices))
        for arrays in ((data, indices, indptr), (data, indices.astype(np.int64), indptr.astype(np.int64))):
            ours, theirs = canonical_csr(*arrays, (rows, 9)), sparse.csr_matrix(arrays, shape=(rows, 9))
            assert type(ours) is type(theirs) and vars(ours).keys() == vars(theirs).keys()
            assert ours.shape == theirs.shape and ours.maxprint == theirs.maxprint
            for name in ("data", "indices", "indptr"):
                mine, scipys = getattr(ours, name), getattr(theirs, name)
                assert mine.dtype == scipys.dtype and np.array_equal(mine, scipys)
            assert ours.has_sorted_indices == theirs.has_sorted_indices
            assert np.array_equal((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray())
