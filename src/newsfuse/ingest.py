"""Read articles and stories from files, directories, stdin and batch records."""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import InputError
from .model import Article, Problem, Story
from .outlets import header_outlet, infer_outlet

__all__ = [
    "Pile",
    "read_paths",
    "read_text",
    "headline_of",
    "decode",
    "article_from_record",
    "story_from_record",
    "iter_records",
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
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(where, "binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise InputError(where, "not text in any encoding newsfuse can detect")
    best = matches[0]
    # Short texts fit several code pages about equally; news is mostly Western, so prefer those.
    western = [m for m in matches if m.encoding in _WESTERN and m.chaos <= best.chaos + _CHAOS_TOLERANCE]
    return str(western[0] if western else best)


def read_paths(paths: Iterable[str]) -> Pile:
    """Everything in the given files and directories (`-` is stdin); bad files become problems."""
    pile = Pile()
    for raw in paths:
        for path in _expand(raw, pile):
            try:
                pile.extend(_read_one(path))
            except InputError as err:
                pile.problems.append(Problem(err.where, err.reason))
    return pile


def _expand(raw: str, pile: Pile) -> Iterator[str]:
    if raw == "-":
        yield raw
        return
    path = Path(raw)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
        if not found:
            pile.problems.append(Problem(raw, "directory holds no .txt, .html, .jsonl, .json or feed file"))
        yield from (str(p) for p in found)
    elif path.exists():
        yield raw
    else:
        pile.problems.append(Problem(raw, "no such file or directory"))


def _read_one(path: str) -> Pile:
    if path == "-":
        data = sys.stdin.buffer.read()
        return read_text(decode(data, "<stdin>"), "<stdin>", kind=None)
    suffix = Path(path).suffix.lower()
    data = Path(path).read_bytes()
    kind = _kind_of(suffix)
    return read_text(decode(data, path), path, kind=kind)


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
    if kind == "html":
        return Pile(articles=[_article_from_html(text, where)])
    if kind == "json":
        return _read_records(text, where)
    if kind == "feed":
        return _read_feed(text, where)
    if MULTINEWS_SEPARATOR in text:
        return _read_multinews(text, where)
    return Pile(articles=[_article_from_plain(text, where)])


def _article_from_plain(text: str, where: str, outlet: str | None = None) -> Article:
    if not text.strip():
        raise InputError(where, "empty article")
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


def _article_from_html(html: str, where: str) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, as_dict=False
    )
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        raise InputError(where, "no article text found in the HTML page")
    guess = infer_outlet(str(doc.text), site_name=doc.sitename, url=doc.url, filename=where)
    return Article(
        text=str(doc.text),
        outlet=guess.name,
        url=doc.url,
        title=doc.title,
        published=_parse_date(doc.date),
        origin_file=where,
        outlet_how=guess.how,
        agency=guess.agency,
    )


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


def iter_records(text: str | Iterable[str], where: str) -> Iterator[tuple[str, dict | InputError]]:
    """JSON records of a .jsonl/.json text (or lines), each with its `file:line` location."""
    if isinstance(text, str) and text.lstrip().startswith("["):
        yield from _iter_json_array(text, where)
        return
    lines = text.splitlines() if isinstance(text, str) else text
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        at = f"{where}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield at, InputError(at, f"not valid JSON ({err.msg} at column {err.colno})")
            continue
        if not isinstance(record, dict):
            yield at, InputError(at, "a JSON object was expected")
            continue
        yield at, record


def _iter_json_array(text: str, where: str) -> Iterator[tuple[str, dict | InputError]]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        yield where, InputError(where, f"not valid JSON ({err.msg} at line {err.lineno})")
        return
    for i, record in enumerate(records):
        at = f"{where}[{i}]"
        yield at, record if isinstance(record, dict) else InputError(at, "a JSON object was expected")


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
                pile.articles.append(article_from_record(record, _label(record, at)))
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
    articles, problems = [], []
    for i, doc in enumerate(documents):
        try:
            articles.append(article_from_record(doc, f"{label} document {i}"))
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


def article_from_record(doc: object, where: str) -> Article:
    """One document of a record: a plain string, or `{"text", "outlet"?, "url"?, ...}`."""
    if isinstance(doc, str):
        if not doc.strip():
            raise InputError(where, "empty document")
        guess = infer_outlet(doc)
        return Article(text=doc, outlet=guess.name, origin_file=where, outlet_how=guess.how, agency=guess.agency)
    if not isinstance(doc, dict):
        raise InputError(where, "a document must be a string or an object with 'text'")
    text = doc.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "field 'text' is missing or empty")
    url = _opt_str(doc.get("url"))
    guess = infer_outlet(text, given=_opt_str(doc.get("outlet")), url=url)
    return Article(
        text=text,
        outlet=guess.name,
        url=url,
        title=_opt_str(doc.get("title")),
        published=_parse_date(doc.get("published")),
        id=_opt_str(doc.get("id")),
        origin_file=where,
        outlet_how=guess.how,
        agency=guess.agency,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _parse_date(value: object) -> datetime | None:
    """ISO 8601 or a common feed format; an unparseable date is dropped, not fatal."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
