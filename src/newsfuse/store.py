"""A persistent story store in SQLite: articles join stories as they arrive; summaries are cached."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from .codec import summary_from_dict, summary_to_dict
from .errors import InputError, NewsfuseError, NotFoundError, OptionError, StoreError
from .model import Article, Story, Summary
from .settings import Options
from .stories import ArticleVector, ClusterSettings, LoneReport, StoryClusterer, StoryState, as_utc, lone_pairs

__all__ = [
    "Store",
    "StoreError",
    "SqliteIndex",
    "StoryInfo",
    "StorySummary",
    "Ingested",
    "Summarizer",
    "StoreCall",
    "text_hash",
    "SCHEMA_VERSION",
    "summarizer_identity",
]

# Marks the file as a newsfuse store (PRAGMA application_id; "NFUS" in ASCII).
APPLICATION_ID = 0x4E465553
# Articles per write transaction: a writer holds the lock for about 0.2 s, so another process
# interleaves; measured on 4,000 validation articles, 64 ingests 1.2x faster than 16 (the commit
# writes the scattered postings pages once per batch) and 256 only 1.1x more.
BATCH = 64
# Articles of the stories one batched summary pass holds prepared at once (`Store.refresh_many`):
# a burst's small stories make one pass; a big story is a pass of its own, as before.
MANY_ARTICLES = 500
# Stale stories a background summarizer with its own connection takes a step (`Summarizer`): one
# batched pass (`Store.refresh_many`), whose summaries are settled together at its end, so the first
# waits for the others: 16 small stories are about 50 ms.
SUMMARIZER_STEP = 16
# How long a writer waits for another process's transaction before it gives up (seconds).
BUSY_TIMEOUT_S = 60.0
HEADLINE_CHARS = 100
# Stories `SqliteIndex.partial_scores` returns, best first (the clusterer rescores the top `rescored`).
PARTIAL_LIMIT = 20
# Postings a store files per story: part of the file's format, not a free setting. A story's old
# postings are found again, to be replaced, as its `posted_terms` heaviest terms, so a store written
# with one count and grown with another would keep stale postings (and collide with them on insert).
# A store therefore takes only clustering settings whose `posted_terms` is this.
STORE_POSTED_TERMS = ClusterSettings().posted_terms
# Story states an ingesting connection keeps (`SqliteIndex.writing`): two dicts of `story_terms`
# (100) terms each, some 20 kB; the candidates an article meets are mostly of recent stories.
CACHED_STATES = 1024
# Page cache per connection (KiB): the postings of common terms stay in memory.
CACHE_KIB = 65536
# Parsed summaries a connection keeps (`Store._parsed`): the stories being read again and again
# (a growing one); a 400-article story's is some megabytes of objects, so only a few.
PARSED_SUMMARIES = 4
# First sentences of summaries a connection keeps for the story list (`Store._lead`): small strings.
KEPT_LEADS = 10_000
# Checkpoint the WAL into the database every this many pages (4 KiB): each checkpoint syncs the
# file, and a batch rewrites a few hundred postings pages, so the default 1000 checkpoints often.
CHECKPOINT_PAGES = 16384
# Seconds the summarizer sleeps with nothing to do before it looks again for marks another
# process (e.g. `newsfuse ingest --no-summarize` beside the server) left in the file.
IDLE_POLL_S = 5.0


# ---- schema and migrations ---------------------------------------------------------------------

_V1 = (
    """CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        size INTEGER NOT NULL,
        first TEXT, last TEXT,
        terms BLOB NOT NULL, sums BLOB NOT NULL,  -- the clusterer's top term sums
        headline TEXT, titled INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,                        -- the article's id, else where it was read
        url TEXT, text_hash TEXT NOT NULL,
        title TEXT, outlet TEXT, published TEXT, origin_file TEXT,
        text TEXT NOT NULL, added TEXT NOT NULL)""",
    "CREATE UNIQUE INDEX articles_url ON articles(url) WHERE url IS NOT NULL",
    "CREATE UNIQUE INDEX articles_text ON articles(text_hash)",
    """CREATE TABLE membership (
        article INTEGER PRIMARY KEY REFERENCES articles(id),
        story INTEGER NOT NULL REFERENCES stories(id))""",
    "CREATE INDEX membership_story ON membership(story)",
    """CREATE TABLE postings (                    -- inverted index: term -> story centroid weight
        term INTEGER NOT NULL, story INTEGER NOT NULL, weight REAL NOT NULL,
        PRIMARY KEY (term, story)) WITHOUT ROWID""",
    """CREATE TABLE summaries (
        story INTEGER PRIMARY KEY REFERENCES stories(id),
        size INTEGER NOT NULL,                    -- the story's size when it was computed
        data TEXT NOT NULL, computed TEXT NOT NULL)""",
)


def _migrate_1(db: sqlite3.Connection) -> None:
    for statement in _V1:
        db.execute(statement)


def _migrate_2(db: sqlite3.Connection) -> None:
    """Postings filed by the story's newest day (`StoryState.day`), so a dated article's query
    seeks past the stories outside its time window instead of reading them; and only a story's
    STORE_POSTED_TERMS heaviest terms are filed (rebuilt from the stories' term sums)."""
    db.execute("DROP TABLE postings")
    db.execute("""CREATE TABLE postings (
        term INTEGER NOT NULL, day INTEGER NOT NULL, story INTEGER NOT NULL, weight REAL NOT NULL,
        PRIMARY KEY (term, day, story)) WITHOUT ROWID""")
    for story, size, last, terms, sums in db.execute("SELECT id, size, last, terms, sums FROM stories").fetchall():
        kept = dict(zip(np.frombuffer(terms, np.int32).tolist(), np.frombuffer(sums, np.float64).tolist()))
        state = StoryState.from_sums(kept, size, recent=(datetime.fromisoformat(last),) if last else ())
        db.executemany(
            "INSERT INTO postings (term, day, story, weight) VALUES (?, ?, ?, ?)",
            ((t, state.day, story, w) for t, w in state.posted(STORE_POSTED_TERMS)),
        )


def _migrate_3(db: sqlite3.Connection) -> None:
    """A story's liveness follows its newest articles (`StoryState.recent`: their dates as JSON,
    and `seen`: the arrival number of its newest article, an article row id); the stream's clock
    is the newest publication date stored. A story of an older store keeps its newest date."""
    db.execute("ALTER TABLE stories ADD COLUMN recent TEXT")
    db.execute("ALTER TABLE stories ADD COLUMN seen INTEGER NOT NULL DEFAULT -1")
    db.execute("UPDATE stories SET recent = json_array(last) WHERE last IS NOT NULL")
    db.execute(
        "UPDATE stories SET seen = COALESCE((SELECT MAX(m.article) FROM membership m WHERE m.story = stories.id), -1)"
    )
    db.execute("CREATE INDEX articles_published ON articles(published) WHERE published IS NOT NULL")


def _migrate_4(db: sqlite3.Connection) -> None:
    """The conditional-request validators (ETag, Last-Modified) of each URL fetched (newsfuse.fetch)."""
    db.execute("""CREATE TABLE fetched (
        url TEXT PRIMARY KEY, etag TEXT, modified TEXT, checked TEXT NOT NULL)""")


def _migrate_5(db: sqlite3.Connection) -> None:
    """Full-text search over the stored articles (SQLite FTS5, an external-content index of
    `articles.title` and `articles.text`, kept by triggers), for `Store.search`; built from the
    articles already stored."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(title, text, content='articles', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS article_search_add AFTER INSERT ON articles BEGIN "
        "INSERT INTO article_search (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS article_search_remove AFTER DELETE ON articles BEGIN "
        "INSERT INTO article_search (article_search, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    )
    db.execute("INSERT INTO article_search (article_search) VALUES ('rebuild')")


def _migrate_6(db: sqlite3.Connection) -> None:
    """Stale marks: `stories.stale` is 0 while the cached summary covers the story, else the
    arrival number (article row id) of the article that first made it stale, so a background
    summarizer finds them, the longest waiting first, after a restart too. A story of an older
    store is marked when its cached summary is missing or older than the story. And the story
    list's order as an indexed column (`active`)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(stories)")}
    if "stale" not in columns:  # a store whose version was set back (as the tests do) has it
        db.execute("ALTER TABLE stories ADD COLUMN stale INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE stories SET stale = MAX(seen, 1) WHERE stale = 0 AND NOT EXISTS "
        "(SELECT 1 FROM summaries m WHERE m.story = stories.id AND m.size = stories.size)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS stories_stale ON stories(stale) WHERE stale > 0")
    # The story list's order kept in a column, so a page of it reads its stories by an index,
    # not by grouping every article of the store (212 ms a page at 12,664 stories): `active` is
    # the latest report's date, else when the story's latest article was added.
    if "active" not in columns:
        db.execute("ALTER TABLE stories ADD COLUMN active TEXT")
    db.execute(
        "UPDATE stories SET active = COALESCE(last, (SELECT MAX(a.added) FROM membership m "
        "JOIN articles a ON a.id = m.article WHERE m.story = stories.id))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS stories_active ON stories(active DESC, id DESC)")


def _migrate_7(db: sqlite3.Connection) -> None:
    """The lone reports' pass after each ingest (`Store._pair_lone`): a story emptied by a pair is
    deleted and its id kept in `merged` beside the story its article joined, so a reader holding
    the old id reads that story (`Store.resolve`); the stories of one article indexed by their
    moment on the clock (the last of `recent`) and, undated, by arrival, for the pass to find."""
    db.execute("CREATE TABLE IF NOT EXISTS merged (story INTEGER PRIMARY KEY, into_story INTEGER NOT NULL)")
    db.execute(f"CREATE INDEX IF NOT EXISTS stories_lone ON stories({_LONE_CLOCK}) WHERE size = 1")
    db.execute("CREATE INDEX IF NOT EXISTS stories_lone_seen ON stories(seen) WHERE size = 1 AND recent IS NULL")


def _migrate_8(db: sqlite3.Connection) -> None:
    """Each cached summary names what made it (`summarizer_identity`); the entries of older stores
    have none, so each is refreshed when its story is next read, not all at once here."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(summaries)")}
    if "identity" not in columns:
        db.execute("ALTER TABLE summaries ADD COLUMN identity TEXT")


def _migrate_9(db: sqlite3.Connection) -> None:
    """The search index takes each ingest batch's articles in one statement (`Store._index_search`),
    not a row at a time by a trigger: FTS5 flushes its pending terms at the end of every statement
    (a trigger's insert writes a segment per article, and then merges them), and the trigger made
    a third of a full-text article's time into the store. The delete trigger stays (rare)."""
    db.execute("DROP TRIGGER IF EXISTS article_search_add")


# A story's moment on the stream's clock, as an indexed expression (`stories_lone`).
_LONE_CLOCK = "json_extract(recent, '$[#-1]')"

# Ordered: MIGRATIONS[i] takes schema version i to i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_1,
    _migrate_2,
    _migrate_3,
    _migrate_4,
    _migrate_5,
    _migrate_6,
    _migrate_7,
    _migrate_8,
    _migrate_9,
)
SCHEMA_VERSION = len(MIGRATIONS)


# What computes a story's summary (`pipeline.summarize_story`, or the same in another process).
Compute = Callable[[Story, Options], Summary]


# Raised by hand when a code change alters summaries without a new package version or model file
# (both are in `summarizer_identity` already): a store's summaries made before it are then redone.
SUMMARY_REVISION = 1
MODELS = Path(__file__).parent / "models"


def summarizer_identity(options: Options) -> str:
    """What a cached summary was made by, in 16 hex digits: the package version, this revision,
    the shipped model files' bytes and the summary settings. A summary of another identity is
    refreshed when its story is read (`Store.summary`, `Store.latest_summary`)."""
    return _identity(repr(options))


@functools.lru_cache(maxsize=8)
def _identity(settings: str) -> str:
    from . import __version__

    digest = hashlib.sha256(f"{__version__}\0{SUMMARY_REVISION}\0{settings}".encode())
    for model in sorted(MODELS.iterdir()):
        if model.is_file() and model.suffix != ".py":
            digest.update(model.name.encode() + b"\0" + model.read_bytes())
    return digest.hexdigest()[:16]


# ---- small helpers ------------------------------------------------------------------------------


def text_hash(text: str) -> str:
    """SHA-256 of the text, NFKC-normalized, case-folded, whitespace collapsed."""
    normal = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _key(article: Article) -> str:
    return article.id or article.origin_file or ""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _headline(article: Article) -> str:
    if article.title and article.title.strip():
        return article.title.strip()
    head = " ".join(article.text.split())
    return head if len(head) <= HEADLINE_CHARS else head[: HEADLINE_CHARS - 1].rsplit(" ", 1)[0] + "…"


# ---- the clusterer's state in SQLite ------------------------------------------------------------


def partial_sql(terms: int) -> str:
    """Partial scores of the stories in the window that share any of `terms` query terms
    (postings read by a range seek on the primary key (term, day))."""
    values = ",".join("(?, ?)" for _ in range(terms))
    return (
        f"WITH q(term, w) AS (VALUES {values}) SELECT p.story, SUM(q.w * p.weight) AS s "
        "FROM q JOIN postings p ON p.term = q.term AND p.day >= ? GROUP BY p.story ORDER BY s DESC LIMIT ?"
    )


def _store_settings(settings: ClusterSettings) -> ClusterSettings:
    """`settings`, when a store can cluster by them (see `STORE_POSTED_TERMS`)."""
    if settings.posted_terms != STORE_POSTED_TERMS:
        raise OptionError(
            f"posted_terms must be {STORE_POSTED_TERMS} for a store (its postings are filed with that count), "
            f"got {settings.posted_terms}"
        )
    return settings


class SqliteIndex:
    """`StoryIndex` over the store's tables. Outside `writing` it keeps nothing in memory, so every
    read sees the state of the caller's current transaction (another process's stories included).
    In `writing` transactions it keeps the stories it read or wrote (`CACHED_STATES`), for as long
    as no other connection commits: an ingest reads each candidate story twice or more (ranked,
    then joined), and parsing its term sums again was a tenth of a full-text article's time.
    `settings` must file `STORE_POSTED_TERMS` postings a story (an `OptionError` otherwise)."""

    def __init__(self, db: sqlite3.Connection, settings: ClusterSettings | None = None) -> None:
        self.db = db
        self.settings = _store_settings(settings or ClusterSettings())
        self._states: dict[int, StoryState] = {}  # least recently used first
        self._version: int | None = None  # the `data_version` `_states` are of (None: none kept)
        self._live = False  # in `writing`

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A write transaction (`_transaction`) in which stories are kept in memory: those kept
        from this connection's earlier transactions stay when no other connection committed since
        (`PRAGMA data_version` is unchanged by a connection's own commits); any error forgets them
        all (a rolled-back put must not be read again)."""
        try:
            with _transaction(self.db):
                version = self.db.execute("PRAGMA data_version").fetchone()[0]
                if version != self._version:
                    self._states.clear()
                    self._version = version
                self._live = True
                yield
        except BaseException:
            self._states.clear()
            self._version = None
            raise
        finally:
            self._live = False

    def _keep(self, story: int, state: StoryState) -> None:
        self._states.pop(story, None)
        self._states[story] = state
        if len(self._states) > CACHED_STATES:
            del self._states[next(iter(self._states))]

    def partial_scores(self, query: list[tuple[int, float]], since_day: int = 0) -> dict[int, float]:
        """The best-scoring stories only, best first (the clusterer rescores its top `rescored`):
        the sums are done in SQLite over the postings of the query terms, read through the term index."""
        if not query:
            return {}
        rows = self.db.execute(
            partial_sql(len(query)),
            [x for pair in query for x in pair] + [since_day, max(PARTIAL_LIMIT, self.settings.rescored)],
        )
        return dict(rows.fetchall())

    def get(self, story: int) -> StoryState:
        """The story's state (shared, not copied: the clusterer copies a state before it grows it)."""
        if self._live and (kept := self._states.get(story)) is not None:
            return kept
        state = self._read(story)
        if self._live:
            self._keep(story, state)
        return state

    def _read(self, story: int) -> StoryState:
        row = self.db.execute(
            "SELECT size, first, last, terms, sums, recent, seen FROM stories WHERE id = ?", (story,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story}")
        size, first, last, terms, sums, recent, seen = row
        kept = dict(zip(np.frombuffer(terms, np.int32).tolist(), np.frombuffer(sums, np.float64).tolist()))
        dates = tuple(datetime.fromisoformat(d) for d in json.loads(recent)) if recent else ()
        return StoryState.from_sums(kept, size, _when(first), _when(last), dates, seen)

    def put(self, story: int, old: StoryState | None, new: StoryState) -> None:
        if old is not None:
            self.db.executemany(
                "DELETE FROM postings WHERE term = ? AND day = ? AND story = ?",
                ((t, old.day, story) for t, _ in old.posted(STORE_POSTED_TERMS)),
            )
        self.db.executemany(
            "INSERT INTO postings (term, day, story, weight) VALUES (?, ?, ?, ?)",
            ((t, new.day, story, w) for t, w in new.posted(STORE_POSTED_TERMS)),
        )
        terms = np.fromiter(new.sums.keys(), np.int32, len(new.sums)).tobytes()
        sums = np.fromiter(new.sums.values(), np.float64, len(new.sums)).tobytes()
        self.db.execute(
            "INSERT INTO stories (id, size, first, last, terms, sums, recent, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET size = excluded.size, first = excluded.first, "
            "last = excluded.last, terms = excluded.terms, sums = excluded.sums, recent = excluded.recent, "
            "seen = excluded.seen",
            (
                story,
                new.size,
                _iso(new.first),
                _iso(new.last),
                terms,
                sums,
                json.dumps([d.isoformat() for d in new.recent]) if new.recent else None,
                new.seen,
            ),
        )
        if self._live:
            self._keep(story, new)
        else:
            self._states.pop(story, None)

    def delete(self, story: int, state: StoryState) -> None:
        """Delete the story (as `state`, its stored state) and its postings."""
        self.db.executemany(
            "DELETE FROM postings WHERE term = ? AND day = ? AND story = ?",
            ((t, state.day, story) for t, _ in state.posted(STORE_POSTED_TERMS)),
        )
        self.db.execute("DELETE FROM stories WHERE id = ?", (story,))
        self._states.pop(story, None)

    def new_id(self) -> int:
        # never an id a merged story had: a reader holding it must still find its articles
        return self.db.execute(
            "SELECT MAX(COALESCE((SELECT MAX(id) FROM stories), 0), COALESCE((SELECT MAX(story) FROM merged), 0)) + 1"
        ).fetchone()[0]


# A story of one article as the lone reports' pass reads it (`where` says which).
_LONE_SQL = (
    "SELECT s.id, s.recent, s.seen, s.terms, s.sums, a.outlet FROM stories s JOIN membership m ON m.story = s.id "
    "JOIN articles a ON a.id = m.article WHERE s.size = 1 AND {where}"
)


# A story-list line per story: headline, size, outlets, time span (`where` narrows it).
_INFO_SQL = (
    "SELECT s.id, s.headline, s.size, COUNT(DISTINCT a.outlet), s.first, s.last FROM stories s "
    "JOIN membership m ON m.story = s.id JOIN articles a ON a.id = m.article {where} GROUP BY s.id"
)


# Most recently active first: by the latest report's date, else (undated articles, e.g. pasted
# ones) by when the story's latest article was added (`stories.active`, kept by each ingest).
_ORDER_SQL = " ORDER BY s.active DESC, s.id DESC"
_WORD_RE = re.compile(r"\w+")
# Query words `Store.search` uses (the rest of a long query is ignored).
SEARCH_WORDS = 12
# Matching articles read per story asked for (a story of many matching articles fills few places).
SEARCH_HITS_PER_STORY = 20


def fts_query(text: str) -> str | None:
    """A reader's search words as an FTS5 query: every word must match (the last one as a prefix,
    so a word still being typed finds); FTS5 syntax typed by the reader is read as plain words.

    >>> fts_query('fire "warehouse') , fts_query("  -- ")
    ('"fire" "warehouse"*', None)
    """
    words = _WORD_RE.findall(text)[:SEARCH_WORDS]
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words) + "*"


def _story_info(row: tuple) -> StoryInfo:
    return StoryInfo(row[0], row[1] or "", row[2], row[3], _when(row[4]), _when(row[5]))


# ---- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What became of one input article: its row, its story, and whether it was new."""

    key: str  # the article's id, else where it was read
    article: int  # row id in the store
    story: int
    added: bool  # False: already stored (same URL or same normalized text); nothing changed


@dataclass(frozen=True)
class StoryInfo:
    """One line of the story list."""

    id: int
    headline: str
    articles: int
    outlets: int
    first: datetime | None
    last: datetime | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(first=_iso(self.first), last=_iso(self.last))
        return data


@dataclass(frozen=True)
class StorySummary:
    """A story's latest summary as a read finds it, without waiting for a recomputation."""

    summary: Summary | None  # None: none computed yet, or the story has no body sentence
    articles: int  # the story's first `articles` articles are what the summary covers (0 without one)
    updating: bool  # newer articles wait for the background summarizer (the summary is the last one)


# ---- the store --------------------------------------------------------------------------------------


class Store:
    """Articles, stories, membership, cached summaries and the clusterer's state in one SQLite
    file (WAL). Safe to share between processes: each batch of articles is one `BEGIN IMMEDIATE`
    transaction that reads the latest stories, so a killed process leaves whole articles only.
    Articles join stories by `options.clustering` (whose `posted_terms` must be `STORE_POSTED_TERMS`),
    one pass as they come, then each call's lone reports are paired as `cluster_articles` pairs
    them: the earlier story (the lower id) keeps its id and takes the later one's article; the
    emptied story's id reads that story ever after (`resolve`), and is never given out again."""

    def __init__(
        self,
        path: str | Path,
        options: Options = Options(compare=True),
        create: bool = True,
        on_stale: Callable[[], None] | None = None,
    ) -> None:
        """Open the store at `path`; with `create` (ingest), a missing file is made a new store,
        otherwise (reading: stories, show, serve) it is a StoreError, so a mistyped path is named.
        With `on_stale` (the service: a `Summarizer.wake`), `ingest` never summarizes: it marks
        the touched stories stale and calls it, and a background summarizer recomputes them."""
        self.path = str(path)
        self.options = options
        self.on_stale = on_stale
        settings = _store_settings(options.clustering)  # refused before the file is touched
        self.db = _connect(self.path, create)
        self.identity = summarizer_identity(options)  # what this store's summaries are made by
        self.index = SqliteIndex(self.db, settings)  # the clusterer's, typed as itself
        self.clusterer = StoryClusterer(index=self.index, settings=settings)
        self._summaries: dict[int, tuple[tuple, Summary | None]] = {}  # `_parsed`'s, least recent first
        self._leads: dict[int, tuple[tuple, str | None]] = {}  # `leads`' first sentences, by entry

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing

    def ingest(self, articles: Iterable[Article], summarize: bool = True) -> list[Ingested]:
        """Store new articles, assign each to a story and mark the touched stories stale (in the
        articles' transaction); pair this call's lone reports (`_pair_lone`); then, with `summarize`, recompute every stale story's summary
        (`drain`), or with `on_stale` leave that to the background summarizer and wake it.
        Without `summarize` they are computed on first `summary`, or by a summarizer."""
        results: list[Ingested] = []
        batch: list[Article] = []
        for article in articles:
            if not article.text.strip():  # a story record's placeholder for an empty document
                continue
            batch.append(article)
            if len(batch) == BATCH:
                results += self._ingest_batch(batch)
                batch = []
        if batch:
            results += self._ingest_batch(batch)
        results = self._pair_lone(results)
        if summarize and self.on_stale is not None:
            self.on_stale()
        elif summarize:
            self.drain()
        return results

    def refresh(self, story: int, compute: Compute | None = None) -> bool:
        """Recompute the story's summary now and clear its stale mark (kept when an article joined
        it meanwhile); False when it has none (no body sentence, or no such story). `compute`:
        what summarizes (default `pipeline.summarize_story` here; a Summarizer's worker process)."""
        try:
            self._summarize(story, compute=compute)
        except NewsfuseError:  # e.g. no body sentence yet: `show` reports it
            return False
        return True

    def stale(self, limit: int | None = None) -> list[int]:
        """The stories whose summary must be recomputed, the longest waiting first."""
        rows = self.db.execute(
            "SELECT id FROM stories WHERE stale > 0 ORDER BY stale LIMIT ?", (-1 if limit is None else limit,)
        )
        return [r[0] for r in rows]

    def drain(self) -> int:
        """Recompute every stale story's summary, the longest waiting first; how many were done."""
        done = 0
        while waiting := self.stale(BATCH):
            self.refresh_many(waiting)
            done += len(waiting)
        return done

    def refresh_many(self, stories: Sequence[int]) -> None:
        """`refresh` of each story in order, the same summaries, made in batched passes
        (`pipeline.summarize_many`: one tree evaluation of a pass's stories, not one a story) of
        up to `MANY_ARTICLES` articles (the pass holds its stories prepared), each pass's results
        settled in one transaction (a commit a story was a twentieth of a small story's time)."""
        group: list[tuple[int, Story]] = []
        for story_id in stories:
            story_id = self.resolve(story_id)
            try:
                group.append((story_id, self.story(story_id)))
            except NewsfuseError:  # no such story any more: `refresh` gives False
                continue
            if sum(len(story.articles) for _, story in group) >= MANY_ARTICLES:
                self._summarize_many(group)
                group = []
        if group:
            self._summarize_many(group)

    def _summarize_many(self, group: list[tuple[int, Story]]) -> None:
        """Summarize and settle the stories as `_summarize` each, in order: a story's failure
        clears its mark, an error other than a `NewsfuseError` is raised after the stories before
        it (and it) are settled, as `drain` raised it from that story's `refresh`."""
        from .pipeline import summarize_many

        settled: list[tuple[int, int, Summary | None]] = []
        failure: Exception | None = None
        for (story_id, story), summary in zip(group, summarize_many([story for _, story in group], self.options)):
            settled.append((story_id, len(story.articles), None if isinstance(summary, Exception) else summary))
            if isinstance(summary, Exception) and not isinstance(summary, NewsfuseError):
                failure = summary
                break
        self._settle_all(settled)
        if failure is not None:
            raise failure

    def _mark(self, story: int, arrival: int) -> None:
        """Mark the story stale, keeping its place in the queue when it already waits."""
        self.db.execute("UPDATE stories SET stale = ? WHERE id = ? AND stale = 0", (max(arrival, 1), story))

    def _joined(self, story: int, arrival: int, added: str) -> None:
        """An article joined the story: its place in the list (`active`) and its stale mark."""
        self.db.execute(
            "UPDATE stories SET active = COALESCE(last, ?), stale = CASE WHEN stale = 0 THEN ? ELSE stale END "
            "WHERE id = ?",
            (added, max(arrival, 1), story),
        )

    def _ingest_batch(self, articles: list[Article]) -> list[Ingested]:
        # each text normalized and hashed once (three times before: 15% of a full-text ingest)
        hashes = [text_hash(a.text) for a in articles]
        fresh = [i for i, a in enumerate(articles) if self._existing(a, hashes[i]) is None]
        vectors = dict(zip(fresh, self.clusterer.vectorize([articles[i] for i in fresh]))) if fresh else {}
        with self.index.writing():
            self._set_clock()
            done = [self._ingest_one(a, hashes[i], vectors.get(i)) for i, a in enumerate(articles)]
            self._index_search()
            return done

    def _index_search(self) -> None:
        """Add the articles past the highest row the search index holds (this transaction's, and
        any an older newsfuse that opened the file before its migration to 9 stored without the
        trigger) to the index, in one statement (see `_migrate_9`): searchable once stored. Row
        ids only grow, so every article below that row is indexed."""
        self.db.execute(
            "INSERT INTO article_search (rowid, title, text) SELECT id, title, text FROM articles "
            "WHERE id > (SELECT COALESCE(MAX(id), 0) FROM article_search_docsize)"
        )

    def _set_clock(self) -> None:
        """The clusterer's arrival count and stream clock as the store (any process) left them:
        the next article's row id and the newest publication date stored."""
        newest_id, newest = self.db.execute(
            "SELECT (SELECT MAX(id) FROM articles), (SELECT MAX(published) FROM articles WHERE published IS NOT NULL)"
        ).fetchone()
        self.clusterer.arrivals = (newest_id or 0) + 1
        self.clusterer.now = _when(newest)

    def _ingest_one(self, article: Article, hashed: str, vector: ArticleVector | None) -> Ingested:
        found = self._existing(article, hashed)
        if found is not None:
            return Ingested(_key(article), found[0], found[1], False)
        if vector is None:  # seen as present before the transaction; gone since (cannot happen)
            vector = self.clusterer.vectorize([article])[0]
        published = as_utc(article.published)
        story = self.clusterer.assign(vector, published)
        row = self.db.execute(
            "INSERT INTO articles (key, url, text_hash, title, outlet, published, origin_file, text, added) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _key(article),
                _url(article),
                hashed,
                article.title,
                article.outlet,
                _iso(published),
                article.origin_file,
                article.text,
                added := _now(),
            ),
        ).lastrowid
        assert row is not None  # an INSERT always sets lastrowid
        self.db.execute("INSERT INTO membership (article, story) VALUES (?, ?)", (row, story))
        self._set_headline(story, article)
        self._joined(story, row, added)
        return Ingested(_key(article), row, story, True)

    def _pair_lone(self, results: list[Ingested]) -> list[Ingested]:
        """The lone reports' pass (`stories.pair_lone_reports`) at the end of an ingest call, in one
        transaction: this call's stories still of one article pair, in arrival order, with earlier
        ones of this call and with the stored lone stories near them (`lone_gap`, `lone_arrivals`),
        so one call over a set gives the in-memory stories exactly. A pair moves the later article
        into the earlier story (`_merge`); the results name the stories as they are now."""
        settings = self.clusterer.settings
        created = {r.story for r in results if r.added}
        if not settings.lone_threshold or not created:
            return results
        with self.index.writing():
            reports, ids = self._lone_reports(created, settings)
            moved = {ids[later]: ids[earlier] for later, earlier in lone_pairs(reports, settings).items()}
            self._merge(moved)
        return [replace(r, story=moved.get(r.story, r.story)) for r in results] if moved else results

    def _lone_reports(self, created: set[int], settings: ClusterSettings) -> tuple[list[LoneReport], list[int]]:
        """The pass's lone reports in arrival order, with their story ids: the `created` stories still
        of one article (they search), and the stored ones of one article that may pair with them
        (partners only: an earlier pass left them unpaired)."""
        ids, rows = sorted(created), []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += self.db.execute(_LONE_SQL.format(where=f"s.id IN ({','.join('?' * len(chunk))})"), chunk).fetchall()
        clocks = [datetime.fromisoformat(json.loads(r[1])[-1]) for r in rows if r[1]]
        if clocks:
            # ISO strings of other UTC offsets sort by their local time, up to 14 hours off: a day more
            reach = settings.lone_gap + timedelta(days=1)
            low, high = (min(clocks) - reach).isoformat(), (max(clocks) + reach).isoformat()
            rows += self.db.execute(_LONE_SQL.format(where=f"{_LONE_CLOCK} BETWEEN ? AND ?"), (low, high)).fetchall()
        undated = [r[2] for r in rows if not r[1]]
        if undated and settings.lone_arrivals:
            sql = _LONE_SQL.format(where="s.recent IS NULL AND s.seen >= ?")
            rows += self.db.execute(sql, (min(undated) - settings.lone_arrivals,)).fetchall()
        reports, order = [], []
        for story, recent, seen, terms, sums, outlet in sorted(
            dict((r[0], r) for r in rows).values(), key=itemgetter(2)
        ):
            clock = datetime.fromisoformat(json.loads(recent)[-1]) if recent else None
            if not outlet or (clock is None and not settings.lone_arrivals):
                continue
            kept = dict(zip(np.frombuffer(terms, np.int32).tolist(), np.frombuffer(sums, np.float64).tolist()))
            reports.append(LoneReport(seen, clock, outlet, StoryState.from_sums(kept, 1).centroid, story in created))
            order.append(story)
        return reports, order

    def _merge(self, moved: dict[int, int]) -> None:
        """Move each lone story's article into its partner, as if it had joined it (the partner keeps
        its id and is marked stale); the emptied story, its postings and its summary are deleted and
        its id is redirected to the partner (`merged`, read by `resolve`)."""
        index, settings = self.index, self.clusterer.settings
        for later, earlier in moved.items():
            row, title, text, added = self.db.execute(
                "SELECT a.id, a.title, a.text, a.added FROM membership m JOIN articles a ON a.id = m.article "
                "WHERE m.story = ?",
                (later,),
            ).fetchone()
            gone, old = index.get(later), index.get(earlier)
            # the article's vector is not stored: its `story_terms` heaviest weights (the lone story's
            # sums) stand for it, so the pass vectorizes nothing (the terms past those would rarely
            # survive the partner's own cut to `story_terms`)
            vector = ArticleVector(
                np.fromiter(gone.sums.keys(), np.int32, len(gone.sums)),
                np.fromiter(gone.sums.values(), np.float32, len(gone.sums)),
            )
            grown = old.copy()
            grown.absorb(vector, gone.first, settings, gone.seen, gone.recent[-1] if gone.recent else None)
            index.put(earlier, old, grown)
            self.db.execute("UPDATE membership SET story = ? WHERE story = ?", (earlier, later))
            self.db.execute("DELETE FROM summaries WHERE story = ?", (later,))
            index.delete(later, gone)
            self.db.execute("INSERT INTO merged (story, into_story) VALUES (?, ?)", (later, earlier))
            self._set_headline(earlier, Article(text=text, title=title))
            self._joined(earlier, row, added)

    def resolve(self, story: int) -> int:
        """The story's id now: a story emptied by a lone reports' pair reads as the one its article
        joined (that one keeps two articles, so it is never merged itself)."""
        row = self.db.execute("SELECT into_story FROM merged WHERE story = ?", (story,)).fetchone()
        return story if row is None else row[0]

    def _existing(self, article: Article, hashed: str) -> tuple[int, int] | None:
        """The stored article of the same URL, else of the same text (`hashed`: its `text_hash`)."""
        url = _url(article)
        found = None
        if url is not None:
            found = self.db.execute(
                "SELECT a.id, m.story FROM articles a JOIN membership m ON m.article = a.id WHERE a.url = ?", (url,)
            ).fetchone()
        if found is None:
            found = self.db.execute(
                "SELECT a.id, m.story FROM articles a JOIN membership m ON m.article = a.id WHERE a.text_hash = ?",
                (hashed,),
            ).fetchone()
        return found

    def _set_headline(self, story: int, article: Article) -> None:
        titled = int(bool(article.title and article.title.strip()))
        self.db.execute(
            "UPDATE stories SET headline = ?, titled = ? WHERE id = ? AND (headline IS NULL OR (titled = 0 AND ? = 1))",
            (_headline(article), titled, story, titled),
        )

    # -- reading

    def stories(self, limit: int | None = None, offset: int = 0) -> list[StoryInfo]:
        """Every story (or `limit` of them after the first `offset`), the most recently active
        first: by the latest report's date, else by when its latest article was added."""
        if limit is None:
            sql = _INFO_SQL.format(where="") + _ORDER_SQL + " LIMIT -1 OFFSET ?"
            return [_story_info(r) for r in self.db.execute(sql, (offset,))]
        ids = [
            r[0]
            for r in self.db.execute("SELECT id FROM stories s" + _ORDER_SQL + " LIMIT ? OFFSET ?", (limit, offset))
        ]  # a page's stories by the index, then only their lines
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        found = {r[0]: _story_info(r) for r in self.db.execute(_INFO_SQL.format(where=f"WHERE s.id IN ({marks})"), ids)}
        return [found[i] for i in ids if i in found]

    def search(self, query: str, limit: int = 50) -> list[StoryInfo]:
        """The stories whose articles' titles or texts hold every word of `query` (FTS5, case and
        accents ignored), the best match first (title words weigh more); none for a query with no
        word."""
        match = fts_query(query)
        if match is None:
            return []
        hits = self.db.execute(  # the best-matching articles (bm25: lower is better), then their stories
            "SELECT m.story FROM (SELECT rowid AS article, bm25(article_search, 4.0, 1.0) AS score "
            "FROM article_search WHERE article_search MATCH ? ORDER BY score LIMIT ?) hit "
            "JOIN membership m ON m.article = hit.article ORDER BY hit.score",
            (match, limit * SEARCH_HITS_PER_STORY),
        ).fetchall()
        ranked = list(dict.fromkeys(story for (story,) in hits))[:limit]
        return [self.info(story) for story in ranked]

    def leads(self, stories: Iterable[int]) -> dict[int, tuple[str | None, list[str]]]:
        """For the story list: each story's one-line summary (the first sentence of its cached
        summary; None before one is computed) and its outlets' names."""
        ids = list(dict.fromkeys(stories))
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        found: dict[int, tuple[str | None, list[str]]] = {i: (None, []) for i in ids}
        entries = f"SELECT story, size, computed, identity FROM summaries WHERE story IN ({marks})"
        for story, *stamp in self.db.execute(entries, ids).fetchall():
            found[story] = (self._lead(story, tuple(stamp)), [])
        rows = self.db.execute(
            "SELECT m.story, a.outlet FROM membership m JOIN articles a ON a.id = m.article "
            f"WHERE m.story IN ({marks}) AND a.outlet IS NOT NULL GROUP BY m.story, a.outlet ORDER BY MIN(a.id)",
            ids,
        )
        for story, outlet in rows:
            found[story][1].append(outlet)
        return found

    def _lead(self, story: int, stamp: tuple) -> str | None:
        """The first sentence of the story's cached summary, parsed once per entry (`stamp`, as
        `_parsed`) on this connection: the index is rebuilt after every commit, and parsing the
        whole summary of a 400-article story each time cost 15 to 35 ms."""
        kept = self._leads.get(story)
        if kept is None or kept[0] != stamp:
            if len(self._leads) >= KEPT_LEADS:
                self._leads.clear()
            # SQLite picks the sentence out of the JSON without holding the GIL: json.loads of the
            # whole summary held the service's event loop 15 to 35 ms (a 400-article story).
            lead = None
            with contextlib.suppress(sqlite3.OperationalError):  # not JSON: as if no summary
                row = self.db.execute(
                    "SELECT json_extract(data, '$.sentences[0].text') FROM summaries WHERE story = ?", (story,)
                ).fetchone()
                lead = row[0] if row is not None and isinstance(row[0], str) else None
            kept = self._leads[story] = (stamp, lead)
        return kept[1]

    def info(self, story: int) -> StoryInfo:
        story = self.resolve(story)
        row = self.db.execute(_INFO_SQL.format(where="WHERE s.id = ?"), (story,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story}")
        return _story_info(row)

    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version` of this connection: it changes when another connection
        commits (the service keeps answers while it is unchanged)."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def count(self) -> int:
        """How many stories the store keeps (each is made with its first article's membership)."""
        return self.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]

    def story(self, story: int) -> Story:
        """The story's articles in the order they were added (a merged story's id reads the story
        its article joined, and the result carries that id)."""
        story = self.resolve(story)
        rows = self.db.execute(
            "SELECT a.text, a.outlet, a.url, a.title, a.published, a.key, a.origin_file FROM membership m "
            "JOIN articles a ON a.id = m.article WHERE m.story = ? ORDER BY a.id",
            (story,),
        ).fetchall()
        if not rows:
            raise NotFoundError(f"no story {story}")
        articles = [
            Article(text=r[0], outlet=r[1], url=r[2], title=r[3], published=_when(r[4]), id=r[5], origin_file=r[6])
            for r in rows
        ]
        return Story(articles=articles, id=str(story))

    def article_stories(self) -> dict[str, int]:
        """Article key -> story, for every stored article."""
        rows = self.db.execute("SELECT a.key, m.story FROM articles a JOIN membership m ON m.article = a.id")
        return dict(rows.fetchall())

    def summary(self, story: int, articles: Story | None = None) -> Summary:
        """The story's summary and comparison: the cached one, recomputed when missing, stale,
        written by another codec version or made by another summarizer (`summarizer_identity`;
        from `articles`, the story as `Store.story` just read
        it, when the caller has it: it is not read twice)."""
        story = self.resolve(story)
        size = self.db.execute("SELECT size FROM stories WHERE id = ?", (story,)).fetchone()
        if size is None:
            raise NotFoundError(f"no story {story}")
        cached = self.db.execute("SELECT size, data, identity FROM summaries WHERE story = ?", (story,)).fetchone()
        if cached is not None and cached[0] == size[0] and cached[2] == self.identity:
            with contextlib.suppress(InputError):  # an older cache entry: computed anew below
                return summary_from_dict(json.loads(cached[1]))
        return self._summarize(story, articles)

    def summary_status(self, story_id: int) -> tuple[int, int, bool]:
        """The story's article count, how many its cached summary covers (0 without one) and
        whether it waits for the summarizer, or for a summary by this summarizer (one made by
        another `summarizer_identity` is being refreshed): one indexed read, for a page waiting
        for its summary."""
        story_id = self.resolve(story_id)
        row = self.db.execute(
            "SELECT s.size, COALESCE(m.size, 0), s.stale > 0 OR (m.story IS NOT NULL AND m.identity IS NOT ?) "
            "FROM stories s LEFT JOIN summaries m ON m.story = s.id WHERE s.id = ?",
            (self.identity, story_id),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story_id}")
        return row[0], row[1], bool(row[2])

    def latest_summary(self, story_id: int) -> StorySummary:
        """The story's last summary, at once: current, or older than the story (`updating`: the
        background summarizer has it queued), or none yet (`summary` None, `updating` while it is
        queued). Never computed here, not even for a small story: at 8 clients reading during
        an ingest, summarizing small stories on read doubled p99 and halved the ingest rate
        (docs/benchmarks.md); the summarizer makes each once, usually within a second. A summary
        made by another summarizer (an older newsfuse or model) is shown, `updating`, and queued:
        only the stories read are redone, not the whole store at once after an upgrade."""
        story_id = self.resolve(story_id)
        row = self.db.execute(
            "SELECT s.size, s.stale, m.size, m.computed, m.identity FROM stories s "
            "LEFT JOIN summaries m ON m.story = s.id WHERE s.id = ?",
            (story_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story_id}")
        size, stale, covered, computed, identity = row
        summary = None if covered is None else self._parsed(story_id, (covered, computed, identity))
        if summary is not None and covered == size and identity == self.identity:
            return StorySummary(summary, covered, False)
        if summary is None and not stale and covered is None:
            return StorySummary(None, 0, False)  # tried: no body sentence, nothing to wait for
        if not stale:  # e.g. an entry of another codec version or summarizer: queue it
            with _transaction(self.db):
                self._mark(story_id, size)
            if self.on_stale is not None:
                self.on_stale()
        return StorySummary(summary, covered if summary is not None else 0, True)

    def _parsed(self, story_id: int, stamp: tuple) -> Summary | None:
        """The story's cached summary parsed (None: an older codec version's entry), kept per
        connection while its entry is unchanged (`stamp`: its size, when it was computed and by
        what): a growing story's page is rebuilt for every new article while its summary stays,
        and parsing a 400-article story's summary took a fifth of the page's build."""
        kept = self._summaries.pop(story_id, None)
        if kept is None or kept[0] != stamp:
            row = self.db.execute("SELECT data FROM summaries WHERE story = ?", (story_id,)).fetchone()
            summary = None
            if row is not None:
                with contextlib.suppress(InputError):  # an older codec version's entry: as if none
                    summary = summary_from_dict(json.loads(row[0]))
            kept = (stamp, summary)  # read after the stamp: if newer, the next read's stamp differs
        self._summaries[story_id] = kept
        while len(self._summaries) > PARSED_SUMMARIES:
            del self._summaries[next(iter(self._summaries))]
        return kept[1]

    def _summarize(self, story_id: int, story: Story | None = None, compute: Compute | None = None) -> Summary:
        """Summarize the story as read now, cache it and clear its stale mark; a failure (no body
        sentence) clears the mark too, as the same articles would fail again."""
        from .pipeline import summarize_story

        story_id = self.resolve(story_id)
        story = story or self.story(story_id)
        try:
            summary = (compute or summarize_story)(story, self.options)  # EmptyStoryError propagates
        except Exception:
            self._settle(story_id, len(story.articles), None)
            raise
        self._settle(story_id, len(story.articles), summary)
        return summary

    def _settle(self, story_id: int, size: int, summary: Summary | None) -> None:
        """Cache the summary computed at `size` articles (never over a newer one another thread or
        process wrote) and clear the stale mark if no article joined since (else it stays queued)."""
        self._settle_all([(story_id, size, summary)])

    def _settle_all(self, settled: Sequence[tuple[int, int, Summary | None]]) -> None:
        """`_settle` of each (story, size, summary) in one transaction."""
        rows = [
            (story_id, size, None if summary is None else json.dumps(summary_to_dict(summary), ensure_ascii=False))
            for story_id, size, summary in settled
        ]
        with _transaction(self.db):
            for story_id, size, data in rows:
                if data is not None:
                    self.db.execute(  # not for a story a pair emptied meanwhile (its partner is stale)
                        "INSERT INTO summaries (story, size, data, computed, identity) SELECT ?1, ?2, ?3, ?4, ?5 "
                        "WHERE EXISTS (SELECT 1 FROM stories WHERE id = ?1) ON CONFLICT(story) DO UPDATE SET "
                        "size = excluded.size, data = excluded.data, computed = excluded.computed, "
                        "identity = excluded.identity WHERE excluded.size >= summaries.size",
                        (story_id, size, data, _now(), self.identity),
                    )
                self.db.execute("UPDATE stories SET stale = 0 WHERE id = ? AND size = ?", (story_id, size))

    def added(self, story: int) -> list[datetime]:
        """When each of the story's articles (in `story` order) was added to the store."""
        story = self.resolve(story)
        rows = self.db.execute(
            "SELECT a.added FROM membership m JOIN articles a ON a.id = m.article WHERE m.story = ? ORDER BY a.id",
            (story,),
        ).fetchall()
        return [datetime.fromisoformat(r[0]) for r in rows]

    # -- fetching (newsfuse.fetch)

    def has_url(self, url: str) -> bool:
        """Whether an article of this URL is stored."""
        return self.db.execute("SELECT 1 FROM articles WHERE url = ?", (url.strip(),)).fetchone() is not None

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified the URL last answered with (None, None when never fetched)."""
        row = self.db.execute("SELECT etag, modified FROM fetched WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def remember(self, url: str, etag: str | None, modified: str | None) -> None:
        """Keep the URL's validators for the next conditional request."""
        with _transaction(self.db):
            self.db.execute(
                "INSERT INTO fetched (url, etag, modified, checked) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE "
                "SET etag = excluded.etag, modified = excluded.modified, checked = excluded.checked",
                (url, etag, modified, _now()),
            )

    def integrity(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]


@dataclass(frozen=True)
class StoreCall:
    """`store.<name>(**kwargs)` as data: a call that can be sent to the process that owns a
    store's writing connection (a lambda cannot be pickled; a partial of a method pickles the
    function object, so it breaks when that method is patched)."""

    name: str
    kwargs: dict = field(default_factory=dict)

    def __call__(self, store: Store) -> Any:
        return getattr(store, self.name)(**self.kwargs)


# ---- the background summarizer ----------------------------------------------------------------

_log = logging.getLogger("newsfuse.summarizer")


class Summarizer:
    """One thread that recomputes the stale stories' summaries, the longest waiting first, each
    once however many articles joined it meanwhile (a burst costs one summary). By default it has
    its own connection to the store (SQLite connections are per thread); with `call` (a function
    that runs a Store call in the thread that owns the store, e.g. `StoreThread.call`) every step
    runs there instead, in turn with the requests. With `pool` (one spawned worker process), the
    summary itself is computed there, so this process's GIL stays free for the requests (the
    thread only reads the story and writes the result). `wake` it after marking stories stale."""

    def __init__(
        self,
        path: str | Path,
        options: Options = Options(compare=True),
        call: Callable[[Callable[[Store], object]], object] | None = None,
        pool: Executor | None = None,
    ) -> None:
        self.path, self.options, self._call, self.pool = str(path), options, call, pool
        self.computed = 0  # summaries computed (or tried) since start
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._state = threading.Condition()
        self._asked = 0  # wake calls so far
        self._settled = -1  # the wake count the queue was last found empty after
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once; later calls do nothing): it first takes the marks already stored."""
        with self._state:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsfuse-summarizer", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        with self._state:
            self._asked += 1
        self._wake.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until the queue is found empty after every `wake` so far (False on timeout)."""
        with self._state:
            asked = self._asked
            return self._state.wait_for(lambda: self._settled >= asked, timeout)

    def stop(self, timeout: float | None = None) -> bool:
        """Stop after the summary in progress; False when it is still running after `timeout`."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _in_pool(self, story: Story, options: Options) -> Summary:
        from .pipeline import summarize_story

        assert self.pool is not None
        return self.pool.submit(summarize_story, story, options).result()

    def _run(self) -> None:
        if self._call is not None:
            self._loop(self._call)
            return
        with Store(self.path, self.options) as store:
            self._loop(lambda fn: fn(store))

    def _loop(self, call: Callable[[Callable[[Store], object]], object]) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self._state:
                asked = self._asked
            # Its own connection: a step is a batched pass (`refresh_many`); in the store's thread
            # (`call`, between requests) or with a worker process (`pool`), one story a step.
            step = 1 if self._call is not None or self.pool is not None else SUMMARIZER_STEP
            waiting: list[int] = call(partial(Store.stale, limit=step))  # type: ignore[assignment]
            if not waiting:
                with self._state:
                    self._settled = asked
                    self._state.notify_all()
                self._wake.wait(IDLE_POLL_S)
                continue
            try:
                if len(waiting) > 1:
                    call(partial(Store.refresh_many, stories=waiting))
                else:
                    call(partial(Store.refresh, story=waiting[0], compute=self._in_pool if self.pool else None))
            except Exception:  # a bug in a stage must not stop the summaries of every other story
                _log.exception("summarizer: story %s failed", waiting[0] if len(waiting) == 1 else waiting)
            self.computed += len(waiting)


def _url(article: Article) -> str | None:
    return article.url.strip() if article.url and article.url.strip() else None


# ---- opening --------------------------------------------------------------------------------------


def _check_path(path: str, create: bool) -> None:
    """Name what is wrong with the path before SQLite does (it says only "unable to open")."""
    from .ingest import display_path

    where, file = display_path(path), Path(path)
    if path == ":memory:" or path.startswith("file:"):
        return
    if file.is_dir():
        raise StoreError(where, "is a directory; give the store's file, e.g. DIR/newsfuse.db")
    if file.exists():
        if not file.is_file():
            raise StoreError(where, "not a regular file (a FIFO or device); give the store's file")
        return
    if not create:
        raise StoreError(where, "no such store; check the path (newsfuse ingest --db creates one)")
    if not file.parent.is_dir():
        raise StoreError(where, f"directory {display_path(file.parent)} does not exist; create it first")


def _connect(path: str, create: bool = True) -> sqlite3.Connection:
    _check_path(path, create)
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise StoreError(path, f"cannot open it ({error})") from error
    try:
        _check_file(db, path)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a committed transaction survives the process being killed; a power cut
        # may lose the last commits but never corrupts the file.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        db.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        _migrate(db, path)
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError(path, f"damaged, or not a newsfuse store ({error})") from error
    except BaseException:
        db.close()
        raise
    return db


def _check_file(db: sqlite3.Connection, path: str) -> None:
    app = db.execute("PRAGMA application_id").fetchone()[0]
    tables = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
    if app != APPLICATION_ID and (app != 0 or tables):
        raise StoreError(path, "not a newsfuse store (an SQLite database of another application)")


def _migrate(db: sqlite3.Connection, path: str) -> None:
    """Apply the missing migrations in one transaction (another process may race to do it). A
    current store is only read: a reading connection's open commits nothing (a commit would
    take the write lock behind an ingest, and change every other connection's data_version)."""
    current = (APPLICATION_ID, SCHEMA_VERSION)
    if (db.execute("PRAGMA application_id").fetchone()[0], db.execute("PRAGMA user_version").fetchone()[0]) == current:
        return
    with _transaction(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(path, f"schema version {version} is newer than this newsfuse ({SCHEMA_VERSION}); upgrade")
        for migration in MIGRATIONS[version:]:
            migration(db)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at once (BEGIN IMMEDIATE), committed, or rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
