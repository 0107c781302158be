"""After a divergence the earlier history stays readable: a capped y axis and a marked step.

A diverging run's last records reach 1e150 and would stretch a log axis until the
whole earlier curve is a flat sliver. So the y axis shows at most a few decades
above the calm history (all but the last TAIL records), the divergent tail runs off
the top, and a dashed line names the step. pyqtgraph's "A" button shows everything.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

TAIL = 20  # the last records before a divergence that may already be running away
COLOUR = "#B00020"


def calm_top(steps: np.ndarray, values: np.ndarray, before: float) -> float:
    """The largest finite positive value recorded at a step before `before` (-inf if none)."""
    v = np.asarray(values, dtype=np.float64)[np.asarray(steps) < before]
    v = v[np.isfinite(v) & (v > 0)]
    return float(v.max()) if len(v) else -math.inf


def calm_before(steps: np.ndarray) -> float:
    """The first step of the tail of TAIL records (-inf, nothing calm, when there are fewer)."""
    return float(steps[-TAIL]) if len(steps) > TAIL else -math.inf


class DivergenceMark:
    """The dashed "diverged at step S" line on `plot` (its position is the last finite step)."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.step: int | None = None
        self.line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(COLOUR, width=1, style=Qt.PenStyle.DashLine),
            label="", labelOpts={"position": 0.92, "color": COLOUR, "fill": (255, 255, 255, 200)},
        )  # fmt: skip
        self.line.setVisible(False)
        self.line.setZValue(5)
        plot.addItem(self.line, ignoreBounds=True)

    def show(self, last_finite_step: int) -> None:
        self.step = last_finite_step + 1
        self.line.setVisible(True)  # first: an invisible label ignores its new text
        self.line.setPos(last_finite_step)
        x_lo, x_hi = self.plot.getViewBox().viewRange()[0]
        right_half = last_finite_step > (x_lo + x_hi) / 2  # the legend sits top right
        anchor = (1, 0) if right_half else (0, 0)
        self.line.label.anchors = [anchor, anchor]
        self.line.label.setFormat(f"diverged at step {self.step}")

    def clear(self) -> None:
        self.step = None
        self.line.setVisible(False)
