"""Earlier runs drawn over the live curves: one dashed colour per run, named in the legends.

Each ticked run adds one curve set: its minibatch loss (the run's downsampled
history) on the loss plot, its train metric on the metric plot, and its total
gradient norm (all layers together) on the gradient plot. The items are separate
from the live curves, so a Reset clears the live run and keeps the overlays.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

TINY = 1e-30  # zeros are drawn here on the log axes


class RunOverlays:
    """Curves of earlier runs over a LossPlot and a GradientPlot."""

    def __init__(self, loss_plot, gradient_plot):
        self.loss_plot = loss_plot
        self.gradient_plot = gradient_plot
        self._items: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []

    @property
    def targets(self):
        return (self.loss_plot.loss, self.loss_plot.metric_plot, self.gradient_plot.plot)

    def show(self, runs) -> None:
        """Draw exactly these (run, colour hex) pairs; earlier overlays are removed."""
        for plot, item in self._items:
            if plot.legend is not None:
                plot.legend.removeItem(item)
            plot.removeItem(item)
        self._items = []
        for run, colour in runs:
            pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine)
            h = run.history
            loss_plot, metric_plot, grad_plot = self.targets
            self._add(loss_plot, h.steps, np.maximum(h.loss, TINY), pen, run.name)
            ok = np.isfinite(h.train_metric)
            self._add(metric_plot, h.eval_steps[ok], h.train_metric[ok], pen, None)
            self._add(
                grad_plot,
                h.steps,
                np.maximum(_total(h), TINY),
                pen,
                None,  # named in the loss legend
            )
        self._fit(runs)

    def _fit(self, runs) -> None:
        """The plots' ranges take in the overlaid runs as well as the live one."""
        lp, gp = self.loss_plot, self.gradient_plot
        nothing = (math.inf, -math.inf)
        steps, losses, metrics, grads = [], [], [], []
        for run, _colour in runs:
            h = run.history
            steps.append(h.steps[-1:] if len(h) else h.eval_steps[-1:])
            losses.append(h.loss[np.isfinite(h.loss) & (h.loss > 0)])
            metrics.append(h.train_metric[np.isfinite(h.train_metric)])
            g = _total(h)
            grads.append(g[np.isfinite(g) & (g > 0)])
        for r, values in (
            ((lp.x_range, gp.x_range), steps),
            ((lp.y_range,), losses),
            ((lp.metric_range,), metrics),
            ((gp.y_range,), grads),
        ):
            v = np.concatenate(values) if values else np.zeros(0)
            extent = (float(v.min()), float(v.max())) if len(v) else nothing
            for sticky in r:
                sticky.extra = extent
                sticky.update(math.inf, -math.inf)  # the live curves add theirs when drawn

    def _add(self, plot, x, y, pen, name) -> None:
        item = pg.PlotDataItem(np.asarray(x, float), np.asarray(y, float), pen=pen, name=name)
        item.setZValue(-5)  # under the live curves
        plot.addItem(item)
        self._items.append((plot, item))

    def count(self) -> int:
        """How many runs are overlaid (one curve set each)."""
        return len(self._items) // 3

    def items_on(self, plot) -> list[pg.PlotDataItem]:
        return [item for p, item in self._items if p is plot]


def _total(history) -> np.ndarray:
    """The gradient norm of all layers together at each step record."""
    return np.sqrt(np.sum(np.square(history.grad_norms), axis=1))


__all__ = ["RunOverlays"]
