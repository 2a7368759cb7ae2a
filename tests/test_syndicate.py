"""syndicate's own MinHash and LSH bands give datasketch's signatures and candidate pairs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from newsfuse.model import Article, Story
from newsfuse.prepare import prepare
from newsfuse.syndicate import (
    _LSH_BANDS_ROWS,
    _NUM_PERM,
    _band_pairs,
    eligible_sentences,
    is_quote_heavy,
    minhash_signatures,
    sorted_distinct,
)
from newsfuse.textsim import shingles

datasketch = pytest.importorskip("datasketch")
FULLTEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fulltext-dev.jsonl"


def _sets(n: int, seed: int = 3) -> list[set[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)] + ["café", "naïve", "日本"]
    return [{" ".join(rng.choices(vocab, k=3)) for _ in range(rng.randint(0, 30))} for _ in range(n)]


def _datasketch(sets: list[set[str]]) -> list:
    out = []
    for s in sets:
        mh = datasketch.MinHash(num_perm=_NUM_PERM, seed=1)
        mh.update_batch([t.encode() for t in s])
        out.append(mh)
    return out


def test_signatures_are_datasketchs():
    sets = _sets(200)
    ours = minhash_signatures(sets)
    assert ours.dtype == np.uint32 and ours.shape == (200, _NUM_PERM)
    for row, mh in zip(ours, _datasketch(sets)):
        assert np.array_equal(row, mh.hashvalues)


def test_signatures_do_not_depend_on_chunking(monkeypatch):
    import newsfuse.syndicate as syndicate

    sets = _sets(50)
    whole = minhash_signatures(sets)
    monkeypatch.setattr(syndicate, "_CHUNK", 7)
    assert np.array_equal(minhash_signatures(sets), whole)


def _lsh_pairs(sets: list[set[str]]) -> set[tuple[int, int]]:
    lsh = datasketch.MinHashLSH(num_perm=_NUM_PERM, params=_LSH_BANDS_ROWS)
    hashes = _datasketch(sets)
    for i, mh in enumerate(hashes):
        lsh.insert(i, mh)
    return {(i, j) for i, mh in enumerate(hashes) for j in lsh.query(mh) if j > i}


def test_band_pairs_are_datasketchs_lsh_candidates():
    rng = random.Random(5)
    base = _sets(60)
    # near copies (a shingle or two changed) so that many pairs share a band
    sets = base + [set(rng.sample(sorted(s), max(0, len(s) - 1))) | {"extra"} for s in base]
    expected = _lsh_pairs(sets)
    assert len(expected) > 40
    assert _band_pairs(minhash_signatures(sets)) == expected


@pytest.mark.skipif(not FULLTEXT.exists(), reason="needs ../shared/data")
def test_real_sentences_give_datasketchs_candidates():
    with open(FULLTEXT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:6]
    for record in records:
        story = prepare(Story(articles=[Article(text=d) for d in record["documents"] if d.strip()] * 2))
        tokens = story.views.tokens
        sets = [shingles(tokens[i]) for i in eligible_sentences(story.sentences)]
        assert _band_pairs(minhash_signatures(sets)) == _lsh_pairs(sets)


def _copies_of_strings(sentences, tokens, eligible, copy_jaccard):
    """find_copies as it was written on shingle strings: every eligible sentence hashed."""
    sets = [shingles(tokens[i]) for i in eligible]
    pairs = []
    for x, y in sorted(_band_pairs(minhash_signatures(sets))):
        i, j = eligible[x], eligible[y]
        if sentences[i].document != sentences[j].document:
            jaccard = len(sets[x] & sets[y]) / len(sets[x] | sets[y])
            if jaccard >= copy_jaccard:
                pairs.append((i, j, jaccard))
    return pairs


@pytest.mark.skipif(not FULLTEXT.exists(), reason="needs ../shared/data")
@pytest.mark.parametrize("one_code", [True, False])
def test_copies_on_shingle_ids_are_the_copies_on_strings(monkeypatch, one_code):
    """The shingle ids, the sentences left out for having too few shingles in another article,
    and both ways of coding a shingle give the pairs the string shingles give, at any threshold."""
    from newsfuse import syndicate

    if not one_code:
        monkeypatch.setattr(syndicate, "_ONE_CODE", 0)
    rng = random.Random(9)
    with open(FULLTEXT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:8]
    found = 0
    for record in records:
        texts = [d for d in record["documents"] if d.strip()]
        edited = [" ".join(w if rng.random() > 0.05 else "edit" for w in t.split(" ")) for t in texts]
        story = prepare(Story(articles=[Article(text=t) for t in texts + edited + ["A short one. Two words. One."]]))
        tokens = [list(t) for t in story.views.tokens]
        tokens[-1], tokens[-2] = ["two", "words"], ["one"]  # shingles of fewer than three words
        eligible = [i for i, words in enumerate(tokens) if words]  # (two empty sets: no Jaccard)
        for threshold in (0.7, 0.4, 0.0):
            ours = syndicate.find_copies(story.sentences, tokens, eligible, threshold)
            assert ours == _copies_of_strings(story.sentences, tokens, eligible, threshold)
            found += len(ours)
    assert found > 100


def test_quote_heavy_by_pieces_between_marks_is_the_character_scan():
    """The quoted share read from the pieces between quotation marks is the share a scan that
    toggles at each mark counts (unbalanced marks, marks of every kind, none)."""
    from newsfuse.textsim import QUOTE_CHARS

    def scanned(text: str, share: float) -> bool:
        inside, quoted = False, 0
        for char in text:
            if char in QUOTE_CHARS:
                inside = not inside
            elif inside:
                quoted += 1
        return quoted > share * len(text)

    rng = random.Random(6)
    pieces = [*QUOTE_CHARS, "a", "said ", "  ", "word", "'"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        share = rng.choice([0.0, 0.3, 0.5, 0.9])
        assert is_quote_heavy(text, share) == scanned(text, share), (text, share)


def test_band_pairs_are_the_pairs_equal_in_a_band():
    """Every band's buckets from one sort: the pairs equal in all rows of some band, none else
    (few distinct values, so buckets of many rows, in one band or several)."""
    bands, rows = _LSH_BANDS_ROWS
    rng = np.random.default_rng(2)
    for n in (0, 1, 2, 5, 30, 80):
        signatures = rng.integers(0, 2, size=(n, _NUM_PERM)).astype(np.uint32)
        if n > 4:
            signatures[1] = signatures[0]
        expected = {
            (i, j)
            for i in range(n)
            for j in range(i + 1, n)
            if any(
                (signatures[i, b * rows : (b + 1) * rows] == signatures[j, b * rows : (b + 1) * rows]).all()
                for b in range(bands)
            )
        }
        assert _band_pairs(signatures) == expected


def test_sorted_distinct_is_np_unique():
    """The sort-based distinct values give np.unique's array: values, order, dtype and shape."""
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 5000):
        for high in (2, 1000, 1 << 40):
            values = rng.integers(0, high, n)
            for given in (values, values.tolist(), values.reshape(-1, 1) if n else values):
                want, got = np.unique(given), sorted_distinct(given)
                assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all()
