"""Attribute each summary sentence to every article that states its content, counting origins."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .claims import support
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


def attribute(
    story: PreparedStory, chosen: Sequence[Sentence], settings: AttributionSettings | None = None
) -> list[SummarySentence]:
    """For each chosen sentence: its own span first, then the best-matching span of every other
    article that states the same content; `origins` counts their distinct independent origins."""
    if not chosen:
        return []
    settings = settings or AttributionSettings()
    done = _MEMO.setdefault(story, {})
    missing = list(dict.fromkeys(s for s in chosen if (settings, s) not in done))
    if missing:
        for sentence, attributed in zip(missing, _attribute_all(story, missing, settings)):
            done[(settings, sentence)] = attributed
    return [done[(settings, s)] for s in chosen]


# A sentence's attribution depends on the story and the threshold alone, and the order stage
# attributes the chosen sentences (and the ledes) before the summary does: made once a story.
_MEMO: weakref.WeakKeyDictionary[PreparedStory, dict[tuple[AttributionSettings, Sentence], SummarySentence]] = (
    weakref.WeakKeyDictionary()
)


def _attribute_all(
    story: PreparedStory, chosen: Sequence[Sentence], settings: AttributionSettings
) -> list[SummarySentence]:
    documents = np.array([s.document for s in story.sentences])
    if (documents == documents[0]).all():
        # One article's sentences: no other article to credit, show as partial or retell its
        # ledes, so each sentence is its own source alone (`_attribute_one` over a row of zeros).
        return [
            SummarySentence(text=s.text, sources=(source_of(story, s),), origins=story.count_origins([s.document]))
            for s in chosen
        ]
    similarity = story.views.cosines([story.row_of[(s.document, s.start)] for s in chosen])
    return [_attribute_one(story, sentence, similarity[k], documents, settings) for k, sentence in enumerate(chosen)]


def _attribute_one(
    story: PreparedStory, sentence: Sentence, row: np.ndarray, documents: np.ndarray, settings: AttributionSettings
) -> SummarySentence:
    """The best match of each other article, credited when it states the sentence in full, shown
    as partial when it states part of it, and left out when it contradicts it."""
    sources: list[Source] = [source_of(story, sentence)]
    partial: list[Source] = []
    others = np.flatnonzero((documents != sentence.document) & (row >= settings.same_content))
    for best in best_per_group(others, row[others], documents[others]).tolist():
        how = support(sentence.text, story.sentences[best].text)
        if how != "contradicts":
            (sources if how == "full" else partial).append(source_of(story, story.sentences[best]))
    shown = {s.document for s in (*sources, *partial)}
    return SummarySentence(
        text=sentence.text,
        sources=tuple(sources),
        origins=story.count_origins(s.document for s in sources),
        partial=tuple(partial),
        retold=tuple(_retold(story, sentence, row, documents, shown, settings)),
    )


def _retold(
    story: PreparedStory,
    sentence: Sentence,
    row: np.ndarray,
    documents: np.ndarray,
    shown: set[int],
    settings: AttributionSettings,
) -> list[Source]:
    """For a lede: the best-matching lede of each article not already shown that tells its news in
    its own words (the lede cosine, no contradiction, the figures not required); else nothing."""
    if sentence.position >= settings.lede_positions:
        return []
    firsts = [rows[: settings.lede_positions] for d, rows in enumerate(story.document_rows) if d not in shown]
    ledes = np.concatenate(firsts) if firsts else np.zeros(0, dtype=int)
    ledes = ledes[row[ledes] >= settings.same_news]
    out = []
    for best in best_per_group(ledes, row[ledes], documents[ledes]).tolist():
        if support(sentence.text, story.sentences[best].text, numbers_required=False) == "full":
            out.append(source_of(story, story.sentences[best]))
    return out


def source_of(story: PreparedStory, span: Span) -> Source:
    """A span of an article as a Source naming the article's outlet."""
    return Source(span.document, span.start, span.end, story.articles[span.document].outlet)
