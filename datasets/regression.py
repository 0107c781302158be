"""Regression sets: 1-D curves and 2-D surfaces, inputs uniform in [-1, 1]^d.

`noise` here is target noise: Gaussian noise of standard deviation `noise`
added to the targets (which lie roughly in [-1, 1], so it is a fraction of their
half-range); the inputs are exact. noise=0 gives y = f(x) exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from datasets.errors import DatasetError
from datasets.registry import register

Target = Callable[[np.ndarray], np.ndarray]

# f(X) for X of shape (n, d): the noiseless target of each set, public for tests and plots.
CURVES: dict[str, tuple[Target, str]] = {
    "sine": (lambda X: np.sin(np.pi * X[:, 0]), "y = sin(pi x), one full period"),
    "cubic": (lambda X: 4.0 * X[:, 0] ** 3 - 3.0 * X[:, 0], "y = 4x^3 - 3x (two bends)"),
    "step": (lambda X: np.where(X[:, 0] >= 0.0, 0.8, -0.8), "y = 0.8 for x >= 0, else -0.8"),
    "abs": (lambda X: 2.0 * np.abs(X[:, 0]) - 1.0, "y = 2|x| - 1, a V with a kink"),
    "sinc": (lambda X: np.sinc(4.0 * X[:, 0]), "y = sin(4 pi x) / (4 pi x)"),
}

BUMPS = np.array([[0.5, 0.5, 1.0], [-0.5, -0.5, 1.0], [0.5, -0.5, -1.0], [-0.5, 0.5, -1.0]])
BUMP_WIDTH = 0.3


def _bumps(X: np.ndarray) -> np.ndarray:
    d2 = ((X[:, None, :] - BUMPS[None, :, :2]) ** 2).sum(axis=2)
    return (BUMPS[:, 2] * np.exp(-d2 / (2 * BUMP_WIDTH**2))).sum(axis=1)


SURFACES: dict[str, tuple[Target, str]] = {
    "plane": (lambda X: 0.6 * X[:, 0] - 0.4 * X[:, 1], "y = 0.6 x1 - 0.4 x2"),
    "gaussian_bumps": (_bumps, "two bumps up and two down, on the diagonals at (+-0.5, +-0.5)"),
}


def _generator(f: Target, input_dim: int):
    def generate(rng: np.random.Generator, n: int, noise: float):
        X = rng.uniform(-1.0, 1.0, size=(n, input_dim))
        y = f(X)
        if noise > 0:
            y = y + rng.normal(0.0, noise, size=n)
        return X, y

    return generate


def _register_all() -> None:
    for dim, table in ((1, CURVES), (2, SURFACES)):
        for name, (f, description) in table.items():
            register(name, task="regression", input_dim=dim, description=description)(
                _generator(f, dim)
            )


_register_all()


def target_function(name: str) -> Target:
    """The noiseless f of a regression set (for tests and for drawing the true curve)."""
    table = {**CURVES, **SURFACES}
    if name not in table:
        raise DatasetError(
            f"Could not interpret regression set {name!r}: expected one of {', '.join(table)}"
        )
    return table[name][0]
