"""The codec: every result survives a round trip through JSON; other versions are refused by name."""

from __future__ import annotations

import json

import pytest

from newsfuse import Article, Story
from newsfuse.codec import (
    VERSION,
    comparison_from_dict,
    comparison_to_dict,
    summary_from_dict,
    summary_to_dict,
)
from newsfuse.errors import InputError
from newsfuse.ingest import read_paths
from newsfuse.pipeline import summarize_story
from newsfuse.settings import Options


@pytest.fixture
def example_summary(example_paths):
    return summarize_story(read_paths(example_paths).all_stories()[0], Options(compare=True))


def test_summary_round_trips_through_json(example_summary):
    data = json.loads(json.dumps(summary_to_dict(example_summary)))
    assert data["version"] == VERSION
    again = summary_from_dict(data)
    assert again == example_summary
    assert again.comparison is not None and again.comparison.wire_copies == example_summary.wire_copies


def test_comparison_round_trips_on_its_own(example_summary):
    comparison = example_summary.comparison
    data = json.loads(json.dumps(comparison_to_dict(comparison)))
    assert set(data) == {"facts", "quotes", "disagreements", "wire_copies", "outlets"}
    assert comparison_from_dict(data) == comparison


def test_summary_nests_the_comparison_and_writes_wire_copies_once(example_summary):
    data = summary_to_dict(example_summary)
    assert set(data["comparison"]) == {"facts", "quotes", "disagreements", "outlets"}
    assert data["wire_copies"] == [{"original": 4, "copies": [1], "shared": 1.0, "agency": None}]
    assert len(data["origins"]) == 6


def test_problems_are_where_and_message():
    story = Story([Article("Advertisement\n\nPhoto by: AFP\n", origin_file="noise.txt"), Article("A bridge opened.")])
    data = summary_to_dict(summarize_story(story))
    assert {"where": "noise.txt", "message": "no article sentence left after cleaning"} in data["problems"]
    assert summary_from_dict(data).problems == summarize_story(story).problems


def test_other_versions_and_broken_dicts_are_refused(example_summary):
    data = summary_to_dict(example_summary)
    with pytest.raises(InputError, match="codec version"):
        summary_from_dict({**data, "version": VERSION + 1})
    del data["sentences"]
    with pytest.raises(InputError, match="sentences"):
        summary_from_dict(data)


def test_quotes_carry_their_speakers_role():
    from newsfuse.model import Comparison, QuoteGroup, Source

    quote = QuoteGroup("We will rebuild", "Elena Varga", (Source(0, 1, 16, "A"),), (), "Mayor")
    data = json.loads(json.dumps(comparison_to_dict(Comparison((), (quote,), ()))))
    assert list(data["quotes"][0]) == ["text", "speaker", "role", "sources", "variants"]
    assert data["quotes"][0]["role"] == "Mayor"
    assert comparison_from_dict(data).quotes == (quote,)


def test_a_ledes_retelling_outlets_round_trip_and_older_dicts_read_without_them(example_summary):
    k = next(k for k, s in enumerate(example_summary.sentences) if s.retold)  # a lede others retell
    again = summary_from_dict(summary_to_dict(example_summary))
    assert again.sentences[k].retold == example_summary.sentences[k].retold
    data = summary_to_dict(example_summary)
    for sentence in data["sentences"]:
        del sentence["retold"]  # as written before the field
    assert all(s.retold == () for s in summary_from_dict(data).sentences)
