"""News order: any selector's sentences as a report reads (main news first, referents before pronouns, whole quotes, the agency's own text)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..attribute import AttributionSettings, attribute
from ..claims import support
from ..model import Sentence, Span, SummarySentence
from ..prepare import PreparedStory
from ..textsim import SAME_CONTENT, SAME_NEWS, quote_marks
from ._base import BUDGET_SLACK, MAX_WORDS, MIN_WORDS, pack

__all__ = ["OrderSettings", "arrange", "unbalanced_quotes", "needs_referent", "predecessor", "original_of"]

# Words that point back at an earlier sentence when they open one: pronouns and connectives. "We",
# "I" and "you" are left out (inside a quotation they are the speaker, named in the sentence), and
# "although"/"though" open a complete thought.
OPENERS = frozenset(
    "he she it its it's they them their his her him this that these those such "
    "however but also and yet still meanwhile moreover furthermore besides nevertheless nonetheless "
    "instead thus therefore hence so then otherwise likewise similarly additionally consequently "
    "indeed".split()
)
# "This week", "that day": a time, not a reference back.
_TIME_WORDS = frozenset(
    "week weekend month year morning afternoon evening night time summer winter spring fall".split()
)
_FIRST_WORDS_RE = re.compile(r"[\W_]*([^\W\d_]+(?:['’][^\W\d_]+)?)\W*([^\W\d_]*)")
# A sentence that is one quotation and nothing more: its speaker is named in the sentence before.
_BARE_QUOTE_RE = re.compile(r"\s*(?:\"|``|“|„|«)[^\"“”„«»]+(?:\"|''|”|»)[\s.,;:!?]*")
Rank = Callable[[int], Sequence[Sentence]]


@dataclass(frozen=True)
class OrderSettings:
    """How the chosen sentences are arranged and which may stand in the summary. Measured with
    `bench/bench_order.py` (docs/benchmarks.md, "News order"): each rule alone, bringing against
    dropping a referent, and the lede weight, margin and quote discount compared on fulltext-dev and
    100 validation clusters; the positions, pool and lede cap are rules of thumb, as said beside them."""

    # False: the selector's sentences as they come (the order of earlier versions).
    enabled: bool = True
    # Each rule on its own (the ablation in docs/benchmarks.md): the best-corroborated news first;
    # no sentence with a half quote; a pointing-back opener, or a bare quotation, only after its
    # referent (the sentence before it in its article; rerank keeps to openers: bare quotes there
    # cost fulltext-dev rouge1/2 0.22/0.24, validation 300 0.01/0.04).
    lede: bool = True
    whole_quotes: bool = True
    referents: bool = True
    # A pointing-back sentence whose referent the selector did not choose brings it in (displacing
    # the selector's last choices); False drops the sentence instead (0.7 rouge1 worse on full text).
    bring_referents: bool = True
    # A sentence among each article's first `lede_positions` counts as a lede; a lede's corroboration
    # (independent origins stating it) gets `lede_weight` on top, so between two sentences told by
    # as many origins the lede opens, and one more origin outweighs being a lede (weight 1 took the
    # first sentence that most origins state from 95.9% to 85.7% on fulltext-dev; 0 within noise).
    # Two positions, not one: a web article's first sentence is often a standfirst, the lede second.
    lede_positions: int = 2
    lede_weight: float = 0.5
    # A sentence that opens with a quotation is a speaker's words, not the news: as if one origin less.
    quote_penalty: float = 1.0
    # The news first: the lede whose news the most independent origins' ledes tell (stating it in
    # full, or their own ledes telling it in other words: attribution's `retold`, at the comparison's
    # lede cosine) opens when at least `min_news_origins` do; between equals a first sentence, an
    # agency's or wire original's, the most stating it in full. Else, or with False, the
    # corroboration rule above (the order before). A body detail every outlet repeats is not what
    # they lead with (the README's example). bench_order.py --first, against the reference's first
    # sentence (rouge2 recall, 50 fulltext-dev / 200 validation clusters): 6.95 / 8.13 before, 8.62
    # / 9.14 with it; 3+ origins: 7.53 / 8.93.
    news_first: bool = True
    min_news_origins: int = 2
    # A lede the selector did not choose opens only when more origins tell its news than any chosen
    # lede's by more than this. 0.5 (a chosen lede wins ties) or 1.5 kept the whole summary's ROUGE
    # closer (1.5 without `swap`: rouge1 -0.03 / -0.12, against -0.09 / -0.21 here) but the first
    # sentence worse (8.01 / 9.00), and on the seeds kept TRT's "probably" lede first over AFP's
    # "will not cooperate" (each told by 4 origins' ledes; the selector chose TRT's).
    news_insert_margin: float = 0.0
    # An unchosen lede that opens takes the place of the chosen lede closest to it that retells its
    # news (the selector chose that news; this is its best-told version), before the last choices go:
    # rouge1 -0.09 / -0.21 against -0.25 / -0.26 when the last choices go.
    swap: bool = True
    # Every lede retelling the opening news leaves (the same news twice), refilled from the
    # selector: rouge1 -0.11 / -0.69, so off.
    drop_retold: bool = False
    # An article's lede the selector did not choose opens the summary when its score beats every
    # chosen sentence's by more than this (it then displaces the selector's last choices).
    insert_margin: float = 0.0
    # Prefer an agency's own text (an article carrying agency copy, `Article.agency`) over another
    # outlet's telling of the same content, as a wire copy's original is preferred to the copy.
    agencies: bool = True
    # Cosine at which a sentence repeats another (the attribution threshold, textsim.SAME_CONTENT).
    same_content: float = SAME_CONTENT
    # When sentences had to go, the selector is asked for this many times the budget to refill
    # (not tuned: twice leaves more than enough after the few sentences that go).
    pool_factor: float = 2.0
    # Past this many ledes (a big story: 20+ articles) only those most other ledes echo are weighed,
    # so the attribution of the ledes stays small; above every benchmark story (10 articles at most).
    max_ledes: int = 40


def unbalanced_quotes(text: str) -> bool:
    """True when the text opens a quotation it does not close, or closes one it did not open: an odd
    number of double quotation marks (straight, curly or guillemets, and tokenized text's `` and '',
    which mix: “...", "...'')."""
    return quote_marks(text) % 2 == 1


def needs_referent(text: str) -> bool:
    """True when the sentence opens with a pronoun or a connective that points at an earlier sentence."""
    match = _FIRST_WORDS_RE.match(text)
    if match is None:
        return False
    first = match.group(1).lower().replace("’", "'")
    if first not in OPENERS:  # most sentences: the second word is not read
        return False
    return not (first in ("this", "that", "these", "those") and match.group(2).lower() in _TIME_WORDS)


def _points_back(text: str) -> bool:
    """True when the sentence leans on the one before it: a pointing-back opener, or a bare quotation
    whose speaker only that sentence names (left alone, the reader cannot tell who said it)."""
    return needs_referent(text) or _BARE_QUOTE_RE.fullmatch(text) is not None


def predecessor(story: PreparedStory, sentence: Sentence) -> Sentence | None:
    """The body sentence just before this one in its article (None for the first)."""
    row = story.row_of[(sentence.document, sentence.start)]
    if sentence.position == 0 or row == 0:
        return None
    before = story.sentences[row - 1]
    return before if before.document == sentence.document else None


def original_of(
    story: PreparedStory, sentence: Sentence, threshold: float = SAME_CONTENT, agencies: bool = True
) -> Sentence:
    """The agency's own sentence for one another article tells: the sentence of the wire original
    (when its article is a copy) or, with `agencies`, of an article carrying agency copy, that
    states it in full (TF-IDF cosine >= `threshold` and `claims.support`); else the sentence itself."""
    for document in _originals(story, sentence.document, agencies):
        rows = story.document_rows[document]
        if len(rows) == 0:
            continue
        own = story.row_of[(sentence.document, sentence.start)]
        cosines = story.views.cosines(rows, [own]).ravel()
        best = story.sentences[int(rows[int(np.argmax(cosines))])]
        if cosines.max() >= threshold and support(sentence.text, best.text) == "full":
            return best
    return sentence


def _originals(story: PreparedStory, document: int, agencies: bool) -> list[int]:
    """The articles whose text is preferred to this one's: its wire original, then agency copy."""
    found = [w.original for w in story.wire_copies if document in w.copies]
    if agencies and story.articles[document].agency is None:
        found += [d for d, a in enumerate(story.articles) if a.agency is not None and d not in found]
    return [d for d in found if d != document]


def arrange(
    story: PreparedStory,
    chosen: Sequence[Sentence],
    budget: int,
    more: Rank | None = None,
    settings: OrderSettings | None = None,
) -> list[Sentence]:
    """The selector's sentences as the summary: originals for wire copies, no half quote and no
    pronoun without its referent (refilled from `more(words)`, the selector at a larger budget),
    the story's main news first, and each sentence that points back placed after its referent."""
    settings = settings or OrderSettings()
    if not settings.enabled or not chosen:
        return list(chosen)
    kept = _distinct([original_of(story, s, settings.same_content, settings.agencies) for s in chosen])
    kept = [s for s in kept if not (settings.whole_quotes and unbalanced_quotes(s.text))]
    grown = _with_referents(story, kept, settings)
    brought = len(grown) > len(kept)
    kept = _allowed(story, grown, settings)
    dropped = set(chosen) - set(kept)
    kept, inserted, retold = _lede_first(story, kept, settings)
    dropped |= retold
    if inserted or brought:  # referents or the lede displace the selector's last choices
        kept = _allowed(story, _packed(kept, budget), settings)  # a referent left out strands its sentence
    short = sum(s.words for s in kept) < budget - BUDGET_SLACK
    if more is not None and short and not set(chosen) <= set(kept):
        kept = _refilled(story, kept, dropped, budget, more, settings)
    return _referents_first(story, kept) if settings.referents else kept


def _with_referents(story: PreparedStory, sentences: Sequence[Sentence], settings: OrderSettings) -> list[Sentence]:
    """The sentences, each pointing-back one preceded by its referent when the summary lacks it
    and the referent can stand (a whole quote, itself pointing nowhere or at a sentence present)."""
    if not (settings.referents and settings.bring_referents):
        return list(sentences)
    out: list[Sentence] = []
    present = set(sentences)
    for s in sentences:
        before = predecessor(story, s) if _points_back(s.text) else None
        if before is not None and before not in present and _stands(story, before, present):
            out.append(before)
            present.add(before)
        out.append(s)
    return out


def _stands(story: PreparedStory, sentence: Sentence, present: set[Sentence]) -> bool:
    """True when the sentence can stand in the summary as it is (whole quotes, its referent present)."""
    if unbalanced_quotes(sentence.text):
        return False
    return not _points_back(sentence.text) or predecessor(story, sentence) in present


def _distinct(sentences: Sequence[Sentence]) -> list[Sentence]:
    seen: set[Sentence] = set()
    return [s for s in sentences if not (s in seen or seen.add(s))]  # type: ignore[func-returns-value]


def _allowed(
    story: PreparedStory, sentences: Sequence[Sentence], settings: OrderSettings, given: Sequence[Sentence] = ()
) -> list[Sentence]:
    """The sentences that may stand: whole quotes, and a pointing-back opener only with its
    referent in the summary (among `given` or these; dropping one can strand the next, so repeat)."""
    kept = [s for s in sentences if not (settings.whole_quotes and unbalanced_quotes(s.text))]
    while settings.referents:
        present = set(kept) | set(given)
        stay = [s for s in kept if not _points_back(s.text) or predecessor(story, s) in present]
        if len(stay) == len(kept):
            return stay
        kept = stay
    return kept


def _corroboration(story: PreparedStory, sentences: Sequence[Sentence], settings: OrderSettings) -> list[float]:
    """Each sentence's claim to open the summary: its independent origins, ledes weighted, quotes discounted."""
    attributed = attribute(story, sentences, AttributionSettings(settings.same_content))
    return [
        a.origins
        + settings.lede_weight * (s.position < settings.lede_positions)
        - settings.quote_penalty * _opens_quoted(s)
        for s, a in zip(sentences, attributed)
    ]


def _ledes(story: PreparedStory, settings: OrderSettings) -> list[Sentence]:
    """Each article's lede sentences that could open a summary (whole quotes, no opener, a fitting length)."""
    ledes = [
        s
        for s in story.sentences
        if s.position < settings.lede_positions and MIN_WORDS <= s.words <= MAX_WORDS and not _points_back(s.text)
    ]
    if len(ledes) > settings.max_ledes:  # a big story: the ledes most others echo (sparse cosines)
        rows = np.array([story.row_of[(s.document, s.start)] for s in ledes], dtype=int)
        echoes = np.diff(story.views.neighbours(rows, settings.same_content).indptr)
        ledes = [ledes[i] for i in sorted(np.argsort(-echoes, kind="stable")[: settings.max_ledes].tolist())]
    return _allowed(
        story, _distinct([original_of(story, s, settings.same_content, settings.agencies) for s in ledes]), settings
    )


def _lede_first(
    story: PreparedStory, kept: list[Sentence], settings: OrderSettings
) -> tuple[list[Sentence], bool, set[Sentence]]:
    """The story's main news first (`_news_lede`, else the best-corroborated sentence): a chosen
    sentence, or an article's lede that beats them (then True: it was not chosen, and what repeats
    it is left out, and the chosen lede retelling it with `swap`), and the ledes that left."""
    if not kept or not settings.lede:
        return kept, False, set()
    taken = set(kept)
    ledes = [s for s in _ledes(story, settings) if s not in taken]
    pool = [*kept, *ledes]
    best = _news_lede(story, pool, len(kept), settings) if settings.news_first else None
    if best is None:
        scores = _corroboration(story, pool, settings)
        best = int(np.argmax(scores[: len(kept)]))
        if ledes and max(scores[len(kept) :]) > scores[best] + settings.insert_margin:
            best = len(kept) + int(np.argmax(scores[len(kept) :]))
    first = pool[best]
    rest = [s for s in kept if s != first]
    if best >= len(kept):
        rest = _not_repeating(story, rest, [first], settings.same_content)
    retold = _retelling(story, first, rest, settings) if settings.news_first else []
    if not settings.drop_retold:  # an unchosen lede takes the place of the chosen one closest to it
        retold = retold[:1] if settings.swap and best >= len(kept) else []
    return [first, *[s for s in rest if s not in retold]], best >= len(kept), set(retold)


def _news_lede(story: PreparedStory, pool: Sequence[Sentence], chosen: int, settings: OrderSettings) -> int | None:
    """The lede of `pool` (its first `chosen` the selector's) whose news the most independent
    origins' ledes tell, if at least `min_news_origins` do (see `_news_key` for the order)."""
    if story.count_origins(range(len(story.articles))) < settings.min_news_origins:
        return None  # no lede is told by more origins than the story has (most stories: one article)
    attributed = attribute(story, pool, AttributionSettings(settings.same_content))
    keyed = [
        (_news_key(story, s, a, i >= chosen, settings), i)
        for i, (s, a) in enumerate(zip(pool, attributed))
        if s.position < settings.lede_positions
    ]
    told = [(key, i) for (news, key), i in keyed if news >= settings.min_news_origins]
    return max(told, key=lambda item: (item[0], -item[1]))[1] if told else None


def _news_key(
    story: PreparedStory, sentence: Sentence, attributed: SummarySentence, unchosen: bool, settings: OrderSettings
) -> tuple[int, tuple[float, bool, bool, int, float]]:
    """How many independent origins' ledes tell a lede's news (stating it in full or retelling it),
    and its rank: that count (quotes discounted, an unchosen lede by the insert margin), then a first
    sentence, an agency's or wire original's, the most origins stating it in full, then the closest
    to the ledes telling it."""
    telling = [x for x in (*attributed.sources, *attributed.retold) if _lede_span(story, x, settings)]
    news = story.count_origins(x.document for x in telling)
    return news, (
        news - settings.quote_penalty * _opens_quoted(sentence) - settings.news_insert_margin * unchosen,
        sentence.position == 0,  # the first sentence over the second (a standfirst's news is the lede's)
        settings.agencies and _is_original(story, sentence),
        attributed.origins,
        _closeness(story, sentence, telling),
    )


def _closeness(story: PreparedStory, sentence: Sentence, telling: Sequence[Span]) -> float:
    """The mean cosine of a lede to the other articles' ledes telling its news: between two ledes
    told as widely, the one closest to what the others lead with states their common news (the
    README's example: 0.36-0.52 for the ledes telling the fire that injured 14, 0.24 for a follow-up's
    "residents asking how"). In steps of 0.1: a smaller difference is wording, and the selector's
    choice stands (two ledes of one council vote, 0.79 and 0.82, in tests/test_order.py)."""
    rows = [story.row_of[(x.document, x.start)] for x in telling if x.document != sentence.document]
    if not rows:
        return 0.0
    return round(float(story.views.cosines([story.row_of[(sentence.document, sentence.start)]], rows).mean()), 1)


def _lede_span(story: PreparedStory, span: Span, settings: OrderSettings) -> bool:
    """True when the span is one of its article's first `lede_positions` sentences (a lede)."""
    return story.sentences[story.row_of[(span.document, span.start)]].position < settings.lede_positions


def _opens_quoted(sentence: Sentence) -> bool:
    return sentence.text.lstrip()[:1] in "\"“«„'‘`"


def _is_original(story: PreparedStory, sentence: Sentence) -> bool:
    """True when the sentence's article is an agency's (carries agency copy) or a wire original."""
    document = sentence.document
    return story.articles[document].agency is not None or any(w.original == document for w in story.wire_copies)


def _retelling(
    story: PreparedStory, first: Sentence, rest: Sequence[Sentence], settings: OrderSettings
) -> list[Sentence]:
    """The ledes of `rest` that tell `first`'s news, as attribution's `retold` finds them (the lede
    cosine, stated without contradiction, figures not required), closest first; none when `first`
    is no lede."""
    ledes = [s for s in rest if s.position < settings.lede_positions]
    if first.position >= settings.lede_positions or not ledes:
        return []
    rows = [story.row_of[(s.document, s.start)] for s in ledes]
    cosines = story.views.cosines([story.row_of[(first.document, first.start)]], rows).ravel()
    return [
        ledes[i]
        for i in np.argsort(-cosines, kind="stable").tolist()
        if cosines[i] >= SAME_NEWS and support(first.text, ledes[i].text, numbers_required=False) == "full"
    ]


def _not_repeating(
    story: PreparedStory, sentences: Sequence[Sentence], chosen: Sequence[Sentence], threshold: float
) -> list[Sentence]:
    """The sentences that do not repeat any of `chosen` (TF-IDF cosine below `threshold`)."""
    if not sentences or not chosen:
        return list(sentences)
    rows = [story.row_of[(s.document, s.start)] for s in sentences]
    against = [story.row_of[(s.document, s.start)] for s in chosen]
    cosines = story.views.cosines(rows, against)
    return [s for s, row in zip(sentences, cosines) if row.max() < threshold]


def _packed(sentences: Sequence[Sentence], budget: int) -> list[Sentence]:
    """The sentences in order while they fit the budget, as `_base.pack` fits them."""
    return [sentences[i] for i in pack(sentences, range(len(sentences)), budget)]


def _refilled(
    story: PreparedStory,
    kept: list[Sentence],
    dropped: set[Sentence],
    budget: int,
    more: Rank,
    settings: OrderSettings,
) -> list[Sentence]:
    """The summary topped up to its budget with the selector's next choices that may stand."""
    pool = [
        original_of(story, s, settings.same_content, settings.agencies)
        for s in more(int(budget * settings.pool_factor))
    ]
    taken = set(kept) | dropped
    fresh = _distinct([s for s in pool if s not in taken])
    if settings.news_first and settings.drop_retold and kept:  # nor a lede retelling the opening news
        fresh = [s for s in fresh if s not in set(_retelling(story, kept[0], fresh, settings))]
    fresh = _allowed(story, _not_repeating(story, fresh, kept, settings.same_content), settings, kept)
    return _allowed(story, _packed([*kept, *_unrepeated(story, fresh, settings.same_content)], budget), settings)


def _unrepeated(story: PreparedStory, sentences: Sequence[Sentence], threshold: float) -> list[Sentence]:
    """The sentences in order, each that repeats one taken before it (TF-IDF cosine >= `threshold`)
    left out: their cosines among themselves read once, not once a sentence."""
    if not sentences:
        return []
    rows = [story.row_of[(s.document, s.start)] for s in sentences]
    cosines = story.views.cosines(rows, rows)
    taken: list[int] = []
    for i in range(len(sentences)):
        if not taken or cosines[i, taken].max() < threshold:
            taken.append(i)
    return [sentences[i] for i in taken]


def _referents_first(story: PreparedStory, sentences: Sequence[Sentence]) -> list[Sentence]:
    """Each sentence that points back placed right after its referent (the sentence before it in its article)."""
    out = list(sentences)
    for _ in range(2 * len(out)):  # each move settles one sentence; moving a referent may unsettle one
        moves = [
            (i, out.index(p))
            for i, s in enumerate(out)
            if _points_back(s.text) and (p := predecessor(story, s)) in out and out.index(p) != i - 1
        ]
        if not moves:
            break
        i, j = moves[0]
        sentence = out.pop(i)
        out.insert(j if j > i else j + 1, sentence)
    return out
