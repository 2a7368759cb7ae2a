"""The public calls: read files, prepare a story once, then select, attribute and compare it.

The doctests here run in tests/test_public_api.py (offline, a few seconds)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from .attribute import attribute
from .compare import compare
from .errors import InputError
from .ingest import Pile
from .model import Article, Comparison, Problem, Story, Summary
from .prepare import PreparedStory, prepare
from .select import default_budget, get_selector
from .select.order import arrange
from .settings import Options

__all__ = [
    "Articles",
    "Reading",
    "read",
    "summarize",
    "summarize_story",
    "summarize_prepared",
    "compare_articles",
    "as_story",
]

# What the public calls accept as a story's articles (see `as_story`).
Articles = Story | str | dict | Article | Iterable[Article | str | dict]


def summarize_prepared(story: PreparedStory, options: Options = Options()) -> Summary:
    """The attributed summary of a prepared story, written to `options.words` or the default length."""
    budget = options.words or default_budget(story)
    selector = get_selector(options.selector, options)
    chosen = arrange(story, selector(story, budget), budget, lambda words: selector(story, words), options.order)
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


def summarize_many(stories: Sequence[Story], options: Options = Options()) -> list[Summary | Exception]:
    """Each story's `summarize_story(story, options)`, or the exception it raised, bit for bit,
    in one batched pass (the store's drain): every story prepared, then the selector's tree
    evaluations for all of them at once where it can (`prime`: one stacked call of the sentence
    scorer and one of the reranker, whose fixed cost was most of a small story's), then each
    summarized as alone. Not public: what it returns is for a caller that settles each story."""
    prepared: list[PreparedStory | Exception] = []
    for story in stories:
        try:
            prepared.append(prepare(story, options.syndication))
        except Exception as error:  # noqa: BLE001 - returned for that story alone
            prepared.append(error)
    ready = [p for p in prepared if isinstance(p, PreparedStory)]
    try:
        prime = getattr(get_selector(options.selector, options), "prime", None)
    except Exception:  # noqa: BLE001 - e.g. an unknown selector: each story's call raises it
        prime = None
    if prime is not None and ready:
        prime(ready, [options.words or default_budget(p) for p in ready])
    out: list[Summary | Exception] = []
    for p in prepared:
        try:
            out.append(p if isinstance(p, Exception) else summarize_prepared(p, options))
        except Exception as error:  # noqa: BLE001 - returned for that story alone
            out.append(error)
    return out


def _article(item: object, where: str) -> Article:
    """One item of the articles given: an Article as it is, text or a dict read as a batch document."""
    from .ingest import article_from_record

    if isinstance(item, Article):
        return item
    if isinstance(item, str):
        if _looks_like_path(item):
            raise InputError(
                where, f"{item!r} looks like a file name, not article text; read files with newsfuse.read()"
            )
        return article_from_record(item, where)
    if isinstance(item, dict):
        return article_from_record(item, where)
    raise TypeError(f"{where}: expected article text (str), a dict with 'text' or an Article, got {_kind(item)}")


def _kind(value: object) -> str:
    """What a value is, for a TypeError: its type, and the value when short."""
    shown = repr(value)
    return type(value).__name__ + (f" {shown}" if len(shown) <= 40 else "")


def _looks_like_path(text: str) -> bool:
    """One short word naming an existing file (`summarize(["a.txt"])`), which is never an article."""
    candidate = text.strip()
    if not candidate or len(candidate) > 4096 or any(c.isspace() for c in candidate):
        return False
    try:
        return Path(candidate).is_file()
    except (OSError, ValueError):
        return False


def as_story(articles: Articles) -> Story:
    """The story the articles given make: a Story as it is; one article (text, a dict or an
    Article); a batch record (a dict with `documents`); or a list (any iterable) of articles.

    >>> as_story("The dam held overnight. Water levels fell.").articles[0].origin_file
    'article 1'
    >>> len(as_story(["First report.", {"text": "Second report.", "outlet": "AP"}]).articles)
    2
    >>> as_story(42)
    Traceback (most recent call last):
    ...
    TypeError: expected a Story, article text (str), a dict, an Article or a list of them, got int 42
    """
    if isinstance(articles, Story):
        return articles
    if isinstance(articles, dict) and "documents" in articles:
        from .ingest import story_from_record

        story, _ = story_from_record(articles, "record")
        return story
    if isinstance(articles, (str, dict, Article)):
        return Story(articles=[_article(articles, "article 1")])
    if isinstance(articles, (bytes, bytearray, os.PathLike)) or not isinstance(articles, Iterable):
        hint = "; read files with newsfuse.read()" if isinstance(articles, os.PathLike) else ""
        raise TypeError(
            f"expected a Story, article text (str), a dict, an Article or a list of them, got {_kind(articles)}{hint}"
        )
    items = list(articles)
    if not items:
        raise InputError("articles", "no article given")
    return Story(articles=[_article(item, f"article {i}") for i, item in enumerate(items, 1)])


def summarize(
    articles: Articles,
    words: int | None = None,
    selector: str = Options.selector,
    compare: bool = True,
) -> Summary:
    """The attributed summary of articles about one story, as `newsfuse summarize` gives it.

    `articles`: one article's text, a list of texts, dicts (`{"text", "outlet"?, "url"?, "title"?,
    "published"?}`, as in batch records) or `Article`s, or a `Story` (one of `newsfuse.read()`'s).
    `words`: the length (None: 40% of the body words, between 60 and 260); `selector`: a name from
    `newsfuse selectors`; `compare` (default True, as on the command line): `Summary.comparison`
    holds the facts, quotes, disagreements and wire copies (False leaves it None and is faster).
    Anything else is a `TypeError` naming what was given; an unusable text an `InputError`.

    >>> summary = summarize([
    ...     "The port reopened on Monday after a week of repairs, officials said.",
    ...     {"text": "Officials said the port reopened on Monday after repairs.", "outlet": "Coast Wire"},
    ... ], words=20)
    >>> summary.sentences[0].origins
    2
    >>> sorted({source.outlet for source in summary.sentences[0].sources if source.outlet})
    ['Coast Wire']
    >>> summary.comparison is not None
    True
    >>> summarize("The council approved the budget on Tuesday. It includes new buses.").words > 0
    True
    """
    return summarize_story(as_story(articles), Options(words=words, selector=selector, compare=compare))


def compare_articles(articles: Articles, options: Options = Options()) -> Comparison:
    """The comparison of the sources alone (facts, quotes, disagreements, wire copies), as
    `newsfuse compare` gives it; `articles` as for `summarize`.

    >>> comparison = compare_articles([
    ...     "The bridge closed on Friday after a crack was found, the city said.",
    ...     "The city said the bridge closed on Friday when inspectors found a crack.",
    ... ])
    >>> [fact.status for fact in comparison.facts][:1]
    ['corroborated']
    """
    return compare(prepare(as_story(articles), options.syndication), options.comparison)


class Reading(NamedTuple):
    """What `read` found: the stories (each story record on its own, then the loose articles
    together as one story) and the problems (a file that could not be read, a bad line: each
    names where it is). Unpack it: `stories, problems = newsfuse.read(paths)`."""

    stories: list[Story]
    problems: list[Problem]


def read(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> Reading:
    """Read files and directories as the command line does (`.txt`, `.html`, `.jsonl`/`.json`,
    RSS/Atom feeds, Multi-News text; a directory recursively; "-" is stdin). A bad file is a
    problem in the result, not an exception, so the rest is still read.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Dam holds\\n\\nThe dam held overnight, engineers said.\\n")
    >>> _ = (folder / "b.txt").write_text("Engineers said the dam held overnight as rain eased.\\n")
    >>> stories, problems = read([folder, folder / "missing.txt"])
    >>> [len(story.articles) for story in stories], [str(p) for p in problems]
    ([2], ['...missing.txt: no such file or directory'])
    >>> stories[0].articles[0].title
    'Dam holds'
    >>> summarize(stories[0], words=15).sentences[0].origins
    2
    """
    from .ingest import read_paths

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    elif isinstance(paths, (bytes, bytearray)) or not isinstance(paths, Iterable):
        raise TypeError(f"expected a path or a list of paths, got {_kind(paths)}")
    given = list(paths)
    for path in given:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"expected a path (str or pathlib.Path), got {_kind(path)}")
    pile = distinct(read_paths([os.fspath(p) for p in given]))
    return Reading(stories=pile.all_stories(), problems=pile.problems)


def distinct(pile: Pile) -> Pile:
    """The pile with each loose article once: a file given twice (or named and inside a directory
    given too) is read once, with a problem saying so, not taken for a wire copy of itself."""
    seen: set[tuple[str | None, str]] = set()
    kept = []
    for article in pile.articles:
        key = (article.origin_file, article.text)
        if key in seen:
            pile.problems.append(Problem(article.origin_file or "article", "given twice; read once"))
            continue
        seen.add(key)
        kept.append(article)
    pile.articles = kept
    return pile
