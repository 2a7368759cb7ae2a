"""The costliest /api/summarize requests: CPU time of one summary (comparison on) of bodies made to
be expensive, each cut to the words a request may hold, beside real news of the same size.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_abuse.py                    # 30,000 and 60,000 words
    PYTHONPATH=src python bench/bench_abuse.py --words 30000 --rounds 3

Each body is built (seeded) from the words of the 50 fulltext-dev clusters: the real articles in
order until the word budget is spent; random words with a sentence end every few words; one long
document and 200 documents without punctuation; 200 copies and 200 near-copies (one word changed,
one added) of one article; 200 documents of one-word sentences (the whole budget); 200 documents of one templated
sentence with a date, a number and a place ("On March 3, 412 people died in X."); 200 documents
of short quotes with a speaker. Every body passes the service's own cost check (`_check_cost`) at
its budget and is summarized in this process as the service's worker does it
(`summarize_documents`), after one warm-up call; the least CPU time of `--rounds` runs is shown.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from newsfuse.pipeline import Options
from newsfuse.serve.app import MAX_SUMMARIZE_WORDS, MAX_SUMMARIZE_WORDS_TOKEN, _check_cost, summarize_documents
from newsfuse.serve.schemas import SummarizeRequest

ROOT = Path(__file__).resolve().parents[1]
FULLTEXT = ROOT.parent / "shared" / "data" / "fulltext-dev.jsonl"
SPEAKERS = ("John Smith", "Mary Jones", "the minister", "Putin", "Obama")
DOCS = 200


def articles(path: Path = FULLTEXT) -> list[str]:
    """The fulltext-dev article texts in file order."""
    with open(path, encoding="utf-8") as handle:
        return [d for line in handle if line.strip() for d in json.loads(line)["documents"] if d.strip()]


def bodies(budget: int, real: list[str], seed: int = 0) -> dict[str, list[str]]:
    """Each costly body (name -> documents) of at most `budget` words."""
    rng = random.Random(seed)
    vocab = " ".join(real).split()
    per_doc = budget // DOCS

    def words(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n))

    def docs(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(DOCS)]

    one = " ".join(real[0].split()[: per_doc - 1])
    return {
        "real articles (fulltext-dev, in order)": _real_within(real, budget),
        f"{DOCS} x random words, a sentence end at each 'the'": docs(lambda: words(per_doc).replace(" the ", ". The ")),
        "1 x random words, no punctuation": [words(budget)],
        f"{DOCS} x random words, no punctuation": docs(lambda: words(per_doc)),
        f"{DOCS} copies of one article": [one] * DOCS,
        f"{DOCS} near-copies of one article": docs(
            lambda: one.replace(one.split()[5], rng.choice(vocab)) + " " + rng.choice(vocab)
        ),
        f"{DOCS} x one-word sentences": docs(
            lambda: " ".join(rng.choice(vocab).capitalize() + "." for _ in range(per_doc))
        ),
        f"{DOCS} x 'On March D, N people died in W.'": docs(
            lambda: " ".join(
                f"On March {rng.randint(1, 28)}, {rng.randint(2, 999)} people died in {rng.choice(vocab)}."
                for _ in range(per_doc // 8)
            )
        ),
        f"{DOCS} x short quotes with a speaker": docs(
            lambda: " ".join(f'"{words(8)}," said {rng.choice(SPEAKERS)}.' for _ in range(per_doc // 11))
        ),
    }


def _real_within(real: list[str], budget: int) -> list[str]:
    """The real articles in order while their words fit the budget."""
    kept: list[str] = []
    for text in real:
        budget -= len(text.split())
        if budget < 0:
            break
        kept.append(text)
    return kept


def cpu_seconds(documents: list[str], budget: int, rounds: int) -> float:
    """Least CPU time of `rounds` summaries of the body, after the service's cost check passes."""
    body = SummarizeRequest(documents=documents, compare=True)
    _check_cost(body, budget)
    options = Options(words=body.words, selector=body.selector, compare=True)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        summarize_documents(body.documents, options)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--words", default=f"{MAX_SUMMARIZE_WORDS},{MAX_SUMMARIZE_WORDS_TOKEN}", help="comma-separated budgets"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--data", type=Path, default=FULLTEXT)
    args = parser.parse_args()
    budgets = [int(w) for w in args.words.split(",")]
    real = articles(args.data)
    summarize_documents(real[:2], Options(compare=True))  # warm-up: model load, lazy imports
    table = {budget: bodies(budget, real) for budget in budgets}
    print("| body | " + " | ".join(f"docs / words / CPU s at {b:,}" for b in budgets) + " |")
    print("|---|" + "---:|" * len(budgets))
    for name in table[budgets[0]]:
        cells = []
        for budget in budgets:
            documents = table[budget][name]
            count = sum(len(d.split()) for d in documents)
            cells.append(f"{len(documents)} / {count:,} / {cpu_seconds(documents, budget, args.rounds):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
