"""Compare sources: corroborated and single-source facts, quotes with speakers, disagreements."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from .attribute import source_of
from .claims import NameIndex, differences, support
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
)
from .prepare import PreparedStory
from .syndicate import find_root
from .textsim import words

__all__ = ["ComparisonSettings", "compare", "find_quotes", "Quote"]


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
    # 0.86 at pair precision 0.93 / 0.93 / 0.92 / 0.90; 0.15 keeps the margin over 0.9.
    same_lead: float = 0.15
    lead_sentences: int = 2
    fact_min_words: int = 8
    # Disagreements compare only sentences this similar: the same fact told with one value changed.
    same_claim: float = 0.5
    # Quotes: merged across outlets when this share of the shorter one's word bigrams is in the other.
    quote_containment: float = 0.6
    quote_min_words: int = 2
    # ...or, for two quotes of one speaker, when this share of the shorter one's words is in the other.
    same_speaker_containment: float = 0.8


_CONTRACTIONS = [("n't", " not"), ("'re", " are"), ("'ll", " will"), ("'ve", " have"), ("'m", " am")]

_SAY = (
    r"(?:said|says|say|told|tells|added|adds|asked|warned|explained|wrote|declared|stated|insisted|noted|"
    r"argued|recalled|described|called|tweeted|according to)"
)
_NAME = r"(?:[A-Z][\w.'’-]+(?:\s+(?:al|bin|de|van|von|der|la)?\s*[A-Z][\w.'’-]+){0,4})"
_ROLE = r"(?:(?:[Tt]he|[Aa]n?)\s+(?:[\w-]+\s+){0,3}(?:official|officials|spokesman|spokeswoman|spokesperson|minister|secretary|source|sources|statement|police|ministry|president|mayor|chief))"
_PRONOUN = r"(?:he|she|He|She)"
_SPEAKER = rf"(?P<who>{_NAME}|{_ROLE}|{_PRONOUN})"
_AFTER = re.compile(
    rf"^[\s,;:—–-]*(?:{_SPEAKER}\s+(?:{_SAY}|also {_SAY})\b|{_SAY}\s+{_SPEAKER.replace('who', 'who2')})"
)
_BEFORE = re.compile(rf"{_SPEAKER}\s+(?:{_SAY}|also {_SAY})(?:\s+[\w ]{{0,30}})?[,:?]?\s*$")
# "Khoja, the head of the coalition, stated that": the name, not the organisation, is the speaker.
_APPOSITIVE = re.compile(rf"(?P<who>{_NAME}),\s+(?:the|a|an)\s+[^,\"“”]{{1,60}}?,?\s+(?:also\s+)?{_SAY}\b")
# Indirect speech earlier in the sentence: "Dujarric said the situation was “fraught with danger”".
_SPEECH = re.compile(rf"{_SPEAKER}\s+(?:also\s+|had\s+|has\s+)?{_SAY}\b")
_SENTENCE_START = re.compile(r"[.!?][\"”’]?\s+(?=[A-Z\"“])")
_CITED = re.compile(rf"cited\s+(?P<who>{_NAME})\s+as\s+saying")
_QUOTE = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»")


@dataclass
class Quote:  # mutable: speakers are resolved after the paragraph's quotes are found
    """A direct quotation in one article, with its speaker when the attribution names one."""

    document: int
    start: int
    end: int
    text: str
    speaker: str | None
    inherited: bool  # speaker taken from the previous quote, not from an attribution of its own


def compare(story: PreparedStory, settings: ComparisonSettings | None = None) -> Comparison:
    """The comparison of a prepared story's sources."""
    settings = settings or ComparisonSettings()
    cands = [story.sentences[i] for i in story.candidates]
    similarity = story.views.similarity(story.candidates) if cands else np.zeros((0, 0))
    quotes = find_quotes(story, settings.quote_min_words)
    groups = _group_quotes(quotes, settings)
    return Comparison(
        facts=_facts(story, cands, similarity, settings),
        quotes=_quote_groups(story, quotes, groups),
        disagreements=_disagreements(story, cands, similarity, settings.same_claim)
        + _attribution_conflicts(story, quotes, groups),
        wire_copies=story.wire_copies,
        outlets=tuple(
            Outlet(doc, a.outlet, a.outlet_how, a.agency, story.origin_of(doc)) for doc, a in enumerate(story.articles)
        ),
    )


def _source(story: PreparedStory, document: int, start: int, end: int) -> Source:
    return Source(document, start, end, story.articles[document].outlet)


def _origin_count(story: PreparedStory, documents: set[int]) -> int:
    return len({story.origin_of(d) for d in documents})


# ---- facts ---------------------------------------------------------------------------------


def _facts(
    story: PreparedStory, cands: list[Sentence], similarity: np.ndarray, settings: ComparisonSettings
) -> tuple[Fact, ...]:
    """Group sentences stating one fact: each unassigned sentence, in lead order, takes the best
    unassigned match of every other article (a star, so unrelated facts never chain). A match that
    contradicts it (a value differs, a negation) stays out; one stating part of it is partial."""
    order = sorted(range(len(cands)), key=lambda i: (cands[i].position, cands[i].document))
    documents = np.array([s.document for s in cands])
    leads = np.array([s.position < settings.lead_sentences for s in cands])
    free = np.ones(len(cands), dtype=bool)
    facts = []
    for i in order:
        if not free[i] or cands[i].words < settings.fact_min_words:
            continue
        threshold = np.where(leads & leads[i], settings.same_lead, settings.same_fact)
        matches = _best_per_document(similarity[i], documents, free, cands[i].document, threshold)
        judged = [(m, support(cands[i].text, cands[m].text, numbers_required=False)) for m in matches]
        full = [i] + [m for m, how in judged if how == "full"]
        partial = [m for m, how in judged if how == "partial"]
        free[full + partial] = False
        facts.append(_fact(story, cands[i].text, [cands[m] for m in full], [cands[m] for m in partial]))
    facts.sort(key=lambda f: -f.origins)
    return tuple(facts)


def _fact(story: PreparedStory, text: str, full: list[Sentence], partial: list[Sentence]) -> Fact:
    origins = _origin_count(story, {s.document for s in full})
    status: FactStatus = "corroborated" if origins >= 2 else "partial" if partial else "single"
    return Fact(
        text=text,
        sources=tuple(source_of(story, s) for s in full),
        origins=origins,
        status=status,
        partial=tuple(source_of(story, s) for s in partial),
    )


def _best_per_document(
    row: np.ndarray, documents: np.ndarray, free: np.ndarray, own: int, threshold: float | np.ndarray
) -> list[int]:
    """The best free match of each other article whose cosine reaches its threshold."""
    chosen = []
    passes = row >= threshold
    for doc in np.unique(documents):
        if doc == own:
            continue
        scores = np.where((documents == doc) & free & passes, row, -1.0)
        best = int(scores.argmax())
        if scores[best] >= 0:
            chosen.append(best)
    return chosen


# ---- quotes --------------------------------------------------------------------------------


def find_quotes(story: PreparedStory, min_words: int = ComparisonSettings.quote_min_words) -> list[Quote]:
    """Every direct quotation of every article, with its speaker where the text says who."""
    quotes: list[Quote] = []
    for doc, article in enumerate(story.articles):
        last_speaker: str | None = None
        for block in story.blocks[doc]:
            found = _quotes_in_paragraph(article.text, block.start, block.end, doc, last_speaker, min_words)
            quotes += found
            named = [q.speaker for q in found if q.speaker and not _is_pronoun(q.speaker)]
            prose = _prose_speaker(article.text[block.start : block.end])
            last_speaker = named[-1] if named else (prose or last_speaker)
    return quotes


def _quotes_in_paragraph(
    text: str, start: int, end: int, doc: int, previous: str | None, min_words: int
) -> list[Quote]:
    paragraph = text[start:end]
    found: list[Quote] = []
    for m in _QUOTE.finditer(paragraph):
        inner = next(g for g in m.groups() if g is not None)
        if len(inner.split()) < min_words:
            continue
        speaker = _attribution(paragraph[m.end() :], paragraph[: m.start()])
        found.append(Quote(doc, start + m.start(), start + m.end(), inner.strip(" ,"), speaker, False))
    opens_with_quote = paragraph.lstrip()[:1] in '"“«'
    return _resolve_speakers(found, previous, continues=opens_with_quote)


def _attribution(after: str, before: str) -> str | None:
    return _plausible_speaker(_attribution_phrase(after, before))


# Capitalized words that open a clause but name nobody ("On Wednesday, officials said").
_NOT_NAMES = frozenset(
    "on in at the but and when last this that it they we i as after before "
    "while if so then also monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november "
    "december".split()
)


def _plausible_speaker(who: str | None) -> str | None:
    """The speaker phrase with leading non-name words dropped; None when nothing is left."""
    if who is None:
        return None
    tokens = who.split()
    while tokens and tokens[0].lower().strip(",") in _NOT_NAMES and tokens[0][:1].isupper():
        tokens = tokens[1:]
    return " ".join(tokens) or None


def _attribution_phrase(after: str, before: str) -> str | None:
    m = _AFTER.match(after[:120]) or _CITED.search(after[:160])
    if m:
        return (m.groupdict().get("who") or m.groupdict().get("who2") or "").rstrip(".,;:") or None
    sentence = _SENTENCE_START.split(before)[-1]
    m = (
        _APPOSITIVE.search(sentence)
        or _BEFORE.search(sentence[-120:])
        or _CITED.search(sentence)
        or _last(_SPEECH.finditer(sentence))
    )
    return m.group("who").rstrip(".,;:") if m else None


def _last(matches):
    found = None
    for match in matches:
        found = match
    return found


def _resolve_speakers(found: list[Quote], previous: str | None, continues: bool) -> list[Quote]:
    """A pronoun takes the last named speaker; a quote with no attribution takes the speaker of
    an earlier quote in its paragraph, or the previous paragraph's when this one opens with a
    quotation (the news convention for a quote running on)."""
    last_named, last_quoted = previous, previous if continues else None
    for q in found:
        if q.speaker and not _is_pronoun(q.speaker):
            last_named = last_quoted = q.speaker
        elif q.speaker:  # a pronoun
            q.speaker, q.inherited = last_named, True
        elif last_quoted is not None:
            q.speaker, q.inherited = last_quoted, True
    return found


def _is_pronoun(speaker: str) -> bool:
    return speaker.lower() in ("he", "she")


def _prose_speaker(paragraph: str) -> str | None:
    """The last person a paragraph reports as speaking ("Medlin said it was hard..."), who is
    who "he said" means in the next paragraph's quote."""
    names = [
        m.group("who")
        for m in _SPEECH.finditer(paragraph)
        if m.group("who")[:1].isupper() and not _is_pronoun(m.group("who"))
    ]
    return names[-1].rstrip(".,;:") if names else None


def _speaker_key(speaker: str | None) -> str | None:
    if not speaker:
        return None
    tokens = speaker.split()
    return tokens[-1].lower().strip(".,'’") if speaker[:1].isupper() else " ".join(tokens[-1:]).lower()


def _bigrams(text: str) -> set[tuple[str, str]]:
    tokens = words(text)
    return set(zip(tokens, tokens[1:])) or {(t, "") for t in tokens}


def _quote_groups(story: PreparedStory, quotes: list[Quote], groups: list[list[int]]) -> tuple[QuoteGroup, ...]:
    result = []
    for members in groups:
        texts = [quotes[i].text for i in members]
        main = max(texts, key=len)
        result.append(
            QuoteGroup(
                text=main,
                speaker=_group_speaker([quotes[i] for i in members]),
                sources=tuple(_source(story, quotes[i].document, quotes[i].start, quotes[i].end) for i in members),
                variants=tuple(sorted(set(texts) - {main})),
            )
        )
    result.sort(key=lambda q: (-len({s.document for s in q.sources}), q.sources[0].document))
    return tuple(result)


def _group_quotes(quotes: list[Quote], settings: ComparisonSettings) -> list[list[int]]:
    """Union of quotes whose word bigrams mostly overlap (variants, partial and split quotes)."""
    grams = [_bigrams(q.text) for q in quotes]
    unigrams = [set(words(_expand_contractions(q.text))) for q in quotes]
    keys = [_speaker_key(q.speaker) for q in quotes]
    parent = list(range(len(quotes)))
    for i in range(len(quotes)):
        for j in range(i + 1, len(quotes)):
            if _overlap(grams[i], grams[j]) >= settings.quote_containment or (
                keys[i]
                and keys[i] == keys[j]
                and _overlap(unigrams[i], unigrams[j]) >= settings.same_speaker_containment
            ):  # the same speaker's words, contracted or reworded ("We're" / "We are")
                parent[find_root(parent, i)] = find_root(parent, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(quotes)):
        groups[find_root(parent, i)].append(i)
    return [sorted(g, key=lambda i: (quotes[i].document, quotes[i].start)) for g in groups.values()]


def _expand_contractions(text: str) -> str:
    text = text.replace("’", "'")
    for short, full in _CONTRACTIONS:
        text = text.replace(short, full)
    return text


def _overlap(a: set, b: set) -> float:
    shorter = min(len(a), len(b))
    return len(a & b) / shorter if shorter else 0.0


def _group_speaker(members: list[Quote]) -> str | None:
    """The most cited speaker, shown by the fullest form of the name any outlet gives."""
    keys = Counter(_speaker_key(q.speaker) for q in members if q.speaker)
    if not keys:
        return None
    key = keys.most_common(1)[0][0]
    names = [q.speaker for q in members if q.speaker and _speaker_key(q.speaker) == key]
    return max(names, key=len)


def _attribution_conflicts(
    story: PreparedStory, quotes: list[Quote], groups: list[list[int]]
) -> tuple[Disagreement, ...]:
    """One quote put in two different named speakers' mouths by different outlets."""
    conflicts = []
    for members in groups:
        own = [
            quotes[i]
            for i in members
            if quotes[i].speaker and not quotes[i].inherited and str(quotes[i].speaker)[:1].isupper()
        ]
        by_key: dict[str | None, list[Quote]] = defaultdict(list)
        for q in own:
            by_key[_speaker_key(q.speaker)].append(q)
        if len(by_key) >= 2 and len({q.document for q in own}) >= 2:
            claims = tuple(
                Claim(
                    value=max((str(q.speaker) for q in qs), key=len),
                    text=qs[0].text,
                    sources=tuple(_source(story, q.document, q.start, q.end) for q in qs),
                )
                for qs in by_key.values()
            )
            conflicts.append(Disagreement("attribution", max((q.text for q in own), key=len)[:80], claims))
    return tuple(conflicts)


# ---- number, date and name disagreements ---------------------------------------------------


def _disagreements(
    story: PreparedStory, cands: list[Sentence], similarity: np.ndarray, same_claim: float
) -> tuple[Disagreement, ...]:
    """Pairs of similar sentences of different articles whose one changed token is a value; the
    claims of one (kind, topic, values) are gathered, each value with all its sources."""
    names = NameIndex([a.text for a in story.articles])
    found: dict[tuple, tuple[DisagreementKind, str, dict[str, tuple[str, list[Source]]]]] = {}
    pairs = np.argwhere(np.triu(similarity >= same_claim, k=1))
    for i, j in pairs:
        a, b = cands[i], cands[j]
        if a.document == b.document:
            continue
        for change in differences(a.text, b.text, names):
            key = (change.kind, change.topic, frozenset((change.value_a, change.value_b)))
            claims = found.setdefault(key, (change.kind, change.topic, {}))[2]
            _add_claim(claims, change.value_a, a, source_of(story, a))
            _add_claim(claims, change.value_b, b, source_of(story, b))
    return tuple(
        Disagreement(kind, topic, tuple(Claim(value, text, tuple(srcs)) for value, (text, srcs) in claims.items()))
        for kind, topic, claims in _merge_sides(list(found.values()))
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
    _, sources = claims.setdefault(value, (text, []))
    if source not in sources:
        sources.append(source)


def _add_claim(claims: dict[str, tuple[str, list[Source]]], value: str, sentence: Sentence, source: Source) -> None:
    """Add a source to the claim of `value` (the first sentence stating it gives its text)."""
    _add_to(claims, value, sentence.text, source)
