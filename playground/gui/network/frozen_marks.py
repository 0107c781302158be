"""Frozen weights and biases in the network diagram: a dashed edge, a small padlock.

A frozen parameter is left as it is by training (engine/hand_edits.py); the
diagram shows which: its edge dashed in dark grey with a padlock at its middle,
a frozen bias as a padlock on its neuron's corner, and a legend line under the
sign legend while anything is frozen. Returns the (area, tooltip) pairs the
view's hover shows.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

LOCK_HEX = "#2b2b2b"
LEGEND_TEXT = "frozen"
LEGEND_TIP = (
    "Frozen (dashed edge, padlock): training leaves that weight or bias exactly as it is. "
    "Click it to unfreeze or set it."
)


def draw_lock(painter: QPainter, centre: QPointF, size: float = 8.0) -> QRectF:
    """A padlock (body and shackle) centred on `centre`; returns the area it covers."""
    w, h = size, size * 0.75
    body = QRectF(centre.x() - w / 2, centre.y() - h / 2 + 2, w, h)
    painter.setPen(QPen(QColor("white"), 3))  # a halo: readable over any edge colour
    painter.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(centre.x() - w / 3, body.top() - h * 0.8, 2 * w / 3, h * 1.4)
    painter.drawArc(shackle, 0, 180 * 16)
    painter.drawRect(body)
    painter.setPen(QPen(QColor(LOCK_HEX), 1.4))
    painter.drawArc(shackle, 0, 180 * 16)
    painter.setBrush(QColor(LOCK_HEX))
    painter.drawRect(body)
    return QRectF(body.left() - 2, shackle.top() - 2, w + 4, body.bottom() - shackle.top() + 4)


def draw_frozen(painter: QPainter, lay, frozen, legend_at: QPointF) -> list[tuple[QRectF, str]]:
    """Mark every frozen `Target` (layer, kind, index) whose units are drawn."""
    tips: list[tuple[QRectF, str]] = []
    if not frozen:
        return tips
    half = lay.node / 2
    dashed = QPen(QColor(LOCK_HEX), 2.0, Qt.PenStyle.DashLine)
    for target in sorted(frozen, key=lambda t: (t.layer, t.kind, t.index)):
        k, i = target.layer, target.index[0]
        if k + 1 >= len(lay.ys) or i >= len(lay.ys[k + 1]) or k + 1 in lay.folded:
            continue
        dst = QPointF(lay.xs[k + 1], lay.ys[k + 1][i])
        if target.kind == "bias":
            area = draw_lock(painter, dst + QPointF(half, -half))
            tips.append((area, f"{target.name}: frozen (bias of this unit)"))
            continue
        j = target.index[1]
        if j >= len(lay.ys[k]) or k in lay.folded:
            continue
        a = QPointF(lay.xs[k] + half, lay.ys[k][j])
        b = QPointF(dst.x() - half, dst.y())
        painter.setPen(dashed)
        painter.drawLine(a, b)
        area = draw_lock(painter, (a + b) / 2)
        tips.append((area, f"{target.name}: frozen"))
    area = draw_lock(painter, legend_at + QPointF(4, -4), 7.0)
    painter.setPen(QColor("#333333"))
    painter.drawText(legend_at + QPointF(12, 0), LEGEND_TEXT)
    tips.append(
        (
            area.adjusted(0, 0, 8 + painter.fontMetrics().horizontalAdvance(LEGEND_TEXT), 0),
            LEGEND_TIP,
        )
    )
    return tips


__all__ = ["LEGEND_TEXT", "LEGEND_TIP", "draw_frozen", "draw_lock"]
