"""Attribute each summary sentence to every article that states its content, counting origins."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .model import Sentence, Source, Story, SummarySentence
from .textsim import cosine_matrix, sentence_vectors

__all__ = ["attribute", "SAME_CONTENT"]

# Two sentences state the same content when their TF-IDF cosine reaches this. Calibrated by
# reading seed pairs: paraphrases of one fact by two outlets score 0.45-0.7, sentences that only
# share the story's topic words (Carter, Russia, Syria) stay under 0.35.
SAME_CONTENT = 0.45


def attribute(story: Story, chosen: Sequence[Sentence]) -> list[SummarySentence]:
    """For each chosen sentence: its own span first, then the best-matching span of every other
    article that states the same content; `origins` counts their distinct independent origins."""
    if not chosen:
        return []
    index = {(s.document, s.start): i for i, s in enumerate(story.sentences)}
    rows = [index[(s.document, s.start)] for s in chosen]
    vectors = sentence_vectors([s.text for s in story.sentences])
    similarity = cosine_matrix(vectors[rows], vectors)
    documents = np.array([s.document for s in story.sentences])
    return [_attribute_one(story, sentence, similarity[k], documents) for k, sentence in enumerate(chosen)]


def _attribute_one(story: Story, sentence: Sentence, row: np.ndarray, documents: np.ndarray) -> SummarySentence:
    sources = [_source(story, sentence)]
    for doc in range(len(story.articles)):
        if doc == sentence.document or not (documents == doc).any():
            continue
        scores = np.where(documents == doc, row, -1.0)
        best = int(scores.argmax())
        if scores[best] >= SAME_CONTENT:
            sources.append(_source(story, story.sentences[best]))
    return SummarySentence(
        text=sentence.text,
        sources=tuple(sources),
        origins=len({story.origin_of(s.document) for s in sources}),
    )


def _source(story: Story, sentence: Sentence) -> Source:
    return Source(sentence.document, story.articles[sentence.document].outlet, sentence.start, sentence.end)
