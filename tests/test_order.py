"""News order (select/order.py): main news first, whole quotes, referents first, originals, long reach."""

from __future__ import annotations

from dataclasses import replace

import pytest

import newsfuse
from newsfuse.attribute import attribute
from newsfuse.features import MAX_OFFSET, candidate_reach, word_offsets
from newsfuse.model import Article, Story, WireCopy
from newsfuse.pipeline import summarize_prepared
from newsfuse.prepare import prepare
from newsfuse.select import get_selector
from newsfuse.select.order import OrderSettings, arrange, needs_referent, original_of, unbalanced_quotes
from newsfuse.settings import Options

LEAD = "The city council approved the new harbour bridge budget on Tuesday after a long debate."
STORY = [
    Article(
        LEAD + " He said the vote was close. Officials expect building work to start in the spring next year.",
        outlet="Harbour Post",
    ),
    Article(
        "The city council approved the harbour bridge budget on Tuesday after a debate lasting hours. "
        "A local bakery celebrated its fiftieth anniversary with free cakes for every visitor.",
        outlet="City Wire",
    ),
    Article(
        "On Tuesday the city council approved the budget for the new harbour bridge after debate. "
        'The mayor called the plan "a bold step for the city. It will change the harbour.',
        outlet="Bay News",
    ),
]


def _story():
    return prepare(Story(articles=list(STORY)))


def _find(story, start_of_text):
    return next(s for s in story.sentences if s.text.startswith(start_of_text))


def test_unbalanced_quotes_counts_every_double_mark():
    assert unbalanced_quotes('The mayor called it "a bold step.')
    assert unbalanced_quotes("“It will change the harbour.")
    assert not unbalanced_quotes('He called it "bold," she said.')
    assert not unbalanced_quotes("“Mixed marks,\" she said, and ``tokenized ones.''")
    assert not unbalanced_quotes("No quotation at all.")


def test_needs_referent_pronouns_and_connectives_any_case():
    for text in ("He said so.", "however, the vote failed.", '"They will go," she said.', "It's over.", "But no."):
        assert needs_referent(text), text
    for text in ("This week the vote failed.", "The council voted.", "Although late, it passed.", "We agreed."):
        assert not needs_referent(text), text


def test_first_sentence_is_the_news_most_origins_report():
    story = _story()
    bakery = _find(story, "A local bakery")
    spring = _find(story, "Officials expect")
    lead = _find(story, LEAD[:30])
    # the selector put the single-source sentences first; the news three origins report opens
    arranged = arrange(story, [bakery, spring, lead], 60)
    assert arranged[0] == lead
    assert set(arranged) == {bakery, spring, lead}


def test_an_unchosen_lede_opens_when_it_is_better_corroborated():
    story = _story()
    bakery = _find(story, "A local bakery")
    spring = _find(story, "Officials expect")
    arranged = arrange(story, [bakery, spring], 60)
    assert arranged[0].text.startswith(("The city council approved", "On Tuesday the city council"))
    assert OrderSettings().lede and arrange(story, [bakery, spring], 60, settings=OrderSettings(lede=False)) == [
        bakery,
        spring,
    ]


def test_a_half_quote_is_left_out_and_refilled_from_the_selector():
    story = _story()
    half = _find(story, "The mayor called")
    spring = _find(story, "Officials expect")
    arranged = arrange(story, [half], 40, more=lambda words: [half, spring])
    assert half not in arranged and spring in arranged
    assert not any(unbalanced_quotes(s.text) for s in arranged)
    off = OrderSettings(whole_quotes=False, lede=False)
    assert arrange(story, [half], 40, more=lambda words: [half, spring], settings=off) == [half]


def test_a_pointing_back_sentence_comes_right_after_its_referent():
    story = _story()
    lead = _find(story, LEAD[:30])
    said = _find(story, "He said the vote")
    spring = _find(story, "Officials expect")
    arranged = arrange(story, [said, spring, lead], 60, settings=OrderSettings(lede=False))
    assert arranged.index(said) == arranged.index(lead) + 1


def test_a_pointing_back_sentence_brings_its_referent_or_goes():
    story = _story()
    lead = _find(story, LEAD[:30])
    said = _find(story, "He said the vote")
    spring = _find(story, "Officials expect")
    brought = arrange(story, [said, spring], 60, settings=OrderSettings(lede=False))
    assert brought.index(lead) == brought.index(said) - 1
    dropped = arrange(story, [said, spring], 60, settings=OrderSettings(lede=False, bring_referents=False))
    assert said not in dropped and lead not in dropped


def test_a_bare_quotation_brings_the_sentence_naming_its_speaker_or_goes():
    # A sentence that is only a quotation names no speaker: the one before it in its article does.
    named = "The harbour master Ana Ruiz defended the new mooring rules at the meeting on Monday."
    bare = '"We cannot let the old piers fall into the sea while we wait for money."'
    story = prepare(Story(articles=[*STORY, Article(f"{named} {bare} The rules apply from May.", outlet="Port Daily")]))
    quote, speaker, spring = _find(story, bare[:20]), _find(story, named[:20]), _find(story, "Officials expect")
    brought = arrange(story, [spring, quote], 80, settings=OrderSettings(lede=False))
    assert brought.index(quote) == brought.index(speaker) + 1
    dropped = arrange(story, [spring, quote], 80, settings=OrderSettings(lede=False, bring_referents=False))
    assert quote not in dropped and spring in dropped


def test_the_original_replaces_a_wire_copy_rewording():
    original = "Rescuers pulled twelve miners alive from the flooded coal mine in the north on Sunday, officials said."
    copy = "Officials said rescuers pulled twelve miners alive on Sunday from the flooded coal mine in the north."
    story = prepare(Story(articles=[Article(original, outlet="Agency"), Article(copy, outlet="Reprint")]))
    story = replace(story, wire_copies=(WireCopy(original=0, copies=(1,), shared=0.9),))
    rewording = story.sentences_of(1)[0]
    assert original_of(story, rewording) == story.sentences_of(0)[0]
    assert arrange(story, [rewording], 30) == [story.sentences_of(0)[0]]
    assert original_of(replace(story, wire_copies=()), rewording, agencies=False) == rewording


def test_agency_copy_is_preferred_to_another_outlets_telling():
    text = "Rescuers pulled twelve miners alive from the flooded coal mine in the north on Sunday, officials said."
    other = "Officials said rescuers pulled twelve miners alive on Sunday from the flooded coal mine in the north."
    story = prepare(Story(articles=[Article(other, outlet="Daily"), Article(text, outlet="AFP", agency="AFP")]))
    assert original_of(story, story.sentences_of(0)[0]) == story.sentences_of(1)[0]
    assert original_of(story, story.sentences_of(0)[0], agencies=False) == story.sentences_of(0)[0]


def test_pipeline_arranges_and_can_be_turned_off():
    story = _story()
    plain = get_selector("centrality")(story, 60)
    off = summarize_prepared(story, Options(selector="centrality", words=60, order=OrderSettings(enabled=False)))
    assert [s.text for s in off.sentences] == [s.text for s in plain]
    on = summarize_prepared(story, Options(selector="centrality", words=60))
    assert on.sentences[0].origins == max(s.origins for s in on.sentences)


def test_candidate_reach_grows_only_past_the_training_reach():
    assert candidate_reach(60) == candidate_reach(MAX_OFFSET) == MAX_OFFSET
    assert candidate_reach(2000) == 2000


def test_a_long_budget_draws_past_the_first_300_words():
    # 80 sentences of 12 words with no trigram in common (trigram blocking would keep repeats out)
    body = " ".join(" ".join(f"bridge{i}w{j}" for j in range(12)) + "." for i in range(80))
    story = prepare(Story(articles=[Article(body), Article("The harbour bridge costs rose again, the report says.")]))
    offsets = word_offsets(story)
    chosen = get_selector("learned")(story, 1000)
    assert max(offsets[story.row_of[(s.document, s.start)]] for s in chosen) >= MAX_OFFSET
    short = get_selector("learned")(story, 260)
    assert max(offsets[story.row_of[(s.document, s.start)]] for s in short) < MAX_OFFSET


@pytest.mark.timeout(120)
def test_seeds_open_with_the_will_not_cooperate_news_and_use_every_article_at_2000(seed_paths):
    stories, _ = newsfuse.read(seed_paths)
    story = prepare(stories[0])
    first = summarize_prepared(story, Options()).sentences[0].text
    assert "will not cooperate" in first and "probably" not in first
    long = summarize_prepared(story, Options(words=2000))
    assert {s.sources[0].document for s in long.sentences} == set(range(len(story.articles)))
    assert any("basic, technical discussions" in s.text and s.sources[0].outlet == "AFP" for s in long.sentences)
    assert not any(unbalanced_quotes(s.text) for s in long.sentences)


def test_a_lone_closing_mark_goes_back_to_the_sentence_it_closes():
    text = 'the board said rebranding is "futile. " the firm closed its doors on monday. " we are sad, " he said.'
    story = prepare(Story(articles=[Article(text)]))
    texts = [s.text for s in story.sentences]
    assert texts[:2] == ['the board said rebranding is "futile. "', "the firm closed its doors on monday."]
    assert all(s.text == text[s.start : s.end] for s in story.sentences)
    assert not any(unbalanced_quotes(t) for t in texts)


def test_a_truncated_validation_text_keeps_the_closing_mark_of_its_last_sentence():
    from newsfuse.evaluate import _drop_cut_tail

    assert _drop_cut_tail('she spoke, calling it " unimaginable. " the police sai') == (
        'she spoke, calling it " unimaginable. "'
    )
    assert (
        _drop_cut_tail('she spoke, calling it unimaginable. " the police sai') == "she spoke, calling it unimaginable."
    )


def test_a_big_story_weighs_only_the_most_echoed_ledes():
    from newsfuse.select.order import _ledes

    story = _story()
    few = OrderSettings(max_ledes=2)
    ledes = _ledes(story, few)
    assert len(ledes) == 2 and all(s.text.startswith(("The city council", "On Tuesday")) for s in ledes)
    assert len(_ledes(story, OrderSettings())) > 2


# Three outlets lead with one fire, each in its own words; all three repeat one detail word for word.
DETAIL = "Crews declared the blaze under control at about 4:30 a.m. on Wednesday morning."
RETOLD = [
    Article(
        "A fire at a paint warehouse on Pier 9 injured 14 people and forced 200 residents from their homes overnight. "
        + DETAIL,
        outlet="Ledger",
    ),
    Article(
        "Fourteen people were hurt and about 200 residents had to flee after a fire ripped through a Pier 9 warehouse. "
        + DETAIL,
        outlet="Channel 9",
    ),
    Article(
        "A warehouse fire injured 14 people overnight and forced the evacuation of 200 residents near Pier 9, officials said. "
        + DETAIL,
        outlet="NewsWire",
    ),
]


def test_the_first_sentence_is_the_news_the_ledes_tell_not_a_detail_all_repeat():
    story = prepare(Story(articles=list(RETOLD)))
    detail = _find(story, "Crews declared")
    ledes = [story.sentences_of(d)[0] for d in range(3)]
    assert arrange(story, [detail, ledes[0]], 60)[0] == ledes[0]
    # the rule before: the detail three origins state word for word opened
    assert arrange(story, [detail, ledes[0]], 60, settings=OrderSettings(news_first=False))[0] == detail


def test_a_lede_shows_the_outlets_retelling_it_apart_from_those_stating_it():
    story = prepare(Story(articles=list(RETOLD)))
    summary = summarize_prepared(story, Options(selector="lead", words=40, compare=False))
    first = summary.sentences[0]
    assert first.text.startswith("A fire at a paint warehouse") and first.origins == len(first.sources) < 3
    # Channel 9's lede tells the news in other words (cosine under attribution's): shown apart, not counted
    assert "Channel 9" in {s.outlet for s in first.retold} and "Channel 9" not in {s.outlet for s in first.sources}
    assert {s.outlet for s in (*first.sources, *first.retold)} == {"Ledger", "Channel 9", "NewsWire"}
    assert all(s.end - s.start > 0 and story.sentences_of(s.document)[0].start == s.start for s in first.retold)
    detail = next(s for s in summary.sentences if s.text == DETAIL) if DETAIL in summary.text else None
    assert detail is None or detail.retold == ()  # not a lede: nothing retold


def test_a_lede_with_another_figure_is_not_retelling_it():
    other = Article(
        "A fire at a paint warehouse on Pier 9 injured 11 people and forced 200 residents from their homes overnight.",
        outlet="Times",
    )
    story = prepare(Story(articles=[RETOLD[0], other]))
    attributed = attribute(story, [story.sentences_of(0)[0]])[0]
    assert attributed.retold == () and [s.outlet for s in attributed.sources] == ["Ledger"]


def test_an_agency_lede_telling_the_chosen_news_takes_the_chosen_ledes_place():
    agency = Article(
        "Fire swept a paint warehouse at Pier 9 overnight, injuring 14 people and forcing 200 residents out, officials said. "
        + DETAIL,
        outlet="AFP",
        agency="AFP",
    )
    story = prepare(Story(articles=[*RETOLD, agency]))
    detail = _find(story, "Crews declared")
    channel = story.sentences_of(1)[0]
    arranged = arrange(story, [channel, detail], 80)
    assert arranged[0] == story.sentences_of(3)[0] and channel not in arranged
    assert DETAIL in [s.text for s in arranged]  # (the agency's own copy of it)
    kept = arrange(story, [channel, detail], 80, settings=OrderSettings(swap=False))
    assert kept[0] == story.sentences_of(3)[0] and channel in kept


def test_the_readme_example_opens_with_the_fire_not_the_hour_it_was_under_control(example_paths):
    stories, _ = newsfuse.read(example_paths)
    summary = summarize_prepared(prepare(stories[0]), Options())
    first = summary.sentences[0]
    assert "injur" in first.text and "200" in first.text and not first.text.startswith("Firefighters declared")
    told = {summary.origins[s.document] for s in (*first.sources, *first.retold)}
    assert len(told) >= 4 > first.origins  # the news 4 origins' ledes tell, stated in full by fewer
