"""Plain data types that every pipeline stage reads and writes; nothing here imports a stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "Article",
    "Block",
    "WireCopy",
    "Sentence",
    "Story",
    "Source",
    "SummarySentence",
    "Summary",
    "Options",
    "Problem",
    "FORMATS",
]

Format = Literal["text", "markdown", "json", "html"]
FORMATS: tuple[str, ...] = ("text", "markdown", "json", "html")


@dataclass(frozen=True)
class Article:
    """One report by one outlet. `text` is the original text: every offset points into it."""

    text: str
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    published: datetime | None = None
    id: str | None = None
    origin_file: str | None = None  # where it was read from ("a.txt", "b.jsonl:3"), for messages
    outlet_how: str | None = None  # how `outlet` was found: given/page/url/dateline/credit/file (newsfuse.outlets)
    agency: str | None = None  # the news agency whose copy the text carries ("Associated Press"), if it says so


@dataclass(frozen=True)
class Block:
    """A run of article body text (a paragraph) that survived cleaning: `text[start:end]`."""

    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of one article; `text == story.articles[document].text[start:end]`."""

    document: int
    start: int
    end: int
    text: str
    position: int  # index among the article's body sentences, 0 = lead
    paragraph: int  # index of the cleaned block it came from

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class WireCopy:
    """Articles that carry the same wire copy, and the share of the shorter one that is copied."""

    documents: tuple[int, ...]
    shared_fraction: float


@dataclass
class Story:
    """Articles about one event. Stages annotate it in place, as spaCy components do a Doc:
    segmentation fills `sentences` (in article order), syndication fills `origins` (one
    independent-origin id per article; copies of one wire story share it) and `wire_copies`."""

    articles: list[Article]
    id: str | None = None
    sentences: tuple[Sentence, ...] = ()
    origins: tuple[int, ...] = ()
    wire_copies: tuple[WireCopy, ...] = ()
    extra: dict = field(default_factory=dict)  # input keys carried through (batch records)

    def sentences_of(self, document: int) -> list[Sentence]:
        return [s for s in self.sentences if s.document == document]

    def origin_of(self, document: int) -> int:
        """The independent origin of an article (before syndication runs, each is its own)."""
        return self.origins[document] if self.origins else document


@dataclass(frozen=True)
class Source:
    """Where an article states a summary sentence's content: a span of its original text."""

    document: int
    outlet: str | None
    start: int
    end: int


@dataclass(frozen=True)
class SummarySentence:
    """A summary sentence (an exact span of `sources[0]`), every article stating it, and
    how many independent origins those articles are (syndicated copies count once)."""

    text: str
    sources: tuple[Source, ...]
    origins: int


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input that did not stop the run; `where` names file/line/record."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Summary:
    """The result for one story."""

    sentences: tuple[SummarySentence, ...]
    budget: int  # the word budget it was written to
    story_id: str | None = None
    selector: str = ""
    problems: tuple[Problem, ...] = ()
    comparison: dict | None = None  # filled by `compare` when asked for

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


@dataclass(frozen=True)
class Options:
    """Settings shared by the CLI, the batch runner, the service and the API; validated once."""

    words: int | None = None  # None: the default length rule of `select.default_budget`
    selector: str = "learned"
    compare: bool = False

    def __post_init__(self) -> None:
        if self.words is not None and not 10 <= self.words <= 5000:
            raise ValueError(f"words must be between 10 and 5000, got {self.words}")
