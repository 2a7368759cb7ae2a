"""Read articles and stories from files, directories, stdin and batch records."""

from __future__ import annotations

import codecs
import gzip
import html as html_lib
import json
import os
import re
import stat
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .errors import InputError
from .model import Article, Problem, Story
from .outlets import domain_label, header_outlet, infer_outlet

__all__ = [
    "Pile",
    "read_paths",
    "read_text",
    "headline_of",
    "decode",
    "article_from_record",
    "story_from_record",
    "iter_records",
    "iter_lines",
    "display_path",
    "Limits",
    "LIMITS",
    "MULTINEWS_SEPARATOR",
]

MULTINEWS_SEPARATOR = "|||||"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".jsonl", ".json", ".ndjson"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | FEED_SUFFIXES
# A first line longer than this is body text, not a headline.
HEADLINE_MAX_WORDS = 25
_SNIFF_BYTES = 8192
_WESTERN = ("cp1252", "latin_1", "iso8859_15", "mac_roman")
_CHAOS_TOLERANCE = 0.1
# Code pages by how much news is written in them: Western, Central European, Cyrillic, Greek,
# Turkish, Baltic; a page that fits as well as these (iso8859_10 for Polish, iso8859_5 for Greek) is rarer.
_COMMON = (
    *_WESTERN[:3],
    *("cp1250", "iso8859_2", "cp1251", "koi8_r", "cp1253", "iso8859_7"),
    *("cp1254", "iso8859_9", "cp1257", "iso8859_13"),
)


@dataclass(frozen=True)
class Limits:
    """What one input may cost. Input beyond a limit is refused or cut, and always reported
    (a Problem or an InputError naming the file, line or record), never dropped in silence."""

    # A file read whole (summarize, compare, ingest, cluster; stdin too) is decoded and parsed in
    # memory, at several times its size: beyond this it is refused (batch streams its JSONL).
    file_bytes: int = 256 * 2**20
    # One JSONL line (one record): json.loads holds tens of times a line's size in objects, so a
    # 100 MB line took 5 GB. The largest Multi-News cluster is about 0.3 MB; a longer line is
    # refused unparsed, and the rest of the file still read.
    line_chars: int = 16 * 2**20
    # Nesting of a JSON record. News records are 3-4 levels deep; recursive code (json, pickling
    # to worker processes, the output writer) fails near 1,000 levels, or at 900 once pickled.
    json_depth: int = 64
    # Blank lines in one JSONL file: beyond this the file is padding (or a decompression bomb:
    # 1 MB of gzip holds 1 GiB of newlines, minutes to read), so reading it stops, reported.
    blank_lines: int = 100_000
    # Documents of one story: comparing sources grows with the square of a story's documents, so
    # a story of 2,000 never finished. Multi-News clusters have at most 10; the rest are not read.
    documents: int = 200
    # Words of one article: sentence scoring and comparison grow with it; a long feature runs to
    # 10,000 words. The text beyond is not read.
    article_words: int = 20_000
    # Publication years taken as dates: outside them a date is a placeholder or a typo (0001-01-01),
    # and the clusterer's time-window arithmetic overflows at the ends of the calendar.
    first_year: int = 1800
    last_year: int = 2200
    # Records in a row that hold nothing to read (not JSON, not an object, or neither a story nor an
    # article): beyond this the file is no news file (1 MB of gzip holds 350 million "{}" lines,
    # hours of reading), so reading it stops, reported. Real files with a damaged stretch have few.
    bad_in_a_row: int = 10_000
    # Problems printed one by one before the rest are only counted (2 million bad records must not
    # print 2 million lines).
    errors_shown: int = 20


LIMITS = Limits()


@dataclass
class Pile:
    """What a set of inputs held: loose articles (one story), whole stories, and problems."""

    articles: list[Article] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: Pile) -> None:
        self.articles += other.articles
        self.stories += other.stories
        self.problems += other.problems

    def all_stories(self) -> list[Story]:
        """Whole stories as given, then the loose articles together as one story."""
        loose = [Story(articles=self.articles, id="input")] if self.articles else []
        return self.stories + loose


def decode(data: bytes, where: str) -> str:
    """Bytes to text: UTF-8 when it is, else the detected encoding; binary data is refused."""
    if not data.strip():
        raise InputError(where, "empty file")
    for bom, encoding in _BOMS:  # UTF-16/32 hold NUL bytes: read by their byte order mark first
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as err:
                raise InputError(
                    where, f"starts with a {encoding} byte order mark but is not {encoding} ({err.reason})"
                ) from None
            if not text.strip():
                raise InputError(where, "empty file")
            return text
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(where, "binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise InputError(where, "not text in any encoding newsfuse can detect")
    best = matches[0]
    # Short texts fit several code pages about equally (ISO 8859-2 Polish reads without "chaos" as
    # cp1254 or cp1250). A wrong code page shows inside words: a symbol ("zatwierdzi³a") or a
    # capital after a small letter ("ŁódĽ"), so the reading with fewest of those wins; then the
    # more used code page (_COMMON: Western first, the Mac code pages last).
    near = [m for m in matches if m.chaos <= best.chaos + _CHAOS_TOLERANCE]
    texts = {id(m): str(m) for m in near}

    def rank(order: int) -> tuple[int, int, int]:
        match = near[order]
        common = _COMMON.index(match.encoding) if match.encoding in _COMMON else len(_COMMON)
        return _miscoded_letters(texts[id(match)]), common, order

    return texts[id(near[min(range(len(near)), key=rank)])]


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark begins it
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Letters that are not ASCII, as a share of all letters, above which cp1252 text is not Western
# (German, French, Spanish: 2-6%, a short word like "Grüße" 40%; Cyrillic or Greek read as cp1252: nearly all).
_WESTERN_MAX_ACCENTED = 0.5
# Characters that may stand inside a word in Western text (apostrophes, hyphens).
_IN_WORD = set("'’‘-‐–·")


def _western(data: bytes) -> str | None:
    """The text as cp1252 (a superset of Latin-1's printable characters) when it reads as
    Western text: letters mostly ASCII, no control characters, no symbol inside a word (as
    Central European or Cyrillic text read in cp1252 would have); else None."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _CONTROL_RE.search(text):
        return None
    letters = len(_ASCII_LETTER_RE.findall(text))
    accented = 0
    for match in _NON_ASCII_RE.finditer(text):
        char, i = match.group(), match.start()
        if unicodedata.category(char)[0] == "L":
            accented += 1
            continue
        inside = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if inside and char not in _IN_WORD:
            return None
    letters += accented
    if not letters or accented / letters > _WESTERN_MAX_ACCENTED:
        return None
    return text


def _miscoded_letters(text: str) -> int:
    """Non-ASCII characters inside words that a right code page would not put there: symbols, or
    capitals after a small letter."""
    count = 0
    for match in _NON_ASCII_RE.finditer(text):
        char, i = match.group(), match.start()
        if not (0 < i < len(text) - 1 and text[i - 1].isalpha()):
            continue
        capital_inside = char.isupper() and text[i - 1].islower()
        symbol_inside = not char.isalpha() and char not in _IN_WORD and text[i + 1].isalpha()
        count += capital_inside or symbol_inside
    return count


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f]")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def display_path(path: str | os.PathLike) -> str:
    """A file name as it can be printed and stored: bytes that are not UTF-8 (a name from another
    system) become \\xNN escapes instead of surrogates that no UTF-8 writer accepts."""
    name = os.fspath(path)
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def read_paths(paths: Iterable[str]) -> Pile:
    """Everything in the given files and directories (`-` is stdin); bad files become problems."""
    pile = Pile()
    for raw in paths:
        for path in _expand(raw, pile):
            try:
                pile.extend(_read_one(path))
            except InputError as err:
                pile.problems.append(Problem(err.where, err.reason))
            except OSError as err:
                pile.problems.append(Problem(display_path(path), f"cannot read it ({err.strerror or err})"))
    return pile


def _expand(raw: str, pile: Pile) -> Iterator[str]:
    if raw == "-":
        yield raw
        return
    path = Path(raw)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
        if not found:
            pile.problems.append(
                Problem(display_path(raw), "directory holds no .txt, .html, .jsonl, .json or feed file")
            )
        yield from (str(p) for p in found)
    elif path.exists():
        yield raw
    else:
        pile.problems.append(Problem(display_path(raw), "no such file or directory"))


def _read_one(path: str, limits: Limits | None = None) -> Pile:
    limits = limits or LIMITS
    if path == "-":
        data = sys.stdin.buffer.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            raise InputError("<stdin>", f"more than the {limits.file_bytes:,} bytes newsfuse reads whole; give files")
        return read_text(decode(data, "<stdin>"), "<stdin>", kind=None)
    where = display_path(path)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):  # a FIFO blocks on open, /dev/zero never ends
        raise InputError(where, "not a regular file (a FIFO, device or socket); save it to a file, or pipe it to -")
    if info.st_size > limits.file_bytes:
        raise InputError(
            where,
            f"{info.st_size:,} bytes, over the {limits.file_bytes:,} newsfuse reads whole; "
            "split it, or use newsfuse batch (it streams JSONL)",
        )
    suffixes = [x.lower() for x in Path(path).suffixes]
    packed = suffixes[-1:] == [".gz"]
    data = _read_gzip(path, where, limits) if packed else _read_plain(path, limits)
    if len(data) > limits.file_bytes:
        raise InputError(where, f"more than {limits.file_bytes:,} bytes once decompressed; use newsfuse batch")
    kind = _kind_of(suffixes[-2] if packed and len(suffixes) > 1 else Path(path).suffix.lower())
    return read_text(decode(data, where), where, kind=kind)


def _read_plain(path: str, limits: Limits) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(limits.file_bytes + 1)


def _read_gzip(path: str, where: str, limits: Limits) -> bytes:
    """At most `limits.file_bytes + 1` bytes of a gzip file's content (a small file can hold GiBs)."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(limits.file_bytes + 1)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise InputError(where, f"not a readable gzip file ({err})") from None


def _kind_of(suffix: str) -> str | None:
    for kind, suffixes in (("html", HTML_SUFFIXES), ("json", JSON_SUFFIXES), ("feed", FEED_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return "text" if suffix in TEXT_SUFFIXES else None


def _sniff(text: str) -> str:
    head = text.lstrip()[:500].lower()
    if head.startswith("{") or head.startswith("["):
        return "json"
    if head.startswith("<?xml") and ("<rss" in head or "<feed" in head):
        return "feed"
    if head.startswith("<"):
        return "html"
    return "text"


def read_text(text: str, where: str, kind: str | None = None) -> Pile:
    """Parse decoded text of one input; `kind` is text/html/json/feed, or None to sniff."""
    kind = kind or _sniff(text)
    pile = Pile()
    if kind == "html":
        pile.articles.append(_article_from_html(text, where, pile.problems))
        return pile
    if kind == "json":
        return _read_records(text, where)
    if kind == "feed":
        return _read_feed(text, where)
    if MULTINEWS_SEPARATOR in text:
        return _read_multinews(text, where)
    pile.articles.append(_article_from_plain(text, where, problems=pile.problems))
    return pile


def _article_from_plain(
    text: str, where: str, outlet: str | None = None, problems: list[Problem] | None = None
) -> Article:
    if not text.strip():
        raise InputError(where, "empty article")
    text = _capped(text, where, problems)
    # A first line "Outlet: NAME" / "Source: NAME" names the outlet; it stays in the text (offsets
    # point into the original) and cleaning drops it as a line that ends no sentence.
    header = header_outlet(text)
    title = headline_of(text.partition("\n")[2] if header else text)
    guess = infer_outlet(text, given=outlet or header, filename=where)
    return Article(
        text=text, outlet=guess.name, title=title, origin_file=where, outlet_how=guess.how, agency=guess.agency
    )


def headline_of(text: str) -> str | None:
    """The first line, when it reads as a headline: short, not ending a sentence or a quote,
    and followed by a body."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    words = len(first.split())
    if rest.strip() and 0 < words <= HEADLINE_MAX_WORDS and first[-1] not in '.!?"”':
        return first
    return None


def _read_multinews(text: str, where: str) -> Pile:
    pile = Pile()
    articles = []
    for i, part in enumerate(text.split(MULTINEWS_SEPARATOR)):
        if part.strip():
            articles.append(Article(text=part, outlet=f"document {i + 1}", origin_file=f"{where}#{i + 1}"))
        else:
            pile.problems.append(Problem(f"{where}#{i + 1}", "empty document skipped"))
    if not articles:
        raise InputError(where, "Multi-News text with no non-empty document")
    pile.stories.append(Story(articles=articles, id=Path(where).stem))
    return pile


def _article_from_html(html: str, where: str, problems: list[Problem] | None = None) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, as_dict=False
    )
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        raise InputError(where, "no article text found in the HTML page")
    body = _capped(str(doc.text), where, problems)
    guess = infer_outlet(body, site_name=doc.sitename, url=doc.url, filename=where)
    return Article(
        text=body,
        outlet=guess.name,
        url=doc.url,
        title=headline_without_site(doc.title, (guess.name, doc.sitename)),
        published=_parse_date(doc.date, where, problems),
        origin_file=where,
        outlet_how=guess.how,
        agency=guess.agency,
    )


# A page's <title> often ends in the site's name, and a date, after a separator: "Berlin confronts
# Germany's colonial past with new initiative | DW | 19.01.2020", "Super Value ‘stumped’ on when
# price hikes will end - The Nassau Guardian" (two of the 12 real pages in ../shared).
_TITLE_PARTS_RE = re.compile(r"\s+(?:[|·•:]{1,2}|[-–—])\s+")
_DATE_PART_RE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}|\w+\.? \d{1,2},? \d{4}|\d{1,2} \w+\.? \d{4}")


def headline_without_site(title: str | None, names: Iterable[str | None]) -> str | None:
    """The headline of a page's title: trailing parts that are the site's name (one of `names`,
    compared by letters and digits, a leading "The" and a domain's ending aside), and the dates
    beside them, left out. A title with no such part, or with nothing else, is kept whole: the
    separators also join a headline's own parts ("Iran - the deal explained")."""
    if not title:
        return title
    keys = {_site_key(n) for n in names if n} - {""}
    parts = _TITLE_PARTS_RE.split(title)
    cut, named = len(parts), False
    while cut > 1 and (_site_key(parts[cut - 1]) in keys or _DATE_PART_RE.fullmatch(parts[cut - 1].strip())):
        named = named or _site_key(parts[cut - 1]) in keys
        cut -= 1
    if not named:
        return title
    separators = _TITLE_PARTS_RE.finditer(title)
    end = [m.start() for m in separators][cut - 1]
    return title[:end].rstrip()


def _site_key(name: str) -> str:
    """ "The Guardian", "theguardian.com" and "THE GUARDIAN" alike: "guardian" (a domain by its
    registrable label, outlets.domain_label)."""
    name = domain_label(name) or name.strip().casefold()
    return re.sub(r"\W|_", "", name).removeprefix("the")


def _read_feed(text: str, where: str) -> Pile:
    """Articles of an RSS/Atom feed. Titles lose their markup and entities; a description that
    does not end a sentence (most feeds cut them short) is closed with a full stop so its text is
    kept as prose; an entry with a title only is kept with its title as text; what is dropped or
    keeps no sentence is reported as a `Problem`."""
    import feedparser

    from .clean import clean

    feed = feedparser.parse(text)
    if feed.bozo and not feed.entries:
        raise InputError(where, f"not a readable RSS/Atom feed ({feed.bozo_exception})")
    outlet = feed.feed.get("title")
    pile = Pile()
    for i, entry in enumerate(feed.entries):
        at = f"{where}#{i + 1}"
        title = _plain(entry.get("title") or "") or None
        body = _closed(_entry_text(entry))
        if not body:
            if title is None:
                pile.problems.append(Problem(at, "feed entry with no title and no text skipped"))
                continue
            body = _closed(title)
            pile.problems.append(Problem(at, "feed entry with a title only: kept, its title as its text"))
        elif not clean(body):
            pile.problems.append(Problem(at, "feed entry keeps no sentence to summarize (kept for clustering)"))
        published = entry.get("published") or entry.get("updated")
        guess = infer_outlet(body, site_name=outlet, url=entry.get("link"), filename=where)
        pile.articles.append(
            Article(
                text=body,
                outlet=guess.name,
                url=entry.get("link"),
                title=title,
                published=_parse_date(published),
                id=entry.get("id"),
                origin_file=at,
                outlet_how=guess.how,
                agency=guess.agency,
            )
        )
    return pile


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$|[\"”’]$")


def _plain(markup: str) -> str:
    """Text of a feed field that may hold markup and entities (`<span class="webrupee">₹</span>`)."""
    if "<" in markup:
        import lxml.html

        markup = lxml.html.fromstring(f"<div>{markup}</div>").text_content()
    return " ".join(html_lib.unescape(markup).split())


def _closed(text: str) -> str:
    """Paragraphs stripped of indentation, the last closed with a full stop if it ends no sentence."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    body = "\n\n".join(p for p in paragraphs if p)
    return body if not body or _SENTENCE_END.search(body) else body + "."


def _entry_text(entry) -> str:
    html = entry["content"][0]["value"] if entry.get("content") else entry.get("summary", "")
    if "<" not in html:
        return html_lib.unescape(html)
    import lxml.html

    root = lxml.html.fromstring(f"<div>{html}</div>")
    paragraphs = [p for p in (node.text_content().strip() for node in root.iter("p")) if p]
    return "\n\n".join(paragraphs) if paragraphs else root.text_content()


def iter_lines(
    lines: str | Iterable[str], where: str, limits: Limits | None = None
) -> Iterator[tuple[int, str | InputError]]:
    """The non-blank lines of a text, an iterable of lines or an open file, each with its number.

    A line over `limits.line_chars` is an InputError (an open file's is skipped without being held
    whole); more than `limits.blank_lines` blank lines end the reading with an InputError."""
    limits = limits or LIMITS
    if isinstance(lines, str):
        # JSON Lines ends a line at "\n" only: splitlines() would also split at U+0085 or U+2028
        # inside a line and number every later line wrongly.
        numbered: Iterable[tuple[int, str]] = enumerate(lines.split("\n"), start=1)
    elif hasattr(lines, "readline"):
        numbered = _bounded_lines(lines, limits.line_chars)
    else:
        numbered = enumerate(lines, start=1)
    blank = 0
    for number, line in numbered:
        at = f"{where}:{number}"
        if len(line) > limits.line_chars:
            yield number, InputError(at, f"line longer than {limits.line_chars:,} characters; not read")
            continue
        if not line.strip():
            blank += 1
            if blank > limits.blank_lines:
                yield (
                    number,
                    InputError(
                        at, f"more than {limits.blank_lines:,} blank lines (padding, not records); reading stopped here"
                    ),
                )
                return
            continue
        yield number, line


def _bounded_lines(handle, limit: int) -> Iterator[tuple[int, str]]:
    """Lines of an open text file; a line over `limit` comes as a stand-in of `limit + 1`
    characters, its rest read and dropped in pieces, so it is never held whole."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            rest = line
            while rest and not rest.endswith("\n"):
                rest = handle.readline(2**20)
            line = " " * (limit + 1)
        yield number, line


def iter_records(
    text: str | Iterable[str], where: str, limits: Limits | None = None
) -> Iterator[tuple[str, dict | InputError]]:
    """JSON records of a .jsonl/.json text (or lines, or an open file), each with its `file:line`
    location; a line that is no usable record comes as an InputError naming it."""
    limits = limits or LIMITS
    if isinstance(text, str) and text.lstrip().startswith("["):
        yield from _iter_json_array(text, where, limits)
        return
    bad = 0
    for number, line in iter_lines(text, where, limits):
        at = f"{where}:{number}"
        record = line if isinstance(line, InputError) else _record(line, at, limits)
        holds_nothing = isinstance(record, InputError) or ("documents" not in record and "text" not in record)
        bad = bad + 1 if holds_nothing else 0
        yield at, record
        if bad >= limits.bad_in_a_row:
            yield (
                at,
                InputError(
                    at,
                    f"{bad:,} records in a row up to here hold no story or article; the rest of the file is not read",
                ),
            )
            return


def _record(line: str, at: str, limits: Limits) -> dict | InputError:
    record = _load_json(line, at, limits)
    return record if isinstance(record, InputError) else _as_record(record, at)


def _as_record(record: object, at: str) -> dict | InputError:
    """The JSON value when it is an object, else an InputError naming it."""
    return record if isinstance(record, dict) else InputError(at, "a JSON object was expected")


def _load_json(text: str, at: str, limits: Limits) -> object:
    """A JSON value, or an InputError saying why the text is none newsfuse can use."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:  # a byte read as a surrogate escape (batch.open_text)
            return InputError(at, f"bytes that are not UTF-8 at column {err.start + 1}; re-encode the file as UTF-8")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        where = f"column {err.colno}" if err.lineno == 1 else f"line {err.lineno}"
        return InputError(at, f"not valid JSON ({err.msg} at {where})")
    except RecursionError:
        return InputError(at, f"JSON nested too deep to read (newsfuse takes {limits.json_depth} levels)")
    except ValueError as err:  # Python refuses integers of more than 4,300 digits
        if "integer string conversion" in str(err):
            return InputError(at, "a number of more than 4,300 digits; write it as a string")
        return InputError(at, f"not valid JSON ({err})")
    return _check_value(value, text, at, limits) or value


def _check_value(value: object, text: str, at: str, limits: Limits) -> InputError | None:
    """Refuse what later stages cannot carry: nesting over `limits.json_depth` (cheaply bounded by
    the brackets in the text) and lone surrogate escapes (\\ud800), which no UTF-8 writer takes."""
    deep = text.count("[") + text.count("{") > limits.json_depth
    escaped = "\\ud" in text or "\\uD" in text
    if not deep and not escaped:
        return None
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limits.json_depth:
                return InputError(at, f"JSON nested more than {limits.json_depth} levels deep; not read")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack += [(child, depth + 1) for child in children]
        elif escaped and isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as err:
                return InputError(
                    at,
                    f"a lone surrogate escape (\\u{ord(item[err.start]):04x}) is not text; fix the encoding upstream",
                )
    return None


def _iter_json_array(text: str, where: str, limits: Limits | None = None) -> Iterator[tuple[str, dict | InputError]]:
    limits = limits or LIMITS
    records = _load_json(text, where, replace(limits, json_depth=limits.json_depth + 1))  # the array itself
    if isinstance(records, InputError):
        yield where, records
        return
    assert isinstance(records, list)  # the text starts with "["
    for i, record in enumerate(records):
        at = f"{where}[{i}]"
        yield at, _as_record(record, at)


def _read_records(text: str, where: str) -> Pile:
    pile = Pile()
    for at, record in iter_records(text, where):
        try:
            if isinstance(record, InputError):
                raise record
            if "documents" in record:
                story, problems = story_from_record(record, at)
                pile.stories.append(story)
                pile.problems += problems
            elif "text" in record:
                pile.articles.append(article_from_record(record, _label(record, at), pile.problems))
            else:
                raise InputError(_label(record, at), "neither 'documents' (a story) nor 'text' (an article)")
        except InputError as err:
            pile.problems.append(Problem(err.where, err.reason))
    return pile


def story_from_record(record: dict, where: str) -> tuple[Story, list[Problem]]:
    """A batch record `{"id", "documents": [str | {...}], ...}` as a Story; other keys carried."""
    label = _label(record, where)
    documents = record.get("documents")
    if not isinstance(documents, list):
        raise InputError(label, "field 'documents' is missing or not a list")
    articles: list[Article] = []
    problems: list[Problem] = []
    if len(documents) > LIMITS.documents:
        problems.append(
            Problem(
                label,
                f"{len(documents) - LIMITS.documents:,} documents over the limit of {LIMITS.documents} a story not read",
            )
        )
        documents = documents[: LIMITS.documents]
    for i, doc in enumerate(documents):
        try:
            articles.append(article_from_record(doc, f"{label} document {i}", problems))
        except InputError as err:
            problems.append(Problem(err.where, err.reason))
            articles.append(Article(text="", origin_file=f"{label} document {i}"))
    if not any(a.text.strip() for a in articles):
        raise InputError(label, "no document has any text")
    extra = {k: v for k, v in record.items() if k not in ("documents", "id")}
    story_id = str(record["id"]) if "id" in record else None
    return Story(articles=articles, id=story_id, extra=extra), problems


def _label(record: dict, where: str) -> str:
    return f"{where} (id {record['id']})" if "id" in record else where


def article_from_record(doc: object, where: str, problems: list[Problem] | None = None) -> Article:
    """One document of a record: a plain string, or `{"text", "outlet"?, "url"?, ...}`. What is
    read only in part (a bad date, an over-long text) is added to `problems` when given."""
    if isinstance(doc, str):
        if not doc.strip():
            raise InputError(where, "empty document")
        doc = _capped(doc, where, problems)
        guess = infer_outlet(doc)
        return Article(text=doc, outlet=guess.name, origin_file=where, outlet_how=guess.how, agency=guess.agency)
    if not isinstance(doc, dict):
        raise InputError(where, "a document must be a string or an object with 'text'")
    text = doc.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "field 'text' is missing or empty")
    text = _capped(text, where, problems)
    url = _opt_str(doc.get("url"))
    guess = infer_outlet(text, given=_opt_str(doc.get("outlet")), url=url)
    return Article(
        text=text,
        outlet=guess.name,
        url=url,
        title=_opt_str(doc.get("title")),
        published=_parse_date(doc.get("published"), where, problems),
        id=_opt_str(doc.get("id")),
        origin_file=where,
        outlet_how=guess.how,
        agency=guess.agency,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _parse_date(value: object, where: str | None = None, problems: list[Problem] | None = None) -> datetime | None:
    """ISO 8601 or a common feed format. A date that is none, or outside LIMITS' years, is
    ignored (the article kept undated) and, with `problems`, reported there."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else _read_date(str(value).strip())
    limits = LIMITS
    if moment is not None and limits.first_year <= moment.year <= LIMITS.last_year:
        return moment
    if problems is not None:
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"
        reason = "is outside the years" if moment is not None else "is not a date (ISO 8601 or RFC 2822) in the years"
        problems.append(
            Problem(where or "?", f"published {shown!r} {reason} {LIMITS.first_year}-{LIMITS.last_year}; kept undated")
        )
    return None


def _read_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


_WORD = re.compile(r"\S+")


def _capped(text: str, where: str, problems: list[Problem] | None, limits: Limits | None = None) -> str:
    """The text up to its `limits.article_words`-th word; a cut is reported in `problems`."""
    limits = limits or LIMITS
    if len(text) <= 2 * limits.article_words:  # a word and its space take two characters at least
        return text
    for count, match in enumerate(_WORD.finditer(text)):
        if count == limits.article_words:
            if problems is not None:
                problems.append(
                    Problem(
                        where,
                        f"longer than {limits.article_words:,} words; the rest ({len(text) - match.start():,} characters) not read",
                    )
                )
            return text[: match.start()]
    return text
