"""Score summaries against human references with ROUGE, newsfuse beside baselines in one run."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch import open_text
from .errors import InputError
from .ingest import iter_records, story_from_record
from .model import Story
from .prepare import prepare
from .segment import split_sentences
from .select import default_budget, get_selector
from .settings import Options
from .textsim import quote_marks

__all__ = ["ROUGE_TYPES", "rouge", "load_clusters", "Scores", "evaluate", "reference_lines"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def reference_lines(reference: str) -> str:
    """The reference with one sentence a line, as rougeLsum expects; Multi-News' leading dash dropped."""
    text = reference.strip().lstrip("–—-").strip()
    return "\n".join(text[s:e] for s, e in split_sentences(text))


def rouge(summary: str, reference: str) -> dict[str, float]:
    """F1 (x100) of rouge-score with stemming; `summary` has one sentence a line."""
    from rouge_score import rouge_scorer

    scorer = _scorer(rouge_scorer)
    result = scorer.score(reference_lines(reference), summary)
    return {k: 100 * result[k].fmeasure for k in ROUGE_TYPES}


_SCORER = None


def _scorer(module):
    global _SCORER
    if _SCORER is None:
        _SCORER = module.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    return _SCORER


def load_clusters(path: str | Path, limit: int | None = None, truncated: bool = False) -> Iterator[tuple[Story, str]]:
    """(story, reference) pairs of a Multi-News style .jsonl(.gz) file, the first `limit` usable ones.

    A record needs "documents" with some text and a "summary" string; others are skipped. The
    reference loses Multi-News' leading dash. `truncated`: the documents were cut mid-sentence at
    ~500 tokens a cluster (Multi-News' own train and validation files); each cut tail is dropped so
    the cleaner keeps the body, and a text that never ends a sentence gets a final period."""
    path = Path(path)
    with open_text(path) as lines:
        count = 0
        for at, record in iter_records(lines, str(path)):
            if limit is not None and count >= limit:
                return
            if isinstance(record, Exception) or not isinstance(record.get("summary"), str):
                continue
            if truncated:
                record = {**record, "documents": [_drop_cut_tail(d) for d in record.get("documents") or []]}
            try:
                story, _ = story_from_record(record, at)
            except InputError:  # no document with any text
                continue
            count += 1
            yield story, record["summary"].strip().lstrip("–—-").strip()


_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)")


# Tokenized text closes a quotation apart from its sentence end: `calling it " unimaginable. " the`.
_LONE_CLOSER_RE = re.compile(r"\s*(?:''|\")(?=\s|$)")


def _with_closing_mark(text: str, end: int) -> int:
    """Where a cut at `end` should fall: after the lone closing quotation mark that follows it, when
    the text before leaves a quotation open (cutting it would leave half a quote)."""
    closer = _LONE_CLOSER_RE.match(text, end)
    return closer.end() if closer is not None and quote_marks(text[:end]) % 2 == 1 else end


def _drop_cut_tail(doc: object) -> object:
    """A document text cut mid-sentence, up to its last sentence end (when that keeps most of it)."""
    if not isinstance(doc, str) and doc is not None:
        return doc
    text = (doc or "").strip()
    ends = list(_SENTENCE_END_RE.finditer(text))
    if ends and ends[-1].end() < len(text):
        text = text[: _with_closing_mark(text, ends[-1].end())] if ends[-1].end() > 0.5 * len(text) else text + " ."
    elif text and not ends:
        text += " ."
    return text


@dataclass
class Scores:
    """Per-system ROUGE sums and timing over the clusters evaluated."""

    totals: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, system: str, scores: dict[str, float], seconds: float, words: int) -> None:
        total = self.totals.setdefault(system, dict.fromkeys(ROUGE_TYPES, 0.0))
        for key, value in scores.items():
            total[key] += value
        self.seconds[system] = self.seconds.get(system, 0.0) + seconds
        self.words[system] = self.words.get(system, 0) + words

    def mean(self, system: str) -> dict[str, float]:
        return {k: v / max(1, self.clusters) for k, v in self.totals[system].items()}

    def table(self) -> list[dict]:
        return [
            {
                "system": system,
                **{k: round(v, 2) for k, v in self.mean(system).items()},
                "words": round(self.words[system] / max(1, self.clusters), 1),
                "ms_per_cluster": round(1000 * self.seconds[system] / max(1, self.clusters), 2),
            }
            for system in self.totals
        ]


def evaluate(
    clusters: Sequence[tuple[Story, str]] | Iterator[tuple[Story, str]],
    options: Options = Options(),
    baselines: Sequence[str] = ("lead", "lexrank"),
    progress: Callable[[], None] | None = None,
) -> Scores:
    """ROUGE of `options.selector` and of each baseline on the same prepared stories.

    Every system gets the budget newsfuse chose (its default rule or `options.words`), so the
    comparison is at equal length. Times cover selection only; preparation is shared and timed
    apart as "prepare"."""
    scores = Scores()
    systems = [options.selector, *[b for b in baselines if b != options.selector]]
    selectors = {name: get_selector(name, options) for name in systems}
    for story, reference in clusters:
        start = time.perf_counter()
        try:
            prepared = prepare(story, options.syndication)
        except Exception as err:  # noqa: BLE001 - a bad cluster is reported, the run goes on
            scores.skipped.append(f"{story.id}: {err}")
            continue
        scores.seconds["prepare"] = scores.seconds.get("prepare", 0.0) + time.perf_counter() - start
        budget = options.words or default_budget(prepared)
        scores.clusters += 1
        for name, selector in selectors.items():
            start = time.perf_counter()
            chosen = selector(prepared, budget)
            elapsed = time.perf_counter() - start
            text = "\n".join(s.text for s in chosen)
            scores.add(name, rouge(text, reference), elapsed, sum(s.words for s in chosen))
        if progress:
            progress()
    return scores


def dump(scores: Scores) -> str:
    return json.dumps({"clusters": scores.clusters, "systems": scores.table(), "skipped": scores.skipped})
