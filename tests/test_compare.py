from __future__ import annotations

from newsfuse import Article, Comparison, PreparedStory, Story
from newsfuse.compare import compare
from newsfuse.ingest import read_paths
from newsfuse.prepare import prepare


def _compare(paths) -> tuple[PreparedStory, Comparison]:
    story = prepare(read_paths(paths).all_stories()[0])
    return story, compare(story)


def test_seed_quotes_one_entry_each_attributed_to_carter(seed_paths):
    story, result = _compare(seed_paths)
    despite = [q for q in result.quotes if "despite what the russians say" in q.text.lower()]
    assert len(despite) == 1 and "Carter" in str(despite[0].speaker)
    assert {s.document for s in despite[0].sources} == {0, 1, 2}
    flawed = [q for q in result.quotes if "tragically flawed" in " ".join([q.text, *q.variants]).lower()]
    assert len(flawed) == 1 and "Carter" in str(flawed[0].speaker)
    assert {s.document for s in flawed[0].sources} == {1, 2, 3}
    for q in result.quotes:
        for src in q.sources:
            assert q.text in story.articles[src.document].text or q.variants


def test_speaker_patterns_and_continued_quotes():
    text = (
        '"We will rebuild the pier," Mayor Elena Varga said on Monday.\n\n'
        '"It will take a year."\n\n'
        'The plan was welcomed. "It is a good start," said Tom Reyes, a union leader.\n\n'
        '"Nothing was hidden," the spokeswoman told reporters.\n\n'
        'Officials had said they would welcome "constructive ideas" from residents.\n'
    )
    story = prepare(Story([Article(text), Article("Unrelated text about weather. It rained all day.")]))
    quotes = {q.text: q.speaker for q in compare(story).quotes}
    assert quotes["We will rebuild the pier"] == "Mayor Elena Varga"
    assert quotes["It will take a year."] == "Mayor Elena Varga"  # a quote-only paragraph continues
    assert quotes["It is a good start"] == "Tom Reyes"
    assert quotes["Nothing was hidden"] == "the spokeswoman"
    assert quotes["constructive ideas"] == "Officials"  # indirect speech, not the spokeswoman


def test_example_disagreements_found_with_both_values(example_paths):
    _, result = _compare(example_paths)
    found = {(d.kind, frozenset(c.value for c in d.claims)) for d in result.disagreements}
    assert ("number", frozenset({"11", "14"})) in found
    assert ("date", frozenset({"Thursday", "Friday"})) in found
    # 40 firefighters and 12 fire engines describe different things: no disagreement
    assert not any({"40", "12"} <= {c.value for c in d.claims} for d in result.disagreements)


def test_no_disagreement_in_the_seeds_spelling_variants(seed_paths):
    _, result = _compare(seed_paths)
    assert result.disagreements == ()  # "U.S."/"USA", "Russia"/"Russian Federation" are one name


def test_facts_status_and_syndication(example_paths):
    story, result = _compare(example_paths)
    assert [(w.documents, w.shared) for w in result.wire_copies] == [((1, 4), 1.0)]
    for fact in result.facts:
        assert fact.status == ("corroborated" if fact.origins >= 2 else "partial" if fact.partial else "single")
        docs = {s.document for s in fact.sources}
        assert fact.origins == len({story.origins[d] for d in docs})
        for src in fact.sources:
            assert story.articles[src.document].text[src.start : src.end] in (
                fact.text,
                *[s.text for s in story.sentences if s.document == src.document and s.start == src.start],
            )
    single = " ".join(f.text for f in result.facts if f.status != "corroborated")
    assert "sprinkler" in single  # only the Ledger reports the failed inspection


def test_perturbed_copy_reports_changed_number_and_nothing_when_unchanged():
    base = (
        "Officials said 36 civilians were killed in the strikes on Tuesday. "
        "The ministry said its jets flew 20 sorties over the province."
    )
    unchanged = compare(prepare(Story([Article(base, outlet="A"), Article(base, outlet="B")])))
    assert unchanged.disagreements == ()
    changed = compare(prepare(Story([Article(base, outlet="A"), Article(base.replace("36", "27"), outlet="B")])))
    [d] = changed.disagreements
    assert d.kind == "number" and {c.value for c in d.claims} == {"36", "27"}
    assert {c.sources[0].outlet for c in d.claims} == {"A", "B"}
