"""The Dataset value every generator, loader and split returns.

A Dataset is immutable: its arrays are read-only copies, so a dataset handed to
the trainer, the plots and a project file can never change under any of them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets.errors import DatasetError

TASKS = ("classification", "regression")
MAX_CLASSES = 10


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs `X` (n, d) float64 and targets `y` with what the plots and the trainer need.

    `y` holds int64 labels 0..n_classes-1 for classification and float64 values for
    regression (`n_classes` is 0 then). `bounds` is one (lo, hi) pair per input: the
    domain the plots show. `params` records how the data was made (generator
    parameters, or the file and options of an import). `class_labels` are the
    original label values (a CSV's labels), `class_labels[k]` being class k.
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int
    name: str
    bounds: tuple[tuple[float, float], ...]
    params: dict[str, Any] = field(default_factory=dict)
    feature_names: tuple[str, ...] = ()
    target_name: str = "y"
    class_labels: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        if self.task not in TASKS:
            raise DatasetError(
                f"Received an invalid dataset task, expected one of {', '.join(TASKS)}. "
                f"Received: task={self.task!r}"
            )
        X = np.asarray(self.X)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1 or not _is_numeric(X):
            raise DatasetError(
                f"Dataset inputs must be a numeric (n, d) array with n, d >= 1; "
                f"received shape {X.shape} of {X.dtype}"
            )
        X = X.astype(np.float64)
        if not np.isfinite(X).all():
            raise DatasetError("Dataset inputs must be finite; received NaN or Inf")
        n, d = X.shape
        y = np.asarray(self.y)
        if y.shape != (n,) or not _is_numeric(y):
            raise DatasetError(
                f"Dataset targets must be a numeric ({n},) array; received {y.shape}"
            )
        if self.task == "classification":
            y = self._check_labels(y)
        else:
            y = y.astype(np.float64)
            if not np.isfinite(y).all():
                raise DatasetError("Regression targets must be finite; received NaN or Inf")
            set_("n_classes", 0)
            set_("class_labels", ())
        set_("X", _frozen(X))
        set_("y", _frozen(y))
        set_("bounds", _check_bounds(self.bounds, d))
        set_("params", dict(self.params))
        set_("name", str(self.name))
        names = tuple(str(s) for s in self.feature_names) or tuple(f"x{i + 1}" for i in range(d))
        if len(names) != d:
            raise DatasetError(f"Dataset has {d} inputs but {len(names)} feature names: {names}")
        set_("feature_names", names)
        set_("target_name", str(self.target_name))

    def _check_labels(self, y: np.ndarray) -> np.ndarray:
        k = self.n_classes
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= MAX_CLASSES:
            raise DatasetError(
                f"Received an invalid value for `n_classes`, expected an integer between 2 and "
                f"{MAX_CLASSES}. Received: n_classes={k!r}"
            )
        object.__setattr__(self, "n_classes", int(k))
        if not np.isfinite(y).all() or (y != np.round(y)).any() or y.min() < 0 or y.max() >= k:
            raise DatasetError(f"Class labels must be integers 0..{k - 1}; received {np.unique(y)}")
        labels = tuple(self.class_labels) or tuple(range(k))
        if len(labels) != k:
            raise DatasetError(f"Dataset has {k} classes but {len(labels)} class labels")
        object.__setattr__(self, "class_labels", labels)
        return y.astype(np.int64)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def input_dim(self) -> int:
        return int(self.X.shape[1])

    def subset(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """The rows `indices` (in that order), keeping everything else."""
        idx = np.asarray(indices, dtype=np.int64)
        return dataclasses.replace(self, X=self.X[idx], y=self.y[idx])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (floats round-trip exactly through `json`)."""
        return {
            "name": self.name,
            "task": self.task,
            "n_classes": self.n_classes,
            "X": self.X.tolist(),
            "y": self.y.tolist(),
            "bounds": [list(b) for b in self.bounds],
            "params": dict(self.params),
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
            "class_labels": list(self.class_labels),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Dataset:
        if not isinstance(d, dict):
            raise DatasetError(f"A dataset must be a JSON object; received {type(d).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        missing = sorted({"X", "y", "task", "n_classes", "name", "bounds"} - set(d))
        if unknown or missing:
            raise DatasetError(
                f"A dataset object needs fields {sorted(names)}; "
                f"unknown {unknown}, missing {missing}"
            )
        try:
            X = np.array(d["X"], dtype=np.float64)
            y = np.array(d["y"], dtype=np.float64)
            bounds = tuple(tuple(b) for b in d["bounds"])
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"A dataset object has non-numeric data: {exc}") from None
        fields_ = {k: d[k] for k in d if k not in ("X", "y", "bounds")}
        for key in ("feature_names", "class_labels"):
            if key in fields_:
                fields_[key] = tuple(fields_[key])
        return cls(X=X, y=y, bounds=bounds, **fields_)


def _is_numeric(a: np.ndarray) -> bool:
    return a.dtype.kind in "iuf"


def _check_bounds(bounds: Any, d: int) -> tuple[tuple[float, float], ...]:
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in bounds)
    except (TypeError, ValueError):
        raise DatasetError(
            f"Dataset bounds must be {d} (lo, hi) pairs; received {bounds!r}"
        ) from None
    ok = len(pairs) == d and all(
        math.isfinite(lo) and math.isfinite(hi) and lo < hi for lo, hi in pairs
    )
    if not ok:
        raise DatasetError(
            f"Dataset bounds must be {d} finite (lo, hi) pairs with lo < hi; received {pairs}"
        )
    return pairs


def symmetric_bounds(X: np.ndarray, margin: float = 0.1) -> tuple[tuple[float, float], ...]:
    """Bounds for generated data: at least [-1, 1] per axis, widened to the data, plus a margin."""
    half = np.maximum(1.0, np.abs(X).max(axis=0)) + margin
    return tuple((-float(h), float(h)) for h in half)


def data_bounds(X: np.ndarray, margin: float = 0.05) -> tuple[tuple[float, float], ...]:
    """Bounds for imported data: each column's range widened by `margin` of its span."""
    out = []
    for lo, hi in zip(X.min(axis=0).tolist(), X.max(axis=0).tolist(), strict=True):
        pad = margin * (hi - lo)
        if not (lo - pad < lo and hi + pad > hi):  # a constant (or vanishingly thin) column
            pad = max(1.0, margin * max(abs(lo), abs(hi)))
        out.append((lo - pad, hi + pad))
    return tuple(out)
