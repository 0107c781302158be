"""A diagram of the network (objectName `networkView`): neurons and weighted edges.

Columns are layers (input features on the left, the output on the right); an
edge's colour is the weight's sign (blue positive, orange negative) and its
width and opacity its magnitude relative to the largest weight. Wide layers show
their first MAX_SHOWN neurons and a "+n" note. Drawn with QPainter from the
latest snapshot's weights; a later issue may replace it behind `set_spec` /
`set_weights`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.spec import NetworkSpec
from playground import palette

MAX_SHOWN = 16
MAX_EDGE_WIDTH = 4.0
RADIUS = 7.0
LEVELS = 8  # magnitude buckets per sign


class NetworkView(QWidget):
    """Paints `spec`'s layers and the magnitudes and signs of `weights`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setMinimumSize(220, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "The network: edges are weights, blue positive, orange negative, "
            "thicker for larger magnitudes"
        )
        self.spec: NetworkSpec | None = None
        self.weights: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
        self._positive = QColor(palette.POSITIVE_HEX)
        self._negative = QColor(palette.NEGATIVE_HEX)

    def set_spec(self, spec: NetworkSpec) -> None:
        if spec != self.spec:
            self.spec = spec
            self.weights = ()
            self.update()

    def set_weights(self, weights) -> None:
        """Per dense layer (W (out, in), b); shapes must fit the spec, else ignored."""
        if self.spec is None:
            return
        sizes = self.spec.layer_sizes
        if len(weights) != len(sizes) - 1:
            return
        for k, (w, _b) in enumerate(weights):
            if w.shape != (sizes[k + 1], sizes[k]):
                return
        self.weights = tuple(weights)
        self.update()

    def _positions(self) -> list[list[QPointF]]:
        sizes = self.spec.layer_sizes
        rect = QRectF(self.rect()).adjusted(56, 14, -24, -14)
        n = len(sizes)
        columns = []
        for k, size in enumerate(sizes):
            shown = min(size, MAX_SHOWN)
            x = rect.left() + (rect.width() * k / (n - 1) if n > 1 else rect.width() / 2)
            gap = rect.height() / max(shown, 1)
            top = rect.top() + gap / 2
            columns.append([QPointF(x, top + i * gap) for i in range(shown)])
        return columns

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if self.spec is None:
            return
        columns = self._positions()
        self._draw_edges(painter, columns)
        self._draw_nodes(painter, columns)

    def _draw_edges(self, painter: QPainter, columns) -> None:
        """Edges in LEVELS magnitude buckets per sign: a few drawLines calls, not one per edge."""
        if not self.weights:
            painter.setPen(QPen(QColor(200, 200, 200), 1))
            lines = [
                QLineF(a, b)
                for k in range(len(columns) - 1)
                for a in columns[k]
                for b in columns[k + 1]
            ]
            painter.drawLines(lines)
            return
        scale = max(float(np.max(np.abs(w))) for w, _ in self.weights) or 1.0
        buckets: dict[tuple[bool, int], list[QLineF]] = {}
        for k, (w, _b) in enumerate(self.weights):
            src, dst = columns[k], columns[k + 1]
            shown = w[: len(dst), : len(src)]
            levels = np.minimum(LEVELS - 1, (np.abs(shown) / scale * LEVELS).astype(int))
            positive = shown >= 0
            for j, b in enumerate(dst):
                for i, a in enumerate(src):
                    buckets.setdefault((bool(positive[j, i]), int(levels[j, i])), []).append(
                        QLineF(a, b)
                    )
        for (pos, level), lines in sorted(buckets.items(), key=lambda kv: kv[0][1]):
            m = (level + 0.5) / LEVELS
            colour = QColor(self._positive if pos else self._negative)
            colour.setAlphaF(0.15 + 0.85 * m)
            painter.setPen(QPen(colour, 0.5 + MAX_EDGE_WIDTH * m))
            painter.drawLines(lines)

    def _draw_nodes(self, painter: QPainter, columns) -> None:
        sizes = self.spec.layer_sizes
        features = self.spec.features
        painter.setPen(QPen(QColor("#333333"), 1))
        for k, column in enumerate(columns):
            bias = self.weights[k - 1][1] if k > 0 and self.weights else None
            for i, p in enumerate(column):
                fill = QColor("#f2f2f2")
                if bias is not None and i < len(bias):
                    fill = QColor(self._positive if bias[i] >= 0 else self._negative).lighter(150)
                painter.setBrush(fill)
                painter.drawEllipse(p, RADIUS, RADIUS)
                if k == 0 and i < len(features):
                    painter.drawText(
                        QRectF(p.x() - 56, p.y() - 8, 46, 16),
                        int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                        features[i],
                    )
            if sizes[k] > len(column) and column:
                last = column[-1]
                painter.drawText(
                    QPointF(last.x() - 10, last.y() + 22), f"+{sizes[k] - len(column)}"
                )
