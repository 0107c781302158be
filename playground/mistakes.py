"""Which data points the current weights misclassify, for the boundary plot's marks.

A small private Network (rebuilt only when the spec changes) receives the
snapshot's weights and predicts the points: a forward pass over a few hundred
points is cheap enough for the GUI thread at frame rate.
"""

from __future__ import annotations

import numpy as np

from engine.layers import state_of
from engine.network import Network
from engine.spec import NetworkSpec


class MistakeFinder:
    def __init__(self) -> None:
        self._spec: NetworkSpec | None = None
        self._net: Network | None = None

    def wrong(self, spec: NetworkSpec, weights, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The rows of X whose predicted class differs from y (classification only)."""
        if spec.task != "classification" or len(X) == 0:
            return X[:0]
        if spec != self._spec:
            self._net, self._spec = Network(spec, rng=0), spec
        self._net.load_state_dict(state_of(spec, weights))
        p = np.asarray(self._net.predict(X))
        pred = (p[:, 0] > 0.5).astype(np.int64) if p.shape[1] == 1 else np.argmax(p, axis=1)
        return X[pred != y]
