"""Hashed term counts without scikit-learn: its `HashingVectorizer` (English stop words, MurmurHash3) rebuilt."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import mmh3
import numpy as np
from scipy import sparse

__all__ = ["ENGLISH_STOP_WORDS", "murmurhash3_32", "TermHasher"]

# scikit-learn's English stop-word list (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, BSD
# licence), copied so that a summary does not import scikit-learn (about 1.3 s of start-up, most of
# it scipy.stats); tests/test_hashing.py checks the copy against the original.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at
    back be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone
    everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found
    four from front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its
    itself keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover
    most mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone
    nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own part per perhaps please put rather re same see seem seemed seeming seems serious
    several she should show side since sincere six sixty so some somehow someone something sometime sometimes
    somewhere still such system take ten than that the their them themselves then thence there thereafter
    thereby therefore therein thereupon these they thick thin third this those though three through throughout
    thru thus to together too top toward towards twelve twenty two un under until up upon us very via was we
    well were what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever
    whether which while whither who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves
    """.split()
)

# A word character (Unicode's \w) outside ASCII: a text without one tokenizes alike in either mode.
_non_ascii_word = re.compile(r"[^\W\x00-\x7f]").search

# Distinct terms whose column is remembered; past it the memo starts afresh (a long ingest).
_MEMO_LIMIT = 1 << 20


def murmurhash3_32(data: bytes | str, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit of `data`, signed, as `sklearn.utils.murmurhash3_32(data, seed)`."""
    # mmh3 (C, the hash alone: a tenth of a millisecond to import) rather than the hash in Python,
    # which was half of a cold process's vectorizing of full-text articles
    return mmh3.hash(data, seed)


class _Columns(dict):
    """The memo of term columns: a term looked up and missing is hashed and remembered (a stop word
    as -1, dropped later), so a text's tokens are looked up in C (`map`), not term by term in Python."""

    def __init__(self, column: Callable[[str], int]) -> None:
        super().__init__()
        self._column = column

    def __missing__(self, term: str) -> int:
        column = -1 if term in ENGLISH_STOP_WORDS else self._column(term)
        if len(self) >= _MEMO_LIMIT:  # every entry is right for its term, so a clear costs rehashing only
            self.clear()
        self[term] = column
        return column


class TermHasher:
    """Term counts in `n_features` hashed columns, as scikit-learn's `HashingVectorizer(n_features,
    alternate_sign=False, norm=None, stop_words="english", token_pattern=...)` gives them: lower-cased
    text, the pattern's matches less the stop words, column |murmurhash3_32(term)| mod n_features."""

    def __init__(
        self, n_features: int, token_pattern: str, dtype: type = np.float32, ascii_pattern: str | None = None
    ) -> None:
        self.n_features = n_features
        self.dtype = dtype
        self._findall = re.compile(token_pattern).findall
        # `ascii_pattern` must find what `token_pattern` finds in any text whose word characters are
        # all ASCII (most news text: its non-ASCII characters are quotes and dashes); it then reads
        # such a text instead, as ASCII classes match about twice as fast as Unicode categories
        self._ascii_findall = re.compile(ascii_pattern).findall if ascii_pattern else None
        self._columns: dict[str, int] = _Columns(self._column)

    def _column(self, term: str) -> int:
        h = murmurhash3_32(term)
        # scikit-learn's rule for -2**31, whose absolute value an int32 cannot hold
        return (2147483647 - (self.n_features - 1)) % self.n_features if h == -(1 << 31) else abs(h) % self.n_features

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """A (texts x n_features) CSR matrix of term counts, duplicates summed, columns sorted."""
        columns: list[int] = []
        lookup, findall, fast = self._columns.__getitem__, self._findall, self._ascii_findall
        indptr = [0]
        for text in texts:
            text = text.lower()
            find = fast if fast is not None and (text.isascii() or not _non_ascii_word(text)) else findall
            # every token's column (-1: a stop word) by one C loop; a memo cleared meanwhile (another
            # thread's call, or its limit) only means rehashing
            columns.extend(map(lookup, find(text)))
            indptr.append(len(columns))
        found = np.asarray(columns, dtype=np.int32)
        kept = found >= 0
        # each row's end among the kept tokens: the kept tokens before its end in all tokens
        ends = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))[np.asarray(indptr, dtype=np.int64)]
        indices = found[kept]
        matrix = sparse.csr_matrix(
            (np.ones(len(indices), dtype=self.dtype), indices, ends.astype(np.int32)),
            shape=(len(texts), self.n_features),
        )
        matrix.sum_duplicates()
        return matrix
