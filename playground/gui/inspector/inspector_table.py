"""A small heatmap table of one array, with its numbers, for the backprop inspector.

Each cell shows the value and is shaded by it (blue positive, orange negative,
scaled by the array's largest magnitude). Small arrays are shown whole; an
array with more than MAX_ROWS rows (a large minibatch) is summarised by its
per-column statistics (mean, std, min, max), and one with more than MAX_COLS
columns shows its first MAX_COLS. The caption always gives the shape and the
range, so a summary never hides that it is one.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.gui.network.network_layout import diverging_rgba

MAX_ROWS = 16
MAX_COLS = 12
CELL_W = 58
CELL_H = 20


def fmt(x: float) -> str:
    """Three significant digits in at most 8 characters (the width of a table cell)."""
    if x == 0 or not np.isfinite(x):
        return str(x) if x else "0"
    if 9.995e-3 <= abs(x) < 999.5:  # what rounds to 3 digits in 0.0100 .. 999
        return f"{x:.3g}"
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{float(mantissa):.3g}e{int(exponent)}"


class ArrayTable(QWidget):
    """One titled array; `cellClicked(row, col)` gives the array's own indices."""

    cellClicked = Signal(int, int)

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #555555")
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        font = QFont(self.table.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self.table.setFont(font)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setFont(font)
        self.table.horizontalHeader().setDefaultSectionSize(CELL_W)
        self.table.verticalHeader().setDefaultSectionSize(CELL_H)
        self.table.cellClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        layout.addWidget(self.caption)
        self.values: np.ndarray | None = None
        self.summarised = False
        self._row_labels: list[str] | None = None

    def set_array(
        self,
        values: np.ndarray,
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
    ) -> None:
        """Show a 1-D (one row) or 2-D array; labels default to 1, 2, 3... (counted as people do)"""
        a = np.atleast_2d(np.asarray(values, dtype=np.float64))
        self.values = a
        rows, cols = a.shape
        self.summarised = rows > MAX_ROWS
        shown = a[:, :MAX_COLS]
        if self.summarised:
            shown = np.vstack([shown.mean(0), shown.std(0), shown.min(0), shown.max(0)])
            row_labels = ["mean", "std", "min", "max"]
        elif row_labels is None:
            row_labels = [str(r + 1) for r in range(rows)]
        col_labels = (col_labels or [str(c + 1) for c in range(cols)])[: shown.shape[1]]
        t = self.table
        t.clear()
        t.setRowCount(shown.shape[0])
        t.setColumnCount(shown.shape[1])
        t.setVerticalHeaderLabels(row_labels)
        t.setHorizontalHeaderLabels(col_labels)
        finite = a[np.isfinite(a)]
        scale = float(np.max(np.abs(finite))) if finite.size else 1.0
        colours = diverging_rgba(shown, scale)
        for r in range(shown.shape[0]):
            for c in range(shown.shape[1]):
                item = QTableWidgetItem(fmt(float(shown[r, c])))
                rgba = colours[r, c]
                item.setBackground(QBrush(QColor(int(rgba[0]), int(rgba[1]), int(rgba[2]))))
                light = int(rgba[:3].astype(int).sum()) > 420
                item.setForeground(QBrush(QColor("#111111" if light else "#ffffff")))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{row_labels[r]}, {col_labels[c]}: {float(shown[r, c])!r}")
                t.setItem(r, c, item)
        height = t.horizontalHeader().height() + CELL_H * shown.shape[0] + 4
        if shown.shape[1] * CELL_W + 60 > t.width():
            height += t.horizontalScrollBar().sizeHint().height()
        t.setFixedHeight(height)
        notes = [f"shape {rows}×{cols}"]
        if finite.size:
            notes.append(f"min {fmt(float(finite.min()))}, max {fmt(float(finite.max()))}")
        if self.summarised:
            notes.append(f"{rows} rows summarised per column")
        if cols > MAX_COLS:
            notes.append(f"first {MAX_COLS} of {cols} columns")
        self.caption.setText(" · ".join(notes))

    def shown_shape(self) -> tuple[int, int]:
        return self.table.rowCount(), self.table.columnCount()

    def _clicked(self, row: int, col: int) -> None:
        if not self.summarised:
            self.cellClicked.emit(row, col)
