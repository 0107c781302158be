"""What the boundary plot shows: the network evaluated over the plotted domain.

Three kinds of view, chosen by the data's shape:
    2-D classification -> "classification": linked outputs on a resolution x resolution
                          grid, values (ny, nx, n_out) (P(class 1) for binary, probabilities for K)
    1-D regression     -> "curve": the fitted curve at 4 * resolution points, values (nx,)
    2-D regression     -> "surface": the fitted surface, values (ny, nx)
Orientation: values[iy, ix] belongs to the point (xs[ix], ys[iy]) — row-major with
y along the rows, as pyqtgraph's `ImageItem(axisOrder="row-major")` expects.

The plot also marks the data points the network misclassifies (`MistakeMarks`,
boolean masks over the train and test rows). Like the grid, they are computed on
the trainer's side from the weights, never by the GUI: a forward pass over
20,000 points of a wide network takes seconds.

The grid points are computed once; each `evaluate` is one `network.predict` call on
all of them. Views are immutable (read-only arrays) because snapshots share them
across threads, so each evaluation returns a fresh values array.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import SpecError
from engine.network import Network

GRID_CHUNK = 1024  # grid points per predict call when a run may be stopped meanwhile
CURVE_FACTOR = 4  # a curve has CURVE_FACTOR * resolution points: it is cheap, and smooth


@dataclass(frozen=True)
class GridView:
    kind: str  # "classification" | "curve" | "surface"
    xs: np.ndarray  # (nx,) grid coordinates along x1
    ys: np.ndarray | None  # (ny,) along x2 (None for curves)
    values: np.ndarray  # classification (ny, nx, n_out); surface (ny, nx); curve (nx,)
    bounds: tuple[tuple[float, float], ...]


class GridEvaluator:
    """Evaluates networks over a fixed grid of the domain `bounds`."""

    def __init__(self, bounds, input_dim: int, task: str, resolution: int = 64):
        if not self.supports(input_dim, task):
            raise SpecError(
                f"No grid view for {input_dim}-D {task}: expected 2-D classification, "
                f"1-D regression or 2-D regression"
            )
        if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral):
            raise SpecError(
                f"Received an invalid value for `resolution`, expected an integer >= 2. "
                f"Received: resolution={resolution!r}"
            )
        if resolution < 2:
            raise SpecError(
                f"Received an invalid value for `resolution`, expected an integer >= 2. "
                f"Received: resolution={resolution}"
            )
        self.input_dim = input_dim
        self.task = task
        self.resolution = int(resolution)
        self.bounds = _check_bounds(bounds, input_dim)
        if input_dim == 1:
            self.kind = "curve"
            self.xs = _readonly(np.linspace(*self.bounds[0], CURVE_FACTOR * self.resolution))
            self.ys = None
            self.points = self.xs[:, None].copy()
        else:
            self.kind = "classification" if task == "classification" else "surface"
            self.xs = _readonly(np.linspace(*self.bounds[0], self.resolution))
            self.ys = _readonly(np.linspace(*self.bounds[1], self.resolution))
            gx, gy = np.meshgrid(self.xs, self.ys)  # (ny, nx) each: row iy, column ix
            self.points = np.column_stack([gx.ravel(), gy.ravel()])
        _readonly(self.points)

    @staticmethod
    def supports(input_dim: int, task: str) -> bool:
        """Whether a view exists for data of this shape (otherwise the plot shows none)."""
        if task == "classification":
            return input_dim == 2
        return task == "regression" and input_dim in (1, 2)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of `values` apart from the class axis of classification views."""
        return (len(self.xs),) if self.ys is None else (len(self.ys), len(self.xs))

    def evaluate(
        self, network: Network, should_stop: Callable[[], bool] | None = None
    ) -> GridView | None:
        """`predict` over the whole grid, reshaped so values[iy, ix] is (xs[ix], ys[iy]).

        One call, or with `should_stop` (the runner's prompt shutdown) calls of
        GRID_CHUNK points, checking it before each; None when it became true. The
        network computes in its own dtype (float32 too); the view's values are float64.
        """
        spec = network.spec
        if spec.input_dim != self.input_dim or spec.task != self.task:
            raise SpecError(
                f"This grid is for {self.input_dim}-D {self.task}; received a network for "
                f"{spec.input_dim}-D {spec.task}"
            )
        if should_stop is None:
            out = np.asarray(network.predict(self.points), dtype=np.float64)
        else:
            parts = []
            for start in range(0, len(self.points), GRID_CHUNK):
                if should_stop():
                    return None
                chunk = self.points[start : start + GRID_CHUNK]
                parts.append(np.asarray(network.predict(chunk), np.float64))
            out = np.concatenate(parts)
        shape = (*self.shape, out.shape[1]) if self.kind == "classification" else self.shape
        values = out.reshape(shape).copy()  # predict may return a buffer the network reuses
        return GridView(self.kind, self.xs, self.ys, _readonly(values), self.bounds)


@dataclass(frozen=True)
class MistakeMarks:
    """Which rows the weights of training step `step` misclassify (read-only bool masks)."""

    step: int
    train: np.ndarray  # (n_train,) True where the predicted class differs from y_train
    test: np.ndarray | None  # (n_test,), None without a test set


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """Class per row of `predict`'s output: P(class 1) > 0.5 for binary, else the argmax."""
    p = np.asarray(probabilities)
    return (p[:, 0] > 0.5).astype(np.int64) if p.shape[1] == 1 else np.argmax(p, axis=1)


def misclassified(network: Network, F: np.ndarray, y: np.ndarray, should_stop=None, chunk=1024):
    """Mask of the rows of features F whose predicted class differs from y.

    In chunks of rows, so `should_stop()` (checked between chunks) can interrupt a
    large set; returns None when it did.
    """
    wrong = np.empty(len(F), dtype=bool)
    link = network.objective.link
    for start in range(0, len(F), chunk):
        if should_stop is not None and should_stop():
            return None
        part = link(network.logits_of_features(F[start : start + chunk]))
        wrong[start : start + chunk] = predicted_classes(part) != y[start : start + chunk]
    return _readonly(wrong)


def _check_bounds(bounds, input_dim: int) -> tuple[tuple[float, float], ...]:
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in bounds)
    except (TypeError, ValueError):
        raise SpecError(
            f"Received invalid `bounds`, expected {input_dim} (min, max) pair(s) of numbers. "
            f"Received: bounds={bounds!r}"
        ) from None
    if len(pairs) != input_dim:
        raise SpecError(
            f"Received invalid `bounds`, expected {input_dim} (min, max) pair(s). "
            f"Received: {len(pairs)} pair(s)"
        )
    for lo, hi in pairs:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise SpecError(
                f"Received invalid `bounds`, expected finite pairs with min <= max. "
                f"Received: bounds={pairs}"
            )
    return pairs


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


__all__ = [
    "CURVE_FACTOR",
    "GridEvaluator",
    "GridView",
    "MistakeMarks",
    "misclassified",
    "predicted_classes",
]
