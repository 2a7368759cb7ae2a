"""The store's lone reports' pass: the stories `cluster_articles` gives, across ingest calls too, and old ids kept."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from newsfuse.model import Article
from newsfuse.store import SCHEMA_VERSION, Store
from newsfuse.stories import ClusterSettings, cluster_articles
from test_store import check_consistent

START = datetime(2024, 3, 1, tzinfo=timezone.utc)
FILLER = [f"filler{a}{b}word" for a in "abcdefghijklmnop" for b in "abcdefghijklmnop"]


def events(n: int = 30, seed: int = 1) -> list[Article]:
    """Events of one to three outlets' reports, each report a few of its event's words in a lot of
    shared filler: too unlike for the one pass to join, alike enough for the lone pass to pair;
    hours apart, every seventh event undated (on the stream's clock). Generated: no data needed."""
    rng = random.Random(seed)
    articles = []
    for e in range(n):
        vocabulary = [f"event{e}term{k}x" for k in range(12)]
        for o in range(rng.choice((1, 2, 2, 3))):
            words = rng.sample(vocabulary, 6) + rng.sample(FILLER, 40)
            rng.shuffle(words)
            when = None if e % 7 == 6 else START + timedelta(hours=7 * e + rng.randrange(30))
            articles.append(Article(text=" ".join(words) + ".", outlet=f"outlet{o}", id=f"e{e}o{o}", published=when))
    return articles


def first_seen(labels: list[int]) -> list[int]:
    order: dict[int, int] = {}
    return [order.setdefault(x, len(order)) for x in labels]


def pair(day: datetime | None, later: timedelta) -> list[Article]:
    """Two outlets' reports of one event, too unlike to join in one pass, alike enough to pair."""
    rng = random.Random(0)  # seed 0: the one pass keeps them apart (the tests check it)
    vocabulary = [f"cranecollapse{k}x" for k in range(12)]
    a, b = (" ".join(rng.sample(vocabulary, 6) + rng.sample(FILLER, 40)) + "." for _ in range(2))
    return [
        Article(text=a, outlet="Wire", id="a", published=day),
        Article(text=b, outlet="Daily", id="b", published=day + later if day else None),
    ]


@pytest.mark.timeout(120)
def test_one_ingest_call_gives_the_in_memory_stories(tmp_path):
    articles = events()
    memory = cluster_articles(articles)
    one_pass = cluster_articles(articles, settings=ClusterSettings(lone_threshold=0.0))
    assert len(set(memory)) < len(set(one_pass))  # the fixture has pairs for the pass to make
    with Store(tmp_path / "s.db") as store:
        got = [d.story for d in store.ingest(articles, summarize=False)]
        assert first_seen(got) == memory
        # the results name stories that exist, as the membership says
        assert got == [store.article_stories()[a.id] for a in articles]
    check_consistent(tmp_path / "s.db")


@pytest.mark.timeout(120)
def test_one_ingest_call_of_real_dated_news_gives_the_in_memory_stories(tmp_path, allsides_sample):
    """On 150 real AllSides articles (every tenth undated, on the stream's clock)."""
    articles = allsides_sample[0]
    memory = cluster_articles(articles)
    assert len(set(memory)) < len(set(cluster_articles(articles, settings=ClusterSettings(lone_threshold=0.0))))
    with Store(tmp_path / "s.db") as store:
        assert first_seen([d.story for d in store.ingest(articles, summarize=False)]) == memory
    check_consistent(tmp_path / "s.db")


@pytest.mark.timeout(120)
def test_a_pair_forms_across_two_ingest_calls_within_the_gap(tmp_path):
    a, b = pair(START, timedelta(days=1))
    assert len(set(cluster_articles([a, b], settings=ClusterSettings(lone_threshold=0.0)))) == 2
    assert len(set(cluster_articles([a, b]))) == 1
    with Store(tmp_path / "s.db") as store:
        (first,) = store.ingest([a], summarize=False)
        (second,) = store.ingest([b], summarize=False)
        assert second.story == first.story
        assert [x.id for x in store.story(first.story).articles] == ["a", "b"]
    check_consistent(tmp_path / "s.db")
    # beyond lone_gap (2 days) they stay apart
    a, b = pair(START, timedelta(days=3))
    with Store(tmp_path / "far.db") as store:
        (first,) = store.ingest([a], summarize=False)
        (second,) = store.ingest([b], summarize=False)
        assert second.story != first.story and store.count() == 2


@pytest.mark.timeout(120)
def test_a_merged_story_id_still_reads_its_articles_and_nothing_is_lost(tmp_path):
    a, b = pair(START, timedelta(hours=5))
    with Store(tmp_path / "s.db") as store:
        (first,) = store.ingest([a])  # summarized at one article
        assert store.summary_status(first.story) == (1, 1, False)
        (second,) = store.ingest([b], summarize=False)
        ((old, new),) = store.db.execute("SELECT story, into_story FROM merged").fetchall()
        assert new == first.story == second.story and old != new
        assert store.db.execute("SELECT COUNT(*) FROM stories WHERE id = ?", (old,)).fetchone()[0] == 0
        # a reader holding the emptied story's id reads the story its article joined
        assert store.resolve(old) == new
        assert store.story(old).id == str(new) and len(store.story(old).articles) == 2
        assert store.info(old).id == new and store.info(old).articles == 2
        assert store.summary_status(old) == (2, 1, True)  # the partner waits for its summary
        assert store.stale() == [new]
        assert len(store.added(old)) == 2
        # a summary of the emptied story finishing late is not stored under its old id
        store._settle(old, 1, store.summary(new))
        assert store.db.execute("SELECT COUNT(*) FROM summaries WHERE story = ?", (old,)).fetchone()[0] == 0
        assert store.summary_status(old) == (2, 2, False)
        # a new story never takes the emptied story's id
        (third,) = store.ingest([Article(text="Snow closed every school in the valley.", outlet="Post")], False)
        assert third.story not in (old, new)
        assert store.resolve(third.story) == third.story
    db = check_consistent(tmp_path / "s.db")
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    assert sorted(db.execute("SELECT story FROM membership")) == sorted([(new,), (new,), (third.story,)])


@pytest.mark.timeout(120)
def test_pairs_only_other_outlets_and_never_chains(tmp_path):
    a, b = pair(START, timedelta(hours=5))
    with Store(tmp_path / "same.db") as store:  # never two reports of one outlet
        store.ingest([a], summarize=False)
        (got,) = store.ingest([replace(b, outlet="Wire")], summarize=False)
        assert got.story != store.article_stories()["a"] and store.count() == 2
    # a third outlet's report as like the two as they are to each other: pairs, never chains
    rng = random.Random(3)
    words = rng.sample([f"cranecollapse{k}x" for k in range(12)], 6) + rng.sample(FILLER, 40)
    c = Article(text=" ".join(words) + ".", outlet="Post", id="c", published=b.published)
    assert len(set(cluster_articles([a, b, c], settings=ClusterSettings(lone_threshold=0.0)))) == 3
    with Store(tmp_path / "s.db") as store:  # three lone reports after the one pass: one pair, one alone
        got = [d.story for d in store.ingest([a, b, c], summarize=False)]
        assert sorted(info.articles for info in store.stories()) == [1, 2]
    assert first_seen(got) == cluster_articles([a, b, c])
    check_consistent(tmp_path / "s.db")


@pytest.mark.timeout(120)
def test_migration_to_schema_7_keeps_old_stores_readable(tmp_path):
    path = tmp_path / "v6.db"
    with Store(path) as store:
        store.ingest(events(6), summarize=False)
    db = sqlite3.connect(path)
    db.executescript(
        "DROP INDEX stories_lone; DROP INDEX stories_lone_seen; DROP TABLE merged; PRAGMA user_version = 6;"
    )
    db.close()
    # days after the stored events: their lone reports (the one pass keeps each day's apart,
    # `day_penalty`) would otherwise be as like the pair as its two reports are, by the filler
    a, b = pair(START + timedelta(days=10), timedelta(hours=5))
    with Store(path) as store:
        first = store.ingest([a], summarize=False)[0]
        assert store.ingest([b], summarize=False)[0].story == first.story
    db = check_consistent(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
