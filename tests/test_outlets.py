from __future__ import annotations

from pathlib import Path

import pytest

from newsfuse.outlets import OutletGuess, domain_outlet, header_outlet, infer_outlet, normalize_agency

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"

BODY = "The bridge reopened on Friday after two weeks of repairs, the city said.\n\nDrivers were relieved.\n"
FILLER = "Officials said more work would follow in the spring, and traffic was light on the first day.\n" * 6


# --- order of the rules ---------------------------------------------------------------------


def test_given_beats_everything_and_agency_still_read():
    text = "WASHINGTON (AP) — " + BODY
    guess = infer_outlet(text, given="Local Daily", site_name="Site", url="https://www.reuters.com/x", filename="a.txt")
    assert guess == OutletGuess("Local Daily", "given", "Associated Press")


def test_page_site_name_beats_url_and_text():
    guess = infer_outlet(
        "MOSCOW, Oct 7 (Reuters) - " + BODY, site_name="Vancouver Sun", url="https://vancouversun.com/a"
    )
    assert guess == OutletGuess("Vancouver Sun", "page", "Reuters")


def test_site_name_tagline_and_domain_form():
    assert infer_outlet(BODY, site_name="Livemint - News").name == "Livemint"
    assert infer_outlet(BODY, site_name="DW.COM").name == "DW"
    assert infer_outlet(BODY, site_name="Aktuality.sk").name == "Aktuality.sk"  # unknown domain kept as written


def test_url_domain_known_and_generic():
    assert domain_outlet("https://www.reuters.com/article/x") == "Reuters"
    assert domain_outlet("nbcnews.com") == "NBC News"
    assert domain_outlet("https://edition.cnn.com/2021/03/08/uk/x.html") == "CNN"
    assert domain_outlet("http://news.bbc.co.uk/2/hi/x.stm") == "BBC News"
    assert domain_outlet("https://abcnews.go.com/Politics/x") == "ABC News"  # the host, not go.com
    assert domain_outlet("https://thenassauguardian.com/x/") == "Thenassauguardian"
    assert domain_outlet("https://www.sky-news.example.co.uk/x") == "Example"
    assert infer_outlet(BODY, url="https://www.nbcnews.com/news/x").how == "url"


@pytest.mark.parametrize("url", [None, "", "http://localhost:8000/x", "http://127.0.0.1/x", "file:///tmp/a.html"])
def test_url_without_a_site_names_nothing(url):
    assert domain_outlet(url) is None


def test_file_stem_is_the_last_resort():
    assert infer_outlet(BODY, filename="/data/000_0ecbee22fe663d96.txt") == OutletGuess(
        "000_0ecbee22fe663d96", "file", None
    )
    assert infer_outlet(BODY, filename="<stdin>") == OutletGuess(None, None, None)
    assert infer_outlet(BODY) == OutletGuess(None, None, None)


# --- datelines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,agency",
    [
        ("Rome (AFP) - ", "AFP"),
        ("(Reuters) - ", "Reuters"),
        ("WASHINGTON (AP) — ", "Associated Press"),
        ("MOSCOW, Oct 7 (Reuters) - ", "Reuters"),
        ("NEW DELHI, Jan. 5 (PTI) ", "PTI"),
        ("BEIJING, Oct. 7 (Xinhua) -- ", "Xinhua"),
        ("ANKARA (AA) - ", "Anadolu"),
        ("BERLIN (dpa) - ", "dpa"),
        ("SEOUL, Oct. 7 (Yonhap) -- ", "Yonhap"),
        ("(Bloomberg) -- ", "Bloomberg"),
        ("HOUSTON, Texas (AP) — ", "Associated Press"),
    ],
)
def test_dateline_names_the_agency(start, agency):
    assert infer_outlet(start + BODY) == OutletGuess(agency, "dateline", agency)


def test_dateline_after_headline_byline_and_caption():
    text = "Storm closes harbor\n\nBy Jane Doe\n\nA ship waits (AFP Photo/John Roe)\n\nRome (AFP) - " + BODY
    assert infer_outlet(text).agency == "AFP"


def test_agency_byline_at_the_start():
    assert infer_outlet("Storm closes harbor\n\nBy The Associated Press\n\n" + BODY).agency == "Associated Press"


@pytest.mark.parametrize(
    "text",
    [
        '"We will not cooperate," he said (AP) - and left.\n' + BODY,  # mid-line
        "Biden Says (AP) Poll Was Wrong\n\n" + BODY,  # a headline with a mid-title agency
        "A ship waits in the harbor (AFP Photo/John Roe)\n\n" + BODY,  # a photo credit
        "London (CNN)It was the interview. " + BODY,  # an outlet, not an agency
        "HOUSTON, Texas (KTRK) -- " + BODY,  # a station's call sign
        "Dina Bass, reporting for Bloomberg:\n\n" + BODY,  # a link blog quoting an outlet
        FILLER * 2 + "Rome (AFP) - " + BODY,  # past the dateline window
    ],
)
def test_no_dateline_traps(text):
    assert infer_outlet(text) == OutletGuess(None, None, None)


# --- credits and sign-offs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "ending,agency",
    [
        ("\n\nAssociated Press\n", "Associated Press"),
        ("\n\nThe Associated Press\n", "Associated Press"),
        ("\n\n— AFP\n", "AFP"),
        ("\n\n- Reuters.\n", "Reuters"),
        ("\n\nReporting by Jane Doe in Rome; Editing by John Roe\n", "Reuters"),
        ("\n\n(Reporting by Jane Doe; Editing by John Roe)\n", "Reuters"),
        ("\n\nAdditional reporting by Jane Doe; Writing by Ann Poe; Editing by John Roe\n", "Reuters"),
        ("\n\nOur Standards: The Thomson Reuters Trust Principles.\n", "Reuters"),
        ("\n\nCopyright 2015 The Associated Press. All rights reserved.\n", "Associated Press"),
        ("\n\n© Thomson Reuters 2020\n", "Reuters"),
        ("\n\nAssociated Press writer Jane Doe in Moscow contributed to this report.\n", "Associated Press"),
        (" — AFP", "AFP"),
        (" (ANI)", "ANI"),
        ("\n(With inputs from PTI)", "PTI"),
        ("\n\nAgence France-Presse\n", "AFP"),
    ],
)
def test_credit_names_the_agency(ending, agency):
    text = FILLER + BODY.rstrip() + ending
    assert infer_outlet(text) == OutletGuess(agency, "credit", agency)


def test_outlet_and_agencies_credit():
    assert infer_outlet(BODY + "\nTRTWorld and agencies\n") == OutletGuess("TRT World", "credit", None)
    assert infer_outlet(BODY + "\nAl Jazeera and news agencies\n") == OutletGuess("Al Jazeera", "credit", None)
    assert infer_outlet(BODY + "\nAFP and agencies\n") == OutletGuess("AFP", "credit", "AFP")


def test_site_republishing_agency_copy_keeps_the_site():
    text = FILLER + BODY + "\nCopyright 2015 The Associated Press. All rights reserved.\n"
    assert infer_outlet(text, url="https://www.example-daily.com/x") == OutletGuess(
        "Example Daily", "url", "Associated Press"
    )


@pytest.mark.parametrize(
    "ending",
    [
        '\n\n"It was a long night," she told The Associated Press.\n',
        "\n\nShe told the AP on Tuesday that it was over.\n",
        "\n\nHe was quoted by the Tass news agency as saying so.\n",
        "\n\nStaff and agencies\n",  # a byline, not an outlet
        "\n\nGuardian staff and agencies\n",
        "\n\nReporting by Jane Doe\n",  # no 'Editing by': not Reuters' sign-off
        "\n\nPhoto by: AFP\n",
        "\n\nSource: CDC, Chicago Department of Public Health\n",
        "\n\nVasilyeva reported from Moscow.\n",
        "\n\nThe report was sent to Reuters. Copyright law applies.\n",
        "\n\nAA\n",
    ],
)
def test_no_credit_traps(ending):
    assert infer_outlet(FILLER + BODY.rstrip() + ending) == OutletGuess(None, None, None)


def test_credit_window_uses_whole_lines_only():
    # The last 400 characters start at "Associated Press." inside a line that says "told the
    # Associated Press.": the cut line must not read as a sign-off.
    after = "\n" + "w" * (400 - len("Associated Press.") - 2) + "."
    text = BODY + "She told the Associated Press." + after
    assert text[-400:].startswith("Associated Press.\n")
    assert infer_outlet(text).agency is None


def test_credit_before_the_tail_is_ignored():
    assert infer_outlet(BODY + "\nAssociated Press\n\n" + FILLER).agency is None


def test_reuters_style_sign_off_under_another_agencys_dateline_is_not_reuters():
    text = "PORT HALVARD, March 4 (Coastal Press) - " + FILLER + "\nReporting by Ines Calder; Editing by Paul Merrow\n"
    assert infer_outlet(text) == OutletGuess(None, None, None)
    # An explicit Reuters credit still counts.
    assert infer_outlet(text + "\n© Thomson Reuters 2020\n").agency == "Reuters"


def test_dateline_beats_a_different_credit():
    text = "WASHINGTON (AP) — " + FILLER + "\n© Thomson Reuters 2020\n"
    assert infer_outlet(text) == OutletGuess("Associated Press", "dateline", "Associated Press")


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alias,name",
    [
        ("AP", "Associated Press"),
        ("The Associated Press", "Associated Press"),
        ("Associated Press.", "Associated Press"),
        ("Agence France-Presse", "AFP"),
        ("Thomson Reuters", "Reuters"),
        ("Press Trust of India", "PTI"),
        ("Anadolu Agency", "Anadolu"),
        ("ITAR-TASS", "TASS"),
        ("Deutsche Presse-Agentur", "dpa"),
        ("CNN", None),
    ],
)
def test_normalize_agency(alias, name):
    assert normalize_agency(alias) == name


def test_header_outlet():
    assert header_outlet("Outlet: The Daily Planet\n\nHeadline\n\nBody.") == "The Daily Planet"
    assert header_outlet("source: AFP\nHeadline") == "AFP"
    assert header_outlet("Headline\nOutlet: X\n") is None  # only the first line
    assert header_outlet("Source: Bears to hire coach from rival\n\nBody.") is None  # a headline
    assert header_outlet("Outlet: Reuters.\n\nBody.") is None  # would survive cleaning as a sentence


# --- the real seeds -------------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/seeds")
def test_seeds_name_afp_and_trt_world_from_their_text():
    found = {p.name[:3]: infer_outlet(p.read_text(encoding="utf-8"), filename=str(p)) for p in SEEDS.glob("*.txt")}
    assert found["000"] == OutletGuess("AFP", "dateline", "AFP")
    assert found["004"] == OutletGuess("TRT World", "credit", None)
    # The other three say nothing about who wrote them: the file name stays.
    assert {found[k].how for k in ("001", "002", "003")} == {"file"}


# --- ingest ---------------------------------------------------------------------------------


def test_txt_header_names_the_outlet_and_stays_in_the_text(tmp_path):
    from newsfuse.clean import clean
    from newsfuse.ingest import read_paths

    text = "Outlet: The Daily Planet\n\nStorm closes harbor\n\nWASHINGTON (AP) — " + BODY
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    [article] = read_paths([str(tmp_path / "a.txt")]).articles
    assert (article.outlet, article.outlet_how, article.agency) == ("The Daily Planet", "given", "Associated Press")
    assert article.text == text and article.title == "Storm closes harbor"
    assert all("Outlet:" not in text[b.start : b.end] for b in clean(text))  # cleaning drops the header


def test_txt_without_anything_keeps_the_file_stem(tmp_path):
    from newsfuse.ingest import read_paths

    (tmp_path / "b.txt").write_text("Storm closes harbor\n\n" + BODY, encoding="utf-8")
    [article] = read_paths([str(tmp_path / "b.txt")]).articles
    assert (article.outlet, article.outlet_how, article.agency) == ("b", "file", None)


def test_records_html_and_feeds_get_inferred_outlets():
    from newsfuse.ingest import article_from_record, read_text

    plain = article_from_record("MOSCOW, Oct 7 (Reuters) - " + BODY, "r.jsonl:1")
    assert (plain.outlet, plain.outlet_how, plain.agency) == ("Reuters", "dateline", "Reuters")
    given = article_from_record({"text": BODY, "outlet": "Wire Daily", "url": "https://www.cnn.com/x"}, "r.jsonl:2")
    assert (given.outlet, given.outlet_how) == ("Wire Daily", "given")
    by_url = article_from_record({"text": BODY, "url": "https://www.nbcnews.com/x"}, "r.jsonl:3")
    assert (by_url.outlet, by_url.outlet_how) == ("NBC News", "url")
    page = "<html><head><meta property='og:site_name' content='Example Times'></head><body><article>"
    page += "".join(f"<p>{FILLER.strip()}</p>" for _ in range(3)) + "</article></body></html>"
    [article] = read_text(page, "page.html", kind="html").articles
    assert (article.outlet, article.outlet_how) == ("Example Times", "page")
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Example Feed - News</title>"
        "<item><title>T</title><link>https://other.example.org/a</link>"
        f"<description>{BODY.strip()}</description></item></channel></rss>"
    )
    [entry] = read_text(feed, "f.rss", kind="feed").articles
    assert (entry.outlet, entry.outlet_how) == ("Example Feed", "page")


def test_a_url_that_urllib_refuses_names_no_outlet_and_raises_nothing():
    assert domain_outlet("[") is None and domain_outlet("http://[::1/x") is None
    assert domain_outlet("https://www.reuters.com/world/") is not None
