"""newsfuse: many news reports about the same events, fused into one short, attributed account.

>>> import newsfuse
>>> stories, problems = newsfuse.read(["article-a.txt", "article-b.html"])  # doctest: +SKIP
>>> summary = newsfuse.summarize(stories[0])  # doctest: +SKIP
>>> summary = newsfuse.summarize(["One report's text.", {"text": "Another's.", "outlet": "AP"}])  # doctest: +SKIP

`summarize` also takes one article's text, `Article`s or a `Story`, and compares the sources by
default (`summary.comparison`), as `newsfuse summarize` does; see `newsfuse.pipeline`."""

from typing import TYPE_CHECKING, Any

from .errors import (
    EmptyStoryError,
    InputError,
    LocatedError,
    ModelError,
    NewsfuseError,
    NotFoundError,
    OptionError,
    StoreError,
    UnknownNameError,
)
from .model import (
    Article,
    Claim,
    Comparison,
    Disagreement,
    Fact,
    Outlet,
    Problem,
    QuoteGroup,
    Sentence,
    Source,
    Span,
    Story,
    Summary,
    SummarySentence,
    WireCopy,
)
from .pipeline import Reading, compare_articles, read, summarize, summarize_story
from .prepare import PreparedStory, prepare
from .settings import Options
from .stories import cluster_articles

if TYPE_CHECKING:
    from .store import Store

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Claim",
    "Comparison",
    "Disagreement",
    "Fact",
    "Outlet",
    "PreparedStory",
    "QuoteGroup",
    "Reading",
    "Span",
    "prepare",
    "EmptyStoryError",
    "InputError",
    "LocatedError",
    "ModelError",
    "NewsfuseError",
    "NotFoundError",
    "OptionError",
    "Options",
    "Problem",
    "Sentence",
    "Source",
    "Story",
    "Store",
    "StoreError",
    "Summary",
    "SummarySentence",
    "UnknownNameError",
    "WireCopy",
    "cluster_articles",
    "compare_articles",
    "read",
    "summarize",
    "summarize_story",
]


def __getattr__(name: str) -> Any:
    """`newsfuse.Store` is imported on first use: a summary needs no SQLite store (start-up)."""
    if name == "Store":
        from .store import Store

        return Store
    raise AttributeError(f"module 'newsfuse' has no attribute {name!r}")
