"""Input features computed from the raw inputs, as in TensorFlow Playground.

For 2-D data: x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2); for 1-D data: x1,
x1^2, sin(x1); for data with more columns (CSV): the raw inputs x1..xd. Each
feature is an elementwise function of the raw columns. The formulas are mirrored
by engine/script_export.py and engine/onnx_export.py (x1^2 is x1 * x1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from engine.errors import SpecError
from engine.registry import Registry

FeatureFn = Callable[[np.ndarray], np.ndarray]
_RAW = re.compile(r"x([1-9][0-9]*)")


def _column(i: int) -> FeatureFn:
    return lambda X: X[:, i]


FEATURE_FUNCS: Registry[FeatureFn] = Registry("feature")
FEATURE_FUNCS.register("x1", _column(0))
FEATURE_FUNCS.register("x2", _column(1))
FEATURE_FUNCS.register("x1^2", lambda X: X[:, 0] * X[:, 0])
FEATURE_FUNCS.register("x2^2", lambda X: X[:, 1] * X[:, 1])
FEATURE_FUNCS.register("x1*x2", lambda X: X[:, 0] * X[:, 1])
FEATURE_FUNCS.register("sin(x1)", lambda X: np.sin(X[:, 0]))
FEATURE_FUNCS.register("sin(x2)", lambda X: np.sin(X[:, 1]))


def raw_inputs_used(name: str) -> tuple[int, ...]:
    """0-based raw columns a feature reads ("x1*x2" -> (0, 1), "x3" -> (2,))."""
    return tuple(int(i) - 1 for i in re.findall(r"x([1-9][0-9]*)", name))


class FeatureMap:
    """Raw inputs (n, input_dim) -> feature matrix (n, len(names)), columns in `names` order.

    Names are those of FEATURE_FUNCS, or "x<i>" for any raw column i <= input_dim.
    When the features are exactly the raw inputs in order the map is the identity
    and returns the (float64) input itself without copying.
    """

    def __init__(self, names: Sequence[str], input_dim: int):
        self.names = tuple(names)
        self.input_dim = int(input_dim)
        if not self.names:
            raise SpecError("A network needs at least one input feature; received none")
        self._fns: list[FeatureFn] = []
        for name in self.names:
            raw = _RAW.fullmatch(name) if isinstance(name, str) else None
            fn = _column(int(raw.group(1)) - 1) if raw else FEATURE_FUNCS.get(name)
            if max(raw_inputs_used(name)) >= self.input_dim:
                raise SpecError(
                    f"Feature {name!r} needs more raw inputs than the data has: "
                    f"expected features of x1..x{self.input_dim}"
                )
            self._fns.append(fn)
        self.identity = self.names == tuple(f"x{i + 1}" for i in range(self.input_dim))

    @property
    def n_features(self) -> int:
        return len(self.names)

    def check_inputs(self, X: np.ndarray) -> np.ndarray:
        """X as a float64 (n, input_dim) array; a 1-D X is accepted for 1-D data."""
        try:
            A = np.asarray(X)
            if A.dtype.kind not in "biufO":  # not text, complex numbers or dates
                raise TypeError(A.dtype)
            X = A.astype(np.float64, copy=False)
        except (TypeError, ValueError):
            kind = getattr(getattr(X, "dtype", None), "name", type(X).__name__)
            raise SpecError(
                f"Received inputs of type {kind}, expected an (n, {self.input_dim}) array of "
                f"real numbers"
            ) from None
        if X.ndim == 1 and self.input_dim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.input_dim:
            raise SpecError(
                f"Received inputs of shape {X.shape}, expected (n, {self.input_dim}): "
                f"one row per example with {self.input_dim} raw input column(s)"
            )
        return X

    def __call__(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        X = self.check_inputs(X)
        if self.identity and out is None:
            return X
        if out is None:
            out = np.empty((X.shape[0], self.n_features))
        for j, fn in enumerate(self._fns):
            out[:, j] = fn(X)
        return out

    def __repr__(self) -> str:
        return f"FeatureMap({list(self.names)}, input_dim={self.input_dim})"


__all__ = ["FEATURE_FUNCS", "FeatureMap", "raw_inputs_used"]
