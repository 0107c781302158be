"""Hovering a neuron of the network diagram shows its output enlarged in the boundary plot.

As in TensorFlow Playground: while the pointer rests on a neuron, the output
plot shows that unit's own output over the whole domain (64 x 64, in the sign
colours: green positive, purple negative, white near zero) on top of the
network's output, under the data points, and follows the training live; the
colour bar shows that unit's value range under its name. Leaving the neuron puts
the network's output and its colour bar back. 2-D inputs only (a 1-D unit is a curve, already
readable in its small map).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from engine.unit_maps import UnitMaps
from playground.network_layout import diverging_rgba

RESOLUTION = 64


class UnitPreview:
    """Connects a NetworkView's hovering to a BoundaryPlot."""

    def __init__(self, boundary_plot, network_view):
        self.plot = boundary_plot
        self.view = network_view
        self.unit: tuple[int, int] | None = None
        self._maps: UnitMaps | None = None
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-5)  # above the output picture (-10), under the points
        self.image.setVisible(False)
        self.label = pg.TextItem("", color="#111111", fill=pg.mkBrush(255, 255, 255, 200))
        self.label.setVisible(False)
        boundary_plot.plot.addItem(self.image)
        boundary_plot.plot.addItem(self.label)
        network_view.neuronHovered.connect(self.show_unit)
        network_view.mapsUpdated.connect(self.refresh)

    def show_unit(self, column: int, unit: int) -> None:
        self.unit = None if column < 0 else (column, unit)
        self.refresh()

    def refresh(self) -> None:
        values = self._values()
        if values is None:
            if self.image.isVisible():
                self.plot.restore_scale()
            self.image.setVisible(False)
            self.label.setVisible(False)
            return
        scale = max(1.0, float(np.max(np.abs(values))))
        name = self.view.unit_name(*self.unit)
        self.plot.show_unit_scale(f"value of {name}", scale)
        self.image.setImage(diverging_rgba(values, scale)[..., :3], autoLevels=False)
        (x0, x1), (y0, y1) = self._maps.bounds
        dx, dy = (x1 - x0) / (RESOLUTION - 1), (y1 - y0) / (RESOLUTION - 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        self.image.setVisible(True)
        self.label.setText(name)
        self.label.setPos(x0, y1)
        self.label.setVisible(True)

    def _values(self) -> np.ndarray | None:
        view, data = self.view, self.view.data
        if self.unit is None or view.spec is None or not view.weights or data is None:
            return None
        spec = view.spec
        if spec.input_dim != 2 or len(data.bounds) != 2 or self.plot.mode == "none":
            return None
        if self._maps is None or self._maps.bounds != tuple(map(tuple, data.bounds)):
            self._maps = UnitMaps(data.bounds, 2, RESOLUTION)
        column, unit = self.unit
        return self._maps.compute(spec, view.weights, upto=column)[column][unit]
