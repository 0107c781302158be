"""What a layer kind is: the interface every kind implements, and its named tensors.

A network is a list of layers. Each layer owns a slice of the network's one flat
parameter vector (its tensors, declared by `tensors()` with PyTorch-style local
names such as "weight", "bias", later "bn.running_mean"), and everything that is
particular to its kind:

    tensors()                 what it stores: local name, shape, trained or buffer, decayed
    bind(params, grads)       take the views of its tensors in the flat vectors
    initialise(rng, init)     fill its tensors for a fresh network
    buffers(n, out)           its training scratch for batch size n (out: its output block)
    forward(a, buf)           training forward into buf; returns its output
    backward(d, buf, ones, d_in)  d = dL/d(output) of the mean loss (its buf.delta, or
                              the logits' gradient); writes its gradients and, when
                              d_in is given, dL/d(input) into it (ones: n ones)
    evaluate(a, params, out)  a pure forward from given tensors (predict, unit maps, probes)
    onnx(g, a)                its ONNX nodes; returns the name of its output
    script(k)                 (weights text, forward lines) of the NumPy script
    describe()                one phrase for a person: "dense 8 (tanh)"

Everything else (the network, unit maps, weights files, exporters, the inspector,
snapshots) walks the same list, so a new kind is its own file in this package
(found by engine/layers/__init__.py). File keys are `layers.{k}.<local name>`
(k from 0). See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from engine.activations import Activation


@dataclass(frozen=True)
class TensorDecl:
    """One tensor a layer stores: its local name, shape, and how training treats it."""

    name: str  # local: "weight", "bias", "bn.running_mean"
    shape: tuple[int, ...]
    trainable: bool = True  # False: a buffer (running statistics), not updated by the optimizer
    decay: bool = False  # L1/L2 and AdamW's decay apply (weight matrices, not biases)


class Layer:
    """Base of every layer kind; see the module docstring for the interface."""

    kind: ClassVar[str] = ""

    def __init__(self, index: int, n_in: int, n_out: int, activation: Activation, output: bool):
        self.index = index  # k in the file keys layers.{k}.*, from 0
        self.n_in = n_in
        self.n_out = n_out
        self.output = output
        self.activation = activation  # the last layer: its output is the logits
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    @property
    def activation(self) -> Activation:
        return self._activation

    @activation.setter
    def activation(self, activation: Activation) -> None:
        """Setting it also re-binds whatever the kind caches of it (see `_activation_changed`)."""
        self._activation = activation
        self._activation_changed()

    def _activation_changed(self) -> None:
        """Hook: a kind that caches the activation's methods refreshes them here."""

    @property
    def prefix(self) -> str:
        return f"layers.{self.index}"

    def tensors(self) -> tuple[TensorDecl, ...]:
        raise NotImplementedError

    def file_keys(self) -> dict[str, tuple[int, ...]]:
        """Full file key -> shape of every tensor, in flat order."""
        return {f"{self.prefix}.{t.name}": t.shape for t in self.tensors()}

    def bind(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Keep the views of this layer's tensors (local names) in the network's flat vectors."""
        self.params, self.grads = dict(params), dict(grads)

    def initialise(self, rng: np.random.Generator, init: str) -> None:
        raise NotImplementedError

    def buffers(self, n: int, out: np.ndarray) -> Any:
        raise NotImplementedError

    def forward(self, a: np.ndarray, buf: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, d: np.ndarray, buf: Any, ones: np.ndarray, d_in: np.ndarray | None):
        raise NotImplementedError

    def evaluate(
        self, a: np.ndarray, params: Mapping[str, np.ndarray], out: np.ndarray | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    def onnx(self, g: Any, a: str) -> str:
        raise NotImplementedError

    def script(self) -> tuple[str, list[str]]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<layer {self.index}: {self.describe()}>"
