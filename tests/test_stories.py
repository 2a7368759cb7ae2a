"""Story clustering: quality on mixed Multi-News clusters, the time window, idempotent ingest, `cluster`."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfuse.cli import app
from newsfuse.errors import OptionError
from newsfuse.model import Article
from newsfuse.settings import Options
from newsfuse.store import Store
from newsfuse.stories import (
    ClusterSettings,
    StoryClusterer,
    b_cubed,
    cluster_articles,
    pair_lone_reports,
    vectorize,
    vectorize_articles,
    vectorize_many,
)

VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "validation.jsonl.gz"
runner = CliRunner()
# bench/bench_stories.py --limit 1500 measured P 0.968, R 0.963, F1 0.965; every article alone
# scores R 0.908, F1 0.952 on this subset, so the floors sit above that baseline.
F1_FLOOR = 0.955
RECALL_FLOOR = 0.94
SEED = 13  # as bench/bench_stories.py


def mixed_articles(limit: int) -> tuple[list[Article], list[int]]:
    """The kept non-empty documents of all validation clusters, shuffled (as the bench)."""
    pairs = []
    with gzip.open(VALIDATION, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            pairs += [
                (Article(text=record["documents"][i], id=f"{record['id']}-{i}"), number)
                for i in record["cleansed_keep"]
                if record["documents"][i].strip()
            ]
    random.Random(SEED).shuffle(pairs)
    return [a for a, _ in pairs[:limit]], [t for _, t in pairs[:limit]]


def test_b_cubed_on_mixed_validation_clusters():
    if not VALIDATION.exists():
        pytest.skip(f"{VALIDATION} is not here (CI has ../shared beside the checkout)")
    articles, truth = mixed_articles(1500)
    precision, recall, f1 = b_cubed(cluster_articles(articles), truth)
    assert f1 >= F1_FLOOR and recall >= RECALL_FLOOR, (precision, recall, f1)


def test_b_cubed_small_cases():
    assert b_cubed([0, 0, 1], [5, 5, 6]) == (1.0, 1.0, 1.0)
    p, r, _ = b_cubed([0, 0, 0], [1, 1, 2])
    assert p == pytest.approx(5 / 9) and r == 1.0


FIRE = (
    "A fire tore through the Brackwater warehouse on Pier 9 in Port Halvard overnight, injuring "
    "fourteen people; Fire Chief Tomas Reyburn said crews kept it from the fuel depot."
)
FIRE_2 = (
    "Fourteen people were hurt when fire ripped through a Brackwater warehouse at Pier 9 in Port "
    "Halvard; Chief Tomas Reyburn said the fuel depot was saved."
)


def _at(day: int) -> datetime:
    return datetime(2024, 3, 1, tzinfo=timezone.utc) + timedelta(days=day)


def test_time_gap_keeps_days_apart_articles_apart():
    near = cluster_articles([Article(FIRE, published=_at(0)), Article(FIRE_2, published=_at(1))])
    far = cluster_articles([Article(FIRE, published=_at(0)), Article(FIRE_2, published=_at(10))])
    undated = cluster_articles([Article(FIRE), Article(FIRE_2)])
    assert near[0] == near[1] and undated[0] == undated[1]
    assert far[0] != far[1]


FIRE_FOLLOW_UP = (
    "Investigators said the Port Halvard warehouse fire began in a faulty heater, and the owner "
    "faces a fine from the harbour authority."
)


def test_a_day_on_a_story_needs_more_likeness():
    """`day_penalty`: a follow-up on the fire (cosine 0.33 with its story) joins the same day; a day
    later it pays 0.2 and starts a story of its own, while a retelling (0.85) still joins, and
    without the penalty the follow-up joins a day on too. No outlets: the lone reports' pass stays out."""
    same_day = cluster_articles([Article(FIRE, published=_at(0)), Article(FIRE_FOLLOW_UP, published=_at(0))])
    next_day = [Article(FIRE, published=_at(0)), Article(FIRE_FOLLOW_UP, published=_at(1))]
    retold = cluster_articles([Article(FIRE, published=_at(0)), Article(FIRE_2, published=_at(1))])
    assert same_day == [0, 0] and retold == [0, 0]
    assert cluster_articles(next_day) == [0, 1]
    assert cluster_articles(next_day, settings=ClusterSettings(day_penalty=0.0)) == [0, 0]
    half_day = [Article(FIRE, published=_at(0)), Article(FIRE_FOLLOW_UP, published=_at(0) + timedelta(hours=12))]
    assert cluster_articles(half_day) == [0, 0]  # fractional days: 0.33 - 0.1 still reaches 0.18


# Two feed entries of one outlet, an hour apart, on different stories that share a subject's words:
# a sponsor's note and an App Store outage share "mac app store" (cosine 0.29, 11 terms on the
# shorter side), two tax pieces share "vat" and "invoice" (0.20, 13 terms).
_HOUR = timedelta(hours=1)
SPONSOR_AND_OUTAGE = [
    Article(
        "My thanks to Lumafield for sponsoring the feed this week. Lumafield is a photo editor for the "
        "Mac, on sale now in the Mac App Store.",
        title="Lumafield for Mac",
        outlet="Feed",
        published=_at(0),
    ),
    Article(
        "Another rough week for the Mac App Store: an expired certificate kept apps from launching until "
        "users deleted and reinstalled them.",
        title="Mac App Store Apps Stop Launching",
        outlet="Feed",
        published=_at(0) + _HOUR,
    ),
]
TWO_TAX_PIECES = [
    Article(
        "The tax network opened a prototype of the simplified return form, with invoice upload and "
        "matching of purchase registers.",
        title="VAT network shows prototype of simpler returns",
        outlet="Feed",
        published=_at(0),
    ),
    Article(
        "A panel will study the legal and technical sides of electronic invoices for business sales "
        "before their roll-out.",
        title="VAT council to examine e-invoices for business sales",
        outlet="Feed",
        published=_at(0) + _HOUR,
    ),
]


@pytest.mark.parametrize("entries", [SPONSOR_AND_OUTAGE, TWO_TAX_PIECES], ids=["mac", "tax"])
def test_short_entries_sharing_a_few_subject_words_stay_apart(entries):
    """`short_evidence`: both pairs pass the join threshold 0.18 but not the floor a short text
    needs (1.15 / sqrt(11) = 0.35, 1.15 / sqrt(13) = 0.32); without the floor they join."""
    assert cluster_articles(entries) == [0, 1]
    # (the tax pieces' centroid shares one term with the other: two shared terms are asked too)
    assert cluster_articles(entries, settings=ClusterSettings(short_evidence=0.0, shared_terms=1)) == [0, 0]


def test_short_entries_of_one_story_still_join():
    """The floor asks a short text for more likeness, not for length: a retelling of the fire (0.85)
    joins, and so does the same-day follow-up of 13 terms (0.33, floor 1.15 / sqrt(13) = 0.32),
    also half a day on, when the day penalty leaves a score of 0.23: the floor reads the cosine."""
    assert cluster_articles([Article(FIRE, published=_at(0)), Article(FIRE_2, published=_at(0) + _HOUR)]) == [0, 0]
    follow_up = [Article(FIRE, published=_at(0)), Article(FIRE_FOLLOW_UP, published=_at(0) + timedelta(hours=12))]
    assert cluster_articles(follow_up) == [0, 0]
    assert cluster_articles(follow_up, settings=ClusterSettings(short_evidence=1.3)) == [0, 1]


def test_the_partitions_merge_asks_a_short_text_the_same():
    """The Dask engine's merge decides a piece's join as one pass does, the floor included: the
    outage entry opens the second time range (ranges of an hour at least), so only the merge could
    join it to the sponsor's note."""
    from newsfuse.partitioned import cluster_partitioned, plan_partitions

    settings = ClusterSettings(max_gap=_HOUR)
    stream = [*SPONSOR_AND_OUTAGE, Article(FIRE, published=_at(0) + 2 * _HOUR)]
    assert [p.positions for p in plan_partitions(stream, 3, settings, min_size=1)] == [[0], [1, 2]]
    for short_evidence, labels in ((1.15, [0, 1, 2]), (0.0, [0, 0, 1])):
        chosen = replace(settings, short_evidence=short_evidence)
        assert (
            cluster_partitioned(stream, 3, chosen, min_size=1)[0] == cluster_articles(stream, settings=chosen) == labels
        )


def test_time_gap_in_the_store(tmp_path):
    with Store(tmp_path / "s.db") as store:
        done = store.ingest(
            [
                Article(FIRE, published=_at(0), id="a"),
                Article(FIRE_2, published=_at(10), id="b"),
                Article(FIRE_2 + " Update.", published=_at(11), id="c"),
            ],
            summarize=False,
        )
    assert done[0].story != done[1].story and done[1].story == done[2].story


def test_reingest_is_idempotent(tmp_path):
    articles = [
        Article(FIRE, url="https://a.test/fire", outlet="A", id="a"),
        Article(FIRE_2, outlet="B", id="b"),
        Article("The city council approved the harbour budget for next year on Monday.", outlet="C", id="c"),
    ]
    path = tmp_path / "s.db"
    with Store(path) as store:
        first = store.ingest(articles, summarize=False)
        before = [
            store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("articles", "stories", "membership", "postings")
        ]
        again = store.ingest(articles + [Article(FIRE.upper(), id="shouting copy")], summarize=False)
        after = [
            store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("articles", "stories", "membership", "postings")
        ]
    assert all(d.added for d in first) and not any(d.added for d in again)
    assert [d.story for d in again[:3]] == [d.story for d in first] and again[3].story == first[0].story
    assert before == after
    assert first[0].story == first[1].story != first[2].story


def test_cluster_cli_output_shape(tmp_path):
    src = tmp_path / "in.jsonl"
    records = [
        {
            "id": "fire-1",
            "text": FIRE,
            "outlet": "Ledger",
            "title": "Warehouse fire",
            "published": "2024-03-01T08:00:00Z",
        },
        {"id": "fire-2", "text": FIRE_2, "outlet": "Times", "published": "2024-03-01T10:00:00Z"},
        {"text": "The city council approved the harbour budget for next year on Monday.", "outlet": "Post"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    out, stories = tmp_path / "out.jsonl", tmp_path / "stories.jsonl"
    result = runner.invoke(app, ["cluster", str(src), "-o", str(out), "--stories", str(stories)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(line) for line in lines] == [{"id", "story"}] * 3
    assert [line["id"] for line in lines[:2]] == ["fire-1", "fire-2"] and lines[2]["id"].endswith("in.jsonl:3")
    assert lines[0]["story"] == lines[1]["story"] != lines[2]["story"]
    listed = [json.loads(line) for line in stories.read_text().splitlines()]
    fire = next(s for s in listed if s["story"] == lines[0]["story"])
    assert fire["headline"] == "Warehouse fire" and fire["articles"] == ["fire-1", "fire-2"]
    assert fire["outlets"] == ["Ledger", "Times"] and fire["first"].startswith("2024-03-01T08")
    assert fire["last"].startswith("2024-03-01T10")
    on_stderr = runner.invoke(app, ["cluster", str(src), "-o", str(out)])
    assert on_stderr.exit_code == 0 and "Warehouse fire (2 articles, 2 outlets)" in on_stderr.output


def test_cluster_settings_defaults_and_validation():
    settings = ClusterSettings()
    assert (settings.story_terms, settings.posted_terms, settings.query_terms, settings.rescored) == (100, 30, 12, 3)
    assert (settings.join_threshold, settings.max_gap, settings.entity_boost) == (0.18, timedelta(days=1), 1.0)
    assert (settings.recent_articles, settings.decay, settings.undated_threshold) == (3, 0.6, 0.25)
    assert (settings.undated_window, settings.undated_clock, settings.title_weight) == (0, True, 2.0)
    assert (settings.day_penalty, settings.undated_title_weight, settings.short_evidence) == (0.2, 4.0, 1.15)
    assert Options().clustering == settings
    for field_name, bad in [
        ("story_terms", 0),
        ("query_terms", 2.5),
        ("rescored", True),
        ("posted_terms", 101),  # more than a story keeps
        ("join_threshold", 1.5),
        ("join_threshold", float("nan")),
        ("max_gap", 3),
        ("max_gap", timedelta(days=-1)),
        ("entity_boost", 0.0),
        ("recent_articles", 0),
        ("decay", 0.0),
        ("decay", 1.5),
        ("undated_threshold", -0.1),
        ("undated_window", -1),
        ("title_weight", float("inf")),
        ("undated_title_weight", -1.0),
        ("lede_chars", -5),
        ("body_chars", -1),
        ("day_penalty", -0.1),
        ("day_penalty", float("nan")),
        ("short_evidence", -1.0),
        ("short_evidence", float("inf")),
    ]:
        with pytest.raises(OptionError, match=field_name):
            ClusterSettings(**{field_name: bad})


def test_body_chars_reads_only_the_start_of_the_body():
    text = "Harbour cranes collapsed overnight. " + "Penguins glaciers " * 20
    cut = vectorize_many([text], settings=ClusterSettings(body_chars=35))[0]
    whole = vectorize_many([text])[0]
    assert set(cut.terms) < set(whole.terms)  # the penguins are past the cut
    assert set(cut.terms) == set(vectorize_many(["Harbour cranes collapsed overnight."])[0].terms)


def test_an_undated_articles_title_counts_more():
    """Without a date to tell one event from the next on a subject, the title (which names the
    event) weighs `undated_title_weight` times the body, a dated article's `title_weight`."""
    title, body = "Idaho gay marriage ban voided", "The court ruled on the state's constitution today."
    dated, undated = vectorize_articles(
        [Article(body, title=title, published=_at(0)), Article(body, title=title)], ClusterSettings()
    )
    assert dated.as_dict() == vectorize_many([body], titles=[title])[0].as_dict()
    heavy = vectorize_many([body], titles=[title], settings=ClusterSettings(title_weight=4.0))[0]
    assert undated.as_dict() == pytest.approx(heavy.as_dict())
    assert undated.as_dict() != pytest.approx(dated.as_dict())
    even = vectorize_articles([Article(body, title=title)], ClusterSettings(undated_title_weight=2.0))[0]
    assert even.as_dict() == pytest.approx(dated.as_dict())


def test_cluster_settings_drive_the_clusterer(tmp_path):
    pair = [Article(FIRE, published=_at(0)), Article(FIRE_2, published=_at(1))]
    assert len(set(cluster_articles(pair))) == 1
    assert len(set(cluster_articles(pair, settings=ClusterSettings(max_gap=timedelta(hours=1))))) == 2
    assert StoryClusterer(threshold=0.5).settings == ClusterSettings(join_threshold=0.5)
    with pytest.raises(OptionError, match="clusterer"):
        cluster_articles(pair, StoryClusterer(), settings=ClusterSettings(rescored=5))
    with pytest.raises(OptionError, match="posted_terms"):  # a store files a fixed count of postings
        Store(tmp_path / "s.db", Options(clustering=ClusterSettings(posted_terms=20)))
    assert not (tmp_path / "s.db").exists()


def test_a_story_is_live_only_while_its_recent_articles_are_near():
    """A busy topic does not stretch one story over weeks: the window is measured around the
    story's newest articles, not its whole span (issue 13: one story chained 20 events)."""
    stream = [Article(FIRE if i % 2 else FIRE_2, published=_at(0) + timedelta(hours=12 * i)) for i in range(20)]
    labels = cluster_articles(stream)
    spans: dict[int, list[datetime]] = {}
    for label, article in zip(labels, stream):
        spans.setdefault(label, []).append(article.published)
    window = ClusterSettings().max_gap
    assert len(spans) > 1 and all(max(d) - min(d) <= 2 * window for d in spans.values())


def test_undated_articles_go_by_arrival():
    old = [Article(FIRE, published=_at(0)), Article("The harbour council met on budgets.", published=_at(30))]
    late = cluster_articles([*old, Article(FIRE_2)])  # arrives on day 30 of the stream's clock
    assert late[2] != late[0]
    anywhere = cluster_articles([*old, Article(FIRE_2)], settings=ClusterSettings(undated_clock=False))
    assert anywhere[2] == anywhere[0]
    filler = [Article(f"Unrelated note number {i} about gardening tools and {i} shovels.") for i in range(5)]
    pile = [Article(FIRE), *filler, Article(FIRE_2)]
    assert cluster_articles(pile)[0] == cluster_articles(pile)[-1]
    ordered = cluster_articles(pile, settings=ClusterSettings(undated_window=3))
    assert ordered[0] != ordered[-1]


def test_store_clusters_real_dated_news_as_memory(tmp_path, allsides_sample):
    """The store keeps what liveness needs (recent dates, arrival numbers, the clock): on 150 real
    dated AllSides articles, in two ingest calls, it makes the in-memory one pass (the lone
    reports' pass off on both sides: across calls it pairs as the calls come, tests/test_store_pairs.py)."""
    articles, truth = allsides_sample
    one_pass = ClusterSettings(lone_threshold=0.0)
    expected = cluster_articles(articles, settings=one_pass)
    with Store(tmp_path / "s.db", Options(clustering=one_pass)) as store:
        got = [d.story for d in store.ingest(articles[:70], summarize=False)]
    with Store(tmp_path / "s.db", Options(clustering=one_pass)) as store:  # reopened: clock and arrivals from the file
        got += [d.story for d in store.ingest(articles[70:], summarize=False)]
    assert b_cubed(got, expected)[2] == 1.0
    assert b_cubed(expected, truth)[2] >= 0.80  # measured 0.886 (every tenth article undated)


GUN_DEAL = (
    "Senators struck a bipartisan deal on background checks for gun buyers on Wednesday, a compromise "
    "that supporters said could finally move firearms legislation through the chamber."
)
# the same event told by another outlet in other words: cosine 0.14 with GUN_DEAL's story, under
# the join threshold (0.18), over the lone reports' threshold (0.10)
GUN_DEAL_RIGHT = (
    "Conservatives vowed to resist the gun compromise, warning that the pact would grow federal power "
    "over private sales between neighbours."
)


def _reports(first: str | None, second: str | None, hours: float = 5, dated: bool = True) -> list[Article]:
    return [
        Article(GUN_DEAL, outlet=first, published=_at(0) if dated else None),
        Article(GUN_DEAL_RIGHT, outlet=second, published=_at(0) + timedelta(hours=hours) if dated else None),
    ]


def test_two_outlets_lone_reports_of_one_event_are_paired():
    """The second pass (issue 13, PAC's partisan pairs): two stories of one article each, from two
    outlets, within `lone_gap`, join at a lower cosine than an article joins a story; not an
    outlet's own two reports, not reports further apart, not with the pass off."""
    assert StoryClusterer().best_story(vectorize(GUN_DEAL_RIGHT), _at(0))[0] is None
    assert cluster_articles(_reports("Wire", "Daily")) == [0, 0]
    assert cluster_articles(_reports("Wire", "Daily"), settings=ClusterSettings(lone_threshold=0.0)) == [0, 1]
    assert cluster_articles(_reports("Wire", "Daily"), settings=ClusterSettings(lone_threshold=0.2)) == [0, 1]
    assert cluster_articles(_reports("Wire", "Wire")) == [0, 1]  # a single feed's items stay apart
    assert cluster_articles(_reports("Wire", None)) == [0, 1]
    assert cluster_articles(_reports("Wire", "Daily", hours=40)) == [0, 0]  # past max_gap, within lone_gap
    assert cluster_articles(_reports("Wire", "Daily", hours=50)) == [0, 1]  # beyond lone_gap (2 days)
    undated = _reports("Wire", "Daily", dated=False)  # undated: by arrival order (`lone_arrivals`)
    assert cluster_articles(undated) == [0, 0]
    assert cluster_articles(undated, settings=ClusterSettings(lone_arrivals=0)) == [0, 1]
    filler = [Article(f"Note {i} on gardening tools and {i} shovels.", outlet="Garden") for i in range(20)]
    assert cluster_articles([undated[0], *filler, undated[1]])[-1] != 0  # 21 arrivals apart
    assert cluster_articles([undated[0], *filler[1:], undated[1]])[-1] == 0  # 20 apart
    # a third outlet's lone report finds its pair taken: pairs, never a chain of lone reports
    third = Article(GUN_DEAL_RIGHT.replace("Conservatives", "Gun owners"), outlet="Post", published=_at(0))
    assert pair_lone_reports([0, 1, 2], [*_reports("Wire", "Daily"), third]) == [0, 0, 1]
    with pytest.raises(OptionError, match="lone_threshold"):
        ClusterSettings(lone_threshold=1.5)


def test_lone_reports_pass_renumbers_by_first_article():
    labels = [0, 1, 2, 3]
    articles = [
        Article(FIRE, outlet="A", published=_at(0)),
        *_reports("Wire", "Daily"),
        Article(FIRE, published=_at(9)),
    ]
    assert pair_lone_reports(labels, articles) == [0, 1, 1, 2]
    assert pair_lone_reports(labels, articles, ClusterSettings(lone_threshold=0.0)) == labels


def test_a_score_sums_the_shared_terms_in_the_articles_order_to_the_bit():
    import numpy as np

    from newsfuse.stories import ArticleVector, StoryClusterer

    rng = np.random.default_rng(3)
    for ascending in (True, False):
        terms = np.unique(rng.integers(0, 5000, 300)).astype(np.int32)
        terms = terms if ascending else rng.permutation(terms)
        weights = rng.random(len(terms)).astype(np.float32)
        clusterer = StoryClusterer(settings=ClusterSettings(join_threshold=0.0, lone_threshold=0.0))
        # a story of the article's 40 heaviest terms (its 12 heaviest heaviest there too) and others
        heaviest = terms[np.argsort(-weights)]
        story = dict(zip(rng.integers(5000, 9000, 50).tolist(), rng.random(50).tolist()))
        story.update(zip(heaviest[:40].tolist(), (1 + rng.random(40) + 2 * (np.arange(40) < 12)).tolist()))
        keys = sorted(story)
        clusterer.assign(ArticleVector(np.array(keys, np.int32), np.array([story[k] for k in keys], np.float32)))
        vector = ArticleVector(terms, weights)
        centroid = clusterer.index.get(0).centroid
        whole = sum(w * centroid.get(t, 0.0) for t, w in vector.as_dict().items())  # the sum it replaced
        assert clusterer.best_story(vector, None) == (0, whole)


@pytest.mark.timeout(60)
def test_one_shared_term_joins_no_story():
    """Two short undated items sharing one rare name and nothing else are two stories; with the
    rule off (shared_terms=1) the learned join took them as one."""
    dam = Article(
        text="Zorvath dam opened its gates after the storm flooded the valley road.", title="Zorvath dam opened"
    )
    park = Article(
        text="Investors pledged new money to the Zorvath software park near the harbour.", title="Zorvath park funding"
    )
    assert cluster_articles([dam, park]) == [0, 1]
    assert cluster_articles([dam, park], settings=ClusterSettings(shared_terms=1)) == [0, 0]
    with pytest.raises(OptionError):
        ClusterSettings(shared_terms=0)
