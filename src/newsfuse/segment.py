"""Sentence segmentation of news text into character-offset spans."""

from __future__ import annotations

import re

Span = tuple[int, int]

# Hand-written: rule-based splitter tuned for news abbreviations, quotes and lower-cased
# tokenized text; dependency-free and linear time. It was chosen by measurement against other
# splitters (bench/splitters.py, bench/bench_segment.py; "Sentence segmentation" in docs/benchmarks.md).

_TITLES = frozenset(
    "mr mrs ms messrs mmes dr gen sen rep gov lt col capt sgt cpl pvt adm maj cmdr prof rev "
    "hon pres supt det insp fr sr jr st mt ft gens sens reps brig mme mlle atty amb".split()
)
_NUMBERED = frozenset("no nos vol vols art arts p pp fig figs ch sec secs op par para".split())
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_CORP = frozenset("inc corp co ltd llc plc bros cos assn dept univ ave blvd rd vs v approx est etc al".split())
_STATES = frozenset(
    "Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo "
    "Mont Neb Nev Okla Ore Pa Tenn Tex Va Vt Wash Wis Wyo".split()
)
_STARTERS = frozenset(
    "the a an he she it they we i you this that these those there but and or so yet in on at by "
    "for from with after before when while if as although though because since meanwhile however "
    "still now then also its his her their our my some many most what who why how where which "
    "one two three both each all not only even just last next several such under over during "
    "despite according asked earlier later instead here yes no officials police nobody everyone "
    "everybody someone somebody none".split()
)
_TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday et est edt ct cst cdt pt pst pdt "
    "gmt utc bst cet local january february march april may june july august september october "
    "november december".split()
)
_SPEECH = frozenset(
    "said says say told tells asked asks added adds wrote writes explained replied continued "
    "noted stated insisted argued warned declared recalled tweeted posted shouted remarked "
    "responded joked admitted acknowledged claimed suggested concluded cautioned announced "
    "according".split()
)
_CONNECTIVES = frozenset("then and but so however now later also meanwhile".split())

_CLOSERS = "\"”’'»)]"
_OPENERS = "\"“‘'([«"
_CAND = re.compile(rf"[.!?…][.!?…]*[{re.escape(_CLOSERS)}]*(?=\s|\Z)")
_NEXT = re.compile(rf"\s*(?P<open>[{re.escape(_OPENERS)}]*)(?P<next>\S*)")
_HARD = re.compile(r"\n[ \t\r\f\v]*\n\s*|\n")
_LINE_SOFT = re.compile(rf"(?:[.!?…][{re.escape(_CLOSERS)}]*|[,;\-–—])$")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]$")
_WORD_EDGES = "\"“”‘’'()[],.;:!?"  # what a next word is stripped of before it is looked up
_TOKEN = re.compile(r"\S+")
_NO_BREAK_NEXT = frozenset(",;:)]%")
_QUOTES = frozenset("\"”’'»")
_SINGLE_TOKEN = re.compile(r"(?<!\S)'(?!\S)")
# Two sentences glued without a space ("in April.Previously, Modi"), as feed descriptions run
# paragraphs together: a word of 2+ lower-case letters, its full stop, and a capitalized word (not
# "?" or "!": a "?" between words is often a lost character, "anti?Trump").
_GLUED = re.compile(r"(?<=[a-z]{2}\.)(?=[A-Z][a-z]{2,}\b)")
_GLUED_WORD = re.compile(r"[A-Za-z]+$")
# Where `_GLUED` can match: after a full stop before a capital. A literal the regex engine scans
# for fast; `_GLUED` itself opens with a lookbehind, so its search tried every position of a text.
_STOP_CAPITAL = re.compile(r"\.(?=[A-Z])")


class _Quotes:
    """Incremental open-quote state of a segment, advanced only when a rule asks for it."""

    def __init__(self, text: str, start: int) -> None:
        self.text, self.last, self.straight, self.curly, self.single = text, start, 0, 0, 0

    def inside(self, at: int, single: bool = False) -> bool:
        """True if position `at` is inside an open "…" / “…” quote (or a tokenized ' … ')."""
        t, a = self.text, self.last
        at = max(at, a)
        self.straight += t.count('"', a, at)
        self.curly += t.count("“", a, at) - t.count("”", a, at)
        self.single += len(_SINGLE_TOKEN.findall(t, a, at))
        self.last = at
        return self.single % 2 == 1 if single else self.straight % 2 == 1 or self.curly > 0


def _hard_segments(text: str, start: int, end: int) -> list[Span]:
    """Blocks split at blank lines and at newlines after lines lacking terminal punctuation."""
    segs: list[Span] = []
    seg_start = start
    for m in _HARD.finditer(text, start, end):
        tail = text[max(seg_start, m.start() - 8) : m.start()].rstrip()
        if m.group().count("\n") > 1 or not _LINE_SOFT.search(tail):
            segs.append((seg_start, m.start()))
            seg_start = m.end()
    segs.append((seg_start, end))
    return segs


def _next_words(text: str, pos: int, end: int, n: int = 3) -> list[str]:
    """Up to n lower-cased word tokens after pos, stopping at a punctuation-only token."""
    words: list[str] = []
    for m in _TOKEN.finditer(text, pos, min(end, pos + 80)):
        tok = m.group().strip(_WORD_EDGES).lower()
        if not tok or len(words) >= n:
            break
        words.append(tok)
    return words


def _attribution(words: list[str], lower: bool) -> bool:
    """True if the words after a closing quote look like an attribution ("he said")."""
    if not words or (not lower and words[0] in _STARTERS):
        return False
    for i, w in enumerate(words[:3]):
        if w in _SPEECH:
            return i == 0 or words[0] not in _CONNECTIVES
    return False


def _period_boundary(word: str, nxt: str, lower: bool) -> bool:
    """Decide a boundary after `word.` followed by token `nxt` (leading quotes removed)."""
    w = word.lower()
    first = nxt[:1]
    if not first:
        return True
    if first in _NO_BREAK_NEXT:
        return False
    if first.isdigit():
        return not (w in _NUMBERED or w in _MONTHS or w in _TITLES or "." in w)
    if first.islower() or lower:
        return lower and not (w in _TITLES or w in _NUMBERED or w in _MONTHS or w in _CORP or "." in w or len(w) == 1)
    if w in ("a.m", "p.m"):
        return nxt.lower().strip(_WORD_EDGES) not in _TIME_WORDS
    if w == "etc" or w in _MONTHS:
        return True
    # an acronym holds a full stop: most words are not tried against it
    abbreviated = "." in word and _ACRONYM.match(word) or word.isupper() and len(word) == 1
    if w in _TITLES or w in _CORP or word in _STATES or abbreviated:
        return nxt.lower().strip(_WORD_EDGES) in _STARTERS
    return True


def _word_before(text: str, at: int) -> str:
    """The token ending at `at`, without leading quotes or brackets."""
    chunk = text[max(0, at - 40) : at]
    if not chunk or chunk[-1].isspace():
        return ""
    return chunk.rsplit(None, 1)[-1].lstrip(_OPENERS)  # the last token, the others not split off


def _tokenized_closer(text: str, bpos: int, end: int, quotes: _Quotes) -> int:
    """End of a space-separated closing quote token right after bpos, or -1 if there is none."""
    nm = _NEXT.match(text, bpos, end)
    assert nm is not None  # every part of _NEXT is optional: it matches at any position
    q = nm["open"][:1]
    if (
        q in ('"', "'")
        and nm.end("open") == nm.start("open") + 1
        and nm["next"] == ""
        and quotes.inside(nm.start("open"), single=q == "'")
    ):
        return nm.end("open")
    return -1


def _decide(text: str, m: re.Match[str], end: int, lower: bool, quotes: _Quotes) -> int:
    """Return the boundary position for candidate m, or -1 if it is not a boundary."""
    tok, bpos = m.group(), m.end()
    punct = tok.rstrip(_CLOSERS)
    word = _word_before(text, m.start())
    if not word or lower:
        closer = _tokenized_closer(text, bpos, end, quotes)
        tok, bpos = (tok + '"', closer) if closer > 0 else (tok, bpos)
    nm = _NEXT.match(text, bpos, end)
    assert nm is not None  # every part of _NEXT is optional: it matches at any position
    opener, nxt = nm.group("open", "next")
    if not nxt and not opener:
        return bpos
    quoted = len(tok) > len(punct) and not _QUOTES.isdisjoint(tok[len(punct) :])
    if quoted and (nxt[:1].isupper() or lower) and _attribution(_next_words(text, bpos, end), lower):
        return -1
    if len(punct) > 1 and "." in punct or "…" in punct:
        ok = quoted or nxt.lower() in _STARTERS and not quotes.inside(m.start())
        return bpos if not lower and nxt[:1].isupper() and ok else -1
    if "!" in punct or "?" in punct:
        return -1 if nxt[:1].islower() and not lower or nxt[:1] in _NO_BREAK_NEXT else bpos
    return bpos if not word or _period_boundary(word, nxt, lower) else -1


def _strip_span(text: str, s: int, e: int) -> Span | None:
    """Shrink [s, e) to exclude surrounding whitespace; None if nothing is left."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if s < e else None


def _glued_boundary(text: str, at: int) -> bool:
    """Whether the stop just before `at` ends a sentence glued to the next (not "Mr.Smith")."""
    word = _GLUED_WORD.search(text, max(0, at - 40), at - 1)
    return word is None or word.group().lower() not in _TITLES | _CORP | _MONTHS | _NUMBERED


def _glued_cuts(text: str, start: int, end: int) -> list[int]:
    """The positions in [start, end) where `_GLUED` matches and `_glued_boundary` holds, in order
    (as `_GLUED.finditer(text, start, end)` finds them, its lookbehind reading before `start`)."""
    cuts = []
    for stop in _STOP_CAPITAL.finditer(text, max(0, start - 1), end):
        at = stop.end()
        if at >= start and _GLUED.match(text, at, end) and _glued_boundary(text, at):
            cuts.append(at)
    return cuts


def _split_segment(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans of one hard segment (no blank lines or headline breaks inside)."""
    seg = text[start:end]
    lower = seg == seg.lower()
    cuts: list[int] = [start]
    quotes = _Quotes(text, start)
    for m in _CAND.finditer(text, start, end):
        pos = _decide(text, m, end, lower, quotes)
        if pos > cuts[-1]:
            cuts.append(pos)
    if not lower:
        glued = _glued_cuts(text, start, end)
        if glued:
            cuts = sorted({*cuts, *glued})
    cuts.append(end)
    spans = (_strip_span(text, a, b) for a, b in zip(cuts, cuts[1:]))
    return [sp for sp in spans if sp]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Stripped, ordered, non-empty, non-overlapping sentence spans inside text[start:end]."""
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    if start >= end:
        return []
    spans: list[Span] = []
    for a, b in _hard_segments(text, start, end):
        spans.extend(_split_segment(text, a, b))
    return spans
