"""Compare sources: corroborated and single-source facts, quotes with speakers, disagreements."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from .attribute import source_of
from .model import Claim, Comparison, Disagreement, DisagreementKind, Fact, QuoteGroup, Sentence, Source
from .prepare import PreparedStory
from .quotes import canonical_speaker, find_quotes, is_person_name, same_person
from .textsim import SAME_CONTENT, words

__all__ = ["ComparisonSettings", "compare"]


@dataclass(frozen=True)
class ComparisonSettings:
    """Thresholds of the comparison; each was set by reading the seeds and the fulltext-dev pages."""

    # Facts: sentences of two articles state the same fact at this TF-IDF cosine (as in attribute).
    same_fact: float = SAME_CONTENT
    fact_min_words: int = 8
    # Disagreements compare only sentences this similar: the same fact told with one value changed.
    same_claim: float = 0.5
    # Quotes: merged across outlets when this share of the shorter one's word bigrams is in the other.
    quote_containment: float = 0.6
    quote_min_words: int = 2
    # ...or, for two quotes of one speaker, when this share of the shorter one's words is in the other.
    same_speaker_containment: float = 0.8


_CONTRACTIONS = [("n't", " not"), ("'re", " are"), ("'ll", " will"), ("'ve", " have"), ("'m", " am")]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_TOKEN = re.compile(r"[A-Za-z][\w'’.-]*[A-Za-z]|[A-Za-z]|\d[\d,.]*\d|\d")


def compare(story: PreparedStory, settings: ComparisonSettings | None = None) -> Comparison:
    """The comparison of a prepared story's sources."""
    settings = settings or ComparisonSettings()
    cands = [story.sentences[i] for i in story.candidates]
    similarity = story.views.similarity(story.candidates) if cands else np.zeros((0, 0))
    quotes = _story_quotes(story, settings.quote_min_words)
    groups = _group_quotes(quotes, settings)
    people = _people(quotes)
    return Comparison(
        facts=_facts(story, cands, similarity, settings),
        quotes=_quote_groups(story, quotes, groups, people),
        disagreements=_disagreements(story, cands, similarity, settings.same_claim)
        + _attribution_conflicts(story, quotes, groups, people),
        wire_copies=story.wire_copies,
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
    unassigned match of every other article (a star, so unrelated facts never chain)."""
    order = sorted(range(len(cands)), key=lambda i: (cands[i].position, cands[i].document))
    documents = np.array([s.document for s in cands])
    free = np.ones(len(cands), dtype=bool)
    facts = []
    for i in order:
        if not free[i] or cands[i].words < settings.fact_min_words:
            continue
        members = [i] + _best_per_document(similarity[i], documents, free, cands[i].document, settings.same_fact)
        free[members] = False
        origins = _origin_count(story, {cands[m].document for m in members})
        facts.append(
            Fact(
                text=cands[i].text,
                sources=tuple(source_of(story, cands[m]) for m in members),
                origins=origins,
                status="corroborated" if origins >= 2 else "single-source",
            )
        )
    facts.sort(key=lambda f: -f.origins)
    return tuple(facts)


def _best_per_document(
    row: np.ndarray, documents: np.ndarray, free: np.ndarray, own: int, threshold: float
) -> list[int]:
    chosen = []
    for doc in np.unique(documents):
        if doc == own:
            continue
        scores = np.where((documents == doc) & free, row, -1.0)
        best = int(scores.argmax())
        if scores[best] >= threshold:
            chosen.append(best)
    return chosen


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
class _Quote:
    """A quotation of one article as `quotes.find_quotes` finds it, with how its speaker was found."""

    document: int
    start: int
    end: int
    text: str
    speaker: str | None
    role: str | None
    person: bool  # the speaker is a named person (not a role, an organisation or nobody)
    own: bool  # the quote's own attribution: not inherited, not a pronoun, not "X's aide" / "aide to X"


def _story_quotes(story: PreparedStory, min_words: int) -> list[_Quote]:
    """Every direct quotation of every article (newsfuse.quotes over its cleaned blocks)."""
    found = []
    for doc, article in enumerate(story.articles):
        text = article.text
        for q in find_quotes(text, [(b.start, b.end) for b in story.blocks[doc]]):
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


def _bigrams(text: str) -> set[tuple[str, str]]:
    tokens = words(text)
    return set(zip(tokens, tokens[1:])) or {(t, "") for t in tokens}


def _expand_contractions(text: str) -> str:
    text = text.replace("’", "'")
    for short, full in _CONTRACTIONS:
        text = text.replace(short, full)
    return text


def _overlap(a: set, b: set) -> float:
    shorter = min(len(a), len(b))
    return len(a & b) / shorter if shorter else 0.0


def _group_quotes(quotes: list[_Quote], settings: ComparisonSettings) -> list[list[int]]:
    """Quotes of one quotation as several outlets give it (variants, partial and split quotes):
    most of the shorter one's word bigrams in the other, or most of its words for two quotes of
    one person ("We're" / "We are"). Groups join most similar pairs first, and never so that a
    group holds quotes of two different people, except one long quotation that two outlets give
    to two different named people on their own attribution (an attribution disagreement)."""
    grams = [_bigrams(q.text) for q in quotes]
    unigrams = [set(words(_expand_contractions(q.text))) for q in quotes]
    sizes = [len(words(q.text)) for q in quotes]
    pairs = []
    for i in range(len(quotes)):
        for j in range(i + 1, len(quotes)):
            share = _overlap(grams[i], grams[j])
            if share >= settings.quote_containment or (
                _one_person(quotes[i], quotes[j])
                and _overlap(unigrams[i], unigrams[j]) >= settings.same_speaker_containment
            ):
                pairs.append((-share, i, j))
    group_of = list(range(len(quotes)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(quotes))}
    for _, i, j in sorted(pairs):
        gi, gj = group_of[i], group_of[j]
        if gi == gj or not all(
            _may_share_group(quotes[a], quotes[b], _overlap(grams[a], grams[b]), min(sizes[a], sizes[b]))
            for a in members[gi]
            for b in members[gj]
        ):
            continue
        for k in members[gj]:
            group_of[k] = gi
        members[gi] += members.pop(gj)
    return [sorted(g, key=lambda i: (quotes[i].document, quotes[i].start)) for g in members.values()]


def _one_person(a: _Quote, b: _Quote) -> bool:
    return bool(a.speaker and b.speaker and a.speaker.lower() == b.speaker.lower()) or (
        a.person and b.person and _one_name(str(a.speaker), str(b.speaker))
    )


def _one_name(a: str, b: str) -> bool:
    """Two forms of one person's name: `same_person` (apostrophes alike), or the longer ends with
    all of the shorter ("Screenwriter Aaron Sorkin", "Cheryl Boone Isaacs")."""
    a, b = a.replace("’", "'"), b.replace("’", "'")
    if same_person(a, b):
        return True
    short, full = sorted((a.lower().split(), b.lower().split()), key=len)
    return len(short) >= 2 and full[-len(short) :] == short


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
    for name in names:
        fits = [p for p in people if all(_one_name(name, other) for other in p)]
        if len(fits) == 1:
            fits[0].append(name)
        elif not fits:
            people.append([name])
    counts = Counter(str(q.speaker) for q in quotes if q.person)
    canonical: dict[str, str] = {}
    for person in people:
        one = canonical_speaker([n for n in person for _ in range(counts[n])])
        canonical.update({n: str(one) for n in person})
    return canonical


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
                sources=tuple(_source(story, q.document, q.start, q.end) for q in members),
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
                    sources=tuple(_source(story, q.document, q.start, q.end) for q in carriers),
                )
            )
        conflicts.append(Disagreement("attribution", max((q.text for q in firm), key=len)[:80], tuple(claims)))
    return tuple(conflicts)


# ---- number, date and name disagreements ---------------------------------------------------


def _disagreements(
    story: PreparedStory, cands: list[Sentence], similarity: np.ndarray, same_claim: float
) -> tuple[Disagreement, ...]:
    """Pairs of similar sentences of different articles whose one changed token is a value; the
    claims of one (kind, topic, values) are gathered, each value with all its sources."""
    found: dict[tuple, tuple[DisagreementKind, str, dict[str, tuple[str, list[Source]]]]] = {}
    pairs = np.argwhere(np.triu(similarity >= same_claim, k=1))
    for i, j in pairs:
        a, b = cands[i], cands[j]
        if a.document == b.document:
            continue
        for kind, topic, value_a, value_b in _differences(a.text, b.text):
            key = (kind, topic, frozenset((value_a, value_b)))
            claims = found.setdefault(key, (kind, topic, {}))[2]
            _add_claim(claims, value_a, a, source_of(story, a))
            _add_claim(claims, value_b, b, source_of(story, b))
    return tuple(
        Disagreement(kind, topic, tuple(Claim(value, text, tuple(srcs)) for value, (text, srcs) in claims.items()))
        for kind, topic, claims in found.values()
    )


def _add_claim(claims: dict[str, tuple[str, list[Source]]], value: str, sentence: Sentence, source: Source) -> None:
    """Add a source to the claim of `value` (the first sentence stating it gives its text)."""
    _, sources = claims.setdefault(value, (sentence.text, []))
    if source not in sources:
        sources.append(source)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.replace("’", "'"))


def _differences(a: str, b: str) -> list[tuple[DisagreementKind, str, str, str]]:
    """(kind, topic, value in a, value in b) for each value that differs in two tellings of one
    fact: the tokens around it match, only the value changed."""
    from difflib import SequenceMatcher

    ta, tb = _tokens(a), _tokens(b)
    la, lb = [t.lower() for t in ta], [t.lower() for t in tb]
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if op != "replace" or i2 - i1 > 2 or j2 - j1 > 2:
            continue
        if not _anchored(la, lb, i1, i2, j1, j2):
            continue
        kind = _kind_of_change(ta[i1:i2], tb[j1:j2])
        if kind:
            topic = " ".join(la[max(0, i1 - 3) : i1] + ["…"] + la[i2 : i2 + 3])
            out.append((kind, topic, " ".join(ta[i1:i2]), " ".join(tb[j1:j2])))
    return out


def _anchored(la: list[str], lb: list[str], i1: int, i2: int, j1: int, j2: int) -> bool:
    """The words around the change are the same in both sentences: two on each side, where
    the change sits inside the sentence; three on the one side, where it opens or ends it."""
    before = la[max(0, i1 - 2) : i1] == lb[max(0, j1 - 2) : j1]
    after = la[i2 : i2 + 2] == lb[j2 : j2 + 2]
    if not (before and after):
        return False
    if i1 == 0 or j1 == 0:
        return i1 == j1 == 0 and len(la[i2 : i2 + 3]) == 3 and la[i2 : i2 + 3] == lb[j2 : j2 + 3]
    if i2 == len(la) or j2 == len(lb):
        return i2 == len(la) and j2 == len(lb) and i1 >= 3 and la[i1 - 3 : i1] == lb[j1 - 3 : j1]
    return True


def _kind_of_change(a: list[str], b: list[str]) -> DisagreementKind | None:
    a, b = [_unpossessive(t) for t in a], [_unpossessive(t) for t in b]
    if len(a) == len(b) == 1 and _number(a[0]) is not None and _number(b[0]) is not None:
        na, nb = _number(a[0]), _number(b[0])
        return "number" if na != nb and not (_is_year(a[0]) or _is_year(b[0])) else None
    if len(a) == len(b) == 1 and a[0].lower() in _WEEKDAYS and b[0].lower() in _WEEKDAYS:
        return "date"
    if all(t[:1].isupper() and not _is_acronym(t) for t in a + b) and not _same_name(a, b):
        return "name"
    return None


def _unpossessive(token: str) -> str:
    return token[:-2] if token.lower().endswith("'s") else token


def _number(token: str) -> float | None:
    if token.lower() in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[token.lower()])
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def _is_acronym(token: str) -> bool:
    return "." in token or token.isupper()


def _is_year(token: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", token))


def _same_name(a: list[str], b: list[str]) -> bool:
    """Spelling variants of one name ("Ash"/"Ashton", "Russia"/"Russian Federation"),
    weekdays, months and sentence-initial words are not a name disagreement."""
    months = {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
    la, lb = [t.lower() for t in a], [t.lower() for t in b]
    if any(t in _WEEKDAYS or t in months or t in _NUMBER_WORDS for t in la + lb):
        return True
    return any(x[:4] == y[:4] for x in la for y in lb)
