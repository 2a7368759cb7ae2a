"""Name the outlet of an article, and the news agency whose copy it carries, from its metadata and text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["OutletGuess", "infer_outlet", "header_outlet", "domain_outlet", "normalize_agency", "AGENCIES"]

How = Literal["given", "page", "url", "dateline", "credit", "file"]

# Where a dateline may start: the seeds' AFP dateline starts at character 284, after a headline,
# a byline, a carousel counter and two photo captions; 400 leaves room for one longer caption.
DATELINE_WINDOW = 400
# Where sign-offs and credits may be: the last 400 characters (Reuters' "Reporting by ...;
# Editing by ..." plus its trust-principles line run to about 230 in ../shared/data/real/pages).
CREDIT_WINDOW = 400

# Each agency's canonical name and the spellings that mean it, as datelines and credits write them.
AGENCIES: dict[str, tuple[str, ...]] = {
    "Associated Press": ("AP", "The Associated Press", "Associated Press"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Reuters": ("Reuters", "Thomson Reuters"),
    "PA": ("PA", "PA Media", "Press Association"),
    "ANI": ("ANI", "Asian News International"),
    "PTI": ("PTI", "Press Trust of India"),
    "Xinhua": ("Xinhua", "Xinhua News Agency"),
    "TASS": ("TASS", "ITAR-TASS", "Tass"),
    "Anadolu": ("AA", "Anadolu", "Anadolu Agency"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "UPI": ("UPI", "United Press International"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap", "Yonhap News Agency"),
}
_ALIAS = {alias: name for name, aliases in AGENCIES.items() for alias in aliases}
# Longest first, so "Bloomberg News" wins over "Bloomberg"; case matters ("AP", not "ap").
_AGENCY = "|".join(re.escape(a) for a in sorted(_ALIAS, key=len, reverse=True))
# Two-letter spellings too ambiguous on a line of their own ("AA").
_NOT_ALONE = {"AA"}

# "Rome (AFP) -", "(Reuters) -", "WASHINGTON (AP) —", "MOSCOW, Oct 7 (Reuters) -",
# "NEW DELHI, Jan. 5 (PTI)": at a line start, a place (capitalised words) and maybe a date,
# then the agency in parentheses and a dash, or a capitalised word (PTI and IANS use no dash).
_PLACE = (
    r"(?:[A-Z][\w.'’-]*(?:[ -][A-Z][\w.'’-]*){0,3}"  # the place: "Rome", "NEW DELHI", "Washington"
    r"(?:,\s*[A-Z][\w.'’]*(?: [A-Z][\w.'’]*){0,2})?"  # a region: ", Texas", ", Calif."
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8}\.?))?"  # a date: ", Oct 7"
    r"\s+)?"
)
_DATELINE_RE = re.compile(
    _PLACE + rf"\((?:(?P<agency>{_AGENCY})\)\s*(?:[-–—]{{1,2}}|:)\s*\S|(?P<nodash>PTI|ANI)\)\s+[A-Z])"
)
# The same shape naming someone else: "HOUSTON, Texas (KTRK) --", "London (CNN)It was",
# "PORT HALVARD, March 4 (Coastal Press) -". Such a text is not taken for Reuters' by its
# Reuters-style sign-off ("Reporting by ...; Editing by ..."), which other agencies use too.
_OTHER_DATELINE_RE = re.compile(_PLACE + r"\((?P<name>[A-Z][\w.&'’ -]{0,40})\)\s*(?:[-–—]{1,2}|:|(?=[A-Z]))")
# "By The Associated Press", "By AFP", "By Reuters Staff": a byline line that is only an agency.
_BYLINE_RE = re.compile(rf"(?:By|BY)\s+(?P<agency>{_AGENCY})(?:\s+(?:Staff|staff|Reporters?))?\.?")
_LINE_RE = re.compile(r"[^\n]+")
# A sign-off line that is only an agency: "Associated Press", "— AFP", "- Reuters.", "(AP)".
_ALONE_RE = re.compile(rf"[-–—]{{0,2}}\s*\(?(?P<agency>{_AGENCY})\)?\.?")
# The text ends with an agency after a sentence: "... he said. — AFP", "... said. (ANI)",
# "(With inputs from PTI)".
_ENDING_RE = re.compile(
    rf"[.!?\"”’)]\s*(?:[-–—]{{1,2}}\s*(?P<dash>{_AGENCY})\.?"
    rf"|\((?:[Ww]ith inputs from\s+)?(?P<paren>{_AGENCY})\))\s*$"
)
# "Copyright 2015 The Associated Press. All rights reserved.", "© Thomson Reuters 2020".
_COPYRIGHT_RE = re.compile(
    rf"(?:Copyright|COPYRIGHT|©|\([cC]\))\s*(?:©\s*)?(?:\d{{4}}\s*,?\s*)?(?:by\s+)?(?P<agency>{_AGENCY})\b"
)
# Reuters' sign-offs: "Reporting by A in B; Editing by C" (in parentheses on older copy),
# "Thomson Reuters Trust Principles".
_REUTERS_RE = re.compile(
    r"(?:^|\n)\s*\(?(?:Additional )?[Rr]eporting by [^;\n]{2,200};\s*(?:[Ww]riting by [^;\n]{2,200};\s*)?[Ee]diting by \S"
    r"|Thomson Reuters Trust Principles"
)
# "AP writer Jane Doe contributed to this report.", "Associated Press writers ... contributed".
_CONTRIBUTED_RE = re.compile(
    rf"(?:^|\n)\s*(?P<agency>{_AGENCY}) (?:writers?|reporters?|correspondents?|staff)\b[^\n]{{0,200}}\bcontributed\b"
)
# "TRTWorld and agencies", "Al Jazeera and news agencies": an outlet crediting unnamed agencies.
_AND_AGENCIES_RE = re.compile(
    r"(?P<name>[A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,3})\s+(?:and|with|&)\s+(?:news\s+|wire\s+)?agencies\.?"
)
# Names that such a credit can start with and that are not an outlet.
_NOT_OUTLETS = {
    "staff",
    "agencies",
    "news agencies",
    "wires",
    "news desk",
    "web desk",
    "reporters",
    "our correspondent",
}

# "Outlet: NAME" or "Source: NAME" as a plain-text file's first line.
_HEADER_RE = re.compile(r"[ \t]*(?P<key>Outlet|Source)[ \t]*:[ \t]*(?P<name>[^\n]{1,80}?)[ \t]*(?:\r?\n|$)", re.I)
# After "Source:", only a name-like value: a headline such as "Source: Bears to hire coach" is not one.
_NAME_LIKE_RE = re.compile(r"(?:[A-Z0-9][\w&.'’-]*|of|the|and|de|&)(?: (?:[A-Z0-9][\w&.'’-]*|of|the|and|de|&)){0,5}")

# Well-known news sites, by host or registrable domain, with the name they go by.
KNOWN_DOMAINS = {
    "reuters.com": "Reuters",
    "apnews.com": "Associated Press",
    "afp.com": "AFP",
    "nbcnews.com": "NBC News",
    "cbsnews.com": "CBS News",
    "abcnews.go.com": "ABC News",
    "cnn.com": "CNN",
    "foxnews.com": "Fox News",
    "msnbc.com": "MSNBC",
    "cnbc.com": "CNBC",
    "npr.org": "NPR",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal",
    "usatoday.com": "USA Today",
    "latimes.com": "Los Angeles Times",
    "politico.com": "Politico",
    "thehill.com": "The Hill",
    "axios.com": "Axios",
    "bloomberg.com": "Bloomberg",
    "ft.com": "Financial Times",
    "economist.com": "The Economist",
    "bbc.com": "BBC News",
    "bbc.co.uk": "BBC News",
    "theguardian.com": "The Guardian",
    "independent.co.uk": "The Independent",
    "telegraph.co.uk": "The Telegraph",
    "dw.com": "DW",
    "france24.com": "France 24",
    "euronews.com": "Euronews",
    "aljazeera.com": "Al Jazeera",
    "trtworld.com": "TRT World",
    "aa.com.tr": "Anadolu",
    "rt.com": "RT",
    "tass.com": "TASS",
    "xinhuanet.com": "Xinhua",
    "news.yahoo.com": "Yahoo News",
    "huffpost.com": "HuffPost",
    "theverge.com": "The Verge",
    "time.com": "Time",
    "newsweek.com": "Newsweek",
    "abc.net.au": "ABC News (Australia)",
    "timesofindia.indiatimes.com": "The Times of India",
}


@dataclass(frozen=True)
class OutletGuess:
    """Who published an article (`name`, found as `how`) and whose agency copy it carries."""

    name: str | None
    how: How | None
    agency: str | None


def infer_outlet(
    text: str,
    *,
    given: str | None = None,
    site_name: str | None = None,
    url: str | None = None,
    filename: str | None = None,
) -> OutletGuess:
    """The outlet: given metadata, else the page's site name, the URL's domain, an agency
    dateline, a credit or sign-off, and last the file name; the agency from the text alone."""
    dateline, other_dateline = _dateline_agency(text)
    credit_name, credit_agency = _credit(text, house_style=not other_dateline)
    agency = dateline or credit_agency
    # each source is read only when the ones before it name nobody: the URL's registrable domain
    # loads the Public Suffix List (about 0.1 s at start-up), which a page's site name makes moot
    candidates: list[tuple[Callable[[], str | None], How]] = [
        (lambda: _clean(given), "given"),
        (lambda: _site(site_name), "page"),
        (lambda: domain_outlet(url), "url"),
        (lambda: dateline, "dateline"),
        (lambda: credit_name, "credit"),
        (lambda: _stem(filename), "file"),
    ]
    for name_of, how in candidates:
        name = name_of()
        if name:
            return OutletGuess(name, how, agency)
    return OutletGuess(None, None, agency)


def normalize_agency(name: str) -> str | None:
    """An agency's canonical name ("The Associated Press" -> "Associated Press"), or None."""
    return _ALIAS.get(name.strip().rstrip("."))


def header_outlet(text: str) -> str | None:
    """The outlet a plain text names in a first line `Outlet: NAME` or `Source: NAME`.

    The value must not end a sentence (cleaning then drops the line as furniture), and after
    `Source:` it must read as a name, not a headline ("Source: Bears to hire coach")."""
    m = _HEADER_RE.match(text)
    if not m:
        return None
    name = m.group("name")
    if name[-1] in ".!?\"”'’" or (m.group("key").lower() == "source" and not _NAME_LIKE_RE.fullmatch(name)):
        return None
    return name


def domain_outlet(url: str | None) -> str | None:
    """The readable name of a URL's site: a well-known news domain's name, else the registrable
    domain capitalised ("thenassauguardian.com" -> "Thenassauguardian", "sky-news.example" -> "Sky News"); None for no host."""
    host = _host(url)
    if not host:
        return None
    registrable = _registrable(host)
    if registrable is None:
        return None
    labels = host.split(".")
    for i in range(len(labels) - registrable.count(".")):
        known = KNOWN_DOMAINS.get(".".join(labels[i:]))
        if known:
            return known
    return " ".join(part.capitalize() for part in registrable.split(".")[0].split("-"))


def _host(url: str | None) -> str | None:
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url if "//" in url else f"//{url}")
        hostname = parts.hostname
    except ValueError:  # "[" opens an IPv6 address that never closes: no host to name
        return None
    if parts.scheme not in ("", "http", "https"):
        return None
    host = (hostname or "").lower().rstrip(".")
    return host.removeprefix("www.") if "." in host else None


def domain_label(name: str) -> str | None:
    """The registrable domain's own label of a name that is a domain ("www.theguardian.com" ->
    "theguardian", "news.bbc.co.uk" -> "bbc", by the Public Suffix List); None for any other name."""
    name = name.strip().lower()
    if " " in name or "." not in name:
        return None
    registrable = _registrable(name.removeprefix("www."))
    return registrable.split(".")[0] if registrable else None


def _registrable(host: str) -> str | None:
    """The registrable domain ("news.bbc.co.uk" -> "bbc.co.uk"), by the Public Suffix List that
    the `tld` package bundles (a trafilatura dependency; it works offline); None for an IP."""
    from tld import Result, get_tld

    result = get_tld(f"http://{host}", as_object=True, fail_silently=True)
    return f"{result.domain}.{result.tld}" if isinstance(result, Result) and result.domain else None


def _site(site_name: str | None) -> str | None:
    """A page's site name without a tagline ("Livemint - News" -> "Livemint"); a name that is a
    domain ("DW.COM") becomes its known name when there is one."""
    name = _clean(site_name)
    if not name:
        return None
    name = re.split(r"\s+[|–—-]\s+", name, maxsplit=1)[0].strip() or name
    if " " not in name and "." in name:
        known = KNOWN_DOMAINS.get(name.lower().removeprefix("www."))
        return known or name
    return name


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


def _stem(filename: str | None) -> str | None:
    if not filename or filename == "<stdin>":
        return None
    return PurePath(filename).stem or None


def _dateline_agency(text: str) -> tuple[str | None, bool]:
    """The agency of the first dateline or agency byline at a line start near the text's start,
    and whether that first dateline names someone else instead."""
    for m in _LINE_RE.finditer(text):
        if m.start() >= DATELINE_WINDOW:
            break
        line = m.group().strip()
        found = _DATELINE_RE.match(line) or _BYLINE_RE.fullmatch(line)
        if found:
            return _ALIAS[found.group("agency") or found.group("nodash")], False
        if _OTHER_DATELINE_RE.match(line):
            return None, True
    return None, False


def _credit(text: str, house_style: bool = True) -> tuple[str | None, str | None]:
    """(outlet name, agency) of a credit or sign-off in the text's last characters; with
    `house_style`, Reuters' sign-off style alone names Reuters."""
    tail = _tail(text)
    if house_style and _REUTERS_RE.search(tail):
        return "Reuters", "Reuters"
    for pattern in (_CONTRIBUTED_RE, _COPYRIGHT_RE):
        m = pattern.search(tail)
        if m:
            return _as_agency(m.group("agency"))
    for line in reversed(tail.splitlines()):
        line = line.strip()
        alone = _ALONE_RE.fullmatch(line)
        if alone and alone.group("agency") not in _NOT_ALONE:
            return _as_agency(alone.group("agency"))
        credited = _AND_AGENCIES_RE.fullmatch(line)
        if credited and credited.group("name").lower() not in _NOT_OUTLETS:
            return _credited_outlet(credited.group("name"))
    m = _ENDING_RE.search(text)
    return _as_agency(m.group("dash") or m.group("paren")) if m else (None, None)


def _tail(text: str) -> str:
    """The whole lines that start in the last CREDIT_WINDOW characters (a cut line could end in
    "Associated Press" that was "told the Associated Press")."""
    text = text.rstrip()
    cut = len(text) - CREDIT_WINDOW
    if cut <= 0:
        return text
    start = text.find("\n", cut - 1)
    return text[start + 1 :] if start >= 0 else ""


def _as_agency(alias: str) -> tuple[str, str]:
    name = _ALIAS[alias]
    return name, name


def _credited_outlet(name: str) -> tuple[str | None, str | None]:
    agency = normalize_agency(name)
    if agency:
        return agency, agency
    # "TRTWorld" -> "TRT World": an acronym run into the next word.
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", name), None
