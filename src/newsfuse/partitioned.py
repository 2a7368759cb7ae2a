"""Cluster a stream in time partitions, in parallel (on Dask), and merge stories across their boundaries."""

from __future__ import annotations

import bisect
import itertools
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import OptionError
from .model import Article
from .stories import (
    DEFAULT,
    ArticleVector,
    ClusterSettings,
    MemoryIndex,
    StoryClusterer,
    StoryState,
    as_utc,
    pair_lone_reports,
)

__all__ = [
    "Partition",
    "Piece",
    "PartitionStories",
    "clocks_of",
    "plan_partitions",
    "cluster_partition",
    "merge_partitions",
    "cluster_partitioned",
    "cluster_dask",
    "MIN_PARTITION",
]

# Fewer articles than this in a partition are not worth a task: a partition's fixed cost (a Dask
# task, a fresh clusterer) and its boundary (where the merge only approximates one pass) are then
# paid for little work. Chosen, not tuned: one process clusters ~1,000-2,600 articles a second.
MIN_PARTITION = 200


@dataclass(frozen=True)
class Partition:
    """A contiguous time range of the stream: its articles in arrival order, each one's arrival
    number in the whole stream, and the stream's clock when the range begins (the newest date seen
    before it: what an undated article at its start is judged by)."""

    number: int
    articles: list[Article]
    positions: list[int]
    start: datetime | None = None
    begins: datetime | None = None  # the range's first moment (None: the first range, or cut by position)
    ends: datetime | None = None  # the next range's first moment (None: the last range, or cut by position)
    last: bool = True


@dataclass(frozen=True)
class Piece:
    """A story as one partition made it: its state at the partition's end, and its first article
    (vector, moment on the stream's clock, arrival number), which the merge compares as one pass
    would have compared it with the stories of earlier partitions. Only what the merge can use
    travels back: no vector when the first article cannot meet an earlier story, no state when
    the story can neither join an earlier one nor be live in the next range."""

    state: StoryState | None
    vector: ArticleVector | None
    clock: datetime | None
    seen: int
    dated: bool = True  # the first article has a date of its own (else its clock is the stream's)


@dataclass
class PartitionStories:
    """What a worker returns for a partition: each article's piece (a local story number) and the
    pieces in the order they began; `cpu` is the worker's CPU seconds on it."""

    number: int
    positions: list[int]
    labels: list[int]
    pieces: list[Piece] = field(default_factory=list)
    cpu: float = 0.0


def clocks_of(articles: Sequence[Article]) -> list[datetime | None]:
    """Each article's moment on the stream's clock: its date, or for an undated one the newest date
    seen before it in arrival order (None before any dated article), as the clusterer judges it."""
    clocks, now = [], None
    for article in articles:
        published = as_utc(article.published)
        if published is not None:
            now = max(now or published, published)
        clocks.append(published or now)
    return clocks


def plan_partitions(
    articles: Sequence[Article], partitions: int, settings: ClusterSettings = DEFAULT, min_size: int = MIN_PARTITION
) -> list[Partition]:
    """At most `partitions` contiguous time ranges of about equal article counts, each at least
    `settings.max_gap` wide, so a story from two ranges back can never be live in the next one. An
    article belongs to the range of its clock (`clocks_of`): an undated one goes with the articles
    arriving around it. A stream with no date at all is cut by arrival position instead. A range
    holds at least `min_size` articles where the stream allows."""
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise OptionError(f"partitions must be a whole number of at least 1, got {partitions!r}")
    clocks = clocks_of(articles)
    dated = sorted(c for c in clocks if c is not None)
    if not dated:
        return _by_position(articles, partitions, min_size)
    cuts = _cuts(dated, max(min_size, math.ceil(len(dated) / partitions)), settings)
    members: list[list[int]] = [[] for _ in range(len(cuts) + 1)]
    for i, clock in enumerate(clocks):
        members[0 if clock is None else bisect.bisect_right(cuts, clock)].append(i)
    kept = [(k, idx) for k, idx in enumerate(members) if idx]
    return [
        Partition(
            number,
            [articles[i] for i in idx],
            idx,
            _clock_before(clocks, idx[0]),
            cuts[k - 1] if k else None,
            cuts[k] if k < len(cuts) else None,
            last=number == len(kept) - 1,
        )
        for number, (k, idx) in enumerate(kept)
    ]


def _cuts(dated: list[datetime], size: int, settings: ClusterSettings) -> list[datetime]:
    """The first moment of each range after the first: a new range starts at a new moment once the
    current one holds `size` articles and spans `max_gap`; a last range narrower than that joins
    the one before it."""
    cuts: list[datetime] = []
    start, count = dated[0], 0
    for i, clock in enumerate(dated):
        if count >= size and clock > dated[i - 1] and clock - start >= settings.max_gap:
            cuts.append(clock)
            start, count = clock, 0
        count += 1
    if cuts and (dated[-1] - cuts[-1] < settings.max_gap or count < size // 2):
        cuts.pop()
    return cuts


def _clock_before(clocks: list[datetime | None], first: int) -> datetime | None:
    earlier = [c for c in clocks[:first] if c is not None]
    return max(earlier) if earlier else None


def _by_position(articles: Sequence[Article], partitions: int, min_size: int) -> list[Partition]:
    size = max(min_size, math.ceil(len(articles) / partitions))
    starts = range(0, len(articles), size)
    return [
        Partition(
            k, list(articles[i : i + size]), list(range(i, min(i + size, len(articles)))), last=k == len(starts) - 1
        )
        for k, i in enumerate(starts)
    ]


def cluster_partition(partition: Partition, settings: ClusterSettings = DEFAULT) -> PartitionStories:
    """One pass over a partition, as `cluster_articles` does over a whole stream, with the stream's
    arrival numbers and clock: its labels and the pieces (stories) it made."""
    cpu = time.process_time()
    clusterer = StoryClusterer(settings=settings)
    clusterer.now = partition.start
    vectors = clusterer.vectorize(partition.articles)
    labels: list[int] = []
    firsts: dict[int, tuple[ArticleVector, datetime | None, int, bool]] = {}
    for article, vector, seen in zip(partition.articles, vectors, partition.positions):
        clock = as_utc(article.published) or (clusterer.now if settings.undated_clock else None)
        label = clusterer.assign(vector, article.published, seen=seen)
        firsts.setdefault(label, (vector, clock, seen, article.published is not None))
        labels.append(label)
    pieces = [_piece(clusterer.index.get(label), *firsts[label], partition, settings) for label in sorted(firsts)]
    cpu = time.process_time() - cpu
    return PartitionStories(partition.number, partition.positions, labels, pieces, cpu)


def _piece(
    state: StoryState,
    vector: ArticleVector,
    clock: datetime | None,
    seen: int,
    dated: bool,
    partition: Partition,
    settings: ClusterSettings,
) -> Piece:
    """The piece with what the merge needs of it: the first article's vector if it may meet an
    earlier story, the state if so or if the story may be live in the next range."""
    meets = _meets_earlier(clock, partition, settings)
    return Piece(
        state if meets or _may_live(state, partition, settings) else None,
        vector if meets else None,
        clock,
        seen,
        dated,
    )


def _meets_earlier(clock: datetime | None, partition: Partition, settings: ClusterSettings) -> bool:
    """Whether an article of the partition at that clock may meet a story of an earlier one: not
    in the first range, nor more than `max_gap` into a dated range (no earlier story is live then)."""
    if partition.number == 0:
        return False
    return partition.begins is None or clock is None or clock - partition.begins <= settings.max_gap


def _may_live(state: StoryState, partition: Partition, settings: ClusterSettings) -> bool:
    """Whether a story of the partition could take an article of a later range: every later
    article has a clock at or after the next range's first moment (an undated one takes the
    stream's clock); in a stream cut by position, or without the stream's clock, any story can."""
    if partition.last:
        return False
    if partition.ends is None or not state.recent or not settings.undated_clock:
        return True
    return partition.ends - state.recent[0] <= settings.max_gap


def merge_partitions(results: Iterable[PartitionStories], total: int, settings: ClusterSettings = DEFAULT) -> list[int]:
    """Story ids for the whole stream from the partitions' pieces, taken in time order. A piece
    whose first article could have met a story of an earlier partition (a live one, by the
    clusterer's own time rule) is compared with those stories by the clusterer's own search and
    threshold, and joins the best, as that article would have in one pass; the joined story's state
    becomes what one pass would hold (`_combine`). Ids are numbered by first article, as
    `cluster_articles` numbers them, so equal clusterings give equal labels."""
    merger = StoryClusterer(index=MemoryIndex(settings), settings=settings)
    labels, made = [-1] * total, itertools.count()
    for result in sorted(results, key=lambda r: r.number):
        placed = [_place(merger, piece, settings) for piece in result.pieces]
        ids = []
        for story, piece in zip(placed, result.pieces):  # new stories only now: not candidates in their own partition
            if story is None:
                story = next(made)
                if piece.state is not None:  # it may be live in a later range
                    merger.index.put(story, None, piece.state)
            ids.append(story)
        for position, label in zip(result.positions, result.labels):
            labels[position] = ids[label]
    return _renumber(labels)


def _place(merger: StoryClusterer, piece: Piece, settings: ClusterSettings) -> int | None:
    """The earlier story the piece joins (merged into it now), or None for a new one (also when
    its first article cannot meet an earlier story: then it came without a vector)."""
    if piece.vector is None or piece.state is None:
        return None
    ranked = merger.ranked(piece.vector, piece.clock, piece.seen)
    best = merger.chosen(ranked, piece.dated, piece.clock is not None, piece.vector)  # as `StoryClusterer.assign`
    if best is None:
        return None
    old = merger.index.get(best)
    merger.index.put(best, old, _combine(old, piece.state, settings))
    return best


def _combine(old: StoryState, later: StoryState, settings: ClusterSettings) -> StoryState:
    """The story one pass would hold after taking `later`'s articles on top of `old`'s: each taken
    article fades the sums by `decay`, so `old`'s fade by decay ** later.size and `later`'s (built
    from nothing the same way) add on top; then the heaviest `story_terms` are kept."""
    fade = settings.decay**later.size
    sums = {t: w * fade for t, w in old.sums.items()}
    for t, w in later.sums.items():
        sums[t] = sums.get(t, 0.0) + w
    kept = dict(sorted(sums.items(), key=lambda kv: -kv[1])[: settings.story_terms])
    dates = [d for d in (old.first, later.first, old.last, later.last) if d is not None]
    return StoryState.from_sums(
        kept,
        old.size + later.size,
        min(dates) if dates else None,
        max(dates) if dates else None,
        tuple(sorted((*old.recent, *later.recent))[-settings.recent_articles :]),
        max(old.seen, later.seen),
    )


def _renumber(labels: list[int]) -> list[int]:
    order: dict[int, int] = {}
    return [order.setdefault(label, len(order)) for label in labels]


def cluster_partitioned(
    articles: Sequence[Article],
    partitions: int,
    settings: ClusterSettings = DEFAULT,
    map: Callable[..., Iterable[PartitionStories]] | None = None,
    min_size: int = MIN_PARTITION,
    timings: dict[str, float] | None = None,
) -> tuple[list[int], list[PartitionStories]]:
    """Story ids for articles in arrival order, from `partitions` time ranges clustered by `map`
    (in this process by default) and merged; and the partitions' results (their CPU seconds).
    `timings`, if given, gets the wall seconds of each step (plan, cluster, merge) for the bench."""
    clock = time.perf_counter()
    steps = timings if timings is not None else {}
    plan = plan_partitions(articles, partitions, settings, min_size)
    steps["plan"], clock = time.perf_counter() - clock, time.perf_counter()
    run = map or (lambda f, parts, settings: [f(p, settings) for p in parts])
    results = list(run(cluster_partition, plan, settings=settings))
    steps["cluster"], clock = time.perf_counter() - clock, time.perf_counter()
    # the second pass over the whole stream, as `cluster_articles` makes it after its one pass
    labels = pair_lone_reports(merge_partitions(results, len(articles), settings), articles, settings)
    steps["merge"] = time.perf_counter() - clock
    return labels, results


def cluster_dask(
    articles: Sequence[Article],
    settings: ClusterSettings = DEFAULT,
    partitions: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    log: Callable[[str], None] = lambda _: None,
    min_size: int | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[list[int], list[PartitionStories]]:
    """`cluster_partitioned` with the partitions clustered on Dask: the cluster at `scheduler`, a
    given `client`, or a LocalCluster of `workers` single-threaded processes (as `newsfuse batch`
    makes it). By default one partition per worker thread of at least MIN_PARTITION articles;
    `partitions` asked for are cut however small (`min_size` 1), as long as the stream allows."""
    from .distributed import _client, _require_dask, close_client

    _require_dask()
    own = client is None
    client = client or _client(scheduler, workers, log)
    try:
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        count = partitions or max(1, threads or workers or os.cpu_count() or 1)

        def on_dask(function: Callable, parts: list[Partition], settings: ClusterSettings) -> list:
            futures = client.map(function, client.scatter(parts), settings=settings, pure=False)
            return client.gather(futures)

        smallest = min_size if min_size is not None else 1 if partitions else MIN_PARTITION
        return cluster_partitioned(articles, count, settings, on_dask, smallest, timings)
    finally:
        if own:
            close_client(client)
