"""The SQLite story store: schema, dedup, cached summaries, crash safety and two writers."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfuse.cli import app
from newsfuse.model import Article
from newsfuse.store import BATCH, SCHEMA_VERSION, STORE_POSTED_TERMS, SqliteIndex, Store, StoreError, partial_sql
from newsfuse.stories import UNDATED_DAY, MemoryIndex, StoryClusterer, vectorize_many

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
runner = CliRunner()

# A synthetic stream: TOPICS stories, each with its own rare words; generated, so no data is needed.
TOPICS = 12


def synthetic(n: int, seed: int = 0, prefix: str = "a") -> list[Article]:
    rng = random.Random(seed)
    common = [f"word{c}" for c in "abcdefghijklmnopqrst"]
    vocab = {t: [f"topic{chr(97 + t)}{chr(97 + k)}name" for k in range(8)] for t in range(TOPICS)}
    articles = []
    for i in range(n):
        topic = rng.randrange(TOPICS)
        words = [rng.choice(vocab[topic] if rng.random() < 0.5 else common) for _ in range(60)]
        articles.append(
            Article(
                text=" ".join(words) + f". Serial marker {prefix}{i}x.",
                outlet=f"outlet{i % 5}",
                id=f"{prefix}{i}",
                title=f"Topic {topic} report",
            )
        )
    return articles


def check_consistent(path: Path) -> sqlite3.Connection:
    """integrity_check ok; story sizes, memberships and postings agree."""
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sizes = dict(db.execute("SELECT id, size FROM stories"))
    members = dict(db.execute("SELECT story, COUNT(*) FROM membership GROUP BY story"))
    assert sizes == members
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == sum(sizes.values())
    terms = dict(db.execute(f"SELECT id, MIN(length(terms) / 4, {STORE_POSTED_TERMS}) FROM stories"))
    postings = dict(db.execute("SELECT story, COUNT(*) FROM postings GROUP BY story"))
    assert terms == postings
    for story, recent, days in db.execute(
        "SELECT s.id, s.recent, GROUP_CONCAT(DISTINCT p.day) FROM stories s "
        "JOIN postings p ON p.story = s.id GROUP BY s.id"
    ):  # the day of its newest article on the clock (an undated one's clock included)
        filed = datetime.fromisoformat(json.loads(recent)[-1]).date().toordinal() if recent else UNDATED_DAY
        assert days == str(filed), f"story {story}: postings filed under day {days}, story day {filed}"
    return db


def test_schema_wal_and_version(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "stories", "membership", "postings", "summaries"} <= tables
    Store(path).close()  # reopening migrates nothing


def test_refuses_files_that_are_not_stores(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just words\n" * 100)
    with pytest.raises(StoreError, match="not a newsfuse store"):
        Store(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="another application"):
        Store(other)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(newer)


def test_assignment_reads_candidates_through_the_term_index(tmp_path):
    with Store(tmp_path / "s.db") as store:
        plan = " ".join(
            r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {partial_sql(3)}", [1, 1.0] * 3 + [700000, 20])
        )
    assert "SEARCH p USING PRIMARY KEY (term=? AND day>?)" in plan and "SCAN p" not in plan


def dated(articles: list[Article], days: list[int]) -> list[Article]:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return [replace(a, published=start + timedelta(days=d)) for a, d in zip(articles, days)]


def test_dated_article_reads_only_postings_of_stories_in_its_window(tmp_path):
    """Stories last touched long before an article's date are not read by its query."""
    old = dated(synthetic(60, seed=1, prefix="old"), [0] * 60)
    with Store(tmp_path / "s.db") as store:
        store.ingest(old, summarize=False)
        index = SqliteIndex(store.db)
        vector = vectorize_many([old[0].text])[0]
        query = list(zip(vector.terms.tolist(), vector.weights.tolist()))
        within = date(2024, 1, 3).toordinal()
        assert index.partial_scores(query, within - 3)  # in the window: the old stories are found
        assert not index.partial_scores(query, within + 30)  # a month later: none of them is read
        late = store.ingest(dated([replace(old[0], id="late", text=old[0].text + " Later.")], [40]), summarize=False)
        assert late[0].story not in {d.story for d in store.ingest(old, summarize=False)}


def _stored_story(store: Store, story: int) -> tuple:
    return store.db.execute("SELECT size, terms, sums, seen FROM stories WHERE id = ?", (story,)).fetchone()


def test_kept_story_states_follow_another_connections_commits(tmp_path):
    # two connections grow one story in turn: each must read the other's article (a state kept
    # from its own last transaction is stale then), as one connection would have grown it
    reports = one_story(4)
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "a.db") as b:
        for i, article in enumerate(reports):
            story = (a if i % 2 == 0 else b).ingest([article], summarize=False)[0].story
        shared = _stored_story(a, story)
    with Store(tmp_path / "one.db") as one:
        for article in reports:
            alone = one.ingest([article], summarize=False)[0].story
        assert shared == _stored_story(one, alone) and shared[0] == 4


def test_a_failed_batch_leaves_no_kept_story_state(tmp_path, monkeypatch):
    reports = one_story(3)
    with Store(tmp_path / "s.db") as store:
        story = store.ingest(reports[:1], summarize=False)[0].story
        monkeypatch.setattr(store, "_set_headline", lambda *a: 1 / 0)
        with pytest.raises(ZeroDivisionError):  # the article joined the story, then the batch rolled back
            store.ingest(reports[1:2], summarize=False)
        monkeypatch.undo()
        store.ingest(reports[2:], summarize=False)
        after = _stored_story(store, story)
    with Store(tmp_path / "clean.db") as clean:
        clean.ingest([reports[0]], summarize=False)
        clean.ingest(reports[2:], summarize=False)
        assert after == _stored_story(clean, story) and after[0] == 2


def test_migration_from_schema_1_keeps_the_index(tmp_path):
    """A version-1 store (all 100 terms a story posted, without days) opens, is migrated, and
    clusters as a store that never was version 1."""
    path = tmp_path / "v1.db"
    articles = dated(synthetic(40), [i % 3 for i in range(40)])
    with Store(path) as store:
        store.ingest(articles[:30], summarize=False)
    db = sqlite3.connect(path)  # rebuild the version-1 postings table from the current one
    db.executescript("""
        CREATE TABLE p1 (term INTEGER NOT NULL, story INTEGER NOT NULL, weight REAL NOT NULL,
                         PRIMARY KEY (term, story)) WITHOUT ROWID;
        INSERT INTO p1 SELECT term, story, weight FROM postings;
        INSERT OR IGNORE INTO p1 SELECT term + 1, story, weight FROM postings;  -- the terms v1 also posted
        DROP TABLE postings; ALTER TABLE p1 RENAME TO postings;
        DROP INDEX stories_lone; DROP INDEX stories_lone_seen; DROP TABLE merged;
        DROP INDEX articles_published; ALTER TABLE stories DROP COLUMN recent;
        ALTER TABLE stories DROP COLUMN seen; DROP TABLE fetched;
        DROP INDEX stories_stale; ALTER TABLE stories DROP COLUMN stale; PRAGMA user_version = 1;""")
    db.close()
    with Store(path) as store:
        rest = store.ingest(articles[30:], summarize=False)
    with Store(tmp_path / "fresh.db") as fresh:
        expected = fresh.ingest(articles, summarize=False)[30:]
    assert [d.story for d in rest] == [d.story for d in expected]
    db = check_consistent(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9


def test_sqlite_index_assigns_as_the_memory_index(tmp_path):
    articles = synthetic(80)
    # the store's own vectors (an undated title weighted `undated_title_weight`): the learned join
    # of undated articles reads a story's size, so near its cut two representations part
    memory = StoryClusterer(index=MemoryIndex())
    expected = [memory.assign(v) for v in memory.vectorize(articles)]
    with Store(tmp_path / "s.db") as store:
        got = [d.story for d in store.ingest(articles, summarize=False)]
    relabel = lambda labels: [dict(zip(dict.fromkeys(labels), range(len(labels))))[x] for x in labels]  # noqa: E731
    assert relabel(got) == relabel(expected)
    check_consistent(tmp_path / "s.db")


def test_dedup_by_url_and_normalized_text(tmp_path):
    a = Article(text="Rain closed the mountain pass on Friday, police said.", url="https://x.test/1", id="a")
    with Store(tmp_path / "s.db") as store:
        first = store.ingest([a])
        again = store.ingest(
            [
                a,
                Article(text="Another text entirely about a pass.", url="https://x.test/1", id="same-url"),
                Article(text="  RAIN closed the mountain pass\non Friday,   police said. ", id="same-text"),
            ]
        )
        assert first[0].added and not any(d.added for d in again)
        assert {d.story for d in again} == {first[0].story}
        assert store.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


def test_summary_cache_goes_stale_and_is_recomputed(tmp_path):
    articles = [
        Article(
            text="The council approved the new bridge on Monday. Construction starts in May, the mayor said.",
            title="Council approves bridge",
            outlet="A",
        ),
        Article(
            text="The new bridge was approved by the council on Monday. Work begins in May, the mayor said.",
            title="Bridge approved",
            outlet="B",
        ),
    ]
    with Store(tmp_path / "s.db") as store:
        story = store.ingest(articles[:1], summarize=False)[0].story
        assert store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == 0
        summary = store.summary(story)  # computed lazily, then cached
        assert summary.sentences and store.db.execute("SELECT size FROM summaries").fetchone()[0] == 1
        assert store.ingest(articles[1:], summarize=False)[0].story == story
        summary = store.summary(story)
        assert len(summary.origins) == 2 and store.db.execute("SELECT size FROM summaries").fetchone()[0] == 2
        cached = store.summary(story)  # read back through the codec: the same typed result
        assert cached == summary and cached.comparison is not None


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_store import synthetic
    from newsfuse.store import Store
    store = Store(sys.argv[1])
    articles = synthetic(int(sys.argv[3]), seed=int(sys.argv[4]), prefix=sys.argv[2])
    step = int(sys.argv[5])
    for i in range(0, len(articles), step):
        for done in store.ingest(articles[i:i + step], summarize=sys.argv[6] == "1"):
            print(done.key, flush=True)
""")


def _child(tmp_path: Path, db: Path, prefix: str, n: int, seed: int, step: int, summarize: bool) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(tests=str(Path(__file__).parent)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, str(script), str(db), prefix, str(n), str(seed), str(step), "1" if summarize else "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_kill_9_mid_ingest_loses_no_acknowledged_article(tmp_path):
    db = tmp_path / "s.db"
    child = _child(tmp_path, db, "k", 5000, 1, 3, summarize=False)
    acknowledged = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        acknowledged.append(line.strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert len(acknowledged) >= 60, "the child stopped early"
    with Store(db) as store:  # reopening recovers the WAL
        keys = set(store.article_stories())
    assert set(acknowledged) <= keys and len(keys) < 5000
    check_consistent(db)


def test_two_processes_ingest_at_once(tmp_path):
    db = tmp_path / "s.db"
    Store(db).close()
    children = [
        _child(tmp_path, db, "p", 60, 2, 4, summarize=False),
        _child(tmp_path, db, "p", 60, 2, 1, summarize=True),  # the same articles, racing
        _child(tmp_path, db, "q", 60, 3, 2, summarize=False),
    ]
    outputs = [c.communicate(timeout=300)[0].split() for c in children]
    assert [c.returncode for c in children] == [0, 0, 0]
    assert all(len(o) == 60 for o in outputs)
    with Store(db) as store:
        stored = store.article_stories()
    assert set(stored) == {f"p{i}" for i in range(60)} | {f"q{i}" for i in range(60)}
    check_consistent(db)


def test_cli_ingest_stories_show(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": a.id, "text": a.text, "title": a.title, "outlet": a.outlet}) + "\n" for a in synthetic(20)
        )
    )
    db = tmp_path / "s.db"
    result = runner.invoke(app, ["ingest", str(src), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "20 added, 0 already stored" in result.output
    result = runner.invoke(app, ["ingest", str(src), "--db", str(db)])
    assert "0 added, 20 already stored" in result.output
    listed = runner.invoke(app, ["stories", "--db", str(db), "--json"])
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sum(r["articles"] for r in rows) == 20 and all(r["headline"] for r in rows)
    table = runner.invoke(app, ["stories", "--db", str(db)])
    assert table.exit_code == 0 and "headline" in table.stdout
    biggest = max(rows, key=lambda r: r["articles"])["id"]
    shown = runner.invoke(app, ["show", str(biggest), "--db", str(db), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["sentences"] and "facts" in data["comparison"]
    for fmt in ("text", "markdown", "html"):
        assert runner.invoke(app, ["show", str(biggest), "--db", str(db), "-f", fmt]).exit_code == 0
    missing = runner.invoke(app, ["show", "999", "--db", str(db)])
    assert missing.exit_code == 1 and "no story 999" in missing.output


def test_migration_from_schema_3_adds_the_fetched_table(tmp_path):
    """A version-3 store (before newsfuse.fetch) opens with its articles kept and gains the table
    of each fetched URL's validators; a fresh store has it too."""
    path = tmp_path / "v2.db"
    with Store(path) as store:
        done = store.ingest(synthetic(10), summarize=False)
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE fetched; PRAGMA user_version = 3;")
    db.close()
    with Store(path) as store:
        assert store.validators("http://127.0.0.1/feed") == (None, None)
        store.remember("http://127.0.0.1/feed", '"v1"', "Mon, 02 Jun 2025 10:00:00 GMT")
        assert store.validators("http://127.0.0.1/feed") == ('"v1"', "Mon, 02 Jun 2025 10:00:00 GMT")
        store.remember("http://127.0.0.1/feed", '"v2"', None)
        assert store.validators("http://127.0.0.1/feed") == ('"v2"', None)
        assert store.story(done[0].story).articles  # the articles survive the migration
    db = check_consistent(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    assert db.execute("SELECT COUNT(*) FROM fetched").fetchone()[0] == 1


FIRE = "Fire at the Eastgate warehouse\n\nA fire tore through a warehouse at the Eastgate docks, officials said."
BRIDGE = (
    "Bridge closes after crack found\n\nThe city closed the Old Mill bridge on Friday after inspectors found a crack."
)


def test_search_finds_stories_by_their_articles_words(tmp_path):
    with Store(tmp_path / "s.db") as store:
        done = store.ingest([Article(FIRE, outlet="Ledger"), Article(BRIDGE, outlet="Wire")], summarize=False)
        fire, bridge = done[0].story, done[1].story
        assert fire != bridge
        assert [i.id for i in store.search("warehouse")] == [fire]
        assert [i.id for i in store.search("EASTGATE Fire")] == [fire]  # every word, any case
        assert [i.id for i in store.search("brid")] == [bridge]  # the last word as a prefix
        assert store.search("warehouse bridge") == [] and store.search('"*) OR (') == []
        assert store.search("") == []


def test_migration_to_schema_5_indexes_the_stored_articles(tmp_path):
    path = tmp_path / "v4.db"
    with Store(path) as store:
        store.ingest([Article(FIRE), Article(BRIDGE)], summarize=False)
    db = sqlite3.connect(path)  # the version-4 layout: no search index
    db.executescript("""DROP TRIGGER article_search_remove;
        DROP TABLE article_search; PRAGMA user_version = 4;""")
    db.close()
    with Store(path) as store:
        assert len(store.search("warehouse")) == 1 and len(store.search("crack")) == 1
        store.ingest([Article("Ferry delayed\n\nThe morning ferry was delayed by fog, the operator said.")])
        assert len(store.search("ferry fog")) == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_search_index_takes_each_batch_whole_and_matches_the_articles(tmp_path):
    # the index is filled per batch in one statement (no insert trigger since schema 9): every
    # stored article is in it, a repeated one not twice (FTS5's check compares it with the table)
    path = tmp_path / "s.db"
    texts = [f"Report {i}\n\nThe harbour crane number {i} was repaired, engineers said." for i in range(BATCH + 5)]
    with Store(path) as store:
        store.ingest([Article(t) for t in texts] + [Article(texts[0])], summarize=False)
        store.db.execute("INSERT INTO article_search (article_search) VALUES ('integrity-check')")
        assert len(store.search("harbour crane", limit=500)) == store.count()
        assert store.db.execute("SELECT COUNT(*) FROM article_search WHERE article_search MATCH 'repaired'").fetchone()[
            0
        ] == len(texts)
        triggers = store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        assert triggers == [("article_search_remove",)]


def test_migration_to_schema_9_drops_the_insert_trigger_and_keeps_the_index(tmp_path):
    path = tmp_path / "v8.db"
    with Store(path) as store:
        store.ingest([Article(FIRE)], summarize=False)
    db = sqlite3.connect(path)  # the version-8 layout: the index kept by an insert trigger
    db.executescript(
        "CREATE TRIGGER article_search_add AFTER INSERT ON articles BEGIN INSERT INTO article_search "
        "(rowid, title, text) VALUES (new.id, new.title, new.text); END; PRAGMA user_version = 8;"
    )
    db.close()
    with Store(path) as store:
        store.ingest([Article(BRIDGE)], summarize=False)  # indexed once, not by a trigger as well
        # an older newsfuse that opened the file before the migration stores without the trigger:
        # the next batch indexes its article too
        store.db.execute(
            "INSERT INTO articles (key, text_hash, text, added) VALUES ('old', 'h', 'A quay flooded at dawn.', 'now')"
        )
        store.ingest([Article("Ferry delayed\n\nThe morning ferry was delayed by fog, the operator said.")])
        indexed = "SELECT COUNT(*) FROM article_search WHERE article_search MATCH ?"
        assert [store.db.execute(indexed, (w,)).fetchone()[0] for w in ("quay", "ferry", "warehouse")] == [1, 1, 1]
        store.db.execute("INSERT INTO article_search (article_search) VALUES ('integrity-check')")
        assert len(store.search("warehouse")) == 1 and len(store.search("crack")) == 1
        assert (
            store.db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'article_search_add'").fetchone()[0] == 0
        )


def test_story_list_pages_and_undated_new_stories_first(tmp_path):
    with Store(tmp_path / "s.db") as store:
        old = replace(Article(FIRE, outlet="Ledger"), published=datetime(2015, 10, 7, tzinfo=timezone.utc))
        store.ingest([old], summarize=True)
        pasted = store.ingest([Article(BRIDGE, outlet="Wire")], summarize=True)[0].story
        infos = store.stories()
        assert infos[0].id == pasted  # just pasted, undated: not at the bottom
        assert store.stories(limit=1) == infos[:1] and store.stories(limit=1, offset=1) == infos[1:]
        leads = store.leads([i.id for i in infos])
        assert leads[pasted][1] == ["Wire"] and "bridge" in (leads[pasted][0] or "")


# ---- stale marks and the background summarizer ----------------------------------------------------


def one_story(n: int) -> list[Article]:
    """`n` reports of one fire (distinct texts, near-identical words: they join one story)."""
    return [Article(f"{FIRE} Update {i}: crews stayed at the docks overnight, officials said.") for i in range(n)]


class Held:
    """`summarize_story` counted (the story's size at each call) and, while `release` is clear,
    held inside the call (`entered` is set once a call waits there)."""

    def __init__(self, monkeypatch) -> None:
        import threading

        from newsfuse import pipeline

        self.real = pipeline.summarize_story
        self.sizes: list[int] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self.release.set()
        monkeypatch.setattr(pipeline, "summarize_story", self)

    def __call__(self, story, options):
        self.sizes.append(len(story.articles))
        self.entered.set()
        assert self.release.wait(120), "the test never released the summarizer"
        return self.real(story, options)

    def hold(self) -> None:
        self.entered.clear()
        self.release.clear()


@pytest.mark.timeout(240)
def test_a_burst_into_one_story_costs_one_summary(tmp_path, monkeypatch):
    """While the summarizer computes a story, five more batches join it: one more summary, at
    the size after the burst (not one per batch), and the mark is kept through the first."""
    from newsfuse.store import Summarizer

    held = Held(monkeypatch)
    summarizer = Summarizer(tmp_path / "s.db")
    with Store(tmp_path / "s.db", on_stale=summarizer.wake) as store:
        articles = one_story(6)
        held.hold()
        story = store.ingest(articles[:1])[0].story
        assert held.sizes == [] and store.stale() == [story]  # ingest marked it and did not summarize
        summarizer.start()
        assert held.entered.wait(60)
        for article in articles[1:]:  # the burst, one batch each, while the summary of 1 runs
            assert store.ingest([article])[0].story == story
        held.release.set()
        assert summarizer.wait_idle(120)
        assert held.sizes == [1, 6] and summarizer.computed == 2
        assert store.stale() == [] and store.latest_summary(story).articles == 6
    assert summarizer.stop(60)


@pytest.mark.timeout(240)
def test_stale_marks_survive_reopening_and_the_summarizer_takes_them(tmp_path):
    from newsfuse.store import Summarizer

    path = tmp_path / "s.db"
    with Store(path) as store:
        first = store.ingest(one_story(1))[0].story  # summarized (drained) at once
        assert store.stale() == [] and store.latest_summary(first).articles == 1
        store.ingest(one_story(3)[1:], summarize=False)
        bridge = store.ingest([Article(BRIDGE)], summarize=False)[0].story
        assert store.stale() == [first, bridge]  # the longest waiting first
        old = store.latest_summary(first)
        assert old.updating and old.articles == 1 and old.summary is not None
    with Store(path) as store:  # reopened: the marks were committed with the articles
        assert store.stale() == [first, bridge]
    summarizer = Summarizer(path)
    summarizer.start()
    assert summarizer.wait_idle(120) and summarizer.computed == 2
    assert summarizer.stop(60)
    with Store(path) as store:
        assert store.stale() == []
        latest = store.latest_summary(first)
        assert not latest.updating and latest.articles == 3


def test_ingest_without_a_summarizer_leaves_every_story_summarized(tmp_path):
    """`newsfuse ingest`: marks and drains, so nothing is left stale when it returns, earlier
    `--no-summarize` marks included."""
    with Store(tmp_path / "s.db") as store:
        store.ingest([Article(BRIDGE)], summarize=False)
        done = store.ingest(one_story(2))
        assert store.stale() == []
        count = store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
        assert count == 2 and store.latest_summary(done[0].story).articles == 2


def test_an_older_summary_never_overwrites_a_newer_one(tmp_path):
    """Two threads may summarize one story (a cheap first read and the summarizer): the entry of
    fewer articles written last is not kept."""
    with Store(tmp_path / "s.db") as store:
        story = store.ingest(one_story(2))[0].story
        assert store.latest_summary(story).articles == 2
        from newsfuse.model import Story
        from newsfuse.pipeline import summarize_story

        store._settle(story, 1, summarize_story(Story(store.story(story).articles[:1])))
        assert store.db.execute("SELECT size FROM summaries").fetchone()[0] == 2


def _foreign(path: Path, story: int | None = None) -> None:
    """Make cached summaries look made by another summarizer (as a store of an older newsfuse)."""
    with sqlite3.connect(path) as db:
        where = "" if story is None else f" WHERE story = {int(story)}"
        db.execute(f"UPDATE summaries SET identity = 'older-release'{where}")


def test_show_recomputes_a_summary_made_by_another_summarizer(tmp_path, monkeypatch):
    import newsfuse.pipeline as pipeline

    path = tmp_path / "s.db"
    with Store(path) as store:
        story = store.ingest(one_story(2))[0].story
        assert store.db.execute("SELECT identity FROM summaries").fetchone()[0] == store.identity
    _foreign(path)
    calls: list[int] = []
    real = pipeline.summarize_story
    monkeypatch.setattr(pipeline, "summarize_story", lambda s, o: calls.append(len(s.articles)) or real(s, o))
    with Store(path) as store:
        assert store.summary_status(story) == (2, 2, True)  # the page and the API say: updating
        assert store.summary(story).sentences and calls == [2]  # `newsfuse show` recomputes it
        assert store.db.execute("SELECT identity FROM summaries").fetchone()[0] == store.identity
        store.summary(story)
        assert calls == [2] and store.summary_status(story) == (2, 2, False)


def test_a_summary_of_another_summarizer_is_refreshed_when_read_not_all_at_once(tmp_path):
    """An upgraded store (schema 7, summaries without an identity) marks nothing at opening; a
    read of one story shows its old summary as updating and queues that story alone."""
    path = tmp_path / "s.db"
    with Store(path) as store:
        first = store.ingest(one_story(2))[0].story
        other = store.ingest([Article(BRIDGE)])[0].story
    with sqlite3.connect(path) as db:
        db.executescript("ALTER TABLE summaries DROP COLUMN identity; PRAGMA user_version = 7;")
    woken: list[int] = []
    with Store(path, on_stale=lambda: woken.append(1)) as store:
        assert store.db.execute("SELECT COUNT(*) FROM summaries WHERE identity IS NULL").fetchone()[0] == 2
        assert store.stale() == []  # the migration re-summarizes nothing
        old = store.latest_summary(first)
        assert old.updating and old.summary is not None and old.articles == 2
        assert store.stale() == [first] and woken == [1]
        assert store.drain() == 1 and store.stale() == []
        assert not store.latest_summary(first).updating
        assert store.summary_status(other)[2]  # not read yet: still the old one, still marked as such


def test_the_summarizer_identity_follows_the_model_files_and_the_settings(tmp_path, monkeypatch):
    import shutil

    import newsfuse.store as store_module
    from newsfuse.settings import Options

    base = store_module.summarizer_identity(Options(compare=True))
    assert store_module.summarizer_identity(Options(compare=True)) == base
    assert store_module.summarizer_identity(Options(compare=False)) != base
    models = tmp_path / "models"
    shutil.copytree(store_module.MODELS, models)
    monkeypatch.setattr(store_module, "MODELS", models)
    store_module._identity.cache_clear()
    assert store_module.summarizer_identity(Options(compare=True)) == base  # the same bytes
    model = models / "rerank.json"
    model.write_bytes(model.read_bytes() + b" ")
    store_module._identity.cache_clear()
    assert store_module.summarizer_identity(Options(compare=True)) != base
    monkeypatch.setattr(store_module, "MODELS", store_module.Path(store_module.__file__).parent / "models")
    store_module._identity.cache_clear()


def test_opening_a_current_store_commits_nothing(tmp_path):
    """A reading connection's open only reads the schema version: no write lock taken, and no
    other connection sees a change (the service keeps answers while `data_version` stands)."""
    path = tmp_path / "s.db"
    with Store(path) as first:
        first.ingest([Article(BRIDGE)], summarize=False)
        before = first.data_version()
        with Store(path) as _:
            pass
        assert first.data_version() == before
        with Store(path) as other:
            other.ingest([Article(FIRE)], summarize=False)
        assert first.data_version() != before


def test_a_summary_is_parsed_once_per_entry_for_pages_and_the_story_list(tmp_path, monkeypatch):
    import newsfuse.store as store_module

    parsed: list[int] = []
    real = store_module.summary_from_dict
    monkeypatch.setattr(store_module, "summary_from_dict", lambda d: parsed.append(1) or real(d))
    with Store(tmp_path / "s.db") as store:
        story = store.ingest(one_story(2), summarize=True)[0].story
        first = store.latest_summary(story)
        assert store.latest_summary(story) == first and len(parsed) == 1
        lead = store.leads([story])[story][0]
        assert lead == first.summary.sentences[0].text and store.leads([story])[story][0] == lead
        with Store(tmp_path / "s.db") as writer:  # a new article and its summary, by another connection
            writer.ingest(one_story(3)[2:], summarize=True)
        again = store.latest_summary(story)
        assert again.articles == 3 and len(parsed) == 2 and not again.updating
        assert store.leads([story])[story][0] == again.summary.sentences[0].text
