"""Prepare a story once: clean, segment and syndicate it, with the text views every stage shares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from .clean import clean
from .errors import EmptyStoryError
from .model import Article, Block, Problem, Sentence, Story, WireCopy
from .quotes import Quote, find_quotes, quoted_stretches
from .segment import split_sentences
from .syndicate import SyndicationSettings, syndicate
from .textsim import TextViews, quote_marks

__all__ = ["PreparedStory", "prepare", "segment_article", "MAX_POSITION"]

# Only an article's first sentences are candidates for the summary and the comparison: news puts
# what matters first, and this keeps the cost linear in article length (a 5 MB article has tens
# of thousands of sentences).
MAX_POSITION = 100


@dataclass(frozen=True, eq=False)
class PreparedStory:
    """A story as every stage reads it, made once by `prepare` and never changed: the articles,
    their cleaned blocks and body sentences (in article order), each article's independent origin
    (copies of one wire story share it), the wire copies, the input problems found on the way,
    and `views`, the sentences' tokens and TF-IDF computed once for all stages; `quotes` (with
    their speakers) on first use, since only the comparison reads them."""

    articles: tuple[Article, ...]
    blocks: tuple[tuple[Block, ...], ...]  # per article: the body paragraphs that survived cleaning
    sentences: tuple[Sentence, ...]
    origins: tuple[int, ...]
    # per article, its origin by copied text and agency copy alone, one outlet's articles apart:
    # what the selector's features read (`syndicate`)
    copy_origins: tuple[int, ...]
    wire_copies: tuple[WireCopy, ...]
    problems: tuple[Problem, ...]
    views: TextViews
    id: str | None = None
    extra: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def sentences_of(self, document: int) -> list[Sentence]:
        return [s for s in self.sentences if s.document == document]

    def origin_of(self, document: int) -> int:
        return self.origins[document]

    def copy_origin_of(self, document: int) -> int:
        return self.copy_origins[document]

    def count_origins(self, documents: Iterable[int]) -> int:
        """How many independent origins these articles are (wire copies of one story count once)."""
        return len({self.origins[d] for d in documents})

    @cached_property
    def candidates(self) -> np.ndarray:
        """Indices of the sentences within `MAX_POSITION` of their article's lead."""
        return np.array([i for i, s in enumerate(self.sentences) if s.position < MAX_POSITION], dtype=int)

    @cached_property
    def quotes(self) -> tuple[tuple[Quote, ...], ...]:
        """Per article, its quotations and their speakers (quotes.py)."""
        return tuple(tuple(find_quotes(a.text, _spans(b))) for a, b in zip(self.articles, self.blocks))

    @cached_property
    def document_rows(self) -> tuple[np.ndarray, ...]:
        """Per article, the indices of its sentences in `sentences`."""
        documents = np.array([s.document for s in self.sentences], dtype=int)
        return tuple(np.flatnonzero(documents == d) for d in range(len(self.articles)))

    @cached_property
    def row_of(self) -> dict[tuple[int, int], int]:
        """A sentence's index in `sentences`, by (document, start)."""
        return {(s.document, s.start): i for i, s in enumerate(self.sentences)}


def segment_article(
    article: Article, document: int, blocks: tuple[Block, ...], quoted: Sequence[tuple[int, int]] = ()
) -> list[Sentence]:
    """The body sentences of one article's cleaned blocks, with offsets into its original text; a
    quotation running over several sentences of a paragraph stays in one (no half quotes)."""
    sentences: list[Sentence] = []
    for paragraph, block in enumerate(blocks):
        spans = _closing_marks_back(article.text, split_sentences(article.text, block.start, block.end))
        # only a quotation reaching into the paragraph can hold one of its boundaries
        here = [q for q in quoted if q[0] < block.end and block.start < q[1]]
        spans = _join_quoted(spans, here) if here else spans
        for start, end in spans:
            sentences.append(Sentence(document, start, end, article.text[start:end], len(sentences), paragraph))
    return sentences


# A closing quotation mark standing after a sentence end, apart: `is "futile. " the company`, as
# tokenized text (Multi-News) writes `is "futile."`.
_LONE_CLOSER = re.compile(r"(?:''|[\"”»])(?=\s|$)")


def _closing_marks_back(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with a lone closing quotation mark that opens a sentence moved back to the
    sentence before it, when that one leaves a quotation open (so neither holds half a quote)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        closer = _LONE_CLOSER.match(text, start) if out else None
        if closer is not None and quote_marks(text[out[-1][0] : out[-1][1]]) % 2 == 1:
            out[-1] = (out[-1][0], closer.end())
            start = closer.end()
            while start < end and text[start].isspace():
                start += 1
            if start >= end:
                continue
        out.append((start, end))
    return out


def _join_quoted(spans: Sequence[tuple[int, int]], quoted: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with each boundary that falls inside a quotation removed."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and any(q0 < joined[-1][1] and start < q1 for q0, q1 in quoted):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def prepare(story: Story, syndication: SyndicationSettings | None = None) -> PreparedStory:
    """Clean and segment every article (once), find syndicated copies, and report articles that
    add nothing; raises `EmptyStoryError` when no article has a body sentence."""
    problems: list[Problem] = []
    blocks: list[tuple[Block, ...]] = []
    sentences: list[Sentence] = []
    for doc, article in enumerate(story.articles):
        blocks.append(tuple(clean(article.text)) if article.text.strip() else ())
        found = _segment(article, doc, blocks[-1])
        if article.text.strip() and not found:
            problems.append(Problem(_where(article, doc), "no article sentence left after cleaning"))
        sentences += found
    if not sentences:
        raise EmptyStoryError(story.id or "story", "no article in the story has a body sentence")
    if sum(1 for a in story.articles if a.text.strip()) == 1:
        problems.append(Problem(story.id or "story", "only one article: nothing can be corroborated"))
    views = TextViews([s.text for s in sentences])
    origins, copy_origins, wire_copies = syndicate(
        sentences, story.articles, views.tokens, syndication or SyndicationSettings()
    )
    return PreparedStory(
        articles=tuple(story.articles),
        blocks=tuple(blocks),
        sentences=tuple(sentences),
        origins=origins,
        copy_origins=copy_origins,
        wire_copies=wire_copies,
        problems=tuple(problems),
        views=views,
        id=story.id,
        extra=MappingProxyType(dict(story.extra)),
    )


def _segment(article: Article, doc: int, blocks: tuple[Block, ...]) -> list[Sentence]:
    """An article's sentences, none splitting a quotation: split by the quotations kept whoever
    speaks them, and by the scare quotes and titles `find_quotes` keeps only when attributed too
    when one of those would join two sentences (only then are the article's speakers found)."""
    kept, unless = quoted_stretches(article.text, _spans(blocks))
    found = segment_article(article, doc, blocks, kept)
    if unless and _joins_any(found, unless):
        found = segment_article(
            article, doc, blocks, [(q.start, q.end) for q in find_quotes(article.text, _spans(blocks))]
        )
    return found


def _joins_any(sentences: Sequence[Sentence], quoted: Sequence[tuple[int, int]]) -> bool:
    """Whether a span covers the boundary of two neighbouring sentences of one paragraph (as
    `_join_quoted` tests a boundary, each boundary on its own, so the others' joins stand)."""
    return any(
        a.paragraph == b.paragraph and q0 < a.end and b.start < q1
        for a, b in zip(sentences, sentences[1:])
        for q0, q1 in quoted
    )


def _spans(blocks: tuple[Block, ...]) -> list[tuple[int, int]]:
    return [(b.start, b.end) for b in blocks]


def _where(article: Article, doc: int) -> str:
    return article.origin_file or f"document {doc}"
