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

from playground.gui.network.network_layout import diverging_rgba


class UnitPreview:
    """Connects a NetworkView's hovering to a BoundaryPlot.

    The map itself comes from the runner (`Snapshot.unit_preview`, asked for with
    `watch_unit`, see playground/presenter.py): nothing is computed here.
    """

    def __init__(self, boundary_plot, network_view):
        self.plot = boundary_plot
        self.view = network_view
        self.unit: tuple[int, int] | None = None
        self._latest = None  # the runner's newest UnitPreviewView
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-5)  # above the output picture (-10), under the points
        self.image.setVisible(False)
        self.label = pg.TextItem("", color="#111111", fill=pg.mkBrush(255, 255, 255, 200))
        self.label.setVisible(False)
        boundary_plot.plot.addItem(self.image)
        boundary_plot.plot.addItem(self.label)
        network_view.neuronHovered.connect(self.show_unit)

    def show_unit(self, column: int, unit: int) -> None:
        self.unit = None if column < 0 else (column, unit)
        self.refresh()

    def set_preview(self, preview) -> None:
        """A snapshot's `UnitPreviewView` (None: the runner has none); redraws when new."""
        old = self._latest
        same = (old is None) == (preview is None) and (
            preview is None
            or (old.step, old.column, old.unit) == (preview.step, preview.column, preview.unit)
        )
        self._latest = preview
        if not same:
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
        (x0, x1), (y0, y1) = self._latest.bounds
        ny, nx = values.shape
        dx, dy = (x1 - x0) / (nx - 1), (y1 - y0) / (ny - 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        self.image.setVisible(True)
        self.label.setText(name)
        self.label.setPos(x0, y1)
        self.label.setVisible(True)

    def _values(self) -> np.ndarray | None:
        p, spec = self._latest, self.view.spec
        if self.unit is None or p is None or (p.column, p.unit) != self.unit or spec is None:
            return None
        if spec.input_dim != 2 or self.plot.mode == "none":
            return None
        if p.column >= len(spec.layer_sizes) or p.unit >= spec.layer_sizes[p.column]:
            return None
        return np.asarray(p.values, np.float64)
