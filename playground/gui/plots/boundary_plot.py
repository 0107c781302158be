"""What the network computes over the input domain, with the data on top.

- 2-D classification: a heatmap of the output. Two classes: P(class 1) shaded
  blue -> grey -> orange; K classes: each class's colour weighted by its
  probability. "Discretise" shows the predicted class only. Training points are
  circles, test points triangles; the points the current weights misclassify
  get a black cross (masks computed by the runner, `Snapshot.mistakes`: the
  plot only draws them, and none before the first step).
- 1-D regression: the data and the fitted curve; 1-D classification: P(class)
  curves over the points.
- 2-D regression: the predicted surface as a heatmap (cividis), points coloured
  by their target on the same scale.

The heatmap is one ImageItem (row-major, fixed levels, placed with setRect) and
one ColorBarItem; the items are made once per dataset and then only updated.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.gui import palette
from playground.gui.plots.ranges import CACHE, cache_decorations

HEAT_LIGHTEN = 0.35
POINT_SIZE = 7


def _class_colormap(n_classes: int) -> pg.ColorMap:
    """A stepped map with one band per class, for the colour bar of K-class shading."""
    rgb = palette.lighten(palette.class_rgb_table(n_classes), HEAT_LIGHTEN)
    pos, colours = [], []
    for k in range(n_classes):
        pos += [k / n_classes, (k + 1) / n_classes - 1e-6]
        colours += [rgb[k], rgb[k]]
    return pg.ColorMap(pos=np.array(pos), color=np.array(colours, dtype=np.uint8))


class BoundaryPlot(QWidget):
    """The model's output over the input domain (objectName `boundaryPlot`)."""

    trainPointClicked = Signal(int)  # row of the clicked training point

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("boundaryPlot")
        self.mode = "none"  # "classification" | "class-curve" | "surface" | "curve" | "none"
        self.n_classes = 0
        self._last_view = None
        self._points: tuple[np.ndarray | None, np.ndarray | None] = (None, None)  # train, test
        self._marks = None  # the MistakeMarks drawn
        self._binary_lut = palette.binary_colormap(HEAT_LIGHTEN).getLookupTable(nPts=256)
        self._surface_lut = palette.surface_colormap().getLookupTable(nPts=256)
        self._surface_levels = (0.0, 1.0)

        self.title = QLabel("<b>Output</b>")
        self.discretise_check = QCheckBox("discretise")
        self.discretise_check.setToolTip(
            "Show only the predicted class at each point instead of shading by probability"
        )
        self.test_check = QCheckBox("test points")
        self.test_check.setChecked(True)
        self.test_check.setToolTip("Draw the test points (triangles) on top of the training points")
        self.discretise_check.toggled.connect(self._redraw_last)
        self.test_check.toggled.connect(self._update_test_visibility)
        self.test_check.toggled.connect(self._redraw_mistakes)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.discretise_check)
        head.addWidget(self.test_check)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.showGrid(x=False, y=False)
        self.plot.setLabel("bottom", "x1")
        self.plot.setLabel("left", "x2")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(0, 1), colorMap=palette.binary_colormap(HEAT_LIGHTEN), interactive=False,
            width=14, label="P(class 1)",
        )  # fmt: skip
        self.graphics.addItem(self.colorbar, row=0, col=1)
        self.fit_curve = self.plot.plot(pen=pg.mkPen(palette.CLASS_HEX[1], width=3))
        self.class_curves: list[pg.PlotDataItem] = []
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen("w", width=1))
        self.test_points = pg.ScatterPlotItem(
            size=POINT_SIZE + 1, symbol="t", pen=pg.mkPen("#222222", width=1)
        )
        self.mistakes = pg.ScatterPlotItem(
            size=POINT_SIZE + 3, symbol="x", pen=None, brush=pg.mkBrush(palette.MISTAKE_HEX)
        )
        # the backprop inspector's minibatch: dark rings around its points
        self.highlight = pg.ScatterPlotItem(
            size=POINT_SIZE + 8, pen=pg.mkPen("#111111", width=2.5), brush=None
        )
        for item in (self.train_points, self.test_points, self.mistakes, self.highlight):
            self.plot.addItem(item)
        self.train_points.sigClicked.connect(self._train_clicked)
        cache_decorations(self.plot)
        self.colorbar.axis.setCacheMode(CACHE)
        self.notice = pg.TextItem("", color="#444444", anchor=(0.5, 0.5))
        self.plot.addItem(self.notice)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.graphics, 1)

    # -- data -------------------------------------------------------------------------
    def set_data(self, data) -> None:
        """Show a new dataset (an engine Data): choose the mode and place the points."""
        self._last_view = None
        self._marks = None
        self._points = (data.X_train, data.X_test)
        d = data.X_train.shape[1]
        self.n_classes = data.n_classes
        classification = data.task == "classification"
        if d == 2:
            self.mode = "classification" if classification else "surface"
        elif d == 1:
            self.mode = "class-curve" if classification else "curve"
        else:
            self.mode = "none"
        self.image.clear()
        self.image.setVisible(self.mode in ("classification", "surface"))
        self.colorbar.setVisible(self.mode in ("classification", "surface"))
        self.discretise_check.setEnabled(classification)
        self.fit_curve.setData([], [])
        self.fit_curve.setVisible(self.mode == "curve")
        for curve in self.class_curves:
            self.plot.removeItem(curve)
        self.class_curves = []
        self.mistakes.setData([], [])
        self.highlight.setData([], [])
        self.notice.setText("")
        self.plot.setAspectLocked(False)
        if self.mode == "none":
            self.train_points.setData([], [])
            self.test_points.setData([], [])
            self.notice.setText(f"{d}-D inputs: no picture of the output (see the loss)")
            self.notice.setPos(0.5, 0.5)
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
            return
        self._setup_scales(data)
        # On a surface the points share its colour scale: a dark rim keeps them visible.
        self.train_points.setPen(pg.mkPen("#333333" if self.mode == "surface" else "w", width=1))
        self._place_points(self.train_points, data.X_train, data.y_train)
        if data.X_test is not None and len(data.X_test):
            self._place_points(self.test_points, data.X_test, data.y_test)
        else:
            self.test_points.setData([], [])
        self._update_test_visibility()
        self._set_range(data)

    def show_unit_scale(self, label: str, scale: float) -> None:
        """The colour bar of a previewed unit's map: the sign colours over [-scale, scale]."""
        self.colorbar.setColorMap(palette.sign_colormap())
        self.colorbar.setLevels((-scale, scale))
        self.colorbar.setLabel("left", label)
        self.colorbar.axis.setTicks(None)
        self.colorbar.setVisible(True)

    def restore_scale(self) -> None:
        """The output's own colour bar again (after a unit preview)."""
        self._output_colorbar()
        self.colorbar.setVisible(self.mode in ("classification", "surface"))

    def colorbar_label(self) -> str:
        return self.colorbar.getAxis("left").labelText

    def _output_colorbar(self) -> None:
        if self.mode == "classification":
            if self.n_classes == 2:
                self.colorbar.setColorMap(palette.binary_colormap(HEAT_LIGHTEN))
                self.colorbar.setLevels((0.0, 1.0))
                self.colorbar.setLabel("left", "P(class 1)")
                self.colorbar.axis.setTicks(None)
            else:
                self.colorbar.setColorMap(_class_colormap(self.n_classes))
                self.colorbar.setLevels((-0.5, self.n_classes - 0.5))
                self.colorbar.setLabel("left", "class")
                self.colorbar.axis.setTicks([[(k, str(k)) for k in range(self.n_classes)]])
        elif self.mode == "surface":
            self.colorbar.setColorMap(palette.surface_colormap())
            self.colorbar.setLevels(self._surface_levels)
            self.colorbar.setLabel("left", "output")
            self.colorbar.axis.setTicks(None)

    def _setup_scales(self, data) -> None:
        self._surface_levels = (0.0, 1.0)
        if self.mode == "classification":
            self.plot.setLabel("left", "x2")
            self._output_colorbar()
        elif self.mode == "surface":
            ys = (
                data.y_train if data.y_test is None else np.concatenate([data.y_train, data.y_test])
            )
            lo, hi = float(np.min(ys)), float(np.max(ys))
            if hi <= lo:
                lo, hi = lo - 1.0, hi + 1.0
            self._surface_levels = (lo, hi)
            self._output_colorbar()
        elif self.mode == "class-curve":
            self.plot.setLabel("left", "P(class)")
            n = 1 if self.n_classes == 2 else self.n_classes
            for k in range(n):
                colour = palette.CLASS_HEX[1] if n == 1 else palette.CLASS_HEX[k]
                curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=3))
                self.plot.addItem(curve)
                self.class_curves.append(curve)
        else:
            self.plot.setLabel("left", "y")

    def _point_xy(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.mode in ("classification", "surface"):
            return X[:, 0], X[:, 1]
        if self.mode == "class-curve":
            return X[:, 0], np.asarray(y, float) / max(1, self.n_classes - 1)
        return X[:, 0], np.asarray(y, float)

    def _place_points(self, item: pg.ScatterPlotItem, X: np.ndarray, y: np.ndarray) -> None:
        px, py = self._point_xy(X, y)
        if self.mode == "surface":
            lo, hi = self._surface_levels
            lut = palette.surface_colormap().getLookupTable(nPts=256)
            idx = np.clip(((np.asarray(y) - lo) / (hi - lo) * 255).astype(int), 0, 255)
            brushes = [pg.mkBrush(*lut[i]) for i in idx]
        elif self.mode == "curve":
            brushes = pg.mkBrush(palette.CLASS_HEX[0])
        else:
            table = [pg.mkBrush(palette.class_colour(k)) for k in range(max(2, self.n_classes))]
            brushes = [table[int(c)] for c in y]
        item.setData(px, py, brush=brushes)

    def _set_range(self, data) -> None:
        (x0, x1) = data.bounds[0]
        if self.mode in ("classification", "surface"):
            (y0, y1) = data.bounds[1]
            ratio = (x1 - x0) / (y1 - y0)
            self.plot.setAspectLocked(1 / 3 < ratio < 3)
        elif self.mode == "class-curve":
            y0, y1 = -0.05, 1.05
        else:
            y = data.y_train
            pad = 0.1 * (float(np.ptp(y)) or 1.0)
            y0, y1 = float(np.min(y)) - pad, float(np.max(y)) + pad
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _update_test_visibility(self) -> None:
        self.test_points.setVisible(self.test_check.isChecked() and self.mode != "none")

    # -- per frame ----------------------------------------------------------------------
    def update_view(self, view) -> None:
        """Draw a GridView from the latest snapshot (None leaves the picture as it is)."""
        if view is None or self.mode == "none":
            return
        self._last_view = view
        if self.mode == "classification":
            self._draw_classes(view)
        elif self.mode == "surface":
            lo, hi = self._surface_levels
            self._set_rgb(_apply_lut(self._surface_lut, np.asarray(view.values), lo, hi))
            self._place_image(view)
        elif self.mode == "curve":
            self.fit_curve.setData(view.xs, np.asarray(view.values).reshape(-1))
        else:
            values = np.asarray(view.values).reshape(len(view.xs), -1)
            if self.discretise_check.isChecked():
                values = _one_hot(values, self.n_classes)
            for k, curve in enumerate(self.class_curves):
                col = k if values.shape[1] > 1 else 0
                curve.setData(view.xs, values[:, col])

    def _draw_classes(self, view) -> None:
        values = np.asarray(view.values)
        discrete = self.discretise_check.isChecked()
        if self.n_classes == 2:
            p = values[..., 0]
            if discrete:
                p = (p > 0.5).astype(np.float64)
            self._set_rgb(_apply_lut(self._binary_lut, p, 0.0, 1.0))
        else:
            if discrete:
                values = _one_hot(values, self.n_classes)
            rgb = palette.lighten(palette.class_rgb_table(self.n_classes), HEAT_LIGHTEN)
            image = np.clip(values @ rgb + (1.0 - values.sum(-1, keepdims=True)) * 255, 0, 255)
            self._set_rgb(image.astype(np.uint8))
        self._place_image(view)

    def _set_rgb(self, rgb: np.ndarray) -> None:
        """An RGB uint8 image: drawn as it is, no lookup or levels work in the GUI."""
        self.image.setImage(rgb, autoLevels=False, levels=None, lut=None)

    def _place_image(self, view) -> None:
        xs, ys = np.asarray(view.xs), np.asarray(view.ys)
        dx = (xs[-1] - xs[0]) / max(1, len(xs) - 1)
        dy = (ys[-1] - ys[0]) / max(1, len(ys) - 1)
        self.image.setRect(
            QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
        )

    def show_mistakes(self, marks) -> None:
        """Cross the points a snapshot's `MistakeMarks` flag; None clears the crosses.

        Test points are marked only while they are shown. Masks that do not fit the
        dataset on show (a late snapshot of other data) clear the crosses too.
        """
        self._marks = marks
        self._redraw_mistakes()

    def _redraw_mistakes(self) -> None:
        wrong = self._wrong_points()
        if wrong is None or len(wrong) == 0:
            self.mistakes.setData([], [])
        else:
            self.mistakes.setData(wrong[:, 0], wrong[:, 1])

    def _wrong_points(self) -> np.ndarray | None:
        marks, (X_train, X_test) = self._marks, self._points
        if marks is None or self.mode != "classification" or len(marks.train) != len(X_train):
            return None
        wrong = X_train[marks.train]
        if self.test_check.isChecked() and X_test is not None and marks.test is not None:
            if len(marks.test) != len(X_test):
                return None
            wrong = np.vstack([wrong, X_test[marks.test]])
        return wrong

    def highlight_points(self, X: np.ndarray | None, y: np.ndarray | None = None) -> None:
        """Ring the given points (raw inputs (m, d) and their targets); None clears."""
        if X is None or len(X) == 0 or self.mode == "none":
            self.highlight.setData([], [])
            return
        px, py = self._point_xy(np.asarray(X), np.zeros(len(X)) if y is None else y)
        self.highlight.setData(px, py)

    def _train_clicked(self, _item, points, _event=None) -> None:
        if len(points):
            self.trainPointClicked.emit(int(points[0].index()))

    def image_array(self) -> np.ndarray | None:
        """The heatmap as currently drawn (a copy), for tests and screenshots."""
        img = self.image.image
        return None if img is None else np.array(img, copy=True)

    def _redraw_last(self) -> None:
        if self._last_view is not None:
            self.update_view(self._last_view)


def _apply_lut(lut: np.ndarray, values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values in [lo, hi] through a (256, 3) uint8 lookup table: an (ny, nx, 3) image."""
    scaled = (np.nan_to_num(values, nan=lo) - lo) * (255.0 / (hi - lo))
    return lut[np.clip(scaled, 0, 255).astype(np.intp)][..., :3]


def _one_hot(values: np.ndarray, n_classes: int) -> np.ndarray:
    if values.shape[-1] == 1:  # binary: P(class 1)
        p = (values[..., 0] > 0.5).astype(np.float64)
        return np.stack([1 - p, p], axis=-1) if n_classes > 2 else p[..., None]
    return np.eye(values.shape[-1])[np.argmax(values, axis=-1)]
