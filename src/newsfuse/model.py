"""Plain data types that every pipeline stage reads and writes; nothing here imports a stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Literal

__all__ = [
    "Article",
    "Block",
    "Span",
    "WireCopy",
    "Sentence",
    "Story",
    "Source",
    "SummarySentence",
    "Summary",
    "Problem",
    "Fact",
    "FactStatus",
    "QuoteGroup",
    "Claim",
    "Disagreement",
    "DisagreementKind",
    "Comparison",
    "Outlet",
    "Reported",
    "UpdateSentence",
    "ValueChange",
    "Update",
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
class Span:
    """A stretch of one article's original text: `articles[document].text[start:end]`."""

    document: int
    start: int
    end: int


@dataclass(frozen=True)
class Sentence(Span):
    """A sentence of one article; `text == story.articles[document].text[start:end]`."""

    text: str
    position: int  # index among the article's body sentences, 0 = lead
    paragraph: int  # index of the cleaned block it came from

    @cached_property
    def words(self) -> int:  # cached: every selector, packing and order pass asks again
        return len(self.text.split())


@dataclass(frozen=True)
class WireCopy:
    """Articles that carry one wire story: the `original` (the agency's own article, else the
    earliest, else the first given), its `copies`, the share of the shorter article that is
    copied (`shared`; 0 when only a common agency credit joins them), and the `agency` named."""

    original: int
    copies: tuple[int, ...]
    shared: float
    agency: str | None = None

    @property
    def documents(self) -> tuple[int, ...]:
        return tuple(sorted((self.original, *self.copies)))


@dataclass
class Story:
    """Articles about one event, as given. `prepare.prepare` reads it once into a `PreparedStory`
    (sentences, origins, wire copies, shared text views), which every stage takes; nothing
    writes back into a Story."""

    articles: list[Article]
    id: str | None = None
    extra: dict = field(default_factory=dict)  # input keys carried through (batch records)


@dataclass(frozen=True)
class Source(Span):
    """Where an article states some content: a span of its original text, and the outlet."""

    outlet: str | None = None


@dataclass(frozen=True)
class SummarySentence:
    """A summary sentence (an exact span of `sources[0]`), every article stating it in full, how
    many independent origins those articles are (syndicated copies count once), the articles
    that state only part of it (`partial`: shown, not counted), and, for an article's lede, the
    other articles whose own ledes tell the same news in their own words without stating this
    sentence in full (`retold`, their ledes' spans: shown apart, not counted in `origins`)."""

    text: str
    sources: tuple[Source, ...]
    origins: int
    partial: tuple[Source, ...] = ()
    retold: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input that did not stop the run; `where` names file/line/record."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# corroborated: two or more independent origins state it in full; partial: one does, and others
# state part of it (shown, never counted as corroboration); single: one origin alone.
FactStatus = Literal["corroborated", "partial", "single"]
DisagreementKind = Literal["number", "date", "name", "attribution"]


@dataclass(frozen=True)
class Fact:
    """One piece of content, every article stating it in full (`sources`; `origins` counts their
    independent origins) and those stating part of it (`partial`)."""

    text: str
    sources: tuple[Source, ...]
    origins: int
    status: FactStatus
    partial: tuple[Source, ...] = ()


@dataclass(frozen=True)
class QuoteGroup:
    """One quotation as every outlet gives it: the fullest text, its speaker (one name for the
    person across outlets, title left out), the variants, and the title or office the outlets
    give the speaker (`role`, "Defense Secretary"), if any."""

    text: str
    speaker: str | None
    sources: tuple[Source, ...]
    variants: tuple[str, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class Claim:
    """One side of a disagreement: the value it states, a sentence stating it, and its sources."""

    value: str
    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Disagreement:
    """Reports of one claim that state incompatible values (`topic`: the words around it)."""

    kind: DisagreementKind
    topic: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Outlet:
    """Who published an article, how newsfuse found it out (`how`: given, page, url, dateline,
    credit, file; None when nothing names it), whose agency copy it carries, and its origin."""

    document: int
    name: str | None
    how: str | None
    agency: str | None
    origin: int


@dataclass(frozen=True)
class Comparison:
    """What the sources corroborate, what rests on one, the quotes, where they disagree, the wire
    copies, and each article's outlet."""

    facts: tuple[Fact, ...]
    quotes: tuple[QuoteGroup, ...]
    disagreements: tuple[Disagreement, ...]
    wire_copies: tuple[WireCopy, ...] = ()
    outlets: tuple[Outlet, ...] = ()


@dataclass(frozen=True)
class Summary:
    """The result for one story: the attributed sentences, and what a reader needs beside the
    articles to show them (each article's independent origin, the wire copies)."""

    sentences: tuple[SummarySentence, ...]
    budget: int  # the word budget it was written to
    story_id: str | None = None
    selector: str = ""
    problems: tuple[Problem, ...] = ()
    comparison: Comparison | None = None  # filled by `compare` when asked for
    origins: tuple[int, ...] = ()  # per article: its independent origin (copies share one)
    wire_copies: tuple[WireCopy, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


@dataclass(frozen=True)
class UpdateSentence:
    """A sentence of an article after the update's moment that states something no earlier
    article does (an exact span of `sources[0]`): every later article stating it in full, their
    independent origins, those stating part of it, and when and by whom it was first reported."""

    text: str
    sources: tuple[Source, ...]
    origins: int
    first_reported: datetime | None
    first_outlet: str | None
    partial: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Reported:
    """One value of a changed fact as it was reported: a sentence stating it, its sources, and
    when and by whom it was first reported."""

    value: str
    text: str
    sources: tuple[Source, ...]
    first_reported: datetime | None
    first_outlet: str | None


@dataclass(frozen=True)
class ValueChange:
    """A fact whose value changed after the update's moment ("14 injured", then "18 injured")."""

    kind: DisagreementKind
    topic: str
    before: Reported
    after: Reported


@dataclass(frozen=True)
class Update:
    """What changed in a story since a moment: the new sentences and the changed values. Articles
    are split by their date (an undated one by when it was added); sources index the story's articles."""

    story_id: str | None
    since: datetime
    earlier: tuple[int, ...]  # the articles up to `since`
    later: tuple[int, ...]  # the articles after it
    sentences: tuple[UpdateSentence, ...]
    changes: tuple[ValueChange, ...]


@dataclass(frozen=True)
class TimelineFact:
    """One fact of a story's comparison and its first report: the earliest article stating it in
    full (`first`, the span there), when (its date, else when it was stored) and by which outlet;
    the fact's status and origins now, and how many articles state it (`reports`)."""

    text: str
    status: FactStatus
    origins: int
    reports: int
    first: Source
    first_reported: datetime | None
    first_outlet: str | None


@dataclass(frozen=True)
class Timeline:
    """When each fact of a story was first reported and by whom, earliest first (undated last)."""

    story_id: str | None
    facts: tuple[TimelineFact, ...]
