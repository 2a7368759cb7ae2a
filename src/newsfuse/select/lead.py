"""Lead baseline: the first sentences of each article, taken in turn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Sentence
from ..prepare import PreparedStory

if TYPE_CHECKING:
    from ..settings import Options
from ._base import pack, register


@register("lead")
class LeadSelector:
    """Round-robin over articles: every lead sentence, then every second sentence, and so on."""

    name = "lead"

    def __init__(self, options: Options | None = None) -> None:  # a baseline: nothing to set
        pass

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        order = sorted(
            range(len(story.sentences)), key=lambda i: (story.sentences[i].position, story.sentences[i].document)
        )
        return [story.sentences[i] for i in pack(story.sentences, order, budget)]
