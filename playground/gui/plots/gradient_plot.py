"""Weight-gradient norm of every dense layer over time, on a log axis.

Bands below the vanishing threshold and above the exploding threshold are shaded,
and a sentence names the current worst layer ("layer 1: gradient 1e-07,
vanishing"; the rules are in playground/gradient_health.py). Layers are counted
from 1 (first hidden layer) to the output layer, as in most textbooks. Hovering
shows the exact values at the nearest step.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.gui import palette
from playground.gui.gradient_health import layer_name, verdict
from playground.gui.plots.buffer import GrowingBuffer
from playground.gui.plots.divergence_mark import DivergenceMark, calm_before, calm_top
from playground.gui.plots.loss_plot import LIVE, NO_STEPS, configure_plot
from playground.gui.plots.ranges import Extent, StickyRange, cache_decorations

TINY = 1e-30  # zero norms are drawn here on the log axis
DEFAULT_VANISHING = 1e-6
DEFAULT_EXPLODING = 1e2
FAR = 40.0  # log10 extent of the shaded bands
HOVER_HINT = "Hover over the plot for exact values"
SMOOTH_WINDOW = 25  # records in the moving average and in the verdict
FAINT_ALPHA = 70  # the raw curves under the smoothed ones
# Deeper than this, smoothing shows the averages alone: dozens of faint raw curves are
# noise to the eye, and drawing them kept a 30-layer window under 30 frames/s.
RAW_UNDER_SMOOTH_MAX_LAYERS = 12


VERDICT_COLOURS = {"exploding": "#D55E00", "vanishing": "#0072B2", "healthy": "#1a6b4f"}


def _exponent_box(value: float, lo: int, hi: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setPrefix("1e")
    box.setRange(lo, hi)
    box.setValue(round(math.log10(value)))
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


class GradientPlot(QWidget):
    """Per-layer gradient norms with vanishing / exploding bands (objectName `gradientPlot`)."""

    thresholdsChanged = Signal(float, float)

    def __init__(
        self,
        parent: QWidget | None = None,
        vanishing: float = DEFAULT_VANISHING,
        exploding: float = DEFAULT_EXPLODING,
    ):
        super().__init__(parent)
        self.setObjectName("gradientPlot")
        self.vanishing = float(vanishing)
        self.exploding = float(exploding)
        self.n_layers = 0
        self._buf = GrowingBuffer(1)
        self.curves: list[pg.PlotDataItem] = []
        self.smooth_curves: list[pg.PlotDataItem] = []

        title = QLabel("<b>Gradient norm per layer</b>")
        self.vanish_box = _exponent_box(
            self.vanishing, -15, -1, "Gradients below this norm count as vanishing (shaded blue)"
        )
        self.explode_box = _exponent_box(
            self.exploding, 0, 12, "Gradients above this norm count as exploding (shaded orange)"
        )
        self.vanish_box.valueChanged.connect(self._thresholds_edited)
        self.explode_box.valueChanged.connect(self._thresholds_edited)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        self.smooth_check = QCheckBox("smooth")
        self.smooth_check.setChecked(True)
        self.smooth_check.setToolTip(
            f"Draw the moving average over {SMOOTH_WINDOW} records in bold over the faint raw "
            "curves (geometric: the axis is logarithmic); with more than "
            f"{RAW_UNDER_SMOOTH_MAX_LAYERS} layers the averages alone (untick for the raw curves)"
        )
        self.smooth_check.toggled.connect(self._smoothing_toggled)
        head.addWidget(QLabel("vanishing <"))
        head.addWidget(self.vanish_box)
        head.addWidget(QLabel("exploding >"))
        head.addWidget(self.explode_box)
        self.verdict_label = QLabel("")
        self.verdict_label.setObjectName("gradientVerdict")
        self.verdict_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.verdict_label.setToolTip("The layer whose gradient is furthest from healthy, now")
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setStyleSheet("color: #555555")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot()
        configure_plot(self.plot)
        self.plot.setLogMode(y=True)
        self.plot.getAxis("left").setStyle(maxTextLevel=1)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "gradient norm")
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.vanish_band = pg.LinearRegionItem(
            orientation="horizontal", movable=False, brush=pg.mkBrush(*palette.VANISHING_RGBA),
            pen=pg.mkPen(None),
        )  # fmt: skip
        self.explode_band = pg.LinearRegionItem(
            orientation="horizontal", movable=False, brush=pg.mkBrush(*palette.EXPLODING_RGBA),
            pen=pg.mkPen(None),
        )  # fmt: skip
        for band in (self.vanish_band, self.explode_band):
            band.setZValue(-20)
            self.plot.addItem(band, ignoreBounds=True)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888888", style=Qt.PenStyle.DotLine))
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self._place_bands()
        cache_decorations(self.plot)
        self.x_range = StickyRange(self.plot, "x", floor=0.0)
        self.y_range = StickyRange(self.plot, "y", log=True)
        self._extent = Extent(positive=True)
        self.divergence = DivergenceMark(self.plot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.graphics, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.hover_label, 1)
        foot.addWidget(self.smooth_check)
        layout.addLayout(foot)

    # -- thresholds -----------------------------------------------------------------------
    def set_thresholds(self, vanishing: float, exploding: float) -> None:
        if not (0 < vanishing < exploding) or not math.isfinite(exploding):
            raise ValueError(
                "Gradient thresholds need 0 < vanishing < exploding; "
                f"received vanishing={vanishing}, exploding={exploding}"
            )
        self.vanishing, self.exploding = float(vanishing), float(exploding)
        for box, value in ((self.vanish_box, vanishing), (self.explode_box, exploding)):
            box.blockSignals(True)
            box.setValue(round(math.log10(value)))
            box.blockSignals(False)
        self._place_bands()
        self._update_verdict()

    def _thresholds_edited(self) -> None:
        self.vanishing = 10.0 ** self.vanish_box.value()
        self.exploding = 10.0 ** self.explode_box.value()
        self._place_bands()
        self._update_verdict()
        self.thresholdsChanged.emit(self.vanishing, self.exploding)

    def _place_bands(self) -> None:
        # Items other than curves are not log-transformed: their values are log10.
        lo, hi = math.log10(self.vanishing), math.log10(self.exploding)
        self.vanish_band.setRegion((lo - FAR, lo))
        self.explode_band.setRegion((hi, hi + FAR))

    # -- data -----------------------------------------------------------------------------
    def clear(self, n_layers: int) -> None:
        """Start afresh with `n_layers` dense layers (one curve each)."""
        if n_layers != self.n_layers:
            for curve in (*self.curves, *self.smooth_curves):
                self.plot.removeItem(curve)
            self.legend.clear()
            self.curves = [
                self.plot.plot(pen=pg.mkPen(palette.layer_colour(k)), **LIVE)
                for k in range(n_layers)
            ]
            self.smooth_curves = [
                self.plot.plot(pen=pg.mkPen(palette.layer_colour(k), width=2), **LIVE)
                for k in range(n_layers)
            ]
            for k, curve in enumerate(self.smooth_curves):
                self.legend.addItem(curve, layer_name(k, n_layers))
            self.n_layers = n_layers
            self._set_pens(self.smooth_check.isChecked())
        self._buf.clear(columns=1 + n_layers)
        self._extent.clear()
        self.hover_label.setText(HOVER_HINT)  # the old run's values are gone
        self.cursor.setVisible(False)
        self.x_range.follow()
        self.y_range.follow()
        self.divergence.clear()
        self.redraw()

    def mark_divergence(self, last_finite_step: int) -> None:
        """Mark the divergence and hold the axis near the norms before it."""
        if self.divergence.step == last_finite_step + 1:
            return
        self.divergence.show(last_finite_step)
        data = self._buf.view()
        top = calm_top(data[:, 0], data[:, 1:].max(axis=1, initial=0.0), calm_before(data[:, 0]))
        if math.isfinite(top):
            self.y_range.hold_below(top)
        self.redraw()

    def append(self, chunk) -> None:
        if len(chunk.steps) and chunk.grad_norms.shape[1] == self.n_layers:
            self._buf.append(np.column_stack([chunk.steps, np.maximum(chunk.grad_norms, TINY)]))
            self._extent.add(chunk.grad_norms)

    def redraw(self) -> None:
        data = self._buf.view()
        x = data[:, 0]
        smooth = self.smooth_check.isChecked() and len(data)
        raw = not smooth or self.n_layers <= RAW_UNDER_SMOOTH_MAX_LAYERS
        for k, curve in enumerate(self.curves):
            if raw:
                curve.setData(x, data[:, 1 + k])
            else:
                curve.setData([], [])
        averaged = moving_average(data[:, 1:], SMOOTH_WINDOW) if smooth else None
        for k, curve in enumerate(self.smooth_curves):
            if averaged is None:
                curve.setData([], [])
            else:
                curve.setData(x, averaged[:, k])
        if len(data):
            self.x_range.update(0.0, max(float(x[-1]), 10.0))
            self.y_range.update(self._extent.lo, self._extent.hi)
        self._update_verdict()

    def latest(self) -> np.ndarray | None:
        return self._buf.view()[-1, 1:].copy() if len(self._buf) else None

    def _smoothing_toggled(self, on: bool) -> None:
        self._set_pens(on)
        self.redraw()

    def _set_pens(self, smoothing: bool) -> None:
        """Faint raw curves under bold averages, or the raw curves alone at full colour."""
        for k, curve in enumerate(self.curves):
            colour = palette.layer_colour(k)
            if smoothing:
                colour.setAlpha(FAINT_ALPHA)
            curve.setPen(pg.mkPen(colour))

    def judged(self) -> np.ndarray | None:
        """The norms the verdict is about: the latest record when a layer explodes (at once),
        else the geometric mean of the last SMOOTH_WINDOW records (one minibatch is noisy:
        the verdict names the layer that is smallest on the curves)."""
        if not len(self._buf):
            return None
        data = self._buf.view()[-SMOOTH_WINDOW:, 1:]
        latest = data[-1]
        if not np.isfinite(latest).all() or latest.max() > self.exploding:
            return latest.copy()
        return moving_average(data, SMOOTH_WINDOW)[-1]

    def _update_verdict(self) -> None:
        norms = self.judged()
        if norms is None:
            self.verdict_label.setText(NO_STEPS)
            return
        text, kind = verdict(norms, self.vanishing, self.exploding)
        self.verdict_label.setText(f"<span style='color:{VERDICT_COLOURS[kind]}'>{text}</span>")

    def verdict_text(self) -> str:
        norms = self.judged()
        return "" if norms is None else verdict(norms, self.vanishing, self.exploding)[0]

    def _hover(self, scene_pos) -> None:
        if not self.plot.sceneBoundingRect().contains(scene_pos) or not len(self._buf):
            self.cursor.setVisible(False)
            return
        step = self.plot.vb.mapSceneToView(scene_pos).x()
        self.hover_label.setText(self.values_at(step))
        data = self._buf.view()
        i = _nearest(data[:, 0], step)
        self.cursor.setPos(data[i, 0])
        self.cursor.setVisible(True)

    def values_at(self, step: float) -> str:
        """The exact norms at the record nearest to `step`, as shown when hovering."""
        data = self._buf.view()
        if not len(data):
            return ""
        i = _nearest(data[:, 0], step)
        parts = [
            f"{layer_name(k, self.n_layers)}: {data[i, 1 + k]:.4g}" for k in range(self.n_layers)
        ]
        return f"step {int(data[i, 0])} — " + ", ".join(parts)


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Geometric mean of each row with the `window - 1` rows before it (fewer at the start).

    Columns are layers; non-finite and zero norms count as 1e300 and TINY.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=1e300, posinf=1e300)
    logs = np.log10(np.clip(v, TINY, 1e300))
    sums = np.vstack([np.zeros((1, logs.shape[1])), np.cumsum(logs, axis=0)])
    ends = np.arange(1, len(logs) + 1)
    starts = np.maximum(ends - window, 0)
    return 10.0 ** ((sums[ends] - sums[starts]) / (ends - starts)[:, None])


def _nearest(xs: np.ndarray, x: float) -> int:
    i = int(np.searchsorted(xs, x))
    if i >= len(xs):
        return len(xs) - 1
    if i > 0 and x - xs[i - 1] < xs[i] - x:
        return i - 1
    return i
