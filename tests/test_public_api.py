from __future__ import annotations

import newsfuse
from newsfuse.select import available
from newsfuse.settings import Options


def test_public_surface_is_exactly_what_the_docs_promise():
    assert set(newsfuse.__all__) == {
        "Article",
        "Claim",
        "Comparison",
        "Disagreement",
        "Fact",
        "Outlet",
        "PreparedStory",
        "QuoteGroup",
        "Span",
        "prepare",
        "EmptyStoryError",
        "InputError",
        "LocatedError",
        "ModelError",
        "NewsfuseError",
        "NotFoundError",
        "OptionError",
        "Options",
        "Problem",
        "Sentence",
        "Source",
        "Story",
        "Store",
        "StoreError",
        "Summary",
        "SummarySentence",
        "UnknownNameError",
        "WireCopy",
        "cluster_articles",
        "compare_articles",
        "summarize",
        "summarize_story",
    }
    for name in newsfuse.__all__:
        assert getattr(newsfuse, name) is not None


def test_selectors_registered_and_default_is_learned():
    assert {"learned", "centrality", "lead", "lexrank"} <= set(available())
    assert Options().selector == "learned"
