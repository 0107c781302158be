"""Painted data: points a person adds by hand in the output plot. Qt-free.

A painted dataset is a list of points on a canvas: (x1, x2, class) for 2-D
classification, (x, height) for 1-D regression. It is kept in the session's
`DataChoice` (source "painted", the points in `params`), so it is remembered,
saved in projects and undone like any other change; the GUI's undo stack holds
`PaintedPoints` values (immutable: every edit returns a new one).

`to_dataset` builds exactly what importing a CSV of the same points gives
(`datasets.load_csv`): classes numbered in the sorted order of the labels
present, so a network trained on painted data behaves as on the exported file.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets.dataset import Dataset
from datasets.errors import DatasetError

SOURCE = "painted"
TASKS = ("classification", "regression")
CANVAS = ((-1.1, 1.1), (-1.1, 1.1))  # the domain painted in: the generators' own
MAX_CLASSES = 10
MAX_POINTS = 20_000


@dataclass(frozen=True)
class PaintedPoints:
    """The painted points and the canvas they are painted on."""

    task: str = "classification"
    points: tuple[tuple[float, ...], ...] = ()
    bounds: tuple[tuple[float, float], ...] = field(default=CANVAS)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DatasetError(
                f"Painted data needs a task among {', '.join(TASKS)}; received {self.task!r}"
            )
        width = self.width
        rows = tuple(tuple(float(v) for v in p) for p in self.points)
        for p in rows:
            if len(p) != width or not np.isfinite(p).all():
                raise DatasetError(
                    f"A painted {self.task} point is {width} finite numbers; received {p}"
                )
            if self.task == "classification" and not (
                p[2] == int(p[2]) and 0 <= p[2] < MAX_CLASSES
            ):
                raise DatasetError(
                    f"A painted point's class must be 0..{MAX_CLASSES - 1}; received {p[2]}"
                )
        if len(rows) > MAX_POINTS:
            raise DatasetError(f"At most {MAX_POINTS} painted points; received {len(rows)}")
        object.__setattr__(self, "points", rows)
        object.__setattr__(self, "bounds", tuple((float(a), float(b)) for a, b in self.bounds))

    @property
    def width(self) -> int:
        return 3 if self.task == "classification" else 2

    @property
    def input_dim(self) -> int:
        return 2 if self.task == "classification" else 1

    def __len__(self) -> int:
        return len(self.points)

    # -- edits: each returns a new value -----------------------------------------------------
    def added(self, points) -> PaintedPoints:
        """These points appended (x1, x2, class) or (x, height)."""
        return PaintedPoints(self.task, self.points + tuple(tuple(p) for p in points), self.bounds)

    def erased(self, centre, radius: float) -> PaintedPoints:
        """Without the points within `radius` of `centre` (x1, x2) or (x, height)."""
        if not self.points:
            return self
        xy = np.array(self.points)[:, :2]
        keep = np.hypot(*(xy - np.asarray(centre, float)).T) > radius
        return PaintedPoints(
            self.task, tuple(p for p, k in zip(self.points, keep, strict=True) if k), self.bounds
        )

    def cleared(self) -> PaintedPoints:
        return PaintedPoints(self.task, (), self.bounds)

    # -- data --------------------------------------------------------------------------------
    def to_dataset(self) -> Dataset:
        """The points as a Dataset, numbered as a CSV import of them would be."""
        if not self.points:
            raise DatasetError("The canvas is empty: paint some points first")
        a = np.array(self.points)
        X = a[:, : self.input_dim]
        made = {"painted": len(a)}
        if self.task == "regression":
            if len(a) < 2:
                raise DatasetError("Paint at least 2 points to fit a curve")
            return Dataset(X, a[:, 1], "regression", 0, SOURCE, self.bounds[:1], params=made)
        labels, y = np.unique(a[:, 2].astype(np.int64), return_inverse=True)
        if len(labels) < 2:
            raise DatasetError(
                f"Paint points of at least 2 classes; every point is class {labels[0] + 1}"
            )
        classes = tuple(int(v) for v in labels)
        return Dataset(X, y, "classification", len(labels), SOURCE, self.bounds, params=made,
                       class_labels=classes)  # fmt: skip

    def to_params(self) -> dict[str, Any]:
        """For a DataChoice's params (JSON: lists of numbers)."""
        return {
            "task": self.task,
            "points": [list(p) for p in self.points],
            "bounds": [list(b) for b in self.bounds],
        }

    @classmethod
    def from_params(cls, params: Any) -> PaintedPoints:
        """Read painted params back; DatasetError naming what does not fit."""
        if not isinstance(params, dict):
            raise DatasetError(
                f"Painted data must be a JSON object; received {type(params).__name__}"
            )
        task = params.get("task", "classification")
        points = params.get("points", [])
        bounds = params.get("bounds", CANVAS)
        if not isinstance(points, list) or not all(
            isinstance(p, list) and all(isinstance(v, numbers.Real) for v in p) for p in points
        ):
            raise DatasetError("Painted points must be a list of lists of numbers")
        if not (
            isinstance(bounds, (list, tuple))
            and all(isinstance(b, (list, tuple)) and len(b) == 2 for b in bounds)
        ):
            raise DatasetError("The painted canvas bounds must be (low, high) pairs")
        return cls(task, tuple(tuple(p) for p in points), tuple(tuple(b) for b in bounds))


__all__ = ["CANVAS", "SOURCE", "TASKS", "PaintedPoints"]
