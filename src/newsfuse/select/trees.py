"""LightGBM tree ensembles evaluated in numpy, read from the text model a `ModelFile` stores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError

__all__ = ["TreeEnsemble", "read_trees"]

# Why not lightgbm at prediction time: importing it costs about 1.3 s of a 0.7 s start-up budget
# (it imports scikit-learn and with it scipy.stats when they are installed), and the shipped
# models are plain numerical trees. tests/test_trees.py checks the scores against lightgbm's
# `Booster.predict` on real feature rows (to 1e-9).

# LightGBM's decision_type bits (tree.h): categorical split, default-left, and the missing type.
_CATEGORICAL, _DEFAULT_LEFT = 1, 2
_MISSING_ZERO, _MISSING_NAN = 1, 2
_ZERO = 1e-35  # kZeroThreshold: |x| at most this is "zero" for a MissingType::Zero split
# Objectives whose prediction is the raw score, and those LightGBM passes through a sigmoid.
_RAW = ("lambdarank", "rank_xendcg", "regression", "regression_l1", "huber", "fair", "quantile", "mape")
_SIGMOID = ("binary", "cross_entropy")
# (tree, row) pairs descended at a time: bounds memory for big stories.
_BLOCK = 1 << 20


@dataclass(frozen=True)
class TreeEnsemble:
    """All trees of a model as one forest of nodes: nodes 0..n-1 are the splits (split k reads
    `feature[k]` at `threshold[k]`; `decision[k]` is LightGBM's decision_type), nodes n.. the
    leaves (node n + l has `leaf_value[l]`). Node k's children are `children[2k]` (right) and
    `children[2k + 1]` (left); `roots[t]` is tree t's first node. `booster` keeps the model's text."""

    feature: np.ndarray
    threshold: np.ndarray
    decision: np.ndarray
    children: np.ndarray
    roots: np.ndarray
    leaf_value: np.ndarray
    sigmoid: float | None
    num_features: int
    booster: str
    # No split treats a missing value apart (the shipped models): a plain `<=` descent. Found once
    # at reading (a pass over every split, about 40 us, was a call's fixed cost).
    plain: bool = False

    def predict(self, matrix: np.ndarray, num_threads: int = 1) -> np.ndarray:
        """The model's prediction of each row (LightGBM's `Booster.predict` of the same rows);
        `num_threads` is accepted for LightGBM's signature and ignored."""
        matrix = self._rows(matrix)
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
        matrices = [self._rows(m) for m in matrices]
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

    def _rows(self, matrix: np.ndarray) -> np.ndarray:
        """The rows as float64, checked to have the model's features (ModelError otherwise)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.num_features:
            raise ModelError(f"the model reads {self.num_features} features, got an array of shape {matrix.shape}")
        return matrix

    def _rows_per_block(self) -> int:
        """Rows a descent takes at once: at most `_BLOCK` (tree, row) pairs in memory."""
        return max(1, _BLOCK // max(1, len(self.roots)))

    def _link(self, raw: np.ndarray) -> np.ndarray:
        """The prediction from the summed leaf values: their sigmoid for a binary model."""
        return 1.0 / (1.0 + np.exp(-self.sigmoid * raw)) if self.sigmoid is not None else raw

    def model_to_string(self) -> str:
        """The LightGBM text model the ensemble was read from (as `Booster.model_to_string`)."""
        return self.booster

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


def read_trees(booster: str) -> TreeEnsemble:
    """The ensemble of a LightGBM text model (`Booster.model_to_string()`); raises `ModelError`
    for what this evaluator does not do (categorical splits, linear trees, several outputs)."""
    header, _, body = booster.partition("\nTree=")
    head = _fields(header.splitlines())
    objective = head.get("objective", [""])[0].split()
    if head.get("num_class", ["1"]) != ["1"] or head.get("num_tree_per_iteration", ["1"]) != ["1"]:
        raise ModelError("the tree evaluator reads single-output models only")
    if not objective or objective[0] not in _RAW + _SIGMOID:
        raise ModelError(f"the tree evaluator does not know the objective {' '.join(objective)!r}")
    sigmoid = None
    if objective[0] in _SIGMOID:
        sigmoid = float(next((o.split(":")[1] for o in objective[1:] if o.startswith("sigmoid:")), "1"))
    blocks = [_fields(b.splitlines()) for b in body.split("end of trees")[0].split("\nTree=") if b.strip()]
    if not blocks:
        raise ModelError("the LightGBM model holds no trees")
    if any(b.get("num_cat", ["0"]) != ["0"] or b.get("is_linear", ["0"]) != ["0"] for b in blocks):
        raise ModelError("the tree evaluator does not read categorical splits or linear trees")
    return _forest(blocks, sigmoid, int(head["max_feature_idx"][0]) + 1, booster)


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


def _forest(blocks: list[dict[str, list[str]]], sigmoid: float | None, num_features: int, text: str) -> TreeEnsemble:
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
    return TreeEnsemble(
        feature=feature,
        threshold=_column(blocks, "threshold", np.float64),
        decision=decision,
        children=children,
        roots=np.where(sizes > 0, split_start, leaf_start),
        leaf_value=_column(blocks, "leaf_value", np.float64),
        sigmoid=sigmoid,
        num_features=num_features,
        booster=text,
        plain=not ((decision >> 2) & 3).any(),
    )
