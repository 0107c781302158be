"""Vertical markers on the curves at steps where something happened (a setting changed).

Drawn on every given plot at once (the loss, metric and gradient plots share their
step axis); the label is written on the first. Forgotten with the run (`clear`).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

MARK_HEX = "#6a3d9a"
EDIT_HEX = "#b8860b"  # a weight or bias set or frozen by hand (playground/gui/weight_edit.py)


class StepMarkers:
    def __init__(self, plots, colour: str = MARK_HEX, label_at: float = 0.85) -> None:
        self.plots = tuple(plots)
        self.colour, self.label_at = colour, label_at  # label height: 0 bottom, 1 top
        self.items: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self.marks: list[tuple[int, str]] = []  # (step, text), oldest first

    def add(self, step: int, text: str, tip: str | None = None) -> None:
        """A marker at `step` labelled `text` (on the first plot); hovering shows `tip`."""
        colour = self.colour
        pen = pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
        for i, plot in enumerate(self.plots):
            line = pg.InfiniteLine(
                pos=step,
                angle=90,
                pen=pen,
                label=text if i == 0 else None,
                labelOpts={
                    "position": self.label_at,
                    "color": colour,
                    "fill": (255, 255, 255, 200),
                },
            )
            line.setToolTip(f"step {step:,}: {tip or text}")
            plot.addItem(line, ignoreBounds=True)
            self.items.append((plot, line))
        self.marks.append((int(step), text))

    def clear(self) -> None:
        for plot, line in self.items:
            plot.removeItem(line)
        self.items.clear()
        self.marks.clear()


__all__ = ["EDIT_HEX", "MARK_HEX", "StepMarkers"]
