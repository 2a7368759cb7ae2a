"""Find the article's body paragraphs, leaving page furniture out; offsets stay in the original."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Block

__all__ = ["CleanSettings", "clean", "clean_text", "is_furniture"]


@dataclass(frozen=True)
class CleanSettings:
    """How long a paragraph of each kind runs, read off the seeds, the dev pages and fulltext-dev
    (the numbers were chosen there; the real pages and Multi-News validation were checked after)."""

    # Captions and headlines in the seeds and dev pages run to 35 words; prose paragraphs run longer.
    prose_min_words: int = 40
    # At most this many short paragraphs after the last sign-off are a footer (Reuters' trust badge
    # is one; USA Today's "Read or Share this story" and NBC's three boxes in fulltext-dev, each
    # already furniture, are the most seen); more, or a long one, are another story of the page.
    footer_max_paragraphs: int = 3
    # A paragraph that never ends a sentence but reports speech, with at least this many words, is
    # prose amid the body: Reuters' "... said backstage that no-one could predict ... on Feb. 9" has
    # 22, fulltext-dev's "Fields was told of his firing late Wednesday morning" 9; CNN's subheads
    # ("Meghan had suicidal thoughts") hold no verb of saying.
    speech_min_words: int = 8
    # A line in capitals alone is a crosshead ("DISAPPOINTING NIGHT FOR ‘IRISHMAN’", Reuters'), even
    # when it ends in a quotation mark; prose paragraphs in capitals run longer than a heading.
    heading_max_chars: int = 80


DEFAULT = CleanSettings()

# The furniture that signs a story off (its credits): what follows it is the page's footer.
_SIGN_OFFS = [
    r"\(?(reporting|additional reporting|writing|editing) by .{1,200}",
    r"contributing\s*:.{1,200}",  # USA Today's sign-off
    r".{0,80}\bcontributed (to )?(this )?report(ing)?\b.{0,80}",
    r"[\w .-]{1,40} and agencies\.?",
]
# Lines that are page furniture whatever their punctuation. Each pattern was written from a kind
# seen in ../shared/seeds or the full-text dev pages (browser notices, credits, sign-offs, embeds).
_FURNITURE = [
    r"ie ?\d+ is not supported\b.*",
    r"(for an optimal experience|please (enable|update) (javascript|your browser)).*",
    r"(advertisement|advertising|sponsored( content)?)\b.{0,40}",
    r"continue reading( the main story)?.*",
    r"(photo|image|picture|video)s?( by| credit| copyright| courtesy)?\s*[:©].{0,80}",
    r"(photo|image|video|watch|play|listen|share|tweet|email|print|comments?|twitter|facebook)\W{0,3}",
    r"play (facebook|twitter|video).*",
    r"top of page",
    r"\d{1,3}\s*/\s*\d{1,3}",  # carousel counter "1 / 2"
    r"(updated|published|posted|last modified)\b.{0,60}\d{4}.{0,20}",
    r"(?-i:By [A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3}( and [A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3})?(,.{0,60})?)",
    r"(?-i:[A-Z][\w'-]+( [A-Z][\w'-]+)? reported from [A-Z][\w .,'-]{1,60}\.)",
    *_SIGN_OFFS,
    r"(see also|read more|related|more|recommended|most popular|sign up|subscribe|follow us)\b\s*:.*",
    r"(just watched|must watch)\b.*",
    r"tweet with a location",
    r"you can add location information to your tweets.*",
    r"(copyright|©|all rights reserved).{0,120}",
    r"[_—–=*-]{3,}",
    # A bulleted link under an upper-case kicker ("- A SIMPLE GUIDE: How do I protect myself?"):
    # a box of links to other pages (BBC's), whatever its punctuation; a list of the story's own
    # points opens in a sentence's case.
    r"[-•·▪*]\s*(?-i:[A-Z][A-Z0-9 ,.'’&/-]{1,40}):.*",
]
_FURNITURE_RE = re.compile(r"^(?:" + "|".join(_FURNITURE) + r")$", re.IGNORECASE)
# Photo captions carry a credit at their end, whatever else they say.
_CREDIT_RE = re.compile(
    r"(\((\w+ )?(photo|photograph|image)s?\s*[/:][^)]{1,60}\)|\b[A-Z]{2,}/[A-Z][\w .-]{1,40}"
    r"|\((getty images|ap|afp|reuters)[^)]{0,40}\)|—\s*\S.{0,40}\(@\w+\)\s+\w+ \d{1,2}, \d{4})\s*$",
    re.IGNORECASE,
)
# What `_ends_sentence` reads from a text's end: its closers, and a footnote mark's digits.
_CLOSING = "\"'”’)]"
_QUOTE_END = ('"', "”", "’")
_OPENING = "\"'“‘("
_STOPS = (".", "!", "?", "…")
_DIGITS_RE = re.compile(r"\d+")
# A line's text without the space around it (group 1), lines of space alone left out: what
# stripping each `[^\n]+` gives (`\s` and `str.isspace` are one set).
_STRIPPED_LINE_RE = re.compile(r"[^\S\n]*(\S(?:[^\n]*\S)?)")
# A sentence end inside: followed by a space, or glued to the next sentence ("April.Previously").
_INNER_SENTENCE_END_RE = re.compile(r"[a-z]{2}[.!?][\"'”’)]*\s+[\"“'‘(]*[A-Z]|[a-z]{2}\.[A-Z][a-z]{2}")
# A paragraph that ends in its link's call ("Sign up here.", "Click here to read more about this
# tool.") is a promotion box: CNN's newsletter, MarketWatch's and USA Today's in fulltext-dev.
_PROMO_END_RE = re.compile(r"\b(?:sign up|subscribe|click|tap)(?: now)? here\b[^.!?\n]{0,60}[.!]?\s*$", re.IGNORECASE)
# ...so only a paragraph's last characters can hold it (its longest match is 79), and only when
# they hold "here": a search of every whole paragraph doubled cleaning's time.
_PROMO_TAIL = 100

# Read only of a paragraph already found to be furniture: is it one of the sign-offs?
_SIGN_OFF_RE = re.compile(r"^(?:" + "|".join(_SIGN_OFFS) + r")$", re.IGNORECASE)
# An editor's note: an update or correction whose text tells what was changed ("Update July 3rd,
# 8:05AM ET: Added ARKit explanation and tweet.", The Verge's), a note so named, or a reader-service
# box ("How to get help: In the US, call ...", CNN's). A time's colons ("8:05") are allowed in the
# label. An update that brings news ("Update 3pm: Police said ...") is the story's, and kept.
_NOTE_RE = re.compile(
    r"(?:editor['’]?s['’]?|editorial) note\b\s*[:—–-]|note to (?:our )?readers\b"
    r"|(?:update[ds]?|correction|clarification)\b(?:[^:\n]|:\d){0,40}:\s*(?:added|updated|corrected|clarified|removed"
    r"|changed|revised|this (?:story|article|post|piece|report)|an? (?:earlier|previous) version)\b"
    r"|how to [^:\n]{1,40}:",
    re.IGNORECASE,
)
_NOTE_FIRST = frozenset("EeNnUuCcHh")  # what `_NOTE_RE` can open with: most paragraphs skip it
# The verbs of saying of `CleanSettings.speech_min_words`' paragraphs.
_SAID_RE = re.compile(
    r"\b(?:said|told|added|explained|wrote|announced|stated|noted|asked|replied|warned|insisted|acknowledged"
    r"|argued|claimed|recalled)\b"
)


def is_furniture(line: str, settings: CleanSettings = DEFAULT) -> bool:
    """True for a line that is not article prose (a notice, credit, counter, byline, sign-off,
    a crosshead in capitals)."""
    line = line.strip()
    return bool(
        _FURNITURE_RE.match(line)
        or _may_end_in_credit(line)
        and _CREDIT_RE.search(line)
        or _crosshead(line, settings.heading_max_chars)
    )


def _crosshead(line: str, max_chars: int) -> bool:
    """Two words or more, no letter in lower case, short: a heading, not a sentence."""
    return len(line) <= max_chars and line.isupper() and sum(w.isalpha() for w in line.split()) >= 2


def _may_end_in_credit(line: str) -> bool:
    """False where `_CREDIT_RE` cannot match: each of its kinds ends in ")" or holds a "/" (its
    search tries every position of the line: half of the cleaning's time, on lines with neither)."""
    return line.endswith(")") or "/" in line or "(@" in line


def _ends_sentence(text: str) -> bool:
    """Whether the text ends a sentence, read from its end (a regex search tried every position of
    each line and paragraph; tests/test_clean.py keeps that regex and checks the two): a sentence
    end and closers, a closing quotation mark, or a sentence end, closers and a footnote mark
    `[12]`, each with trailing space (`str.isspace` is what `\\s` is)."""
    tail = text.rstrip()
    if tail[-1:] in _QUOTE_END or tail.rstrip(_CLOSING)[-1:] in _STOPS:
        return True
    if not tail.endswith("]"):
        return False
    opening = tail.rfind("[")  # a footnote mark's digits hold no "[": it opens at the last one
    if opening < 0 or not _DIGITS_RE.fullmatch(tail, opening + 1, len(tail) - 1):
        return False
    return tail[:opening].rstrip().rstrip(_CLOSING)[-1:] in _STOPS[:3]


def clean(text: str, settings: CleanSettings = DEFAULT) -> list[Block]:
    """Body paragraphs of `text` as blocks of original offsets, furniture and repeats left out.

    A paragraph ends at a line that ends a sentence; a line without final punctuation whose
    next line starts in lower case is a hard-wrapped line and joins the next one. A paragraph
    that never ends a sentence is kept when it reports speech amid the body (`_reports_speech`);
    the few short paragraphs after the article's sign-off are its footer (`_without_footer`).
    """
    lines = [m.span(1) for m in _STRIPPED_LINE_RE.finditer(text)]
    blocks: list[Block] = []
    unended: list[tuple[int, Block]] = []  # each with the number of blocks before it
    signed = -1  # the number of blocks before the last sign-off
    seen: set[str] = set()
    i = 0
    while i < len(lines):
        j = _paragraph_end(text, lines, i)
        start, end = lines[i][0], lines[j][1]
        body = text[start:end]
        key = _key(body)
        verdict = _DROP if key in seen else _verdict(body, settings)
        if verdict is _KEEP:
            blocks.append(Block(start, end))
        elif verdict is _UNENDED:
            unended.append((len(blocks), Block(start, end)))
        elif verdict is _SIGN_OFF:
            signed = len(blocks)
        seen.add(key)
        i = j + 1
    if signed > 0:
        blocks = _without_footer(text, blocks, signed, settings)
    return _with_speech(text, blocks, unended, settings) if unended else blocks


# A paragraph's verdict: body prose, furniture, a sign-off (furniture that ends the article),
# or one that never ends a sentence (a headline or caption, unless `_reports_speech`).
_KEEP, _DROP, _SIGN_OFF, _UNENDED = "keep", "drop", "sign-off", "unended"


def _verdict(body: str, settings: CleanSettings) -> str:
    if is_furniture(body, settings):
        return _SIGN_OFF if _SIGN_OFF_RE.match(body) else _DROP
    if _ends_in_promo(body) or body[:1] in _NOTE_FIRST and _is_note(body, settings.prose_min_words):
        return _DROP
    # A paragraph cut short (truncated text, a page that ends mid-sentence) is still prose when
    # it is long or holds a sentence end inside; headlines and captions are neither.
    if _ends_sentence(body) or len(body.split()) >= settings.prose_min_words or _INNER_SENTENCE_END_RE.search(body):
        return _KEEP
    return _UNENDED


def _with_speech(
    text: str, blocks: list[Block], unended: list[tuple[int, Block]], settings: CleanSettings
) -> list[Block]:
    """The blocks and, in place, each unended paragraph inside the body (after its first block,
    before its last: not a headline) that reports speech (Reuters' "Bong Joon Ho said backstage
    that ... on Feb. 9", its stop lost). Captions and furniture between them do not stop it."""
    speech = [
        (before, b)
        for before, b in unended
        if 0 < before < len(blocks) and _reports_speech(text[b.start : b.end], settings.speech_min_words)
    ]
    if not speech:
        return blocks
    merged, taken = [], 0
    for before, block in speech:
        merged += blocks[taken:before]
        merged.append(block)
        taken = before
    return merged + blocks[taken:]


def _reports_speech(body: str, min_words: int) -> bool:
    """A verb of saying in the past tense, in a paragraph that opens a sentence, is long enough to
    be one and is not a lead-in to what follows ("She said,", "... as specific as:"): reporting,
    which captions (present tense, "Smith speaks at ...") and headlines ("..., a spokesman says")
    are not."""
    head, tail = body.lstrip(_OPENING)[:1], body.rstrip()[-1:]
    opens = head.isupper() or head.isdigit()  # a line of a hard-wrapped page opens in lower case
    return opens and tail not in ",:;" and len(body.split()) >= min_words and bool(_SAID_RE.search(body))


def _without_footer(text: str, blocks: list[Block], signed: int, settings: CleanSettings) -> list[Block]:
    """The blocks less those after the last sign-off when they are a footer: a few short
    paragraphs (Reuters' "Our Standards: The Thomson Reuters Trust Principles."), after a body.
    Anything longer after a sign-off is another story of the page, and kept."""
    after = blocks[signed:]
    short = all(len(text[b.start : b.end].split()) < settings.prose_min_words for b in after)
    if len(after) <= settings.footer_max_paragraphs and short:
        return blocks[:signed]
    return blocks


def _paragraph_end(text: str, lines: list[tuple[int, int]], i: int) -> int:
    """Index of the last line of the hard-wrapped paragraph that starts at line i."""
    j = i
    while j + 1 < len(lines):
        (start, end), following = lines[j], lines[j + 1][0]
        # the cheapest test first: most lines are followed by one opening in upper case
        if not text[following].islower() or text.count("\n", end, following) > 1 or _ends_sentence(text[start:end]):
            break
        j += 1
    return j


def _ends_in_promo(body: str) -> bool:
    start = max(0, len(body.rstrip()) - _PROMO_TAIL)
    return "here" in body[start:].lower() and bool(_PROMO_END_RE.search(body, start))  # `\b` reads body[start - 1]


def _is_note(body: str, prose_min_words: int) -> bool:
    """A short paragraph that is an editor's note or a service box (`_NOTE_RE`); a long one opening
    so is the story itself (Multi-News' "Editor's note: retired gen. David petraeus stepped down...")."""
    return bool(_NOTE_RE.match(body)) and len(body.split()) < prose_min_words


def _key(body: str) -> str:
    return " ".join(body.lower().split())


def clean_text(text: str, settings: CleanSettings = DEFAULT) -> str:
    """The body text alone, paragraphs separated by blank lines (trafilatura-style text in/out)."""
    return "\n\n".join(text[b.start : b.end] for b in clean(text, settings))
