"""Geometry and colours of the network diagram, kept apart from the widget so they test alone.

`layout_network` places the columns (input features, hidden layers, output) and
their nodes in a rectangle; wide layers show their first MAX_SHOWN units and
say how many more there are. `edge_selection` decides which edges to draw: all
of them between narrow layers, and for wide ones (more than EDGE_LIMIT edges)
only each shown unit's TOP_K strongest inputs, so a 32-unit layer stays a
readable picture rather than a grey mass. A deep network (more than MAX_COLUMNS
columns) folds each run of RUN_AT or more identical hidden layers into a band
between the run's first and last layer ("× 22"), so a 30-layer residual network
stays a picture (`collapsed_runs`). `diverging_rgba` maps unit outputs to the
sign colours (palette.SIGN_*): green positive, purple negative, white near zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.gui import palette
from playground.gui.gradient_health import classify

MAX_SHOWN = 16
EDGE_LIMIT = 256  # more edges than this between two columns: draw only the strongest
TOP_K = 3
MIN_NODE, MAX_NODE = 8.0, 30.0
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52.0, 30.0, 18.0, 34.0
ARC_ROOM = 16.0  # extra room above the nodes for the residual connections' arcs
MAX_COLUMNS = 12  # more columns than this: runs of identical hidden layers fold
RUN_AT = 3  # the shortest run of identical hidden layers that folds


@dataclass(frozen=True)
class Layout:
    sizes: tuple[int, ...]  # units per column
    xs: np.ndarray  # (columns,) centre x of each column
    ys: tuple[np.ndarray, ...]  # per column: centre y of each shown node
    node: float  # side of a node's square
    folded: frozenset[int] = frozenset()  # columns inside a folded run (no nodes drawn)
    bands: tuple[tuple[float, float, int], ...] = ()  # folded runs: (x from, x to, layers)

    @property
    def shown(self) -> tuple[int, ...]:
        return tuple(len(y) for y in self.ys)


def collapsed_runs(hidden) -> tuple[tuple[int, int], ...]:
    """(first, last) hidden-layer index of each run that folds (see the module docstring).

    Only a network with more than MAX_COLUMNS columns folds; a run is RUN_AT or more
    equal consecutive LayerSpecs. The first and last layer of a run stay drawn.
    """
    if len(hidden) + 2 <= MAX_COLUMNS:
        return ()
    runs, start = [], 0
    for i in range(1, len(hidden) + 1):
        if i == len(hidden) or hidden[i] != hidden[start]:
            if i - start >= RUN_AT:
                runs.append((start, i - 1))
            start = i
    return tuple(runs)


def layout_network(sizes, width: float, height: float, runs=(), arcs: bool = False) -> Layout:
    """Node centres of every shown unit in a `width` x `height` area.

    `runs`: hidden-layer runs to fold (`collapsed_runs`); `arcs`: leave room above
    the nodes for residual arcs.
    """
    n = len(sizes)
    folded = frozenset(c for a, b in runs for c in range(a + 2, b + 1))  # columns: hidden + 1
    left, right = MARGIN_LEFT, max(MARGIN_LEFT + 1.0, width - MARGIN_RIGHT)
    top = MARGIN_TOP + (ARC_ROOM if arcs else 0.0)
    bottom = max(top + 1.0, height - MARGIN_BOTTOM)
    # a folded run's inner columns share one slot (the band) instead of one each
    slots = np.zeros(n)
    for c in range(1, n):
        inner = c in folded
        slots[c] = slots[c - 1] + (0.0 if inner and c - 1 in folded else 1.0)
    xs = left + (right - left) * slots / max(slots[-1], 1.0) if n > 1 else np.array([0.0])
    if n == 1:
        xs = np.array([(left + right) / 2])
    bands = []
    for a, b in runs:  # spread the inner columns evenly across their band (for hit tests)
        x0, x1 = xs[a + 1], xs[b + 1]
        inner = np.arange(a + 2, b + 1)
        xs[inner] = x0 + (x1 - x0) * (inner - a - 1) / (b - a)
        bands.append((float(x0), float(x1), b - a + 1))
    visible = [c for c in range(n) if c not in folded]
    most = max(min(sizes[c], MAX_SHOWN) for c in visible)
    gap_y = (bottom - top) / max(most, 1)
    gap_x = (right - left) / max(slots[-1], 1.0)
    node = float(np.clip(min(0.8 * gap_y, 0.3 * gap_x), MIN_NODE, MAX_NODE))
    ys = []
    for c, s in enumerate(sizes):
        shown = 0 if c in folded else min(s, MAX_SHOWN)
        gap = (bottom - top) / max(shown, 1)
        ys.append(top + gap * (np.arange(shown) + 0.5))
    return Layout(tuple(int(s) for s in sizes), xs, tuple(ys), node, folded, tuple(bands))


def edge_selection(w_shown: np.ndarray, full_edges: int) -> tuple[np.ndarray, np.ndarray]:
    """(dst, src) indices of the edges to draw among the shown units of a weight matrix."""
    n_dst, n_src = w_shown.shape
    if full_edges <= EDGE_LIMIT or n_src <= TOP_K:
        dst, src = np.indices((n_dst, n_src))
        return dst.ravel(), src.ravel()
    top = np.argpartition(-np.abs(w_shown), TOP_K - 1, axis=1)[:, :TOP_K]
    return np.repeat(np.arange(n_dst), TOP_K), top.ravel()


def _lut() -> np.ndarray:
    """(256, 4) uint8: purple (-1) -> white (0) -> green (+1), the sign colours."""
    neg = np.array(palette.hex_to_rgb(palette.SIGN_NEGATIVE_HEX), float)
    pos = np.array(palette.hex_to_rgb(palette.SIGN_POSITIVE_HEX), float)
    white = np.array([255.0, 255.0, 255.0])
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    rgb = np.where(t < 0, white + (neg - white) * -t, white + (pos - white) * t)
    return np.column_stack([rgb, np.full(256, 255.0)]).astype(np.uint8)


LUT = _lut()


def diverging_rgba(values: np.ndarray, scale: float) -> np.ndarray:
    """values / scale in [-1, 1] through the LUT: an (..., 4) uint8 RGBA array."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged unit: inf is the colour's end
        t = np.asarray(values, float) / (scale or 1.0)
    t = np.clip(np.nan_to_num(t, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    idx = ((t + 1.0) * 127.5).astype(np.intp)
    return LUT[idx]


def health(
    norm: float, vanishing: float, exploding: float, output_norm: float | None = None
) -> tuple[str, float]:
    """(kind, strength 0..1) of a hidden layer's gradient norm, by the gradient plot's rules.

    `output_norm` (the output layer's norm; None for the output layer itself)
    enables the relative rule of playground/gradient_health.py. Strength is where
    log10(norm) lies between the vanishing threshold and 1, so a layer fades as
    its gradient shrinks even before it crosses the threshold.
    """
    norms = [norm] if output_norm is None else [norm, output_norm]
    kind = classify(norms, vanishing, exploding)[0]
    if kind == "exploding":
        return kind, 1.0
    if kind == "vanishing":
        return kind, 0.0
    lo = np.log10(vanishing)
    return "healthy", float(np.clip((np.log10(max(norm, 1e-300)) - lo) / (0.0 - lo), 0.0, 1.0))


def segment_distances(px: float, py: float, segs: np.ndarray) -> np.ndarray:
    """Distance from (px, py) to each segment (x0, y0, x1, y1) of `segs` (n, 4)."""
    p0, d = segs[:, :2], segs[:, 2:] - segs[:, :2]
    length2 = np.maximum((d * d).sum(1), 1e-12)
    t = np.clip(((px - p0[:, 0]) * d[:, 0] + (py - p0[:, 1]) * d[:, 1]) / length2, 0.0, 1.0)
    nearest = p0 + d * t[:, None]
    return np.hypot(nearest[:, 0] - px, nearest[:, 1] - py)
