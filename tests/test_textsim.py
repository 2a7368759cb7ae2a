"""textsim.normalize's fast paths give what the plain NFKD-fold-and-replace rule gives."""

from __future__ import annotations

import random
import unicodedata

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


def test_count_matrix_is_the_summed_coo_matrix():
    import numpy as np
    from scipy import sparse

    from newsfuse.textsim import _count_matrix, stop_words

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
    assert _count_matrix([]).shape == (0, 1)
