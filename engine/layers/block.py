"""A hidden layer with batch normalisation and/or a residual connection around its kind.

`LayerSpec.batch_norm` and `LayerSpec.residual` wrap the layer's own kind (dense)
in a `Block`, so the plain dense layer keeps its fast path. The order is
PyTorch's `Linear -> BatchNorm1d -> activation -> (+ x) -> dropout`:

    z = inner(x)                 the kind's own z (dense: x @ W.T + b), kept linear
    y = BN(z)                    with `batch_norm` (engine/layers/batch_norm.py), else z
    h = f(y)                     the activation
    a = h + x   or  h + x @ P.T  with `residual` (engine/layers/shortcut.py), else h

Dropout, applied by the network after a layer's output, comes after the sum.
Tensors, in flat order: the kind's own (weight, bias), then bn.weight, bn.bias,
bn.running_mean, bn.running_var, then shortcut.weight (when widths differ).
For the backprop inspector `pre` is z and `deltas` hold dL/dz, so dL/dW is
still delta.T @ input; the data gradients of the extra tensors are kept in
`data_grads` (penalties and clipping later change `grads`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.layers.base import Layer, TensorDecl
from engine.layers.batch_norm import BatchNorm
from engine.layers.shortcut import Shortcut


class BlockBuffers:
    """One batch size's scratch of a block (see `Block.buffers`)."""

    __slots__ = ("a", "bn", "delta", "deriv", "h", "inner", "proj", "short", "work", "y", "z")

    def __init__(self, block: Block, n: int, out: np.ndarray):
        m = block.n_out
        self.a = out  # the layer's output, in the network's activation block
        dt = out.dtype  # the network's compute dtype
        self.z = np.empty((n, m), dt)
        self.inner = block.inner.buffers(n, self.z)  # the kind is linear: its output is z
        self.bn = None if block.bn is None else block.bn.buffers(n, dt)
        self.y = self.z if block.bn is None else np.empty((n, m), dt)
        residual = block.shortcut is not None
        self.h = np.empty((n, m), dt) if residual else out
        self.delta = np.empty((n, m), dt)  # receives dL/da, becomes dL/dz
        self.deriv = np.empty((n, m), dt)
        self.work = np.empty((n, m), dt)
        projected = residual and block.shortcut.projected
        self.proj = np.empty((n, m), dt) if projected else None
        self.short = np.empty((n, block.n_in), dt) if residual else None


class Block(Layer):
    """The layer of one LayerSpec with flags; see the module docstring."""

    kind = ""  # not a kind of its own (not discovered): it wraps `inner`, of the spec's kind

    def __init__(self, inner: Layer, activation: Activation, batch_norm: bool, residual: bool):
        self.inner = inner
        self.bn = BatchNorm(inner.n_out) if batch_norm else None
        self.shortcut = Shortcut(inner.n_in, inner.n_out) if residual else None
        super().__init__(inner.index, inner.n_in, inner.n_out, activation, False)
        self.data_grads: dict[str, np.ndarray] = {}

    def _activation_changed(self) -> None:
        self._derivative = None if self.activation.name == "linear" else self.activation.derivative

    def _parts(self) -> list:
        return [p for p in (self.bn, self.shortcut) if p is not None]

    def tensors(self) -> tuple[TensorDecl, ...]:
        return self.inner.tensors() + tuple(t for p in self._parts() for t in p.tensors())

    def bind(self, params, grads) -> None:
        super().bind(params, grads)
        own = {t.name for t in self.inner.tensors()}
        self.inner.bind(
            {k: v for k, v in params.items() if k in own},
            {k: v for k, v in grads.items() if k in own},
        )
        for part in self._parts():
            part.bind(params, grads)
        self.data_grads = {
            t.name: np.zeros(t.shape, grads[t.name].dtype)
            for p in self._parts()
            for t in p.tensors()
            if t.trainable
        }

    def initialise(self, rng: np.random.Generator, init: str) -> None:
        self.inner.initialise(rng, init)
        if self.bn is not None:
            self.bn.initialise()
        if self.shortcut is not None:
            self.shortcut.initialise(rng, init)

    # ---- training ------------------------------------------------------------------------

    def buffers(self, n: int, out: np.ndarray) -> BlockBuffers:
        return BlockBuffers(self, n, out)

    def forward(self, a: np.ndarray, buf: BlockBuffers) -> np.ndarray:
        z = self.inner.forward(a, buf.inner)
        y = z if self.bn is None else self.bn.forward(z, buf.bn, buf.y)
        h = self.activation.forward(y, buf.h)
        return h if self.shortcut is None else self.shortcut.add(a, h, buf.a, buf.proj)

    def backward(self, d, buf: BlockBuffers, ones: np.ndarray, d_in: np.ndarray | None) -> None:
        """d: dL/da of the mean loss (its buf.delta); becomes dL/dz in place."""
        x = buf.inner.input
        if self.shortcut is not None:
            self.shortcut.backward(d, x, None if d_in is None else buf.short)
        if self._derivative is not None:
            d *= self._derivative(buf.y, buf.h, buf.deriv, buf.work)
        if self.bn is not None:
            self.bn.backward(d, buf.bn, ones)
            self.bn.update_running(buf.bn)  # only once the step's loss was finite
        self.inner.backward(d, buf.inner, ones, d_in)
        if d_in is not None and self.shortcut is not None:
            d_in += buf.short
        for name, kept in self.data_grads.items():
            np.copyto(kept, self.grads[name])

    # ---- inference and export ------------------------------------------------------------

    def evaluate(
        self, a: np.ndarray, params: Mapping[str, np.ndarray], out: np.ndarray | None = None
    ) -> np.ndarray:
        h = self.inner.evaluate(a, params)  # z (the kind is linear), a fresh array
        if self.bn is not None:
            self.bn.evaluate(h, params)
        h = self.activation.forward(h, h)
        if self.shortcut is not None:
            self.shortcut.evaluate(a, params, h)
        if out is None:
            return h
        np.copyto(out, h)
        return out

    def onnx(self, g, a: str) -> str:
        y = self.inner.onnx(g, a)
        if self.bn is not None:
            y = self.bn.onnx(g, y, self.prefix)
        h = self.activation.onnx(g, y)
        return h if self.shortcut is None else self.shortcut.onnx(g, a, h, self.prefix)

    def script(self) -> tuple[str, list[str]]:
        k = self.index
        weights, lines = self.inner.script()
        lines = [lines[0]]  # z = a @ Wk.T + bk (the kind is linear)
        if self.shortcut is not None:
            lines.insert(0, f"x = a  # the input of layer {k}, for its residual connection")
        if self.bn is not None:
            text, line = self.bn.script(k)
            weights += text
            lines.append(line)
        lines.append(f"a = {self.activation.name}(z)")
        if self.shortcut is not None:
            text, line = self.shortcut.script(k)
            weights += text
            lines.append(line)
        return weights, lines

    def describe(self) -> str:
        extra = [self.activation.name]
        if self.bn is not None:
            extra.append("batch norm")
        if self.shortcut is not None:
            extra.append("residual, projected" if self.shortcut.projected else "residual")
        return f"{self.inner.kind} {self.n_out} ({', '.join(extra)})"


def wrap(inner_cls: type[Layer], k: int, n_in: int, n_out: int, spec) -> Layer:
    """The layer of hidden LayerSpec `spec`: its kind alone, or a Block around it."""
    activation = ACTIVATIONS.get(spec.activation)
    if not (spec.batch_norm or spec.residual):
        return inner_cls(k, n_in, n_out, activation, False)
    inner = inner_cls(k, n_in, n_out, ACTIVATIONS.get("linear"), False)
    return Block(inner, activation, spec.batch_norm, spec.residual)
