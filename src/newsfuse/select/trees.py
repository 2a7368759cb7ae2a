"""LightGBM tree ensembles evaluated by LightGBM's own library (its C API), or in numpy where it does not load."""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..errors import ModelError

__all__ = ["TreeEnsemble", "read_trees"]

# Why not `import lightgbm` at prediction time: the package costs about 1.3 s of a 0.7 s start-up
# budget (it imports scikit-learn and with it scipy.stats when they are installed). Its shared
# library, in the same wheel, loads in about 3 ms and parses a model about 3x faster than numpy
# does; its predictor evaluates a story's rows 1.5-2x faster than the numpy descent, and gives the
# numbers `Booster.predict` gives (it is the same code). The numpy descent (`_NumpyTrees`) remains
# for where the library does not load (a lightgbm wheel on macOS needs libomp installed apart).
# tests/test_trees.py checks both against `Booster.predict` on real feature rows.

# LightGBM's decision_type bits (tree.h): categorical split, default-left, and the missing type.
_CATEGORICAL, _DEFAULT_LEFT = 1, 2
_MISSING_ZERO, _MISSING_NAN = 1, 2
_ZERO = 1e-35  # kZeroThreshold: |x| at most this is "zero" for a MissingType::Zero split
# Objectives whose prediction is the raw score, and those LightGBM passes through a sigmoid.
_RAW = ("lambdarank", "rank_xendcg", "regression", "regression_l1", "huber", "fair", "quantile", "mape")
_SIGMOID = ("binary", "cross_entropy")
# (tree, row) pairs descended at a time: bounds memory for big stories.
_BLOCK = 1 << 20
# c_api.h's constants: float64 input, the normal prediction (after the sigmoid of a binary model).
_FLOAT64, _PREDICT_NORMAL = 1, 0
# One thread a call: the stories' rows are few, and no OpenMP pool is made that a later fork
# would inherit half-made.
_ONE_THREAD = b"num_threads=1"


@dataclass(frozen=True)
class TreeEnsemble:
    """A LightGBM text model (`booster`, the text `Booster.model_to_string` gives) and what
    evaluates it: `predict` gives `Booster.predict`'s numbers for rows of `num_features` columns."""

    booster: str
    num_features: int
    engine: _NativeTrees | _NumpyTrees

    def predict(self, matrix: np.ndarray, num_threads: int = 1) -> np.ndarray:
        """The model's prediction of each row (LightGBM's `Booster.predict` of the same rows);
        `num_threads` is accepted for LightGBM's signature and ignored (one thread)."""
        return self.engine.predict(self._rows(matrix))

    def predict_groups(self, matrices: list[np.ndarray]) -> list[np.ndarray]:
        """`[self.predict(m) for m in matrices]`, bit for bit, in one evaluation of all their rows
        (each call's fixed cost was most of a small story's evaluation)."""
        return self.engine.predict_groups([self._rows(m) for m in matrices])

    def model_to_string(self) -> str:
        """The LightGBM text model the ensemble was read from (as `Booster.model_to_string`)."""
        return self.booster

    def __reduce__(self) -> tuple:
        """Pickled as its text, read again where it is unpickled (a library handle is this process's)."""
        return read_trees, (self.booster, isinstance(self.engine, _NativeTrees))

    def _rows(self, matrix: np.ndarray) -> np.ndarray:
        """The rows as float64, checked to have the model's features (ModelError otherwise)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.num_features:
            raise ModelError(f"the model reads {self.num_features} features, got an array of shape {matrix.shape}")
        return matrix


class _NativeTrees:
    """A booster of LightGBM's shared library (`LGBM_BoosterLoadModelFromString`), freed with
    this object; predictions by `LGBM_BoosterPredictForMat`, one thread."""

    def __init__(self, lib: ctypes.CDLL, text: str) -> None:
        self._lib, self._handle = lib, ctypes.c_void_p()
        iterations = ctypes.c_int()
        lib.LGBM_SetMaxThreads(1)  # the parse is parallel otherwise (see _ONE_THREAD)
        try:
            status = lib.LGBM_BoosterLoadModelFromString(
                text.encode(), ctypes.byref(iterations), ctypes.byref(self._handle)
            )
        finally:
            lib.LGBM_SetMaxThreads(-1)  # LightGBM's default again, for a training in this process
        if status != 0:
            raise ModelError(f"LightGBM could not read the model: {_last_error(lib)}")

    def predict(self, rows: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(rows)
        out, length = np.empty(len(rows)), ctypes.c_int64()
        if not len(rows):
            return out
        status = self._lib.LGBM_BoosterPredictForMat(
            self._handle,
            rows.ctypes.data_as(ctypes.c_void_p),
            _FLOAT64,
            ctypes.c_int32(rows.shape[0]),
            ctypes.c_int32(rows.shape[1]),
            1,  # row-major
            _PREDICT_NORMAL,
            0,  # from the first iteration
            -1,  # to the last
            _ONE_THREAD,
            ctypes.byref(length),
            out.ctypes.data_as(ctypes.c_void_p),
        )
        if status != 0 or length.value != len(rows):
            raise ModelError(f"LightGBM could not evaluate the model: {_last_error(self._lib)}")
        return out

    def predict_groups(self, matrices: list[np.ndarray]) -> list[np.ndarray]:
        """One call for all the rows: LightGBM scores each row on its own, so each matrix's part
        is bit for bit its own call's."""
        if not matrices:
            return []
        scores = self.predict(np.concatenate(matrices))
        return np.split(scores, np.cumsum([len(m) for m in matrices])[:-1])

    def __del__(self) -> None:
        if self._handle:
            self._lib.LGBM_BoosterFree(self._handle)


def _last_error(lib: ctypes.CDLL) -> str:
    return (lib.LGBM_GetLastError() or b"").decode("utf-8", "replace")


@cache  # loaded once a process
def _library() -> ctypes.CDLL | None:
    """LightGBM's shared library from the installed lightgbm wheel, found without importing the
    package (where its libpath.py looks), or None when it is absent or does not load."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    name = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(sys.platform, "lib_lightgbm.so")
    for place in (package.parent, package / "bin", package / "lib"):
        try:
            lib = ctypes.cdll.LoadLibrary(str(place / name)) if (place / name).is_file() else None
        except OSError:  # found but not loadable (a missing libomp): the numpy descent
            continue
        if lib is not None and hasattr(lib, "LGBM_SetMaxThreads"):  # LightGBM 4.2 and later
            lib.LGBM_GetLastError.restype = ctypes.c_char_p
            return lib
    return None


@dataclass(frozen=True)
class _NumpyTrees:
    """All trees of a model as one forest of nodes: nodes 0..n-1 are the splits (split k reads
    `feature[k]` at `threshold[k]`; `decision[k]` is LightGBM's decision_type), nodes n.. the
    leaves (node n + l has `leaf_value[l]`). Node k's children are `children[2k]` (right) and
    `children[2k + 1]` (left); `roots[t]` is tree t's first node. It reads no categorical split."""

    feature: np.ndarray
    threshold: np.ndarray
    decision: np.ndarray
    children: np.ndarray
    roots: np.ndarray
    leaf_value: np.ndarray
    sigmoid: float | None
    num_features: int
    # No split treats a missing value apart (the shipped models): a plain `<=` descent. Found once
    # at reading (a pass over every split, about 40 us, was a call's fixed cost).
    plain: bool = False

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The model's prediction of each row (LightGBM's `Booster.predict` of the same rows)."""
        raw = np.zeros(len(matrix))
        rows_per_block = self._rows_per_block()
        for start in range(0, len(matrix), rows_per_block):
            raw[start : start + rows_per_block] = self._raw(matrix[start : start + rows_per_block])
        return self._link(raw)

    def predict_groups(self, matrices: list[np.ndarray]) -> list[np.ndarray]:
        """`[self.predict(m) for m in matrices]`, bit for bit, in one descent of all their rows
        (each call's fixed cost, about 13 numpy calls a tree level, was most of a small story's
        evaluation). A row's leaves do not depend on the other rows; their sums are made per
        matrix and block as `predict` makes them (a one-row block sums in numpy's pairwise order,
        more rows one after the other), each on a contiguous copy of the same shape."""
        sizes = [len(m) for m in matrices]
        if not sum(sizes):
            return [self.predict(m) for m in matrices]
        stacked = np.concatenate(matrices)
        rows_per_block = self._rows_per_block()
        leaves = np.empty((len(self.roots), len(stacked)))
        for start in range(0, len(stacked), rows_per_block):
            leaves[:, start : start + rows_per_block] = self._leaves(stacked[start : start + rows_per_block])
        out, at = [], 0
        for n in sizes:
            raw = np.zeros(n)
            for start in range(0, n, rows_per_block):
                end = min(n, start + rows_per_block)
                raw[start:end] = np.ascontiguousarray(leaves[:, at + start : at + end]).sum(axis=0)
            at += n
            out.append(self._link(raw))
        return out

    def _rows_per_block(self) -> int:
        """Rows a descent takes at once: at most `_BLOCK` (tree, row) pairs in memory."""
        return max(1, _BLOCK // max(1, len(self.roots)))

    def _link(self, raw: np.ndarray) -> np.ndarray:
        """The prediction from the summed leaf values: their sigmoid for a binary model."""
        return 1.0 / (1.0 + np.exp(-self.sigmoid * raw)) if self.sigmoid is not None else raw

    def _raw(self, matrix: np.ndarray) -> np.ndarray:
        """Sum of the leaf values the rows reach (tree after tree, per row)."""
        return self._leaves(matrix).sum(axis=0)

    def _leaves(self, matrix: np.ndarray) -> np.ndarray:
        """The leaf value each (tree, row) reaches, trees x rows: all pairs descend together, one
        level a step, those at a leaf dropped from the next step."""
        n, splits = len(matrix), len(self.feature)
        plain = self.plain
        values = (np.where(np.isnan(matrix), 0.0, matrix) if plain else matrix).ravel()
        node = np.repeat(self.roots, n)
        offset = (
            np.arange(len(node)) % n * self.num_features
        )  # each row's, tree after tree (np.tile's wrapper cost more)
        active = np.flatnonzero(node < splits)
        while len(active):
            at = node[active]
            value = values[offset[active] + self.feature[at]]
            left = value <= self.threshold[at] if plain else self._goes_left(value, at)
            node[active] = step = self.children[2 * at + left]
            active = active[step < splits]
        return self.leaf_value[node - splits].reshape(len(self.roots), n)

    def _goes_left(self, value: np.ndarray, at: np.ndarray) -> np.ndarray:
        """LightGBM's NumericalDecision, with its missing-value rules, for each (value, split)."""
        decision = self.decision[at]
        missing = (decision >> 2) & 3
        nan = np.isnan(value)
        value = np.where(nan & (missing != _MISSING_NAN), 0.0, value)
        is_missing = ((missing == _MISSING_ZERO) & (np.abs(value) <= _ZERO)) | ((missing == _MISSING_NAN) & nan)
        return np.where(is_missing, (decision & _DEFAULT_LEFT) != 0, value <= self.threshold[at])


def read_trees(booster: str, native: bool = True) -> TreeEnsemble:
    """The ensemble of a LightGBM text model (`Booster.model_to_string()`), evaluated by LightGBM's
    library when it loads and `native` (the numpy descent otherwise); raises `ModelError` for what
    the numpy descent does not do (categorical splits, linear trees, several outputs)."""
    header, _, body = booster.partition("\nTree=")
    head = _fields(header.splitlines())
    objective = head.get("objective", [""])[0].split()
    if head.get("num_class", ["1"]) != ["1"] or head.get("num_tree_per_iteration", ["1"]) != ["1"]:
        raise ModelError("the tree evaluator reads single-output models only")
    if not objective or objective[0] not in _RAW + _SIGMOID:
        raise ModelError(f"the tree evaluator does not know the objective {' '.join(objective)!r}")
    trees = body.split("end of trees")[0]
    if not trees.strip():
        raise ModelError("the LightGBM model holds no trees")
    if body.count("\nnum_cat=0\n") != body.count("\nnum_cat=") or "\nis_linear=1\n" in body:
        # neither evaluator reads them, so that both read the same models (LightGBM would)
        raise ModelError("the tree evaluator does not read categorical splits or linear trees")
    num_features = int(head["max_feature_idx"][0]) + 1
    lib = _library() if native else None
    engine = _NativeTrees(lib, booster) if lib is not None else _numpy_trees(trees, objective, num_features)
    return TreeEnsemble(booster, num_features, engine)


def _numpy_trees(trees: str, objective: list[str], num_features: int) -> _NumpyTrees:
    """The numpy descent's forest of the model's trees (their text: after the header's first
    "Tree=", before "end of trees")."""
    sigmoid = None
    if objective[0] in _SIGMOID:
        sigmoid = float(next((o.split(":")[1] for o in objective[1:] if o.startswith("sigmoid:")), "1"))
    blocks = [_fields(b.splitlines()) for b in trees.split("\nTree=") if b.strip()]
    return _forest(blocks, sigmoid, num_features)


def _fields(lines: list[str]) -> dict[str, list[str]]:
    """Each `key=value` line's value, by key, in order (a key repeats once per tree)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            out.setdefault(key, []).append(value)
    return out


def _column(blocks: list[dict[str, list[str]]], key: str, dtype: type) -> np.ndarray:
    """Every tree's `key` numbers, concatenated in tree order (parsed in one call: the cost is
    per number, and the shipped model holds about 75,000)."""
    text = " ".join(b.get(key, [""])[0] for b in blocks)
    if dtype is np.int64:
        return np.fromstring(text, dtype=np.int64, sep=" ")  # C parser; fast for integers
    return np.array(text.split(), dtype=dtype)


def _forest(blocks: list[dict[str, list[str]]], sigmoid: float | None, num_features: int) -> _NumpyTrees:
    """One forest: tree t's split k is node split_start[t] + k, its leaf l (LightGBM's child ~l)
    node leaf_start[t] + l, after all the splits; a leaf's children are itself."""
    leaves = np.array([int(b["num_leaves"][0]) for b in blocks], dtype=np.int64)
    feature, decision = _column(blocks, "split_feature", np.int64), _column(blocks, "decision_type", np.int64)
    if (decision & _CATEGORICAL).any():
        raise ModelError("the tree evaluator does not read categorical splits")
    sizes = leaves - 1
    split_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    leaf_start = len(feature) + np.concatenate([[0], np.cumsum(leaves)[:-1]])
    owner = np.repeat(np.arange(len(blocks)), sizes)
    total = len(feature) + int(leaves.sum())
    children = np.repeat(np.arange(total), 2)  # leaves lead to themselves
    for side, key in ((0, "right_child"), (1, "left_child")):
        c = _column(blocks, key, np.int64)
        children[2 * np.arange(len(feature)) + side] = np.where(c >= 0, c + split_start[owner], ~c + leaf_start[owner])
    return _NumpyTrees(
        feature=feature,
        threshold=_column(blocks, "threshold", np.float64),
        decision=decision,
        children=children,
        roots=np.where(sizes > 0, split_start, leaf_start),
        leaf_value=_column(blocks, "leaf_value", np.float64),
        sigmoid=sigmoid,
        num_features=num_features,
        plain=not ((decision >> 2) & 3).any(),
    )
