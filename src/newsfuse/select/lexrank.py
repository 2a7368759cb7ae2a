"""LexRank baseline from the sumy package, given newsfuse's sentences (sumy needs no NLTK data)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Sentence
from ..prepare import PreparedStory

if TYPE_CHECKING:
    from ..settings import Options
from ..textsim import words
from ._base import pack, register


class _Tokenizer:
    """What sumy asks of a tokenizer; newsfuse has already split the sentences."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [paragraph]

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence)


@register("lexrank")
class LexRankSelector:
    """sumy's LexRank (Erkan & Radev 2004) over all the story's sentences, packed to the budget."""

    name = "lexrank"

    def __init__(self, options: Options | None = None) -> None:  # a baseline: sumy's defaults
        pass

    def __call__(self, story: PreparedStory, budget: int) -> list[Sentence]:
        from sumy.models.dom import ObjectDocumentModel, Paragraph
        from sumy.models.dom import Sentence as SumySentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words

        tokenizer = _Tokenizer()
        ours = {}
        paragraphs = []
        for doc in range(len(story.articles)):
            items = [SumySentence(s.text, tokenizer) for s in story.sentences_of(doc)]
            ours.update({id(item): s for item, s in zip(items, story.sentences_of(doc))})
            paragraphs.append(Paragraph(items))
        summarizer = LexRankSummarizer(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        ranked: list[Sentence] = []

        def take(infos):  # sumy calls this with its sentences sorted by LexRank score
            ranked.extend(ours[id(info.sentence)] for info in infos)
            return []

        summarizer(ObjectDocumentModel(paragraphs), take)
        return [ranked[i] for i in pack(ranked, range(len(ranked)), budget)]
