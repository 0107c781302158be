"""What the network diagram adds for deep networks: residual arcs and folded runs.

Each residual layer gets an arc from its input column to its own column, over
the nodes: the shortcut its input takes, added to its output. A folded run of
identical layers (network_layout.collapsed_runs) is a band between its first
and last layer saying how many layers it stands for. Plain painting on the
view's QPainter, kept apart so the view stays about nodes and edges.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from playground.gui.network.network_layout import collapsed_runs

ARC_HEX = "#0072B2"
BAND_HEX = "#e9eef3"


def draw_depth_marks(painter: QPainter, lay, hidden) -> list[tuple[QRectF, str]]:
    """Residual arcs (visible layers) and the folded runs' bands of layout `lay`.

    Returns each band's area and tooltip (the view shows it on hover).
    """
    arc_pen = QPen(QColor(ARC_HEX), 1.6)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for k, layer in enumerate(hidden):
        c = k + 1  # the layer's column; its input is column c - 1
        if not layer.residual or c in lay.folded or not len(lay.ys[c - 1]) or not len(lay.ys[c]):
            continue
        y = min(lay.ys[c - 1][0], lay.ys[c][0]) - lay.node / 2 - 2
        _arc(painter, arc_pen, lay.xs[c - 1], lay.xs[c], y, 2 * 12.0)
    top = min((float(ys[0]) for ys in lay.ys if len(ys)), default=20.0) - lay.node / 2
    bottom = max((float(ys[-1]) for ys in lay.ys if len(ys)), default=40.0) + lay.node / 2
    tips = []
    for (x0, x1, count), (first, last) in zip(lay.bands, collapsed_runs(hidden), strict=False):
        inner = QRectF(x0 + lay.node / 2 + 3, top, x1 - x0 - lay.node - 6, bottom - top)
        painter.setPen(QPen(QColor("#8aa0b4"), 1, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(BAND_HEX))
        painter.drawRoundedRect(inner, 6, 6)
        painter.setPen(QColor("#333333"))
        painter.drawText(inner, int(Qt.AlignmentFlag.AlignCenter), f"×{count - 2}")
        painter.setBrush(Qt.BrushStyle.NoBrush)
        layer = hidden[first]
        if layer.residual:  # the whole run's shortcuts, as one arc over the band
            _arc(painter, arc_pen, x0, x1, top - 2, 2 * 12.0)
        what = f"{layer.units} {layer.activation}" + "".join(f" {f}" for f in layer.flags)
        tips.append(
            (
                inner,
                f"Layers {first + 2} to {last}: {count - 2} more layers like "
                f"layer {first + 1} ({what}), folded so the diagram stays readable",
            )
        )
    return tips


def _arc(painter: QPainter, pen: QPen, x0: float, x1: float, y: float, rise: float) -> None:
    """An arrow arcing from (x0, y) over to (x1, y)."""
    path = QPainterPath(QPointF(x0, y))
    path.quadTo(QPointF((x0 + x1) / 2, y - rise), QPointF(x1, y))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.drawLine(QPointF(x1, y), QPointF(x1 - 5, y - 4))  # the arrow's head
    painter.drawLine(QPointF(x1, y), QPointF(x1 - 1, y - 6))


__all__ = ["draw_depth_marks"]
