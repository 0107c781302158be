"""The learning-rate curve: the schedule's rate of each epoch, beside the loss plot.

A small log-y plot. The epochs trained so far are drawn solid, the rest of the
schedule's plan (up to its horizon, or the run's epochs) dashed, with a dot at
the rate the next step uses. Rates come from the engine's schedule itself
(`engine.schedules.planned_rates`), and reduce-on-plateau's reductions from the
snapshot, so the curve is the rule the trainer follows, not a copy of it.
`install` puts it under the loss plot so the main window gains one call.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from engine.schedules import planned_rates
from engine.settings import EPOCHS_UNTIL_PAUSED
from playground.gui.plots.loss_plot import configure_plot

MAX_POINTS = 2000  # epochs drawn at most (a longer schedule is sampled evenly)
LINE_HEX = "#009E73"
REDRAW_S = 0.25  # while running, the curve follows the epoch at most 4 times a second
AHEAD = 20  # epochs of plan shown past the current one when the run has no end


class LearningRatePlot(QWidget):
    """lr against epoch (log y): `show_snapshot(snap)` follows the run."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("learningRatePlot")
        self.title = QLabel("<b>Learning rate</b>")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setToolTip(
            "The learning rate of each epoch under the current schedule (Advanced…): "
            "solid so far, dashed ahead; the dot is the rate the next step uses"
        )
        self.plot = self.graphics.addPlot()
        configure_plot(self.plot)
        self.plot.setLogMode(y=True)
        self.plot.setLabel("bottom", "epoch")
        self.plot.getAxis("left").setWidth(48)
        self.done_curve = self.plot.plot(pen=pg.mkPen(LINE_HEX, width=2))
        self.plan_curve = self.plot.plot(
            pen=pg.mkPen(LINE_HEX, width=1, style=Qt.PenStyle.DashLine)
        )
        self.now_dot = self.plot.plot(
            symbol="o", symbolSize=7, symbolBrush=LINE_HEX, symbolPen=None, pen=None
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.graphics, 1)
        self._key = self._plan_key = self._y = None
        self._drawn_at = -math.inf
        self._planned = (np.zeros(0), np.zeros(0))
        self.current = math.nan  # the rate shown at the dot

    def show_snapshot(self, snap) -> None:
        """Redraw when the epoch, the settings or plateau's reductions changed.

        While training runs through many epochs a second, the epoch alone moves the
        curve at most every REDRAW_S (a new plan, or a pause, redraws at once).
        """
        key = (snap.epoch, snap.config, snap.lr_changes, snap.lr)
        if key == self._key:
            return
        now = time.monotonic()
        if (
            snap.state == "running"
            and self._key is not None
            and key[1:3] == self._key[1:3]
            and now - self._drawn_at < REDRAW_S
        ):
            return
        self._key, self._drawn_at = key, now
        self.show_rates(snap.config, snap.epoch, snap.lr, snap.lr_changes)

    def show_rates(self, config, epoch: int, lr: float, changes=()) -> None:
        epochs, rates = self._plan(config, epoch, changes)
        drawn = rates > 0.0  # a cosine reaching a minimum of 0 has no place on a log axis
        done, ahead = drawn & (epochs <= epoch), drawn & (epochs >= epoch)
        self.done_curve.setData(epochs[done], rates[done])
        self.plan_curve.setData(epochs[ahead], rates[ahead])
        if drawn.any():
            self._fit_y(float(rates[drawn].min()), float(rates[drawn].max()))
        at = np.searchsorted(epochs, epoch)
        planned = float(rates[at]) if at < len(epochs) and epochs[at] == epoch else math.nan
        self.current = lr if math.isfinite(lr) else planned
        self.now_dot.setData([epoch], [self.current])
        text = f"<b>Learning rate</b> {self.current:.4g} · {config.schedule}"
        if config.schedule != "constant":
            text += f" (from {config.lr:g})"
        if text != self.title.text():
            self.title.setText(text)

    def _fit_y(self, lo: float, hi: float) -> None:
        """A log range round the rates with room to read them (a constant rate too)."""
        if (lo, hi) == self._y:
            return
        self._y = (lo, hi)
        top, bottom = math.log10(hi), math.log10(lo)
        pad = max(0.1 * (top - bottom), 0.3)
        self.plot.setYRange(bottom - pad, top + pad, padding=0)

    def _plan(self, config, epoch: int, changes) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, rates) drawn: computed again only when the settings, the reductions or
        the span change (the span grows in steps of AHEAD when the run has no end)."""
        horizon = config.schedule_epochs or (
            config.epochs if config.epochs < EPOCHS_UNTIL_PAUSED else 0
        )
        end = max(horizon, epoch + 1, 2)
        if not horizon:
            end = (epoch // AHEAD + 2) * AHEAD
        key = (config, tuple(changes), end, epoch if end > MAX_POINTS else None)
        if key != self._plan_key:
            stride = max(1, math.ceil(end / MAX_POINTS))
            epochs = np.unique(np.append(np.arange(0, end + 1, stride), [epoch, end]))
            self._plan_key, self._planned = key, (epochs, planned_rates(config, epochs, changes))
        return self._planned


def install(window) -> QWidget:
    """Give `window` its `lr_plot`; return the loss plot with the rate curve beneath."""
    window.lr_plot = LearningRatePlot()
    column = QSplitter(Qt.Orientation.Vertical)
    column.setObjectName("lossSplitter")
    column.addWidget(window.loss_plot)
    column.addWidget(window.lr_plot)
    column.setChildrenCollapsible(False)
    column.setStretchFactor(0, 4)
    column.setStretchFactor(1, 1)
    window.lr_plot.setMinimumHeight(90)
    column.setSizes([400, 100])
    return column


__all__ = ["LearningRatePlot", "install"]
