from __future__ import annotations

from pathlib import Path

import pytest

from newsfuse.clean import CleanSettings, clean, clean_text, is_furniture

FURNITURE = [
    "IE 11 is not supported. For an optimal experience visit our site on another browser.",
    "Photo by: AFP",
    "1 / 2",
    "Updated Oct 1, 2015",
    "TRTWorld and agencies",
    "Vasilyeva reported from Moscow.",
    "By Jane Doe",
    "Reporting by Ana Lima; Editing by Tom Reed",
    "(Additional reporting by Ana Lima; Editing by Tom Reed.)",  # its final stop inside the bracket
    "Contributing: Ana Lima and Tom Reed; The Associated Press",
    "A US Air Force B-1 Lancer bomber flies above Kobane on October 18, 2014 (AFP Photo/Aris Messinis)",
    "Ellen Pao leaves court in San Francisco, California March 25, 2015. REUTERS/Stephen Lam",
    "Advertisement",
]
PROSE = [
    "By contrast, the ministry said the strikes hit eight targets.",
    "The official said the jet came within a handful of miles of the drone.",
    '"That\'s it," Carter said.',
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize("line", PROSE)
def test_prose_is_not_furniture(line):
    assert not is_furniture(line)


def test_clean_keeps_offsets_and_drops_headings_captions_repeats():
    text = (
        "Storm shuts harbor\n\nBy Jane Doe\n1 / 3\n\nA crane stands idle at the port\n\n"
        "The harbor closed on Monday after the storm. Ships waited offshore.\n\n- Damage -\n\n"
        "Officials said repairs would take a week.\n\nOfficials said repairs would take a week.\n"
    )
    blocks = clean(text)
    bodies = [text[b.start : b.end] for b in blocks]
    assert bodies == [
        "The harbor closed on Monday after the storm. Ships waited offshore.",
        "Officials said repairs would take a week.",
    ]


def test_hard_wrapped_lines_join_into_one_paragraph():
    text = "The committee voted on Monday to release the memo, which\nthe president then reviewed.\n"
    assert clean_text(text) == text.strip()


def test_seed_furniture_removed_and_prose_kept(seed_paths):
    texts = {p.rsplit("/", 1)[-1][:3]: Path(p).read_text(encoding="utf-8") for p in seed_paths}
    cleaned = {k: clean_text(v) for k, v in texts.items()}
    assert "IE 11" not in cleaned["002"] and "Ash Carter\n" not in cleaned["002"]
    assert "Photo by" not in cleaned["004"] and "TRTWorld and agencies" not in cleaned["004"]
    assert "Military meeting on air strikes\n" not in cleaned["004"] + "\n"
    assert "1 / 2" not in cleaned["000"] and "Intensified campaign" not in cleaned["000"]
    assert "Thomas Watkins" not in cleaned["000"] and "AFP Photo" not in cleaned["000"]
    assert "Vasilyeva reported" not in cleaned["003"]
    assert "Rome (AFP) - The United States will not cooperate" in cleaned["000"]
    assert cleaned["001"].count("\n\n") >= 15  # every AP paragraph survives


def test_truncated_paragraph_without_final_period_is_still_prose():
    text = (
        "the u.s. military said on tuesday it would send more troops to the region , officials said , "
        "adding that the deployment would begin next month and last until the end of the year as part "
        "of a wider plan to reassure allies who have asked for"
    )
    assert clean_text(text) == text


# Pieces of line ends: sentence ends, closers, footnote marks, credits, odd spaces.
_END_PIECES = [".", "!", "?", "…", '"', "'", "”", "’", ")", "]", "[", "12", "[3]", " ", "\t", "\n", "\xa0", "word", "A"]
_CREDIT_PIECES = ["(AP Photo/Jo Lee)", "REUTERS/Stephen Lam", "(Getty Images)", "— Jo (@jo) May 1, 2016", ")", "/", " "]


def test_sentence_end_read_from_the_end_equals_the_regex():
    import random
    import re

    from newsfuse.clean import _ends_sentence

    # the sentence end as the cleaner searched for it before `_ends_sentence`: the reference
    ends_sentence = re.compile(r"[.!?…][\"'”’)\]]*\s*$|[\"”’]\s*$|[.!?][\"'”’)\]]*\s*\[\d+\]\s*$")

    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(_END_PIECES) for _ in range(rng.randint(0, 7)))
        assert _ends_sentence(text) == bool(ends_sentence.search(text)), repr(text)
    assert _ends_sentence("It fell. [12] ") and not _ends_sentence("It fell [12]")


def test_credit_prefilter_passes_every_line_the_credit_regex_matches():
    import random

    from newsfuse.clean import _CREDIT_RE, _may_end_in_credit

    rng = random.Random(8)
    pieces = _CREDIT_PIECES + _END_PIECES
    for _ in range(20000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))).strip()
        if _CREDIT_RE.search(line):
            assert _may_end_in_credit(line), repr(line)
    assert not _may_end_in_credit("The harbor closed on Monday (after the storm) today.")


def test_stripped_lines_are_each_line_stripped():
    import random
    import re

    from newsfuse.clean import _STRIPPED_LINE_RE

    def stripped(text: str) -> list[tuple[int, int]]:
        out = []
        for m in re.finditer(r"[^\n]+", text):
            start, end = m.span()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                out.append((start, end))
        return out

    rng = random.Random(10)
    pieces = ["a", "word", " ", "\t", "\n", "\r", "\xa0", "\u2028", "\x1c", "\x0b", "\n\n", "é"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert [m.span(1) for m in _STRIPPED_LINE_RE.finditer(text)] == stripped(text), repr(text)


@pytest.mark.parametrize(
    "line",
    [
        "DISAPPOINTING NIGHT FOR ‘IRISHMAN’",  # Reuters' crosshead: its closing quote read as a sentence end
        "- A SIMPLE GUIDE: How do I protect myself?",  # BBC's box of links under kickers
        "• LOOK-UP TOOL: Check cases in your area.",
    ],
)
def test_crossheads_and_kicker_links_are_furniture(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "NATO said the jets were recalled.",
        "- The council voted 7-2: the plan goes ahead.",  # a list of the story's own points
        "NEW DELHI: The government raised fuel prices on Monday.",  # a dateline, no bullet
        "U.S.",
    ],
)
def test_capitals_in_prose_are_not_furniture(line):
    assert not is_furniture(line)


REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "pages"


def test_real_pages_lose_crossheads_and_kicker_links():
    """Two real pages: Reuters' crosshead and BBC's bulleted promo link are not body sentences."""
    from newsfuse.ingest import read_paths

    paths = [REAL_PAGES / "reuters.com.parasite.html", REAL_PAGES / "bbc.com.52241221.html"]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{REAL_PAGES} is not here (../shared beside the checkout)")
    reuters, bbc = read_paths([str(p) for p in paths]).articles
    assert "DISAPPOINTING NIGHT" in reuters.text and "DISAPPOINTING NIGHT" not in clean_text(reuters.text)
    assert "A SIMPLE GUIDE" in bbc.text and "A SIMPLE GUIDE" not in clean_text(bbc.text)
    assert "Sexual harassment drama “Bombshell” went into Sunday’s awards" in clean_text(reuters.text)


def test_a_paragraph_ending_in_its_links_call_is_a_promotion():
    text = (
        "The council approved the budget on Monday.\n\n"
        "Royal News, a weekly newsletter, brings you the inside track. Sign up here.\n\n"
        "Investigate this! Read and vote on readers' story tips. Click here to read more about this tool.\n\n"
        "His friends are raising money. If you're interested, click here for the link. The fund opened Friday.\n"
    )
    assert clean_text(text) == (
        "The council approved the budget on Monday.\n\n"
        "His friends are raising money. If you're interested, click here for the link. The fund opened Friday."
    )


def test_an_unended_paragraph_reporting_speech_amid_the_body_is_prose():
    """Its final stop lost, a paragraph with a verb of saying between two body paragraphs is
    still prose; a headline before the body, a caption in present tense and a lead-in are not."""
    text = (
        "Mayor said to weigh a run for governor next spring\n\n"
        "The council met on Monday to vote on the harbor budget.\n\n"
        "The mayor speaks to reporters outside the city hall on Monday morning\n\n"
        "Council chair Ana Lima said after the vote that nobody could predict the state's answer in May\n\n"
        "Speaking to reporters, she added that the harbor would reopen.\n\n"
        "Her deputy said,\n\n"
        "The vote was seven to two.\n"
    )
    assert clean_text(text) == (
        "The council met on Monday to vote on the harbor budget.\n\n"
        "Council chair Ana Lima said after the vote that nobody could predict the state's answer in May\n\n"
        "Speaking to reporters, she added that the harbor would reopen.\n\n"
        "The vote was seven to two."
    )


@pytest.mark.parametrize(
    "note",
    [
        "Update May 4th, 9:10AM ET: Added the council's statement and a photo.",
        "Correction: An earlier version of this story misstated the day of the vote.",
        "Editor’s note: This story contains a description of violence.",
        "How to vote: Polls open at 7 a.m. Call the county clerk at 555-0100 to find your polling place.",
    ],
)
def test_editors_notes_and_service_boxes_are_furniture(note):
    body = "The council met on Monday to vote on the harbor budget.\n\n"
    after = "\n\nThe vote was seven to two.\n"
    assert clean_text(body + note + after) == body + after.strip()


def test_an_update_bringing_news_and_a_long_note_are_prose():
    update = "Update 3:45 p.m.: Police said the suspect had been arrested near the harbor."
    note = "Editor's note: " + "the council voted on the harbor budget again, and the mayor said once more that " * 3
    text = f"The council met on Monday to vote on the harbor budget.\n\n{update}\n\n{note.strip()}.\n"
    assert clean_text(text) == text.strip()


def test_short_paragraphs_after_the_sign_off_are_the_footer():
    body = "The council met on Monday to vote on the harbor budget.\n\nThe vote was seven to two.\n\n"
    sign_off = "(Reporting by Ana Lima; Editing by Tom Reed)\n\n"
    footer = "Our Principles: The Example Press Trust Standards.\n"
    assert clean_text(body + sign_off + footer) == body.strip()
    # another story of the page after it (a long paragraph, or more than a footer's few) is kept
    story = "In other news, " + "the port authority said the harbor would reopen on Friday, " * 4 + "officials said.\n"
    assert clean_text(body + sign_off + story).endswith(story.strip())
    many = "".join(f"Paragraph {n} of the next story was filed on Monday.\n\n" for n in range(4))
    assert clean_text(body + sign_off + many).endswith(many.strip())


def test_real_pages_keep_reported_speech_and_lose_notes_and_footers():
    """Reuters' unended "Bong Joon Ho said backstage ..." is prose; its trust badge after the
    sign-off, The Verge's update note and CNN's help box are not body sentences."""
    from newsfuse.ingest import read_paths

    names = ["reuters.com.parasite.html", "theverge.com.ios13.html", "edition.cnn.com-royal.html"]
    paths = [REAL_PAGES / name for name in names]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{REAL_PAGES} is not here (../shared beside the checkout)")
    reuters, verge, cnn = (clean_text(a.text) for a in read_paths([str(p) for p in paths]).articles)
    assert "Bong Joon Ho said backstage that no-one could predict" in reuters
    assert "Our Standards" not in reuters and "Waller-Bridge said." in reuters
    assert "Update July 3rd" not in verge and "The feature should arrive in the public-facing beta" in verge
    assert "How to get help" not in cnn and "she told Winfrey." in cnn


def test_clean_reads_its_settings():
    """The paragraph lengths are the settings' (`CleanSettings`), not constants elsewhere."""
    caption = "Firefighters at the harbour wall on Monday morning after the blaze"
    text = f"The port reopened on Monday after the fire.\n\n{caption}\n\nShips unloaded again by noon, officials said."
    kept = [text[b.start : b.end] for b in clean(text)]
    assert caption not in kept and len(kept) == 2  # an unended short paragraph: a caption
    lenient = [text[b.start : b.end] for b in clean(text, CleanSettings(prose_min_words=10))]
    assert caption in lenient
