"""The loss landscape: the training loss over a slice of weight space around the weights.

A network has hundreds of weights; the loss over all of them cannot be drawn. A
slice can: pick two directions d1, d2 in weight space and evaluate the loss at
w + a d1 + b d2 over a grid of (a, b). Following Li et al. (2018, "Visualizing the
Loss Landscape of Neural Nets"):

- random directions are *filter-normalised*: a Gaussian direction whose every row
  (one unit's incoming weights) is rescaled to that row's norm in the weights, so
  a step of 1 along it changes each unit by as much as the unit's own size, and
  the pictures of different networks compare. Biases and 1-D tensors (batch
  normalisation) get zero, as Li et al.'s "ignore biases and BN" setting;
- PCA directions are the two main directions of the recorded weight trajectory
  (each recorded point minus the current weights), along which training moved
  most; the trajectory's own coordinates are drawn on the slice;
- a 1-D slice interpolates from the initial to the current weights.

Every value is the network's own evaluation (`data_loss`: the loss of the whole
training set, no dropout, no penalty, as `Trainer.evaluate` reports it), so the
centre of a slice is exactly the training loss shown in the loss plot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import SpecError
from engine.network import Network

RESOLUTION = 51  # points a side of the default 2-D slice
SPAN = 1.0  # the random slice covers -SPAN..SPAN along each filter-normalised direction
KINDS = ("random", "pca")

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True)
class Landscape:
    """The loss over a 2-D slice: loss[iy, ix] at weights + xs[ix] d1 + ys[iy] d2."""

    kind: str  # "random" | "pca"
    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray  # (len(ys), len(xs))
    centre_loss: float  # at the weights themselves (0, 0)
    path: np.ndarray | None = None  # (T, 2) the recorded trajectory's coordinates (PCA)
    explained: tuple[float, float] | None = None  # PCA: share of the trajectory's variance


@dataclass(frozen=True)
class Interpolation:
    """The loss along (1 - t) start + t end: t = 0 the initial, t = 1 the current weights."""

    ts: np.ndarray
    loss: np.ndarray


def data_loss(network: Network, F: np.ndarray, y: np.ndarray) -> float:
    """The mean data loss of `network` on feature rows F (Trainer.evaluate's train loss)."""
    obj = network.objective
    with np.errstate(all="ignore"):
        return float(obj.value(network.logits_of_features(F), y))


def filter_normalised(network: Network, direction: np.ndarray) -> np.ndarray:
    """`direction` (flat) with each weight row scaled to that row's norm in the network;
    biases, 1-D tensors and buffers set to 0 (Li et al.'s filter normalisation)."""
    out = np.zeros_like(network.flat)
    for start, shape, trainable in zip(
        network.offsets, network.tensor_shapes, network.tensor_trainable, strict=True
    ):
        if not trainable or len(shape) < 2:
            continue
        n = int(np.prod(shape))
        w = network.flat[start : start + n].reshape(shape[0], -1)
        d = direction[start : start + n].reshape(shape[0], -1)
        d_norm = np.linalg.norm(d, axis=1, keepdims=True)
        w_norm = np.linalg.norm(w, axis=1, keepdims=True)
        scale = np.divide(w_norm, d_norm, out=np.zeros_like(d_norm), where=d_norm > 0)
        out[start : start + n] = (d * scale).ravel()
    return out


def random_directions(network: Network, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Two filter-normalised Gaussian directions."""
    return tuple(filter_normalised(network, rng.standard_normal(network.size)) for _ in range(2))


def pca_directions(trajectory: np.ndarray, centre: np.ndarray):
    """(d1, d2, path (T, 2), explained) from recorded flat weights (T, P) around `centre`.

    The directions are unit vectors; `path` holds each recorded point's coordinates.
    """
    trajectory = np.asarray(trajectory, np.float64)
    if trajectory.ndim != 2 or trajectory.shape[1] != centre.size:
        raise SpecError(
            f"The weight trajectory must be (points, {centre.size}); received shape "
            f"{trajectory.shape}"
        )
    moved = trajectory - centre
    if len(moved) < 2 or not np.any(moved):
        raise SpecError(
            "The PCA slice needs a recorded trajectory of at least 2 different weights; "
            "train for a while first"
        )
    _, s, vt = np.linalg.svd(moved, full_matrices=False)
    d1 = vt[0]
    d2 = vt[1] if len(vt) > 1 else np.zeros_like(d1)
    var = s**2
    total = var.sum()
    explained = (float(var[0] / total), float(var[1] / total) if len(var) > 1 else 0.0)
    return d1, d2, moved @ np.column_stack([d1, d2]), explained


def surface(network: Network, F, y, d1, d2, xs, ys, *, progress: Progress | None = None,
            should_stop: Callable[[], bool] | None = None) -> np.ndarray | None:  # fmt: skip
    """Loss at network.flat + x d1 + y d2 for every (y, x) of the grid, on a copy of the
    network (the given one is untouched); None when `should_stop()` became true."""
    work = network.copy()
    centre = network.flat.copy()
    loss = np.empty((len(ys), len(xs)))
    for iy, b in enumerate(ys):
        if should_stop is not None and should_stop():
            return None
        row = centre + b * d2
        for ix, a in enumerate(xs):
            np.add(row, a * d1, out=work.flat)
            loss[iy, ix] = data_loss(work, F, y)
        if progress is not None:
            progress(iy + 1, len(ys))
    return loss


def slice_2d(network: Network, F, y, *, kind: str = "random", resolution: int = RESOLUTION,
             span: float = SPAN, seed: int = 0, trajectory: np.ndarray | None = None,
             progress: Progress | None = None,
             should_stop: Callable[[], bool] | None = None) -> Landscape | None:  # fmt: skip
    """The loss over a resolution x resolution slice around the network's weights.

    kind "random": filter-normalised random directions (seeded), -span..span;
    kind "pca": the trajectory's two main directions, covering its path with a margin.
    """
    if kind not in KINDS:
        raise SpecError(f"Received landscape kind {kind!r}, expected one of {KINDS}")
    if int(resolution) < 3:
        raise SpecError(f"The landscape needs at least 3 points a side; received {resolution}")
    path = explained = None
    if kind == "random":
        d1, d2 = random_directions(network, np.random.default_rng(seed))
        xs = ys = np.linspace(-span, span, int(resolution))
    else:
        d1, d2, path, explained = pca_directions(trajectory, network.flat)
        reach = np.abs(path).max(axis=0) * 1.25
        # a nearly straight path barely moves along d2: show as much of it as of d1 / 2
        reach = np.maximum(reach, 0.5 * reach.max()) if reach.max() > 0 else np.ones(2)
        xs = np.linspace(-reach[0], reach[0], int(resolution))
        ys = np.linspace(-reach[1], reach[1], int(resolution))
    loss = surface(network, F, y, d1, d2, xs, ys, progress=progress, should_stop=should_stop)
    if loss is None:
        return None
    return Landscape(kind, xs, ys, loss, data_loss(network, F, y), path, explained)


def interpolate(network: Network, F, y, start: np.ndarray, *, points: int = RESOLUTION,
                margin: float = 0.25) -> Interpolation:  # fmt: skip
    """The 1-D slice from `start` (flat initial weights) to the network's weights, with
    `margin` beyond either end."""
    work = network.copy()
    end = network.flat.copy()
    ts = np.linspace(-margin, 1.0 + margin, int(points))
    loss = np.empty(len(ts))
    for i, t in enumerate(ts):
        work.flat[...] = start + t * (end - start)
        loss[i] = data_loss(work, F, y)
    return Interpolation(ts, loss)


def sharpness(network: Network, F, y, *, distance: float = 0.5, directions: int = 8,
              seed: int = 0) -> float:  # fmt: skip
    """The mean rise of the loss at `distance` along filter-normalised random directions
    (both signs): how sharp the minimum the weights sit in is."""
    rng = np.random.default_rng(seed)
    work = network.copy()
    centre = network.flat.copy()
    base = data_loss(network, F, y)
    rises = []
    for _ in range(directions):
        d = filter_normalised(network, rng.standard_normal(network.size))
        for sign in (1.0, -1.0):
            work.flat[...] = centre + sign * distance * d
            rises.append(data_loss(work, F, y) - base)
    return float(np.mean(rises))


__all__ = [
    "KINDS",
    "RESOLUTION",
    "SPAN",
    "Interpolation",
    "Landscape",
    "data_loss",
    "filter_normalised",
    "interpolate",
    "pca_directions",
    "random_directions",
    "sharpness",
    "slice_2d",
    "surface",
]
