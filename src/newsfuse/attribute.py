"""Attribute each summary sentence to every article that states its content, counting origins."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .claims import MIN_SHARED_SHARE, MIN_SHARED_WORDS, shares_words, support
from .model import Sentence, Source, Span, SummarySentence
from .prepare import PreparedStory
from .textsim import SAME_CONTENT, SAME_NEWS, best_per_group

__all__ = ["AttributionSettings", "attribute", "source_of"]


@dataclass(frozen=True)
class AttributionSettings:
    """When another article states a summary sentence's content."""

    # The TF-IDF cosine at which two sentences state the same content (see textsim.SAME_CONTENT).
    same_content: float = SAME_CONTENT
    # A lede (one of an article's first `lede_positions` sentences) is retold by another article
    # whose own lede reaches this cosine and states it without contradicting it (numbers not
    # required): the comparison's lede grouping (textsim.SAME_NEWS, compare.same_lead/lead_sentences).
    same_news: float = SAME_NEWS
    lede_positions: int = 2
    # ...and a source shares enough of its content words (claims.shares_words), as the comparison's
    # facts ask: one rare word shared is not the same content.
    min_shared: int = MIN_SHARED_WORDS
    shared_share: float = MIN_SHARED_SHARE


def attribute(
    story: PreparedStory, chosen: Sequence[Sentence], settings: AttributionSettings | None = None
) -> list[SummarySentence]:
    """For each chosen sentence: its own span first, then the best-matching span of every other
    article that states the same content; `origins` counts their distinct independent origins."""
    if not chosen:
        return []
    settings = settings or AttributionSettings()
    done = _MEMO.setdefault(story, {}).setdefault(settings, {})
    missing = list(dict.fromkeys(s for s in chosen if s not in done))
    if missing:
        done.update(zip(missing, _attribute_all(story, missing, settings)))
    return [done[s] for s in chosen]


# A sentence's attribution depends on the story and the threshold alone, and the order stage
# attributes the chosen sentences (and the ledes) before the summary does: made once a story.
# By settings, then sentence: the settings are hashed once a call, not once a sentence.
_MEMO: weakref.WeakKeyDictionary[PreparedStory, dict[AttributionSettings, dict[Sentence, SummarySentence]]] = (
    weakref.WeakKeyDictionary()
)


def _attribute_all(
    story: PreparedStory, chosen: Sequence[Sentence], settings: AttributionSettings
) -> list[SummarySentence]:
    documents = None if len(story.articles) == 1 else np.array([s.document for s in story.sentences])
    if documents is None or (documents == documents[0]).all():
        # One article's sentences: no other article to credit, show as partial or retell its
        # ledes, so each sentence is its own source alone (the general path over a row of zeros).
        return [
            SummarySentence(text=s.text, sources=(source_of(story, s),), origins=story.count_origins([s.document]))
            for s in chosen
        ]
    similarity = story.views.cosines([story.row_of[(s.document, s.start)] for s in chosen])
    return _attributed(story, chosen, similarity, documents, settings)


def _attributed(
    story: PreparedStory,
    chosen: Sequence[Sentence],
    similarity: np.ndarray,
    documents: np.ndarray,
    settings: AttributionSettings,
) -> list[SummarySentence]:
    """Each chosen sentence (row of `similarity`, its cosines to every sentence of the story)
    credited to the best match of each other article stating it (in full: a source; in part:
    partial; a contradiction is left out), and a lede to the best-matching lede of each article
    not shown that tells its news: each article's best match for all sentences in one sort."""
    own = np.array([s.document for s in chosen])
    best = _best_of_each_article(
        similarity, (documents != own[:, None]) & (similarity >= settings.same_content), documents
    )
    found = [_credited(story, sentence, best[k], settings) for k, sentence in enumerate(chosen)]
    lede_rows = [rows[: settings.lede_positions] for rows in story.document_rows]
    ledes = np.concatenate(lede_rows) if lede_rows else np.zeros(0, dtype=int)
    shown = [(k, s.document) for k, (sources, partial) in enumerate(found) for s in (*sources, *partial)]
    unshown = np.ones((len(chosen), len(story.articles)), dtype=bool)
    unshown[tuple(np.array(shown).T)] = False  # in one assignment (every sentence shows its own article)
    telling = (similarity[:, ledes] >= settings.same_news) & unshown[:, documents[ledes]]
    retold = _best_of_each_article(similarity[:, ledes], telling, documents[ledes])
    return [
        SummarySentence(
            text=sentence.text,
            sources=tuple(sources),
            origins=story.count_origins(s.document for s in sources),
            partial=tuple(partial),
            retold=tuple(_retold_by(story, sentence, ledes[retold[k]], settings)),
        )
        for k, (sentence, (sources, partial)) in enumerate(zip(chosen, found))
    ]


def _best_of_each_article(values: np.ndarray, keep: np.ndarray, documents: np.ndarray) -> list[np.ndarray]:
    """Per row of `values` (chosen sentence x columns, column j of article `documents[j]`): the
    column of the highest value among those `keep`s, for each article, in article order; on ties
    the lower column. `best_per_group` of each row alone, in one call for all rows (a group is
    a row's article)."""
    rows, cols = np.nonzero(keep)
    n_docs = int(documents.max()) + 1 if len(documents) else 1
    groups = rows * n_docs + documents[cols]
    best = best_per_group(cols, values[rows, cols], groups)  # one per group, in group order
    ends = np.cumsum(np.bincount(np.unique(groups) // n_docs, minlength=len(values))).tolist()
    return [best[start:end] for start, end in zip([0, *ends], ends)]  # np.split's pieces, without its overhead


def _credited(
    story: PreparedStory, sentence: Sentence, best: np.ndarray, settings: AttributionSettings
) -> tuple[list[Source], list[Source]]:
    """The sentence's own span and each other article's best match stating it in full (sources),
    and those stating part of it (partial); a contradicting match, or one sharing too few words,
    is left out."""
    sources: list[Source] = [source_of(story, sentence)]
    partial: list[Source] = []
    for row in best.tolist():
        other = story.sentences[row].text
        if not _shares_enough(sentence.text, other, settings):
            continue
        how = support(sentence.text, other)
        if how != "contradicts":
            (sources if how == "full" else partial).append(source_of(story, story.sentences[row]))
    return sources, partial


def _retold_by(
    story: PreparedStory, sentence: Sentence, best: np.ndarray, settings: AttributionSettings
) -> list[Source]:
    """For a lede: of the best-matching ledes of the articles not shown, those telling its news
    in full (no contradiction, the figures not required, enough words shared); else nothing."""
    if sentence.position >= settings.lede_positions:
        return []
    return [
        source_of(story, story.sentences[row])
        for row in best.tolist()
        if _shares_enough(sentence.text, story.sentences[row].text, settings)
        and support(sentence.text, story.sentences[row].text, numbers_required=False) == "full"
    ]


def _shares_enough(text: str, other: str, settings: AttributionSettings) -> bool:
    return shares_words(text, other, None, settings.min_shared, settings.shared_share)


def source_of(story: PreparedStory, span: Span) -> Source:
    """A span of an article as a Source naming the article's outlet."""
    return Source(span.document, span.start, span.end, story.articles[span.document].outlet)
