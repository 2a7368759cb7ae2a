"""Direct quotations in one article, each with the person who said it (attribution by rules)."""

# Hand-written rules, not a parser: no spaCy model or NLTK data exists here, and the attribution
# patterns of news prose are few and regular enough that regexes and word lists cover them.

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property, lru_cache
from pathlib import Path

__all__ = ["Quote", "find_quotes", "canonical_speaker", "same_person", "surname", "is_person_name"]


@dataclass(frozen=True)
class Quote:
    """A direct quotation: `text[start:end]` is the quoted text without its marks (one span even
    when it runs over several sentences or paragraphs). `speaker` is the person's name as the
    article writes it in full ("Ash Carter"), `speaker_start`/`speaker_end` the mention the
    attribution used ("Carter", "he"), `role` the title the article gives ("Defense Secretary").
    `inherited`: no attribution of its own; the speaker is that of the quote it continues."""

    start: int
    end: int
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    role: str | None
    inherited: bool


# Quoted phrases this short inside a sentence with no attribution are scare quotes, not quotes.
SCARE_MAX_WORDS = 3
# Title-case quoted phrases up to this length with no attribution are titles of works.
TITLE_MAX_WORDS = 8
# The place names a person is not (`_places`), one a line.
PLACES_FILE = "places-v1.txt"
# A line ending in a colon before a quotation, this short or shorter, introduces it ("Cruz continued:").
LEAD_IN_MAX_WORDS = 12
# How far before a pronoun its person may be named (characters); beyond it the pronoun is unresolved.
PRONOUN_REACH = 3000

_OPEN, _CLOSE, _BOTH = "“«", "”»", '"'
_MARK_RE = re.compile(f"[{re.escape(_OPEN + _CLOSE + _BOTH)}]")
_VERBS = (
    "said say says saying told tell tells telling added add adds adding asked asks asking warned warns warning "
    "explained explains explaining wrote writes writing declared declares declaring stated states stating "
    "insisted insists insisting noted notes noting argued argues arguing recalled recalls recalling described "
    "describes describing called calls calling tweeted tweets tweeting continued continues continuing replied "
    "replies replying responded responds responding concluded concludes concluding offered offers "
    "claimed claims claiming admitted admits admitting acknowledged acknowledges announced announces "
    "suggested suggests suggesting remarked remarks remarking promised promises promising pledged pledges "
    "vowed vows urged urges assured assures shouted shouts chanted chants yelled joked jokes quipped quips "
    "countered counters predicted predicts observed observes emphasized emphasizes stressed stresses "
    "conceded concedes complained complains boasted boasts mused muses posted posts thundered "
    "accused accuses accusing blamed blames labeled labels dubbed dubs referred refers cited cites "
    "reported reports read reads wondered wonders lamented laments charged charges demanded demands "
    "explaining answered answers confirmed confirms denied denies agreed agrees repeated repeats "
    "exclaimed exclaims proclaimed proclaims announced insisted went warning implied implies pondered "
    "commented comments derided blasted decried casting cast barked boomed surmised whispered sang sings "
    "riffed gushed scoffed snapped fumed remembered questioned recounted reiterated revealed reveals "
    "laughed laughs chuckled"
).split()


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching exactly `words`, as a trie of their letters: the same
    words as their alternation, but tried letter by letter, not word by word (two hundred verbs)."""
    root: dict = {}
    for word in words:
        node = root
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}  # a word ends here

    def emit(node: dict) -> str:
        branches = [re.escape(letter) + emit(child) for letter, child in sorted(node.items()) if letter]
        if not branches:
            return ""
        either = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{either})?" if "" in node else either

    return emit(root)


# The verbs as a trie: the same matches as their alternation longest first (tests/test_quotes.py),
# tried in the same order (along the text, the longest verb first), so every pattern reading it
# matches the same; letter by letter, not two hundred words at each position (4x faster alone;
# the attribution's lazy phrases try it at each step).
_VERB_TRIE = _trie(set(_VERBS))
_ADV = (
    r"(?:also|has|had|have|would|will|later|then|again|previously|reportedly|repeatedly|once|simply|just|"
    r"recently|further|flatly|publicly|privately|never|often|even|only|quickly|directly|specifically|"
    r"bluntly|angrily|explicitly|famously|once|subsequently|earlier|went on to|frequently|has since|"
    r"herself|himself|told)"
)
_PRONOUN = r"(?:[Hh]e|[Ss]he)"
# A speaker phrase's characters: no clause punctuation, but a title's or an initial's full stop
# ("said former Pennsylvania Gov. and DNC Chairman Ed Rendell", "said Rep. G.K. Butterfield").
_PHRASE = r"(?:[^,.;:!?\"“”()\n]|(?:(?<=Gov)|(?<=Sen)|(?<=Rep)|(?<=Gen)|(?<=Dr)|(?<=Mr)|(?<=Mrs)|(?<=Ms)|(?<=St)|(?<=Lt)|(?<=Col)|(?<=\s[A-Z])|(?<=\.[A-Z]))\.)"
# What opens the words after a verb of saying that name no speaker ("said in an interview", "said
# that ...", "said last week").
_NO_SPEAKER_OPENERS = r"(?:in|on|at|to|for|with|from|by|of|after|before|during|about|that|this|last)"
_CONJUNCTIONS = r"(?:while|whereas|although|though|but|and|when|because|since|if|before|after|until|unless)"
# Words of a capitalized run that title a person rather than name them ("Defense Secretary").
_TITLES = frozenset(
    "mr mr. mrs mrs. ms ms. miss dr dr. sen sen. senator rep rep. representative gov gov. governor mayor "
    "president vice former secretary state defense defence minister prime foreign chief general gen gen. "
    "lt lt. col col. adm adm. judge justice attorney speaker house majority minority leader chairman "
    "chairwoman chair director ambassador democratic republican democrat gop press spokesman spokeswoman "
    "rev rev. pope king queen prince sheriff officer deputy assistant commissioner candidate nominee u.s. us "
    "american russian syrian national security adviser advisor campaign manager of the presidential "
    "sergeant sgt. professor prof. gen. lieut. first lady senior frontrunner hopeful contender rival "
    "businessman billionaire mogul strategist pollster host anchor commentator analyst author columnist "
    "white texas florida ohio new york vermont sens. reps. govs. mr.trump sir dame lord lady assemblyman "
    "assemblywoman congressman congresswoman councilman councilwoman whip ceo founder chairwoman "
    # a company's and a local government's titles ("Chief Executive Satya Nadella")
    "executive financial operating supervisor chancellor councillor councilor superintendent treasurer".split()
)
# Capitalized words that open a clause but name nobody.
_NOT_NAMES = frozenset(
    "however but and when while if so then also yet still meanwhile moreover instead thus indeed though "
    "although because since after before during as at on in of for with without by from to into this that "
    "these those it its they we i you our my his her their there here what why how who where which "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december today yesterday tonight speaking according asked "
    "earlier later last next now once perhaps like unlike even only just both either neither each every "
    "some many most several no not one two three said says told the a an he she "
    # words that open a question or a clause before a surname ("Despite Rubio's lead", "Does Rubio")
    "despite amid whether does did was were is are could would should might must another "
    # sentence adverbs ("Likewise, a paper from the Brookings Institution had this to say")
    "likewise furthermore nevertheless nonetheless similarly additionally already".split()
)
# A capitalized run with one of these words is an organisation or a place, not a person.
_ORG_WORDS = frozenset(
    "department ministry party committee council union nations agency office service center centre "
    "institute university college school foundation association organization organisation coalition club "
    "group network company corp inc bank fund army navy force forces guard police congress senate "
    "assembly parliament administration government commission board bureau airlines media magazine radio "
    "tv television county city valley river beach island airport hospital church times post news journal "
    "street tribune herald press daily weekly review report today pentagon kremlin house court states "
    "state america americans republicans democrats twitter facebook instagram youtube google cnn msnbc "
    "nbc abc cbs fox reuters afp ap bloomberg politico breitbart huffpost huffington usa gallup "
    "campaign caucus convention debate poll polls survey act bill plan program project initiative "
    "summit conference council iraq iran syria russia china israel mexico europe africa isis isil "
    "islamic god christ lord monday tuesday wednesday thursday friday saturday sunday january february "
    "march april june july august september october november december obamacare medicare medicaid "
    "brexit university prize award book film show series station channel project federation republic "
    # a body, a place, a war or an award ("Academy of Motion Picture Arts", "San Diego", "World War One")
    "academy chamber corps san war awards guild "
    # places and titles that took a he or a she in fulltext-dev ("Jurassic Park", "West Avenue K", "World
    # Privacy Forum", "Upper West Side", "Vanity Fair")
    "park avenue forum road square boulevard side fair "
    # armed and political movements ("Nusra Front" took the seeds' "he" urging Moscow)
    "front brigade brigades militia movement alliance taliban hezbollah hamas qaeda".split()
)
_PARTICLES = r"(?:de|da|del|della|di|du|van|von|der|den|la|le|al|bin|ibn|of)"
_PARTICLE_WORDS = frozenset(_PARTICLES[3:-1].split("|"))
_NAME_PARTICLES = _PARTICLE_WORDS - {"of"}
_CAPWORD = r"(?:(?:al|el|ad|as|bin|ibn)-)?(?:Mc|Mac|O['’])?[A-Z][\w’'.-]*"
# The lookahead is the first letters a run can have (an article's a, e, b, i, or a capital): it
# matches nothing more or less, and spares the search trying every position (2x on news text).
_RUN = re.compile(rf"(?=[aebiA-Z]){_CAPWORD}(?:[ \t]+(?:{_PARTICLES}[ \t]+)?{_CAPWORD})*")
# `_RUN` where no run can open with a prefix ("al-", "bin-"): a run opens at a capital, and its
# first word's "Mc"/"O'" is what `[\w’'.-]*` takes anyway (the same spans); a pattern opening with
# a set of letters, which the regex engine skips to (2.8x faster than the lookahead on news text).
_CAPITAL_RUN = re.compile(rf"[A-Z][\w’'.-]*(?:[ \t]+(?:{_PARTICLES}[ \t]+)?{_CAPWORD})*")
# Where a run could open with a prefix: a "-" (a literal the engine scans for) after one, before a capital.
_PREFIXED = re.compile(r"-(?:(?<=al-)|(?<=el-)|(?<=ad-)|(?<=as-)|(?<=bin-)|(?<=ibn-))[A-Z]")
_ROLE_NP = (
    r"(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Tt]his|[Tt]hat)\s+(?:[\w.-]+\s+){0,4}?"
    r"(?:officials?|spokes(?:man|woman|person)|ministers?|secretary|sources?|statement|police|ministry|"
    r"president|mayor|chief|aide|aides|adviser|advisers|advisor|senator|congressman|congresswoman|"
    r"lawmaker|lawmakers|candidate|nominee|campaign|governor|leader|chairman|director|expert|analyst|"
    r"strategist|report|memo|letter|release|group|organization|committee|agency|ad|post|tweet|website|"
    r"network|newspaper|member|members|paper|article|magazine|woman|man|voter|supporter|protester|businessman|billionaire|"
    r"reporter|host|anchor|author|writer|democrat|republican))"
)
_SUBJECT = rf"(?P<who>{_ROLE_NP}|{_PRONOUN}|{_RUN.pattern})"
_RELATIVE = re.compile(r"(?:,\s*|\s)who\s*$")
# A party and state after a name ("(D-MA)", "(R-S.C.)", "(D)"), not an acronym of the body before it ("(UCEA)").
_PARTY = r"\s*\([DRI](?:-[^()]{1,20})?\)"
_PARTY_TAG = rf"(?:{_PARTY})?"
_PARENTHESIS_TAIL = re.compile(rf"{_PARTY}\Z")
_PRONOUN_RE = re.compile(_PRONOUN)
_PRONOUN_WORD = re.compile(rf"\b{_PRONOUN}\b")
_SENTENCE_END_AFTER = re.compile(r"[.!?](?=\s|$)|[“\"]")


_ADV_TAIL = re.compile(rf"(?:[\s,]+{_ADV}\b)+\s*$|(?:\s+on\s+(?:\w+day|[A-Z]\w+\s+\d+))\s*$")
# The last character that `_SPEECH.tail_subject` (`_ADV_TAIL`) cannot match: every character of a match,
# which runs to the text's end, is a word character, ’ ' . - or a space (a word character, a space
# or a comma), so no match starts before it, and the search (which tries every position, each
# trying the subject's three patterns) starts after it. Possessive: one pass over the text.
_TAIL_SUBJECT_CUT = re.compile(r"[^\w’'.\-\s][\w’'.\-\s]*+\Z")
_ADV_TAIL_CUT = re.compile(r"[^\w\s,][\w\s,]*+\Z")


class _Speech:
    """The patterns that find who speaks, each compiled on first use: a summary without the
    comparison never asks for a speaker, and compiling them is about 40 ms of a process's start."""

    @cached_property
    def after_subj_verb(self) -> re.Pattern[str]:
        return re.compile(rf"^[\s,—–-]*{_SUBJECT}{_PARTY_TAG}(?:[\s,]+{_ADV})*\s+{_VERB_TRIE}\b")

    @cached_property
    def after_phrase_verb(self) -> re.Pattern[str]:
        # '," White House press secretary Josh Earnest said': any short phrase between the quote and the verb.
        # Not a clause a conjunction opens ('..." -- while a separate story simply reported'): its
        # subject speaks of something else.
        return re.compile(
            rf"^[\s,—–-]*+(?!{_CONJUNCTIONS}\b)(?P<who>{_PHRASE}{{1,80}}?){_PARTY_TAG}(?:[\s,]+{_ADV})*\s+{_VERB_TRIE}\b"
        )

    @cached_property
    def after_appositive(self) -> re.Pattern[str]:
        # '," Fred Kagan, director of the Critical Threats Project, said'
        return re.compile(rf"^[\s,—–-]*(?P<who>{_RUN.pattern}),\s[^\"“”\n]{{1,150}}?,\s+(?:{_ADV}\s+)*{_VERB_TRIE}\b")

    @cached_property
    def after_verb_subj(self) -> re.Pattern[str]:
        return re.compile(rf"^[\s,—–-]*(?:{_ADV}\s+)?{_VERB_TRIE}\s+(?P<who>{_PHRASE}{{1,80}})")

    @cached_property
    def closing_clause(self) -> re.Pattern[str]:
        # '“It makes for a compelling story” if you have blackouts, Mr. Powers said.': the speaker
        # named where the quote's sentence ends, a few words after its verb maybe ("..., Republican
        # candidate Ben Carson said after the attacks.").
        return re.compile(
            rf",\s+(?P<who>{_PHRASE}{{1,60}}?)(?:[\s,]+{_ADV})*\s+{_VERB_TRIE}(?:\s+[^\s,;:\"“”]+){{0,4}}\s*$"
        )

    @cached_property
    def closing_verb_first(self) -> re.Pattern[str]:
        # '"..." that Sanders can catch Clinton, said Steve Elmendorf, deputy campaign manager ...':
        # the verb, then the speaker and an appositive, where the quote's sentence ends.
        return re.compile(
            rf",\s+(?:{_ADV}\s+)?{_VERB_TRIE}\s+(?!{_NO_SPEAKER_OPENERS}\b)(?P<who>{_PHRASE}{{1,60}}?)(?:,[^\"“”\n]{{0,150}}?)?\s*$"
        )

    @cached_property
    def cited(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        """'according to X', 'cited X as saying', each with a word it needs: where the word is
        absent, the search (which tries every position of the text, none of them opening with a
        literal the regex engine scans for) is skipped."""
        according = r"\baccording\s+to\s+(?P<who>[^,;:!?\"“”()\n]{1,80}?)(?=[,;:!?\"“”()\n]|\.(?:\s|$)|$)"
        return ((re.compile(according), "according"), (self.cited_as_saying, "cit"))

    @cached_property
    def cited_as_saying(self) -> re.Pattern[str]:
        return re.compile(rf"\bcit(?:ed|ing)\s+{_SUBJECT}\s+as\s+saying")

    @cached_property
    def verb(self) -> re.Pattern[str]:
        return re.compile(rf"\b{_VERB_TRIE}\b")

    @cached_property
    def appositive(self) -> re.Pattern[str]:
        return re.compile(
            # no place a preposition opens the sentence with ("In Florida, Carlos Beruff said")
            rf"(?<!\b[Ii]n )(?<!\b[Aa]t )(?<!\b[Oo]n )(?<![Ff]rom )(?!(?:In|At|On|From)\s)(?P<who>{_RUN.pattern}),\s+(?:\d+,\s+)?"
            rf"(?:the|a|an|who|whose|which|[a-z]+ing|[A-Z][\w.-]*)\b[^,“”\"]{{1,90}},?\s*$"
        )

    @cached_property
    def tail_subject(self) -> re.Pattern[str]:
        return re.compile(rf"{_SUBJECT}\s*$")


_SPEECH = _Speech()
_ABBREV = frozenset(
    "mr mrs ms dr sen rep gov gen lt col st jr sr vs no u.s u.n d.c jan feb aug sept oct nov dec".split()
)
_SENT_END = re.compile(r"[.!?…][\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9])")
_LOOKAHEAD_OPENERS = '"“‘('  # what `_SENT_END`'s lookahead passes over before its letter or digit
_NON_SPACE_RE = re.compile(r"\S+")
_FEMALE = frozenset(
    "hillary chelsea michelle melania ivanka nancy elizabeth sarah kellyanne huma donna debbie hope "
    "jennifer mary susan karen linda barbara patricia margaret lisa laura kate katie kelly megyn nikki "
    "carly condoleezza madeleine loretta samantha anna anne ann jill jane joni kirsten tammy amy claire "
    "dianne maxine marsha jeanne jeanine ruth sonia elena theresa angela marine ellen emily rachel "
    "omarosa tulsi kamala stephanie heidi sheila jessica julie maria rosa "
    # common given names of women in English-language news, and of Arabic, Spanish, French,
    # German, Italian, Slavic and South Asian women it quotes
    "abigail alexandra alice alicia alison allison amanda amber andrea angelina angelique anita annie "
    "april ashley audrey barbra beatrice becky belinda beth betsy betty beverly bonnie brenda brianna "
    "brianne bridget brittany brooke caitlin camila candace carmen carol caroline carolyn catherine cathy "
    "cecilia charlotte cheryl christina christine cindy claudia colleen courtney crystal cynthia daisy "
    "danielle daphne darlene dawn deborah debra denise diana diane dolores doris dorothy edith "
    "eileen elaine eleanor elisa elise ella eloise emilia emma erica erin esther eva evelyn fatima "
    "fiona florence frances francesca gabriela gabrielle gail gemma georgia gillian gina gloria grace "
    "gretchen gwen hannah harriet hazel helen helena holly ingrid irene iris isabel isabella jacqueline "
    "jade janet janice jasmine jeanette jenna jenny joan joanna joanne jocelyn josephine joy joyce "
    "judith judy julia juliana juliet june justine karin kathleen kathryn kathy katherine katrina kay "
    "kayla keisha kimberly kristen kristin krista laila latoya lauren leah leila leslie lillian lily "
    "lindsay lois lori louise lucia lucy lydia lynn mackenzie madison mallory marcia margarita "
    "marguerite maribel marie marilyn marion marisa marjorie marla marta martha marwa maureen maxine "
    "meghan megan melanie melissa meredith mia michaela mildred mindy miranda miriam molly monica "
    "monique nadia naomi natalia natalie natasha nina nora olga olivia paige pamela paula paulette "
    "pauline peggy penelope penny phyllis priya priyanka rania rebecca regina renee rhonda rita roberta "
    "rochelle rose rosemary roxanne ruby sabrina sally sandra sara serena shannon sharon shirley "
    "simone sofia sonja sophia sophie stacey stacy suzanne sylvia tamara tanya tara tatiana teresa "
    "tiffany tina tracy valentina valerie vanessa vera veronica vicki victoria viola violet virginia "
    "vivian wanda wendy whitney yasmin yolanda yvonne zoe zainab".split()
)
# Common given names of men, so that a name on neither list is of unknown gender (a "he" and a
# "she" may both mean it), not a man's: "she said" once skipped every woman not on the list above.
_MALE = frozenset(
    "aaron abdul abdullah adam adrian ahmed alan albert alex alexander alfred ali allen andrew andy "
    "angus anthony antonio arthur austin barack ben benjamin bernard bernie bill billy bob bobby brad "
    "bradley brandon brendan brett brian bruce bryan carl carlos chad charles charlie chris christian "
    "christopher chuck clarence clint cory craig dale dan daniel danny darrell dave david dean dennis "
    "derek dick don donald doug douglas duncan dwight earl ed eddie edward eli elijah emmanuel eric "
    "ernest eugene evan frank franklin fred frederick gary gavin george gerald glenn gordon graham "
    "greg gregory hank harold harry hassan henry herbert howard hugh hussein ian isaac jack jacob "
    "jake james jamie jared jason jeb jeff jeffrey jeremy jerry jesse jim jimmy joe joel john johnny "
    "jon jonathan jorge jose joseph josh joshua juan julian justin keith ken kenneth kevin khalid "
    "kyle larry lawrence lee leon leonard lewis lindsey louis luis luke lyndon malcolm marco marcus "
    "mario mark martin matt matthew max michael miguel mike mitch mitt mohammed muhammad nathan neil "
    "newt nicholas nick nigel noah norman oliver omar oscar owen pablo patrick paul pedro peter phil "
    "philip pierre rafael ralph rand randy ray raymond reince richard rick ricky rob robert roger "
    "ron ronald ross roy rudy russell ryan sam samuel scott sean sergei seth stanley stephen steve "
    "steven stuart ted terry thomas tim timothy todd tom tommy tony travis trent troy tyler victor "
    "vincent vladimir walter warren wayne william willie xavier yusuf zach zachary "
    # given names that are also common words ("the rich", "a grant"), kept as names
    "rich will grant pat drew guy miles jay hunter cliff chase rush major marc milton denis corey".split()
)


@dataclass(frozen=True)
class _Person:
    start: int  # the mention: the name as written, titles left out
    end: int
    name: str
    role: str | None
    female: bool | None
    subject: bool  # the first person its sentence names: who a later "he" or "she" most likely is


@dataclass(frozen=True)
class _Said:
    start: int
    end: int
    name: str | None  # None: a pronoun still to resolve
    role: str | None
    pronoun: bool
    # Said to speak (a speech verb, "according to", a colon), not only the subject of the
    # quote's sentence ("Smith starred in “The Long Night”": Smith speaks no title).
    told: bool = True


def find_quotes(text: str, blocks: Sequence[tuple[int, int]]) -> list[Quote]:
    """Every direct quotation in the article's body `blocks` (paragraph spans of `text`)."""
    stretches = _stretches(text, blocks)
    if not stretches:  # no quotation: the people and speakers are not needed
        return []
    inside = _Spans((s, e) for s, e, _ in stretches)
    starts = _SentenceStarts(text, blocks)
    people = _people(text, blocks, inside, starts)
    quotes: list[Quote] = []
    # who spoke last: what an unattributed quote opening a paragraph continues
    spoke = _LastSpeakers(text, blocks, people, inside)
    for k, here in enumerate(_in_blocks(stretches, blocks)):
        if not here:  # no quotation opens here: nothing to attribute or resolve (and none to continue)
            spoke.quotes.append([])
            continue
        block_start = blocks[k][0]
        found = [(s, e, _attribute(text, block_start, s, e, opening, people, starts)) for s, e, opening in here]
        opens = _opens_with_quote(text, block_start)
        lead = _lead_in(text, blocks[k - 1][0] if k else 0, block_start, people, inside) if opens else None
        last = (lead or spoke.before(k)) if opens else None
        spoke.quotes.append(_resolve(text, found, last, people, inside, opens=opens))
        quotes += spoke.quotes[-1]
    return quotes


def _lead_in(text: str, lo: int, hi: int, people: list[_Person], inside: _Spans) -> _Said | None:
    """The speaker a lead-in names just before a paragraph that opens with a quotation ("Reporter
    Jomana Karadsheh says:", "He said:", "Cruz continued:"): a line `clean` leaves out of the body,
    as it never ends a sentence, or the last sentence of the paragraph before, ending in a colon.
    Without a verb of saying, only a person the body names ("Stated Stone:" is Roger Stone;
    "Partial transcript as follows:" names nobody)."""
    gap = text[lo:hi].rstrip()
    if not gap.endswith(":"):
        return None
    start = max(gap.rfind("\n"), -1) + 1
    start += max((m.end() for m in _SENT_END.finditer(gap, start)), default=start) - start  # its last sentence
    line = gap[start:]
    if len(line.split()) > LEAD_IN_MAX_WORDS:
        return None
    offset = lo + start + (len(line) - len(line.lstrip()))
    said = _before(text, offset, line.strip(), people)
    if said is not None and said.pronoun:
        return _pronoun(text, said, people, inside)
    if said is not None and said.told:
        return said
    last = line.rstrip(":").split()[-1] if said is None else ""
    person = next((p for p in people if p.start < lo and surname(p.name) == last.lower()), None) if last else None
    return _Said(offset, offset + len(line.strip()), person.name, person.role, False) if person else said


def quoted_stretches(
    text: str, blocks: Sequence[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The spans `find_quotes` keeps as quotations whoever speaks them, and those it keeps only
    when someone is said to (scare quotes, titles): what segmentation needs, without the people
    and speakers that are most of `find_quotes`'s time."""
    kept: list[tuple[int, int]] = []
    unless: list[tuple[int, int]] = []
    for s, e, _ in _stretches(text, blocks):
        if _quotable(text, s, e):
            (unless if _needs_speaker(text, s, e) else kept).append((s, e))
    return kept, unless


def _in_blocks(
    stretches: list[tuple[int, int, int]], blocks: Sequence[tuple[int, int]]
) -> list[list[tuple[int, int, int]]]:
    """The stretches that start in each block, in order: by the block before each stretch's start
    when the blocks are in order and apart (as `clean` gives them), else each block's own pass."""
    lows = [lo for lo, _ in blocks]
    if any(lo > hi for lo, hi in blocks) or any(a[1] > b[0] for a, b in zip(blocks, blocks[1:])):
        return [[t for t in stretches if lo <= t[0] < hi] for lo, hi in blocks]
    out: list[list[tuple[int, int, int]]] = [[] for _ in blocks]
    for t in stretches:
        k = bisect.bisect_right(lows, t[0]) - 1
        if k >= 0 and t[0] < blocks[k][1]:
            out[k].append(t)
    return out


class _LastSpeakers:
    """Who spoke last by the end of each paragraph (`_last_speaker` of each in turn), found only
    for the paragraphs before one that opens with a quotation (no other asks: a one-paragraph
    article needs none). A paragraph's own speaker, else the one before it: each found once."""

    def __init__(self, text: str, blocks: Sequence[tuple[int, int]], people: list[_Person], inside: _Spans) -> None:
        self.text, self.blocks, self.people, self.inside = text, blocks, people, inside
        self.quotes: list[list[Quote]] = []  # per paragraph so far, its quotations
        self.own: dict[int, _Said | None] = {}

    def before(self, k: int) -> _Said | None:
        """Who spoke last by the end of paragraph k - 1 (None: nobody yet)."""
        for j in range(k - 1, -1, -1):
            if j not in self.own:
                lo, hi = self.blocks[j]
                self.own[j] = _last_speaker(self.quotes[j], self.text, lo, hi, self.people, self.inside)
            if self.own[j] is not None:
                return self.own[j]
        return None


# Quote marks ---------------------------------------------------------------------------------


def _stretches(text: str, blocks: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(start, end, opening-mark offset) of quoted stretches, marks excluded; a quote left open
    at a paragraph's end that the next paragraph reopens is one stretch (news convention)."""
    out: list[tuple[int, int, int]] = []
    carry: tuple[int, int, int] | None = None  # (start, opening, paragraph end) of a quote left open
    for start, end in blocks:
        spans = _marks(text, start, end)
        if carry is not None:
            if spans and spans[0][2] == _first_char(text, start):
                spans[0] = (carry[0], spans[0][1], carry[1])
            else:
                out.append((carry[0], carry[2], carry[1]))
            carry = None
        for s, e, o in spans:
            if e < 0:
                carry = (s, o, end)
            else:
                out.append((s, e, o))
    if carry is not None:
        out.append((carry[0], carry[2], carry[1]))
    return [t for t in (_trim(text, s, e, o) for s, e, o in out) if t]


def _marks(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    opened: int | None = None
    for m in _MARK_RE.finditer(text, start, end):  # only the marks change the state
        i, ch = m.start(), m.group()
        if opened is None and (ch in _OPEN or (ch in _BOTH)):
            opened = i
        elif opened is not None and (ch in _CLOSE or ch in _BOTH):
            spans.append((opened + 1, i, opened))
            opened = None
    if opened is not None:
        spans.append((opened + 1, -1, opened))
    return spans


def _first_char(text: str, start: int) -> int:
    while start < len(text) and text[start].isspace():
        start += 1
    return start


def _opens_with_quote(text: str, start: int) -> bool:
    i = _first_char(text, start)
    return i < len(text) and text[i] in _OPEN + _BOTH


def _trim(text: str, start: int, end: int, opening: int) -> tuple[int, int, int] | None:
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return (start, end, opening) if end > start else None


# People named in the article ---------------------------------------------------------------


# A capitalized run parsed as a person's mention: start, end, the name's words, a title, titled.
_Run = tuple[int, int, tuple[str, ...], str | None, bool]


def _people(text: str, blocks: Sequence[tuple[int, int]], inside: _Spans, starts: _SentenceStarts) -> list[_Person]:
    """Person mentions outside quotes, in text order, each with its full name and title."""
    runs: list[_Run] = []
    block_of: dict[int, int] = {}
    # `_inside` written out and the memo read directly: this loop meets every capitalized run of the article
    parse, opens, reach = _parse_run_text, inside.starts, inside.reach
    common = _CommonWords(text)
    for start, end in blocks:
        for m in _runs(text, start, end):
            at = m.start()
            k = bisect.bisect_right(opens, at)
            if k and reach[k - 1] > at:  # inside a quotation
                continue
            parsed = parse(m.group())
            if parsed is not None:
                s, e, tokens, role, titled = parsed
                if len(tokens) >= 2 and _name_cut(tokens) != (0, None):  # a word to cut, or to ask of
                    s, tokens = _given_name_first(text, at, s, tokens, common)
                runs.append((at + s, at + e, tokens, role, titled))
                block_of[at + s] = start
    runs = _without_places(runs)
    full = [r for r in runs if len(r[2]) >= 2 or r[4]]
    surnames = {r[2][-1].lower() for r in full}
    # `_full_name` and `_known_role` kept as lookups as the people are found (each was a walk back
    # over every earlier person): a surname's latest full name, its first in the article, a
    # name's latest role
    first: dict[str, str] = {}
    for r in full:
        if len(r[2]) >= 2:
            first.setdefault(r[2][-1], " ".join(r[2]))
    roles: dict[str, str] = {}
    named: dict[str, dict[str, None]] = {}  # a surname's full names so far, in the order last named
    people: list[_Person] = []
    # a single name whose own reported clause opens in he/she is a person ("Meghan revealed she")
    told = {
        r[2][0].lower()
        for r in runs
        if len(r[2]) == 1 and not _is_pronoun_or_common(r[2][0]) and _OWN_PRONOUN_RE.match(text, r[1])
    }
    for s, e, tokens, role, titled in runs:
        if len(tokens) == 1 and not titled and tokens[0].lower() not in surnames and tokens[0].lower() not in told:
            continue
        if len(tokens) >= 2:
            name = " ".join(tokens)
            same = named.get(tokens[-1])
            if same is None:
                named[tokens[-1]] = {name: None}
            elif len(same) > 1 or name not in same:
                same.pop(name, None)  # to the end: the order last named
                same[name] = None
        else:
            same = named.get(tokens[0])
            if same is None:
                name = first.get(tokens[0], tokens[0])
            elif len(same) == 1:  # one full name (almost every surname): no choice
                name = next(iter(same))
            else:
                name = _bare_surname(text, e, role, same)
                del same[name]  # to the end: "Mrs. Clinton" names her last
                same[name] = None
        female = _gender(name, role)
        sentence = starts.at(block_of[s], s)
        subject = not people or people[-1].start < sentence
        people.append(_Person(s, e, name, role or roles.get(name), female, subject))
        if people[-1].role:
            roles[name] = people[-1].role
    return _own_pronouns(text, people)


def _without_places(runs: list[_Run]) -> list[_Run]:
    """The runs less those naming a place ("Former Arizona governor Jan Brewer": Arizona is no she),
    unless the word is the surname of a person the article names in full ("Kerry Washington")."""
    places = _places()
    names = [" ".join(r[2]).lower() for r in runs]
    family = {r[2][-1].lower() for r, n in zip(runs, names) if len(r[2]) >= 2 and n not in places}
    return [r for r, n in zip(runs, names) if n not in places or (len(r[2]) == 1 and n in family)]


def _bare_surname(text: str, end: int, role: str | None, names: dict[str, None]) -> str:
    """The full name a bare surname (ending at `end`) means, of the article's two or more full
    names so far with that surname (`names`, the one named last at its end), as where two people
    share it (Bill and Hillary Clinton): the last named of those whose gender the mention tells
    ("Mrs. Clinton", "Clinton said she"), else the one named last. (The surname alone where the mention does not tell gave
    up 26 right names on PolNeAR train and dev to avoid 15 wrong ones: docs/benchmarks.md.)"""
    order = list(names)
    told = _role_gender(role)
    if told is None:
        m = _OWN_PRONOUN_RE.match(text, end)
        told = m.group("pronoun").lower() == "she" if m else None
    if told is not None:
        people = [n for k, n in enumerate(order) if not any(same_person(n, m) for m in order[k + 1 :])]
        fits = [n for n in people if _gender(n, None) == told]
        if fits:
            return fits[-1]
    return order[-1]


def _given_name_first(
    text: str, at: int, s: int, tokens: tuple[str, ...], common: _CommonWords
) -> tuple[int, tuple[str, ...]]:
    """A run's name words from the first that can be a given name: after a possessive ("North
    Carolina’s Ada Fisher", "Boston’s Walsh") and a common word the place capitalized ("Does
    Rubio": Rubio), with the offset in the run of the first word kept."""
    cut, ask = _name_cut(tokens)
    if ask is False:
        ask = common.written(tokens[cut].lower())
    if ask:
        cut += 1
    if cut == 0:
        return s, tokens
    for t in tokens[:cut]:
        s = text.index(t, at + s) - at + len(t)
    return text.index(tokens[cut], at + s) - at, tokens[cut:]


@lru_cache(maxsize=16384)
def _name_cut(tokens: tuple[str, ...]) -> tuple[int, bool | None]:
    """What `_given_name_first` needs of a run's words, remembered (the article's text aside): the
    words a possessive ends (how many), and whether the next is no given name (True), may be one
    the article writes in lower case (False: to look up), or is kept (None)."""
    cut = max((n + 1 for n, t in enumerate(tokens[:-1]) if t.endswith(("’s", "'s"))), default=0)
    if len(tokens) - cut < 2:
        return cut, None
    lower = tokens[cut].lower()
    if _given(lower) or lower in _PARTICLE_WORDS:
        return cut, None
    return cut, lower.endswith(("ing", "ly")) and len(lower) > 5  # "Regarding Trump", "Interestingly Blocher"


_WORD_CHAR = re.compile(r"\w")


class _CommonWords:
    """Whether the article writes a word in lower case, each word looked up once: a capitalized
    word that the article also writes so is a common word capitalized by its place ("Does Rubio",
    "Team Clinton" open a sentence or a headline), not a given name, unless it is one. (A literal
    scan for the word: reading all the article's words into a set first made `find_quotes` a
    quarter slower.)"""

    def __init__(self, text: str) -> None:
        self.text = text
        self.seen: dict[str, bool] = {}

    def written(self, lower: str) -> bool:
        """Whether `lower` stands in the text as a word of its own (what `\\b[a-z]+\\b` finds)."""
        found = self.seen.get(lower)
        if found is None:
            found = self.seen[lower] = self._scan(lower)
        return found

    def _scan(self, lower: str) -> bool:
        if not (lower.isascii() and lower.isalpha()):
            return False
        text, n = self.text, len(lower)
        i = text.find(lower)
        while i >= 0:
            if (i == 0 or not _WORD_CHAR.match(text[i - 1])) and not _WORD_CHAR.match(text, i + n):
                return True
            i = text.find(lower, i + 1)
        return False


# "Hasib said he", "Symonette said she was not surprised": a person's reported clause opening in
# he/she tells the person's gender, for every mention of the name in the article.
_OWN_PRONOUN_RE = re.compile(
    r"\s+(?:\w+ly\s+)?(?:said|says|told\s+\w+|added|adds|revealed|recalled|admitted|insisted|explained|"
    r"noted|wrote|believes|believed|thinks|thought)\s+(?:that\s+)?(?P<pronoun>[Hh]e|[Ss]he)\b"
)


def _is_pronoun_or_common(token: str) -> bool:
    return bool(_PRONOUN_RE.fullmatch(token)) or token.lower() in _NOT_NAMES or token.lower() in _DETERMINERS


def _own_pronouns(text: str, people: list[_Person]) -> list[_Person]:
    """The people, each name's gender taken from its own reported clauses where the article has
    one ("Meghan revealed she"), else as `_gender` guessed it (a first name, a title)."""
    told: dict[str, bool] = {}
    for p in people:
        m = _OWN_PRONOUN_RE.match(text, p.end)
        if m:
            told.setdefault(p.name, m.group("pronoun").lower() == "she")
    if not told:
        return people
    return [replace(p, female=told[p.name]) if p.name in told and p.female != told[p.name] else p for p in people]


def _runs(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """`_RUN.finditer(text, start, end)`: by `_CAPITAL_RUN` when no run there can open with a prefix."""
    return (_RUN if _PREFIXED.search(text, start, end) else _CAPITAL_RUN).finditer(text, start, end)


_INITIAL = re.compile(r"[A-Z]\.|[JS]r\.")  # the full stops a name may hold


@lru_cache(maxsize=16384)
def _parse_run_text(run: str) -> tuple[int, int, tuple[str, ...], str | None, bool] | None:
    """A capitalized run split into title words and name words (offsets within it; None when it
    names no person), remembered: a story's articles name the same people again and again (a
    tuple of tokens, so that no caller shares a list). One word (most runs) by `_parse_word`; the words
    by `str.split` and each lowered once, its kept words `words[i:k]` by index (the same result as
    popping `_NON_SPACE_RE`'s matches: a run's words are apart by spaces and tabs only)."""
    if " " not in run and "\t" not in run:
        return _parse_word(run)
    words = run.split()
    lower = [w.lower() for w in words]
    i, k = 0, len(words)
    while i < k and lower[i].strip(".,") in _NOT_NAMES:
        i += 1
    title: list[str] = []
    while k - i > 1 and _is_title(lower[i]):
        title.append(words[i])
        i += 1
    if "of" in lower:
        i, k = _of_phrase(words, lower, title, i, k)
    inner = [j for j in range(i, k - 1) if _is_title(lower[j])]
    if inner and words[inner[-1]][:1].isupper():  # "Massachusetts Democratic Sen. Elizabeth Warren"
        title += words[i : inner[-1] + 1]
        i = inner[-1] + 1
    while k > i and lower[k - 1] in ("of", "the", "de", "la", "al"):
        k -= 1
    if k == i:
        return None
    first_s, last_e = _word_span(run, words, i, k)
    last_w = _bare_name(words[k - 1])
    last_e -= len(words[k - 1]) - len(last_w)
    tokens = words[i : k - 1] + [last_w]
    if title and title[-1].endswith(".") and tokens[0].lower().strip(".,") in _NOT_NAMES:
        return None  # a sentence's end ("... the firm's CEO. And it"), not a title and a name
    if not _is_name(tokens):
        return None
    titled = any(t.lower().rstrip(".") in ("mr", "mrs", "ms", "miss", "dr", "sen", "rep", "gov") for t in title)
    role = " ".join(t for t in title if t.lower() not in ("the", "of") or t != title[0]) or None
    return first_s, last_e, tuple(tokens), role, titled or bool(role and len(tokens) == 1 and role[:1].isupper())


def _is_title(lower: str) -> bool:
    return lower in _TITLES or lower.rstrip(".") in _TITLES


def _of_phrase(words: list[str], lower: list[str], title: list[str], i: int, k: int) -> tuple[int, int]:
    """The person's words `words[i:k]` of a run holding "of" (its titles, `title`, extended in
    place): after a title's "X of Y", the trailing name ("Chief Financial Officer of Super Value
    Debra Symonette", "Minister of Foreign Affairs Sergei Lavrov"); before a place's or a body's
    "of", the words before it ("Alfredo Pedroza of Napa County", "Academy of Motion Picture Arts":
    a single word, a person only where the article names one so), unless a title and a full name
    follow it ("University of Texas President Greg Fenves")."""
    j = next((x for x in range(i, k) if lower[x] == "of"), None)
    if j is not None and j > i and _is_title(lower[j - 1]) and words[j - 1][:1].isupper():
        title += words[i : j + 1]  # "Financial Officer of": the body follows
        i = j + 1
        j = next((x for x in range(i, k) if lower[x] == "of"), None)
    if j is not None and j > i and not any(_is_title(lower[x]) and words[x][:1].isupper() for x in range(j + 1, k - 2)):
        k = j
    if "of" in (t.lower() for t in title) and k - i > 2:  # the body's name, then the person's
        start = k - 2
        while start > i and (_INITIAL.fullmatch(words[start]) or lower[start] in _NAME_PARTICLES):
            start -= 1
        title += words[i:start]
        i = start
    return i, k


def _parse_word(word: str) -> tuple[int, int, tuple[str, ...], str | None, bool] | None:
    """`_parse_run_text` of a run of one word: the same steps with no title, inner title or
    trailing word to find (a third of the time on the runs a story first meets)."""
    lower = word.lower()
    if lower.strip(".,") in _NOT_NAMES or lower in ("of", "the", "de", "la", "al"):
        return None
    word = _bare_name(word)
    return (0, len(word), (word,), None, False) if _is_name([word]) else None


def _bare_name(word: str) -> str:
    """A name's last word without its possessive ’s and a sentence's full stop (not an initial's)."""
    for suffix in ("’s", "'s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    if word.endswith(".") and len(word) > 3 and word.lower() not in ("jr.", "sr."):
        word = word[:-1]
    return word


def _is_name(tokens: list[str]) -> bool:
    """Whether a run's kept words can be a person's name: no organisation word or acronym, no
    full stop but an initial's ("U.S.-made", "Sen."), capitalized but for particles, the last too,
    and not a people ("South Korean", "Saudi Arabian"; but "Mark Cuban", after a given name)."""
    if len(tokens) > 1 and tokens[-1].lower() in _NATIONALITIES and not _given(tokens[0]):
        return False
    if any(t.lower().strip(".,") in _ORG_WORDS or t.isupper() and len(t.strip(".")) > 1 for t in tokens):
        # a given name that is also an organisation's word, first of several ("Bill Powers"), alone
        # is no bar (`_org_word`); asked only of the runs the plain test bars
        count = len(tokens)
        if any(_org_word(t, n, count) or t.isupper() and len(t.strip(".")) > 1 for n, t in enumerate(tokens)):
            return False
    if any("." in t and not _INITIAL.fullmatch(t) for t in tokens):
        return False
    return all(t[:1].isupper() or t.lower() in _PARTICLES for t in tokens) and not tokens[-1][:1].islower()


@cache
def _places() -> frozenset[str]:
    """Countries (ISO 3166 names, common and official), the US states and territories, Canada's
    provinces and the UK's nations, lower-cased: pycountry's data, written into the package by
    `newsfuse train` (`train.write_places`; reading pycountry itself cost 45 ms of every process)."""
    return frozenset((Path(__file__).parent / "models" / PLACES_FILE).read_text(encoding="utf-8").split("\n")) - {""}


# Nationalities and peoples: the last word of a run that names a people, not a person ("South
# Korean", "North Korean", "Saudi Arabian", "Late Roman"), unless a given name opens it.
_NATIONALITIES = frozenset(
    "american americans african asian european arab arabs arabian korean koreans chinese japanese "
    "vietnamese thai indian indians pakistani afghan iranian iranians iraqi iraqis syrian syrians saudi "
    "saudis israeli israelis palestinian palestinians lebanese jordanian egyptian egyptians turkish turk "
    "turks kurdish kurds russian russians ukrainian ukrainians polish german germans french british "
    "english scottish irish welsh spanish italian italians portuguese greek greeks dutch belgian swiss "
    "austrian swedish norwegian danish finnish canadian canadians mexican mexicans brazilian argentine "
    "argentinian chilean colombian venezuelan cuban cubans peruvian nigerian kenyan ethiopian somali "
    "sudanese libyan tunisian moroccan algerian indonesian filipino malaysian australian australians "
    "roman romans yemeni qatari emirati bahraini kuwaiti omani hispanic latino latina".split()
)


def _given(word: str) -> bool:
    """Whether a word is on a given-name list."""
    return word.lower() in _FEMALE or word.lower() in _MALE


# Words of `_ORG_WORDS` that are also given names: a name's first word before a surname ("Bill Powers").
_GIVEN_ORG_WORDS = frozenset(["bill"])


def _org_word(word: str, n: int, count: int) -> bool:
    """Whether the n-th of a run's `count` words makes it an organisation or a place."""
    lower = word.lower().strip(".,")
    return lower in _ORG_WORDS and not (n == 0 and count > 1 and lower in _GIVEN_ORG_WORDS)


def _word_span(run: str, words: list[str], i: int, k: int) -> tuple[int, int]:
    """Where words[i] starts and words[k - 1] ends in `run` (`run.split()`'s words): by their
    lengths when one space parts each (almost every run), else by the regex's matches."""
    if "  " not in run and "\t" not in run:
        start = len(" ".join(words[:i])) + 1 if i else 0
        return start, len(" ".join(words[:k]))
    found = list(_NON_SPACE_RE.finditer(run))
    return found[i].start(), found[k - 1].end()


def _role_gender(role: str | None) -> bool | None:
    """The gender a title tells ("Mrs.", "chairman"), else None."""
    words = (role or "").lower().split()
    if any(w in ("mrs.", "mrs", "ms.", "ms", "miss", "chairwoman", "spokeswoman", "lady") for w in words):
        return True
    if any(w in ("mr.", "mr", "chairman", "spokesman") for w in words):
        return False
    return None


def _gender(name: str, role: str | None) -> bool | None:
    """A name's gender: its title's, else its given name's list (a one-word name on the men's list
    is a surname as often), else None."""
    told = _role_gender(role) if role else None
    if told is not None:
        return told
    first = name.split()[0].lower()
    if first in _FEMALE:
        return True
    return False if first in _MALE and len(name.split()) >= 2 else None


class _Spans:
    """Spans (start, end) asked whether they hold a position, in O(log n): sorted by start, with
    the furthest end of each prefix (any span, overlapping or not)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach = list(itertools.accumulate((e for _, e in ordered), max))

    def __contains__(self, pos: int) -> bool:
        k = bisect.bisect_right(self.starts, pos)  # spans 0..k-1 start at or before pos
        return k > 0 and self.reach[k - 1] > pos


def _inside(pos: int, spans: _Spans) -> bool:
    return pos in spans


# Attribution ---------------------------------------------------------------------------------


def _attribute(
    text: str, block_start: int, start: int, end: int, opening: int, people: list[_Person], starts: _SentenceStarts
) -> _Said | None:
    """Who the sentence says spoke the quote at text[start:end], if it says."""
    close = end
    while close < len(text) and text[close] not in _CLOSE + _BOTH and close - end < 3:
        close += 1
    close += 1
    ended = "." in text[end:close] or text[close : close + 1] == "."  # the quote ends its sentence
    after = text[close : close + 200].split("\n")[0]
    if not ended:
        said = _after(text, close, after, people)
        if said:
            return said
    sentence = starts.at(block_start, start)
    if sentence > block_start and not text[sentence:opening].strip():
        # A quote opening its sentence: a sentence of prose before it reports it ("Dianne Bystrom
        # agreed. “...”"); after a quotation's own sentence it continues that one (`_resolve`).
        prose = starts.at(block_start, sentence - 1)
        if not _MARK_RE.search(text, prose, sentence):
            sentence = prose
    said = _before(text, sentence, text[sentence:opening], people)
    if ended or (said and said.told):
        return said
    tail = after[: _sentence_end(after)]
    stop = _full_stop(after) if "," in after else 0
    closing = (
        _SPEECH.closing_clause.search(after, 0, stop) or _SPEECH.closing_verb_first.search(after, 0, stop)
        if stop
        else None
    )
    said = (_who_match(text, close, closing, people) if closing else None) or said
    if said:
        return said
    for pattern, needed in _SPEECH.cited:
        m = pattern.search(tail) if needed in tail else None
        if m:
            return _who_match(text, close, m, people)
    return None


def _after(text: str, close: int, after: str, people: list[_Person]) -> _Said | None:
    """'," Carter said' / '," said Carter, the ...' / '," the official told reporters'."""
    cited = _SPEECH.cited_as_saying.search(after, 0, _sentence_end(after)) if "cit" in after else None
    if cited:
        return _who_match(text, close, cited, people)
    for pattern in (_SPEECH.after_subj_verb, _SPEECH.after_appositive, _SPEECH.after_phrase_verb):
        m = pattern.match(after)
        said = _who_match(text, close, m, people) if m else None
        if said:
            return said
    m = _SPEECH.after_verb_subj.match(after)
    said = _who_match(text, close, m, people) if m else None
    return said if said and (said.name or said.pronoun) else None


def _before(text: str, offset: int, before: str, people: list[_Person]) -> _Said | None:
    """The speaker named before the quote in its sentence: 'according to X', the subject of
    the last speech verb ('X described ... as', 'X, the head of ..., stated'), else the subject."""
    for pattern, needed in _SPEECH.cited:
        cited = list(pattern.finditer(before)) if needed in before else []
        if cited:
            return _who_match(text, offset, cited[-1], people)
    for verb in reversed(list(_SPEECH.verb.finditer(before))):
        if verb.group().endswith("ing"):  # "..., saying": the clause's subject speaks
            continue
        said = _subject_of(text, offset, before[: verb.start()], people)
        if said:
            return said
    if before.rstrip().endswith(":"):  # "Kasich resisted: '...'"
        said = _last_mention(text, offset, before, people)
        if said:
            return said
    return _sentence_subject(text, offset, before, people)


def _subject_of(text: str, offset: int, left: str, people: list[_Person]) -> _Said | None:
    """The subject of a speech verb whose clause is `left`: the person a role describes when
    the subject found is a name inside that role ("Chi Onwurah, the MP for Newcastle Central")."""
    said = _verb_subject(text, offset, left, people)
    return _described(text, offset, said, people) if said and not said.pronoun else said


def _verb_subject(text: str, offset: int, left: str, people: list[_Person]) -> _Said | None:
    left = _cut_adverbs(left).rstrip(" ,")
    if left.endswith(")"):  # "Sen. Elizabeth Warren (D-MA) said": the name before its party and state
        left = _PARENTHESIS_TAIL.sub("", left)
    # the appositive's comma is one of left's own (the one appended ends it)
    appositive = _SPEECH.appositive.search(left + ", ") if "," in left else None
    said = _who_match(text, offset, appositive, people) if appositive else None
    if said and (said.name or said.pronoun):
        return said
    relative = _RELATIVE.search(left) if "who" in left else None
    if relative:  # "Loretta Lynch, who told Congress": the person before "who"
        return _last_mention(text, offset, left[: relative.start()], people, pronouns=False)
    subject = _tail_search(_SPEECH.tail_subject, _TAIL_SUBJECT_CUT, left)
    return _who_match(text, offset, subject, people) if subject else None


# A person's name, then a role for or of a place or body, a relative clause after it maybe, up to
# the end: "Chi Onwurah, the Labour MP for " (+ "Newcastle Central, who has campaigned on this"),
# "Jeff Bechdel, chairman of " (+ "America Rising").
_ROLE_BEFORE = re.compile(
    rf"(?P<who>{_RUN.pattern}),\s+(?:(?:[Tt]he|[Aa]n?)\s+)?(?:[\w’'.-]+\s+){{0,4}}?"
    r"(?:for|of)\s+[^,;:“”\"\n]*?(?:,\s+who\b[^;:“”\"\n]*?)?\Z"
)


def _described(text: str, offset: int, said: _Said, people: list[_Person]) -> _Said:
    """The person a role after their name describes, when `said` is in that role (a place or a
    body the role is of: "Newcastle Central" in "Chi Onwurah, the Labour MP for Newcastle
    Central, who has campaigned on this, said"), else `said`."""
    role = _ROLE_BEFORE.search(text, offset, said.start)
    if role is None:
        return said
    person = next((p for p in people if role.start("who") <= p.start < role.end("who")), None)
    return _Said(person.start, person.end, person.name, person.role, False) if person else said


def _tail_search(pattern: re.Pattern[str], cut: re.Pattern[str], left: str) -> re.Match[str] | None:
    """`pattern.search(left)` for a pattern whose matches run to the end, from after `cut`'s match
    (the last character no match holds): the same match, found from the first position it can
    start at (the search from a position sees the text before it, for `\\b`, as from the start)."""
    last = cut.search(left)
    return pattern.search(left, last.start() + 1 if last else 0)


def _cut_adverbs(left: str) -> str:
    """`_ADV_TAIL.sub("", left)`: its one match (it runs to the end) cut out."""
    m = _tail_search(_ADV_TAIL, _ADV_TAIL_CUT, left)
    return left[: m.start()] + left[m.end() :] if m else left


def _last_mention(text: str, offset: int, left: str, people: list[_Person], pronouns: bool = True) -> _Said | None:
    end = offset + len(left)
    person = next((p for p in reversed(people) if offset <= p.start and p.end <= end), None)
    pronoun = list(_PRONOUN_WORD.finditer(left)) if pronouns else []
    if pronoun and (person is None or offset + pronoun[-1].start() > person.start):
        return _Said(offset + pronoun[-1].start(), offset + pronoun[-1].end(), None, None, True)
    return _Said(person.start, person.end, person.name, person.role, False) if person else None


def _sentence_subject(text: str, offset: int, left: str, people: list[_Person]) -> _Said | None:
    """The first person (or he/she) the sentence names before the quote: its subject, not said
    to speak (`told` False)."""
    end = offset + len(left)
    person = next((p for p in people if offset <= p.start and p.end <= end), None)
    pronoun = _PRONOUN_WORD.search(left)
    if pronoun and (person is None or offset + pronoun.start() < person.start):
        return _Said(offset + pronoun.start(), offset + pronoun.end(), None, None, True, told=False)
    return _Said(person.start, person.end, person.name, person.role, False, told=False) if person else None


_DETERMINERS = frozenset("the a an one another his her their its this that two three several some".split())


def _who_match(text: str, offset: int, m: re.Match[str], people: list[_Person]) -> _Said | None:
    return _who(text, offset + m.start("who"), offset + m.end("who"), people)


def _who(text: str, start: int, end: int, people: list[_Person]) -> _Said | None:
    """The speaker a subject phrase names: a person, a pronoun to resolve, or a role/organisation."""
    phrase = text[start:end]
    if _PRONOUN_RE.fullmatch(phrase):
        return _Said(start, end, None, None, True)
    person = next((p for p in people if start <= p.start < end or p.start <= start < p.end), None)
    if person:
        return _Said(person.start, person.end, person.name, person.role, False)
    pronoun = _PRONOUN_WORD.search(phrase)
    if pronoun:
        return _Said(start + pronoun.start(), start + pronoun.end(), None, None, True)
    words = phrase.split()
    aux = _verb_group(words)
    if aux is not None:  # '," the man could be heard saying': the subject ends where its verb begins
        phrase = phrase[: _nth_word_start(phrase, aux)].rstrip()
        words, end = words[:aux], start + len(phrase)
    if len(words) > 6 or any(w in ("and", "that", "but", "it", "they", "we", "I", "who") for w in words):
        return None
    while words and words[0].lower() not in _DETERMINERS and words[0].lower().strip(".,") in _NOT_NAMES:
        start += text[start:end].find(words[0]) + len(words[0])
        words = words[1:]
    if not words or not (words[0][:1].isupper() or words[0] in _DETERMINERS):
        return None
    start = _first_char(text, start)
    role = " ".join(words).rstrip(".,;:")
    return _Said(start, start + len(role), role, None, False)  # no person: the role or body speaks


# The verbs a speaker phrase's own verb group opens with ("the man could be heard saying").
_AUXILIARIES = frozenset("could can would will may might must should was were is are be been had has have".split())


def _verb_group(words: list[str]) -> int | None:
    """Where a phrase ends in its subject's verb group ("could be heard", "was"), if it does."""
    aux = next((i for i, w in enumerate(words) if i and w in _AUXILIARIES), None)
    if aux is None or not all(w in _AUXILIARIES for w in words[aux:-1]):
        return None
    last = words[-1]
    return aux if last in _AUXILIARIES or last.endswith(("ed", "en")) or last in ("heard", "told") else None


def _nth_word_start(phrase: str, n: int) -> int:
    return [m.start() for m in _NON_SPACE_RE.finditer(phrase)][n]


class _SentenceStarts:
    """Where the sentence holding `pos` starts in the paragraph from `lo`, for the article's blocks:
    each block's sentence ends found once (a scan from the paragraph's start to `pos` for each
    person and quote was quadratic in it; tests/test_quotes.py keeps that scan and checks the two).
    A scan ending after `pos` finds the ends whose lookahead's letter or digit is at or before `pos`:
    those are kept with that letter's offset, and a position's sentence opens at the last of them."""

    def __init__(self, text: str, blocks: Sequence[tuple[int, int]]) -> None:
        self.text, self.ends = text, dict(blocks)
        self.found: dict[int, tuple[list[int], list[int]]] = {}

    def at(self, lo: int, pos: int) -> int:
        if lo not in self.found:
            self.found[lo] = self._scan(lo, self.ends[lo])
        letters, starts = self.found[lo]
        # the ends whose letter is at or before pos: a name that opens a sentence is in that
        # sentence, not the one before (which made it no sentence's subject)
        k = bisect.bisect_right(letters, pos)
        return starts[k - 1] if k else lo

    def _scan(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        text, letters, starts = self.text, [], []
        for m in _SENT_END.finditer(text, lo, hi):
            stem = _word_before(text, lo, m.start() + 1).lower().rstrip(".")
            if stem in _ABBREV or len(stem) == 1:
                continue
            letter = m.end()
            while text[letter] in _LOOKAHEAD_OPENERS:
                letter += 1
            letters.append(letter)
            starts.append(m.end())
        return letters, starts


def _word_before(text: str, lo: int, end: int) -> str:
    r"""The run of word characters and full stops ending at `end`, not before `lo` (what
    `[\w.]+$` finds in `text[lo:end]`, found from its end: the search over a slice from the
    paragraph's start, once per sentence end, was quadratic in the paragraph). `end` follows a
    sentence's closing mark, never a newline (before which `$` would also match)."""
    i = end
    while i > lo and (text[i - 1] == "." or text[i - 1] == "_" or text[i - 1].isalnum()):
        i -= 1
    return text[i:end]


def _sentence_end(after: str) -> int:
    m = _SENTENCE_END_AFTER.search(after)
    return m.start() if m else len(after)


def _full_stop(after: str) -> int:
    """Where the sentence running on after a quote ends: its first full stop that closes no
    abbreviation or initial ("Mr. Powers said."), or the next quotation mark."""
    for m in _SENTENCE_END_AFTER.finditer(after):
        word = after[: m.start()].rsplit(None, 1)[-1] if after[: m.start()].strip() else ""
        if m.group() != "." or not (word.lower() in _ABBREV or (len(word) == 1 and word.isupper())):
            return m.start()
    return len(after)


# Resolution: pronouns, quotes that continue ------------------------------------------------


def _resolve(
    text: str,
    found: list[tuple[int, int, _Said | None]],
    last: _Said | None,
    people: list[_Person],
    inside: _Spans,
    opens: bool,
) -> list[Quote]:
    """Pronouns take the nearest compatible person named before them; a quote with no
    attribution takes the speaker of the quote before it in its paragraph (or the previous
    paragraph's speaker when the paragraph opens with it), else of the next attributed one."""
    said = [_pronoun(text, s, people, inside) if s and s.pronoun else s for _, _, s in found]
    keep = [
        i
        for i, (s, e, _) in enumerate(found)
        if _is_quotation(text, s, e, said[i]) or (said[i] is None and i and said[i - 1] and _continues(text, s, e))
    ]
    out: list[Quote] = []
    previous = last if opens else None
    for n, i in enumerate(keep):
        s, e, _ = found[i]
        own = said[i]
        inherited = own is None
        if own is None:
            later = next((said[j] for j in keep[n + 1 :] if said[j]), None)
            own = previous or later
        out.append(_quote(s, e, own, inherited))
        if said[i]:
            previous = said[i]
        elif own is not None:
            previous = own
    return out


def _quote(start: int, end: int, said: _Said | None, inherited: bool) -> Quote:
    if said is None:
        return Quote(start, end, None, None, None, None, inherited)
    return Quote(start, end, said.name or said.role, said.start, said.end, said.role, inherited)


def _pronoun(text: str, said: _Said, people: list[_Person], inside: _Spans) -> _Said:
    """The person a he/she speaker is: the last subject (else the last person) named before it
    that fits its gender, unless an unnamed speaker comes between them ("a spokesperson for the
    association said ... “…,” he said": the spokesperson, not the woman named before)."""
    female = text[said.start : said.end].lower() == "she"
    before = [p for p in people if p.start < said.start and said.start - p.start <= PRONOUN_REACH]
    fits = [p for p in before if p.female is None or p.female == female]
    chosen = next((p for p in reversed(fits) if p.subject), fits[-1] if fits else None)
    lo = chosen.end if chosen else max(0, said.start - PRONOUN_REACH)
    if any(text.find(hint, lo, said.start) >= 0 for hint in _ROLE_NOUN_HINTS):
        unnamed = _role_speaker(text, lo, said.start, female, inside, before)
        if unnamed is not None:
            return _Said(said.start, said.end, unnamed[0], unnamed[1], False, said.told)
    if chosen is None:
        return _Said(said.start, said.end, None, None, False, said.told)
    return _Said(said.start, said.end, chosen.name, chosen.role, False, said.told)


# An unnamed speaker a pronoun may mean: a determiner, up to three words, a person's role noun.
_ROLE_NOUN = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Oo]ne|[Aa]nother|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir)\s+(?:[\w’'.-]+\s+){0,3}?"
    r"(?P<noun>spokes(?:man|woman|person)|official|aide|adviser|advisor|representative)\b"
)
_ROLE_NOUN_HINTS = ("spokes", "official", "aide", "advis", "representative")  # a literal scan first
_CLAUSE_END = re.compile(r"[.!?;\"“”\n]")
# What may part the role noun from its verb: its complement, adverbs ("a spokesman for the
# council also said"), not other words ("the official news agency reported": an adjective).
_ROLE_TO_VERB = re.compile(rf"(?P<complement>\s+(?:for|of|at|from|with)\s[^,]*?)?(?:[\s,]+{_ADV}\b)*[\s,]*")
# How far after the role noun its speech verb may be (characters): "a spokesperson for the
# Universities and Colleges Employers’ Association (UCEA) said" is 70.
ROLE_VERB_REACH = 120


def _role_fits(noun: str, female: bool) -> bool:
    """Whether a role noun may be the pronoun's person: a spokesman is no "she", a spokeswoman no "he"."""
    if noun.endswith("woman"):
        return female
    return not (noun.endswith("man") and female)


def _role_speaker(
    text: str, lo: int, hi: int, female: bool, inside: _Spans, people: list[_Person]
) -> tuple[str, str | None] | None:
    """The last unnamed speaker in text[lo:hi] outside quotations that fits the pronoun's gender:
    a role noun phrase that a speech verb follows in its clause, with its "for/of ..." complement
    ("a spokesperson for the Universities and Colleges Employers’ Association (UCEA)"), as (name,
    role); or the person it is the appositive of ("Angelique Brunner, a developer and spokeswoman
    for the coalition, said": the role tells her gender where her given name did not)."""
    for m in reversed(list(_ROLE_NOUN.finditer(text, lo, hi))):
        if _inside(m.start(), inside) or not _role_fits(m.group("noun"), female):
            continue
        clause = text[m.end() : min(hi, m.end() + ROLE_VERB_REACH)]
        end = _CLAUSE_END.search(clause)
        verb = _SPEECH.verb.search(clause, 0, end.start() if end else len(clause))
        if verb is None:
            continue
        named = next(
            (p for p in people if m.start() - 3 <= p.end < m.start() and text[p.end : m.start()].strip() == ","), None
        )
        if named is not None:
            return named.name, named.role
        between = _ROLE_TO_VERB.fullmatch(clause, 0, verb.start())
        if between is None:
            continue
        phrase = (
            text[m.start() : m.end() + between.end("complement")].rstrip(" ,") if between["complement"] else m.group()
        )
        return (phrase if len(phrase.split()) <= 12 else m.group()), None
    return None


def _quotable(text: str, start: int, end: int) -> bool:
    """More than one word: a single quoted word is never a quotation."""
    return len(text[start:end].split()) > 1


# A work's name, not anyone's words: a title-cased quote right after a kind of work or a naming
# verb ('Netflix drama “Marriage Story.”', 'the 2017 article "The Case for Colonialism,"'), or right
# before a role in it ('“Mrs Maisel” actress Alex Borstein').
_WORK_BEFORE = re.compile(
    r"\b(?:film|movie|drama|comedy|thriller|documentary|biopic|series|show|sitcom|programme|program|book|"
    r"novel|memoir|album|song|single|play|musical|opera|article|essay|poem|painting|podcast|episode|"
    r"titled|entitled|called|dubbed|named|nicknamed|"
    # a broadcast one appears on ('on “Fox News Sunday,”', 'on CBS's "Face the Nation,"')
    r"[Oo]n(?:\s+[A-Z][\w.&-]*['’]s)?)\s*[\"“‘']?$"
)
_ROLE_AFTER = re.compile(
    r"[\"”’']?\s+(?:actress|actor|star|co-star|creator|director|author|writer|host|singer|producer|showrunner)\b"
)


def _named_work(text: str, start: int, end: int) -> bool:
    name = text[start:end].rstrip(".,!?")  # "Marriage Story." is a title with the sentence's stop
    if not name.strip() or not _title(name, 0, len(name)):
        return False
    return bool(_WORK_BEFORE.search(text, max(0, start - 30), start) or _ROLE_AFTER.match(text, end, end + 30))


# A sentence's stop and the quotation mark closing it ('.”', '?"'), what a sentence before a quote ends in.
_STOP_AND_CLOSE = tuple(f"{p}{q}" for p in ".!?" for q in _CLOSE + _BOTH)


def _continues(text: str, start: int, end: int) -> bool:
    """A short quote opening its sentence right after an attributed one continues it ('“…,” he
    said. “Big time.”'): a quotation, not a scare quote, unless it is a title or a single word."""
    before = text[max(0, start - 8) : start].rstrip().rstrip(_OPEN + _BOTH).rstrip()
    opens = not before or before[-1] in ".!?\n" or before.endswith(_STOP_AND_CLOSE)
    return opens and _quotable(text, start, end) and not _title(text, start, end)


def _is_quotation(text: str, start: int, end: int, said: _Said | None) -> bool:
    """Not what is no quote: one word, a scare quote or a title with no attribution of its own,
    or a title whose only "speaker" is its sentence's subject ("Smith starred in “The Long
    Night”"); a title-cased quote someone is said to speak stays."""
    if not _quotable(text, start, end) or _named_work(text, start, end):
        return False
    if said is None:
        return not _needs_speaker(text, start, end)
    return said.told or not _title(text, start, end)


def _needs_speaker(text: str, start: int, end: int) -> bool:
    """Scare quotes and titles are quotations only when someone is said to speak them."""
    return _scare(text, start, end) or _title(text, start, end)


def _scare(text: str, start: int, end: int) -> bool:
    return len(text[start:end].split()) <= SCARE_MAX_WORDS


def _title(text: str, start: int, end: int) -> bool:
    words = text[start:end].split()
    small = {"a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "at", "by", "with", "from"}
    return (
        len(words) <= TITLE_MAX_WORDS
        and words[0][:1].isupper()
        and all(w[:1].isupper() or w.lower() in small for w in words)
        and not re.search(r"[.!?,]$", words[-1])
    )


def _last_speaker(
    quotes: list[Quote], text: str, lo: int, hi: int, people: list[_Person], inside: _Spans
) -> _Said | None:
    """Who spoke last by the end of the paragraph text[lo:hi] (`quotes`, its quotations): its last
    quote's speaker or the last person its prose reports speaking ("Medlin said it was hard..."),
    else None."""
    here = [q for q in quotes if q.speaker]
    best: tuple[int, _Said] | None = None
    if here:
        q = here[-1]
        best = (q.start, _Said(q.speaker_start or 0, q.speaker_end or 0, q.speaker, q.role, False))
    for m in _SPEECH.verb.finditer(text, lo, hi):
        if _inside(m.start(), inside) or (best and m.start() < best[0]):
            continue
        left = text[max(lo, m.start() - 80) : m.start()]
        subject = _tail_subject(left)
        if subject:
            s0 = m.start() - len(left) + subject[0]
            who = _who(text, s0, s0 + len(subject[1]), people)
            if who and who.pronoun:
                who = _pronoun(text, who, people, inside)
            if who and who.name:
                best = (m.start(), who)
    return best[1] if best else None


@lru_cache(maxsize=16384)
def _tail_subject(left: str) -> tuple[int, str] | None:
    """The subject ending `left` once its adverbs are cut (`_SPEECH.tail_subject`): its offset and text.
    Remembered: wire copies repeat the words before a verb, and the search tries every position."""
    found = _tail_search(_SPEECH.tail_subject, _TAIL_SUBJECT_CUT, _cut_adverbs(left))
    return (found.start("who"), found.group("who")) if found else None


# One person across outlets -------------------------------------------------------------------


def _name_words(name: str) -> list[str]:
    words = [w.strip(".,").removesuffix("’s").removesuffix("'s") for w in name.split()]
    while len(words) > 1 and (words[0].lower() in _TITLES or words[0].lower() + "." in _TITLES):
        words.pop(0)
    return [w for w in words if w]


def surname(name: str) -> str | None:
    """The lower-cased last word of a name as `same_person` compares it (None: no word)."""
    words = _name_words(name)
    return words[-1].lower() if words else None


def same_person(a: str, b: str) -> bool:
    """Two names of one person: same surname, and given names that agree where both have one
    ("Carter", "Ash Carter", "Ashton Carter", "Defense Secretary Ash Carter")."""
    wa, wb = _name_words(a), _name_words(b)
    if not wa or not wb or wa[-1].lower() != wb[-1].lower():
        return False
    if len(wa) == 1 or len(wb) == 1:
        return True
    fa, fb = wa[0].lower().rstrip("."), wb[0].lower().rstrip(".")
    return fa.startswith(fb) or fb.startswith(fa)


# A party word makes a description of someone ("an Alaska Republican"), not a name.
_PARTY_WORDS = frozenset(
    "republican republicans democrat democrats democratic conservative liberal labour tory".split()
)


@lru_cache(maxsize=1 << 16)  # pure; a story's comparison asks it of the same few speakers again and again
def is_person_name(name: str | None) -> bool:
    """A speaker that is a named person: a given name and a surname, all capitalized, no word of an
    organisation or place ("Ash Carter", not "Carter" alone, "the spokeswoman" or "White House")."""
    if not name:
        return False
    words = _name_words(name)
    if len(words) < 2 or words[0].lower() in _NOT_NAMES:
        return False
    if any(
        _org_word(w, n, len(words)) or w.lower() in _PARTY_WORDS or (w.isupper() and len(w) > 1)
        for n, w in enumerate(words)
    ):
        return False
    capitalized = [w[:1].isupper() or bool(re.match(r"(?:al|el|ad|as|bin|ibn)-[A-Z]", w)) for w in words]
    return capitalized[-1] and all(c or w.lower() in _PARTICLE_WORDS for c, w in zip(capitalized, words))


def canonical_speaker(names: Iterable[str]) -> str | None:
    """One name for one person: the most frequent full form (title left out), the longer on ties."""
    forms = [" ".join(_name_words(n)) for n in names if n and _name_words(n)]
    if not forms:
        return None
    full = [f for f in forms if len(f.split()) >= 2] or forms
    return max(full, key=lambda f: (full.count(f), len(f)))
