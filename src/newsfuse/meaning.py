"""How close two sentences are in meaning: the cosine of wordllama's static word vectors, read on first use."""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

__all__ = ["similarity", "encoder"]

# The vectors shipped in the wordllama wheel (256-d, 16 MB): nothing is downloaded.
WEIGHTS = "l2_supercat_256.safetensors"


@lru_cache(maxsize=1)
def encoder() -> Any:
    """wordllama's bundled model, loaded once (about 0.8 s with the import); ModelError if absent."""
    spec = find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise ModelError("newsfuse's updates need wordllama's word vectors: pip install 'wordllama>=0.4'")
    home = Path(spec.origin).parent
    if not (home / "weights" / WEIGHTS).exists():
        raise ModelError(f"wordllama is installed without its bundled vectors ({home / 'weights' / WEIGHTS})")
    from wordllama import WordLlama

    # The package's own lookup lands in wordllama/tokenizer/ (the wheel ships wordllama/tokenizers/):
    # with the package directory as cache_dir both files resolve inside the wheel, offline.
    return WordLlama.load(cache_dir=home, disable_download=True)


# A story's sentences are asked about again and again (every later sentence against up to 8 earlier).
@lru_cache(maxsize=16384)
def _vector(text: str) -> np.ndarray:
    vector = np.asarray(encoder().embed([text], norm=True), dtype=np.float32)[0]
    vector.setflags(write=False)  # shared by every caller (memo)
    return vector


def similarity(a: str, b: str) -> float:
    """The cosine of the two sentences' mean word vectors (wordllama, L2-normalised): paraphrases
    that share few words score high ("Only GOP Sen. Josh Hawley voted no." / "Republican Sen. Josh
    Hawley the only senator to vote against it.": 0.76)."""
    return float(_vector(a) @ _vector(b))
