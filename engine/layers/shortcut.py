"""The residual shortcut of a layer: its input x added to its output, x + f(z).

Not a layer kind of its own: a part of engine/layers/block.py. When the layer's
input and output widths are equal the shortcut is the identity and stores
nothing; when they differ it is a learned projection P x without bias, tensor
`shortcut.weight` (out, in) (file key layers.{k}.shortcut.weight), initialised
like the layer's weight and decayed by L1/L2 like it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.initializers import INITIALIZERS
from engine.layers.base import TensorDecl


class Shortcut:
    """x -> x (equal widths) or x @ P.T (a projection); see the module docstring."""

    def __init__(self, n_in: int, n_out: int):
        self.n_in, self.n_out = n_in, n_out
        self.projected = n_in != n_out
        self.weight: np.ndarray | None = None

    def tensors(self) -> tuple[TensorDecl, ...]:
        if not self.projected:
            return ()
        return (TensorDecl("shortcut.weight", (self.n_out, self.n_in), decay=True),)

    def bind(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        if self.projected:
            self.weight, self.weight_grad = params["shortcut.weight"], grads["shortcut.weight"]

    def initialise(self, rng: np.random.Generator, init: str) -> None:
        if self.projected:
            self.weight[...] = INITIALIZERS.get(init)(rng, self.n_in, self.n_out)

    def add(self, x: np.ndarray, h: np.ndarray, out: np.ndarray, work: np.ndarray | None):
        """out = h + x (or h + x @ P.T, through `work`)."""
        if self.projected:
            x = np.dot(x, self.weight.T, out=work)
        return np.add(h, x, out=out)

    def backward(self, d: np.ndarray, x: np.ndarray, into: np.ndarray | None) -> None:
        """d: dL/d(output). Writes dL/dP, and the shortcut's part of dL/dx into `into`."""
        if self.projected:
            np.dot(d.T, x, out=self.weight_grad)
            if into is not None:
                np.dot(d, self.weight, out=into)
        elif into is not None:
            np.copyto(into, d)

    # ---- inference and export ------------------------------------------------------------

    def evaluate(self, x: np.ndarray, params: Mapping[str, np.ndarray], out: np.ndarray):
        if self.projected:
            out += x @ params["shortcut.weight"].T
        else:
            out += x
        return out

    def onnx(self, g, x: str, h: str, prefix: str) -> str:
        if self.projected:
            p = g.const(f"{prefix}.shortcut.weight", self.weight)  # (out, in), as in the file
            x = g.op("Gemm", x, p, transB=1)  # x @ P.T
        return g.op("Add", h, x)

    def script(self, k: int) -> tuple[str, str]:
        """(weights text, the forward line) of the NumPy script; the input is kept as x."""
        from engine.script_export import array_literal

        if not self.projected:
            return "", "a = a + x  # residual connection"
        weights = f"# projection shortcut of layer {k}\nP{k} = {array_literal(self.weight)}\n"
        return weights, f"a = a + x @ P{k}.T  # residual connection (projection)"
