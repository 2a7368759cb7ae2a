"""News order (issue 16): each rule's rate and ROUGE, the selector's sentences as they come (before)
beside `select.order.arrange` (after), in one run on the same prepared stories and budgets;
"shipped" is "before" on stories prepared as before a lone closing quote mark went back.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_order.py                  # fulltext-dev (50) and validation (500)
    PYTHONPATH=src python3 bench/bench_order.py --val 200 --variants   # also the settings tried
    PYTHONPATH=src python3 bench/bench_order.py --reach          # long budgets (--words 2000) on fulltext-dev and the seeds
    PYTHONPATH=src python3 bench/bench_order.py --selector rerank --val 200   # the default selector, arranged
    PYTHONPATH=src python3 bench/bench_order.py --first --selector rerank --val 200   # the first sentence against the reference's
    PYTHONPATH=src python3 bench/bench_order.py --first --selector rerank --rerank-model M.json   # another reranker beside the shipped
"""

from __future__ import annotations

import argparse
import importlib
import time
from dataclasses import replace
from pathlib import Path

import newsfuse.select.learned as learned_module
from newsfuse.attribute import attribute
from newsfuse.evaluate import ROUGE_TYPES, load_clusters, reference_lines, rouge
from newsfuse.features import MAX_OFFSET, word_offsets
from newsfuse.ingest import read_paths
from newsfuse.prepare import prepare
from newsfuse.select import default_budget, get_selector
from newsfuse.select._base import pack
from newsfuse.select.order import OrderSettings, arrange, needs_referent, original_of, predecessor, unbalanced_quotes

# the module, not the function `prepare` the package exports under that name
prepare_module = importlib.import_module("newsfuse.prepare")
evaluate_module = importlib.import_module("newsfuse.evaluate")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
FULLTEXT = DATA / "fulltext-dev.jsonl"
VALIDATION = DATA / "multinews" / "validation.jsonl.gz"
SEEDS = ROOT / ".." / "shared" / "seeds"
RATES = ("first_2_origins", "first_most_origins", "rewording", "unbalanced", "dangling")


def prepared(kind: str, limit: int | None, shipped_segmentation: bool = False) -> list[tuple]:
    """(prepared story, reference) pairs of fulltext-dev or a validation sample (lower-cased,
    truncated); `shipped_segmentation`: as read and prepared before a lone closing quote mark went
    back to its sentence (in `prepare` and in `evaluate`'s cut of truncated texts)."""
    pairs = load_clusters(FULLTEXT, limit) if kind == "fulltext" else load_clusters(VALIDATION, limit, truncated=True)
    kept = prepare_module._closing_marks_back, evaluate_module._with_closing_mark
    if shipped_segmentation:
        prepare_module._closing_marks_back = lambda text, spans: list(spans)
        evaluate_module._with_closing_mark = lambda text, end: end
    out = []
    try:
        for story, reference in pairs:
            try:
                out.append((prepare(story), reference))
            except Exception:  # noqa: BLE001 - evaluate() skips such clusters too
                continue
    finally:
        prepare_module._closing_marks_back, evaluate_module._with_closing_mark = kept
    return out


def rates(story, summary: list) -> dict[str, float]:
    """Each rule's count for one summary (sentence counts; the first-sentence ones per story)."""
    origins = [a.origins for a in attribute(story, summary)] if summary else [0]
    before: set = set()
    dangling = 0
    for s in summary:
        dangling += needs_referent(s.text) and predecessor(story, s) not in before
        before.add(s)
    many = story.count_origins(range(len(story.articles))) >= 2
    return {
        "stories": 1.0,
        "multi": float(many),
        "first_2_origins": float(many and origins[0] >= 2),
        "first_most_origins": float(many and origins[0] == max(origins)),
        "sentences": float(len(summary)),
        "rewording": float(sum(original_of(story, s) != s for s in summary)),
        "unbalanced": float(sum(unbalanced_quotes(s.text) for s in summary)),
        "dangling": float(dangling),
    }


def systems(settings: dict[str, OrderSettings], name: str = "learned", model: str | None = None) -> dict:
    """The selector's sentences as they come ("before") and arranged under each settings; with
    `model`, the reranker of that model file over the shipped sentence scorer instead."""
    selector = get_selector(name)
    if model:
        from newsfuse.select.rerank import Reranker

        selector = Reranker.load(model).with_scorer(learned_module.LearnedSelector.load())

    def arranged(order: OrderSettings):
        return lambda story, budget: arrange(
            story, selector(story, budget), budget, lambda words: selector(story, words), order
        )

    return {"before": selector, **{name: arranged(order) for name, order in settings.items()}}


def run(clusters: list[tuple], named: dict, words: int | None = None) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for story, reference in clusters:
        budget = words or default_budget(story)
        for name, system in named.items():
            start = time.perf_counter()
            summary = system(story, budget)
            elapsed = time.perf_counter() - start
            total = totals.setdefault(name, {})
            scores = rouge("\n".join(s.text for s in summary), reference) | rates(story, summary)
            scores |= {"ms": 1000 * elapsed, "words": float(sum(s.words for s in summary))}
            for key, value in scores.items():
                total[key] = total.get(key, 0.0) + value
    return totals


def table(title: str, totals: dict[str, dict[str, float]]) -> str:
    lines = [
        f"\n{title}",
        "| system | rouge1 | rouge2 | rougeL | rougeLsum | first ≥2 origins | first most corroborated "
        "| copy/rewording over the original | unbalanced quotes | opener before its referent | words | ms/cluster |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, t in totals.items():
        n, multi, sents = t["stories"], max(1.0, t["multi"]), max(1.0, t["sentences"])
        lines.append(
            f"| {name} | "
            + " | ".join(f"{t[k] / n:.2f}" for k in ROUGE_TYPES)
            + f" | {100 * t['first_2_origins'] / multi:.1f}% | {100 * t['first_most_origins'] / multi:.1f}%"
            + f" | {100 * t['rewording'] / sents:.1f}% | {100 * t['unbalanced'] / sents:.1f}%"
            + f" | {100 * t['dangling'] / sents:.1f}% | {t['words'] / n:.0f} | {t['ms'] / n:.1f} |"
        )
    return "\n".join(lines)


def reach_rates(story, summary: list) -> dict[str, float]:
    """Long budgets: articles used, and sentences past the training reach (word MAX_OFFSET)."""
    offsets = word_offsets(story)
    rows = [story.row_of[(s.document, s.start)] for s in summary]
    bodies = {s.document for s in story.sentences}
    return {
        "stories": 1.0,
        "articles": len(bodies),
        "used": len({s.document for s in summary}),
        "sentences": len(summary),
        "beyond": float(sum(offsets[r] >= MAX_OFFSET for r in rows)),
        "words": float(sum(s.words for s in summary)),
    }


def cmd_reach(words: int) -> None:
    """Long budgets on fulltext-dev and the seeds, with the old fixed reach beside the new (both
    arranged, as the pipeline gives them)."""
    selector = systems({"after": OrderSettings()})["after"]
    fixed_reach = learned_module.candidate_reach
    stories = [s for s, _ in prepared("fulltext", None)]
    seeds = prepare(read_paths([str(SEEDS)]).all_stories()[0])
    rows = []
    for name, reach in (("before (reach 300 words)", lambda budget, max_offset: max_offset), ("after", fixed_reach)):
        learned_module.candidate_reach = reach
        totals: dict[str, float] = {}
        for story in stories:
            for k, v in reach_rates(story, selector(story, words)).items():
                totals[k] = totals.get(k, 0.0) + v
        seed = selector(seeds, words)
        afp = any("basic, technical discussions on the professional" in s.text for s in seed)
        rows.append(
            f"| {name} | {100 * totals['used'] / totals['articles']:.1f}% | "
            f"{100 * totals['beyond'] / totals['sentences']:.1f}% | {totals['words'] / totals['stories']:.0f} | "
            f"{len({s.document for s in seed})} of {len(seeds.articles)} | {'yes' if afp else 'no'} |"
        )
    learned_module.candidate_reach = fixed_reach
    print(f"\nLong budgets: --words {words}, learned selector (fulltext-dev, {len(stories)} clusters; the seeds)")
    print(
        "| reach | articles used | sentences past word 300 | words | seeds: articles used | seeds: AFP's 'basic, technical discussions' |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


_RECALL = None


def first_sentence(reference: str) -> str:
    """The reference summary's first sentence (Multi-News' leading dash dropped)."""
    return reference_lines(reference).split("\n")[0]


def first_rates(story, summary: list, reference: str) -> dict[str, float]:
    """The first summary sentence against the reference's first sentence (ROUGE-1 and ROUGE-2
    recall, stemmed, x100), whether it is an article's lede (its first two sentences), and whether
    2+ independent origins tell its news (stating it, or their own ledes telling it: `retold`)."""
    global _RECALL
    from rouge_score import rouge_scorer

    _RECALL = _RECALL or rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    if not summary:
        return {"first_r1": 0.0, "first_r2": 0.0, "first_lede": 0.0, "first_words": 0.0, "first_news_2": 0.0}
    got = _RECALL.score(first_sentence(reference), summary[0].text)
    head = attribute(story, summary[:1])[0]
    news = story.count_origins(s.document for s in (*head.sources, *getattr(head, "retold", ())))
    return {
        "first_r1": 100 * got["rouge1"].recall,
        "first_r2": 100 * got["rouge2"].recall,
        "first_lede": float(summary[0].position < 2),
        "first_words": float(summary[0].words),
        "first_news_2": float(news >= 2),
    }


def best_lead(story, budget: int, reference: str) -> list:
    """Lead of the best article (an oracle): the article whose first sentences, to the budget,
    score the highest rouge1 + rouge2 F1 against the reference."""
    best, score = [], -1.0
    for document in range(len(story.articles)):
        own = story.sentences_of(document)
        lead = [own[i] for i in pack(own, range(len(own)), budget)]
        if not lead:
            continue
        got = rouge("\n".join(s.text for s in lead), reference)
        if got["rouge1"] + got["rouge2"] > score:
            best, score = lead, got["rouge1"] + got["rouge2"]
    return best


def run_first(clusters: list[tuple], named: dict, words: int | None = None) -> dict[str, dict]:
    """Whole-summary ROUGE and the first-sentence rates of each system, and of the best article's lead."""
    totals: dict[str, dict] = {}
    for story, reference in clusters:
        budget = words or default_budget(story)
        made = {name: system(story, budget) for name, system in named.items()}
        made["lead of the best article (oracle)"] = best_lead(story, budget, reference)
        for name, summary in made.items():
            total = totals.setdefault(name, {})
            scores = rouge("\n".join(s.text for s in summary), reference) | first_rates(story, summary, reference)
            scores |= {"stories": 1.0, "words": float(sum(s.words for s in summary))}
            for key, value in scores.items():
                total[key] = total.get(key, 0.0) + value
            for key in ("rouge1", "rouge2"):
                total.setdefault(f"each_{key}", []).append(scores[key])
    return totals


BASELINE = "after, corroboration rule (before this change)"


def paired(totals: dict, name: str, key: str) -> str:
    """The mean per-cluster difference from the rule before this change, ± its standard error."""
    if name == BASELINE or BASELINE not in totals:
        return "—"
    diff = [a - b for a, b in zip(totals[name][f"each_{key}"], totals[BASELINE][f"each_{key}"])]
    mean = sum(diff) / len(diff)
    se = (sum((d - mean) ** 2 for d in diff) / max(1, len(diff) - 1) / len(diff)) ** 0.5
    return f"{mean:+.2f} ± {se:.2f}"


def first_table(title: str, totals: dict[str, dict]) -> str:
    lines = [
        f"\n{title}",
        "| system | first sentence: rouge1 recall | rouge2 recall | words | is a lede | news told by ≥2 origins "
        "| summary: rouge1 | rouge2 | rougeL | rougeLsum | words | Δ rouge1 | Δ rouge2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, t in totals.items():
        n = t["stories"]
        lines.append(
            f"| {name} | {t['first_r1'] / n:.2f} | {t['first_r2'] / n:.2f} | {t['first_words'] / n:.0f} "
            f"| {100 * t['first_lede'] / n:.1f}% "
            f"| {100 * t['first_news_2'] / n:.1f}% | "
            + " | ".join(f"{t[k] / n:.2f}" for k in ROUGE_TYPES)
            + f" | {t['words'] / n:.0f} | {paired(totals, name, 'rouge1')} | {paired(totals, name, 'rouge2')} |"
        )
    return "\n".join(lines)


def cmd_first(val: int, selector: str, variants: bool, model: str | None = None) -> None:
    """The first sentence against the reference's first, the order of earlier versions beside today's
    (with `model`, that reranker model file's summaries before and after order beside the shipped)."""
    settings = {BASELINE: OrderSettings(news_first=False), "after": OrderSettings()}
    if variants:
        base = OrderSettings()
        settings |= {
            "after, no swap (the last choices go)": replace(base, swap=False),
            "after, no swap, a chosen lede wins ties (margin 0.5)": replace(base, swap=False, news_insert_margin=0.5),
            "after, no swap, margin 1.5": replace(base, swap=False, news_insert_margin=1.5),
            "after, every retelling lede dropped": replace(base, drop_retold=True),
            "after, news told by 3+ origins": replace(base, min_news_origins=3),
        }
    named = systems(settings, selector)
    if model:
        other = systems({"after": OrderSettings()}, model=model)
        named |= {f"{key}, {Path(model).name}": system for key, system in other.items()}
    for kind, limit, title in (
        ("fulltext", None, "fulltext-dev (full text)"),
        ("validation", val, f"Multi-News validation (first {val}, lower-cased)"),
    ):
        clusters = prepared(kind, limit)
        print(
            first_table(
                f"{title}, {len(clusters)} clusters, {selector} selector, default length rule",
                run_first(clusters, named),
            ),
            flush=True,
        )
    if model:
        cost({"shipped": named["before"], Path(model).name: named[f"before, {Path(model).name}"]})


def cost(selectors: dict) -> None:
    """Median CPU ms a fulltext-dev cluster of each selector (before order), each on its own fresh
    copy of the prepared stories (nothing shared), the two alternated twice; the models (and
    wordllama's vectors) are loaded on a first story, untimed."""
    times: dict[str, list[float]] = {name: [] for name in selectors}
    warm = prepared("fulltext", 1)[0][0]
    for selector in selectors.values():
        selector(warm, default_budget(warm))
    for _ in range(2):
        for name, selector in selectors.items():
            for story, _reference in prepared("fulltext", None):
                start = time.process_time()
                selector(story, default_budget(story))
                times[name].append(1000 * (time.process_time() - start))
    medians = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
    print(
        "\nmedian CPU ms a fulltext-dev cluster (fresh stories): "
        + ", ".join(f"{k} {v:.1f}" for k, v in medians.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--variants", action="store_true", help="also each rule alone and the settings that were tried")
    parser.add_argument("--tune", action="store_true", help="the lede settings tried")
    parser.add_argument("--reach", action="store_true", help="long budgets instead of the default length")
    parser.add_argument("--first", action="store_true", help="the first sentence against the reference's first")
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--selector", default="learned", help="the selector whose sentences are arranged")
    parser.add_argument("--rerank-model", default=None, help="--first: also this reranker model file's summaries")
    args = parser.parse_args()
    learned_module.LearnedSelector.load()  # the model load (once a process) is not timed
    if args.reach:
        cmd_reach(args.words)
        return
    if args.first:
        cmd_first(args.val, args.selector, args.variants, args.rerank_model)
        return
    settings = {BASELINE: OrderSettings(news_first=False), "after": OrderSettings()}
    if args.variants:
        base = OrderSettings()
        settings |= {
            "after, lede rule only": replace(base, whole_quotes=False, referents=False, agencies=False),
            "after, whole quotes only": replace(base, lede=False, referents=False, agencies=False),
            "after, referents only": replace(base, lede=False, whole_quotes=False, agencies=False),
            "after, originals only": replace(base, lede=False, whole_quotes=False, referents=False),
            "after, no agency preference": replace(base, agencies=False),
            "after, dangling openers dropped": replace(base, bring_referents=False),
        }
    if args.tune:
        base = OrderSettings()
        settings |= {
            "after, lede weight 0": replace(base, lede_weight=0.0),
            "after, lede weight 1": replace(base, lede_weight=1.0),
            "after, insert margin 1": replace(base, insert_margin=1.0),
            "after, no quote penalty": replace(base, quote_penalty=0.0),
        }
    named = systems(settings, args.selector)
    for kind, limit, title in (
        ("fulltext", None, "fulltext-dev (full text)"),
        ("validation", args.val, f"Multi-News validation (first {args.val}, lower-cased)"),
    ):
        shipped = run(prepared(kind, limit, shipped_segmentation=True), {"shipped": named["before"]})
        clusters = prepared(kind, limit)
        totals = shipped | run(clusters, named)
        print(table(f"{title}, {len(clusters)} clusters, default length rule", totals), flush=True)


if __name__ == "__main__":
    main()
