from __future__ import annotations

from newsfuse import Article, Comparison, PreparedStory, Story
from newsfuse.compare import ComparisonSettings, compare
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
    # "He described ... as" after a paragraph quoting Khoja: the subject of the sentence, Carter
    [gasoline] = [q for q in result.quotes if "pouring gasoline on the fire" in q.text]
    assert gasoline.speaker == "Ash Carter"
    assert {q.speaker for q in result.quotes if "Carter" in str(q.speaker)} == {"Ash Carter"}
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
    groups = {q.text: q for q in compare(story).quotes}
    quotes = {text: q.speaker for text, q in groups.items()}
    assert quotes["We will rebuild the pier"] == "Elena Varga"  # the title is the role, not the name
    assert groups["We will rebuild the pier"].role == "Mayor"
    assert quotes["It will take a year."] == "Elena Varga"  # a quote-only paragraph continues
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


# ---- quotes across outlets (hand-written texts) ---------------------------------------------------


def _story(*texts: str) -> PreparedStory:
    return prepare(Story([Article(t, outlet=f"Outlet {chr(65 + i)}") for i, t in enumerate(texts)]))


def test_one_canonical_speaker_across_outlets_with_the_role_apart():
    story = _story(
        '"We will not send ground troops into the valley," Defense Secretary Ash Carter said on Tuesday.\n\n'
        "The talks in Brussels went on late into the night.\n",
        "Ashton Carter arrived in Brussels for the talks.\n\n"
        '"We will not send ground troops into the valley," Carter told reporters.\n\n'
        '"The coalition stands together," Carter added.\n',
        "Defense Secretary Ash Carter spoke after the talks.\n\n"
        '"We will not send any ground troops," Carter said. "The coalition stands together."\n',
    )
    quotes = compare(story).quotes
    troops = [q for q in quotes if "ground troops" in q.text]
    assert len(troops) == 1 and {s.document for s in troops[0].sources} == {0, 1, 2}
    together = [q for q in quotes if "coalition stands together" in q.text]
    assert len(together) == 1 and {s.document for s in together[0].sources} == {1, 2}
    assert {q.speaker for q in quotes} == {"Ash Carter"}  # one name for "Ash", "Ashton" and "Carter"
    assert troops[0].role == together[0].role == "Defense Secretary"


def test_a_multi_sentence_quote_is_one_quote_and_a_title_is_none():
    quote = "The bridge is closed. It will reopen in May. Nobody was hurt"
    story = _story(
        f'"{quote}," Mayor Lena Ortiz said on Friday.\n\nThe museum will show "The Silent Harbor" next week.\n',
        f'Mayor Lena Ortiz spoke on Friday. "{quote}," Ortiz said.\n',
    )
    [q] = compare(story).quotes
    assert q.text == quote and len(q.sources) == 2
    assert q.speaker == "Lena Ortiz" and q.role == "Mayor"


def _attributions(story: PreparedStory):
    return [d for d in compare(story).disagreements if d.kind == "attribution"]


_BORDER = "We have no plans to close the northern border crossing this winter"


def test_one_quote_given_to_two_people_is_an_attribution_disagreement():
    story = _story(
        f'"{_BORDER}," Interior Minister Dana Holt said on Monday.\n',
        f'"{_BORDER}," Foreign Minister Marek Stein said on Monday.\n',
        f'Interior Minister Dana Holt met the governors. "{_BORDER}," Holt told them.\n',
    )
    [d] = _attributions(story)
    claims = {c.value: {s.document for s in c.sources} for c in d.claims}
    assert claims == {"Dana Holt": {0, 2}, "Marek Stein": {1}}  # each claim with all its outlets


def test_name_variants_pronouns_and_roles_are_not_attribution_disagreements():
    variants = _story(
        f'"{_BORDER}," Interior Minister Dana Holt said on Monday.\n',
        f'Dana R. Holt spoke in the capital. "{_BORDER}," Holt said.\n',
    )
    assert _attributions(variants) == []
    pronoun = _story(
        f'"{_BORDER}," Interior Minister Dana Holt said on Monday.\n',
        f'Foreign Minister Marek Stein spoke after Holt. "{_BORDER}," he said.\n',  # "he" read as Stein
        f'Foreign Minister Marek Stein said the plan was final.\n\n"{_BORDER}."\n',  # inherited speaker
    )
    assert _attributions(pronoun) == []
    role = _story(
        f'"{_BORDER}," Interior Minister Dana Holt said on Monday.\n',
        f'"{_BORDER}," the interior ministry said in a statement.\n',
    )
    assert _attributions(role) == []
    aide = _story(
        f'"{_BORDER}," an aide to Interior Minister Dana Holt said on Monday.\n',
        f'"{_BORDER}," Foreign Minister Marek Stein said on Monday.\n',
    )
    assert _attributions(aide) == []
    both_named = _story(  # an article naming both people: more likely misread than misattributed
        f'"{_BORDER}," Interior Minister Dana Holt said on Monday.\n',
        f'Foreign Minister Marek Stein met Dana Holt.\n\n"{_BORDER}," Stein said on Monday.\n',
    )
    assert _attributions(both_named) == []
    different = _story(  # two short quotes of two people in one article are two quotes
        '"We are ready," Dana Holt said. Later Marek Stein said: "We are ready now."\n',
        '"We are ready," Dana Holt said.\n',
    )
    assert _attributions(different) == [] and len(compare(different).quotes) == 2


def test_two_rows_of_one_table_are_no_disagreement():
    # two cities' (or products', years', polls') shares in one template: two things, not one claim
    row = "Female earnings as a share of male earnings reached {} % and degree attainment {} % in the city last year."
    first, second = row.format("56.7", "18.4"), row.format("77.8", "45.7")
    story = prepare(
        Story(
            [Article(first + " The study came out on Monday.", outlet=o) for o in "A"]
            + [Article(second + " The study came out on Monday.", outlet="B")]
        )
    )
    assert compare(story).disagreements == ()
    # one share changed between two tellings is still a disagreement
    story = prepare(
        Story(
            [
                Article(first + " The study came out on Monday.", outlet="A"),
                Article(row.format("56.7", "19.4") + " The study came out on Monday.", outlet="B"),
            ]
        )
    )
    assert [d.kind for d in compare(story).disagreements] == ["number"]


def test_a_part_and_the_rest_against_the_whole_is_no_disagreement():
    told = "Upon tracking the spoor, {} elephant carcasses were discovered with the tusks already removed."
    whole = Article(told.format("five") + " No arrests have been made.", outlet="A")

    def parts(more: str) -> Article:
        return Article(told.format("three") + f" The team also discovered {more} more elephant carcasses.", outlet="B")

    # three, then two more: the five of the other outlet in all
    assert compare(prepare(Story([whole, parts("two")]))).disagreements == ()
    # three and one more do not make five: the outlets disagree
    [d] = compare(prepare(Story([whole, parts("one")]))).disagreements
    assert d.kind == "number" and {c.value for c in d.claims} == {"five", "three"}


def test_one_count_told_in_other_words_is_a_disagreement_and_two_counts_are_not():
    told = "The blast at the chemical plant in Dunmore injured 14 people on Monday, the fire service said."
    other = "Twelve people were injured by the blast at the chemical plant in Dunmore on Monday, the fire service said."

    def disagreements(a: str, b: str) -> tuple:
        return compare(prepare(Story([Article(a, outlet="A"), Article(b, outlet="B")]))).disagreements

    # no word of the two sentences is replaced by another: the count is told in other words
    [d] = disagreements(told, other)
    assert d.kind == "number" and d.topic == "injured people"
    assert {(c.value, c.sources[0].outlet) for c in d.claims} == {("14", "A"), ("Twelve", "B")}
    # two counts of people on one side: which of them is the claim?
    assert disagreements(told, other.replace("Monday,", "Monday and 300 people were evacuated,")) == ()
    # one side states the other's value too: a correction or a part, not two values
    assert disagreements(told.replace("Monday,", "Monday, not 12 as first reported,"), other) == ()


def test_every_outlet_telling_a_disputed_count_is_its_source():
    """A count told in other words gathers every other article stating one of its values beside the
    same word, in any of that verb's forms ("injuring 14 people"), not only the pair compared."""
    told = "The blast at the chemical plant in Dunmore injured 14 people on Monday, the fire service said."
    other = "Twelve people were injured by the blast at the chemical plant in Dunmore on Monday, the fire service said."
    third = "Firefighters spent the night at the Dunmore plant after an explosion injuring 14 people and a dog."
    story = Story([Article(told, outlet="A"), Article(other, outlet="B"), Article(third, outlet="C")])
    [d] = compare(prepare(story)).disagreements
    sources = {c.value: {s.outlet for s in c.sources} for c in d.claims}
    assert sources == {"14": {"A", "C"}, "Twelve": {"B"}}


def test_small_containment_pairs_are_the_sparse_products(monkeypatch):
    """Few quotes' candidate pairs by set intersections equal the sparse product's, empty sets
    and pairs sharing nothing included (both sides run on the same sets)."""
    import random

    import newsfuse.compare as compare_module

    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(60)]
    for n in (0, 1, 2, 7, 30):
        sets = [set(rng.sample(vocabulary, rng.randint(0, 12))) for _ in range(n)]
        for threshold in (0.2, 0.5, 1.0):
            small = compare_module._containing_pairs(sets, threshold)
            monkeypatch.setattr(compare_module, "SMALL_CONTAINMENT", -1)
            assert sorted(compare_module._containing_pairs(sets, threshold)) == sorted(small)
            monkeypatch.setattr(compare_module, "SMALL_CONTAINMENT", 48)
        if n == 30:
            assert small  # the sets share enough for some pairs to count


def test_containment_pairs_by_prefixes_are_every_pair_tested(monkeypatch):
    """The sparse path's prefix filtering and its sets paired once for all their copies find
    every pair that testing each pair finds: a few words in most sets (as "the" in quotes), sets
    repeated word for word (wire copies), tiny and empty sets, thresholds at and between the
    containment settings'."""
    import random

    import newsfuse.compare as compare_module

    rng = random.Random(5)
    common, rare = [f"c{i}" for i in range(4)], [f"r{i}" for i in range(300)]
    base = [
        set(rng.sample(common, rng.randint(0, 4))) | set(rng.sample(rare, rng.choice([0, 1, 2, 5, 12, 30])))
        for _ in range(150)
    ]
    sets = [set(rng.choice(base)) if rng.random() < 0.4 else s for s in base] + [set(), set()]
    for threshold in (0.3, 0.6, 0.8, 1.0):
        sparse_found = compare_module._containing_pairs(sets, threshold)
        assert len(sparse_found) == len(set(sparse_found)) and all(i < j for i, j in sparse_found)
        monkeypatch.setattr(compare_module, "SMALL_CONTAINMENT", 10**9)
        every = compare_module._containing_pairs(sets, threshold)
        monkeypatch.setattr(compare_module, "SMALL_CONTAINMENT", 48)
        assert sorted(sparse_found) == sorted(every)
        assert any(sets[i] == sets[j] for i, j in every) and any(sets[i] != sets[j] for i, j in every)


def test_people_looked_up_by_name_ends_are_those_every_person_tested_gives(fulltext_dev, monkeypatch):
    """`_people` tests a name only against the people whose first name shares an end with it:
    the same people as testing every person (one end for all names), on fulltext-dev's quotes."""
    import json

    import newsfuse.compare as compare_module
    from newsfuse.model import Article, Story
    from newsfuse.prepare import prepare

    with open(fulltext_dev, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:30]
    quotes = []
    for record in records:
        story = prepare(Story(articles=[Article(text=d) for d in record["documents"] if d.strip()]))
        quotes += compare_module._story_quotes(story, 2)
    for k, name in enumerate(["Ashton Carter,", "Ash Carter", "Aaron Sorkin", "Screenwriter Aaron Sorkin"]):
        quotes.append(compare_module._Quote(0, k, k + 1, "x", name, None, person=True, own=True))
    looked_up = compare_module._people(quotes)
    monkeypatch.setattr(compare_module, "_name_ends", lambda name: [("every", "")])
    assert looked_up == compare_module._people(quotes)
    assert looked_up["Ashton Carter,"] == looked_up["Ash Carter"]  # one end only ("carter," / "carter")
    assert len(set(looked_up.values())) < len(looked_up) and len(set(looked_up.values())) > 20


def _fulltext_stories(fulltext_dev, n: int) -> list[PreparedStory]:
    import json

    with open(fulltext_dev, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:n]
    return [prepare(Story(articles=[Article(text=d) for d in r["documents"] if d.strip()])) for r in records]


def test_similar_pairs_read_from_the_dense_cosines_are_the_neighbours(fulltext_dev):
    """A small story's similar pairs, thresholded from its dense cosines, are the sparse
    neighbours' matrix to the bit (the same entries, values, order), at each stage's threshold."""
    import numpy as np

    import newsfuse.compare as compare_module

    for story in _fulltext_stories(fulltext_dev, 30):
        for floor in (0.15, 0.25, 0.5):
            dense = compare_module._similar_pairs(story, floor)
            if len({story.sentences[i].document for i in story.candidates}) < 2:
                assert dense.nnz == 0
                continue
            sparse = story.views.neighbours(story.candidates, floor)
            assert dense.shape == sparse.shape
            for a, b in ((dense.indptr, sparse.indptr), (dense.indices, sparse.indices), (dense.data, sparse.data)):
                assert np.array_equal(a, b)


def test_quote_groups_of_every_pair_tested_are_the_filtered_ones(fulltext_dev, monkeypatch):
    """Few quotes' pairs are each tested (bigrams intersected only when they share one, the
    names asked only of quotes whose speakers share a `_who` key): the same groups as the
    containment filter's pairs with the names asked of every pair, on fulltext-dev's quotes."""
    import newsfuse.compare as compare_module

    settings = ComparisonSettings()
    stories = [compare_module._story_quotes(story, 2) for story in _fulltext_stories(fulltext_dev, 30)]
    tested = [compare_module._group_quotes(quotes, settings) for quotes in stories]
    monkeypatch.setattr(compare_module, "SMALL_CONTAINMENT", -1)
    monkeypatch.setattr(compare_module, "_who", lambda q: frozenset({("anyone", "")}))
    assert tested == [compare_module._group_quotes(quotes, settings) for quotes in stories]
    assert sum(len(g) > 1 for groups in tested for g in groups) > 10  # quotes grouped across outlets


def _ledes_sharing_one_word() -> PreparedStory:
    """Two articles on unrelated stories whose ledes share one rare word ("met"), which carries
    their TF-IDF cosine (0.20) over the lede threshold."""
    return prepare(
        Story(
            articles=[
                Article(
                    "The council approved the harbor budget on Monday after a long debate.\n\n"
                    "The move has been met with resistance from farmers in the valley.",
                    outlet="A",
                ),
                Article(
                    "The singer released her third album on Friday to warm reviews.\n\n"
                    "She said she could not have finished it had she not met her producer.",
                    outlet="B",
                ),
            ]
        )
    )


def test_one_shared_word_corroborates_no_fact():
    """A claim needs more than one word in common."""
    story = _ledes_sharing_one_word()
    loose = compare(story, ComparisonSettings(fact_min_shared=0))
    assert any(f.status == "corroborated" for f in loose.facts)
    result = compare(story)
    assert all(f.status == "single" and not f.partial for f in result.facts)


def test_one_shared_word_credits_no_source_and_retells_no_lede():
    """Attribution reads the comparison's test (claims.shares_words): the other article is neither
    a source nor a retelling of the lede (it was, by the cosine alone)."""
    from newsfuse.attribute import AttributionSettings, attribute

    story = _ledes_sharing_one_word()
    loose = attribute(story, story.sentences, AttributionSettings(min_shared=0))
    assert any(a.retold for a in loose)
    for a in attribute(story, story.sentences):
        assert len(a.sources) == 1 and not a.partial and not a.retold, a


def test_real_pages_of_unrelated_stories_corroborate_nothing():
    """DW's and CNN's real pages (two unrelated stories given together): "The move has been met with
    resistance from Germany's far right" was corroborated by "Harry said he could not have left the
    family had he not met Meghan" (one word shared, "met")."""
    from pathlib import Path

    import pytest

    pages = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "pages"
    paths = [pages / "dw.com.colonial.html", pages / "edition.cnn.com-royal.html"]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{pages} is not here (../shared beside the checkout)")
    _, result = _compare([str(p) for p in paths])
    assert not [f.text for f in result.facts if f.status != "single"]
