"""The gradient of the loss for each weight shown in the network diagram. Qt-free.

Snapshots carry weights and per-layer gradient norms, not every weight's
gradient. Hovering an edge asks for one number, so it is computed on demand: the
gradient of the mean data loss (no penalty terms) over the training set (its
first MAX_EXAMPLES rows) at the snapshot's weights, with one forward and one
backward pass of a private Network. Cached until the weights change.
"""

from __future__ import annotations

import numpy as np

from engine.layers import layer_params
from engine.network import Network

MAX_EXAMPLES = 2048


class WeightProbe:
    """Whole-training-set weight gradients at given weights; one result cached."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._grads: list[np.ndarray] | None = None

    def gradients(self, spec, weights, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        """dL/dW per dense layer, each shaped like its W (out, in)."""
        key = (spec, id(weights), id(X))
        if key != self._key or self._grads is None:
            net = Network(spec, rng=0)
            for layer, given in zip(net.layers, weights, strict=True):
                for name, value in layer_params(layer, given).items():
                    layer.params[name][...] = value
            X, y = X[:MAX_EXAMPLES], y[:MAX_EXAMPLES]
            logits = net.forward(net.features(X))
            net.backward(net.objective.grad(logits, y))
            self._grads = [g.copy() for g in net.weight_grads]
            self._key = key
            self._weights = weights  # keeps id(weights) unique while cached
        return self._grads
