"""The one settings tree: each stage's frozen parameters, composed into `Options` and validated once."""

from __future__ import annotations

from dataclasses import dataclass, field

from .attribute import AttributionSettings
from .compare import ComparisonSettings
from .errors import OptionError, UnknownNameError
from .select.centrality import CentralityWeights
from .select.learned import LearnedSettings
from .select.order import OrderSettings
from .stories import ClusterSettings
from .syndicate import SyndicationSettings

__all__ = ["Options", "WORDS_RANGE"]

# Budgets outside this range are mistakes: under 10 words no sentence fits, over 5000 is no summary.
WORDS_RANGE = (10, 5000)


@dataclass(frozen=True)
class Options:
    """How to summarize, shared by the CLI, the batch runner, the store, the service and the API.

    `words`: the budget (None: the selector's default length rule); `selector`: a name from
    `newsfuse selectors`; `compare`: add the comparison of sources (off here, as in `newsfuse
    batch` without `--compare`; `newsfuse.summarize` and the `summarize` command compare by
    default). The stage settings keep the calibrated defaults unless a caller changes them;
    `clustering` is how articles join stories (the store and the `cluster` command); `learned`
    and `centrality` go to those selectors; `order` arranges whatever the selector chose."""

    words: int | None = None
    selector: str = "rerank"
    compare: bool = False
    syndication: SyndicationSettings = field(default_factory=SyndicationSettings)
    attribution: AttributionSettings = field(default_factory=AttributionSettings)
    comparison: ComparisonSettings = field(default_factory=ComparisonSettings)
    clustering: ClusterSettings = field(default_factory=ClusterSettings)
    learned: LearnedSettings | None = None  # None: the packing settings stored in the model file
    centrality: CentralityWeights = field(default_factory=CentralityWeights)
    order: OrderSettings = field(default_factory=OrderSettings)

    def __post_init__(self) -> None:
        from .select import available

        low, high = WORDS_RANGE
        if self.words is not None and (isinstance(self.words, bool) or not low <= self.words <= high):
            raise OptionError(f"words must be between {low} and {high}, got {self.words}")
        if self.selector not in available():
            raise UnknownNameError(f"unknown selector {self.selector!r}; choose one of {', '.join(available())}")
