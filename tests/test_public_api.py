from __future__ import annotations

import re

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
        "Reading",
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
        "read",
        "summarize",
        "summarize_story",
    }
    for name in newsfuse.__all__:
        assert getattr(newsfuse, name) is not None


def test_selectors_registered_and_default_is_rerank():
    assert {"learned", "rerank", "centrality", "lead", "lexrank"} <= set(available())
    assert Options().selector == "rerank"


def test_the_public_examples_run_as_written():
    """The docstring examples of the public calls (offline, a few seconds)."""
    import doctest

    import newsfuse.batch
    import newsfuse.pipeline
    import newsfuse.render
    import newsfuse.store

    for module in (newsfuse, newsfuse.pipeline, newsfuse.render, newsfuse.batch, newsfuse.store):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0
    assert doctest.testmod(newsfuse.pipeline).attempted >= 10


def test_summarize_takes_one_string_as_one_article_and_compares_by_default():
    summary = newsfuse.summarize(
        "The council approved the budget on Tuesday. It includes money for new buses. "
        "Critics said the plan came too late. The mayor will sign it next week.",
        words=15,
    )
    assert summary.sentences and {src.document for s in summary.sentences for src in s.sources} == {0}
    assert all(len(s.text.split()) > 3 for s in summary.sentences)  # sentences, not characters
    assert summary.comparison is not None  # as `newsfuse summarize`: compared unless told not to
    assert newsfuse.summarize("The council met on Monday. It voted.", compare=False).comparison is None


def test_summarize_takes_articles_a_story_a_record_and_a_generator():
    texts = [
        "The port reopened on Monday after a week of repairs, officials said.",
        "Officials said the port reopened on Monday after repairs.",
    ]
    for given in (
        [newsfuse.Article(text=t) for t in texts],
        newsfuse.Story([newsfuse.Article(text=t) for t in texts]),
        {"id": "r1", "documents": texts},
        (t for t in texts),
    ):
        assert newsfuse.summarize(given, words=20).sentences[0].origins == 2


def test_anything_else_is_a_type_error_naming_it(tmp_path):
    import pytest

    for bad, named in (
        (42, "int 42"),
        (None, "NoneType"),
        (b"bytes text", "bytes"),
        (tmp_path, "newsfuse.read()"),
        (
            ["fine text here.", 3.5],
            "article 2: expected article text (str), a dict with 'text' or an Article, got float",
        ),
    ):
        with pytest.raises(TypeError, match=re.escape(named)):
            newsfuse.summarize(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got int"):
        newsfuse.read([1])  # type: ignore[list-item]


def test_a_file_name_given_as_text_is_named_not_summarized(tmp_path):
    import pytest

    path = tmp_path / "a.txt"
    path.write_text("The dam held overnight, engineers said.\n")
    with pytest.raises(newsfuse.InputError, match="looks like a file name.*newsfuse.read"):
        newsfuse.summarize([str(path)])
    with pytest.raises(newsfuse.InputError, match="no article given"):
        newsfuse.summarize([])


def test_read_is_the_command_lines_reading(example_paths, tmp_path):
    stories, problems = newsfuse.read(example_paths + [str(tmp_path / "missing.txt")])
    assert [len(s.articles) for s in stories] == [len(example_paths)]
    assert [str(p) for p in problems] == [f"{tmp_path / 'missing.txt'}: no such file or directory"]
    reading = newsfuse.read(example_paths[0])  # one path, not its characters
    assert isinstance(reading, newsfuse.Reading) and len(reading.stories[0].articles) == 1
    summary = newsfuse.summarize(stories[0])
    assert summary.comparison is not None and summary.sentences


def test_read_takes_a_file_given_twice_once(example_paths):
    stories, problems = newsfuse.read([example_paths[0], example_paths[0], example_paths[1]])
    assert len(stories[0].articles) == 2 and [p.message for p in problems] == ["given twice; read once"]
