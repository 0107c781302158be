"""Two-input classification sets, inputs roughly in [-1, 1]^2, classes balanced.

`noise` in every set here is input jitter: Gaussian noise of standard deviation
`noise` (a fraction of the domain's half-width, which is 1) added to the
inputs after the labels were drawn. So noise=0 gives points that follow each
set's rule exactly, and larger noise pushes points across the class boundary.
"""

from __future__ import annotations

import numpy as np

from datasets.registry import Param, balanced_counts, labels_for, register

TAU = 2.0 * np.pi


def _finish(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Jitter the inputs and shuffle the rows so classes are not in blocks."""
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


@register(
    "xor",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="Four quadrants: class 1 where x1 and x2 share a sign",
)
def xor(rng: np.random.Generator, n: int, noise: float):
    """Uniform in the quadrants, 0.05 away from the axes; y = 1 where x1 * x2 > 0."""
    y = labels_for(balanced_counts(n, 2))
    mag = rng.uniform(0.05, 1.0, size=(n, 2))
    s1 = rng.choice([-1.0, 1.0], size=n)
    s2 = np.where(y == 1, s1, -s1)
    return _finish(rng, mag * np.column_stack([s1, s2]), y, noise)


@register(
    "circles",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="A disc inside a ring: class 1 where |x| > 0.6",
)
def circles(rng: np.random.Generator, n: int, noise: float):
    """Class 0 uniform in the disc |x| < 0.5, class 1 uniform in the ring 0.7 < |x| < 1."""
    y = labels_for(balanced_counts(n, 2))
    r = np.where(y == 0, 0.5 * np.sqrt(rng.uniform(0, 1, n)), np.sqrt(rng.uniform(0.49, 1.0, n)))
    a = rng.uniform(0, TAU, n)
    return _finish(rng, np.column_stack([r * np.cos(a), r * np.sin(a)]), y, noise)


GAUSSIAN_CENTRES = np.array([[-0.5, -0.5], [0.5, 0.5]])
BLOB_CENTRES = 0.6 * np.array([[np.cos(t), np.sin(t)] for t in TAU * np.arange(3) / 3 + np.pi / 2])


def _blobs(rng: np.random.Generator, n: int, noise: float, centres: np.ndarray, spread: float):
    y = labels_for(balanced_counts(n, len(centres)))
    X = centres[y] + rng.normal(0.0, spread, size=(n, 2))
    return _finish(rng, X, y, noise)


@register(
    "gaussians",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="Two Gaussian blobs, at (-0.5, -0.5) and (0.5, 0.5)",
)
def gaussians(rng: np.random.Generator, n: int, noise: float):
    """Class k is drawn around centre k with standard deviation 0.15 (before the jitter)."""
    return _blobs(rng, n, noise, GAUSSIAN_CENTRES, 0.15)


@register(
    "blobs",
    task="classification",
    input_dim=2,
    n_classes=3,
    description="Three Gaussian blobs on a circle of radius 0.6",
)
def blobs(rng: np.random.Generator, n: int, noise: float):
    """Class k is drawn around centre k (120 degrees apart) with standard deviation 0.12."""
    return _blobs(rng, n, noise, BLOB_CENTRES, 0.12)


SPIRAL_R0, SPIRAL_R1 = 0.05, 0.95


@register(
    "spirals",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="Interleaved spiral arms, one class per arm (2 to 5 arms)",
    params=(Param("arms", 2, 2, 5), Param("turns", 1.75, 0.25, 3.0)),
    classes_param="arms",
)
def spirals(rng: np.random.Generator, n: int, noise: float, arms: int, turns: float):
    """Arm k: radius r = 0.05 + 0.9 t, angle 2 pi (turns t + k / arms), t in [0, 1].

    t is drawn as sqrt(uniform) so points spread evenly along each arm's length.
    """
    y = labels_for(balanced_counts(n, arms))
    t = np.sqrt(rng.uniform(0, 1, n))
    r = SPIRAL_R0 + (SPIRAL_R1 - SPIRAL_R0) * t
    a = TAU * (turns * t + y / arms)
    return _finish(rng, np.column_stack([r * np.cos(a), r * np.sin(a)]), y, noise)


@register(
    "moons",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="Two interleaving half circles",
)
def moons(rng: np.random.Generator, n: int, noise: float):
    """scikit-learn's two moons, scaled by 1/1.5 and centred: x in [-1, 1], y in [-0.5, 0.5].

    Class 0: (cos a, sin a); class 1: (1 - cos a, 0.5 - sin a); a in [0, pi]; then
    x -> (x - 0.5) / 1.5 and y -> (y - 0.25) / 1.5.
    """
    y = labels_for(balanced_counts(n, 2))
    a = rng.uniform(0, np.pi, n)
    u = np.where(y == 0, np.cos(a), 1.0 - np.cos(a))
    v = np.where(y == 0, np.sin(a), 0.5 - np.sin(a))
    X = np.column_stack([(u - 0.5) / 1.5, (v - 0.25) / 1.5])
    return _finish(rng, X, y, noise)


CHECKER_CELLS = 4


@register(
    "checkerboard",
    task="classification",
    input_dim=2,
    n_classes=2,
    description="A 4 x 4 checkerboard over [-1, 1]^2",
)
def checkerboard(rng: np.random.Generator, n: int, noise: float):
    """Cell (i, j) = floor(2 (x + 1)); y = (i + j) mod 2.

    Points keep 1% of a cell's width away from its edges, so the rule is unambiguous.
    """
    y = labels_for(balanced_counts(n, 2))
    i = rng.integers(0, CHECKER_CELLS, n)
    j = rng.integers(0, CHECKER_CELLS // 2, n) * 2 + (i + y) % 2
    cells = np.column_stack([i, j]).astype(np.float64)
    X = -1.0 + (cells + rng.uniform(0.01, 0.99, size=(n, 2))) * (2.0 / CHECKER_CELLS)
    return _finish(rng, X, y, noise)
