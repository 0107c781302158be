"""Loss curves (minibatch, whole train set, test set) with the accuracy or R^2 beneath.

The x axis is the training step for both plots (linked), so an evaluation at the
end of epoch e sits where that epoch ended. Curves grow from history chunks; the
items are created once and only receive setData.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from playground.gui.palette import CLASS_HEX
from playground.gui.plots.axes import ReadableAxis
from playground.gui.plots.buffer import GrowingBuffer
from playground.gui.plots.divergence_mark import DivergenceMark, calm_before, calm_top
from playground.gui.plots.ranges import Extent, StickyRange, cache_decorations

TRAIN_HEX = CLASS_HEX[0]
TEST_HEX = CLASS_HEX[1]
BATCH_RGBA = (120, 120, 120, 110)
METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}
TINY = 1e-12  # losses at 0 are drawn here on the log axis
LIVE = {"autoDownsampleFactor": 1.0}  # about one peak pair per pixel: cheap to paint


def configure_plot(plot: pg.PlotItem) -> None:
    """The long-curve idioms: peak downsampling and clipping to the visible range."""
    plot.setAxisItems({"left": ReadableAxis("left")})  # log labels that fit a short plot
    plot.setDownsampling(mode="peak", auto=True)
    plot.setClipToView(True)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    # no "(x1e+27)" scale factor in the label: on a log axis it rescales the tick labels
    # too, so after a divergence every earlier loss read 1e-27 times its value
    plot.getAxis("left").enableAutoSIPrefix(False)


NO_STEPS = "no steps yet: Run (Space) or Step (S)"


class LossPlot(QWidget):
    """Train/test loss per step with a log-y toggle, and the metric alongside."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lossPlot")
        self.metric_name = "accuracy"
        self._steps = GrowingBuffer(2)  # step, minibatch loss
        self._evals = GrowingBuffer(5)  # step, train loss, test loss, train metric, test metric

        title = QLabel("<b>Loss</b>")
        self.log_check = QCheckBox("log y")
        self.log_check.setChecked(True)
        self.log_check.setToolTip("Show the loss on a logarithmic axis (small losses stay visible)")
        self.log_check.toggled.connect(self.set_log_y)
        self.summary = QLabel("")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.summary, 1)
        head.addWidget(self.log_check)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setToolTip(
            "Grey: loss of each minibatch. Blue: loss on the whole training set, "
            "orange (dashed): test set, evaluated at the end of each epoch."
        )
        self.loss = self.graphics.addPlot(row=0, col=0)
        self.metric_plot = self.graphics.addPlot(row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        for plot in (self.loss, self.metric_plot):
            configure_plot(plot)
        self.metric_plot.setXLink(self.loss)
        self.loss.setLabel("left", "loss")
        self.loss.getAxis("left").setStyle(maxTextLevel=1)
        self.metric_plot.setLabel("bottom", "step")
        self.metric_plot.setLabel("left", "accuracy")
        legend = self.loss.addLegend(offset=(-5, 5), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.batch_curve = self.loss.plot(pen=pg.mkPen(BATCH_RGBA), name="minibatch", **LIVE)
        self.train_curve = self.loss.plot(pen=pg.mkPen(TRAIN_HEX, width=2), name="train", **LIVE)
        self.test_curve = self.loss.plot(
            pen=pg.mkPen(TEST_HEX, width=2, style=Qt.PenStyle.DashLine), name="test", **LIVE
        )
        self.train_metric_curve = self.metric_plot.plot(pen=pg.mkPen(TRAIN_HEX, width=2), **LIVE)
        self.test_metric_curve = self.metric_plot.plot(
            pen=pg.mkPen(TEST_HEX, width=2, style=Qt.PenStyle.DashLine), **LIVE
        )

        for plot in (self.loss, self.metric_plot):
            cache_decorations(plot)
        self.x_range = StickyRange(self.loss, "x", floor=0.0)
        self.y_range = StickyRange(self.loss, "y", log=True)
        self.metric_range = StickyRange(self.metric_plot, "y", floor=None)
        self._loss_extent = Extent(positive=True)
        self._metric_extent = Extent()
        self.divergence = DivergenceMark(self.loss)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.graphics, 1)
        self.set_log_y(True)

    def set_log_y(self, on: bool) -> None:
        self.loss.setLogMode(y=bool(on))
        self.y_range.set_log(bool(on))
        self._fit_ranges()
        if self.log_check.isChecked() != bool(on):
            self.log_check.setChecked(bool(on))

    def clear(self, metric_name: str | None = None) -> None:
        """Forget the curves (a reset or rebuild started a new run)."""
        if metric_name is not None:
            self.metric_name = metric_name
            self.metric_plot.setLabel("left", METRIC_LABELS.get(metric_name, metric_name))
            self.metric_range.following = metric_name != "accuracy"
            if metric_name == "accuracy":
                self.metric_plot.getViewBox().disableAutoRange()
                self.metric_plot.setYRange(0.0, 1.02, padding=0)
        following = (self.metric_range,) if self.metric_range.following else ()
        for r in (self.x_range, self.y_range, *following):
            r.follow()
        self._steps.clear()
        self._evals.clear()
        self._loss_extent.clear()
        self._metric_extent.clear()
        self.divergence.clear()
        self.redraw()

    def mark_divergence(self, last_finite_step: int) -> None:
        """Mark the divergence and hold the loss axis near the history before it."""
        if self.divergence.step == last_finite_step + 1:
            return
        self.divergence.show(last_finite_step)
        s, e = self._steps.view(), self._evals.view()
        before = calm_before(s[:, 0])
        tops = [calm_top(s[:, 0], s[:, 1], before)]
        tops += [calm_top(e[:, 0], e[:, col], before) for col in (1, 2)]
        if np.isfinite(max(tops)):
            self.y_range.hold_below(max(tops))
        self._fit_ranges()

    def append(self, chunk) -> None:
        """Add a HistoryChunk's records (steps, loss, eval_steps, train/test loss and metric)."""
        if len(chunk.steps):
            self._steps.append(np.column_stack([chunk.steps, chunk.loss]))
            self._loss_extent.add(chunk.loss)
        if len(chunk.eval_steps):
            self._evals.append(
                np.column_stack(
                    [
                        chunk.eval_steps,
                        chunk.train_loss,
                        chunk.test_loss,
                        chunk.train_metric,
                        chunk.test_metric,
                    ]
                )
            )
            self._loss_extent.add(np.concatenate([chunk.train_loss, chunk.test_loss]))
            self._metric_extent.add(np.concatenate([chunk.train_metric, chunk.test_metric]))

    def point_count(self) -> int:
        """How many minibatch loss points the curve holds."""
        return len(self._steps)

    def recorded_steps(self) -> np.ndarray:
        """The steps of the minibatch loss points held (the curve may draw them downsampled)."""
        return self._steps.view()[:, 0].copy()

    def redraw(self) -> None:
        s = self._steps.view()
        self.batch_curve.setData(s[:, 0], np.maximum(s[:, 1], TINY))
        e = self._evals.view()
        x = e[:, 0]
        for curve, col, floor in (
            (self.train_curve, 1, TINY),
            (self.test_curve, 2, TINY),
            (self.train_metric_curve, 3, None),
            (self.test_metric_curve, 4, None),
        ):
            y = e[:, col]
            ok = np.isfinite(y)
            y = y[ok] if floor is None else np.maximum(y[ok], floor)
            curve.setData(x[ok], y)
        self._fit_ranges()
        if len(e):
            last = e[-1]
            name = METRIC_LABELS.get(self.metric_name, self.metric_name)
            text = f"train {last[1]:.4g}, {name} {last[3]:.4g}"
            if np.isfinite(last[2]):
                text += f" · test {last[2]:.4g}, {name} {last[4]:.4g}"
            self.summary.setText(text)
        elif len(s):
            self.summary.setText(f"minibatch loss {s[-1, 1]:.4g} (whole sets at the epoch's end)")
        else:
            self.summary.setText(NO_STEPS)

    def _fit_ranges(self) -> None:
        s, e = self._steps.view(), self._evals.view()
        last = max(s[-1, 0] if len(s) else 0.0, e[-1, 0] if len(e) else 0.0)
        self.x_range.update(0.0, max(last, 10.0))
        self.y_range.update(max(self._loss_extent.lo, TINY), max(self._loss_extent.hi, TINY))
        if self.metric_name != "accuracy":
            self.metric_range.update(self._metric_extent.lo, self._metric_extent.hi)
