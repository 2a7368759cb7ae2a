"""Find syndicated wire copy: articles sharing passages are grouped into independent origins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from datasketch import MinHash, MinHashLSH

from .model import Sentence, Story, WireCopy
from .textsim import QUOTE_CHARS, shingles

__all__ = ["find_copies", "syndicate", "is_quote_heavy", "find_root"]

# Two sentences are copies when their word-3-shingle Jaccard reaches this. In the seeds, light
# wire edits ("Russia" -> "Russian Federation") keep the AP copy's sentences at 0.73-1.0, while
# two reporters writing the same fact in their own words score 0.5-0.65.
COPY_JACCARD = 0.7
# Articles are one origin when they share this many copied sentences, or at least
# MIN_COPIED_SHORT sentences making up MIN_SHARED_FRACTION of the shorter article.
MIN_COPIED = 3
MIN_COPIED_SHORT = 2
MIN_SHARED_FRACTION = 0.5
# Shorter sentences and mostly-quoted ones are left out: independent outlets share quotes verbatim.
MIN_WORDS = 8
MAX_QUOTED_SHARE = 0.5
_NUM_PERM = 64
# LSH bands x rows for COPY_JACCARD and _NUM_PERM: datasketch's own optimum (its _optimal_param),
# fixed here because datasketch recomputes it by numerical integration (~35 ms) for every index.
_LSH_BANDS_ROWS = (8, 8)
_TEMPLATE: MinHash | None = None


def _minhash(tokens: set[str]) -> MinHash:
    """A MinHash sharing one set of permutations: building them costs more than hashing a sentence."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=_NUM_PERM, seed=1)
    mh = MinHash(num_perm=_NUM_PERM, seed=1, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    mh.update_batch([t.encode() for t in tokens])
    return mh


def is_quote_heavy(text: str) -> bool:
    """True when most of the sentence's characters sit inside quotation marks."""
    inside, quoted = False, 0
    for char in text:
        if char in QUOTE_CHARS:
            inside = not inside
        elif inside:
            quoted += 1
    return quoted > MAX_QUOTED_SHARE * len(text)


def eligible_sentences(sentences: Sequence[Sentence]) -> list[int]:
    """Indices of the sentences long enough, and not mostly quotation, to tell a copy by."""
    return [i for i, s in enumerate(sentences) if s.words >= MIN_WORDS and not is_quote_heavy(s.text)]


def find_copies(sentences: Sequence[Sentence], eligible: Sequence[int] | None = None) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) of near-identical sentences from different articles (MinHash LSH),
    among the `eligible_sentences` (computed here when not given)."""
    eligible = eligible_sentences(sentences) if eligible is None else eligible
    sets = {i: shingles(sentences[i].text) for i in eligible}
    lsh = MinHashLSH(num_perm=_NUM_PERM, params=_LSH_BANDS_ROWS)
    hashes = {i: _minhash(sets[i]) for i in eligible}
    for i in eligible:
        lsh.insert(i, hashes[i])
    pairs = []
    for i in eligible:
        for j in lsh.query(hashes[i]):
            if j > i and sentences[j].document != sentences[i].document:
                jaccard = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
                if jaccard >= COPY_JACCARD:
                    pairs.append((i, j, jaccard))
    return pairs


def syndicate(story: Story) -> Story:
    """Fill `story.origins` and `story.wire_copies` from the copied sentences between articles."""
    n = len(story.articles)
    copied: dict[tuple[int, int], set[int]] = defaultdict(set)
    eligible_ids = eligible_sentences(story.sentences)
    for i, j, _ in find_copies(story.sentences, eligible_ids):
        a, b = story.sentences[i], story.sentences[j]
        key = (min(a.document, b.document), max(a.document, b.document))
        copied[key] |= {i, j}
    eligible = [0] * n
    for i in eligible_ids:
        eligible[story.sentences[i].document] += 1
    parent = list(range(n))
    groups: list[tuple[int, int, float]] = []
    for (a, b), members in copied.items():
        count = min(
            sum(story.sentences[m].document == a for m in members),
            sum(story.sentences[m].document == b for m in members),
        )
        fraction = count / max(1, min(eligible[a], eligible[b]))
        if count >= MIN_COPIED or (count >= MIN_COPIED_SHORT and fraction >= MIN_SHARED_FRACTION):
            parent[find_root(parent, a)] = find_root(parent, b)
            groups.append((a, b, min(1.0, fraction)))
    story.origins = _relabel([find_root(parent, d) for d in range(n)])
    story.wire_copies = _wire_copies(story.origins, groups)
    return story


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


def _wire_copies(origins: tuple[int, ...], pairs: list[tuple[int, int, float]]) -> tuple[WireCopy, ...]:
    members: dict[int, list[int]] = defaultdict(list)
    for doc, origin in enumerate(origins):
        members[origin].append(doc)
    copies = []
    for docs in members.values():
        if len(docs) > 1:
            shares = [f for a, b, f in pairs if a in docs and b in docs]
            copies.append(WireCopy(tuple(docs), round(max(shares), 3)))
    return tuple(copies)
