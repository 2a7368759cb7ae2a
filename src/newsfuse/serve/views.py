"""What the pages and the API show of stored data: response models and the story page's view."""

from __future__ import annotations

import bisect
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Generic, TypeVar

from ..codec import summary_to_dict
from ..model import Article, Fact, Problem, QuoteGroup, Source, Story, Summary, Timeline, WireCopy
from ..render import copied_share, outlet_name
from ..store import Ingested, StoryInfo, StorySummary
from .schemas import ArticleOut, StoredOut, StoryInfoOut, StoryOut, SummaryOut

# Quotes shorter than this are fragments ("no", "wrong strategy"), not statements worth a line.
QUOTE_MIN_WORDS = 4
# Facts shown in the coverage grid before "show all".
GRID_FACTS = 12
# Articles (columns) the coverage grid shows, those giving the most facts: a grid of every article
# of a 400-article story is 25,000 cells, most of them empty, and rendering it was over half of
# the page's time (bench/bench_page.py); the page links to the whole grid (`?grid=all`). 30
# columns still fit a wide screen with the fact text beside them.
GRID_COLUMNS = 30


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), so a `javascript:` or `data:` link is never rendered."""
    return url if url and url.strip().lower().startswith(("http://", "https://")) else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary_json(summary: Summary) -> dict:
    """The summary with its comparison as the API sends it: the codec's dict, as batch and the store."""
    return summary_to_dict(summary)


# ---- built pages and bodies, kept while their story is unchanged -------------------------------

Built = TypeVar("Built", str, bytes)

# Characters (or bytes) of built pages or bodies one StoryCache keeps: a 400-article story's page
# is about 2 MB and its API body about 1 MB (bench/bench_page.py), so a few dozen big stories.
STORY_CACHE_SIZE = 64 * 2**20


class StoryCache(Generic[Built]):
    """The last page (or API body) built of each story with the story's state it was built at;
    a read at the same state is a lookup. Least recently used first out beyond `size`. Shared by
    the reading threads, hence the lock (held for the lookup only, never while building)."""

    def __init__(self, size: int = STORY_CACHE_SIZE) -> None:
        self.size = size
        self._held = 0
        self._entries: OrderedDict[Hashable, tuple[Hashable, Built]] = OrderedDict()
        self._building: dict[tuple[Hashable, Hashable], Future[Built]] = {}
        self._lock = threading.Lock()

    def once(self, key: Hashable, state: Hashable, build: Callable[[], Built]) -> Built:
        """`build()`, or what another reading thread already building `key` at `state` builds:
        one build per story state however many reads ask at once (a growing story changes with
        every ingest, and each reader of its page was building it anew)."""
        future, mine = self.claim(key, state)
        if not mine:
            return future.result()
        try:
            value = build()
        except BaseException as error:
            future.set_exception(error)
            raise
        else:
            future.set_result(value)
            return value
        finally:
            self.release(key, state)

    def claim(self, key: Hashable, state: Hashable) -> tuple[Future[Built], bool]:
        """The future of the build of `key` at `state` and whether the caller is to run it (then
        it sets the future's result or error and calls `release`); else another build's, to wait
        for (`once`; on the event loop, by `asyncio.wrap_future`, holding no thread)."""
        with self._lock:
            running = self._building.get((key, state))
            if running is not None:
                return running, False
            mine: Future[Built] = Future()
            mine.set_running_or_notify_cancel()  # running: a waiter's cancel cannot cancel it for the others
            self._building[(key, state)] = mine
            return mine, True

    def release(self, key: Hashable, state: Hashable) -> None:
        with self._lock:
            del self._building[(key, state)]

    def get(self, key: Hashable, state: Hashable) -> Built | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != state:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, state: Hashable, value: Built) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            self._held -= len(old[1]) if old else 0
            if len(value) > self.size:
                return
            self._entries[key] = (state, value)
            self._held += len(value)
            while self._held > self.size:
                self._held -= len(self._entries.popitem(last=False)[1][1])


# ---- API response models -----------------------------------------------------------------------


def stored_out(result: Ingested) -> StoredOut:
    return StoredOut(article_id=str(result.article), story_id=str(result.story), new=bool(result.added))


def info_out(info: StoryInfo) -> StoryInfoOut:
    return StoryInfoOut(
        id=str(info.id),
        headline=info.headline or None,
        articles=info.articles,
        outlets=info.outlets,
        first=_iso(info.first),
        last=_iso(info.last),
    )


def article_out(story: Story, document: int) -> ArticleOut:
    a = story.articles[document]
    return ArticleOut(
        document=document,
        outlet=outlet_name(story.articles, document),
        title=a.title,
        url=a.url,
        published=_iso(a.published),
        text=a.text,
    )


def story_out(story_id: str, story: Story, latest: StorySummary, info: StoryInfo) -> StoryOut:
    """The API's story: its articles and its latest summary (None before the first summary),
    flagged `updating` while newer articles wait for the background summarizer."""
    summary = latest.summary
    return StoryOut(
        id=story_id,
        headline=info.headline or None,
        articles=[article_out(story, d) for d in range(len(story.articles))],
        summary=SummaryOut.model_validate(summary_json(summary)) if summary else None,
        updating=latest.updating,
        summarized_articles=latest.articles,
    )


# ---- the story list ----------------------------------------------------------------------------


def story_card(info: StoryInfo, lead: str | None, outlets: Sequence[str]) -> dict:
    """One story of the index: headline, one-line summary, outlets, article count, first and latest report."""
    return {
        "id": info.id,
        "headline": info.headline or None,
        "lead": lead,
        "outlet_names": list(outlets),
        "articles": info.articles,
        "first": _when(info.first),
        "last": _when(info.last),
    }


# ---- what readers are told ----------------------------------------------------------------------

# The pipeline's notes (`Summary.problems`) as a reader of the page should read them.
_READER_NOTES = {
    "only one article: nothing can be corroborated": (
        "Only one report so far: nothing in this story is confirmed by a second outlet yet."
    ),
}
_UNUSED_NOTE = "no article sentence left after cleaning"


def reader_notes(articles: Sequence[Article], problems: Sequence[Problem]) -> list[str]:
    """The summary's notes in words for readers: no file names, line numbers or pipeline terms."""
    notes: list[str] = []
    unused = [p for p in problems if p.message == _UNUSED_NOTE]
    if unused:
        names = [_named(articles, p.where) for p in unused]
        known = [n for n in names if n]
        who = f" ({', '.join(dict.fromkeys(known))})" if known else ""
        count = len(unused)
        notes.append(
            f"{count} {'report has' if count == 1 else 'reports have'} no article text newsfuse could use{who}: "
            "only a caption, credits or page furniture, so the summary leaves "
            f"{'it' if count == 1 else 'them'} out."
        )
    for p in problems:
        if p.message != _UNUSED_NOTE:
            notes.append(_READER_NOTES.get(p.message) or p.message[:1].upper() + p.message[1:] + ".")
    return list(dict.fromkeys(notes))


def _named(articles: Sequence[Article], where: str) -> str | None:
    """The outlet of the article a problem's `where` names (its origin, or "document N")."""
    for d, article in enumerate(articles):
        if where in (article.origin_file, article.id, f"document {d}"):
            return article.outlet
    return None


def _originals(docs: Sequence[dict]) -> list[dict]:
    """The links to each original report, the first reported (earliest dated) first."""
    dated = sorted((d for d in docs if d["published"]), key=lambda d: d["published"])
    first = dated[0]["doc"] if dated else None
    ordered = sorted(docs, key=lambda d: (d["doc"] != first, d["doc"]))
    return [
        {"outlet": d["outlet"], "url": d["url"], "when": d["when"], "first": d["doc"] == first, "doc": d["doc"]}
        for d in ordered
    ]


# ---- the story page's view ---------------------------------------------------------------------


def _utf16(text: str, index: int) -> int:
    """A code-point offset as the UTF-16 offset JavaScript strings use: one more for each
    character beyond the BMP before it (an emoji), found once per text, not per offset."""
    return index + bisect.bisect_left(_astral(text), index)


@functools.lru_cache(maxsize=1024)  # the texts of a few big stories
def _astral(text: str) -> tuple[int, ...]:
    """Where the text's characters beyond U+FFFF are (two UTF-16 units each); usually none."""
    if text.isascii() or max(text) <= "\uffff":
        return ()
    return tuple(i for i, c in enumerate(text) if c > "\uffff")


def _source_view(articles: Sequence[Article], src: Source, names: Sequence[str] | None = None) -> dict:
    text = articles[src.document].text
    return {
        "doc": src.document,
        "outlet": names[src.document] if names is not None else outlet_name(articles, src.document),
        "start": _utf16(text, src.start),
        "end": _utf16(text, src.end),
        "quote": text[src.start : src.end],
    }


def _sources_view(articles: Sequence[Article], sources: Sequence[Source]) -> list[dict]:
    return [_source_view(articles, s) for s in sources]


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    day = f"{value.day} {value:%b %Y}"
    if (value.hour, value.minute) == (0, 0):
        return day
    return f"{day}, {value:%H:%M}" + (f" {value.tzname()}" if value.tzinfo else "")


def _wire_notes(articles: Sequence[Article], wire_copies: Sequence[WireCopy]) -> dict[int, str]:
    """Each wire article's plain role: the original and its copies, or a copy of which original."""
    notes: dict[int, str] = {}
    for group in wire_copies:
        original = outlet_name(articles, group.original)
        names = ", ".join(outlet_name(articles, c) for c in group.copies)
        notes[group.original] = f"wire original, re-run by {names}"
        for c in group.copies:
            notes[c] = f"wire copy of {original}" + (f" ({group.agency})" if group.agency else "")
    return notes


def _docs_view(
    articles: Sequence[Article], groups: dict[int, list[int]], notes: dict[int, str] | None = None
) -> list[dict]:
    notes = notes or {}
    names = [outlet_name(articles, d) for d in range(len(articles))]
    return [
        {
            "doc": d,
            "outlet": names[d],
            "title": a.title,
            "url": safe_url(a.url),
            "when": _when(a.published),
            "published": _iso(a.published),
            "wire": d in groups,  # one of a wire group (its original or a copy)
            "wire_note": notes.get(d),
            "text": a.text,
        }
        for d, a in enumerate(articles)
    ]


def _fact_view(articles: Sequence[Article], fact: Fact) -> dict:
    return {
        "text": fact.text,
        "status": fact.status,
        "origins": fact.origins,
        "sources": _sources_view(articles, fact.sources),
    }


def grid_columns(facts: Sequence[Fact], size: int, limit: int | None = GRID_COLUMNS) -> list[int]:
    """The articles the coverage grid shows, in article order: all of them, or the `limit` that
    give the most facts (the first article on a tie), so a big story's grid keeps its busiest outlets."""
    if limit is None or size <= limit:
        return list(range(size))
    given = [0] * size
    for fact in facts:
        for d in {s.document for s in fact.sources}:
            given[d] += 1
    return sorted(sorted(range(size), key=lambda d: (-given[d], d))[:limit])


def _groups_of(wire_copies: Sequence[WireCopy]) -> dict[int, list[int]]:
    """Each wire article's groups (indices into `wire_copies`)."""
    groups: dict[int, list[int]] = {}
    for g, group in enumerate(wire_copies):
        for d in group.documents:
            groups.setdefault(d, []).append(g)
    return groups


def _grid_row(
    articles: Sequence[Article], fact: Fact, groups: dict[int, list[int]], columns: Sequence[int], names: Sequence[str]
) -> dict:
    """A fact's row over the grid's columns; a cell is a syndicated copy when an earlier article of
    one of its wire groups gives the fact too (the earliest per group: linear, not articles x peers)."""
    first: dict[int, Source] = {}
    for src in fact.sources:
        first.setdefault(src.document, src)
    earliest: dict[int, int] = {}
    for d in first:
        for g in groups.get(d, ()):
            earliest[g] = min(earliest.get(g, d), d)
    cells: list[dict | None] = []
    for d in columns:
        found = first.get(d)
        copy = found is not None and any(earliest[g] < d for g in groups.get(d, ()))
        cells.append(None if found is None else dict(_source_view(articles, found, names), syndicated=copy))
    return {"text": fact.text, "status": fact.status, "origins": fact.origins, "cells": cells}


def _one_per_article(sources: Sequence[Source]) -> list[Source]:
    """Each article's first source: a quote an outlet gives twice gets one chip, not two."""
    first: dict[int, Source] = {}
    for source in sources:
        first.setdefault(source.document, source)
    return list(first.values())


def _quotes_view(articles: Sequence[Article], quotes: Sequence[QuoteGroup]) -> list[dict]:
    by_speaker: dict[str, list[dict]] = {}
    for q in quotes:
        if len(q.text.split()) >= QUOTE_MIN_WORDS:
            by_speaker.setdefault(q.speaker or "Unattributed", []).append(
                {"text": q.text, "sources": _sources_view(articles, _one_per_article(q.sources))}
            )
    ranked = sorted(by_speaker.items(), key=lambda kv: (kv[0] == "Unattributed", -len(kv[1])))
    return [{"speaker": k, "quotes": v} for k, v in ranked]


# Facts listed under one report of the timeline before the rest fold away ("and N more").
TIMELINE_FACTS = 3


def _timeline_view(articles: Sequence[Article], dated: list[dict], timeline: Timeline | None) -> tuple[list, list]:
    """The dated reports in time order, each with the facts it reported first, and the facts
    first reported by an article the page shows no date for (dated by when it was stored)."""
    facts = timeline.facts if timeline else ()
    shown = {d["doc"] for d in dated}
    by_doc: dict[int, list[dict]] = {}
    rest: list[dict] = []
    for fact in facts:
        view = {
            "text": fact.text,
            "status": fact.status,
            "reports": fact.reports,
            "when": _when(fact.first_reported),
            "source": _source_view(articles, fact.first),
        }
        (by_doc.setdefault(fact.first.document, []) if fact.first.document in shown else rest).append(view)
    return [dict(d, first_facts=by_doc.get(d["doc"], [])) for d in dated], rest


def story_view(
    story: Story,
    summary: Summary | None,
    story_id: str,
    headline: str | None,
    timeline: Timeline | None = None,
    full_grid: bool = False,
) -> dict:
    """Everything the story page shows of the story and its summary, with offsets ready for the
    browser; `timeline` places each fact under the report that first gave it; the coverage grid
    has every article's column with `full_grid`, else at most GRID_COLUMNS (`grid_docs`)."""
    articles = story.articles
    comparison = summary.comparison if summary else None
    wire_copies = summary.wire_copies if summary else ()
    facts = comparison.facts if comparison else ()
    groups = _groups_of(wire_copies)
    docs = _docs_view(articles, groups, _wire_notes(articles, wire_copies))
    dated = sorted((d for d in docs if d["published"]), key=lambda d: d["published"])
    dated_facts, undated_facts = _timeline_view(articles, dated, timeline)
    names = [d["outlet"] for d in docs]
    columns = grid_columns(facts, len(articles), None if full_grid else GRID_COLUMNS)
    return {
        "id": story_id,
        "headline": headline or next((a.title for a in articles if a.title), None) or f"Story {story_id}",
        "docs": docs,
        "texts": [a.text for a in articles],
        "outlets": len({d["outlet"] for d in docs}),
        "sentences": [
            {
                "text": s.text,
                "origins": s.origins,
                "sources": _sources_view(articles, s.sources),
                "retold": _sources_view(articles, s.retold),
            }
            for s in (summary.sentences if summary else ())
        ],
        "words": summary.words if summary else None,
        "problems": reader_notes(articles, summary.problems) if summary else [],
        "originals": _originals(docs),
        "corroborated": [_fact_view(articles, f) for f in facts if f.status == "corroborated"],
        "single": [_fact_view(articles, f) for f in facts if f.status != "corroborated"],
        "quotes": _quotes_view(articles, comparison.quotes if comparison else ()),
        "disagreements": [
            {
                "kind": d.kind,
                "topic": d.topic,
                "claims": [
                    {"value": c.value, "text": c.text, "sources": _sources_view(articles, c.sources)} for c in d.claims
                ],
            }
            for d in (comparison.disagreements if comparison else ())
        ],
        "grid": [_grid_row(articles, f, groups, columns, names) for f in facts],
        "grid_shown": GRID_FACTS,
        "grid_docs": [docs[d] for d in columns],
        "wire": [[outlet_name(articles, d) for d in (g.original, *g.copies)] + [copied_share(g)] for g in wire_copies],
        "timeline": dated_facts,
        "undated": len(docs) - len(dated),
        "undated_facts": undated_facts,
        "timeline_shown": TIMELINE_FACTS,
    }
