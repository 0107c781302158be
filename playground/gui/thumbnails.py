"""Small pictures of datasets for the picker, painted with QPainter.

Classification points take their class colour; 1-D regression is drawn as y
against x; 2-D regression colours each point by its target (cividis).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from playground.gui import palette

SIZE = 48
MAX_POINTS = 250


def thumbnail(ds, size: int = SIZE) -> QIcon:
    """An icon showing up to MAX_POINTS points of `ds` (a datasets.Dataset)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#bbbbbb"), 1))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    X, y = ds.X, ds.y
    if len(X) > MAX_POINTS:
        idx = np.linspace(0, len(X) - 1, MAX_POINTS).astype(int)
        X, y = X[idx], y[idx]
    if ds.input_dim >= 2:
        u, v = X[:, 0], X[:, 1]
        (u0, u1), (v0, v1) = ds.bounds[0], ds.bounds[1]
    else:
        u, v = X[:, 0], np.asarray(y, float)
        (u0, u1) = ds.bounds[0]
        v0, v1 = float(v.min()), float(v.max())
        pad = 0.1 * (v1 - v0 or 1.0)
        v0, v1 = v0 - pad, v1 + pad
    px = 3 + (u - u0) / ((u1 - u0) or 1.0) * (size - 6)
    py = size - 3 - (v - v0) / ((v1 - v0) or 1.0) * (size - 6)
    colours = _colours(ds, y)
    painter.setPen(Qt.PenStyle.NoPen)
    for x_, y_, c in zip(px, py, colours, strict=True):
        painter.setBrush(c)
        painter.drawEllipse(QPointF(float(x_), float(y_)), 1.6, 1.6)
    painter.end()
    return QIcon(pixmap)


def _colours(ds, y) -> list[QColor]:
    if ds.task == "classification":
        table = [palette.class_colour(k) for k in range(max(2, ds.n_classes))]
        return [table[int(c)] for c in y]
    if ds.input_dim == 1:
        return [QColor(palette.CLASS_HEX[0])] * len(y)
    lut = palette.surface_colormap().getLookupTable(nPts=64)
    lo, hi = float(np.min(y)), float(np.max(y))
    idx = np.clip(((np.asarray(y) - lo) / ((hi - lo) or 1.0) * 63).astype(int), 0, 63)
    return [QColor(*lut[i][:3]) for i in idx]
