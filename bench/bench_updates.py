"""Following a story: does `newsfuse.updates` show only what the earlier articles did not state?

Each story's articles are put in order (by date, stream order within a day or when undated;
fulltext-dev has no dates: its given order) and split: the first half (n // 2, at least one) is
what the reader saw, the rest is new. The articles get one synthetic day each in that order, and
the update is asked for since the middle of the last earlier day, so the split is exactly the one
meant (the sets' dates are days, with ties).

An update sentence is old news when the earlier articles already state its content, judged two ways:
- claims: the project's comparison (`compare.compare` over the whole story: facts at TF-IDF
  cosine 0.25, ledes 0.15, `claims.support`) puts it in a fact that an earlier article states in
  full, or in a fact headed by an earlier sentence of which it states part (its content is inside);
- ROUGE-2: at least ROUGE2_OLD of its word bigrams (rouge-score, stemming; recall of the sentence
  against the earlier articles' whole text) are in the earlier articles.
The later part's new facts are its sentences (within the first 100 of an article, at least
MIN_WORDS words) that neither judge calls old; the update covers one when it is an update
sentence, a source or partial source of one, or an update sentence states it in full.

Of the claims judge's old news, "adds a value" counts the sentences that give a value (a number
with what it counts, a weekday, a month) no earlier sentence of their fact gives: `claims.support`
with numbers required (as the update asks it) finds no earlier sentence of the fact stating it in
full, and one would without that number test (`adds_a_value`). By the issue's definition ("state
something the earlier articles do not") they are new content the update keeps on purpose; the rest
is "old proper".

Each set runs under every `--decisions` value (`UpdateSettings.decision`: cover is min_cover alone,
learned the same-claim model of pairs.py, meaning min_cover or the meaning cosine of
`newsfuse.meaning`, the default; "meaning@0.5/0.55" sets its same_lead_meaning / same_meaning),
one story at a time, timed side by side; the meaning encoder's one-off load is timed apart.

What does the second decision drop? `--dropped N` prints N random update sentences a set that the
first decision shows and the second leaves out (key, the sentence, the earlier sentence closest in
meaning among those `support` says state it in full, the claims judge's verdict) to read by hand;
`--judgements` scores a read file of them ({key, claims, old, note}) by the claims judge's verdict.

--without-figures runs the update without its same-figures rule (`UpdateSettings.same_figures`),
the update as it was before that rule, for a side-by-side comparison.

How right is the claims judge? `--sample N` prints N random update sentences a set's claims judge
calls old (JSON lines: key, the update sentence, the earlier sentence of its fact) to read by hand;
`--judgements PATH` scores such a file's {key, old, note} lines: the share truly old, per set (with
`--limit N`, the sample's, also how many of the read ones add a value, and how many of those were read old).

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_updates.py [--limit N] [--json] [--without-figures] [--decisions cover,meaning]
    PYTHONPATH=src python3 bench/bench_updates.py --sample 25 [--limit N] [--proper] > sample.jsonl
    PYTHONPATH=src python3 bench/bench_updates.py --judgements bench/judgements/updates-old-2026-12-01.jsonl --limit 20
    PYTHONPATH=src python3 bench/bench_updates.py --dropped 30 --seed 7 > dropped.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FULLTEXT = SHARED / "data" / "fulltext-dev.jsonl"
EVENTS = SHARED / "data" / "events"
SETS = {
    "fulltext-dev": FULLTEXT,
    "pac.dev": EVENTS / "pac.dev.jsonl",
    "pac.train": EVENTS / "pac.train.jsonl",
    "allsides2021": EVENTS / "allsides2021.tune-early.jsonl",
}
# An update sentence is old news by ROUGE-2 when this share of its bigrams is in the earlier text:
# a copy scores about 1, a sentence sharing only names and stock phrases 0.1-0.3.
ROUGE2_OLD = 0.5
MIN_WORDS = 6  # as `UpdateSettings.min_words`: shorter later sentences are not counted as facts
BASE = datetime(2025, 1, 1, tzinfo=timezone.utc)


def load_stories(name: str, path: Path, limit: int | None) -> list:
    from newsfuse.model import Article, Story

    records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    stories = []
    if name == "fulltext-dev":
        for r in records:
            docs = [d for d in r["documents"] if d.strip()]
            stories.append(Story([Article(text=d, outlet=f"document {i + 1}") for i, d in enumerate(docs)], id=r["id"]))
    else:
        events: dict[str, list] = {}
        for n, r in enumerate(records):
            events.setdefault(r["event"], []).append((r.get("published") or "9999", n, r))
        for event, members in events.items():
            members.sort(key=lambda x: (x[0], x[1]))
            arts = [
                Article(text=r["text"], outlet=r.get("outlet"), title=r.get("title"), id=r["id"]) for *_, r in members
            ]
            stories.append(Story(arts, id=str(event)))
    stories = [s for s in stories if len(s.articles) >= 2]
    return stories[:limit] if limit else stories


def dated(story):
    """The articles one day apart in their order, and the moment between the earlier and later part."""
    k = max(1, len(story.articles) // 2)
    arts = [replace(a, published=BASE + timedelta(days=i)) for i, a in enumerate(story.articles)]
    return replace(story, articles=arts), BASE + timedelta(days=k - 1, hours=12), k


def claims_view(story, k: int) -> dict:
    """What both judges need of a story, computed once for every update judged: its preparation,
    the earlier text, and where each sentence sits in the comparison's facts."""
    from newsfuse.compare import compare
    from newsfuse.prepare import prepare

    prepared = prepare(story)
    earlier = set(range(k))
    earlier_text = "\n".join(story.articles[d].text for d in sorted(earlier))
    # claims: where each sentence (document, start) sits in the comparison's facts, and the earlier
    # sentence of that fact (for reading the judge's verdicts by hand)
    old_by_claims: dict[tuple[int, int], str] = {}
    earlier_of: dict[tuple[int, int], list[str]] = {}  # every earlier sentence of its fact
    for fact in compare(prepared).facts:
        head = fact.sources[0]
        full = [s for s in fact.sources if s.document in earlier]
        told = [story.articles[s.document].text[s.start : s.end] for s in full]
        if full:
            for s in fact.sources + fact.partial:
                old_by_claims.setdefault((s.document, s.start), told[0])
                earlier_of.setdefault((s.document, s.start), told)
        if head.document in earlier:  # a later partial states part of an earlier sentence
            said = story.articles[head.document].text[head.start : head.end]
            for s in fact.partial:
                old_by_claims.setdefault((s.document, s.start), said)
                earlier_of.setdefault((s.document, s.start), [said])
    return {
        "prepared": prepared,
        "earlier": earlier,
        "earlier_text": earlier_text,
        "old_by_claims": old_by_claims,
        "earlier_of": earlier_of,
    }


def judge(story, view: dict, update, scorer) -> dict:
    from newsfuse.claims import support
    from newsfuse.prepare import MAX_POSITION
    from newsfuse.textsim import SAME_CONTENT

    prepared, earlier, earlier_text = view["prepared"], view["earlier"], view["earlier_text"]
    old_by_claims, earlier_of = view["old_by_claims"], view["earlier_of"]

    rouge_memo = view.setdefault("rouge", {})  # the same later sentences, under every decision

    def rouge_old(text: str) -> bool:
        if text not in rouge_memo:
            rouge_memo[text] = scorer.score(text, earlier_text)["rouge2"].recall >= ROUGE2_OLD
        return rouge_memo[text]

    shown = [(u, {(s.document, s.start) for s in u.sources + u.partial}) for u in update.sentences]
    in_update = set().union(*(spans for _, spans in shown)) if shown else set()
    old_claims = sum(1 for u, _ in shown if (u.sources[0].document, u.sources[0].start) in old_by_claims)
    judged_old = [
        {
            "key": f"{story.id}|{u.sources[0].document}|{u.sources[0].start}",
            "update": u.text,
            "earlier": said,
            "adds_value": adds_a_value(u.text, earlier_of[(u.sources[0].document, u.sources[0].start)]),
        }
        for u, _ in shown
        if (said := old_by_claims.get((u.sources[0].document, u.sources[0].start))) is not None
    ]
    adds_value = sum(1 for j in judged_old if j["adds_value"])
    old_rouge = sum(1 for u, _ in shown if rouge_old(u.text))
    new_facts = covered = rouge_new = rouge_covered = 0
    vectors = prepared.views.tfidf()
    heads = [prepared.row_of[(u.sources[0].document, u.sources[0].start)] for u, _ in shown]
    for i, s in enumerate(prepared.sentences):
        if s.document in earlier or s.position >= MAX_POSITION or s.words < MIN_WORDS:
            continue
        if rouge_old(s.text):
            continue
        hit = (s.document, s.start) in in_update
        if not hit and heads:
            cos = (vectors[[i]] @ vectors[heads].T).toarray()[0]
            hit = any(c >= SAME_CONTENT and support(s.text, shown[j][0].text) == "full" for j, c in enumerate(cos))
        rouge_new += 1
        rouge_covered += hit
        if (s.document, s.start) not in old_by_claims:
            new_facts += 1
            covered += hit
    return {
        "sentences": len(shown),
        "old_claims": old_claims,
        "adds_value": adds_value,
        "old_rouge": old_rouge,
        "new_facts": new_facts,
        "covered": covered,
        "rouge_new": rouge_new,
        "rouge_covered": rouge_covered,
        "changes": len(update.changes),
        "judged_old": judged_old,
    }


def adds_a_value(text: str, told: list[str]) -> bool:
    """The claims judge calls `text` old, but it gives a value (a number, with what it counts, a
    weekday or month) that no earlier sentence of its fact gives: `support` with numbers required
    finds none stating it in full, and one would without that test. New content by the issue's
    definition ("state something the earlier articles do not"): the update keeps it on purpose."""
    from newsfuse.claims import support

    if not told or any(support(text, e) == "full" for e in told):
        return False
    return any(support(text, e) == "partial" and support(text, e, numbers_required=False) == "full" for e in told)


DECISIONS = ("cover", "meaning")  # UpdateSettings.decision: before (min_cover alone) and after (or meaning.similarity)


def run(name: str, path: Path, limit: int | None, figures: bool = True, decisions=DECISIONS) -> dict:
    """Per decision, the totals of one set: each story's update under each decision, timed side by
    side (one after the other on the same story), judged against the same comparison."""
    from rouge_score import rouge_scorer

    from newsfuse.updates import story_update

    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    keys = ("stories", "sentences", "old_claims", "adds_value", "old_rouge", "new_facts", "covered")
    keys += ("rouge_new", "rouge_covered", "changes")
    totals = {
        d: dict.fromkeys(keys, 0) | {"seconds": 0.0, "later": 0, "judged_old": [], "dropped": []} for d in decisions
    }
    for story in load_stories(name, path, limit):
        story, since, k = dated(story)
        try:
            view = claims_view(story, k)
        except Exception as error:  # an empty story (no body sentence): reported, not counted
            print(f"{name} {story.id}: {error}", file=sys.stderr)
            continue
        updates = {}
        for decision in decisions:
            total = totals[decision]
            started = time.perf_counter()
            update = updates[decision] = story_update(story, since, settings=settings_of(decision, figures))
            total["seconds"] += time.perf_counter() - started
            total["later"] += len(update.later)
            got = judge(story, view, update, scorer)
            total["stories"] += 1
            total["judged_old"] += [dict(j, key=f"{name}|{j['key']}") for j in got.pop("judged_old")]
            for key, value in got.items():
                total[key] += value
        if len(decisions) > 1:
            dropped = dropped_by(story, view, updates[decisions[0]], updates[decisions[1]])
            totals[decisions[1]]["dropped"] += [dict(j, key=f"{name}|{j['key']}") for j in dropped]
    for total in totals.values():
        total["ms_per_story"] = 1000 * total["seconds"] / max(1, total["stories"])
        total["ms_per_later_article"] = 1000 * total.pop("seconds") / max(1, total.pop("later"))
    return totals


def settings_of(decision: str, figures: bool = True):
    """The update's settings for a --decisions value: a decision, or "meaning@0.5/0.55" (its
    same_lead_meaning / same_meaning; "meaning@0.6" sets same_meaning alone) to sweep side by side."""
    from newsfuse.updates import UpdateSettings

    name, _, thresholds = decision.partition("@")
    extra: dict[str, float] = {}
    if thresholds:
        *lead, other = thresholds.split("/")
        extra = {"same_meaning": float(other)} | ({"same_lead_meaning": float(lead[0])} if lead else {})
    return UpdateSettings(same_figures=figures, decision=name, **extra)  # type: ignore[arg-type]


def dropped_by(story, view: dict, before, after) -> list[dict]:
    """The update sentences of `before` that `after` leaves out (in no update sentence of it, as
    head or source), each with the earlier sentence closest in meaning among those `support` says
    state it in full (what to read by hand), and how each judge calls it."""
    from newsfuse.claims import support
    from newsfuse.meaning import similarity

    prepared, earlier = view["prepared"], view["earlier"]
    kept = {(s.document, s.start) for u in after.sentences for s in u.sources + u.partial}
    said = [s.text for s in prepared.sentences if s.document in earlier]
    out = []
    for u in before.sentences:
        head = (u.sources[0].document, u.sources[0].start)
        if head in kept:
            continue
        full = [e for e in said if support(u.text, e) == "full"] or said
        closest = max(full, key=lambda e: similarity(u.text, e))
        claims = "old" if head in view["old_by_claims"] else "new"
        out.append({"key": f"{story.id}|{head[0]}|{head[1]}", "update": u.text, "earlier": closest, "claims": claims})
    return out


def encoder_load() -> tuple[float, float]:
    """Seconds to import and load the meaning encoder once (`meaning.encoder`), kept out of the
    per-story times (a process pays it on its first update that asks the meaning cosine), and the
    MB it adds to the process's peak resident memory."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from newsfuse.meaning import encoder

    encoder()
    seconds = time.perf_counter() - started
    return seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def print_sample(rows: dict, size: int, seed: int, decision: str, field: str = "judged_old") -> None:
    """`size` random update sentences of each set that the claims judge calls old (under
    `decision`), or (field "dropped") that `decision` leaves out of the first one's, as JSON lines."""
    import random

    for r in rows.values():
        judged = r[decision][field]
        for item in random.Random(seed).sample(judged, min(size, len(judged))):
            print(json.dumps(item, ensure_ascii=False))


def report_judgements(path: Path, limit: int | None) -> None:
    """Per set, the share of the judged sentences truly old (read by hand) and the claims judge's
    old-news share it implies; with `limit` (the sample's), the read verdicts split by whether the
    sentence adds a value (`adds_a_value`, the update as shipped rerun to find out)."""
    marks = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    names = list(dict.fromkeys(m["key"].split("|")[0] for m in marks))
    if all("claims" in m for m in marks):  # a --dropped sample: what the new decision leaves out
        report_dropped(marks, names)
        return
    flags: dict[str, bool] = {}
    if limit is not None:
        for name in names:
            for j in run(name, SETS[name], limit, decisions=("cover",))["cover"]["judged_old"]:
                flags[j["key"]] = j["adds_value"]
    print("| set | read | truly old | claims judge's precision | adds a value: read, truly old | found again |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        mine = [m for m in marks if m["key"].startswith(name + "|")]
        old = sum(1 for m in mine if m["old"])
        value = [m for m in mine if flags.get(m["key"])]
        found = sum(1 for m in mine if m["key"] in flags)
        print(
            f"| {name} | {len(mine)} | {old} | {100 * old / len(mine):.0f}% "
            f"| {len(value)}, {sum(1 for m in value if m['old'])} | {found} |"
        )


def report_dropped(marks: list[dict], names: list[str]) -> None:
    """Per set, how many of the read sentences the update now leaves out are truly old, split by
    the claims judge's verdict (its "new" ones are what the coverage column loses)."""
    print("| set | read | truly old | claims judge old: read, truly old | claims judge new: read, truly old |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        mine = [m for m in marks if m["key"].startswith(name + "|")]
        parts = [[m for m in mine if m["claims"] == verdict] for verdict in ("old", "new")]
        cells = [f"{len(p)}, {sum(1 for m in p if m['old'])}" for p in parts]
        old = sum(1 for m in mine if m["old"])
        print(f"| {name} | {len(mine)} | {old} ({100 * old / len(mine):.0f}%) | {cells[0]} | {cells[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="Stories per set (default: all).")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--without-figures", action="store_true", help="The update without its same-figures rule.")
    parser.add_argument("--sample", type=int, default=None, help="Print N judged-old sentences a set, to read.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--proper", action="store_true", help="--sample only old news proper (adds no value).")
    parser.add_argument(
        "--dropped", type=int, default=None, help="Print N sentences a set the second decision drops, to read."
    )
    parser.add_argument(
        "--decisions", default=",".join(DECISIONS), help="UpdateSettings.decision values to run side by side."
    )
    parser.add_argument("--judgements", type=Path, default=None, help="Score a read sample's {key, old, note}.")
    args = parser.parse_args()
    if args.judgements is not None:
        report_judgements(args.judgements, args.limit)
        return
    decisions = tuple(args.decisions.split(","))
    load = encoder_load() if "meaning" in decisions else None
    rows = {
        name: run(name, path, args.limit, not args.without_figures, decisions)
        for name, path in SETS.items()
        if path.exists()
    }
    if args.sample is not None:
        if args.proper:
            for r in rows.values():
                r[decisions[0]]["judged_old"] = [j for j in r[decisions[0]]["judged_old"] if not j["adds_value"]]
        print_sample(rows, args.sample, args.seed, decisions[0])
        return
    if args.dropped is not None:
        print_sample(rows, args.dropped, args.seed, decisions[-1], "dropped")
        return
    for r in rows.values():
        for d in r.values():
            d.pop("judged_old")
            d["dropped"] = len(d["dropped"])
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        "| set | decision | stories | update sentences | old news (claims) | of which old proper / adds a value "
        "| old news (ROUGE-2 ≥ 0.5) | new facts covered | new by ROUGE-2 alone, covered | ms / story |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, by_decision in rows.items():
        for decision, r in by_decision.items():
            n = max(1, r["sentences"])
            proper = r["old_claims"] - r["adds_value"]
            print(
                f"| {name} | {decision} | {r['stories']} | {r['sentences']} | {100 * r['old_claims'] / n:.1f}% "
                f"| {100 * proper / n:.1f}% / {100 * r['adds_value'] / n:.1f}% "
                f"| {100 * r['old_rouge'] / n:.1f}% | {100 * r['covered'] / max(1, r['new_facts']):.1f}% "
                f"({r['covered']}/{r['new_facts']}) | {100 * r['rouge_covered'] / max(1, r['rouge_new']):.1f}% "
                f"({r['rouge_covered']}/{r['rouge_new']}) | {r['ms_per_story']:.0f} |"
            )
    if load is not None:
        print(
            f"\nwordllama loaded once per process, before the timed updates: {load[0]:.2f} s (import included), "
            f"+{load[1]:.0f} MB peak resident memory"
        )


if __name__ == "__main__":
    main()
