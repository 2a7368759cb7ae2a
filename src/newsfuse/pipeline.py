"""Run the stages in order on one story: clean, segment, syndicate, select, attribute."""

from __future__ import annotations

from collections.abc import Iterable

from .attribute import attribute
from .clean import clean
from .compare import compare
from .errors import EmptyStoryError
from .model import Article, Options, Problem, Sentence, Story, Summary
from .segment import split_sentences
from .select import default_budget, get_selector
from .syndicate import syndicate

__all__ = ["summarize", "summarize_story", "compare_articles", "prepare", "segment_article", "as_story"]


def segment_article(article: Article, document: int) -> list[Sentence]:
    """The body sentences of one article, with offsets into its original text."""
    sentences: list[Sentence] = []
    for paragraph, block in enumerate(clean(article.text)):
        for start, end in split_sentences(article.text, block.start, block.end):
            sentences.append(Sentence(document, start, end, article.text[start:end], len(sentences), paragraph))
    return sentences


def prepare(story: Story) -> tuple[Story, list[Problem]]:
    """Segment every article and find syndicated copies; report articles that add nothing."""
    problems: list[Problem] = []
    sentences: list[Sentence] = []
    for doc, article in enumerate(story.articles):
        found = segment_article(article, doc) if article.text.strip() else []
        if article.text.strip() and not found:
            problems.append(Problem(_where(article, doc), "no article sentence left after cleaning"))
        sentences += found
    story.sentences = tuple(sentences)
    if not sentences:
        raise EmptyStoryError(story.id or "story", "no article in the story has a body sentence")
    if sum(1 for a in story.articles if a.text.strip()) == 1:
        problems.append(Problem(story.id or "story", "only one article: nothing can be corroborated"))
    return syndicate(story), problems


def _where(article: Article, doc: int) -> str:
    return article.origin_file or f"document {doc}"


def summarize_story(story: Story, options: Options = Options()) -> Summary:
    """The attributed summary of one story, written to `options.words` or the default length."""
    story, problems = prepare(story)
    budget = options.words or default_budget(story)
    chosen = get_selector(options.selector)(story, budget)
    return Summary(
        sentences=tuple(attribute(story, chosen)),
        budget=budget,
        story_id=story.id,
        selector=options.selector,
        problems=tuple(problems),
        comparison=compare(story) if options.compare else None,
    )


def as_story(articles: Story | Iterable[Article | str | dict]) -> Story:
    """Accept a Story, or articles given as Article objects, plain strings or batch dicts."""
    if isinstance(articles, Story):
        return articles
    from .ingest import article_from_record

    items = list(articles)
    return Story(
        articles=[a if isinstance(a, Article) else article_from_record(a, f"article {i}") for i, a in enumerate(items)]
    )


def summarize(
    articles: Story | Iterable[Article | str | dict],
    words: int | None = None,
    selector: str = Options.selector,
    compare: bool = False,
) -> Summary:
    """Public API: summarize articles about one story within `words` words (None: default rule);
    with `compare`, `Summary.comparison` holds facts, quotes, disagreements and syndication."""
    return summarize_story(as_story(articles), Options(words=words, selector=selector, compare=compare))


def compare_articles(articles: Story | Iterable[Article | str | dict]) -> dict:
    """Public API: the comparison of the sources alone (facts, quotes, disagreements, syndication)."""
    story, _ = prepare(as_story(articles))
    return compare(story)
