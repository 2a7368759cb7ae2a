"""The JSON bodies of the API: pydantic request and response models and their limits."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ..model import DisagreementKind, FactStatus
from ..settings import WORDS_RANGE, Options

MAX_DOCUMENTS = 200  # articles in one request
MAX_TEXT_CHARS = 500_000  # one article's text

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Short = Annotated[str, StringConstraints(max_length=2000)]
# Publication dates newsfuse accepts. Outside these a date is a mistake (year 1 is a default value,
# not a date of news), and story grouping's date windows would run off the calendar's ends.
PUBLISHED_RANGE = (datetime(1000, 1, 1), datetime(9000, 12, 31, 23, 59, 59))


def published_problem(moment: datetime | None) -> str | None:
    """Why a publication date cannot be used, or None when it can (or there is none)."""
    if moment is None:
        return None
    try:
        naive = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    except OverflowError:
        naive = None
    low, high = PUBLISHED_RANGE
    if naive is None or not low <= naive <= high:
        return f"{moment.isoformat()} is outside the dates newsfuse accepts ({low.date()} to {high.date()})"
    return None


def url_problem(url: str | None) -> str | None:
    """Why a URL cannot be read, or None."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in 0..65535
    except ValueError as error:
        return f"not a valid URL: {error}"
    return None


# ---- requests ----------------------------------------------------------------------------------


class DocumentIn(BaseModel):
    """One article: its text and what is known about it."""

    model_config = ConfigDict(extra="ignore")
    text: NonEmpty
    outlet: Short | None = None
    url: Short | None = None
    title: Short | None = None
    published: datetime | None = Field(None, description="ISO 8601 date or date-time")
    id: Short | None = None

    @field_validator("published")
    @classmethod
    def _published_in_range(cls, value: datetime | None) -> datetime | None:
        problem = published_problem(value)
        if problem:
            raise PydanticCustomError("published_range", "{problem}", {"problem": problem})
        return value

    @field_validator("url")
    @classmethod
    def _url_readable(cls, value: str | None) -> str | None:
        problem = url_problem(value)
        if problem:
            raise PydanticCustomError("url_invalid", "{problem}", {"problem": problem})
        return value


class SummarizeRequest(BaseModel):
    """Articles about one story, as plain strings or objects, and how to summarize them."""

    documents: list[NonEmpty | DocumentIn] = Field(min_length=1, max_length=MAX_DOCUMENTS)
    words: int | None = Field(None, ge=WORDS_RANGE[0], le=WORDS_RANGE[1], description="summary length in words")
    selector: str = Field(Options.selector, description="content selector (GET /api/selectors lists them)")
    compare: bool = Field(True, description="add the comparison of sources")


def articles_body() -> dict:
    """The OpenAPI request body of POST /api/articles, which the handler reads itself (JSON or files)."""
    one = DocumentIn.model_json_schema()
    files = {
        "type": "object",
        "required": ["files"],
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"anyOf": [one, {"type": "array", "items": one}]}},
                "multipart/form-data": {"schema": files},
            },
        }
    }


# ---- responses ---------------------------------------------------------------------------------


class SourceOut(BaseModel):
    document: int
    outlet: str | None
    start: int
    end: int


class SentenceOut(BaseModel):
    text: str
    sources: list[SourceOut]
    origins: int
    partial: list[SourceOut] = []
    retold: list[SourceOut] = []  # a lede's news told in other words by these articles' ledes (not counted)


class FactOut(BaseModel):
    text: str
    status: str
    origins: int
    sources: list[SourceOut]
    partial: list[SourceOut] = []


class QuoteOut(BaseModel):
    text: str
    speaker: str | None
    role: str | None = None
    sources: list[SourceOut]
    variants: list[str] = []


class ClaimOut(BaseModel):
    value: str
    text: str
    sources: list[SourceOut]


class DisagreementOut(BaseModel):
    kind: str
    topic: str
    claims: list[ClaimOut]


class WireCopyOut(BaseModel):
    original: int
    copies: list[int]
    shared: float
    agency: str | None = None


class ProblemOut(BaseModel):
    where: str
    message: str


class OutletOut(BaseModel):
    document: int
    outlet: str | None
    how: str | None
    agency: str | None
    origin: int


class ComparisonOut(BaseModel):
    facts: list[FactOut]
    quotes: list[QuoteOut]
    disagreements: list[DisagreementOut]
    outlets: list[OutletOut] = []


class SummaryOut(BaseModel):
    """The summary with each sentence's sources, and the comparison of the sources: the codec's
    version-1 summary dict (`newsfuse.codec`)."""

    version: int
    id: str | None = None
    summary: str
    sentences: list[SentenceOut]
    words: int
    budget: int
    selector: str
    origins: list[int]
    wire_copies: list[WireCopyOut]
    problems: list[ProblemOut] = []
    comparison: ComparisonOut | None = None


class StoredOut(BaseModel):
    article_id: str
    story_id: str
    new: bool


class ArticlesOut(BaseModel):
    stored: list[StoredOut]
    problems: list[str] = []


class StoryInfoOut(BaseModel):
    id: str
    headline: str | None
    articles: int
    outlets: int
    first: str | None
    last: str | None


class ArticleOut(BaseModel):
    document: int
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    text: str


class StoryOut(BaseModel):
    """One story: its articles and their summary with the comparison (None before the first)."""

    id: str
    headline: str | None
    articles: list[ArticleOut]
    summary: SummaryOut | None
    updating: Annotated[
        bool,
        Field(
            description="newer articles than the summary covers wait for the background summarizer: "
            "`summary` is the last one computed (or null before the first)"
        ),
    ] = False
    summarized_articles: Annotated[
        int, Field(description="how many of the story's articles (the first ones) the summary covers; 0 without one")
    ] = 0
    timeline: Annotated[
        TimelineOut | None, Field(description="when each fact was first reported; null before the first summary")
    ] = None
    update: Annotated[UpdateOut | None, Field(description="only with ?since=: what is new after that moment")] = None


class SummaryStatusOut(BaseModel):
    """Whether a story's summary is current, without its articles (what a waiting page polls)."""

    id: str
    articles: int
    summarized_articles: int = Field(description="how many of the articles the cached summary covers")
    updating: bool = Field(description="newer articles wait for the background summarizer")


class TimelineFactOut(BaseModel):
    """A fact of the comparison and its first report: the earliest article stating it in full."""

    text: str
    status: FactStatus
    origins: int
    reports: int = Field(description="articles stating it in full")
    first: SourceOut
    first_reported: datetime | None = Field(description="ISO 8601 (the date, else when stored); null when undated")
    first_outlet: str | None


class TimelineOut(BaseModel):
    """When each fact was first reported and by whom, earliest first (`newsfuse.codec.timeline_to_dict`, version 1)."""

    timeline_version: Literal[1]
    id: str | None
    facts: list[TimelineFactOut]


# ---- what changed since a moment (?since=): the codec's version-1 update dict ----------------------


class UpdateSentenceOut(BaseModel):
    """A sentence of a later article that no earlier one states, and when and by whom it was first reported."""

    text: str
    origins: int
    sources: list[SourceOut]
    partial: list[SourceOut] = []
    first_reported: datetime | None = Field(description="ISO 8601; null when no source is dated")
    first_outlet: str | None


class ReportedOut(BaseModel):
    """One value of a changed fact as reported: a sentence stating it, its sources, its first report."""

    value: str
    text: str
    sources: list[SourceOut]
    first_reported: datetime | None
    first_outlet: str | None


class ValueChangeOut(BaseModel):
    """A fact whose value changed after the moment ("14 injured", then "18 injured")."""

    kind: DisagreementKind
    topic: str
    before: ReportedOut
    after: ReportedOut


class UpdateOut(BaseModel):
    """What is new in the story after `since` (`newsfuse.codec.update_to_dict`, version 1):
    `earlier`/`later` are the documents up to and after it."""

    update_version: Literal[1]
    id: str | None
    since: datetime
    earlier: list[int]
    later: list[int]
    sentences: list[UpdateSentenceOut]
    changes: list[ValueChangeOut]
