"""newsfuse: many news reports about the same events, fused into one short, attributed account.

>>> import newsfuse
>>> stories, problems = newsfuse.read(["article-a.txt", "article-b.html"])  # doctest: +SKIP
>>> summary = newsfuse.summarize(stories[0])  # doctest: +SKIP
>>> summary = newsfuse.summarize(["One report's text.", {"text": "Another's.", "outlet": "AP"}])  # doctest: +SKIP

`summarize` also takes one article's text, `Article`s or a `Story`, and compares the sources by
default (`summary.comparison`), as `newsfuse summarize` does; see `newsfuse.pipeline`."""

import importlib
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

if TYPE_CHECKING:
    from .pipeline import Reading, compare_articles, read, summarize, summarize_story
    from .prepare import PreparedStory, prepare
    from .settings import Options
    from .store import Store
    from .stories import cluster_articles

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


# The names whose modules need numpy and scipy, imported on first use: `newsfuse.errors` or
# `newsfuse.model` alone, and `newsfuse --help`, load neither (start-up, bench/bench_startup.py).
LAZY = {
    "Reading": "pipeline",
    "compare_articles": "pipeline",
    "read": "pipeline",
    "summarize": "pipeline",
    "summarize_story": "pipeline",
    "PreparedStory": "prepare",
    "prepare": "prepare",
    "Options": "settings",
    "cluster_articles": "stories",
    "Store": "store",
}


def __getattr__(name: str) -> Any:
    """A public name of a heavier module (LAZY), or a submodule (`newsfuse.pipeline`), on first use."""
    if name in LAZY:
        value = getattr(importlib.import_module(f".{LAZY[name]}", __name__), name)
        globals()[name] = value  # once: later reads find it without this call
        return value
    if name.startswith("__"):  # what tools probe for (__wrapped__, __path__ ...) is never a submodule
        raise AttributeError(f"module 'newsfuse' has no attribute {name!r}")
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'newsfuse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
