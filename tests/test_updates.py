"""newsfuse.updates: what is new in a story since a moment (show --since, the API's ?since=)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfuse.cli import app
from newsfuse.codec import update_from_dict, update_to_dict
from newsfuse.errors import InputError
from newsfuse.ingest import read_text
from newsfuse.model import Story
from newsfuse.store import Store
from newsfuse.updates import parse_since, story_update

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
UTC = timezone.utc


def page(name: str, outlet: str | None = None):
    article = read_text((FEEDS / name).read_text(encoding="utf-8"), name, kind="html").articles[0]
    return replace(article, outlet=outlet or article.outlet, url=f"http://127.0.0.1/{name}")


def fire_story() -> Story:
    """Morning: 14 injured; evening: 18 injured, the marshal's inquiry, housing; a third outlet late
    that night repeats the inquiry in other words of its own and what the morning said. (Within a
    day: a story is live while its newest articles are, stories.ClusterSettings.max_gap.)"""
    third = (
        "Millbrook Gazette\n\n"
        "The county fire marshal opened an investigation into the cause, and faulty wiring in the loading bay "
        "is being examined, officials said.\n\n"
        "Firefighters from three stations fought the blaze for more than four hours before they brought it "
        "under control shortly after dawn."
    )
    gazette = read_text(third, "gazette.txt").articles[0]
    gazette = replace(gazette, outlet="Millbrook Gazette", published=datetime(2025, 6, 2, 23, 0))
    first = replace(page("warehouse-fire.html"), published=datetime(2025, 6, 2, 8, 0))
    later = replace(page("warehouse-fire-update.html"), published=datetime(2025, 6, 2, 20, 0))
    return Story([first, later, gazette], id="1")


def test_update_holds_what_is_new_and_the_changed_value():
    update = story_update(fire_story(), datetime(2025, 6, 2, 12, tzinfo=UTC))
    assert update.earlier == (0,) and update.later == (1, 2)
    texts = [s.text for s in update.sentences]
    assert not any("three stations" in t for t in texts)  # day 1 said it: old news
    assert any("18 people were injured" in t for t in texts)
    assert any("temporary housing" in t for t in texts)
    inquiry = next(s for s in update.sentences if "fire marshal" in s.text)
    # Reported first on day 2 by the Courier, then by the Gazette: one update, two sources.
    assert (
        inquiry.first_reported == datetime(2025, 6, 2, 20, tzinfo=UTC) and inquiry.first_outlet == "Millbrook Courier"
    )
    assert {s.document for s in inquiry.sources + inquiry.partial} == {1, 2}
    (change,) = update.changes
    assert (change.kind, change.before.value, change.after.value) == ("number", "14", "18")
    assert change.before.first_reported == datetime(2025, 6, 2, 8, tzinfo=UTC)
    assert change.after.first_outlet == "Millbrook Courier" and change.after.sources[0].document == 1
    for s in update.sentences:  # attributed as usual: exact spans of the articles
        src = s.sources[0]
        assert fire_story().articles[src.document].text[src.start : src.end] == s.text


def test_nothing_later_is_an_empty_update_and_undated_articles_go_by_added():
    story = fire_story()
    assert story_update(story, datetime(2025, 7, 1)).sentences == ()
    undated = Story([replace(a, published=None) for a in story.articles[:2]], id="u")
    added = [datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 10, tzinfo=UTC)]
    update = story_update(undated, datetime(2025, 6, 5), added)
    assert update.later == (1,) and any("housing" in s.text for s in update.sentences)
    assert story_update(undated, datetime(2025, 6, 5)).later == ()  # neither date: earlier


def test_update_codec_round_trip_and_version():
    update = story_update(fire_story(), datetime(2025, 6, 2, 12, tzinfo=UTC))
    data = json.loads(json.dumps(update_to_dict(update)))
    assert data["update_version"] == 1 and "version" not in data  # the summary codec is untouched
    assert update_from_dict(data) == update
    with pytest.raises(InputError):
        update_from_dict({**data, "update_version": 2})
    with pytest.raises(InputError):
        update_from_dict({"update_version": 1})


def test_parse_since():
    now = datetime(2025, 6, 5, 12, tzinfo=UTC)
    assert parse_since("2025-06-02", now) == datetime(2025, 6, 2, tzinfo=UTC)
    assert parse_since("2025-06-02T12:00+02:00", now) == datetime(2025, 6, 2, 10, tzinfo=UTC)
    assert parse_since("6h", now) == now - timedelta(hours=6)
    with pytest.raises(ValueError):
        parse_since("last tuesday", now)


def stored(tmp_path) -> Path:
    db = tmp_path / "s.db"
    with Store(db) as store:
        done = store.ingest(fire_story().articles, summarize=False)
    assert len({d.story for d in done}) == 1
    return db


def test_show_since(tmp_path):
    db = stored(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["show", "1", "--db", str(db), "--since", "2025-06-02T12:00"])
    assert result.exit_code == 0, result.output
    assert "18 people were injured" in result.stdout and "14 -> 18" in result.stdout
    assert "three stations" not in result.stdout
    result = runner.invoke(app, ["show", "1", "--db", str(db), "--since", "2025-06-02T12:00", "-f", "json"])
    assert json.loads(result.stdout)["changes"][0]["after"]["value"] == "18"
    result = runner.invoke(app, ["show", "1", "--db", str(db), "--since", "whenever"])
    assert result.exit_code == 2


@contextmanager
def served(tmp_path: Path) -> Iterator:
    """The service over the stored story, once the background summarizer has made its summary."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from newsfuse.serve import create_app

    with TestClient(create_app(stored(tmp_path)), base_url="http://127.0.0.1:8000") as client:
        assert client.app.state.store.summarizer.wait_idle(120)
        yield client


def test_api_since(tmp_path):
    with served(tmp_path) as client:
        plain = client.get("/api/stories/1").json()
        assert plain["update"] is None and plain["summary"] is not None
        body = client.get("/api/stories/1", params={"since": "2025-06-02T12:00:00Z"}).json()
        assert body["update"]["later"] == [1, 2]
        assert any("temporary housing" in s["text"] for s in body["update"]["sentences"])
        assert client.get("/api/stories/1", params={"since": "soon"}).status_code == 422


def test_api_since_answer_is_typed_in_the_schema(tmp_path):
    with served(tmp_path) as client:
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        update = client.get("/api/stories/1", params={"since": "2025-06-02T12:00:00Z"}).json()["update"]
    # The response model declares the update (not a free-form object) and the answer fits it.
    assert set(schema["UpdateOut"]["required"]) == {"update_version", "id", "since", "earlier", "later"} | {
        "sentences",
        "changes",
    }
    assert schema["ValueChangeOut"]["properties"]["kind"]["enum"] == ["number", "date", "name", "attribution"]
    assert set(update) == set(schema["UpdateOut"]["properties"])
    assert set(update["changes"][0]["before"]) == set(schema["ReportedOut"]["properties"])
    assert update["changes"][0]["before"]["first_reported"].startswith("2025-06-02T08:00")


# ---- the timeline ---------------------------------------------------------------------------------


def fire_timeline(story: Story | None = None, added=None):
    from newsfuse.pipeline import summarize_story
    from newsfuse.settings import Options
    from newsfuse.updates import story_timeline

    story = story or fire_story()
    return story_timeline(story, summarize_story(story, Options(compare=True)), added)


def test_timeline_places_each_fact_at_its_first_report():
    story = fire_story()
    timeline = fire_timeline(story)
    by_text = {f.text: f for f in timeline.facts}
    stations = next(f for t, f in by_text.items() if "three stations" in t)
    # Said in the morning by the Courier, then by both later articles: first at 08:00.
    assert (stations.first_reported, stations.first_outlet) == (
        datetime(2025, 6, 2, 8, tzinfo=UTC),
        "Millbrook Courier",
    )
    assert stations.first.document == 0 and stations.reports == 3 and stations.status == "corroborated"
    marshal = next(f for t, f in by_text.items() if "fire marshal" in t)
    assert marshal.first_reported == datetime(2025, 6, 2, 20, tzinfo=UTC) and marshal.first.document == 1
    assert marshal.reports == 2  # the Gazette at 23:00 too
    moments = [f.first_reported for f in timeline.facts]
    assert moments == sorted(moments) and len(set(moments)) > 1  # earliest first report first
    for f in timeline.facts:  # the first report is an exact span of that article, stating the fact
        assert story.articles[f.first.document].text[f.first.start : f.first.end]


def test_timeline_of_undated_articles_goes_by_when_added_else_last():
    story = fire_story()
    undated = Story([replace(a, published=None) for a in story.articles], id="u")
    added = [datetime(2025, 6, 9, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC), None]
    timeline = fire_timeline(undated, added)
    stations = next(f for f in timeline.facts if "three stations" in f.text)
    assert stations.first.document == 1 and stations.first_reported == datetime(2025, 6, 1, tzinfo=UTC)
    # A fact the undated, never-stored third article alone gives has no date, and comes last.
    undated_last = [f.first_reported is None for f in timeline.facts]
    assert undated_last == sorted(undated_last)
    assert all(f.first_reported is None for f in timeline.facts if f.first.document == 2)


def test_timeline_codec_round_trip_and_version():
    from newsfuse.codec import timeline_from_dict, timeline_to_dict

    timeline = fire_timeline()
    data = json.loads(json.dumps(timeline_to_dict(timeline)))
    assert data["timeline_version"] == 1 and data["facts"][0]["first_reported"].startswith("2025-06-02T08:00")
    assert timeline_from_dict(data) == timeline
    with pytest.raises(InputError):
        timeline_from_dict({**data, "timeline_version": 2})
    with pytest.raises(InputError):
        timeline_from_dict({"timeline_version": 1, "facts": [{"text": "x"}]})


def test_show_timeline(tmp_path):
    db = stored(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["show", "1", "--db", str(db), "--timeline"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("  * ")]
    assert lines and lines[0].startswith("  * 2025-06-02 08:00, Millbrook Courier: ")
    assert any(
        line.startswith("  * 2025-06-02 20:00, Millbrook Courier: ") and "fire marshal" in line for line in lines
    )
    result = runner.invoke(app, ["show", "1", "--db", str(db), "--timeline", "-f", "json"])
    assert json.loads(result.stdout)["facts"][0]["first_outlet"] == "Millbrook Courier"
    both = runner.invoke(app, ["show", "1", "--db", str(db), "--timeline", "--since", "6h"])
    assert both.exit_code == 2


def test_api_and_page_timeline(tmp_path):
    with served(tmp_path) as client:
        timeline = client.get("/api/stories/1").json()["timeline"]
        page = client.get("/stories/1").text
    assert timeline["timeline_version"] == 1 and timeline["facts"]
    marshal = next(f for f in timeline["facts"] if "fire marshal" in f["text"])
    assert marshal["first"]["document"] == 1 and marshal["first_reported"].startswith("2025-06-02T20:00")
    # The page lists the marshal fact under the evening report, with a chip to its first telling.
    evening = page[page.index('datetime="2025-06-02T20:00') :]
    assert 'class="tl-fact"' in evening and "fire marshal" in evening[: evening.index("</li>\n")]
    assert f'data-doc="1" data-start="{marshal["first"]["start"]}"' in evening


def test_page_carries_what_the_last_visit_script_needs(tmp_path):
    """The story page's "new since your last visit" section (filled by app.js from this server's own
    API; tests/test_browser.py runs it in Chromium): the newest report's moment, under the same CSP."""
    import re

    with served(tmp_path) as client:
        page = client.get("/stories/1")
        script = client.get("/static/app.js").text
    section = re.search(r'<section class="card since-card" id="since" hidden[^>]*>', page.text)
    assert (
        section and 'data-story="1"' in section.group() and 'data-newest="2025-06-02T23:00:00+00:00"' in section.group()
    )
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "localStorage" in script and '"/api/stories/"' in script and "?since=" in script
    assert not re.search(r"https?://", script)  # nothing fetched or loaded from elsewhere


def test_a_retelling_with_the_same_figures_is_old_news():
    from newsfuse.model import Article
    from newsfuse.updates import UpdateSettings

    early = (
        "Lawmakers in the state senate voted on the measure late on Tuesday after a long debate.\n\n"
        "Meanwhile, 16 states and the District of Columbia have protected access to abortion in state law.\n\n"
        "The governor is expected to sign the bill into law before the end of the month."
    )
    late = (
        "The governor signed the measure on Friday in a ceremony at the state capitol building.\n\n"
        "By contrast, 16 states and the District of Columbia have policies that explicitly protect the right "
        "to abortion, and other blue states could follow.\n\n"
        "Opponents said they would challenge the new law in the federal courts within weeks."
    )
    story = Story(
        [
            Article(early, outlet="Morning Post", published=datetime(2025, 6, 2, 8, tzinfo=UTC)),
            Article(late, outlet="Evening Star", published=datetime(2025, 6, 3, 8, tzinfo=UTC)),
        ],
        id="f",
    )
    since = datetime(2025, 6, 2, 12, tzinfo=UTC)
    kept = [s.text for s in story_update(story, since).sentences]
    assert not any("16 states" in t for t in kept)  # the same figures, told again: old news
    assert any("challenge the new law" in t for t in kept) and any("signed the measure" in t for t in kept)
    # Without the figures rule the retelling shares too few words with the earlier one for min_cover
    # (the meaning rule, the default decision, finds it too).
    cover_only = UpdateSettings(same_figures=False, decision="cover")
    plain = [s.text for s in story_update(story, since, settings=cover_only).sentences]
    assert any("16 states" in t for t in plain)


@pytest.mark.parametrize("decision", ["cover", "learned", "either", "meaning"])
def test_every_decision_keeps_the_true_new_facts(decision):
    """The housing fact shares only the company's name with the morning's sentence: new under each
    decision of when support's "full" is trusted below SAME_CONTENT."""
    from newsfuse.updates import UpdateSettings

    settings = UpdateSettings(decision=decision)
    texts = [
        s.text for s in story_update(fire_story(), datetime(2025, 6, 2, 12, tzinfo=UTC), settings=settings).sentences
    ]
    assert any("temporary housing" in t for t in texts) and any("18 people were injured" in t for t in texts)
    assert not any("three stations" in t for t in texts)


MASKS = "Fully vaccinated people can go outdoors without wearing masks, federal health officials said Tuesday."
RETOLD = (
    "People who have had all their shots can be outside without a mask unless they are in a big crowd, "
    "the health agency said Tuesday."
)
QUOTED = (
    "\u201cPeople who have had all their shots can be outside without a mask,\u201d the agency's director said Tuesday."
)
RESTAURANTS = "Restaurants in several states said they would drop their own mask rules by the weekend."


def masks_story(later_lede: str) -> Story:
    """Day 1 tells the guidance; day 2's lede tells it again in other words (3 of its 10 content
    words are day 1's), then a new fact."""
    from newsfuse.model import Article

    early = Article(
        text=f"{MASKS} The guidance still asks for masks on buses, trains and planes. "
        "Officials said case numbers have fallen for three weeks.",
        outlet="A",
        published=datetime(2025, 6, 1, 8),
    )
    late = Article(text=f"{later_lede} {RESTAURANTS}", outlet="B", published=datetime(2025, 6, 2, 8))
    return Story([early, late], id="m")


def test_meaning_drops_a_retelling_in_other_words_that_cover_keeps():
    from newsfuse.claims import cover
    from newsfuse.updates import UpdateSettings

    assert cover(RETOLD, MASKS) < UpdateSettings().min_cover  # too few shared words for the cover rule
    since = datetime(2025, 6, 1, 12, tzinfo=UTC)
    by_meaning = [s.text for s in story_update(masks_story(RETOLD), since).sentences]
    by_cover = [
        s.text for s in story_update(masks_story(RETOLD), since, settings=UpdateSettings(decision="cover")).sentences
    ]
    assert by_meaning == [RESTAURANTS]
    assert RETOLD in by_cover and RESTAURANTS in by_cover


def test_a_quotation_is_not_dropped_for_its_meaning():
    """Someone's own words are news even when the earlier articles told what they mean."""
    from newsfuse.meaning import similarity
    from newsfuse.updates import UpdateSettings

    assert similarity(QUOTED, MASKS) >= UpdateSettings().same_lead_meaning  # both ledes
    texts = [s.text for s in story_update(masks_story(QUOTED), datetime(2025, 6, 1, 12, tzinfo=UTC)).sentences]
    assert QUOTED in texts and RESTAURANTS in texts


def test_meaning_similarity_reads_paraphrase_and_needs_wordllama(monkeypatch):
    from newsfuse import meaning
    from newsfuse.errors import ModelError

    assert meaning.similarity(RETOLD, MASKS) > meaning.similarity(RESTAURANTS, MASKS) + 0.1
    assert meaning.similarity(MASKS, MASKS) == pytest.approx(1.0, abs=1e-5)
    meaning.encoder.cache_clear()
    monkeypatch.setattr(meaning, "find_spec", lambda name: None)
    try:
        with pytest.raises(ModelError, match="pip install"):
            meaning.encoder()
    finally:
        meaning.encoder.cache_clear()
