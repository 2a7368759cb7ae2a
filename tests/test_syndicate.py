"""syndicate's own MinHash and LSH bands give datasketch's signatures and candidate pairs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from newsfuse.model import Article, Story
from newsfuse.prepare import prepare
from newsfuse.syndicate import _LSH_BANDS_ROWS, _NUM_PERM, _band_pairs, eligible_sentences, minhash_signatures
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


def test_quote_heavy_by_pieces_between_marks_is_the_character_scan():
    """The quoted share read from the pieces between quotation marks is the share a scan that
    toggles at each mark counts (unbalanced marks, marks of every kind, none)."""
    from newsfuse.syndicate import is_quote_heavy
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


@pytest.mark.skipif(not FULLTEXT.exists(), reason="needs ../shared/data")
def test_only_sentences_that_can_be_copies_are_hashed_and_the_copies_stay(monkeypatch):
    """Hashing only the sentences with enough of their shingles in another article gives the
    copies every sentence hashed gives (real articles, exact and edited copies of them)."""
    import newsfuse.syndicate as syndicate_module
    from newsfuse.syndicate import _may_be_copies, find_copies

    # shared with another article: all of "a b c", half of {"a b c", "x"}; "y" in two articles
    assert _may_be_copies([{"a b c"}, {"a b c", "x"}, {"y"}], [0, 1, 2, 2], [0, 1, 1, 0], 0.5) == [True, True, True]
    assert _may_be_copies([{"a b c"}, {"a b c", "x"}, {"y"}], [0, 1, 2, 2], [0, 1, 1, 0], 0.7) == [True, False, True]
    assert _may_be_copies([{"a b c"}, {"y"}, set()], [0, 0, 1, 2], [0, 0, 1, 1], 0.7) == [False, False, False]
    with open(FULLTEXT, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:8]
    rng = random.Random(4)
    for record in records:
        texts = [d for d in record["documents"] if d.strip()]
        edited = [" ".join(w if rng.random() > 0.05 else "changed" for w in t.split(" ")) for t in texts]
        story = prepare(Story(articles=[Article(text=t) for t in texts + edited]))
        eligible = eligible_sentences(story.sentences)
        found = find_copies(story.sentences, story.views.tokens, eligible)
        with monkeypatch.context() as patched:
            patched.setattr(syndicate_module, "_may_be_copies", lambda u, w, d, j: [True] * len(u))
            assert find_copies(story.sentences, story.views.tokens, eligible) == found
        assert found
