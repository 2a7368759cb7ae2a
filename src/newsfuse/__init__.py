"""newsfuse: many news reports about the same events, fused into one short, attributed account."""

from .errors import EmptyStoryError, InputError, ModelError, NewsfuseError
from .model import (
    Article,
    Claim,
    Comparison,
    Disagreement,
    Fact,
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
from .store import Store, StoreError
from .stories import cluster_articles

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Claim",
    "Comparison",
    "Disagreement",
    "Fact",
    "PreparedStory",
    "QuoteGroup",
    "Span",
    "prepare",
    "EmptyStoryError",
    "InputError",
    "ModelError",
    "NewsfuseError",
    "Options",
    "Problem",
    "Sentence",
    "Source",
    "Story",
    "Store",
    "StoreError",
    "Summary",
    "SummarySentence",
    "WireCopy",
    "cluster_articles",
    "compare_articles",
    "summarize",
    "summarize_story",
]
