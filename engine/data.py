"""The arrays a trainer trains on, checked once where they enter the engine.

The GUI and the CLI build a `Data` from a `datasets.Dataset` and its train/test
split (the engine never imports datasets). Arrays are copied to float64 (inputs,
regression targets) or int64 (labels) and made read-only, so nobody can change
the data under a running trainer.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import SpecError
from engine.spec import TASKS

MAX_CLASSES = 10


@dataclass(frozen=True)
class Data:
    X_train: np.ndarray  # (n, d) float64 raw inputs
    y_train: np.ndarray  # (n,) int64 labels 0..K-1, or (n,) float64 targets
    X_test: np.ndarray | None  # (m, d) or None when there is no test set
    y_test: np.ndarray | None
    task: str  # "classification" | "regression"
    n_classes: int  # 0 for regression
    bounds: tuple[tuple[float, float], ...]  # plotted domain, one (lo, hi) per input
    name: str = ""

    @property
    def input_dim(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return 0 if self.X_test is None else int(self.X_test.shape[0])

    @property
    def has_test(self) -> bool:
        return self.X_test is not None

    @classmethod
    def from_arrays(
        cls,
        X_train: Any,
        y_train: Any,
        X_test: Any = None,
        y_test: Any = None,
        *,
        task: str,
        n_classes: int | None = None,
        bounds: Sequence[Sequence[float]] | None = None,
        name: str = "",
    ) -> Data:
        """Validate and copy. A test set with 0 rows counts as no test set.

        `n_classes=None` for classification means max label + 1 (at least 2).
        `bounds=None` means the range of all inputs, widened by 5% on each side.
        """
        if task not in TASKS:
            raise SpecError(
                f"Could not interpret task {task!r}: expected one of {', '.join(TASKS)}"
            )
        X_train = _inputs("X_train", X_train)
        d = X_train.shape[1]
        if (X_test is None) != (y_test is None):
            raise SpecError(
                "Received only one of X_test and y_test; expected both (a test set) or neither"
            )
        if X_test is not None:
            X_test = _inputs("X_test", X_test, min_rows=0)
            if X_test.shape[1] != d:
                raise SpecError(
                    f"Received X_test with {X_test.shape[1]} column(s), expected {d} like X_train"
                )
        ys = [_targets("y_train", y_train, X_train.shape[0], task)]
        if X_test is not None:
            ys.append(_targets("y_test", y_test, X_test.shape[0], task))
        n_classes = _classes(ys, n_classes) if task == "classification" else 0
        if X_test is not None and X_test.shape[0] == 0:
            X_test = None
            ys = ys[:1]
        arrays = [X_train, *ys] if X_test is None else [X_train, ys[0], X_test, ys[1]]
        for a in arrays:
            a.flags.writeable = False
        return cls(
            X_train=X_train,
            y_train=ys[0],
            X_test=X_test,
            y_test=ys[1] if X_test is not None else None,
            task=task,
            n_classes=n_classes,
            bounds=_bounds(bounds, X_train, X_test),
            name=str(name),
        )


def _inputs(what: str, X: Any, min_rows: int = 1) -> np.ndarray:
    try:
        X = np.array(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SpecError(
            f"Received {what} that is not numeric; expected an (n, d) array of numbers"
        ) from exc
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] < 1:
        raise SpecError(f"Received {what} of shape {X.shape}, expected (n, d) with d >= 1")
    if X.shape[0] < min_rows:
        raise SpecError(f"Received {what} with {X.shape[0]} rows, expected at least {min_rows}")
    if not np.all(np.isfinite(X)):
        row = int(np.argwhere(~np.isfinite(X))[0, 0])
        raise SpecError(f"Received {what} with NaN or Inf (row {row}); expected finite numbers")
    return np.ascontiguousarray(X)


def _targets(what: str, y: Any, n: int, task: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        raise SpecError(f"Received {what} of shape {y.shape}, expected ({n},): one value per row")
    if y.dtype.kind not in "biuf":
        raise SpecError(f"Received {what} of type {y.dtype}, expected numbers")
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise SpecError(f"Received {what} with NaN or Inf; expected finite numbers")
    if task == "regression":
        return y
    if np.any(y != np.round(y)) or np.any(y < 0):
        bad = float(y[(y != np.round(y)) | (y < 0)][0])
        raise SpecError(
            f"Received {what} with label {bad:g}; classification expects integer labels 0..K-1"
        )
    return y.astype(np.int64)


def _classes(ys: list[np.ndarray], n_classes: int | None) -> int:
    top = max((int(y.max()) for y in ys if y.size), default=0)
    if n_classes is None:
        n_classes = max(2, top + 1)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise SpecError(f"Received n_classes={n_classes!r}, expected an integer")
    if not 2 <= n_classes <= MAX_CLASSES:
        raise SpecError(
            f"Received n_classes={n_classes}, expected an integer between 2 and {MAX_CLASSES}"
        )
    if top >= n_classes:
        raise SpecError(
            f"Received label {top} with n_classes={n_classes}; expected labels 0..{n_classes - 1}"
        )
    return int(n_classes)


def _bounds(bounds: Any, X_train: np.ndarray, X_test: np.ndarray | None) -> tuple:
    d = X_train.shape[1]
    if bounds is None:
        X = X_train if X_test is None else np.concatenate([X_train, X_test])
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.where(hi > lo, 0.05 * (hi - lo), 1.0)
        return tuple((float(a - p), float(b + p)) for a, b, p in zip(lo, hi, pad, strict=True))
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in bounds)
    except (TypeError, ValueError) as exc:
        raise SpecError(
            f"Received bounds {bounds!r}, expected one (low, high) pair per input"
        ) from exc
    if len(pairs) != d:
        raise SpecError(f"Received {len(pairs)} bounds pair(s), expected {d}: one per input column")
    for i, (lo, hi) in enumerate(pairs):
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise SpecError(
                f"Received bounds ({lo}, {hi}) for x{i + 1}, expected finite low < high"
            )
    return pairs


__all__ = ["Data"]
