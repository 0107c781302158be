"""Paint your own data in the output plot: add points of a class, erase, clear, undo.

Turning "paint" on starts a canvas from the data on show (2-D classification or
1-D regression; anything else starts empty). A click adds a point of the chosen
class where it lands (for 1-D regression: at the pointer's height), a drag adds
a stroke of them, the eraser removes the points near the pointer. Each stroke,
erasure or Clear is one command on a QUndoStack; doing or undoing one makes the
canvas the window's data (DataChoice "painted", playground/document/painted.py),
so training restarts on it like on any other dataset. A canvas that cannot be
trained on (empty, or one class) is still drawn, and the status bar says what is
missing; training stays on the last points that could be.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from datasets.errors import DatasetError
from playground.document.painted import MAX_CLASSES, SOURCE, PaintedPoints
from playground.document.session import DataChoice
from playground.gui import palette

STROKE_SPACING = 0.03  # a drag adds a point every this share of the canvas width
ERASER = 0.05  # the eraser's radius, as a share of the canvas width


def canvas_from(ds) -> PaintedPoints:
    """The dataset's points as a canvas (an empty one when it is not paintable)."""
    if ds is not None and ds.task == "classification" and ds.input_dim == 2:
        rows = np.column_stack([ds.X, ds.y])
        return PaintedPoints("classification", tuple(map(tuple, rows.tolist())), ds.bounds)
    if ds is not None and ds.task == "regression" and ds.input_dim == 1:
        rows = np.column_stack([ds.X[:, 0], ds.y])
        bounds = (ds.bounds[0], (float(ds.y.min()) - 0.1, float(ds.y.max()) + 0.1))
        return PaintedPoints("regression", tuple(map(tuple, rows.tolist())), bounds)
    return PaintedPoints()


class CanvasEdit(QUndoCommand):
    """One stroke, erasure or Clear: the canvas before and after."""

    def __init__(self, controller: PaintController, before, after, text: str):
        super().__init__(text)
        self.controller, self.before, self.after = controller, before, after

    def redo(self) -> None:
        self.controller.show_canvas(self.after)

    def undo(self) -> None:
        self.controller.show_canvas(self.before)


class PaintTools(QWidget):
    """The paint row under the output plot's title (objectName `paintTools`)."""

    def __init__(self, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paintTools")
        self.paint_check = QCheckBox("paint")
        self.paint_check.setToolTip(
            "Paint your own data: click or drag in the plot to add points of the chosen class"
        )
        self.class_box = QComboBox()
        for k in range(MAX_CLASSES):
            self.class_box.addItem(f"class {k + 1}", k)
        self.class_box.setToolTip("The class of the points you paint")
        self.eraser_check = QCheckBox("eraser")
        self.eraser_check.setToolTip("Remove the points near the pointer instead")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("An empty canvas")
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.undo_button.clicked.connect(stack.undo)
        self.redo_button.clicked.connect(stack.redo)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        # two short rows: the output plot is narrow on a 1280 x 720 screen
        tools = QHBoxLayout()
        edits = QHBoxLayout()
        for row, widgets in (
            (tools, (self.paint_check, self.class_box, self.eraser_check)),
            (edits, (self.clear_button, self.undo_button, self.redo_button)),
        ):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(tools)
        column.addLayout(edits)
        self.set_painting(False)

    def set_painting(self, on: bool, regression: bool = False) -> None:
        self.class_box.setVisible(on and not regression)
        for w in (self.eraser_check, self.clear_button, self.undo_button, self.redo_button):
            w.setVisible(on)


class PaintController(QObject):
    """Paint mode of the window's output plot (see the module docstring)."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.plot = window.boundary_plot
        self.stack = QUndoStack(self)
        self.tools = PaintTools(self.stack)
        self.plot.layout().insertWidget(1, self.tools)
        self.canvas: PaintedPoints | None = None
        self.stroke: list[tuple[float, ...]] | None = None
        self.overlay = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#111111", width=1.5))
        self.overlay.setZValue(20)
        self.plot.plot.addItem(self.overlay)
        self.tools.paint_check.toggled.connect(self.set_painting)
        self.tools.clear_button.clicked.connect(self.clear)
        window.picker.choiceChanged.connect(self._data_changed)
        self.plot.graphics.viewport().installEventFilter(self)

    @property
    def painting(self) -> bool:
        return self.canvas is not None

    def set_painting(self, on: bool) -> None:
        """Start painting on the data on show, or stop (the painted data stays in use)."""
        if on == self.painting:
            return
        self.plot.plot.setMouseEnabled(x=not on, y=not on)  # a drag paints instead of panning
        if on:
            data = self.w.session.data
            painted = data.source == SOURCE  # its own labels, not the renumbered classes
            self.canvas = (
                PaintedPoints.from_params(data.params) if painted else canvas_from(self.w.dataset)
            )
            self.stack.clear()
            self.show_canvas(self.canvas)
        else:
            self.canvas, self.stroke = None, None
            self.overlay.setData([], [])
            self.stack.clear()
        self.tools.paint_check.setChecked(on)
        regression = on and self.canvas.task == "regression"
        self.tools.set_painting(on, regression)

    def _data_changed(self, choice, _ds) -> None:
        if choice.source != SOURCE and self.painting:
            self.set_painting(False)  # other data chosen: painting ends

    # -- edits ------------------------------------------------------------------------------
    def edit(self, after: PaintedPoints, text: str) -> None:
        if self.canvas is not None and after.points != self.canvas.points:
            self.stack.push(CanvasEdit(self, self.canvas, after, text))

    def clear(self) -> None:
        if self.canvas is not None:
            self.edit(self.canvas.cleared(), "Clear")

    def show_canvas(self, canvas: PaintedPoints) -> None:
        """Draw the canvas and, when it can be trained on, make it the window's data."""
        self.canvas = canvas
        self._draw(canvas.points)
        try:
            canvas.to_dataset()
        except DatasetError as exc:
            self.w.status.announce(f"{exc}; training stays on the last points that could be")
            return
        current = self.w.session.data
        params = dict(current.params) if current.source == SOURCE else {}
        params.update(canvas.to_params())
        choice = DataChoice(source=SOURCE, params=params, test_ratio=current.test_ratio)
        self.w.picker.apply(choice)

    def _draw(self, points) -> None:
        if not points:
            self.overlay.setData([], [])
            return
        a = np.array(points)
        if self.canvas.task == "regression":
            self.overlay.setData(a[:, 0], a[:, 1], brush=pg.mkBrush(palette.CLASS_HEX[1]))
            return
        brushes = [pg.mkBrush(palette.CLASS_HEX[int(c) % len(palette.CLASS_HEX)]) for c in a[:, 2]]
        self.overlay.setData(a[:, 0], a[:, 1], brush=brushes)

    # -- the pointer ------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if not self.painting:
            return False
        kind = event.type()
        if kind not in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.MouseButtonRelease,
        ):
            return False
        if kind != QEvent.Type.MouseMove and event.button() != Qt.MouseButton.LeftButton:
            return False
        where = self.plot.plot.vb.mapSceneToView(
            self.plot.graphics.mapToScene(event.position().toPoint())
        )
        self.pointer(kind, float(where.x()), float(where.y()))
        return True

    def pointer(self, kind, x: float, y: float) -> None:
        """A press, move or release at data coordinates (x, y)."""
        canvas = self.canvas
        width = canvas.bounds[0][1] - canvas.bounds[0][0]
        if kind == QEvent.Type.MouseButtonPress:
            self.stroke = []
        if self.stroke is None:
            return  # a move without a press
        if self.tools.eraser_check.isChecked():
            self.stroke.append((x, y))
            kept = canvas
            for centre in self.stroke:
                kept = kept.erased(centre, ERASER * width)
            self._draw(kept.points)
            if kind == QEvent.Type.MouseButtonRelease:
                self.stroke = None
                self.edit(kept, "Erase")
                self._draw(self.canvas.points)
            return
        point = (
            (x, y) if canvas.task == "regression" else (x, y, self.tools.class_box.currentData())
        )
        if not self.stroke or np.hypot(x - self.stroke[-1][0], y - self.stroke[-1][1]) >= (
            STROKE_SPACING * width
        ):
            self.stroke.append(point)
            self._draw(canvas.points + tuple(self.stroke))
        if kind == QEvent.Type.MouseButtonRelease:
            stroke, self.stroke = self.stroke, None
            self.edit(canvas.added(stroke), "Paint")


__all__ = ["CanvasEdit", "PaintController", "PaintTools", "canvas_from"]
