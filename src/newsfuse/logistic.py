"""The project's small learned decisions: an L2 logistic regression on standardized features, and its model file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from .errors import ModelError

__all__ = ["Logistic", "LogisticSettings"]

L = TypeVar("L", bound="Logistic")


class LogisticSettings(Protocol):
    """What every such model's frozen settings hold (each decision's own dataclass says how chosen)."""

    l2: float  # L2 penalty on the standardized coefficients (the intercept is not shrunk)
    max_iter: int  # the most Newton steps (it stops when a step moves no coefficient by 1e-8)
    threshold: float  # the probability from which the decision says yes


class Logistic:
    """scikit-learn's LogisticRegression with an L2 penalty, fitted by Newton's method on numpy
    (a handful of features needs no solver library); `fit` sets `mean_`, `scale_`, `coef_` and
    `intercept_`. A subclass names its file's version, its features and its settings type."""

    VERSION: ClassVar[str]
    FEATURES: ClassVar[tuple[str, ...]]
    SETTINGS: ClassVar[type]
    PATH: ClassVar[Path]  # the shipped model file
    WHAT: ClassVar[str]  # the decision's name in errors ("same-claim")

    def __init__(self, settings: Any = None) -> None:
        self.settings = settings or self.SETTINGS()

    def fit(self: L, X: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> L:
        """Fit on rows of FEATURES and 0/1 labels (optional per-row weights); returns self."""
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.FEATURES) or len(X) != len(y) or len(X) == 0:
            raise ValueError(f"fit needs rows of {len(self.FEATURES)} features and one label a row")
        w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        Z = np.hstack([np.ones((len(X), 1)), (X - self.mean_) / self.scale_])
        beta = np.zeros(Z.shape[1])
        penalty = np.full(Z.shape[1], self.settings.l2)
        penalty[0] = 0.0  # the intercept is not shrunk
        for _ in range(self.settings.max_iter):
            p = 1 / (1 + np.exp(-Z @ beta))
            gradient = Z.T @ (w * (p - y)) + penalty * beta
            hessian = (Z * (w * p * (1 - p))[:, None]).T @ Z + np.diag(penalty)
            step = np.linalg.solve(hessian, gradient)
            beta -= step
            if np.abs(step).max() < 1e-8:
                break
        self.intercept_, self.coef_ = float(beta[0]), beta[1:]
        self._fitted()
        return self

    def fit_balanced(self: L, groups: Sequence[tuple[np.ndarray, np.ndarray]]) -> L:
        """Fit on the (rows, labels) of several training sets, each set weighted alike (a big set
        does not outvote a small one), the weights scaled to average 1; returns self."""
        weight = np.concatenate([np.full(len(labels), 1.0 / max(1, len(labels))) for _, labels in groups])
        X, y = np.vstack([rows for rows, _ in groups]), np.concatenate([labels for _, labels in groups])
        return self.fit(X, y, weight * len(weight) / weight.sum())

    def _fitted(self) -> None:
        """What a subclass derives from the fitted coefficients (after `fit` and `load`)."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The probability of "yes" for each row of FEATURES."""
        Z = (np.atleast_2d(np.asarray(X, dtype=float)) - self.mean_) / self.scale_
        return 1 / (1 + np.exp(-(Z @ self.coef_ + self.intercept_)))

    def save(self, path: str | Path, meta: Mapping[str, Any] | None = None) -> Path:
        """Write the model file (JSON; parent folders made as needed) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": self.VERSION,
            "features": list(self.FEATURES),
            "settings": asdict(self.settings),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "meta": dict(meta or {}),
        }
        path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls: type[L], path: str | Path | None = None) -> L:
        """Read a model file written by `save` (the shipped one by default; `newsfuse train` writes it)."""
        path = Path(path) if path is not None else cls.PATH
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ModelError(f"{path}: cannot read the {cls.WHAT} model ({err}); run `newsfuse train`") from err
        if not isinstance(payload, dict) or payload.get("version") != cls.VERSION:
            found = payload.get("version") if isinstance(payload, dict) else None
            raise ModelError(f"{path}: model version {found!r} is not {cls.VERSION!r}; retrain with `newsfuse train`")
        if payload.get("features") != list(cls.FEATURES):
            raise ModelError(f"{path}: features {payload.get('features')!r} are not {list(cls.FEATURES)!r}")
        model = cls(cls.SETTINGS(**payload["settings"]))
        model.mean_, model.scale_ = np.array(payload["mean"]), np.array(payload["scale"])
        model.coef_, model.intercept_ = np.array(payload["coef"]), float(payload["intercept"])
        model._fitted()
        return model
