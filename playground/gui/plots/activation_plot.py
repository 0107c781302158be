"""Activation health: each hidden layer's outputs over the training set (`activationPlot`).

One histogram per hidden layer (the share of all example-unit outputs in each
bin), titled with its dead and saturated units, and a verdict sentence about the
worst layer, as the gradient plot gives one about gradients. Everything drawn is
computed by the runner (engine/activation_health.py); this widget only draws.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.activation_health import SATURATION, verdict
from playground.gui.plots.loss_plot import configure_plot

COLUMNS = 3  # histograms side by side; deeper networks wrap onto more rows
KIND_COLOURS = {"healthy": "#1a6b4f", "dead": "#D55E00", "saturated": "#0072B2"}
BAR = {"healthy": "#56B4E9", "dead": "#E69F00", "saturated": "#0072B2"}


def layer_title(k: int, layer) -> str:
    """ "layer 2: 6/8 dead" (or saturated, or nothing counted)."""
    head = f"layer {k + 1}"
    if layer.counted == "dead":
        return f"{head}: {layer.dead}/{layer.units} dead"
    if layer.counted in ("tanh", "sigmoid"):
        return f"{head}: {layer.saturated}/{layer.units} saturated"
    return head


class ActivationPlot(QWidget):
    """Per hidden layer, the histogram of its outputs over the training set."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("activationPlot")
        self.health = None
        title = QLabel("<b>Activations over the training set</b>")
        title.setToolTip(
            "Each hidden layer's outputs for every training example. Dead: a ReLU unit "
            "silent (<= 0) on every example; saturated: a tanh/sigmoid unit beyond "
            f"{SATURATION:.0%} of its range on most examples. Neither learns any more."
        )
        self.verdict_label = QLabel("")
        self.verdict_label.setObjectName("activationVerdict")
        self.verdict_label.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plots: list[pg.PlotItem] = []
        self.bars: list[pg.BarGraphItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(title)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.canvas, 1)
        self.set_health(None)

    def _ensure_plots(self, n: int) -> None:
        if len(self.plots) == n:
            return
        self.canvas.clear()
        self.plots, self.bars = [], []
        for k in range(n):
            plot = self.canvas.addPlot(row=k // COLUMNS, col=k % COLUMNS)
            configure_plot(plot)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setLabel("left", "% of outputs")
            bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=BAR["healthy"], pen=None)
            plot.addItem(bars)
            self.plots.append(plot)
            self.bars.append(bars)

    def set_health(self, health) -> None:
        """Draw an `ActivationHealth` (None: no hidden layers, or nothing measured yet).

        Hidden (another tab in front), it only keeps `health` and draws it when shown:
        a 30-layer network's histograms cost ~40 ms a frame nobody sees.
        """
        self.health = health
        self._stale = not self.isVisible()
        if self._stale:
            return
        sentence, kind = verdict(health)
        if health is None:
            sentence = "no hidden layers yet: add one to watch its activations"
            if self.plots:
                self._ensure_plots(0)
        self.verdict_label.setText(sentence)
        self.verdict_label.setStyleSheet(f"color: {KIND_COLOURS[kind]};")
        if health is None:
            return
        self._ensure_plots(len(health.layers))
        for k, (layer, plot, bars) in enumerate(
            zip(health.layers, self.plots, self.bars, strict=True)
        ):
            bars.setOpts(
                x0=layer.edges[:-1], x1=layer.edges[1:], height=100 * layer.shares,
                brush=BAR[layer.kind],
            )  # fmt: skip
            plot.setTitle(layer_title(k, layer), color=KIND_COLOURS[layer.kind], size="9pt")
            plot.setXRange(float(layer.edges[0]), float(layer.edges[-1]), padding=0.02)
            plot.setYRange(0.0, max(5.0, 100 * float(layer.shares.max())), padding=0.05)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.set_health(self.health)


__all__ = ["ActivationPlot", "layer_title"]
