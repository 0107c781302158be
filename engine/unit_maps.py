"""What every unit has learned: its output over a coarse grid of the input domain.

The network diagram draws each neuron as a small heatmap of its own output, as
TensorFlow Playground does, and enlarges the hovered one. These maps are a plain
forward pass over grid points, done here from a snapshot's weights (no Network
object, no training buffers touched), so the GUI can afford them several times
a second: a 16 x 16 grid through a 6 x 32 network is a few small matrix products.

Maps are per column of the diagram: column 0 holds the input features, column
k (1..L) the outputs of dense layer k - 1 (hidden units after their activation,
the output layer as logits). Each column's array is (units, ny, nx) with
values[u, iy, ix] the unit's output at (xs[ix], ys[iy]) (row-major, y along the
rows, like engine/grid.py); 1-D data gives ny == 1.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from engine.errors import SpecError
from engine.features import FeatureMap
from engine.layers import build_layers, layer_params
from engine.spec import InputScaling, NetworkSpec

DEFAULT_RESOLUTION = 16


class UnitMaps:
    """Evaluates every unit of a network over a fixed grid of `bounds` (1-D or 2-D inputs)."""

    def __init__(self, bounds, input_dim: int, resolution: int = DEFAULT_RESOLUTION):
        if not self.supports(input_dim):
            raise SpecError(f"Unit maps need 1-D or 2-D inputs; received input_dim={input_dim!r}")
        if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral):
            raise SpecError(
                "Received an invalid value for `resolution`, expected an integer >= 2. "
                f"Received: resolution={resolution!r}"
            )
        if resolution < 2:
            raise SpecError(
                "Received an invalid value for `resolution`, expected an integer >= 2. "
                f"Received: resolution={resolution}"
            )
        pairs = tuple((float(lo), float(hi)) for lo, hi in bounds)
        if len(pairs) != input_dim:
            raise SpecError(
                f"Received {len(pairs)} (min, max) pair(s) of bounds for {input_dim}-D inputs"
            )
        self.input_dim = int(input_dim)
        self.resolution = int(resolution)
        self.bounds = pairs
        self.xs = np.linspace(*pairs[0], self.resolution)
        if input_dim == 1:
            self.ys = None
            self.points = self.xs[:, None].copy()
            self.shape = (1, self.resolution)
        else:
            self.ys = np.linspace(*pairs[1], self.resolution)
            gx, gy = np.meshgrid(self.xs, self.ys)
            self.points = np.column_stack([gx.ravel(), gy.ravel()])
            self.shape = (self.resolution, self.resolution)
        self._feature_maps: dict[tuple, np.ndarray] = {}

    @staticmethod
    def supports(input_dim: int) -> bool:
        return input_dim in (1, 2)

    def features(self, names: Sequence[str], scaling: InputScaling | None = None) -> np.ndarray:
        """The feature matrix (points, features) of the grid, cached per feature tuple.

        `scaling` (a network's input_scaling) standardises the raw points first.
        """
        key = (tuple(names), scaling)
        F = self._feature_maps.get(key)
        if F is None:
            points = self.points
            if scaling is not None:
                points = (points - np.array(scaling.mean)) / np.array(scaling.std)
            F = np.array(FeatureMap(key[0], self.input_dim)(points), dtype=np.float64)
            self._feature_maps = {key: F}  # one feature set at a time
        return F

    def compute(
        self,
        spec: NetworkSpec,
        weights: Sequence[tuple[np.ndarray, np.ndarray]],
        upto: int | None = None,
    ) -> list[np.ndarray]:
        """Per column 0..upto (default: all), an array (units, *shape) of unit outputs.

        `weights` hold each layer's tensors: a (W (out, in), b) pair per dense layer,
        as in a snapshot, or a mapping of local names ("weight", "bias", ...); shapes
        must fit `spec` (SpecError otherwise). Each layer evaluates itself.
        """
        if spec.input_dim != self.input_dim:
            raise SpecError(
                f"These maps are for {self.input_dim}-D inputs; received a network for "
                f"{spec.input_dim}-D inputs"
            )
        layers = build_layers(spec)
        if len(weights) != len(layers):
            raise SpecError(f"Received weights for {len(weights)} layers, expected {len(layers)}")
        last = len(layers) if upto is None else min(int(upto), len(layers))
        a = self.features(spec.features, spec.input_scaling)
        columns = [a.T.reshape(-1, *self.shape)]
        for layer in layers[:last]:
            params = layer_params(layer, weights[layer.index])
            a = layer.evaluate(a, params)
            columns.append(a.T.reshape(-1, *self.shape))
        return columns


def layer_scales(columns: Sequence[np.ndarray]) -> list[float]:
    """A symmetric colour scale per column: at least 1 (tanh's range), else its largest |value|."""
    out = []
    for c in columns:
        finite = np.abs(c[np.isfinite(c)]) if c.size else np.zeros(0)
        out.append(max(1.0, float(finite.max())) if finite.size else 1.0)
    return out


__all__ = ["DEFAULT_RESOLUTION", "UnitMaps", "layer_scales"]
