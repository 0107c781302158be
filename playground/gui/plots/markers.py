"""Vertical markers on the curves at steps where something happened (a setting changed).

Drawn on every given plot at once (the loss, metric and gradient plots share their
step axis); the label is written on the first. Forgotten with the run (`clear`).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

MARK_HEX = "#6a3d9a"


class StepMarkers:
    def __init__(self, plots) -> None:
        self.plots = tuple(plots)
        self.items: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.marks: list[tuple[int, str]] = []  # (step, text), oldest first

    def add(self, step: int, text: str) -> None:
        pen = pg.mkPen(MARK_HEX, width=1, style=Qt.PenStyle.DashLine)
        for i, plot in enumerate(self.plots):
            line = pg.InfiniteLine(
                pos=step,
                angle=90,
                pen=pen,
                label=text if i == 0 else None,
                labelOpts={"position": 0.85, "color": MARK_HEX, "fill": (255, 255, 255, 200)},
            )
            line.setToolTip(f"step {step:,}: {text}")
            plot.addItem(line, ignoreBounds=True)
            self.items.append((plot, line))
        self.marks.append((int(step), text))

    def clear(self) -> None:
        for plot, line in self.items:
            plot.removeItem(line)
        self.items.clear()
        self.marks.clear()


__all__ = ["StepMarkers"]
