from __future__ import annotations

from pathlib import Path

import pytest

from newsfuse.clean import clean, clean_text, is_furniture

FURNITURE = [
    "IE 11 is not supported. For an optimal experience visit our site on another browser.",
    "Photo by: AFP",
    "1 / 2",
    "Updated Oct 1, 2015",
    "TRTWorld and agencies",
    "Vasilyeva reported from Moscow.",
    "By Jane Doe",
    "Reporting by Ana Lima; Editing by Tom Reed",
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
