"""Batch normalisation of a layer's z, as PyTorch's BatchNorm1d(eps=1e-5, momentum=0.1).

Not a layer kind of its own: a part that engine/layers/block.py puts between a
layer's z and its activation. Tensors (file keys layers.{k}.bn.*): `bn.weight`
(gamma, starts at 1) and `bn.bias` (beta, starts at 0) are trained; `bn.running_mean`
(starts at 0) and `bn.running_var` (starts at 1) are buffers.

Training normalises with the batch's statistics (biased variance); evaluation
(test loss, boundary, unit maps, predict, ONNX and the NumPy script) with the
running ones:

    y = (z - running_mean) / sqrt(running_var + eps) * gamma + beta

After each training step's backward pass the running statistics move towards the
batch's: r = (1 - momentum) r + momentum s, with the unbiased variance
(n / (n - 1)). They move in the backward pass, not the forward, so a forward
alone (a gradient check's loss evaluations, a step refused for a non-finite or
exploding loss) leaves them as they were; a step refused later, for a non-finite
gradient or update, has already moved them.

A batch of ONE example while training (PyTorch refuses it) is normalised with the
running statistics, as in evaluation, and does not update them: a single example
has no spread to normalise by. The trainer's last, smaller minibatch and the
backprop inspector's single-example step both follow this rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.layers.base import TensorDecl

EPS = 1e-5
MOMENTUM = 0.1


class BatchNormBuffers:
    """One batch size's scratch: the normalised z, the batch statistics, a work array."""

    __slots__ = ("inv", "mean", "n", "scale", "use_batch", "var", "wmean", "work", "xhat")

    def __init__(self, n: int, m: int, dtype=np.float64):
        self.n = n
        self.wmean = np.full(n, 1.0 / n, dtype)  # a mean over the batch is one dot with it
        self.use_batch = n > 1  # a batch of one is normalised by the running statistics
        self.xhat = np.empty((n, m), dtype)
        self.work = np.empty((n, m), dtype)
        self.mean = np.empty(m, dtype)
        self.var = np.empty(m, dtype)
        self.inv = np.empty(m, dtype)  # 1 / sqrt(var + eps) of the statistics used
        self.scale = np.empty(m, dtype)  # scratch of the backward pass


class BatchNorm:
    """The normalisation of `width` units; see the module docstring."""

    def __init__(self, width: int):
        self.width = width
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def tensors(self) -> tuple[TensorDecl, ...]:
        m = (self.width,)
        return (
            TensorDecl("bn.weight", m),
            TensorDecl("bn.bias", m),
            TensorDecl("bn.running_mean", m, trainable=False),
            TensorDecl("bn.running_var", m, trainable=False),
        )

    def bind(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        self.params, self.grads = dict(params), dict(grads)
        self.gamma, self.beta = params["bn.weight"], params["bn.bias"]
        self.running_mean, self.running_var = params["bn.running_mean"], params["bn.running_var"]
        self.gamma_grad, self.beta_grad = grads["bn.weight"], grads["bn.bias"]

    def initialise(self) -> None:
        self.gamma[...] = 1.0
        self.beta[...] = 0.0
        self.running_mean[...] = 0.0
        self.running_var[...] = 1.0

    def buffers(self, n: int, dtype=np.float64) -> BatchNormBuffers:
        return BatchNormBuffers(n, self.width, dtype)

    def forward(self, z: np.ndarray, buf: BatchNormBuffers, out: np.ndarray) -> np.ndarray:
        """Training: y = xhat * gamma + beta into `out`, keeping xhat and the statistics."""
        xhat = buf.xhat
        if buf.use_batch:
            np.dot(buf.wmean, z, out=buf.mean)
            np.subtract(z, buf.mean, out=xhat)
            np.dot(buf.wmean, np.multiply(xhat, xhat, out=buf.work), out=buf.var)  # biased
            np.add(buf.var, EPS, out=buf.inv)
        else:
            np.subtract(z, self.running_mean, out=xhat)
            np.add(self.running_var, EPS, out=buf.inv)
        np.sqrt(buf.inv, out=buf.inv)
        xhat /= buf.inv
        np.reciprocal(buf.inv, out=buf.inv)
        np.multiply(xhat, self.gamma, out=out)
        out += self.beta
        return out

    def backward(self, d: np.ndarray, buf: BatchNormBuffers, ones: np.ndarray) -> np.ndarray:
        """d: dL/dy, turned into dL/dz in place; writes the gradients of gamma and beta.

        With batch statistics: dz = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat)).
        """
        np.dot(ones, d, out=self.beta_grad)
        np.dot(ones, np.multiply(d, buf.xhat, out=buf.work), out=self.gamma_grad)
        scale = buf.scale
        if buf.use_batch:
            inv_n = 1.0 / buf.n
            np.multiply(self.gamma_grad, inv_n, out=scale)
            np.multiply(buf.xhat, scale, out=buf.work)
            np.multiply(self.beta_grad, inv_n, out=scale)
            d -= scale
            d -= buf.work
        np.multiply(self.gamma, buf.inv, out=scale)
        d *= scale
        return d

    def update_running(self, buf: BatchNormBuffers) -> None:
        """Move the running statistics towards this batch's (nothing for a batch of one)."""
        if buf.use_batch:
            n = buf.n
            self.running_mean *= 1.0 - MOMENTUM
            self.running_mean += MOMENTUM * buf.mean
            self.running_var *= 1.0 - MOMENTUM
            self.running_var += (MOMENTUM * n / (n - 1)) * buf.var

    # ---- inference and export ------------------------------------------------------------

    @staticmethod
    def evaluate(z: np.ndarray, params: Mapping[str, np.ndarray]) -> np.ndarray:
        """z normalised in place by the running statistics (the NumPy script's operations)."""
        z -= params["bn.running_mean"]
        z /= np.sqrt(params["bn.running_var"] + EPS)
        z *= params["bn.weight"]
        z += params["bn.bias"]
        return z

    def onnx(self, g, z: str, prefix: str) -> str:
        mean = g.const(f"{prefix}.bn.running_mean", self.running_mean)
        var = g.const(f"{prefix}.bn.running_var", self.running_var)
        gamma = g.const(f"{prefix}.bn.weight", self.gamma)
        beta = g.const(f"{prefix}.bn.bias", self.beta)
        std = g.op("Sqrt", g.op("Add", var, g.scalar("bn_eps", EPS)))
        y = g.op("Div", g.op("Sub", z, mean), std)
        return g.op("Add", g.op("Mul", y, gamma), beta)

    def script(self, k: int) -> tuple[str, str]:
        """(weights text, the forward line) of the NumPy script."""
        from engine.script_export import array_literal

        weights = (
            f"# batch normalisation of layer {k} (evaluation: running statistics)\n"
            f"gamma{k} = {array_literal(self.gamma)}\n"
            f"beta{k} = {array_literal(self.beta)}\n"
            f"mean{k} = {array_literal(self.running_mean)}\n"
            f"var{k} = {array_literal(self.running_var)}\n"
        )
        line = f"z = (z - mean{k}) / np.sqrt(var{k} + {EPS!r}) * gamma{k} + beta{k}  # batch norm"
        return weights, line
