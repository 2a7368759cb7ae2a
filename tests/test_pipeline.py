from __future__ import annotations

import pytest

import newsfuse
from newsfuse import Article, Options, Story
from newsfuse.errors import EmptyStoryError
from newsfuse.ingest import read_paths
from newsfuse.pipeline import summarize_story
from newsfuse.prepare import prepare
from newsfuse.syndicate import SyndicationSettings


def _seed_story(seed_paths) -> Story:
    return read_paths(seed_paths).all_stories()[0]


def test_sentence_offsets_are_slices_of_the_original(seed_paths):
    story = prepare(_seed_story(seed_paths))
    assert len(story.sentences) > 60
    for s in story.sentences:
        assert story.articles[s.document].text[s.start : s.end] == s.text
    positions = [s.position for s in story.sentences if s.document == 0]
    assert positions == list(range(len(positions)))


def test_seed_wire_copy_is_one_origin(seed_paths):
    story = prepare(_seed_story(seed_paths))
    assert story.origins[1] == story.origins[3]  # 001 and 003 carry the same AP text
    assert len(set(story.origins)) == 4
    [copy] = story.wire_copies
    assert (copy.original, copy.copies) == (1, (3,)) and 0.2 < copy.shared < 0.6  # input order: no date, no agency


def test_one_outlets_reports_are_one_origin_and_no_wire_copy():
    """Two reports by one outlet (a feed's posts on one story) do not corroborate each other: one
    origin, not a wire copy, while the selector's features keep them apart (`copy_origins`);
    outlets named only by file names, or the setting off, stay apart."""
    texts = [
        "The harbour bridge will close for repairs on Monday, the city engineer said in a statement.",
        "Drivers should expect delays on the coast road while the harbour bridge is shut next week.",
        "The new ferry timetable adds two evening crossings between the old port and the islands.",
    ]
    one = SyndicationSettings(outlet_is_origin=True)
    story = prepare(
        Story(
            articles=[
                Article(texts[0], outlet="Harbour Post"),
                Article(texts[1], outlet="harbour post "),
                Article(texts[2], outlet="Bay News"),
            ]
        ),
        one,
    )
    assert story.count_origins(range(3)) == 2 and story.wire_copies == ()
    assert len(set(story.copy_origins)) == 3
    assert prepare(Story(articles=list(story.articles))).origins == story.origins  # the default
    files = prepare(Story(articles=[Article(t, outlet="harbour-post", outlet_how="file") for t in texts[:2]]), one)
    assert files.count_origins(range(2)) == 2
    off = SyndicationSettings(outlet_is_origin=False)
    assert prepare(Story(articles=list(story.articles)), off).count_origins(range(3)) == 3


def test_example_story_syndication(example_paths):
    story = prepare(read_paths(example_paths).all_stories()[0])
    assert len(set(story.origins)) == 5
    assert [w.documents for w in story.wire_copies] == [(1, 4)]  # Northshore = Harbourline (Coastal Press)


def test_summary_is_extractive_within_budget_and_attributed(seed_paths):
    story = _seed_story(seed_paths)
    summary = summarize_story(story, Options(words=120))
    assert summary.words >= 60
    longest = max(len(s.text.split()) for s in summary.sentences)
    assert summary.words <= 120 + longest  # over by one sentence at most
    texts = [s.text for s in summary.sentences]
    assert len(set(texts)) == len(texts)
    for sentence in summary.sentences:
        first = sentence.sources[0]
        assert story.articles[first.document].text[first.start : first.end] == sentence.text
        for src in sentence.sources:
            assert 0 <= src.start < src.end <= len(story.articles[src.document].text)
        assert 1 <= sentence.origins <= len({src.document for src in sentence.sources})


def test_shared_quote_is_attributed_to_every_outlet_and_origins_count_once(seed_paths):
    story = prepare(_seed_story(seed_paths))
    from newsfuse.attribute import attribute

    quote = next(s for s in story.sentences if s.document == 1 and s.text.startswith('"Despite what the Russians say'))
    [attributed] = attribute(story, [quote])
    docs = {src.document for src in attributed.sources}
    assert {0, 1, 2} <= docs
    assert attributed.origins == len({story.origins[d] for d in docs})


def test_syndicated_sentence_counts_one_origin(seed_paths):
    story = prepare(_seed_story(seed_paths))
    from newsfuse.attribute import attribute

    wire = next(s for s in story.sentences if s.document == 1 and s.text.startswith("The U.S.-led coalition has been"))
    [attributed] = attribute(story, [wire])
    assert {src.document for src in attributed.sources} >= {1, 3}
    assert attributed.origins == 1


def test_no_fact_twice_in_seed_summary(seed_paths):
    from newsfuse.textsim import TextViews

    summary = newsfuse.summarize(_seed_story(seed_paths))
    sims = TextViews([s.text for s in summary.sentences]).similarity()
    off_diagonal = sims[~__import__("numpy").eye(len(sims), dtype=bool)]
    assert off_diagonal.max() < 0.6


def test_python_api_accepts_strings_and_dicts():
    summary = newsfuse.summarize(
        [
            "The port reopened on Monday after a week of repairs, officials said.",
            {"text": "Officials said the port reopened on Monday after repairs.", "outlet": "Coast Wire"},
        ],
        words=20,
    )
    assert isinstance(summary, newsfuse.Summary) and summary.sentences
    assert all(isinstance(s, newsfuse.SummarySentence) for s in summary.sentences)
    assert summary.sentences[0].origins == 2


def test_story_with_no_sentences_raises_named_error():
    with pytest.raises(EmptyStoryError):
        summarize_story(Story([Article("Photo by: AFP\n\n1 / 2\n")], id="bad"))


def test_single_article_story_is_summarized_with_a_note():
    text = (
        "The council approved the budget on Tuesday. It includes money for new buses. "
        "Critics said the plan came too late. The mayor will sign it next week."
    )
    summary = summarize_story(Story([Article(text)], id="one"), Options(words=15))
    assert summary.sentences and any("only one article" in p.message for p in summary.problems)


def test_article_with_no_sentence_is_reported_not_dropped_silently():
    story = Story(
        [
            Article("Advertisement\n\nPhoto by: AFP\n", origin_file="noise.txt"),
            Article("The bridge reopened on Friday. Drivers were relieved.", origin_file="ok.txt"),
        ]
    )
    summary = summarize_story(story)
    assert any(p.where == "noise.txt" for p in summary.problems)


def test_five_megabyte_article_completes():
    paragraph = (
        "The storm flooded the lower town on Monday. Officials said 40 homes were damaged. "
        "Repairs will take weeks, the mayor said.\n\n"
    )
    text = paragraph * (5_000_000 // len(paragraph))
    story = Story([Article(text, outlet="Big"), Article(paragraph * 3, outlet="Small")])
    summary = summarize_story(story, Options(words=40))
    assert summary.sentences and summary.words <= 40 + 20


def test_every_stage_output_offsets_on_example(example_paths):
    prepared = prepare(read_paths(example_paths).all_stories()[0])
    for s in prepared.sentences:
        article = prepared.articles[s.document]
        assert article.text[s.start : s.end] == s.text and s.text == s.text.strip()
    for doc, blocks in enumerate(prepared.blocks):
        assert all(0 <= b.start < b.end <= len(prepared.articles[doc].text) for b in blocks)


def test_prepare_leaves_the_story_alone_and_shares_one_fit(seed_paths):
    story = _seed_story(seed_paths)
    before = (list(story.articles), story.id, dict(story.extra))
    prepared = prepare(story)
    assert (list(story.articles), story.id, dict(story.extra)) == before
    assert not hasattr(story, "sentences")  # a Story is never annotated in place
    views = prepared.views
    assert views.tfidf() is views.tfidf(list(range(len(prepared.sentences))))  # one fit for all rows
    assert len(views.tokens) == len(prepared.sentences)


def test_shared_tfidf_matches_scikit_learn(seed_paths):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from newsfuse.textsim import stop_words

    prepared = prepare(_seed_story(seed_paths))
    stop = stop_words()
    reference = TfidfVectorizer(
        tokenizer=lambda toks: [t for t in toks if t not in stop],
        lowercase=False,
        token_pattern=None,
        sublinear_tf=True,
    ).fit_transform(prepared.views.tokens)
    assert np.allclose(prepared.views.tfidf().toarray(), reference.toarray(), atol=1e-12)


def test_a_quote_of_several_sentences_stays_in_one_sentence():
    text = (
        'The mayor spoke on Monday. "We will rebuild the pier. It will take a year. Nobody will be left out," '
        "she said. The council meets next week.\n"
    )
    prepared = prepare(Story([Article(text), Article("The pier burned down last month. Repairs start soon.")]))
    quoted = [s.text for s in prepared.sentences if "rebuild" in s.text]
    assert quoted == ['"We will rebuild the pier. It will take a year. Nobody will be left out," she said.']
    assert len(prepared.quotes[0]) == 1 and prepared.sentences[0].text == "The mayor spoke on Monday."


def test_a_scare_quote_or_title_holds_sentences_together_only_when_attributed():
    # `find_quotes` keeps a title or scare quote only with a speaker, and segmentation follows it
    # while finding speakers only when such a quote would join two sentences.
    unattributed = prepare(Story([Article('The crowd chanted "Stop. Go Home" for an hour. Police left.\n')]))
    attributed = prepare(Story([Article('Ruiz shouted "Stop. Go Home" at them, she said. Police left.\n')]))
    assert "quotes" not in vars(attributed)  # the speakers are found when the comparison asks
    assert [s.text for s in unattributed.sentences] == [
        'The crowd chanted "Stop.',
        'Go Home" for an hour.',
        "Police left.",
    ]
    assert [s.text for s in attributed.sentences] == ['Ruiz shouted "Stop. Go Home" at them, she said.', "Police left."]
    assert [q.speaker for q in attributed.quotes[0]] == ["Ruiz"] and unattributed.quotes == ((),)
