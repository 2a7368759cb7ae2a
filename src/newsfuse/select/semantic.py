"""How close a candidate summary's meaning is to its story's (MatchSum's idea), from wordllama's static word vectors."""

from __future__ import annotations

import numpy as np

from ..meaning import encoder

__all__ = ["MEANING_FEATURES", "GAPPED", "token_sums", "meaning_columns", "gap_columns"]

# The reranker's candidate features this module gives (appended to rerank.CANDIDATE_FEATURES).
MEANING_FEATURES: list[str] = [
    "meaning_cos",  # the candidate's mean word vector against the story's (every candidate sentence)
    "meaning_gap",  # meaning_cos minus the story's best candidate's: the trees compare within a story
    "meaning_priority",  # against the best-covering article's
    "meaning_origin_min",  # against each origin's, the lowest
    "meaning_origin_mean",  # and the mean
    "meaning_sent_mean",  # its sentences' cosines to the story's, weighted by words (centrality)
    "meaning_pair_max",  # the closest two of its sentences (redundancy by meaning)
]
# Content features whose gap to the story's best candidate is a feature too ("<name>_gap"): the
# model is trained on labels centred per story, and trees see a row alone, so a feature relative
# to the story's other candidates says what the absolute one cannot. With the meaning features,
# on the reranker's 4,000 training clusters (3 seeds, before order): fulltext-dev +0.4 / +0.3,
# validation (500) +0.1 / +0.1; the meaning features without gaps, or these gaps without them, less.
GAPPED = [
    "meaning_priority",
    "meaning_origin_mean",
    "centroid_cos",
    "bigram_cover",
    "unigram_cover",
    "score_sum",
    "top_terms",
]
MEANING_FEATURES += [f"{name}_gap" for name in GAPPED]


def token_sums(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per text: the sum of its tokens' wordllama vectors (float64) and its token count. A summary's
    mean vector is then its sentences' sums over their counts, as wordllama's own `embed` of the
    joined text pools it (to the tokens split at a sentence boundary); unpadded, so a story costs
    one lookup of its tokens rather than `embed`'s padded batches."""
    model = encoder()
    dim = model.embedding.shape[1]
    if not texts:
        return np.zeros((0, dim)), np.zeros(0)
    encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    ids = [np.asarray(e.ids, dtype=np.int64)[np.asarray(e.attention_mask, dtype=bool)] for e in encoded]
    counts = np.array([len(i) for i in ids], dtype=float)
    flat = np.clip(np.concatenate(ids), 0, model.embedding.shape[0] - 1)
    running = np.vstack([np.zeros((1, dim)), np.cumsum(model.embedding[flat], axis=0, dtype=np.float64)])
    ends = np.cumsum(counts).astype(int)
    return running[ends] - running[ends - counts.astype(int)], counts


def gap_columns(columns: dict[str, np.ndarray], rows: int) -> dict[str, np.ndarray]:
    """Each GAPPED column (of `rows` candidates; a constant is broadcast) minus its story's maximum."""
    out = {}
    for name in GAPPED:
        values = np.broadcast_to(np.asarray(columns[name], dtype=float), (rows,))
        out[f"{name}_gap"] = values - values.max() if rows else values
    return out


def _cosines(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1) * np.linalg.norm(target, axis=-1)
    return np.where(norms > 0, (rows * target).sum(axis=-1) / np.maximum(norms, 1e-12), 0.0)


def meaning_columns(
    sums: np.ndarray, member: np.ndarray, lengths: np.ndarray, docs: np.ndarray, origins: np.ndarray, best_doc: int
) -> dict[str, np.ndarray]:
    """The MEANING_FEATURES columns of the candidate summaries (rows of `member`, over the story's
    candidate sentences, whose token sums are `sums`, word counts `lengths`, articles `docs` and
    origins `origins`; `best_doc` the best-covering article)."""
    summary = member @ sums
    story = sums.sum(axis=0)
    cos = _cosines(summary, story)
    _, origin_index = np.unique(origins, return_inverse=True)
    by_origin = np.stack([sums[origin_index == o].sum(axis=0) for o in range(origin_index.max() + 1)])
    to_origins = np.stack([_cosines(summary, o) for o in by_origin], axis=1)
    unit = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    sent_cos = _cosines(sums, story)
    weights = member * lengths / np.maximum(1, member @ lengths)[:, None]
    pair_max = np.zeros(len(member))
    for r, row in enumerate(member):
        idx = np.flatnonzero(row)
        if len(idx) > 1:
            pair = unit[idx] @ unit[idx].T
            pair_max[r] = (pair - 2 * np.eye(len(idx))).max()
    return {
        "meaning_cos": cos,
        "meaning_gap": cos - cos.max(),
        "meaning_priority": _cosines(summary, sums[docs == best_doc].sum(axis=0)),
        "meaning_origin_min": to_origins.min(axis=1),
        "meaning_origin_mean": to_origins.mean(axis=1),
        "meaning_sent_mean": weights @ sent_cos,
        "meaning_pair_max": pair_max,
    }
