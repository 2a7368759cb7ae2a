"""Content selection: each file one algorithm, all answering `(story, budget) -> sentences`."""

from . import centrality, lead, learned, lexrank, rerank  # noqa: F401  (registers the selectors)
from ._base import Selector, available, default_budget, get_selector, pack, register

__all__ = ["Selector", "available", "default_budget", "get_selector", "pack", "register"]
