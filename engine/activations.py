"""Activation functions: a name-keyed registry of objects that work in place.

Each activation writes into a caller-given buffer (`out=`) so a training step
allocates nothing: `forward(z, out)` computes a = f(z) and `derivative(z, a,
out)` computes da/dz elementwise from both z and a (whichever is cheaper). The
forward passes may be called with `out is z` (prediction works in place); the
derivatives need `out` distinct from z and a. Some derivatives need one more
scratch array: pass `work` (same shape) to avoid allocating it.

Constants follow PyTorch's defaults: leaky_relu slope 0.01, elu alpha 1, gelu the
tanh approximation. The formulas and their operation order are mirrored by
engine/script_export.py, whose exported scripts must reproduce `predict` bit for bit.

`kind` drives the per-layer statistics the trainer reports: "relu" (dead
fraction), "saturating" (saturated fraction) or "other".
"""

from __future__ import annotations

import math

import numpy as np

from engine.registry import Registry

LEAKY_SLOPE = 0.01
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_COEF = 0.044715


class Activation:
    """Base: a = f(z) elementwise. Subclasses set `name` and `kind`."""

    name = ""
    kind = "other"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(
        self, z: np.ndarray, a: np.ndarray, out: np.ndarray, work: np.ndarray | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z) in a new array (convenient outside the hot path)."""
        return self.forward(z, np.empty_like(z, dtype=np.float64))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Linear(Activation):
    name = "linear"

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def derivative(self, z, a, out, work=None):
        out.fill(1.0)
        return out


class ReLU(Activation):
    name, kind = "relu", "relu"

    def forward(self, z, out):
        return np.maximum(z, 0.0, out=out)

    def derivative(self, z, a, out, work=None):
        # 1 where z > 0, else 0 (PyTorch's choice at the kink); a = max(z, 0) is >= 0
        return np.sign(a, out=out)


class LeakyReLU(Activation):
    name, kind = "leaky_relu", "relu"

    def forward(self, z, out):
        # max(z, 0.01 z) equals where(z > 0, z, 0.01 z) exactly
        if out is z:
            return np.multiply(z, LEAKY_SLOPE, out=out, where=z < 0.0)
        np.multiply(z, LEAKY_SLOPE, out=out)
        return np.maximum(out, z, out=out)

    def derivative(self, z, a, out, work=None):
        np.greater(z, 0.0, out=out)
        out *= 1.0 - LEAKY_SLOPE
        out += LEAKY_SLOPE
        return out


class ELU(Activation):
    """z for z > 0, exp(z) - 1 otherwise (alpha = 1)."""

    name = "elu"

    def forward(self, z, out):
        # expm1(min(z, 0)) is 0 for z > 0 and >= z for z <= 0, so the max picks the branch
        tail = np.minimum(z, 0.0) if out is z else np.minimum(z, 0.0, out=out)
        np.expm1(tail, out=tail)
        return np.maximum(tail, z, out=out)

    def derivative(self, z, a, out, work=None):
        # 1 for z > 0, a + 1 = exp(z) otherwise
        np.minimum(a, 0.0, out=out)
        out += 1.0
        return out


class Tanh(Activation):
    name, kind = "tanh", "saturating"

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def derivative(self, z, a, out, work=None):
        np.multiply(a, a, out=out)
        return np.subtract(1.0, out, out=out)


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """0.5 (1 + tanh(z / 2)): never overflows, unlike 1 / (1 + exp(-z))."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


class Sigmoid(Activation):
    name, kind = "sigmoid", "saturating"

    def forward(self, z, out):
        return _sigmoid(z, out)

    def derivative(self, z, a, out, work=None):
        np.subtract(1.0, a, out=out)
        out *= a
        return out


class Softplus(Activation):
    """log(1 + exp(z)) (beta 1), computed as logaddexp(0, z) so it never overflows."""

    name = "softplus"

    def forward(self, z, out):
        return np.logaddexp(0.0, z, out=out)

    def derivative(self, z, a, out, work=None):
        return _sigmoid(z, out)


class GELU(Activation):
    """0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3) (the tanh approximation)."""

    name = "gelu"

    def forward(self, z, out):
        t = np.empty_like(z) if out is z else out
        np.power(z, 3.0, out=t)  # z**3, as the exported script writes it (bit-identical)
        t *= GELU_COEF
        t += z
        t *= SQRT_2_OVER_PI
        np.tanh(t, out=t)
        t += 1.0
        if t is not out:
            np.multiply(t, z, out=out)
        else:
            out *= z
        out *= 0.5
        return out

    def derivative(self, z, a, out, work=None):
        # f' = 0.5 (1 + t) [1 + z (1 - t) du/dz],  du/dz = sqrt(2/pi) (1 + 3 * 0.044715 z^2)
        w = np.empty_like(z) if work is None else work
        np.multiply(z, z, out=out)
        out *= z
        out *= GELU_COEF
        out += z
        out *= SQRT_2_OVER_PI
        np.tanh(out, out=w)  # w = t
        np.subtract(1.0, w, out=w)  # w = 1 - t
        np.multiply(z, z, out=out)
        out *= 3.0 * GELU_COEF
        out += 1.0
        out *= SQRT_2_OVER_PI  # du/dz
        out *= z
        out *= w
        out += 1.0
        w *= -0.5
        w += 1.0  # (1 + t) / 2
        out *= w
        return out


class Swish(Activation):
    """z * sigmoid(z), also called SiLU."""

    name = "swish"

    def forward(self, z, out):
        if out is z:
            return np.multiply(z, _sigmoid(z, np.empty_like(z)), out=out)
        _sigmoid(z, out)
        out *= z
        return out

    def derivative(self, z, a, out, work=None):
        # s (1 + z (1 - s)) = s (1 + z - a) with s = sigmoid(z), a = z s
        s = _sigmoid(z, np.empty_like(z) if work is None else work)
        np.subtract(z, a, out=out)
        out += 1.0
        out *= s
        return out


ACTIVATIONS: Registry[Activation] = Registry("activation")
for _cls in (Linear, ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Softplus, GELU):
    ACTIVATIONS.register(_cls.name, _cls())
ACTIVATIONS.register(Swish.name, Swish(), aliases=("silu",))


def get_activation(name: str) -> Activation:
    """The activation called `name` (or an alias such as "silu"); SpecError if unknown."""
    return ACTIVATIONS.get(name)


__all__ = ["ACTIVATIONS", "LEAKY_SLOPE", "Activation", "get_activation"]
