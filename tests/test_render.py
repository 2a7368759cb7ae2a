from __future__ import annotations

import json

import pytest

from newsfuse import Article, Options, Story
from newsfuse.pipeline import summarize_story
from newsfuse.render import Shown, outlet_name, render

HOSTILE = (
    'The mayor said <script>alert("x")</script> the bridge reopened on Friday. '
    "Drivers <img src=x onerror=alert(1)> were relieved, officials said."
)


@pytest.fixture
def summarized():
    story = Story(
        [
            Article(HOSTILE, outlet="<b>Evil</b> Daily", url="javascript:alert(1)"),
            Article("The bridge reopened on Friday, the mayor said. Drivers were relieved.", outlet="Wire"),
        ],
        id="bridge",
    )
    return summarize_story(story, Options(words=40)), Shown(story.articles, story.id)


def test_html_escapes_article_text_and_outlet(summarized):
    page = render(*summarized, fmt="html")
    assert "<script>" not in page and "<img src=x" not in page and "<b>Evil</b>" not in page
    assert "&lt;script&gt;" in page and "javascript:" not in page
    assert page.startswith("<!doctype html>") and "<mark id=" in page


def test_json_matches_batch_shape(summarized):
    summary, shown = summarized
    data = json.loads(render(summary, shown, fmt="json"))
    assert data["summary"] == "\n".join(s["text"] for s in data["sentences"])
    for sentence in data["sentences"]:
        for src in sentence["sources"]:
            assert set(src) == {"document", "outlet", "start", "end"}
            assert shown.articles[src["document"]].text[src["start"] : src["end"]]
        assert sentence["origins"] >= 1


def test_text_and_markdown_list_each_sentence_with_sources(summarized):
    summary, shown = summarized
    for fmt in ("text", "markdown"):
        out = render(summary, shown, fmt=fmt)
        for sentence in summary.sentences:  # Markdown shows raw HTML as text (&lt;), never as markup
            assert (sentence.text if fmt == "text" else sentence.text.replace("<", "&lt;")) in out
        assert "origin" in out


def test_markdown_escapes_raw_html_and_text_strips_escape_sequences(summarized):
    summary, shown = summarized
    markdown = render(summary, shown, fmt="markdown")
    assert "<script>" not in markdown and "<b>" not in markdown and "&lt;script>" in markdown
    assert "<sub>" in markdown  # its own markup stays
    from dataclasses import replace

    hostile = replace(summary.sentences[0], text="Fire \x1b]52;c;cm0gLXJmIH4=\x07out\x1b[2J\x1b]0;pwned\x1b\\ now\r.")
    text = render(replace(summary, sentences=(hostile, *summary.sentences[1:])), shown, fmt="text")
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "Fire out now." in text


def test_unknown_format_is_refused(summarized):
    with pytest.raises(ValueError, match="unknown format"):
        render(*summarized, fmt="pdf")


def test_markdown_makes_no_link_of_an_articles_link_syntax():
    text = "The council met on Monday [read](javascript:alert(1)) and approved the bridge plan, officials said."
    story = Story([Article(text, outlet="A"), Article(text.replace("Monday", "Monday night"), outlet="B")], id="s")
    summary = summarize_story(story, Options(words=40))
    markdown = render(summary, Shown(story.articles, story.id), fmt="markdown")
    assert "[read](" not in markdown and "\\[read\\](" in markdown  # escaped: shown as text, no link


def test_the_outlets_retelling_a_lede_are_a_labelled_group_apart_from_its_sources(example_paths):
    from newsfuse.ingest import read_paths

    story = read_paths(example_paths).all_stories()[0]
    summary = summarize_story(story, Options(compare=False))
    k, first = next((k, s) for k, s in enumerate(summary.sentences) if s.retold)  # a lede, retold
    assert not {s.document for s in first.retold} & {s.document for s in first.sources}
    shown = Shown(story.articles, "fire")
    text = render(summary, shown, fmt="text").splitlines()[3 + 2 * k]
    stated, retold = text.split("; the same news in their own words: ")
    assert stated.startswith("   — ") and f"({first.origins} origin" in stated
    names = [outlet_name(story.articles, s.document) for s in first.retold]
    assert all(name in retold and name not in stated for name in names)
    told = len({summary.origins[s.document] for s in (*first.sources, *first.retold)})
    assert retold.endswith(f"({told} origins tell this news)")
    assert "the same news in their own words" in render(summary, shown, fmt="markdown")
    assert "class=retold" in render(summary, shown, fmt="html")


def test_one_agency_credit_without_copied_sentences_is_said_as_such():
    """Two articles each crediting Reuters are one origin even with no sentence in common (as two
    real pages of unrelated stories were); the header says why, not "0% shared"."""
    story = Story(
        articles=[
            Article(
                "LONDON (Reuters) - The central bank raised its main interest rate on Thursday to curb "
                "inflation. Analysts had expected the move after months of rising prices.",
                outlet="Reuters",
                agency="Reuters",
            ),
            Article(
                "SEATTLE (Reuters) - The software company said on Friday it will cut emissions to zero by "
                "2030. It plans to plant forests and buy carbon credits.",
                outlet="Vancouver Sun",
                agency="Reuters",  # as ingest finds it from the dateline's credit
            ),
        ]
    )
    summary = summarize_story(story, Options(words=40))
    assert [(w.shared, w.agency) for w in summary.wire_copies] == [(0.0, "Reuters")]
    text = render(summary, Shown(story.articles, story.id))
    assert "each credits Reuters; no sentence in common" in text and "0% shared" not in text


def test_one_outlets_retelling_is_one_origin_telling_the_news(example_paths):
    """Every article by one outlet, with `outlet_is_origin`: its ledes retelling one another are one
    origin, said in the singular."""
    from dataclasses import replace

    from newsfuse.ingest import read_paths
    from newsfuse.syndicate import SyndicationSettings

    story = read_paths(example_paths).all_stories()[0]
    story = replace(story, articles=[replace(a, outlet="One Outlet", outlet_how="given") for a in story.articles])
    one = SyndicationSettings(outlet_is_origin=True)
    summary = summarize_story(story, Options(compare=False, syndication=one))
    k, first = next((k, s) for k, s in enumerate(summary.sentences) if s.retold)
    assert len(set(summary.origins)) == 1 and first.origins == 1
    text = render(summary, Shown(story.articles, "fire"), fmt="text").splitlines()[3 + 2 * k]
    assert text.endswith("(1 origin tells this news)")
