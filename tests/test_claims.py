"""Claim matching: full, partial and contradicting support, and values that really differ."""

from __future__ import annotations

import json
import re

from newsfuse import summarize
from newsfuse.claims import NameIndex, count_changes, differences, shares_words, support


def test_a_changed_count_contradicts():
    assert support("About 212 people were on board.", "About 218 people were on board.") == "contradicts"
    assert support(
        "The blast left 14 people injured.", "Eleven people were injured, the blast left 11 people hurt."
    ) == ("contradicts")


def test_a_count_told_in_other_words_changes_only_beside_a_shared_word_and_as_a_plain_count():
    [change] = count_changes("The blast injured 14 people, police said.", "Twelve people were injured, police said.")
    assert (change.kind, change.topic, change.value_a, change.value_b) == ("number", "injured people", "14", "Twelve")
    injured = "The blast injured 14 people on Monday."
    # another thing done to the people counted: two counts, not one claim
    assert count_changes(injured, "Twelve people were arrested on Monday.") == []
    # a bound ("more than"), a time or a range, or a span of time are no count another contradicts
    assert count_changes(injured, "More than 12 people were injured on Monday.") == []
    assert count_changes(injured, "Between 10-12 people were injured on Monday.") == []
    assert count_changes("He was injured 14 years ago.", "He was injured 12 years ago.") == []
    # a running total against one count (`_not_one_count`, as `differences` reads it)
    assert count_changes(injured, "So far 12 people were injured, police said.") == []
    # no number on one side: nothing to read
    assert count_changes(injured, "Several people were injured on Monday.") == []


def test_negation_contradicts_only_in_the_same_words():
    assert support(
        "The US will cooperate with Russia in Syria.", "The US will not cooperate with Russia in Syria."
    ) == ("contradicts")
    # "not" negates another clause here: no contradiction of the claim
    assert support(
        "Ross will return to direct the sequel, the studio said.",
        "Ross and the studio are in talks, though no contract was signed, about the sequel he will direct.",
    ) != ("contradicts")


def test_part_of_a_longer_claim_is_partial_and_a_rewording_is_full():
    long = "The fire destroyed the warehouse on Thursday, killed two workers and left 14 people injured."
    assert support(long, "The fire destroyed the warehouse.") == "partial"
    assert support(long, "A warehouse fire on Thursday killed two workers and injured 14 people.") == "full"


def test_a_left_out_number_is_partial_only_where_numbers_are_required():
    claim = "The storm damaged 40 homes in the lower town."
    other = "The storm damaged homes in the lower town, officials said."
    assert support(claim, other) == "partial"
    assert support(claim, other, numbers_required=False) == "full"


def test_name_variants_are_no_change_but_other_names_are():
    names = NameIndex(["Defense Secretary Ash Carter spoke in Rome.", "The Ark. governor spoke."])
    same = "Carter said the talks in Rome would go on, the ministry said."
    assert differences(same, same.replace("Carter", "Ash"), names) == []
    assert (
        differences("He flew to Little Rock, Ark on Monday night.", "He flew to Little Rock, Arkansas on Monday night.")
        == []
    )
    assert (
        differences(
            "Officials said he was with Dr Smith at the clinic.",
            "Officials said he was with Doctor Smith at the clinic.",
        )
        == []
    )
    [change] = differences(
        "Police said Smith was arrested in Leeds on Monday.", "Police said Jones was arrested in Leeds on Monday."
    )
    assert change.kind == "name" and {change.value_a, change.value_b} == {"Smith", "Jones"}


def test_no_source_is_credited_with_a_sentence_whose_number_it_contradicts():
    summary = summarize(
        [
            {"text": "The ferry sank near the island on Monday. About 212 people were on board.", "outlet": "A"},
            {"text": "The ferry sank near the island on Monday. About 218 people were on board.", "outlet": "B"},
        ],
        words=20,
    )
    for sentence in summary.sentences:
        if "on board" in sentence.text:
            assert [s.outlet for s in sentence.sources] in (["A"], ["B"]) and sentence.origins == 1


def test_two_sentences_need_two_shared_words_or_half_the_shorter_ones():
    assert not shares_words(
        "The move has been met with resistance from farmers in the valley.",
        "She said she could not have finished it had she not met her producer.",
    )  # "met" alone
    assert shares_words("The harbor budget was approved on Monday.", "Officials approved the harbor budget.")
    # short sentences: one word of two is half ("fire" is a stop word)
    assert shares_words("The cause is unknown.", "The cause was not determined.")


def test_a_contraction_of_a_function_word_is_no_shared_word():
    # "don't" and "soda" were two shared words; "soda" alone is one of five
    assert not shares_words("Soda taxes don't make people healthier.", "Some don't want to pay more for soda.")
    assert not shares_words("Let's be clear.", "Let's not go after what's most convenient.")
    # a possessive is the name's: "harry's" and "wedding" are two words
    assert shares_words("Harry's wedding drew crowds.", "Crowds came for Harry's wedding in May.")


def test_spellings_of_one_name_are_no_disagreement():
    for a, b in (("Déby", "Deby"), ("Al-Rashid", "Rashid"), ("Tal", "Tel")):
        first = f"The talks were mediated by President {a} of the neighbouring state on Monday."
        assert differences(first, first.replace(a, b)) == [], (a, b)


def test_a_first_word_and_a_running_total_are_no_disagreement():
    assert (
        differences(
            "Local residents reported a loud boom at night.", "Some Leeds residents reported a loud boom at night."
        )
        == []
    )
    one = "During the raid, six rifles, 12 magazines and 300 rounds were seized by the navy."
    total = "So far the navy has seized 14 rifles, 31 magazines and 923 rounds were seized by the navy."
    assert not [c for c in differences(one, total) if c.kind == "number"]


def test_three_values_of_one_claim_are_one_disagreement():
    from newsfuse.compare import compare
    from newsfuse.model import Article, Story
    from newsfuse.prepare import prepare

    texts = [f"She was one of {n} women released from the prison in March as part of a swap." for n in (150, 138, 140)]
    story = prepare(Story([Article(t + " The talks took weeks.", outlet=o) for t, o in zip(texts, "ABC")]))
    [d] = compare(story).disagreements
    assert d.kind == "number" and {c.value for c in d.claims} == {"150", "138", "140"}
    assert {s.outlet for c in d.claims for s in c.sources} == {"A", "B", "C"}


def test_report_dates_conversions_and_first_names_are_no_disagreement():
    assert (
        differences(
            "July 7, 2012 The champion kept his titles with a win over the challenger on Saturday.",
            "July 8, 2012 The champion kept his titles with a win over the challenger on Saturday.",
        )
        == []
    )
    assert (
        differences(
            "The union agreed a 110 billion euro ($143 billion) bailout at the weekend.",
            "The union agreed a 110 billion euro ($158 billion) bailout at the weekend.",
        )
        == []
    )
    assert (
        differences(
            "The house was bought by local attorney Bill Ingram last year.",
            "The house was bought by local attorney William Ingram last year.",
        )
        == []
    )


def test_figures_are_the_specific_numbers():
    from newsfuse.claims import figures

    assert figures("In 2021, 16 states and 1.5 million people, two of them, and 170,000 migrants") == {
        16.0,
        1.5,
        170000.0,
    }
    assert figures("Three stations fought it for four hours in 2019.") == set()


def test_amounts_in_two_currencies_are_no_disagreement():
    # one outlet converted the sum: "$ 297,000" and "£ 193,000" are one amount, not two values of it
    dollars = "A man who made $ 297,000 by successfully betting on the outcome of the referendum lost it all."
    pounds = dollars.replace("$ 297,000", "£ 193,000")
    assert differences(dollars, pounds) == []
    assert differences(dollars.replace("$", "US$"), dollars.replace("$ 297,000", "€250,000")) == []
    robbed = "Three armed bandits robbed the boat of nearly $ 1.7 million in cash, news reports said."
    assert differences(robbed, robbed.replace("$ 1.7 million", "£ 1.2million")) == []
    # the same currency, another amount: still a disagreement
    [change] = differences(dollars, dollars.replace("297,000", "300,000"))
    assert change.kind == "number" and {change.value_a, change.value_b} == {"297,000", "300,000"}


def test_a_photo_gallery_counter_is_no_disagreement():
    caption = "Photo: staff image 1 of 39 caption close the student charged in the stabbing is denied bail on Friday."
    assert differences(caption, caption.replace("of 39", "of 38")) == []
    # a count of the story in the same words is still one
    story = "The student charged in the stabbing of 14 people is denied bail on Friday in the court."
    [change] = differences(story, story.replace("14", "15"))
    assert change.kind == "number"


def test_a_rounded_decimal_is_no_disagreement():
    settled = "A federal judge gave preliminary approval to a $ 26.25 million settlement for the lawsuit."
    assert differences(settled, settled.replace("26.25", "26.3")) == []
    # not a rounding: another decimal, or a whole number against a decimal
    for other in ("26.4", "26"):
        [change] = differences(settled, settled.replace("26.25", other))
        assert change.kind == "number", other


def test_a_report_update_time_is_no_disagreement():
    assert differences("Updated at 1: 20 p.m. on the day.", "Updated at 1: 40 p.m. on the day.") == []
    [change] = differences(
        "Officers responded to the park around 1: 30 p.m.", "Officers responded to the park around 1: 51 p.m."
    )
    assert change.kind == "number"


def test_words_of_two_capitalized_runs_are_not_one_name():
    # each run is numbered on its own: "Pao" and "Lee" never stand in one run here
    names = NameIndex(["Ellen Pao sued.", "Judge Christina Lee ruled.", "Ellen Pao lost.", "Christina Lee spoke."])
    pao = "The jurors said they had focused on Pao's negative reviews, which undermined her case."
    [change] = differences(pao, pao.replace("Pao", "Lee"), names)
    assert change.kind == "name" and {change.value_a, change.value_b} == {"Pao's", "Lee's"}
    # a list of people is several names; a place and its region, one
    rivals = NameIndex(["The rivals Mitt Romney, Rick Santorum and Newt Gingrich met."])
    said = '"We have heard all sorts of things about the tickets," Santorum said.'
    assert [c.kind for c in differences(said, said.replace("Santorum", "Romney"), rivals)] == ["name"]
    paris = NameIndex(["He lives in Paris, France."])
    born = "He was born in Paris in the spring of that year, his family said."
    assert differences(born, born.replace("Paris", "France"), paris) == []


def test_a_name_that_opens_a_sentence_is_a_name_when_the_story_capitalizes_it_inside_one():
    names = NameIndex(["Police arrested Lambach on Monday.", "The woman told officer Maddalena everything."])
    first = "Lambach would then contact the woman and drive her to the appointment, police said."
    [change] = differences(first, first.replace("Lambach", "Maddalena"), names)
    assert change.kind == "name"
    # a word capitalized only for opening the sentence is still no name
    local = NameIndex(["Some Leeds residents heard it.", "A local man called police."])
    assert (
        differences(
            "Local residents reported a loud boom at night.",
            "Some Leeds residents reported a loud boom at night.",
            local,
        )
        == []
    )


def test_a_name_before_a_parenthesis_is_no_first_name():
    cast = "Among them are rising singer Larry Reed (Algee Smith) and his friend Fred Simple."
    [change] = differences(cast, cast.replace("Reed", "Dismukes"))
    assert change.kind == "name" and {change.value_a, change.value_b} == {"Reed", "Dismukes"}


def test_names_in_another_order_are_no_disagreement_but_a_swap_is():
    assert (
        differences(
            "Forward Tyler Hansbrough broke North Carolina's all-time scoring record on Thursday.",
            "Hansbrough broke Ford's all-time scoring record at North Carolina on Thursday.",
        )
        == []
    )
    listed = "Other actors once rumored for the part included Bradley Cooper, Ben Affleck and Matt Damon."
    reordered = "Other actors once rumored for the part included Matt Damon, Ben Affleck and Bradley Cooper."
    assert differences(listed, reordered) == []
    names = NameIndex(["The sheriff, Barbour, spoke.", "The dispatcher, Medlin, answered."])
    glad = "Barbour said he is glad Medlin had a cell phone nearby to text the woman."
    [change] = differences(glad, glad.replace("Barbour", "Medlin"), names)
    assert change.kind == "name"


def test_an_aside_in_parentheses_is_no_conversion_and_a_day_before_its_month_is_a_report_date():
    aside = "(The attorney general released papers showing Acxiom sold another company 400,000 dossiers for $2,500.)"
    [change] = differences(aside, aside.replace("400,000", "270,000"))
    assert change.kind == "number"
    today = "Subsea cable operator Seacom announced on Twitter today (14 October 2011) that it restored all customers."
    assert differences(today, today.replace("14 October", "20 October")) == []


def test_counts_over_two_scopes_or_of_other_things_are_no_disagreement():
    run = "During the deciding 15-2 run, Echenique grabbed 3 rebounds and blocked two shots."
    half = "Echenique scored all 11 points in the second half, grabbed 11 rebounds and blocked six shots."
    assert differences(run, half) == []
    # one scope in both: still a disagreement
    second = "Echenique scored in the second half, grabbed 11 rebounds and blocked two shots."
    assert [c.kind for c in differences(second, half.replace("all 11 points", ""))] == ["number"]
    ranked = "They were ranked based on 12 indicators that measure their academic research."
    others = (
        "And more than 60 other countries have been ranked based on 13 indicators that measure their academic research."
    )
    assert differences(ranked, others) == []
    assert [c.kind for c in differences(ranked, ranked.replace("12", "13"))] == ["number"]


def test_an_embedded_posts_own_date_is_no_disagreement():
    a = "but i won't — jada pinkett smith ( @jadapsmith ) december 11, 2017 i'm not upset about the nomination"
    b = "but i won't — jada pinkett smith ( @jadapsmith ) december 12, 2017 i'm not upset about the nomination"
    assert differences(a, b) == []
    # the same words without the post's handle: a date of the story, still a disagreement
    plain = "but the actress said on december 11, 2017 she was not upset about the nomination"
    assert [c.kind for c in differences(plain, plain.replace("11", "12"))] == ["number"]


def test_one_name_of_two_owners_things_is_no_disagreement():
    honor = "Last year, Ortiz won the department's Medal of Honor after he fatally shot a carjacker."
    valor = "Last year, he was awarded the city of Lakewood's Medal of Valor after he fatally shot a carjacker."
    assert differences(honor, valor) == []
    [change] = differences(honor, honor.replace("Honor", "Valor"))
    assert change.kind == "name"


def test_a_number_inside_a_name_is_no_count():
    # "COVID-19 shots" are not 19 shots: a retelling without the name's number is full support,
    # while a real count beside it still has to agree.
    retold = "The CDC changed its mask guidance for people who had shots."
    assert support("The CDC changed its mask guidance for people who had COVID-19 shots.", retold) == "full"
    assert support("Two F-35 jets and 14 people were hit.", "Two F-35 jets and 11 people were hit.") == "contradicts"
    assert not [c for c in differences("The F-35 jets landed.", "The F-16 jets landed.") if c.kind == "number"]


def test_the_no_change_test_before_the_diff_loses_no_change(fulltext_dev, monkeypatch):
    """`differences` skips the diff of a pair that `_may_change` rules out: on fulltext-dev's
    similar pairs, and on each pair with one word edited (a number, a name, a lower-case word),
    the changes are those of the diff run on every pair."""
    import json

    import newsfuse.claims as claims
    from newsfuse.model import Article, Story
    from newsfuse.prepare import prepare

    pairs = []
    with open(fulltext_dev, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle][:12]
    for record in records:
        story = prepare(Story(articles=[Article(text=d) for d in record["documents"] if d.strip()]))
        near = story.views.neighbours(None, 0.3).tocoo()
        for i, j in zip(near.row.tolist(), near.col.tolist()):
            a, b = story.sentences[i], story.sentences[j]
            if i < j and a.document != b.document:
                pairs.append((a.text, b.text))
        for s in story.sentences[:12]:
            tokens = s.text.split()
            for k, word in enumerate(tokens[: len(tokens) - 3]):
                if k >= 2:
                    for edit in ("17", "Rossi", word.lower()):
                        pairs.append((s.text, " ".join(tokens[:k] + [edit] + tokens[k + 1 :])))
    names = NameIndex([d for r in records[:3] for d in r["documents"]])
    filtered = [differences(a, b, names) for a, b in pairs]
    ruled_out = sum(not claims._may_change(a, b) for a, b in pairs)
    monkeypatch.setattr(claims, "_may_change", lambda a, b: True)
    assert filtered == [differences(a, b, names) for a, b in pairs]
    assert sum(map(bool, filtered)) > 100 and ruled_out > len(pairs) / 2, (len(pairs), ruled_out)


def test_support_with_a_story_windows_dict_same_verdicts_and_keeps_them():
    from newsfuse.claims import differences, support

    a = "The fire killed 14 people in Dayton on Monday, officials said."
    b = "The fire killed 11 people in Dayton on Monday, officials said."
    c = "The fire killed 14 people in Dayton on Monday, police said."
    kept: dict = {}
    for x, y in [(a, b), (a, c), (b, c), (a, a)]:
        assert support(x, y, windows=kept) == support(x, y)
        assert differences(x, y, windows=kept) == differences(x, y)
    assert set(kept) == {a, b, c}
    assert support(a, b, windows=kept) == "contradicts"


def test_the_per_sentence_shortcuts_read_what_every_token_read_gives(fulltext_dev):
    """`_values` reads only the tokens that may be numbers, `_value_kinds` answers most lower-case
    words at once, `_negated` scans for "n't" only when the text has it: each the same as the
    whole reading (here written out) on fulltext-dev's sentences and on tokens made to trip them."""
    from newsfuse import claims

    with open(fulltext_dev, encoding="utf-8") as handle:
        texts = [s for line in handle for d in json.loads(line)["documents"] for s in d.split(". ")]
    texts += ["Nan met Inf, nAn and INFINITY on monday's call; two's 1,000 3.5 1.2.3 G20 COVID-19 don't."]

    def kinds(token: str) -> frozenset[str]:
        plain = claims._unpossessive(token)
        found = {"number"} if claims._number(plain) is not None else set()
        found |= {"date"} if plain.lower() in claims._WEEKDAYS else set()
        return frozenset(found | ({"name"} if claims._is_name([plain]) else set()))

    def negated(text: str) -> bool:
        words = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
        return any(w in claims._NEGATION or w.endswith("n't") for w in words)

    tokens = {t for text in texts for t in claims._tokens(text)}
    assert {"Nan", "nAn", "INFINITY", "two's", "monday's"} <= tokens
    assert all(claims._value_kinds(t) == kinds(t) for t in tokens)
    for text in texts:
        every = [(i, v) for i, v in enumerate(map(claims._number, claims._tokens(text))) if v is not None]
        assert repr(claims._values(text)) == repr(tuple(every))  # repr: nan != nan
        assert claims._negated(text) == negated(text)
    assert [str(v) for _, v in claims._values(texts[-1])][:4] == ["nan", "inf", "nan", "inf"]  # float() reads them


def test_support_with_the_views_content_words_gives_the_same_verdicts():
    from newsfuse.claims import content_words
    from newsfuse.textsim import words

    texts = [
        "The fire killed 14 people in Dayton on Monday, officials said.",
        "The fire killed 11 people in Dayton on Monday, officials said.",
        "The fire in Dayton killed people.",
        "The US will not cooperate with Russia in Syria.",
        "The US will cooperate with Russia in Syria.",
    ]
    given = {t: content_words(words(t)) for t in texts[:3]}  # the others read as usual
    for a in texts:
        for b in texts:
            assert support(a, b, False, content=given) == support(a, b, False)
    assert given[texts[2]] == {"dayton", "killed", "people"}  # ("fire" is a stop word)
    # what it is given is what support reads: more words of the claim make the other a part of it
    more = given[texts[0]] | {f"w{k}" for k in range(6)}
    assert support(texts[0], texts[2], False) == "full"
    assert support(texts[0], texts[2], False, content={texts[0]: more}) == "partial"
