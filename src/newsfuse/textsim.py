"""Text similarity shared by the stages: word normalization, sentence TF-IDF vectors, shingles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

__all__ = ["words", "normalize", "shingles", "sentence_vectors", "cosine_matrix", "stop_words", "QUOTE_CHARS"]

QUOTE_CHARS = '"“”«»„'
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# Spelling variants that wire rewrites and the tokenized training text introduce.
_VARIANTS = [
    (re.compile(rf"\b{re.escape(variant)}", re.IGNORECASE), canonical)
    for variant, canonical in {"u.s.": "us", "u.n.": "un", "u.k.": "uk", "qaeda": "qaida"}.items()
]


def normalize(text: str) -> str:
    """Lower-case, accents folded, curly quotes straightened: raw and tokenized text meet here."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for variant, canonical in _VARIANTS:
        text = variant.sub(canonical, text)
    return text.lower().replace("’", "'").replace("‘", "'")


def words(text: str) -> list[str]:
    """Word tokens of normalized text (punctuation dropped, "n't"/"'s" kept attached)."""
    return _WORD_RE.findall(normalize(text))


def shingles(text: str, k: int = 3) -> set[str]:
    """Word k-shingles: the unit of near-duplicate detection."""
    tokens = words(text)
    if len(tokens) < k:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def sentence_vectors(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalized TF-IDF rows (stop words out, sublinear tf), IDF fitted on these sentences."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Stop words are dropped by the tokenizer: given as a list, scikit-learn re-validates it on
    # every fit, which cost 40% of this function (one call per stage per story).
    vectorizer = TfidfVectorizer(tokenizer=_content_words, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # every sentence is only stop words
        return sparse.csr_matrix((len(texts), 1))


def _content_words(text: str) -> list[str]:
    stop = stop_words()
    return [w for w in words(text) if w not in stop]


def cosine_matrix(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Dense cosine similarities of L2-normalized rows."""
    return np.asarray((a @ b.T).todense())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words plus the reporting verbs and honorifics every news sentence carries."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | {"said", "says", "told", "s", "t", "mr", "ms", "mrs"})
