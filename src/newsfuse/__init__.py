"""newsfuse: many news reports about the same events, fused into one short, attributed account."""

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
from .pipeline import compare_articles, summarize, summarize_story
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
    "summarize",
    "summarize_story",
]
