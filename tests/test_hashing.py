"""The hashed term counts and stop words match scikit-learn's, which they replace on the summary path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsfuse.hashing import ENGLISH_STOP_WORDS, TermHasher, murmurhash3_32
from newsfuse.stories import N_FEATURES

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
murmurhash = pytest.importorskip("sklearn.utils").murmurhash3_32

PATTERN = r"(?u)\b[^\W\d_][^\W_]{2,}\b"
TEXTS = [
    "The Port Halvard fire burned for 11 hours; firefighters said the warehouse was lost.",
    "Zürich's mayor, Corinne Mauch, spoke — «très bien» — and the café reopened at 9 a.m.",
    "",
    "the the the THE The a an of",
    "日本語のテキスト and Ελληνικά words, naïve coöperation, Straße",
]


def test_stop_words_are_scikit_learns():
    assert ENGLISH_STOP_WORDS == sklearn_text.ENGLISH_STOP_WORDS


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_murmurhash_matches_scikit_learn(seed):
    for data in [
        b"",
        b"a",
        b"ab",
        b"abc",
        b"abcd",
        b"abcde",
        "naïve".encode(),
        "日本語のテキスト".encode(),
        bytes(range(97)),
    ]:
        assert murmurhash3_32(data, seed) == murmurhash(data, seed=seed)
        # TermHasher passes terms as str: hashed as their UTF-8 bytes
        text = data.decode("utf-8", errors="ignore")
        assert murmurhash3_32(text, seed) == murmurhash(text.encode("utf-8"), seed=seed)


def test_counts_match_hashing_vectorizer(tmp_path):
    texts = TEXTS + [(tmp_path / "x").as_posix(), Path(__file__).read_text(encoding="utf-8")]
    ours = TermHasher(N_FEATURES, PATTERN).transform(texts)
    theirs = sklearn_text.HashingVectorizer(
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        stop_words="english",
        token_pattern=PATTERN,
        dtype=np.float32,
    ).transform(texts)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)


def test_the_lowest_hash_keeps_scikit_learns_column(monkeypatch):
    import newsfuse.hashing as hashing

    monkeypatch.setattr(hashing, "murmurhash3_32", lambda data, seed=0: -(1 << 31))
    assert TermHasher(N_FEATURES, PATTERN)._column("x") == (2147483647 - (N_FEATURES - 1)) % N_FEATURES


def test_the_clusterer_keeps_one_hasher_whose_memo_gives_the_same_vectors():
    from newsfuse import stories
    from newsfuse.hashing import murmurhash3_32 as plain

    hasher = stories._hasher()
    assert stories._hasher() is hasher  # one hasher: its memo outlives a call (the store's per-article ingest)
    text = "Harbour cranes collapsed in Rotterdam overnight, port officials said."
    first = stories.vectorize(text, "Rotterdam cranes collapse")
    stories.vectorize_many(["Unrelated words about Antarctic penguins and glaciers."] * 3)
    again = stories.vectorize(text, "Rotterdam cranes collapse")
    assert first.as_dict() == again.as_dict()
    assert all(hasher._columns[t] == abs(plain(t.encode())) % N_FEATURES for t in ("harbour", "penguins"))
    hasher._columns.clear()  # a memo emptied between calls (its limit) only means rehashing
    assert stories.vectorize(text, "Rotterdam cranes collapse").as_dict() == first.as_dict()


def test_the_ascii_pattern_finds_the_same_terms_as_the_unicode_one(monkeypatch):
    import newsfuse.hashing as hashing
    from newsfuse.stories import ASCII_TOKEN_PATTERN, TOKEN_PATTERN

    texts = TEXTS + [
        "It’s “quoted” — and dashed… with\u00a0no-break spaces and ° signs",  # no non-ASCII word character
        "snake_case words3 3words ab abc ABC_DEF x_yz",
        "İstanbul, ½, ﬁne ligatures, １２３abc full-width, abc١٢٣ Arabic digits, Ωmega",  # non-ASCII word characters
        Path(__file__).read_text(encoding="utf-8"),
    ]
    plain = TermHasher(N_FEATURES, TOKEN_PATTERN).transform(texts)
    fast = TermHasher(N_FEATURES, TOKEN_PATTERN, ascii_pattern=ASCII_TOKEN_PATTERN)
    read: list[str] = []
    fast._ascii_findall = lambda text, find=fast._ascii_findall: read.append(text) or find(text)  # type: ignore[misc]
    got = fast.transform(texts)
    assert len(read) == 5  # the ASCII pattern read the texts without a non-ASCII word character, not the others
    assert np.array_equal(got.indptr, plain.indptr) and np.array_equal(got.indices, plain.indices)
    assert np.array_equal(got.data, plain.data) and hashing._non_ascii_word("x ﬁ y")
