"""Render a story's summary as text, Markdown, JSON or a standalone HTML page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from .codec import comparison_to_dict, summary_to_dict
from .errors import UnknownNameError
from .model import Article, Comparison, Source, Summary, SummarySentence, WireCopy

__all__ = [
    "Shown",
    "render",
    "render_comparison",
    "render_text",
    "render_markdown",
    "render_json",
    "render_html",
    "outlet_name",
    "plural",
    "story_title",
    "terminal_safe",
]

# Escape sequences (CSI such as colours and cursor moves; OSC such as window titles, hyperlinks and
# clipboard writes; the other two-byte ones) and the control characters left after them: article
# text must not drive the terminal it is printed on.
_ESCAPE_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|[\x1b\x9d\x90\x9e\x9f][\]P^_X].*?(?:\x07|\x1b\\|\x9c|$)"  # OSC, DCS, PM, APC (to their terminator)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -~]?",  # any other escape
    re.DOTALL,
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """The text without escape sequences or control characters (tab and newline kept)."""
    if text.isprintable() or not _CONTROL_RE.search(text):
        return text
    return _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))


def _md(text: object) -> str:
    """Text for Markdown: raw HTML (`<script>`, `<svg onload=...>`) shown as text, not run, and no
    link or image syntax of the article's own (`[x](javascript:...)`) made into a link."""
    out = str(text)
    if "<" in out:
        out = out.replace("&", "&amp;").replace("<", "&lt;")
    return out.replace("[", "\\[").replace("]", "\\]") if "](" in out else out


@dataclass(frozen=True)
class Shown:
    """What a view shows beside the summary: the articles it points into, the story's title, and
    whether every item of a long comparison section is listed (`all`; else the first SHOWN_FACTS,
    then how many more there are)."""

    articles: Sequence[Article]
    title: str | None = None
    all: bool = False


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 article`, `2 articles` (`many`: an irregular plural).

    >>> plural(1, "article"), plural(3, "story", "stories")
    ('1 article', '3 stories')
    """
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def story_title(articles: Sequence[Article], story_id: str | None = None) -> str:
    """A story's title for a reader: the first headline among its articles (else the start of the
    first text), after its id when it has one of its own (a batch record's; not "input").

    >>> story_title([Article("Body.", title=None), Article("Text.", title="Dam holds")])
    'Dam holds'
    >>> story_title([Article("The dam held overnight.")], "r7")
    'r7: The dam held overnight.'
    """
    titled = [a for a in articles if a.title and a.title.strip()]
    article = titled[0] if titled else (articles[0] if articles else None)
    head = ""
    if article is not None:
        head = article.title.strip() if article.title and article.title.strip() else " ".join(article.text.split())
    head = head if len(head) <= 120 else head[:119].rsplit(" ", 1)[0] + "…"
    return f"{story_id}: {head}" if story_id and story_id != "input" else head or "Story"


def outlet_name(articles: Sequence[Article], document: int) -> str:
    """The outlet's name, or a stand-in that still tells the reader which article it is."""
    article = articles[document]
    return article.outlet or (article.origin_file or f"document {document}")


def render_json(summary: Summary, shown: Shown) -> str:
    return json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=2)


def _header(summary: Summary, shown: Shown) -> str:
    """What the summary is: its length, then what it was made from (articles, independent origins)."""
    origins = plural(len(set(summary.origins)), "independent origin")
    copies = "; ".join(_copies_line(shown, w) for w in summary.wire_copies)
    line = f"summary of {plural(summary.words, 'word')} from {plural(len(shown.articles), 'article')} ({origins})"
    return line + (f"; wire copies: {copies}" if copies else "")


def _copies_line(shown: Shown, copy: WireCopy) -> str:
    names = ", ".join(outlet_name(shown.articles, d) for d in copy.copies)
    agency = f"{copy.agency} copy: " if copy.agency else ""
    return f"{agency}{outlet_name(shown.articles, copy.original)} (original); copies: {names} ({copied_share(copy)})"


def copied_share(copy: WireCopy) -> str:
    """How much of a wire group is copied: the share of the shorter article, or, for articles that
    are one origin by one agency's credit alone ("0% shared" read as a contradiction), that."""
    if copy.agency and copy.shared == 0:
        return f"each credits {copy.agency}; no sentence in common"
    return f"{copy.shared:.0%} shared"


def _sources_label(summary: Summary, shown: Shown, sentence: SummarySentence) -> str:
    return (
        f"{_names(shown, sentence.sources)} ({plural(sentence.origins, 'origin')}){_retold(summary, shown, sentence)}"
    )


def _retold(summary: Summary, shown: Shown, sentence: SummarySentence) -> str:
    """The outlets whose own ledes tell a lede's news in other words, apart from those stating it,
    with the independent origins telling the news in all (as the comparison counts a lede's fact)."""
    if not sentence.retold:
        return ""
    return f"; the same news in their own words: {_names(shown, sentence.retold)} ({_news_origins(summary, sentence)})"


def _news_origins(summary: Summary, sentence: SummarySentence) -> str:
    documents = {s.document for s in (*sentence.sources, *sentence.retold)}
    told = len({summary.origins[d] for d in documents}) if summary.origins else len(documents)
    return f"{plural(told, 'origin')} {'tells' if told == 1 else 'tell'} this news"


# How many items of a long comparison section the text, Markdown and HTML views show (then "and N
# more"; `--all` shows every one): facts of each status, and quotations.
SHOWN_FACTS = 8
SHOWN_QUOTES = 16
# Quotations shorter than this (fragments such as "a handful of miles") come after the others.
QUOTE_MIN_WORDS = 4


def _cut(items: list[str], limit: int, shown: Shown) -> list[str]:
    """The first `limit` items, then a line saying how many more there are (all of them with `all`)."""
    if shown.all or len(items) <= limit:
        return items
    return items[:limit] + [f"… and {len(items) - limit} more (--all shows every one)"]


def _names(shown: Shown, sources: Iterable[Source]) -> str:
    """Outlet names of the sources' articles, each once, in order."""
    return ", ".join(dict.fromkeys(outlet_name(shown.articles, s.document) for s in sources))


def _in_part(shown: Shown, partial: Sequence[Source]) -> str:
    """Outlets that state part of a fact or sentence: shown, never counted as corroboration."""
    return f" (in part: {_names(shown, partial)})" if partial else ""


def comparison_sections(comparison: Comparison, shown: Shown) -> list[tuple[str, list[str]]]:
    """The comparison as titled lists of plain-text lines, shared by the text views."""
    corroborated = [f for f in comparison.facts if f.status == "corroborated"]
    single = [f for f in comparison.facts if f.status != "corroborated"]
    # Fragments last (stable: each group keeps the comparison's order).
    quotes = sorted(comparison.quotes, key=lambda q: len(q.text.split()) < QUOTE_MIN_WORDS)
    return [
        (
            "Corroborated",
            _cut(
                [f"{f.text} — {_names(shown, f.sources)} ({plural(f.origins, 'origin')})" for f in corroborated],
                SHOWN_FACTS,
                shown,
            ),
        ),
        (
            "Single source",
            _cut(
                [f"{f.text} — {_names(shown, f.sources)}{_in_part(shown, f.partial)}" for f in single],
                SHOWN_FACTS,
                shown,
            ),
        ),
        (
            "Quotes",
            _cut(
                [f"{q.speaker or 'unattributed'}: “{q.text}” — {_names(shown, q.sources)}" for q in quotes],
                SHOWN_QUOTES,
                shown,
            ),
        ),
        (
            "Disagreements",
            [
                f"{d.kind} ({d.topic}): " + " vs ".join(f"{c.value} [{_names(shown, c.sources)}]" for c in d.claims)
                for d in comparison.disagreements
            ],
        ),
        ("Wire copies", [_copies_line(shown, w) for w in comparison.wire_copies]),
    ]


def render_text(summary: Summary, shown: Shown) -> str:
    lines = [f"{shown.title or 'Story'}: {_header(summary, shown)}", ""]
    for i, sentence in enumerate(summary.sentences, 1):
        lines += [f"{i}. {sentence.text}", f"   — {_sources_label(summary, shown, sentence)}"]
    lines += [f"! {p}" for p in summary.problems]
    for title, items in comparison_sections(summary.comparison, shown) if summary.comparison else []:
        lines += ["", f"{title}:"] + ([f"  - {item}" for item in items] or ["  (none)"])
    return terminal_safe("\n".join(lines) + "\n")


def render_markdown(summary: Summary, shown: Shown) -> str:
    lines = [f"## {_md(shown.title or 'Summary')}", "", f"*{_md(_header(summary, shown))}*", ""]
    for i, sentence in enumerate(summary.sentences, 1):
        lines.append(f"{i}. {_md(sentence.text)} <sub>{_md(_sources_label(summary, shown, sentence))}</sub>")
    if summary.problems:
        lines += ["", "**Input problems**", ""] + [f"- {_md(p)}" for p in summary.problems]
    for title, items in comparison_sections(summary.comparison, shown) if summary.comparison else []:
        lines += ["", f"### {title}", ""] + ([f"- {_md(item)}" for item in items] or ["- (none)"])
    return terminal_safe("\n".join(lines) + "\n")


_STYLE = """
body{font:17px/1.55 Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font:700 1.6rem system-ui,sans-serif}.meta{color:#666;font:0.9rem system-ui,sans-serif}
ol.summary li{margin:.6rem 0}.src{font:0.78rem system-ui,sans-serif;color:#555}
.src a{display:inline-block;margin:0 .25rem .2rem 0;padding:0 .45rem;border-radius:.7rem;
background:#eef2f7;color:#234;text-decoration:none}.src a:hover{background:#d6e2f0}
.origins{font-weight:600}article{border-top:1px solid #ddd;margin-top:1.5rem}
article h3{font:600 1rem system-ui,sans-serif}article p{white-space:pre-wrap;font-size:.92rem}
mark{background:#fff1a8}mark:target{background:#ffd24d;outline:2px solid #e0a800}
.problems{color:#8a3b00;font:0.85rem system-ui,sans-serif}
"""


def render_html(summary: Summary, shown: Shown) -> str:
    """A standalone page: the summary, each sentence's sources linked to the marked spans."""
    items = "\n".join(_html_sentence(summary, shown, i, s) for i, s in enumerate(summary.sentences))
    marks = _marks_by_document(summary)
    articles = "\n".join(_html_article(shown, d, marks.get(d, [])) for d in range(len(shown.articles)))
    problems = "".join(f"<li>{escape(str(p))}</li>" for p in summary.problems)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(shown.title or 'newsfuse summary')}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(shown.title or 'Summary')}</h1><p class=meta>{escape(_header(summary, shown))}</p>"
        f"<ol class=summary>{items}</ol>"
        + (f"<ul class=problems>{problems}</ul>" if problems else "")
        + (_html_comparison(summary.comparison, shown) if summary.comparison else "")
        + f"<h2>Articles</h2>{articles}</body></html>\n"
    )


def _html_sentence(summary: Summary, shown: Shown, i: int, sentence: SummarySentence) -> str:
    links = "".join(_source_link(shown, src, f"#s{i}-d{src.document}") for src in sentence.sources)
    return (
        f"<li>{escape(sentence.text)}<div class=src><span class=origins>"
        f"{plural(sentence.origins, 'origin')}:</span> {links}{_html_retold(summary, shown, sentence)}</div></li>"
    )


def _html_retold(summary: Summary, shown: Shown, sentence: SummarySentence) -> str:
    """The retelling outlets as a labelled group after the sources, each linked to its article."""
    if not sentence.retold:
        return ""
    links = "".join(_source_link(shown, src, f"#d{src.document}") for src in sentence.retold)
    return f" <span class=retold>the same news in their own words ({_news_origins(summary, sentence)}):</span> {links}"


def _source_link(shown: Shown, src: Source, href: str) -> str:
    """A source's outlet linked to `href`, the span it states as the link's title."""
    text = shown.articles[src.document].text[src.start : src.end]
    return f'<a href="{href}" title="{escape(text)}">{escape(outlet_name(shown.articles, src.document))}</a>'


def _marks_by_document(summary: Summary) -> dict[int, list[tuple[int, int, str]]]:
    marks: dict[int, list[tuple[int, int, str]]] = {}
    for i, sentence in enumerate(summary.sentences):
        for src in sentence.sources:
            marks.setdefault(src.document, []).append((src.start, src.end, f"s{i}-d{src.document}"))
    return marks


def _html_article(shown: Shown, document: int, marks: list[tuple[int, int, str]]) -> str:
    article = shown.articles[document]
    text, parts, cursor = article.text, [], 0
    for start, end, anchor in sorted(marks):
        if start < cursor:  # a span already marked for an earlier summary sentence
            continue
        parts += [escape(text[cursor:start]), f'<mark id="{anchor}">{escape(text[start:end])}</mark>']
        cursor = end
    parts.append(escape(text[cursor:]))
    title = escape(article.title or outlet_name(shown.articles, document))
    safe_url = article.url and article.url.startswith(("http://", "https://"))
    link = f' · <a href="{escape(article.url or "")}">original</a>' if safe_url else ""
    return (
        f"<article id=d{document}><h3>{document + 1}. {title}</h3><p class=meta>"
        f"{escape(outlet_name(shown.articles, document))}{link}</p><p>{''.join(parts)}</p></article>"
    )


def _html_comparison(comparison: Comparison, shown: Shown) -> str:
    parts = []
    for title, items in comparison_sections(comparison, shown):
        body = "".join(f"<li>{escape(item)}</li>" for item in items) or "<li>(none)</li>"
        parts.append(f"<h2>{escape(title)}</h2><ul class=cmp>{body}</ul>")
    return "".join(parts)


def render_comparison(comparison: Comparison, shown: Shown, fmt: str = "text") -> str:
    """The comparison alone (what `newsfuse compare` prints): its sections, or the codec's JSON."""
    if fmt == "json":
        return json.dumps(comparison_to_dict(comparison), ensure_ascii=False, indent=2)
    sections = comparison_sections(comparison, shown)
    title = shown.title or "Story"
    if fmt == "html":
        return (
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"{_html_comparison(comparison, shown)}</body></html>\n"
        )
    if fmt == "markdown":
        lines = [f"## {_md(title)}"]
        for name, items in sections:
            lines += ["", f"### {name}", ""] + ([f"- {_md(item)}" for item in items] or ["- (none)"])
        return terminal_safe("\n".join(lines) + "\n")
    origins = plural(len({o.origin for o in comparison.outlets}), "independent origin")
    lines = [f"{title}: comparison of {plural(len(shown.articles), 'article')} ({origins})"]
    for name, items in sections:
        lines += ["", f"{name}:"] + ([f"  - {item}" for item in items] or ["  (none)"])
    return terminal_safe("\n".join(lines) + "\n")


_RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json, "html": render_html}


def render(summary: Summary, shown: Shown, fmt: str = "text") -> str:
    if fmt not in _RENDERERS:
        raise UnknownNameError(f"unknown format {fmt!r}; choose one of {', '.join(_RENDERERS)}")
    return _RENDERERS[fmt](summary, shown)
