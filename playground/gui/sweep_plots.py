"""The sweep window's plots: the test metric against a parameter, best so far, a heatmap.

pyqtgraph's own items: a scatter per parameter (log axis for the learning rate,
categories as positions), a step curve of the best objective against trials, and
an `ImageItem` of the test metric over two swept grid parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from playground.document.sweep import results

LOG_PARAMS = ("lr", "l1", "l2")


def _positions(values: list[Any]) -> tuple[list[float], list[tuple[float, str]] | None]:
    """Numbers as they are; anything else as 0, 1, 2... with its text as the tick."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    labels = list(dict.fromkeys(str(v) for v in values))
    return [float(labels.index(str(v))) for v in values], list(enumerate(labels))


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class SweepPlots(QWidget):
    """Three plots over the rows so far; `show_rows(rows, params, grid)` redraws them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sweepPlots")
        self.param_box = QComboBox()
        self.param_box.setObjectName("sweepPlotParam")
        self.param_box.currentTextChanged.connect(lambda _t: self._draw_scatter())
        self.scatter = pg.PlotWidget(title="Test metric against the parameter")
        self.best = pg.PlotWidget(title="Best test loss so far")
        self.best.setLabel("bottom", "trial")
        self.heat = pg.PlotWidget(title="Heatmap: test metric")
        self.heat.setObjectName("sweepHeatmap")
        self.image = pg.ImageItem()
        self.heat.addItem(self.image)
        self.heat_note = QLabel("A heatmap appears when two grid parameters are swept.")
        self.heat_note.setWordWrap(True)
        self.bar = None
        layout = QGridLayout(self)
        layout.addWidget(QLabel("Parameter:"), 0, 0)
        layout.addWidget(self.param_box, 0, 1)
        layout.addWidget(self.scatter, 1, 0, 1, 2)
        layout.addWidget(self.best, 1, 2)
        layout.addWidget(self.heat, 2, 0, 1, 2)
        layout.addWidget(self.heat_note, 2, 2)
        self._rows: list[dict[str, Any]] = []
        self._params: list[str] = []
        self._grid: dict[str, list[Any]] | None = None

    def show_rows(self, rows, params: list[str], grid: dict[str, list[Any]] | None) -> None:
        self._rows, self._grid = list(rows), grid
        if params != self._params:
            self._params = list(params)
            self.param_box.blockSignals(True)
            self.param_box.clear()
            self.param_box.addItems(params)
            self.param_box.blockSignals(False)
        self._draw_scatter()
        self._draw_best()
        self._draw_heatmap()

    def metric_name(self) -> str:  # not `metric`: that is QWidget::metric, which Qt calls
        return results.metric_of(self._rows)

    def _draw_scatter(self) -> None:
        self.scatter.clear()
        name = self.param_box.currentText()
        key = f"test_{self.metric_name()}"
        done = [r for r in self._rows if r.get(key) is not None and name in r.get("params", {})]
        self.scatter.setLabel("left", key.replace("_", " "))
        self.scatter.setLabel("bottom", name)
        log = name in LOG_PARAMS and all(r["params"][name] > 0 for r in done)
        self.scatter.setLogMode(x=log, y=False)
        if not done:
            return
        xs, ticks = _positions([r["params"][name] for r in done])
        self.scatter.getAxis("bottom").setTicks([ticks] if ticks else None)
        ys = [r[key] for r in done]
        # a PlotDataItem (not a bare scatter item) follows the axis's log mode
        self.scatter.plot(xs, ys, pen=None, symbol="o", symbolSize=8, symbolBrush=(40, 110, 200))

    def _draw_best(self) -> None:
        self.best.clear()
        ordered = sorted(self._rows, key=lambda r: r["trial"])
        xs, ys, best = [], [], math.inf
        for r in ordered:
            value = results.objective(r) if r["state"] == "complete" else None
            if value is not None:
                best = min(best, value)
            if math.isfinite(best):
                xs.append(r["trial"] + 1)
                ys.append(best)
        if xs:
            self.best.plot(xs, ys, stepMode=None, symbol="o", symbolSize=5)

    def heatmap_params(self) -> tuple[str, str] | None:
        """The two swept grid parameters with more than one value, if exactly two."""
        if not self._grid:
            return None
        names = [n for n, v in self._grid.items() if len(v) > 1]
        return (names[0], names[1]) if len(names) == 2 else None

    def _draw_heatmap(self) -> None:
        pair = self.heatmap_params()
        self.heat.setVisible(pair is not None)
        self.heat_note.setVisible(pair is None)
        if pair is None:
            return
        a, b = pair
        xs, ys = self._grid[a], self._grid[b]
        key = f"test_{self.metric_name()}"
        cells = np.full((len(xs), len(ys)), np.nan)
        for r in self._rows:
            p, v = r.get("params", {}), r.get(key)
            if v is not None and p.get(a) in xs and p.get(b) in ys:
                cells[xs.index(p[a]), ys.index(p[b])] = v
        shown = np.nan_to_num(cells, nan=np.nanmin(cells) if np.isfinite(cells).any() else 0.0)
        self.image.setImage(shown, autoLevels=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.heat.setTitle(f"Heatmap: {key.replace('_', ' ')} ({a} × {b})")
        self.heat.setLabel("bottom", a)
        self.heat.setLabel("left", b)
        self.heat.getAxis("bottom").setTicks([[(i + 0.5, _label(v)) for i, v in enumerate(xs)]])
        self.heat.getAxis("left").setTicks([[(j + 0.5, _label(v)) for j, v in enumerate(ys)]])
        for item in [i for i in self.heat.items() if isinstance(i, pg.TextItem)]:
            self.heat.removeItem(item)
        for i in range(len(xs)):
            for j in range(len(ys)):
                if np.isfinite(cells[i, j]):
                    text = pg.TextItem(f"{cells[i, j]:.2f}", color="w", anchor=(0.5, 0.5))
                    text.setPos(i + 0.5, j + 0.5)
                    self.heat.addItem(text)
