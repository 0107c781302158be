"""The reference floor of `playground bench`: each workload as a minimal hand-written NumPy loop.

This is NOT the engine. It is what the engine is measured against: the same
network, data, loss and optimizer written as directly as NumPy allows, so that
"engine / floor" shows what the engine's structure (layer objects, checks,
gradient norms for the history) costs over NumPy's own per-call price, which no
NumPy program of these shapes can avoid.

What a floor step does, and nothing else: take the next minibatch (the examples
are copied into a fresh shuffled order once per epoch, as the engine does, so a
batch is a slice), forward through dense layers (z = a @ W.T + b, then tanh or
relu in place), the BCE-with-logits loss of the batch (the value every training
loop reports) and its gradient (sigmoid(z) - y) / n in one fused expression,
backward, and the SGD or Adam update (PyTorch's formulas, as the engine's) on
one flat parameter vector. Every buffer is allocated once. No finiteness checks,
no statistics, no schedule, no history.

The parameters sit in one flat vector in the engine's order (W0, b0, W1, b1, ...),
so a floor started from an engine network's weights, with a shuffle generator
made like the engine's, can be compared with it weight for weight
(tests/engine/test_bench_floor.py). NumPy only; float64 or float32 throughout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ACTIVATIONS = ("tanh", "relu")
OPTIMIZERS = ("sgd", "adam")
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8


def flat_parameters(weights, biases, dtype) -> tuple[np.ndarray, list, list]:
    """One flat vector W0, b0, W1, b1, ... and (out, in) / (out,) views of it."""
    flat = np.concatenate(
        [np.concatenate([W.ravel(), b]) for W, b in zip(weights, biases, strict=True)]
    )
    flat = flat.astype(dtype)
    Ws, bs, start = [], [], 0
    for W, b in zip(weights, biases, strict=True):
        Ws.append(flat[start : start + W.size].reshape(W.shape))
        start += W.size
        bs.append(flat[start : start + b.size])
        start += b.size
    return flat, Ws, bs


class FloorTrainer:
    """A dense tanh/relu binary classifier trained by SGD or Adam (see the module docstring).

    `weights[k]` is (out, in) like the engine's, `batch_size` 0 means the full
    batch, `rng` draws each epoch's shuffle (unused for full batches).
    """

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activation: str,
        optimizer: str,
        lr: float,
        batch_size: int,
        X: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator,
        dtype: str = "float64",
    ):
        if activation not in ACTIVATIONS or optimizer not in OPTIMIZERS:
            raise ValueError(
                f"The floor knows activations {ACTIVATIONS} and optimizers {OPTIMIZERS}; "
                f"received {activation!r} and {optimizer!r}"
            )
        self.flat, self.W, self.b = flat_parameters(weights, biases, dtype)
        self.grad, self.gW, self.gb = flat_parameters(weights, biases, dtype)
        self.tmp = np.empty_like(self.flat)
        self.tanh = activation == "tanh"
        self.adam = optimizer == "adam"
        self.m, self.v, self.t = np.zeros_like(self.flat), np.zeros_like(self.flat), 0
        self.lr = lr
        self.rng = rng
        self.X = np.ascontiguousarray(X, dtype=dtype)
        self.y = np.ascontiguousarray(np.reshape(y, (-1, 1)), dtype=dtype)
        self.n = n = len(self.y)
        self.batch = n if batch_size == 0 else min(batch_size, n)
        self.shuffled = self.batch < n
        # this epoch's examples, targets and 2y - 1 (the fused gradient's form), in order
        self.Xe, self.ye, self.ue = self.X.copy(), self.y.copy(), 2.0 * self.y - 1.0
        self.cursor = 0
        sizes = {self.batch, n % self.batch or self.batch}  # the last batch may be smaller
        self.buffers = {b: self._buffers(b, dtype) for b in sizes}

    def _buffers(self, b: int, dtype: str) -> tuple[list, list, list, np.ndarray, np.ndarray]:
        """Per layer its output a (b, out); per hidden layer dL/dz and f'(z); dlogits; ones (b,)
        (a dot with ones is NumPy's cheapest sum over the batch)."""
        outs = [W.shape[0] for W in self.W]
        acts = [np.empty((b, m), dtype) for m in outs]
        deltas = [np.empty((b, m), dtype) for m in outs[:-1]]
        derivs = [np.empty((b, m), dtype) for m in outs[:-1]]
        return acts, deltas, derivs, acts[-1].copy(), np.ones(b, dtype)

    def step(self) -> float:
        """One minibatch; returns its loss (before the update)."""
        c = self.cursor
        if c == 0 and self.shuffled:
            perm = self.rng.permutation(self.n)
            self.X.take(perm, axis=0, out=self.Xe)
            self.y.take(perm, axis=0, out=self.ye)
            np.multiply(self.ye, 2.0, out=self.ue)
            self.ue -= 1.0
        b = min(self.batch, self.n - c)
        x, y, u = self.Xe[c : c + b], self.ye[c : c + b], self.ue[c : c + b]
        self.cursor = 0 if c + b >= self.n else c + b
        acts, deltas, derivs, dl, ones = self.buffers[b]
        W, last = self.W, len(self.W) - 1
        # forward
        a = x
        for k in range(last + 1):
            z = acts[k]
            np.dot(a, W[k].T, out=z)
            z += self.b[k]
            if k < last and self.tanh:
                np.tanh(z, out=z)
            elif k < last:
                np.maximum(z, 0.0, out=z)
            a = z
        # loss: mean of log(1 + e^z) - z y; gradient: (sigmoid(z) - y) / b = (tanh(z/2) - u) / 2b
        loss = (float(np.vdot(np.logaddexp(0.0, z, out=dl), ones)) - float(np.vdot(z, y))) / b
        np.multiply(z, 0.5, out=dl)
        np.tanh(dl, out=dl)
        dl -= u
        dl *= 0.5 / b
        # backward
        d = dl
        for k in range(last, -1, -1):
            below = acts[k - 1] if k else x
            np.dot(d.T, below, out=self.gW[k])
            np.dot(ones, d, out=self.gb[k])
            if k:
                d_in = deltas[k - 1]
                np.dot(d, W[k], out=d_in)
                g = derivs[k - 1]
                if self.tanh:  # tanh' = 1 - a^2
                    np.multiply(below, below, out=g)
                    np.subtract(1.0, g, out=g)
                else:  # relu' = 1 where a > 0
                    np.sign(below, out=g)
                d_in *= g
                d = d_in
        self._update()
        return loss

    def _update(self) -> None:
        g, tmp = self.grad, self.tmp
        if not self.adam:  # w -= lr g
            np.multiply(g, self.lr, out=tmp)
            self.flat -= tmp
            return
        (b1, b2), m, v = ADAM_BETAS, self.m, self.v
        self.t += 1
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)  # w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        tmp *= 1.0 / math.sqrt(1.0 - b2**self.t)
        tmp += ADAM_EPS
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1.0 - b1**self.t)
        self.flat -= tmp

    def run_steps(self, n: int) -> float:
        """`n` steps; the last one's loss."""
        loss = math.nan
        for _ in range(n):
            loss = self.step()
        return loss


class FloorPredictor:
    """P(class 1) of a relu/tanh network on fixed points, into buffers allocated once.

    The points go through in chunks of `chunk` rows, as the engine's `predict`
    does, so each layer's output stays in the CPU cache.
    """

    def __init__(self, weights, biases, activation: str, points, dtype="float64", chunk=1024):
        _, self.W, self.b = flat_parameters(weights, biases, dtype)
        self.tanh = activation == "tanh"
        self.points = np.ascontiguousarray(points, dtype=dtype)
        self.out = np.empty((len(self.points), 1), dtype)
        self.chunk = chunk
        width = max(W.shape[0] for W in self.W)
        self.scratch = (np.empty(chunk * width, dtype), np.empty(chunk * width, dtype))

    def predict(self) -> np.ndarray:
        last = len(self.W) - 1
        for start in range(0, len(self.points), self.chunk):
            a = self.points[start : start + self.chunk]
            r = a.shape[0]
            for k, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
                m = W.shape[0]
                if k == last:
                    z = self.out[start : start + r]
                else:  # two scratch blocks in turn: a layer never writes over its input
                    z = self.scratch[k % 2][: r * m].reshape(r, m)
                np.dot(a, W.T, out=z)
                z += b
                if k < last and self.tanh:
                    np.tanh(z, out=z)
                elif k < last:
                    np.maximum(z, 0.0, out=z)
                a = z
        out = self.out  # sigmoid(z) = (1 + tanh(z / 2)) / 2
        out *= 0.5
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out
