"""Compare sources: corroborated and single-source facts, quotes with speakers, disagreements."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
from scipy import sparse

from .attribute import source_of
from .claims import (
    MIN_SHARED_SHARE,
    MIN_SHARED_WORDS,
    Change,
    NameIndex,
    ValueWindows,
    content_words,
    count_beside,
    count_changes,
    counted_in_parts,
    differences,
    different_rows,
    shares_words,
    support,
)
from .model import (
    Claim,
    Comparison,
    Disagreement,
    DisagreementKind,
    Fact,
    FactStatus,
    Outlet,
    QuoteGroup,
    Sentence,
    Source,
    Span,
)
from .prepare import PreparedStory
from .quotes import canonical_speaker, is_person_name, same_person, surname
from .syndicate import find_root, sorted_distinct
from .textsim import DENSE_COSINES, NEIGHBOUR_BLOCK, SAME_NEWS, canonical_csr, words

__all__ = ["ComparisonSettings", "compare"]


@dataclass(frozen=True)
class ComparisonSettings:
    """Thresholds of the comparison; each was set by reading the seeds and the fulltext-dev pages."""

    # Facts: sentences of two articles state one claim at this TF-IDF cosine, unless a value or a
    # negation contradicts (claims.support). Tuned on ECB+ train (bench/bench_trust.py): 0.45 / 0.35
    # / 0.3 / 0.25 / 0.2 gave corroboration recall 0.35 / 0.45 / 0.59 / 0.72 / 0.85 at same-fact pair
    # precision 0.97 / 0.94 / 0.93 / 0.93 / 0.92; 0.25 is the highest recall that keeps a margin over
    # the 0.9 precision floor. An outlet that leaves a number out still corroborates the claim here
    # (its own span is shown); the summary's attribution is stricter (attribute.py).
    same_fact: float = 0.25
    # Two articles' ledes (their first `lead_sentences`) state the story's main news in their own
    # words: they are one claim at this lower cosine, unless a value contradicts. ECB+ train, ledes
    # at 0.25 / 0.2 / 0.15 / 0.1 (first two sentences): corroboration recall 0.72 / 0.78 / 0.82 /
    # 0.86 at pair precision 0.93 / 0.93 / 0.92 / 0.90; 0.15 keeps the margin over 0.9 (textsim.SAME_NEWS).
    same_lead: float = SAME_NEWS
    lead_sentences: int = 2
    fact_min_words: int = 8
    # ...and share enough content words (claims.shares_words: one rare word shared is not a fact).
    fact_min_shared: int = MIN_SHARED_WORDS
    fact_shared_share: float = MIN_SHARED_SHARE
    # Disagreements compare only sentences this similar: the same fact told with one value changed.
    same_claim: float = 0.5
    # Quotes: merged across outlets when this share of the shorter one's word bigrams is in the other.
    quote_containment: float = 0.6
    quote_min_words: int = 2
    # ...or, for two quotes of one speaker, when this share of the shorter one's words is in the other.
    same_speaker_containment: float = 0.8


_CONTRACTIONS = [("n't", " not"), ("'re", " are"), ("'ll", " will"), ("'ve", " have"), ("'m", " am")]


def compare(story: PreparedStory, settings: ComparisonSettings | None = None) -> Comparison:
    """The comparison of a prepared story's sources."""
    settings = settings or ComparisonSettings()
    cands = [story.sentences[i] for i in story.candidates]
    similarity = _similar_pairs(story, min(settings.same_fact, settings.same_lead, settings.same_claim))
    quotes = _story_quotes(story, settings.quote_min_words)
    groups = _group_quotes(quotes, settings)
    people = _people(quotes)
    windows: dict[str, ValueWindows] = {}  # each sentence's, made once for facts and disagreements
    return Comparison(
        facts=_facts(story, cands, similarity, settings, windows),
        quotes=_quote_groups(story, quotes, groups, people),
        disagreements=_disagreements(story, cands, similarity, settings.same_claim, windows)
        + _attribution_conflicts(story, quotes, groups, people),
        wire_copies=story.wire_copies,
        outlets=tuple(
            Outlet(doc, a.outlet, a.outlet_how, a.agency, story.origin_of(doc)) for doc, a in enumerate(story.articles)
        ),
    )


def _similar_pairs(story: PreparedStory, floor: float) -> sparse.csr_matrix:
    """The candidates' cosines that any stage here may use (those >= `floor`, the lowest threshold),
    sparse: the stages read nothing below it, so this is what the dense matrix would give them; a
    big story's made at a cost that grows with the similar pairs, not with the square of the
    sentences. A floor of 0 or less keeps every pair (zeros stored), as the dense matrix."""
    n = len(story.candidates)
    if n == 0:
        return sparse.csr_matrix((0, 0))
    if len({story.sentences[i].document for i in story.candidates}) < 2 and floor > 0:
        return sparse.csr_matrix((n, n))  # one article: every stage here reads pairs of two articles only
    if n > DENSE_COSINES and floor > 0:
        return story.views.neighbours(story.candidates, floor)
    # a story this small has the dense matrix already (the summary's features read it): thresholded,
    # it is what `neighbours` would compute again (the same entries, to the bit), at no product
    return _at_least(story.views.similarity(story.candidates), floor)


def _at_least(dense: np.ndarray, floor: float) -> sparse.csr_matrix:
    """The entries of `dense` that reach `floor` (every entry at a floor of 0 or less, zeros
    stored), as a canonical CSR matrix (row by row, columns ascending)."""
    rows, width = dense.shape
    kept = np.flatnonzero(dense >= floor) if floor > 0 else np.arange(dense.size)  # row-major, ascending
    indptr = np.searchsorted(kept, np.arange(0, rows * width + 1, width)).astype(np.int32)
    values = dense.ravel()[kept].astype(np.float64, copy=False)
    return canonical_csr(values, (kept % width).astype(np.int32), indptr, (rows, width))


# ---- facts ---------------------------------------------------------------------------------


def _facts(
    story: PreparedStory,
    cands: list[Sentence],
    similarity: sparse.csr_matrix,
    settings: ComparisonSettings,
    windows: dict[str, ValueWindows],
) -> tuple[Fact, ...]:
    """Group sentences stating one fact: each unassigned sentence, in lead order, takes the best
    unassigned match of every other article (a star, so unrelated facts never chain). A match that
    contradicts it (a value differs, a negation) stays out; one stating part of it is partial.
    `windows`: the story's value windows (the shared memo evicts on a big story), filled here."""
    order = sorted(range(len(cands)), key=[(s.position, s.document) for s in cands].__getitem__)
    matches_of = _fact_matches(cands, similarity, settings) if similarity.nnz else None
    free = [True] * len(cands)
    facts = []
    judged_texts: dict[tuple[str, str], str] = {}  # a big story's copies repeat sentences word for word
    # content words of the sentences judged (most are judged against none), from the story's views
    content: dict[str, frozenset[str]] = {}
    rows = story.candidates.tolist() if matches_of is not None else []

    def judge(i: int, m: int) -> str:
        claim, other = cands[i].text, cands[m].text
        if (claim, other) not in judged_texts:
            for k in (i, m):
                if cands[k].text not in content:
                    content[cands[k].text] = content_words(story.views.tokens[rows[k]])
            alike = shares_words(claim, other, content, settings.fact_min_shared, settings.fact_shared_share)
            judged_texts[(claim, other)] = support(claim, other, False, windows, content) if alike else "unrelated"
        return judged_texts[(claim, other)]

    for i in order:
        if not free[i] or cands[i].words < settings.fact_min_words:
            continue
        matches = _best_per_document(matches_of.of(i), free) if matches_of is not None else []
        if not matches:  # most sentences: no other article's sentence near enough
            facts.append(_single(story, cands[i]))
            continue
        judged = [(m, judge(i, m)) for m in matches]
        full = [i] + [m for m, how in judged if how == "full"]
        partial = [m for m, how in judged if how == "partial"]
        for m in full + partial:
            free[m] = False
        facts.append(_fact(story, cands[i].text, [cands[m] for m in full], [cands[m] for m in partial]))
    facts.sort(key=lambda f: -f.origins)
    return tuple(facts)


def _fact(story: PreparedStory, text: str, full: list[Sentence], partial: list[Sentence]) -> Fact:
    origins = story.count_origins({s.document for s in full})
    status: FactStatus = "corroborated" if origins >= 2 else "partial" if partial else "single"
    return Fact(
        text=text,
        sources=tuple(source_of(story, s) for s in full),
        origins=origins,
        status=status,
        partial=tuple(source_of(story, s) for s in partial),
    )


def _single(story: PreparedStory, s: Sentence) -> Fact:
    """`_fact` of a sentence no other article states: one source, one origin."""
    return Fact(text=s.text, sources=(source_of(story, s),), origins=1, status="single", partial=())


@dataclass(frozen=True)
class _Matches:
    """Each sentence's possible matches: the stored cosines of another article's sentences that
    reach their threshold, sentence by sentence (`bounds`, as a CSR matrix's row pointers)."""

    bounds: list[int]
    cols: np.ndarray
    documents: np.ndarray
    values: np.ndarray

    def of(self, i: int) -> list[tuple[int, int, float]]:
        """Sentence i's, (sentence, its article, cosine), columns ascending."""
        start, end = self.bounds[i], self.bounds[i + 1]
        if start == end:
            return []
        return list(zip(*(a[start:end].tolist() for a in (self.cols, self.documents, self.values))))


def _fact_matches(cands: list[Sentence], similarity: sparse.csr_matrix, settings: ComparisonSettings) -> _Matches:
    """The facts' possible matches (`_Matches`; the lede threshold between two ledes): one numpy
    pass over every stored cosine, as most sentences have none and a loop a row cost most of
    the facts; made into lists only for the sentences the facts read (a big story's copies
    are consumed by their first sentence, and never read)."""
    documents = np.array([s.document for s in cands])
    leads = np.array([s.position < settings.lead_sentences for s in cands])
    rows = np.repeat(np.arange(len(cands)), np.diff(similarity.indptr))
    cols, values = similarity.indices, similarity.data
    needed = np.where(leads[rows] & leads[cols], settings.same_lead, settings.same_fact)
    keep = (documents[rows] != documents[cols]) & (values >= needed)
    bounds = np.concatenate(([0], np.cumsum(keep)))[similarity.indptr]
    kept = cols[keep]
    return _Matches(bounds.tolist(), kept, documents[kept], values[keep])


def _best_per_document(matches: list[tuple[int, int, float]], free: list[bool]) -> list[int]:
    """The best free match of each other article, by article; on ties the first sentence
    (`matches`: one sentence's, as `_Matches.of` gives them, columns ascending, so a later tie
    never replaces the kept one)."""
    best: dict[int, tuple[float, int]] = {}
    for col, document, value in matches:
        if free[col] and (document not in best or value > best[document][0]):
            best[document] = (value, col)
    return [best[document][1] for document in sorted(best)]


# ---- quotes --------------------------------------------------------------------------------

# Quotes that two outlets give to two different people are one quotation (an attribution
# disagreement) only when the shorter has this many words and this share of its word bigrams is in
# the other; short or partial quotes of different people stay apart.
CONFLICT_MIN_WORDS = 8
CONFLICT_CONTAINMENT = 0.8
# A person named as whom the speaker works for: "an aide to", "a spokesman for", "lawyers of".
_FOR_SOMEONE = re.compile(
    r"\b(?:aides?|spokes(?:man|woman|person)|advis[eo]rs?|officials?|sources?|representatives?|lawyers?|"
    r"attorneys?|friends?|office|staff|allies|ally|campaign|family)\s+(?:close\s+)?(?:to|for|of|with)\s+"
    r"(?:the\s+)?(?:[\w.’'-]+\s+){0,4}$"
)


@dataclass(frozen=True)
class _Quote(Span):
    """A quotation of one article as `quotes.find_quotes` finds it, with how its speaker was found."""

    text: str
    speaker: str | None
    role: str | None
    person: bool  # the speaker is a named person (not a role, an organisation or nobody)
    own: bool  # the quote's own attribution: not inherited, not a pronoun, not "X's aide" / "aide to X"


def _story_quotes(story: PreparedStory, min_words: int) -> list[_Quote]:
    """Every direct quotation of every article (found once by `prepare`, with newsfuse.quotes)."""
    found = []
    for doc, article in enumerate(story.articles):
        text = article.text
        for q in story.quotes[doc]:
            if len(text[q.start : q.end].split()) < min_words:
                continue
            mention = text[q.speaker_start : q.speaker_end] if q.speaker_start is not None else ""
            pronoun = mention.lower() in ("he", "she")
            # "Moran's statements", "an aide to President Jonathan": someone else speaks of or for them
            of_them = (
                q.speaker_start is not None
                and q.speaker_end is not None
                and (
                    text[q.speaker_end : q.speaker_end + 2] in ("'s", "’s")
                    or bool(_FOR_SOMEONE.search(text, max(0, q.speaker_start - 60), q.speaker_start))
                )
            )
            found.append(
                _Quote(
                    doc,
                    q.start,
                    q.end,
                    text[q.start : q.end],
                    q.speaker,
                    q.role,
                    person=is_person_name(q.speaker),
                    own=not q.inherited and not pronoun and not of_them,
                )
            )
    return found


def _bigrams_of(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:])) or {(t, "") for t in tokens}


def _quote_sets(text: str) -> tuple[set[tuple[str, str]], set[str], int]:
    """A quote's word bigrams, its words with contractions expanded, and its word count: the
    text's words read once (and once more only when a contraction changed the text)."""
    tokens = words(text)
    expanded = _expand_contractions(text)
    return _bigrams_of(tokens), set(tokens if expanded == text else words(expanded)), len(tokens)


def _expand_contractions(text: str) -> str:
    text = text.replace("’", "'")
    for short, full in _CONTRACTIONS:
        text = text.replace(short, full)
    return text


def _overlap(a: set, b: set) -> float:
    # most pairs of a story's quotes share no bigram: no intersection made for them (0.0 either way)
    shorter = min(len(a), len(b))
    return len(a & b) / shorter if shorter and not a.isdisjoint(b) else 0.0


def _group_quotes(quotes: list[_Quote], settings: ComparisonSettings) -> list[list[int]]:
    """Quotes of one quotation as several outlets give it (variants, partial and split quotes):
    most of the shorter one's word bigrams in the other, or most of its words for two quotes of
    one person ("We're" / "We are"). Groups join most similar pairs first, and never so that a
    group holds quotes of two different people, except one long quotation that two outlets give
    to two different named people on their own attribution (an attribution disagreement)."""
    # per distinct text: a big story's copies quote word for word (the sets are shared, read only)
    texts = {text: _quote_sets(text) for text in {q.text: None for q in quotes}}
    grams = [texts[q.text][0] for q in quotes]
    unigrams = [texts[q.text][1] for q in quotes]
    sizes = [texts[q.text][2] for q in quotes]
    who = [_who(q) for q in quotes]
    pairs = []
    for i, j in _overlapping_pairs(grams, unigrams, settings):
        share = _overlap(grams[i], grams[j])
        if share >= settings.quote_containment or (
            not who[i].isdisjoint(who[j])
            and _one_person(quotes[i], quotes[j])
            and _overlap(unigrams[i], unigrams[j]) >= settings.same_speaker_containment
        ):
            pairs.append((-share, i, j))
    group_of = list(range(len(quotes)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(quotes))}
    # only two quotes of named people can keep groups apart (`_may_share_group`): the test reads
    # those pairs alone, not every pair of two groups a big story's copies make large
    persons: dict[int, list[int]] = {i: [i] if q.person else [] for i, q in enumerate(quotes)}
    for _, i, j in sorted(pairs):
        gi, gj = group_of[i], group_of[j]
        if gi == gj or not all(
            _may_share_group(quotes[a], quotes[b], _overlap(grams[a], grams[b]), min(sizes[a], sizes[b]))
            for a in persons[gi]
            for b in persons[gj]
        ):
            continue
        for k in members[gj]:
            group_of[k] = gi
        members[gi] += members.pop(gj)
        persons[gi] += persons.pop(gj)
    return [sorted(g, key=lambda i: (quotes[i].document, quotes[i].start)) for g in members.values()]


def _overlapping_pairs(
    grams: list[set[tuple[str, str]]], unigrams: list[set[str]], settings: ComparisonSettings
) -> list[tuple[int, int]]:
    """The pairs (i < j, in order) that may pass either containment test of `_group_quotes`:
    every pair when a threshold is 0 or less or the quotes are few, else those whose shared bigrams
    or words, counted by a sparse product in blocks of rows, reach it (`_group_quotes` checks each
    exactly). Pairs that share nothing cost nothing. A few quotes' pairs go to the exact test
    unfiltered: it intersects a pair's bigrams once, and their words only for two quotes of one
    person, where counting both for the filter first intersected each pair's twice."""
    n = len(grams)
    if settings.quote_containment <= 0 or settings.same_speaker_containment <= 0 or n <= SMALL_CONTAINMENT:
        return list(itertools.combinations(range(n), 2))
    found: set[tuple[int, int]] = set()
    for sets, threshold in ((grams, settings.quote_containment), (unigrams, settings.same_speaker_containment)):
        found.update(_containing_pairs(sets, threshold))
    return sorted(found)


# Up to this many sets `_containing_pairs` intersects each pair's sets instead: the sparse
# product's fixed cost (a COO build, a transpose, a product: about 1 ms) was most of a small
# story's comparison. One-off timings of 2 to 80 random sets put the crossover near 60.
SMALL_CONTAINMENT = 48


def _containing_pairs(sets: list, threshold: float) -> list[tuple[int, int]]:
    """Pairs i < j whose shared items reach `threshold` of the smaller set (a hair below, so that
    rounding never drops a pair the exact test keeps); pairs sharing nothing never count.

    Distinct sets are paired once, by prefix filtering: with the items in one order, rarest first, a pair reaching the threshold
    shares with the other set one of the smaller set's first `len - need + 1` items (`need`, the
    fewest shared items that reach it: had the other set none of them, it would share at most
    need - 1). So the candidates are the product of those prefixes with the whole sets, which the
    words every quote has ("the", "we") no longer make nearly dense (2,000 articles: 8,000
    quotes, every pair sharing some word), and each candidate is counted exactly."""
    if len(sets) <= SMALL_CONTAINMENT:
        return _containing_pairs_small(sets, threshold)
    # one set a quote of the wire copies give word for word: their pairs are found once
    members: dict[frozenset, list[int]] = {}
    for r, items in enumerate(sets):
        members.setdefault(frozenset(items), []).append(r)
    groups = list(members.values())
    out = [
        pair
        for group in groups
        if len(sets[group[0]]) and len(sets[group[0]]) >= (threshold - 1e-9) * len(sets[group[0]])
        for pair in itertools.combinations(group, 2)
    ]
    for a, b in _distinct_containing_pairs([sets[group[0]] for group in groups], threshold):
        out += [(min(i, j), max(i, j)) for i in groups[a] for j in groups[b]]
    return out


def _distinct_containing_pairs(sets: list, threshold: float) -> list[tuple[int, int]]:
    """`_containing_pairs` of distinct sets, by prefix filtering (see there)."""
    counts = Counter(item for items in sets for item in items)
    if not counts:
        return []
    rank = {item: r for r, (item, _) in enumerate(sorted(counts.items(), key=lambda entry: entry[1]))}
    ordered = [sorted(rank[item] for item in items) for items in sets]
    sizes = np.array([len(items) for items in sets])
    prefixes = [row[: len(row) - max(1, math.floor((threshold - 1e-9) * len(row))) + 1] for row in ordered]
    n = len(sets)
    whole = _incidence(ordered, len(rank))
    transposed = whole.T.tocsr()  # CSR: a product with a CSC operand converts it again each block
    prefix = _incidence(prefixes, len(rank))
    step = max(16, NEIGHBOUR_BLOCK // max(1, n))
    codes = []
    for start in range(0, n, step):
        found = (prefix[start : start + step] @ transposed).tocoo()
        x, y = found.row.astype(np.int64) + start, found.col.astype(np.int64)
        keep = (x != y) & (sizes[x] <= sizes[y])  # the prefix of the smaller set (either, if equal)
        codes.append(np.minimum(x, y)[keep] * n + np.maximum(x, y)[keep])
    pairs = sorted_distinct(np.concatenate(codes))
    out = []
    for block in range(0, len(pairs), NEIGHBOUR_BLOCK // 16):  # the candidates counted exactly
        i, j = np.divmod(pairs[block : block + NEIGHBOUR_BLOCK // 16], n)
        shared = np.asarray(whole[i].multiply(whole[j]).sum(axis=1)).ravel()
        keep = (shared > 0) & (shared >= (threshold - 1e-9) * np.minimum(sizes[i], sizes[j]))
        out += list(zip(i[keep].tolist(), j[keep].tolist()))
    return out


def _incidence(rows: list[list[int]], width: int) -> sparse.csr_matrix:
    """A 0/1 CSR matrix with a 1 at each (row, item) of `rows` (items sorted, each once a row)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in rows])
    indices = np.fromiter((item for row in rows for item in row), dtype=np.int32, count=int(indptr[-1]))
    return sparse.csr_matrix((np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(len(rows), width))


def _containing_pairs_small(sets: list, threshold: float) -> list[tuple[int, int]]:
    """`_containing_pairs` by one set intersection a pair: the same counts, the same test."""
    out = []
    for i, a in enumerate(sets):
        for j in range(i + 1, len(sets)):
            shared = len(a & sets[j])
            if shared and shared >= (threshold - 1e-9) * min(len(a), len(sets[j])):
                out.append((i, j))
    return out


def _who(q: _Quote) -> frozenset[tuple[str, str]]:
    """What two quotes of one person (`_one_person`) have in common: one speaker (in any case),
    or two person names with an end in common (`_name_ends`). Most pairs of a story's quotes
    share none, and are no one person without asking the names."""
    said = {("said", q.speaker.lower())} if q.speaker else set()
    return frozenset(said.union(_name_ends(str(q.speaker)) if q.person else ()))


def _one_person(a: _Quote, b: _Quote) -> bool:
    return bool(a.speaker and b.speaker and a.speaker.lower() == b.speaker.lower()) or (
        a.person and b.person and _one_name(str(a.speaker), str(b.speaker))
    )


@lru_cache(maxsize=1 << 16)  # pure; a big story asks it of the same pairs of names again and again
def _one_name(a: str, b: str) -> bool:
    """Two forms of one person's name: `same_person` (apostrophes alike), or the longer ends with
    all of the shorter ("Screenwriter Aaron Sorkin", "Cheryl Boone Isaacs")."""
    a, b = a.replace("’", "'"), b.replace("’", "'")
    if same_person(a, b):
        return True
    short, full = sorted((a.lower().split(), b.lower().split()), key=len)
    return len(short) >= 2 and full[-len(short) :] == short


@lru_cache(maxsize=1 << 16)
def _maybe_one(a: str, b: str) -> bool:
    """Names that may be one person's, so an attribution to each is no disagreement: one name, a
    word in common ("Rapper Kanye West" / "Has Kanye West") or a surname spelt alike ("Strauss" /
    "Strauch", "Mashnuq" / "Machnouk")."""
    if _one_name(a, b):
        return True
    wa, wb = (set(n.replace("’", "'").lower().split()) for n in (a, b))
    if wa & wb:
        return True
    return SequenceMatcher(None, a.split()[-1].lower(), b.split()[-1].lower()).ratio() >= 0.6


def _may_share_group(a: _Quote, b: _Quote, share: float, shorter_words: int) -> bool:
    """Two quotes of two different named people are one quotation only across outlets, on firm
    attributions, and when long and nearly the same; in one article they are two quotations."""
    if not (a.person and b.person) or _maybe_one(str(a.speaker), str(b.speaker)):
        return True
    if a.document == b.document:
        return False
    if not (a.own and b.own):  # an inherited or pronoun speaker does not keep a quote apart
        return True
    return shorter_words >= CONFLICT_MIN_WORDS and share >= CONFLICT_CONTAINMENT


def _people(quotes: list[_Quote]) -> dict[str, str]:
    """Each person speaker's name -> the one canonical name of that person in the story: the
    names of one person (by `_one_name`) across every outlet get one `canonical_speaker`; a
    surname alone that fits two people is left as it is."""
    names = sorted({str(q.speaker) for q in quotes if q.person}, key=lambda n: (-len(n.split()), n))
    people: list[list[str]] = []
    # A person fits only if its first name is one with this one (`_one_name`), which needs one of
    # the two ends in common: people are looked up by them, not each tested (names x people).
    by_end: dict[tuple[str, str], list[int]] = defaultdict(list)
    for name in names:
        near = sorted({p for end in _name_ends(name) for p in by_end.get(end, ())})
        fits = [people[p] for p in near if all(_one_name(name, other) for other in people[p])]
        if len(fits) == 1:
            fits[0].append(name)
        elif not fits:
            for end in _name_ends(name):
                by_end[end].append(len(people))
            people.append([name])
    counts = Counter(str(q.speaker) for q in quotes if q.person)
    canonical: dict[str, str] = {}
    for person in people:
        one = canonical_speaker([n for n in person for _ in range(counts[n])])
        canonical.update({n: str(one) for n in person})
    return canonical


@lru_cache(maxsize=1 << 16)  # pure; asked of each quote's speaker and of each person's names
def _name_ends(name: str) -> tuple[tuple[str, str], ...]:
    """What two names must share for `_one_name`: the surname `same_person` compares, or the
    last lower-cased word (the longer name ending with all of the shorter)."""
    name = name.replace("’", "'")
    ends = [("word", w[-1]) for w in [name.lower().split()] if w]
    return tuple(ends + [("surname", s) for s in [surname(name)] if s is not None])


def _person_of(q: _Quote, people: dict[str, str]) -> str | None:
    return people.get(str(q.speaker)) if q.person else None


def _roles(quotes: list[_Quote], people: dict[str, str]) -> dict[str, str]:
    """Each person's title in the story: the one the outlets give most (the longer on ties)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for q in quotes:
        person = _person_of(q, people)
        if person and q.role:
            counts[person][q.role] += 1
    return {p: max(c, key=lambda r: (c[r], len(r))) for p, c in counts.items()}


def _group_speaker(members: list[_Quote], people: dict[str, str]) -> str | None:
    """The person most of a group's own attributions name (then most of all), by the story's one
    name for that person; with no person, the role or organisation most cited ("the spokeswoman")."""
    by_person: Counter[str] = Counter()
    for q in members:
        person = _person_of(q, people)
        if person:
            by_person[person] += len(members) + 1 if q.own else 1
    if by_person:
        return by_person.most_common(1)[0][0]
    others = Counter(q.speaker for q in members if q.speaker)
    others.update(q.speaker for q in members if q.speaker and q.own)  # own attributions count twice
    return others.most_common(1)[0][0] if others else None


def _quote_groups(
    story: PreparedStory, quotes: list[_Quote], groups: list[list[int]], people: dict[str, str]
) -> tuple[QuoteGroup, ...]:
    roles = _roles(quotes, people)
    result = []
    for group in groups:
        members = [quotes[i] for i in group]
        texts = [q.text for q in members]
        main = max(texts, key=len)
        speaker = _group_speaker(members, people)
        result.append(
            QuoteGroup(
                text=main,
                speaker=speaker,
                sources=tuple(source_of(story, q) for q in members),
                variants=tuple(sorted(set(texts) - {main})),
                role=roles.get(speaker) if speaker else None,  # persons only: roles has no other key
            )
        )
    result.sort(key=lambda q: (-len({s.document for s in q.sources}), q.sources[0].document))
    return tuple(result)


def _two_people(story: PreparedStory, a: str, docs_a: set[int], b: str, docs_b: set[int]) -> bool:
    """Outlets that surely give one quotation to two different people: names that cannot be one
    person's, and no article of either side names the other person (when it does, the quote was
    more likely misread between two people of one article than misattributed by an outlet)."""
    if _maybe_one(a, b) or docs_a == docs_b:
        return False
    for person, docs in ((b, docs_a), (a, docs_b)):
        surname = re.compile(r"\b" + re.escape(person.split()[-1].replace("’", "'")) + r"\b")
        if any(surname.search(story.articles[d].text.replace("’", "'")) for d in docs):
            return False
    return True


def _attribution_conflicts(
    story: PreparedStory, quotes: list[_Quote], groups: list[list[int]], people: dict[str, str]
) -> tuple[Disagreement, ...]:
    """One quotation that different outlets give to two different named people, each on its own
    attribution (not inherited, not a pronoun, not a role or organisation); each claim is one
    person with every source giving them the quote. Precision first: anything less is not reported."""
    conflicts = []
    for group in groups:
        members = [quotes[i] for i in group]
        firm = [q for q in members if q.own and _person_of(q, people)]
        by_person: dict[str, list[_Quote]] = defaultdict(list)
        for q in firm:
            by_person[str(_person_of(q, people))].append(q)
        named = list(by_person)
        differ = any(
            _two_people(story, a, {q.document for q in by_person[a]}, b, {q.document for q in by_person[b]})
            for n, a in enumerate(named)
            for b in named[n + 1 :]
        )
        if not differ:
            continue
        claims = []
        for person in named:
            carriers = [q for q in members if _person_of(q, people) == person]
            claims.append(
                Claim(
                    value=person,
                    text=max((q.text for q in by_person[person]), key=len),
                    sources=tuple(source_of(story, q) for q in carriers),
                )
            )
        conflicts.append(Disagreement("attribution", max((q.text for q in firm), key=len)[:80], tuple(claims)))
    return tuple(conflicts)


# ---- number, date and name disagreements ---------------------------------------------------


def _disagreements(
    story: PreparedStory,
    cands: list[Sentence],
    similarity: sparse.csr_matrix,
    same_claim: float,
    windows: dict[str, ValueWindows],
) -> tuple[Disagreement, ...]:
    """Pairs of similar sentences of different articles whose one changed token is a value, or
    that tell one count in other words (`claims.count_changes`); the claims of one (kind, topic,
    values) are gathered, each value with all its sources. `windows` as in `_facts`."""
    if not similarity.nnz:  # no similar pair (one article's story): nothing to compare, no name index
        return ()
    names = NameIndex([a.text for a in story.articles])
    found: dict[tuple, tuple[DisagreementKind, str, dict[str, tuple[str, list[Source]]]]] = {}
    changes: dict[tuple[str, str], list[Change]] = {}
    counted: set[tuple] = set()  # the keys of counts told in other words (their topic: word, unit)
    entries = similarity.tocoo()
    keep = (entries.row < entries.col) & (entries.data >= same_claim)
    rows, cols = entries.row[keep], entries.col[keep]
    order = np.lexsort((cols, rows))

    for i, j in zip(rows[order].tolist(), cols[order].tolist()):
        a, b = cands[i], cands[j]
        if a.document == b.document or a.text == b.text:  # one text twice: the diff has no change
            continue
        if (a.text, b.text) not in changes:  # a big story's copies repeat sentences word for word
            # a value changed between the same words, else one count told in other words
            found_changes = differences(a.text, b.text, names, windows)
            if not found_changes:
                found_changes = count_changes(a.text, b.text)
                counted.update((c.kind, c.topic, frozenset((c.value_a, c.value_b))) for c in found_changes)
            # two rows of one table (several shares differ) are two things, not one told twice
            changes[(a.text, b.text)] = [] if found_changes and different_rows(a.text, b.text) else found_changes
        for change in changes[(a.text, b.text)]:
            if change.kind == "number" and _in_parts(story, a, b, change):
                continue  # one outlet counts the whole, the other a part and then the rest
            key = (change.kind, change.topic, frozenset((change.value_a, change.value_b)))
            claims = found.setdefault(key, (change.kind, change.topic, {}))[2]
            _add_to(claims, change.value_a, a.text, source_of(story, a))
            _add_to(claims, change.value_b, b.text, source_of(story, b))
    for key in counted & found.keys():
        _gather_counts(story, cands, found[key])
    return tuple(
        Disagreement(kind, topic, tuple(Claim(value, text, tuple(srcs)) for value, (text, srcs) in claims.items()))
        for kind, topic, claims in _merge_sides(list(found.values()))
    )


def _gather_counts(story: PreparedStory, cands: list[Sentence], entry: Entry) -> None:
    """Every other article's sentence stating one of a count's values, beside the same word, joins
    that value's sources ("14 injured" by four more outlets than the pair that disagreed): the
    reader sees how many report each value, not only the two sentences that were compared."""
    topic, claims = entry[1], entry[2]
    values = {value: count_beside(text, topic) for value, (text, _) in claims.items()}
    shown = {src.document for _, srcs in claims.values() for src in srcs}
    for s in cands:
        if s.document in shown:
            continue
        stated = count_beside(s.text, topic)
        value = next((v for v, n in values.items() if n is not None and n == stated), None)
        if value is not None:
            claims[value][1].append(source_of(story, s))
            shown.add(s.document)


# The article text after a sentence read for "N more" of what it counts (claims.counted_in_parts).
_AFTER_CHARS = 600


def _in_parts(story: PreparedStory, a: Sentence, b: Sentence, change: Change) -> bool:
    """Either article adds "N more" right after its count, making the other outlet's count."""

    def after(s: Sentence) -> str:
        return story.articles[s.document].text[s.end : s.end + _AFTER_CHARS]

    return counted_in_parts(a.text, after(a), change.value_a, change.value_b) or counted_in_parts(
        b.text, after(b), change.value_b, change.value_a
    )


Entry = tuple[DisagreementKind, str, dict[str, tuple[str, list[Source]]]]


def _merge_sides(entries: list[Entry]) -> list[Entry]:
    """One disagreement per claim, not per pair of values: entries of one kind in which the same
    sentence states the same value are one ("150" / "138" / "140 women released")."""
    parent = list(range(len(entries)))
    for i, (kind_i, _, claims_i) in enumerate(entries):
        for j in range(i + 1, len(entries)):
            kind_j, _, claims_j = entries[j]
            if kind_i == kind_j and any(
                set(claims_i[v][1]) & set(claims_j[v][1]) for v in claims_i.keys() & claims_j.keys()
            ):
                parent[find_root(parent, j)] = find_root(parent, i)
    merged: dict[int, Entry] = {}
    for i, (kind, topic, claims) in enumerate(entries):
        root = find_root(parent, i)
        if root not in merged:
            merged[root] = (kind, topic, {})
        for value, (text, sources) in claims.items():
            for source in sources:
                _add_to(merged[root][2], value, text, source)
    return list(merged.values())


def _add_to(claims: dict[str, tuple[str, list[Source]]], value: str, text: str, source: Source) -> None:
    """Add a source to the claim of `value` (the first sentence stating it gives its text)."""
    _, sources = claims.setdefault(value, (text, []))
    if source not in sources:
        sources.append(source)
