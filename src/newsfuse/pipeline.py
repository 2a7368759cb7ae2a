"""The public calls: prepare a story once, then select, attribute and (when asked) compare it."""

from __future__ import annotations

from collections.abc import Iterable

from .attribute import attribute
from .compare import compare
from .model import Article, Comparison, Story, Summary
from .prepare import PreparedStory, prepare
from .select import default_budget, get_selector
from .settings import Options

__all__ = ["summarize", "summarize_story", "summarize_prepared", "compare_articles", "as_story"]


def summarize_prepared(story: PreparedStory, options: Options = Options()) -> Summary:
    """The attributed summary of a prepared story, written to `options.words` or the default length."""
    budget = options.words or default_budget(story)
    chosen = get_selector(options.selector, options)(story, budget)
    return Summary(
        sentences=tuple(attribute(story, chosen, options.attribution)),
        budget=budget,
        story_id=story.id,
        selector=options.selector,
        problems=story.problems,
        comparison=compare(story, options.comparison) if options.compare else None,
        origins=story.origins,
        wire_copies=story.wire_copies,
    )


def summarize_story(story: Story, options: Options = Options()) -> Summary:
    """Prepare the story (clean, segment, syndicate: once) and summarize it."""
    return summarize_prepared(prepare(story, options.syndication), options)


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
    with `compare`, `Summary.comparison` holds facts, quotes, disagreements and wire copies."""
    return summarize_story(as_story(articles), Options(words=words, selector=selector, compare=compare))


def compare_articles(articles: Story | Iterable[Article | str | dict], options: Options = Options()) -> Comparison:
    """Public API: the comparison of the sources alone (facts, quotes, disagreements, wire copies)."""
    return compare(prepare(as_story(articles), options.syndication), options.comparison)
