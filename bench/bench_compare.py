"""Evaluate `newsfuse.compare` on the hand-labelled gold set and on planted fulltext-dev perturbations.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_compare.py [--limit N] [--seed S]
--limit: how many fulltext-dev clusters to perturb (default: all 50).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FULLTEXT = SHARED / "data" / "fulltext-dev.jsonl"
GOLD = ROOT / "tests" / "fixtures" / "compare_gold.json"
COPY_OUTLET = "Perturbed Copy"
SEED = 20260304

# A predicted quote matches a gold one when this share of the gold snippet's words is in it.
SNIPPET_CONTAINED = 0.8
# Predicted quotes shorter than this are not scored: the gold set labels quotes of 5+ words.
QUOTE_MIN_WORDS = 5
# Accepted disagreement kinds per perturbation (a swapped speaker name may be an attribution).
KINDS = {"number": {"number"}, "date": {"date"}, "name": {"name", "attribution"}}

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = {
    m.lower()
    for m in (
        "January February March April May June July August September October November December "
        "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
    ).split()
}
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NOT_NOUNS = {
    "and",
    "the",
    "for",
    "with",
    "from",
    "into",
    "than",
    "that",
    "this",
    "was",
    "were",
    "are",
    "has",
    "had",
    "have",
    "other",
    "more",
    "less",
    "out",
    "per",
    "but",
    "who",
    "which",
    "after",
    "before",
    "when",
    "while",
    "over",
    "under",
    "all",
    "our",
    "their",
    "his",
    "her",
    "its",
}
# A number followed by a lowercase word (its noun): not part of a time, decimal, ordinal or range.
_NUMBER_NOUN = re.compile(r"(?<![\w.,:/-])(\$?)(\d{1,3}(?:,\d{3})+|\d+)(?![\w%:/-]|[.,]\d)\s+([a-z]{3,})\b")
_NOT_FIRST = {
    "Then",
    "But",
    "And",
    "If",
    "As",
    "In",
    "On",
    "At",
    "For",
    "With",
    "So",
    "Parents",
    "When",
    "While",
    "After",
    "Before",
    "The",
    "This",
    "That",
    "Assistant",
    "Deputy",
    "Medical",
    "World",
    "Police",
    "Hurricane",
    "Storm",
    "Saint",
    "Lord",
    "God",
    "Fire",
    "State",
    "County",
    "City",
    "Former",
    "Acting",
    *WEEKDAYS,
}
_NOT_LAST = {
    "Chief",
    "Officer",
    "Director",
    "President",
    "Secretary",
    "Minister",
    "Examiner",
    "Association",
    "Department",
    "County",
    "Court",
    "News",
    "Times",
    "Post",
    "Journal",
    "University",
    "Institute",
    "Center",
    "Council",
    "Committee",
    "Police",
    "Office",
    "House",
    "Street",
    "Company",
    "Group",
    "Party",
    "Press",
    "Agency",
    "Service",
    "Foundation",
    "Commission",
    "Bank",
    "Fund",
    "Union",
    "Network",
    "Senate",
    "Congress",
    "Chairman",
    "Governor",
    "Senator",
    "Judge",
    "Mayor",
    "General",
    "Sheriff",
    "Commissioner",
    "Professor",
    "Coach",
    "Captain",
    "Sergeant",
    "Spokesman",
    "Spokeswoman",
    "God",
    *WEEKDAYS,
}

CompareFn = Callable[[object], dict]


# ---------------------------------------------------------------- loading


def load_compare() -> CompareFn:
    """`newsfuse.compare.compare` giving the comparison as the codec's JSON dict (the shape scored here)."""
    from newsfuse.codec import comparison_to_dict
    from newsfuse.compare import compare

    def as_dict(story) -> dict:
        data = comparison_to_dict(compare(story))
        # scored as groups of documents: the original and its copies together
        data["syndication"] = [{"documents": sorted([w["original"], *w["copies"]])} for w in data.pop("wire_copies")]
        return data

    return as_dict


def prepared(story):
    """The story prepared (cleaned, segmented, syndicated), as `compare` expects it."""
    from newsfuse.prepare import prepare

    return prepare(story)


def story_of_paths(paths: list[str]):
    from newsfuse.ingest import read_paths

    return read_paths(paths).all_stories()[0]


def story_of_record(record: dict, where: str):
    from newsfuse.ingest import story_from_record

    return story_from_record(record, where)[0]


def load_fulltext(limit: int | None = None) -> list[dict]:
    """fulltext-dev records in file order, the first `limit` of them."""
    with FULLTEXT.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return records[:limit] if limit else records


def gold_story(entry: dict, by_id: dict[str, dict]):
    """The input story a gold entry labels: a directory (sorted files) or a fulltext-dev record."""
    source = entry["input"]
    if "dir" in source:
        folder = (ROOT / source["dir"]).resolve()
        return story_of_paths(sorted(str(p) for p in folder.iterdir() if p.is_file()))
    record = by_id[source["fulltext_dev_id"]]
    return story_of_record(record, f"fulltext-dev (id {record['id']})")


# ---------------------------------------------------------------- normalizing


def words_of(text: str) -> list[str]:
    """Lowercase word tokens, punctuation dropped, curly apostrophes made straight."""
    text = text.lower().replace("’", "'").replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


def value_key(value: str) -> str:
    """A claim value reduced for comparison: its weekday, else its digits, else its last word."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", str(value).lower())
    text = re.sub(r"['’]s\b", "", text)
    tokens = [_NUMBER_WORDS.get(t, t) for t in re.findall(r"\d+(?:\.\d+)?|[a-z]+", text)]
    days = [t for t in tokens if t.capitalize() in WEEKDAYS]
    if days:
        return days[0]
    numbers = [t for t in tokens if t[0].isdigit()]
    if numbers:
        return " ".join(numbers)
    return tokens[-1] if tokens else ""


def documents_of(item: dict) -> set[int]:
    """Documents cited by a predicted quote or claim."""
    return {s["document"] for s in item.get("sources", [])}


def claim_keys(disagreement: dict) -> set[str]:
    return {value_key(c["value"]) for c in disagreement.get("claims", [])}


# ---------------------------------------------------------------- gold-set scoring


@dataclass
class Tally:
    """Counts behind a precision/recall pair."""

    tp_pred: int = 0
    pred: int = 0
    tp_gold: int = 0
    gold: int = 0
    extra: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # wrong speakers, for --show and test messages

    def add(self, other: Tally) -> None:
        self.notes += other.notes
        self.tp_pred += other.tp_pred
        self.pred += other.pred
        self.tp_gold += other.tp_gold
        self.gold += other.gold
        for k, v in other.extra.items():
            self.extra[k] = self.extra.get(k, 0) + v

    @property
    def precision(self) -> float | None:
        return self.tp_pred / self.pred if self.pred else None

    @property
    def recall(self) -> float | None:
        return self.tp_gold / self.gold if self.gold else None


def quote_matches(pred: dict, gold: dict) -> bool:
    """Some gold snippet's words are mostly in the predicted text, and their documents overlap."""
    if not documents_of(pred) & set(gold["documents"]):
        return False
    have = set(words_of(pred.get("text", "")))
    for variant in pred.get("variants", []) or []:
        have |= set(words_of(variant))
    for snippet in [gold["snippet"], *gold.get("alt_snippets", [])]:
        need = words_of(snippet)
        if need and sum(w in have for w in need) / len(need) >= SNIPPET_CONTAINED:
            return True
    return False


def score_quotes(predicted: list[dict], gold: list[dict], borderline: list[dict] = ()) -> Tally:
    """P/R of quotes (a prediction may match any gold quote) and speaker hits of matched predictions;
    predictions under 5 words or matching only a borderline quote are not scored."""
    scored = [
        q
        for q in predicted
        if len(words_of(q.get("text", ""))) >= QUOTE_MIN_WORDS and not any(quote_matches(q, b) for b in borderline)
    ]
    tally = Tally(pred=len(scored), gold=len(gold), extra={"speaker_ok": 0, "matched": 0})
    hit_gold: set[int] = set()
    for q in scored:
        matched = [i for i, g in enumerate(gold) if quote_matches(q, g)]
        if not matched:
            continue
        tally.tp_pred += 1
        hit_gold.update(matched)
        tally.extra["matched"] += 1
        speaker = (q.get("speaker") or "").lower()
        ok = any(gold[i]["speaker_last_name"].lower() in speaker for i in matched)
        tally.extra["speaker_ok"] += ok
        if not ok:
            tally.notes.append(
                f"speaker {q.get('speaker')!r}, gold {gold[matched[0]]['speaker_last_name']!r}: "
                f"{q.get('text', '')[:60]}"
            )
    tally.tp_gold = len(hit_gold)
    return tally


def disagreement_matches(pred: dict, gold: dict) -> bool:
    return pred.get("kind") == gold["kind"] and claim_keys(pred) == {value_key(v) for v in gold["values"]}


def score_disagreements(predicted: list[dict], gold: list[dict], borderline: list[dict]) -> Tally:
    """P/R on (kind, value set); a prediction matching a borderline item is not scored."""
    scored = [p for p in predicted if not any(disagreement_matches(p, b) for b in borderline)]
    tally = Tally(pred=len(scored), gold=len(gold))
    tally.tp_pred = sum(any(disagreement_matches(p, g) for g in gold) for p in scored)
    tally.tp_gold = sum(any(disagreement_matches(p, g) for p in scored) for g in gold)
    return tally


def pairs_of(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    """Unordered document pairs inside the groups."""
    out = set()
    for group in groups:
        docs = sorted(set(group))
        out |= {(a, b) for i, a in enumerate(docs) for b in docs[i + 1 :]}
    return out


def score_syndication(predicted: list[dict], gold: list[list[int]]) -> Tally:
    pred, want = pairs_of(g["documents"] for g in predicted), pairs_of(gold)
    return Tally(tp_pred=len(pred & want), pred=len(pred), tp_gold=len(pred & want), gold=len(want))


def evaluate_gold(compare: CompareFn, gold_path: Path = GOLD) -> dict[str, Tally]:
    """Quote, disagreement and syndication tallies summed over every gold story that can be read."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in load_fulltext()} if FULLTEXT.exists() else {}
    totals = {"quotes": Tally(), "disagreements": Tally(), "syndication": Tally()}
    for entry in gold["stories"]:
        if "fulltext_dev_id" in entry["input"] and entry["input"]["fulltext_dev_id"] not in by_id:
            continue
        if "dir" in entry["input"] and not (ROOT / entry["input"]["dir"]).exists():
            continue
        result = compare(prepared(gold_story(entry, by_id)))
        totals["quotes"].add(score_quotes(result["quotes"], entry["quotes"], entry.get("borderline_quotes", [])))
        totals["disagreements"].add(
            score_disagreements(
                result["disagreements"], entry["disagreements"], entry.get("borderline_disagreements", [])
            )
        )
        totals["syndication"].add(score_syndication(result["syndication"], entry["syndication"]))
    return totals


# ---------------------------------------------------------------- perturbations


@dataclass(frozen=True)
class Perturbation:
    """One change planted in the copy of article 0: `old` became `new` in the sentence at `start`."""

    kind: str
    old: str
    new: str
    start: int
    end: int


def body_sentences(article) -> list[tuple[int, int]]:
    """(start, end) of the article's body sentences, as the pipeline segments them."""
    from newsfuse.clean import clean
    from newsfuse.prepare import segment_article

    return [(s.start, s.end) for s in segment_article(article, 0, tuple(clean(article.text)))]


def cluster_text(record: dict) -> str:
    return "\n".join(d if isinstance(d, str) else d.get("text", "") for d in record["documents"])


def new_number(old: str, taken: set[str], rng: random.Random) -> str | None:
    """A different number of similar size and roundness, in the same format, that the cluster never uses."""
    value = int(old.replace(",", ""))
    digits = str(value)
    step = 10 ** min(len(digits) - len(digits.rstrip("0")), max(len(digits) - 2, 1))
    low, high = max(2, value // 2) // step + 1, max(value * 2, 9) // step
    candidates = range(low * step, high * step + 1, step)
    for n in rng.sample(candidates, min(50, len(candidates))):
        text = f"{n:,}" if "," in old else str(n)
        if n != value and text not in taken and str(n) not in taken:
            return text
    return None


def plant_number(text: str, spans: list[tuple[int, int]], taken: set[str], rng: random.Random) -> Perturbation | None:
    found = []
    for start, end in spans:
        for m in _NUMBER_NOUN.finditer(text, start, end):
            before = text[max(start, m.start() - 12) : m.start()].lower().split()
            value = int(m.group(2).replace(",", ""))
            if m.group(3) in _NOT_NOUNS or (before and before[-1].strip(".,") in MONTHS):
                continue
            if 1900 <= value <= 2099 and "," not in m.group(2) or value < 2:
                continue
            found.append((m.start(2), m.end(2), m.group(2)))
    if not found:
        return None
    start, end, old = rng.choice(found)
    new = new_number(old, taken, rng)
    return Perturbation("number", old, new, start, end) if new else None


def plant_weekday(text: str, spans: list[tuple[int, int]], taken: set[str], rng: random.Random) -> Perturbation | None:
    pattern = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
    found = [m for start, end in spans for m in pattern.finditer(text, start, end)]
    if not found:
        return None
    m = rng.choice(found)
    others = [d for d in WEEKDAYS if d != m.group(1)]
    unused = [d for d in others if d not in taken]
    new = rng.choice(unused or others)
    return Perturbation("date", m.group(1), new, m.start(1), m.end(1))


def speaks_alone(last: str, text: str) -> bool:
    """The last name is used on its own with a speech verb or an honorific ("Medlin said", "Ms. Pao")."""
    name = re.escape(last)
    if re.search(rf"(?:\b(?:said|says|told)|\b(?:Mr|Ms|Mrs|Dr)\.?) {name}\b(?! [A-Z])", text):
        return True
    for m in re.finditer(rf"\b{name},? (?:said|says|told|added|explained|recalled)\b", text):
        before = text[max(0, m.start() - 20) : m.start()].split()
        if not before or not before[-1][:1].isupper() or before[-1][-1] in '.,;:"“”':
            return True
    return False


def people_of(text: str) -> dict[str, str]:
    """Person names ("First Last") whose last name is also used alone as a speaker or with Mr./Ms."""
    people: dict[str, str] = {}
    for m in re.finditer(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)\b", text):
        first, last = m.groups()
        if first in _NOT_FIRST or last in _NOT_LAST or first.lower() in MONTHS or last in people:
            continue
        if speaks_alone(last, text):
            people[last] = f"{first} {last}"
    return people


def plant_name(text: str, spans: list[tuple[int, int]], cluster: str, rng: random.Random) -> Perturbation | None:
    people = people_of(cluster)
    found = []
    for last in people:
        pattern = re.compile(rf"\b{re.escape(last)}\b")
        found += [(m, last) for start, end in spans for m in pattern.finditer(text, start, end)]
    if not found or len(people) < 2:
        return None
    m, last = rng.choice(sorted(found, key=lambda x: x[0].start()))
    new = rng.choice(sorted(p for p in people if p != last and p not in people[last]))
    return Perturbation("name", last, new, m.start(), m.end())


def plant(kind: str, record: dict, rng: random.Random) -> tuple[str, Perturbation] | None:
    """Article 0's text with one planted change of `kind`, or None when it has nothing to change."""
    from newsfuse.ingest import article_from_record

    article = article_from_record(record["documents"][0], "article 0")
    spans = body_sentences(article)
    cluster = cluster_text(record)
    taken = set(re.findall(r"[\d,]*\d|[A-Z][a-z]+", cluster))
    if kind == "number":
        change = plant_number(article.text, spans, taken, rng)
    elif kind == "date":
        change = plant_weekday(article.text, spans, taken, rng)
    else:
        change = plant_name(article.text, spans, cluster, rng)
    if change is None:
        return None
    return article.text[: change.start] + change.new + article.text[change.end :], change


def with_copy(record: dict, copy_text: str):
    """The cluster as a story, with `copy_text` appended as a document from another outlet."""
    documents = list(record["documents"]) + [{"text": copy_text, "outlet": COPY_OUTLET}]
    return story_of_record({"id": record["id"], "documents": documents}, f"perturbed {record['id']}")


def copy_claims(disagreement: dict, copy: int) -> bool:
    """The copy is on a side of its own: a claim cites it and not article 0 (which it duplicates)."""
    return any(copy in documents_of(c) and 0 not in documents_of(c) for c in disagreement.get("claims", []))


def is_planted(disagreement: dict, change: Perturbation) -> bool:
    keys = claim_keys(disagreement)
    return disagreement.get("kind") in KINDS[change.kind] and {value_key(change.old), value_key(change.new)} <= keys


def grouped_with_first(result: dict, copy: int) -> bool:
    return any({0, copy} <= set(g["documents"]) for g in result.get("syndication", []))


@dataclass
class PerturbTally:
    """Recall/precision counts of one perturbation kind (or the control)."""

    clusters: int = 0
    found: int = 0
    involving: int = 0
    planted: int = 0
    syndicated: int = 0
    notes: list[str] = field(default_factory=list)  # misses and stray disagreements, for --show

    @property
    def recall(self) -> float | None:
        return self.found / self.clusters if self.clusters else None

    @property
    def precision(self) -> float | None:
        return self.planted / self.involving if self.involving else None


def run_one(compare: CompareFn, record: dict, text: str, change: Perturbation | None, tally: PerturbTally) -> None:
    copy = len(record["documents"])
    result = compare(prepared(with_copy(record, text)))
    involving = [d for d in result["disagreements"] if copy_claims(d, copy)]
    planted = [d for d in involving if change and is_planted(d, change)]
    tally.clusters += 1
    tally.found += bool(planted)
    tally.involving += len(involving)
    tally.planted += len(planted)
    tally.syndicated += grouped_with_first(result, copy)
    if change and not planted:
        tally.notes.append(f"missed {record['id'][:8]}: {change.old} -> {change.new}")
    for d in involving:
        if not (change and is_planted(d, change)):
            values = [(c["value"], sorted(documents_of(c))) for c in d.get("claims", [])]
            tally.notes.append(f"stray {record['id'][:8]}: {d.get('kind')} {values}")


def evaluate_perturbations(compare: CompareFn, records: list[dict], seed: int = SEED) -> dict[str, PerturbTally]:
    """Per kind (number, date, name, control): planted-copy results over the clusters."""
    rng = random.Random(seed)
    tallies = {k: PerturbTally() for k in ("number", "date", "name", "control")}
    for record in records:
        documents = record["documents"]
        first = documents[0] if documents and isinstance(documents[0], str) else (documents or [{}])[0].get("text", "")
        if not first.strip():
            continue
        for kind in ("number", "date", "name"):
            planted = plant(kind, record, rng)
            if planted:
                run_one(compare, record, planted[0], planted[1], tallies[kind])
        run_one(compare, record, first, None, tallies["control"])
    return tallies


# ---------------------------------------------------------------- report


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def gold_table(totals: dict[str, Tally]) -> str:
    q = totals["quotes"]
    speaker = q.extra["speaker_ok"] / q.extra["matched"] if q.extra.get("matched") else None
    lines = ["| gold set | precision | recall | predicted | gold |", "|---|---|---|---|---|"]
    for name, t in totals.items():
        lines.append(f"| {name} | {pct(t.precision)} | {pct(t.recall)} | {t.pred} | {t.gold} |")
    lines.append(f"\nQuote speaker accuracy: {pct(speaker)}% of {q.extra.get('matched', 0)} matched quotes.")
    return "\n".join(lines)


def perturb_table(tallies: dict[str, PerturbTally]) -> str:
    lines = [
        "| perturbation | clusters | recall | precision | disagreements with copy | copy grouped with 0 |",
        "|---|---|---|---|---|---|",
    ]
    for kind, t in tallies.items():
        recall = "-" if kind == "control" else pct(t.recall)
        precision = "-" if kind == "control" else pct(t.precision)
        lines.append(
            f"| {kind} | {t.clusters} | {recall} | {precision} | {t.involving} | {t.syndicated}/{t.clusters} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="fulltext-dev clusters to perturb (default all)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", action="store_true", help="list missed perturbations and stray disagreements")
    args = parser.parse_args(argv)
    compare = load_compare()
    print("## Gold set (tests/fixtures/compare_gold.json)\n")
    totals = evaluate_gold(compare)
    print(gold_table(totals))
    if args.show:
        print("\n" + "\n".join(f"- {note}" for note in totals["quotes"].notes))
    if not FULLTEXT.exists():
        print(f"\n{FULLTEXT} is not here: perturbations skipped.")
        return
    print(f"\n## Planted perturbations (fulltext-dev, seed {args.seed})\n")
    tallies = evaluate_perturbations(compare, load_fulltext(args.limit), args.seed)
    print(perturb_table(tallies))
    if args.show:
        print("\n" + "\n".join(f"- {kind}: {note}" for kind, t in tallies.items() for note in t.notes))
    print(
        "\nrecall: share of perturbed clusters with a disagreement of the right kind holding the old and new value; "
        "precision: planted / disagreements where the copy has a claim of its own (not shared with article 0); "
        "control: an unchanged copy (should be 0)."
    )


if __name__ == "__main__":
    main()
