"""Cheap redraws for live plots: cached decorations and axis ranges that change rarely.

Drawing tick labels is the most expensive part of a pyqtgraph frame, and with
ordinary auto-range the axes change (and re-render their text) on every frame of a
growing curve. Here axes, labels and legends render into a pixmap cache, and a
`StickyRange` widens or narrows an axis only when the data leaves its range or
fills too little of it, with head room, so ticks change a few times a minute.
Panning or zooming by hand stops the following; pyqtgraph's "A" button (or
`follow()`) resumes it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache
CALM_DECADES = 1  # a log axis held after a divergence shows this much above the calm history
CALM_FACTOR = 2.0  # the same for a linear axis


def cache_decorations(plot: pg.PlotItem) -> None:
    """Render the axes, title and legend of `plot` through a pixmap cache."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        if axis is not None:
            axis.setCacheMode(CACHE)
    plot.titleLabel.setCacheMode(CACHE)
    if plot.legend is not None:
        plot.legend.setCacheMode(CACHE)


class StickyRange:
    """Keeps one axis of `plot` around the data with head room (log10 units for log axes)."""

    def __init__(self, plot: pg.PlotItem, axis: str, *, log: bool = False, head: float = 0.5,
                 fill: float = 0.35, floor: float | None = None):  # fmt: skip
        self.plot = plot
        self.vb = plot.getViewBox()
        self.axis = axis
        self.index = 0 if axis == "x" else 1
        self.log = log
        self.head = head  # extra room added beyond the data, as a fraction of its span
        self.fill = fill  # shrink when the data spans less than this fraction of the view
        self.floor = floor  # lower bound always shown (e.g. 0 for steps)
        self.following = True
        self.extra = (math.inf, -math.inf)  # an extent always shown too (earlier runs overlaid)
        self.home = tuple(self.vb.viewRange()[self.index])  # the empty plot's range
        self.calm_hi = math.inf  # after a divergence: the top of the history before it
        self.vb.disableAutoRange(axis=self.vb.XAxis if axis == "x" else self.vb.YAxis)
        self.vb.sigRangeChangedManually.connect(self._manual)

    def _manual(self, mask) -> None:
        if mask[self.index]:
            self.following = False

    def follow(self) -> None:
        """Follow the data again, from the empty plot's range (a new run: no old axes)."""
        self.following = True
        self.calm_hi = math.inf
        if self.index == 0:
            self.vb.setXRange(*self.home, padding=0)
        else:
            self.vb.setYRange(*self.home, padding=0)
        self.update(math.inf, -math.inf)  # the extra extent, if any, stays in view

    def hold_below(self, calm_hi: float) -> None:
        """Show at most CALM_DECADES (log) or CALM_FACTOR times (linear) above `calm_hi`:
        after a divergence the earlier history stays readable. "A" shows everything."""
        self.calm_hi = calm_hi
        self.following = True

    def set_log(self, log: bool) -> None:
        self.log = log
        self.following = True

    def update(self, lo: float, hi: float) -> None:
        """Re-range if the data's extent [lo, hi] left the view or uses too little of it."""
        if self.vb.autoRangeEnabled()[self.index]:  # the user pressed "A": we follow again
            self.following = True
            self.calm_hi = math.inf  # the user asked to see everything, the divergence too
            self.vb.disableAutoRange(axis=self.vb.XAxis if self.index == 0 else self.vb.YAxis)
        lo, hi = min(lo, self.extra[0]), max(hi, self.extra[1])
        if not self.following or not (math.isfinite(lo) and math.isfinite(hi)):
            return
        held = math.isfinite(self.calm_hi) and self.calm_hi > 0
        if held:
            hi = min(hi, self.calm_hi * (10.0**CALM_DECADES if self.log else CALM_FACTOR))
        if self.log:
            if hi <= 0:
                return
            lo, hi = math.log10(max(lo, hi * 1e-30)), math.log10(hi)
        if self.floor is not None:
            lo = min(lo, self.floor)
        span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
        view_lo, view_hi = self.vb.viewRange()[self.index]
        inside = view_lo <= lo and hi <= view_hi
        if inside and span >= self.fill * (view_hi - view_lo):
            return
        new_lo = lo if self.floor is not None and lo == self.floor else lo - self.head * span * 0.3
        new_hi = hi if held else hi + self.head * span  # held: the run-away goes off the top
        if self.log:
            new_lo, new_hi = math.floor(new_lo * 2) / 2, math.ceil(new_hi * 2) / 2
        if self.index == 0:
            self.vb.setXRange(new_lo, new_hi, padding=0)
        else:
            self.vb.setYRange(new_lo, new_hi, padding=0)


class Extent:
    """Running minimum and maximum of the finite (and, for log axes, positive) values seen."""

    def __init__(self, positive: bool = False):
        self.positive = positive
        self.clear()

    def clear(self) -> None:
        self.lo, self.hi = math.inf, -math.inf

    def add(self, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v) & (v > 0)] if self.positive else v[np.isfinite(v)]
        if len(v):
            self.lo = min(self.lo, float(v.min()))
            self.hi = max(self.hi, float(v.max()))
