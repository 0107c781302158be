"""A vertical axis whose labels never pile up on a short plot.

Linear: the labelled spacing grows (1, 2, 5 × 10^k) until its labels fit.
Log: within one decade pyqtgraph labels every minor tick (2, 3, ... 9 × 10^k) as
its first level, which it always draws: on a ~90 px loss plot (the window at
1280 × 720) nine labels overlap into a smudge. This axis keeps as many as fit the
axis in its own tick font: all nine, else 1-2-5, else 1-3, else every n-th tick.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))
LINE_SPACING = 1.3  # a label's height times this per label: a little air between them


class ReadableAxis(pg.AxisItem):
    def labels_that_fit(self, size: float) -> int:
        """How many labels of the tick font fit `size` pixels of axis (at least 2)."""
        font = self.style.get("tickFont") or QFont()
        return max(2, int(size / (LINE_SPACING * QFontMetricsF(font).height())))

    def tickSpacing(self, minVal, maxVal, size):  # pyqtgraph calls it by this name
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.logMode or not levels or self._tickSpacing is not None:
            return levels  # log scales: logTickValues; set spacings are kept as they are
        room, (spacing, offset) = self.labels_that_fit(size), levels[0]
        while spacing > 0 and math.floor((maxVal - minVal) / spacing) + 1 > room:
            spacing = coarser(spacing)
        return [(spacing, offset), *(level for level in levels[1:] if level[0] < spacing)]

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # pyqtgraph calls it by this name
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        room = self.labels_that_fit(size)
        return [(s, v if s is not None else thinned(v, room)) for s, v in levels]


def coarser(spacing: float) -> float:
    """The next round spacing: 1 -> 2 -> 5 -> 10 (times a power of ten)."""
    mantissa = round(spacing / 10 ** math.floor(math.log10(spacing)), 6)
    return spacing * (2.5 if mantissa == 2 else 2.0)


def thinned(values, room: int) -> list[float]:
    """The log10 tick positions `values`, at most `room` of them, round mantissas first."""
    values = list(values)
    if len(values) <= room:
        return values
    mantissa = np.rint(10.0 ** (np.asarray(values) - np.floor(values))).astype(int)
    for keep in MANTISSAS[1:]:
        chosen = [v for v, m in zip(values, mantissa, strict=True) if m in keep]
        if 2 <= len(chosen) <= room:
            return chosen
    return values[:: math.ceil(len(values) / room)]
