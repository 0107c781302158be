"""Dense: z = a @ W.T + b (PyTorch's Linear), then a = f(z).

Tensors: `weight` (out, in) and `bias` (out,), file keys layers.{k}.weight and
layers.{k}.bias. Biases start at zero; the weight comes from the named
initialiser. A linear layer's output is its z itself (no copy).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.initializers import INITIALIZERS
from engine.layers.base import Layer, TensorDecl
from engine.ndarray_calls import dot


class DenseBuffers:
    """One batch size's training scratch of a dense layer."""

    __slots__ = ("a", "delta", "deriv", "input", "work", "z")

    def __init__(self, n: int, m: int, out: np.ndarray, linear: bool, output: bool):
        self.a = out  # (n, m): the layer's output, in the network's activation block
        dt = out.dtype  # the network's compute dtype
        self.z = out if linear else np.empty((n, m), dt)
        self.delta = None if output else np.empty((n, m), dt)  # dL/dz (the output's: dlogits)
        self.deriv = None if output else np.empty((n, m), dt)
        self.work = None if output else np.empty((n, m), dt)
        self.input: np.ndarray | None = None


class Dense(Layer):
    kind = "dense"

    def tensors(self) -> tuple[TensorDecl, ...]:
        return (
            TensorDecl("weight", (self.n_out, self.n_in), decay=True),
            TensorDecl("bias", (self.n_out,)),
        )

    def bind(self, params, grads) -> None:
        super().bind(params, grads)
        self.weight, self.bias = self.params["weight"], self.params["bias"]
        self.weight_T = self.weight.T
        self.weight_grad, self.bias_grad = self.grads["weight"], self.grads["bias"]

    def _activation_changed(self) -> None:
        linear = self.activation.name == "linear"  # a linear layer's output is its z
        self._activate = None if linear else self.activation.forward
        self._derivative = None if linear else self.activation.derivative

    def initialise(self, rng: np.random.Generator, init: str) -> None:
        self.weight[...] = INITIALIZERS.get(init)(rng, self.n_in, self.n_out)
        self.bias[...] = 0.0

    # ---- training ------------------------------------------------------------------------

    def buffers(self, n: int, out: np.ndarray) -> DenseBuffers:
        return DenseBuffers(n, self.n_out, out, self._activate is None, self.output)

    def forward(self, a: np.ndarray, buf: DenseBuffers) -> np.ndarray:
        buf.input = a
        z = buf.z
        dot(a, self.weight_T, out=z)
        z += self.bias
        return z if self._activate is None else self._activate(z, buf.a)

    def backward(self, d, buf: DenseBuffers, ones: np.ndarray, d_in: np.ndarray | None) -> None:
        """d: dL/da of the mean loss (after dropout's mask); becomes dL/dz in place."""
        if self._derivative is not None:
            d *= self._derivative(buf.z, buf.a, buf.deriv, buf.work)
        dot(d.T, buf.input, out=self.weight_grad)
        dot(ones, d, out=self.bias_grad)
        if d_in is not None:
            dot(d, self.weight, out=d_in)

    # ---- inference and export ------------------------------------------------------------

    def evaluate(
        self, a: np.ndarray, params: Mapping[str, np.ndarray], out: np.ndarray | None = None
    ) -> np.ndarray:
        W, b = params["weight"], params["bias"]
        if out is None:
            out = a @ W.T
        else:
            np.dot(a, W.T, out=out)
        out += b
        return self.activation.forward(out, out)

    def onnx(self, g, a: str) -> str:
        w = g.const(f"{self.prefix}.weight", self.weight)  # (out, in), as in the .npz file
        b = g.const(f"{self.prefix}.bias", self.bias)
        z = g.op("Gemm", a, w, b, output=f"z{self.index}", transB=1)  # z = a @ W.T + b
        return self.activation.onnx(g, z)

    def script(self) -> tuple[str, list[str]]:
        from engine.script_export import array_literal

        k = self.index
        role = "the output layer" if self.output else f"hidden layer {k + 1}"
        weights = (
            f"# dense layer {k} ({role}): {self.n_in} -> {self.n_out}\n"
            f"W{k} = {array_literal(self.weight)}\n"
            f"b{k} = {array_literal(self.bias)}\n"
        )
        if self.output:
            return weights, [f"logits = a @ W{k}.T + b{k}  # dense layer {k}: {role}"]
        return weights, [
            f"z = a @ W{k}.T + b{k}  # dense layer {k}",
            f"a = {self.activation.name}(z)",
        ]

    def describe(self) -> str:
        if self.output:
            return f"dense {self.n_out} (logits)"
        return f"dense {self.n_out} ({self.activation.name})"
