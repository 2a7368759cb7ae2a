"""Find syndicated wire copy: articles sharing passages are grouped into independent origins."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import Article, Sentence, WireCopy
from .outlets import normalize_agency
from .textsim import QUOTE_CHARS

__all__ = [
    "SyndicationSettings",
    "find_copies",
    "minhash_signatures",
    "syndicate",
    "is_quote_heavy",
    "find_root",
    "eligible_sentences",
    "sorted_distinct",
]


@dataclass(frozen=True)
class SyndicationSettings:
    """When sentences are wire copies, and when articles sharing them are one origin."""

    # Two sentences are copies when their word-3-shingle Jaccard reaches this. In the seeds, light
    # wire edits ("Russia" -> "Russian Federation") keep the AP copy's sentences at 0.73-1.0, while
    # two reporters writing the same fact in their own words score 0.5-0.65.
    copy_jaccard: float = 0.7
    # Articles are one origin when they share this many copied sentences, or at least
    # `min_copied_short` sentences making up `min_shared_fraction` of the shorter article.
    min_copied: int = 3
    min_copied_short: int = 2
    min_shared_fraction: float = 0.5
    # Shorter sentences and mostly-quoted ones are left out: independent outlets share quotes verbatim.
    min_words: int = 8
    max_quoted_share: float = 0.5
    # Articles by one outlet are one origin: one newsroom's two reports (a feed's updates, a blog's
    # posts on one story) do not corroborate each other. An outlet named only by a file name names
    # none; the wire-copy groups stay those of copied text and agency copy; and the selector's
    # features read the origins by copied text alone (`PreparedStory.copy_origins`), as they were
    # trained (reading these, a story followed over a day summarized the outlet's morning report,
    # 14 injured, not its evening update, 18: tests/test_browser.py).
    outlet_is_origin: bool = True


DEFAULT = SyndicationSettings()
_NUM_PERM = 64
# LSH bands x rows for the default copy_jaccard and _NUM_PERM: datasketch's own optimum (its _optimal_param).
_LSH_BANDS_ROWS = (8, 8)
# Shingle hashes permuted at a time (each a row of _NUM_PERM uint32): bounds memory in big stories.
_CHUNK = 32768
_PERMUTATIONS: tuple[np.ndarray, np.ndarray] | None = None


# MinHash and its LSH bands are datasketch's (2.0, scheme "affine32", seed 1), computed here in one
# numpy pass over a story's sentences: importing datasketch costs about 1 s of start-up (it imports
# scipy.integrate and more), and its per-sentence objects cost more than the hashing.
# tests/test_syndicate.py checks the signatures and the candidate pairs against datasketch's.
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for seed 1: odd multipliers a and offsets b, uint32."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        gen = np.random.RandomState(1)
        a = gen.randint(0, 1 << 31, _NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, _NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = (a, b)
    return _PERMUTATIONS


def _fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 finalizer on uint32 values (datasketch's pre-mix of each input hash)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_signatures(sets: Sequence[set[str]]) -> np.ndarray:
    """A (len(sets), 64) uint32 MinHash signature of each set of strings, as datasketch's
    `MinHash(num_perm=64, seed=1)` updated with the UTF-8 strings gives (an empty set: all 2**32 - 1)."""
    distinct: dict[str, int] = {}  # wire copies repeat their shingles: each distinct one hashed once
    ids = np.fromiter((distinct.setdefault(t, len(distinct)) for s in sets for t in s), dtype=np.int64)
    return _signatures(list(distinct), ids, np.array([len(s) for s in sets], dtype=np.int64))


def _signatures(strings: Sequence[str], ids: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """`minhash_signatures` of sets given as `ids` into `strings`, set after set (`sizes` each)."""
    a, b = _permutations()
    out = np.full((len(sizes), _NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    owners = np.repeat(np.arange(len(sizes)), sizes)
    sha1 = hashlib.sha1  # each digest whole, its first 4 bytes read by numpy (not a slice each)
    digests = b"".join([sha1(t.encode()).digest() for t in strings])
    hashes = _fmix32(np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32))[ids]
    for start in range(0, len(hashes), _CHUNK):
        permuted, chunk = hashes[start : start + _CHUNK, None] * a + b, owners[start : start + _CHUNK]
        firsts = np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1]])
        rows = chunk[firsts]
        out[rows] = np.minimum(out[rows], np.minimum.reduceat(permuted, firsts, axis=0))
    return out


def _band_pairs(signatures: np.ndarray) -> set[tuple[int, int]]:
    """Row pairs (i < j) equal in all rows of at least one LSH band: datasketch's MinHashLSH candidates.
    Every band's rows are sorted at once, by band and then by their values, so a bucket is a run of
    equal rows of one band; the pairs of every bucket are made a distance d apart in the run at a
    time (one numpy pass per d, up to the largest bucket: a big story's copies of one sentence fill
    a bucket). One sort for the bands, not one each (a small story's cost was the calls)."""
    bands, rows = _LSH_BANDS_ROWS
    n = len(signatures)
    if n < 2:
        return set()
    # band b's row i at b * n + i
    keys = np.ascontiguousarray(signatures[:, : bands * rows].reshape(n, bands, rows).transpose(1, 0, 2))
    keys = keys.reshape(bands * n, rows)
    band = np.repeat(np.arange(bands), n)
    order = np.lexsort((*keys.T[::-1], band))
    ordered, ordered_band = keys[order], band[order]
    starts = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1) | (ordered_band[1:] != ordered_band[:-1])]
    bucket = np.cumsum(starts)
    member = order % n
    codes = []
    for d in range(1, n):
        same = bucket[d:] == bucket[:-d]
        if not same.any():
            break
        x, y = member[:-d][same], member[d:][same]
        codes.append(np.minimum(x, y).astype(np.int64) * n + np.maximum(x, y))
    if not codes:
        return set()
    found = sorted_distinct(np.concatenate(codes))
    return set(zip((found // n).tolist(), (found % n).tolist()))


def sorted_distinct(values: np.ndarray | Sequence[int]) -> np.ndarray:
    """`np.unique(values)` of integers, by one sort: numpy 2's `np.unique` of the values alone
    (no index or inverse asked) hashes them and then sorts the distinct ones, 3-4x the time of a
    sort here (a one-off timing of 70,000 int64, numpy 2.4: 15.9 ms against 3.6; bench_bigstory's
    200 articles: the shingle table's distinct cells were 31 of its 78 ms of syndication).
    The same array: sorted, flattened, the same dtype (an empty list: float64, as `np.unique`)."""
    ordered = np.sort(np.asarray(values), axis=None)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


_QUOTE_MARK = re.compile("[" + re.escape(QUOTE_CHARS) + "]")


def is_quote_heavy(text: str, max_share: float = DEFAULT.max_quoted_share) -> bool:
    """True when more than `max_share` of the sentence's characters sit inside quotation marks
    (each mark opens or closes a quotation: the text between marks, every other piece)."""
    quoted = sum(map(len, _QUOTE_MARK.split(text)[1::2])) if any(mark in text for mark in QUOTE_CHARS) else 0
    return quoted > max_share * len(text)


def eligible_sentences(sentences: Sequence[Sentence], settings: SyndicationSettings = DEFAULT) -> list[int]:
    """Indices of the sentences long enough, and not mostly quotation, to tell a copy by."""
    return [
        i
        for i, s in enumerate(sentences)
        if s.words >= settings.min_words and not is_quote_heavy(s.text, settings.max_quoted_share)
    ]


def find_copies(
    sentences: Sequence[Sentence],
    tokens: Sequence[Sequence[str]],
    eligible: Sequence[int],
    copy_jaccard: float = DEFAULT.copy_jaccard,
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) of near-identical sentences from different articles (MinHash LSH of
    their word 3-shingles, `textsim.shingles`), among the `eligible` ones; `tokens` are each
    sentence's words."""
    if len({sentences[i].document for i in eligible}) < 2:  # copies are pairs across articles
        return []
    # a big story's copies repeat sentences word for word: each distinct one shingled and hashed once
    distinct: dict[tuple[str, ...], int] = {}
    which = [distinct.setdefault(tuple(tokens[i]), len(distinct)) for i in eligible]
    table = _ShingleTable(list(distinct))
    kept = table.may_copy(which, [sentences[i].document for i in eligible], copy_jaccard)
    if not kept:
        return []
    eligible, which = [eligible[k] for k in kept], [which[k] for k in kept]
    hashed = sorted_distinct(which)  # the distinct sentences left
    signatures = table.signatures(hashed)[np.searchsorted(hashed, which)]
    pairs = []
    for x, y in sorted(_band_pairs(signatures)):
        i, j = eligible[x], eligible[y]
        if sentences[j].document != sentences[i].document:
            a, b = table.set(which[x]), table.set(which[y])
            jaccard = len(a & b) / len(a | b)
            if jaccard >= copy_jaccard:
                pairs.append((i, j, jaccard))
    return pairs


# Up to this many distinct words a shingle's three word ids make one int64 code (2**60 at most).
_ONE_CODE = 1 << 20


class _ShingleTable:
    """Distinct sentences' word 3-shingle sets (`textsim.shingles`: a sentence of one or two words
    is one shingle of them all) as ids of one numbering for the story, made in numpy: a shingle
    is its three words' ids (a missing word an id of its own), so no shingle string is made but
    for those hashed, and a Jaccard on the ids is the Jaccard on the strings (words hold no space:
    one string, one triple)."""

    def __init__(self, texts: list[tuple[str, ...]]) -> None:
        self._words = [w for t in texts for w in t]
        vocab = {w: i for i, w in enumerate(dict.fromkeys(self._words))}
        flat = np.fromiter(map(vocab.__getitem__, self._words), dtype=np.int64, count=len(self._words))
        flat = np.append(flat, [0, 0])  # a shingle's next words past the last, never read
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        ends = np.cumsum(lengths)
        opens = np.where(lengths > 0, np.maximum(lengths - 2, 1), 0)  # the shingles each sentence opens
        owner = np.repeat(np.arange(len(texts)), opens)
        at = np.arange(len(owner)) - np.repeat(np.cumsum(opens) - opens, opens) + (ends - lengths)[owner]
        self._at, self._stop = at, ends[owner]  # each shingle's first word, its sentence's end
        missing = len(vocab)  # the id of no word: a one- or two-word shingle's missing words
        second = np.where(at + 1 < self._stop, flat[at + 1], missing)
        third = np.where(at + 2 < self._stop, flat[at + 2], missing)
        width = missing + 1
        if width < _ONE_CODE:  # the triple as one int64 code
            code = (flat[at] * width + second) * width + third
        else:  # two steps, no overflow
            code = np.unique(flat[at] * width + second, return_inverse=True)[1].reshape(-1) * width + third
        _, self._first, shingle = np.unique(code, return_index=True, return_inverse=True)
        count = len(self._first)
        cells = sorted_distinct(owner * max(1, count) + shingle.reshape(-1))  # each sentence's distinct shingles
        self.ids = cells % max(1, count)
        self.sizes = np.bincount(cells // max(1, count), minlength=len(texts))
        self.indptr = np.concatenate([[0], np.cumsum(self.sizes)])
        self._owner = np.repeat(np.arange(len(texts)), self.sizes)
        self._count = count
        self._sets: dict[int, set[int]] = {}

    def set(self, u: int) -> set[int]:
        """Distinct sentence u's shingle ids."""
        if u not in self._sets:
            self._sets[u] = set(self.ids[self.indptr[u] : self.indptr[u + 1]].tolist())
        return self._sets[u]

    def may_copy(self, which: list[int], documents: list[int], copy_jaccard: float) -> list[int]:
        """The positions k of the sentences (distinct sentence `which[k]`, of article
        `documents[k]`) that may be a copy of another article's sentence: at least `copy_jaccard`
        of their shingles stand in another article too (a pair at Jaccard J shares J of the
        union, so at least J of each side). The others are in no pair `find_copies` keeps,
        whatever the LSH finds, and are not hashed: most sentences of a story are no wire copy
        (bench_bigstory's 200 articles: 1,274 of 3,171 left)."""
        top = max(documents) + 1
        # each distinct sentence's article (-1 for two or more), then each shingle's
        lowest, highest = np.full(len(self.sizes), top), np.full(len(self.sizes), -1)
        np.minimum.at(lowest, which, documents)
        np.maximum.at(highest, which, documents)
        article = np.where(lowest == highest, lowest, -1)[self._owner]
        lowest, highest = np.full(self._count, top), np.full(self._count, -2)
        np.minimum.at(lowest, self.ids, article)
        np.maximum.at(highest, self.ids, article)
        elsewhere = ((lowest != highest) | (lowest == -1))[self.ids]
        shared = np.bincount(self._owner, weights=elsewhere, minlength=len(self.sizes))
        left = shared >= (copy_jaccard - 1e-9) * self.sizes  # a hair below: rounding drops no pair
        return [k for k, u in enumerate(which) if left[u]]

    def signatures(self, rows: np.ndarray) -> np.ndarray:
        """`minhash_signatures` of the distinct sentences `rows` (ascending)' shingle strings."""
        wanted = np.zeros(len(self.sizes), dtype=bool)
        wanted[rows] = True
        used, renumbered = np.unique(self.ids[wanted[self._owner]], return_inverse=True)
        starts = self._at[self._first[used]]
        ends = np.minimum(starts + 3, self._stop[self._first[used]])
        words = self._words
        strings = [" ".join(words[a:e]) for a, e in zip(starts.tolist(), ends.tolist())]
        return _signatures(strings, renumbered.reshape(-1), self.sizes[rows])


def syndicate(
    sentences: Sequence[Sentence],
    articles: Sequence[Article],
    tokens: Sequence[Sequence[str]],
    settings: SyndicationSettings = DEFAULT,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[WireCopy, ...]]:
    """Each article's independent origin, its origin by copied text alone, and the wire-copy groups:
    articles sharing copied sentences are one origin, and so are articles that carry one agency's
    copy (its dateline or credit), edited or not, since an agency story re-run by a site is the
    agency's report; and, with `outlet_is_origin`, articles of one outlet (the first ids less this)."""
    n_articles = len(articles)
    if n_articles < 2:  # no pair to copy between (94% of a drain's stories): one origin, no group
        return tuple(range(n_articles)), tuple(range(n_articles)), ()
    # per pair of articles (a < b), the copied sentences of a and those of b
    copied: dict[tuple[int, int], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    eligible_ids = eligible_sentences(sentences, settings)
    for i, j, _ in find_copies(sentences, tokens, eligible_ids, settings.copy_jaccard):
        (da, i), (db, j) = sorted(((sentences[i].document, i), (sentences[j].document, j)))
        copied[(da, db)][0].add(i)
        copied[(da, db)][1].add(j)
    eligible = [0] * n_articles
    for i in eligible_ids:
        eligible[sentences[i].document] += 1
    parent = list(range(n_articles))
    groups: list[tuple[int, int, float]] = []
    for (a, b), (of_a, of_b) in copied.items():
        count = min(len(of_a), len(of_b))
        fraction = count / max(1, min(eligible[a], eligible[b]))
        if count >= settings.min_copied or (
            count >= settings.min_copied_short and fraction >= settings.min_shared_fraction
        ):
            parent[find_root(parent, a)] = find_root(parent, b)
            groups.append((a, b, min(1.0, fraction)))
    _join_same(parent, [a.agency for a in articles])
    copied_origins = _relabel([find_root(parent, d) for d in range(n_articles)])
    if settings.outlet_is_origin:
        _join_same(parent, [_outlet_key(a) for a in articles])
    origins = _relabel([find_root(parent, d) for d in range(n_articles)])
    return origins, copied_origins, _wire_copies(copied_origins, groups, articles)


def _join_same(parent: list[int], keys: Sequence[str | None]) -> None:
    """One origin for the articles of one key (an agency whose copy they carry, or an outlet)."""
    first: dict[str, int] = {}
    for doc, key in enumerate(keys):
        if key:
            parent[find_root(parent, doc)] = find_root(parent, first.setdefault(key, doc))


def _outlet_key(article: Article) -> str | None:
    """The article's outlet as one origin's key; none when only a file name names it."""
    return article.outlet.strip().casefold() if article.outlet and article.outlet_how != "file" else None


def find_root(parent: list[int], x: int) -> int:
    """The root of x in a union-find forest (`parent[x] == x` at a root), halving the path."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _relabel(roots: list[int]) -> tuple[int, ...]:
    """Origin ids numbered 0, 1, ... in order of first appearance."""
    ids: dict[int, int] = {}
    return tuple(ids.setdefault(r, len(ids)) for r in roots)


def _wire_copies(
    origins: tuple[int, ...], pairs: list[tuple[int, int, float]], articles: Sequence[Article]
) -> tuple[WireCopy, ...]:
    members: dict[int, list[int]] = defaultdict(list)
    for doc, origin in enumerate(origins):
        members[origin].append(doc)
    share_of: dict[int, list[float]] = defaultdict(list)  # an origin's pairs: both of its articles
    for a, b, f in pairs:
        if origins[a] == origins[b]:
            share_of[origins[a]].append(f)
    copies = []
    for docs in members.values():
        if len(docs) > 1:
            shares = share_of.get(origins[docs[0]], [])
            agency = next((articles[d].agency for d in docs if articles[d].agency), None)
            original = _original(docs, articles, agency)
            copies.append(
                WireCopy(original, tuple(d for d in docs if d != original), round(max(shares, default=0.0), 3), agency)
            )
    return tuple(copies)


def _original(docs: list[int], articles: Sequence[Article], agency: str | None) -> int:
    """The agency's own article, else the earliest dated one, else the first given."""
    own = [d for d in docs if agency and _names_agency(articles[d].outlet, agency)]
    if own:
        return own[0]
    dated = [d for d in docs if articles[d].published is not None]
    return min(dated, key=lambda d: articles[d].published.timestamp()) if dated else docs[0]  # type: ignore[union-attr]


def _names_agency(outlet: str | None, agency: str) -> bool:
    return outlet is not None and (normalize_agency(outlet) or outlet) == agency
