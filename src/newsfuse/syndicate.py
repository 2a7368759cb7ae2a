"""Find syndicated wire copy: articles sharing passages are grouped into independent origins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Article, Sentence, WireCopy
from .outlets import normalize_agency
from .textsim import QUOTE_CHARS, shingles

if TYPE_CHECKING:  # datasketch (and the scipy it imports) is loaded when a story is first syndicated
    from datasketch import MinHash

__all__ = ["SyndicationSettings", "find_copies", "syndicate", "is_quote_heavy", "find_root", "eligible_sentences"]


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


DEFAULT = SyndicationSettings()
_NUM_PERM = 64
# LSH bands x rows for the default copy_jaccard and _NUM_PERM: datasketch's own optimum (its _optimal_param),
# fixed here because datasketch recomputes it by numerical integration (~35 ms) for every index.
_LSH_BANDS_ROWS = (8, 8)
_TEMPLATE: MinHash | None = None


def _minhash(tokens: set[str]) -> MinHash:
    """A MinHash sharing one set of permutations: building them costs more than hashing a sentence."""
    global _TEMPLATE
    from datasketch import MinHash

    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=_NUM_PERM, seed=1)
    mh = MinHash(num_perm=_NUM_PERM, seed=1, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    mh.update_batch([t.encode() for t in tokens])
    return mh


def is_quote_heavy(text: str, max_share: float = DEFAULT.max_quoted_share) -> bool:
    """True when more than `max_share` of the sentence's characters sit inside quotation marks."""
    inside, quoted = False, 0
    for char in text:
        if char in QUOTE_CHARS:
            inside = not inside
        elif inside:
            quoted += 1
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
    """Pairs (i, j, jaccard) of near-identical sentences from different articles (MinHash LSH),
    among the `eligible` ones; `tokens` are each sentence's words."""
    sets = {i: shingles(tokens[i]) for i in eligible}
    from datasketch import MinHashLSH

    lsh = MinHashLSH(num_perm=_NUM_PERM, params=_LSH_BANDS_ROWS)
    hashes = {i: _minhash(sets[i]) for i in eligible}
    for i in eligible:
        lsh.insert(i, hashes[i])
    pairs = []
    for i in eligible:
        for j in lsh.query(hashes[i]):
            if j > i and sentences[j].document != sentences[i].document:
                jaccard = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
                if jaccard >= copy_jaccard:
                    pairs.append((i, j, jaccard))
    return pairs


def syndicate(
    sentences: Sequence[Sentence],
    articles: Sequence[Article],
    tokens: Sequence[Sequence[str]],
    settings: SyndicationSettings = DEFAULT,
) -> tuple[tuple[int, ...], tuple[WireCopy, ...]]:
    """Each article's independent origin and the wire-copy groups: articles sharing copied
    sentences are one origin, and so are articles that carry one agency's copy (its dateline or
    credit), edited or not, since an agency story re-run by a site is the agency's report."""
    n_articles = len(articles)
    copied: dict[tuple[int, int], set[int]] = defaultdict(set)
    eligible_ids = eligible_sentences(sentences, settings)
    for i, j, _ in find_copies(sentences, tokens, eligible_ids, settings.copy_jaccard):
        da, db = sentences[i].document, sentences[j].document
        copied[(min(da, db), max(da, db))] |= {i, j}
    eligible = [0] * n_articles
    for i in eligible_ids:
        eligible[sentences[i].document] += 1
    parent = list(range(n_articles))
    groups: list[tuple[int, int, float]] = []
    for (a, b), members in copied.items():
        count = min(
            sum(sentences[m].document == a for m in members),
            sum(sentences[m].document == b for m in members),
        )
        fraction = count / max(1, min(eligible[a], eligible[b]))
        if count >= settings.min_copied or (
            count >= settings.min_copied_short and fraction >= settings.min_shared_fraction
        ):
            parent[find_root(parent, a)] = find_root(parent, b)
            groups.append((a, b, min(1.0, fraction)))
    _join_agencies(parent, articles)
    origins = _relabel([find_root(parent, d) for d in range(n_articles)])
    return origins, _wire_copies(origins, groups, articles)


def _join_agencies(parent: list[int], articles: Sequence[Article]) -> None:
    """One origin for the articles whose text carries one agency's copy."""
    first: dict[str, int] = {}
    for doc, article in enumerate(articles):
        if article.agency:
            parent[find_root(parent, doc)] = find_root(parent, first.setdefault(article.agency, doc))


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
    copies = []
    for docs in members.values():
        if len(docs) > 1:
            shares = [f for a, b, f in pairs if a in docs and b in docs]
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
