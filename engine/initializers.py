"""Weight initialisers: name -> fn(rng, fan_in, fan_out) -> (fan_out, fan_in) array.

The shape is PyTorch's Linear layout (out_features, in_features). Biases always
start at zero; only weight matrices come from here. Every draw uses the given
`np.random.Generator`, so the same seed gives the same network.

    xavier_uniform  U(-l, l),  l = sqrt(6 / (fan_in + fan_out))      (Glorot & Bengio 2010)
    xavier_normal   N(0, s^2), s = sqrt(2 / (fan_in + fan_out))
    he_uniform      U(-l, l),  l = sqrt(6 / fan_in)   (Kaiming, fan_in mode, gain sqrt(2))
    he_normal       N(0, s^2), s = sqrt(2 / fan_in)
    lecun_normal    N(0, s^2), s = sqrt(1 / fan_in)   (LeCun 1998; untruncated)
    small_uniform   U(-0.5, 0.5)                      (TensorFlow Playground's choice)
    zeros           0 everywhere: every unit of a layer stays identical (symmetry is never broken)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.registry import Registry

Initializer = Callable[[np.random.Generator, int, int], np.ndarray]


def _about(formula: str, tip: str) -> Callable[[Initializer], Initializer]:
    """Attach the formula and the GUI's tooltip to an initialiser function."""

    def attach(fn: Initializer) -> Initializer:
        fn.formula, fn.tip = formula, tip  # type: ignore[attr-defined]
        return fn

    return attach


@_about(
    "U(-l, l), l = sqrt(6 / (fan_in + fan_out))",
    "Glorot uniform: keeps the signal's variance for tanh/sigmoid",
)
def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


@_about("N(0, s^2), s = sqrt(2 / (fan_in + fan_out))", "Glorot normal")
def xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))


@_about("U(-l, l), l = sqrt(6 / fan_in)", "Kaiming uniform (fan in): suited to relu")
def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


@_about("N(0, s^2), s = sqrt(2 / fan_in)", "Kaiming normal (fan in): suited to relu")
def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


@_about("N(0, s^2), s = sqrt(1 / fan_in)", "LeCun normal (fan in)")
def lecun_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=(fan_out, fan_in))


@_about("U(-0.5, 0.5)", "U(-0.5, 0.5), as in TensorFlow Playground")
def small_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.uniform(-0.5, 0.5, size=(fan_out, fan_in))


@_about("0", "All zero: every unit learns the same thing (a classic mistake to try)")
def zeros(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return np.zeros((fan_out, fan_in))


INITIALIZERS: Registry[Initializer] = Registry("initializer")
for _fn in (
    xavier_uniform,
    xavier_normal,
    he_uniform,
    he_normal,
    lecun_normal,
    small_uniform,
    zeros,
):
    INITIALIZERS.register(_fn.__name__, _fn)

__all__ = ["INITIALIZERS", "Initializer"]
