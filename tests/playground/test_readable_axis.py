"""Log-scale labels of a short plot fit its height (they overlapped within one decade)."""

import itertools
import math

import pyqtgraph as pg
import pytest

from playground.gui.plots.axes import ReadableAxis, coarser, thinned
from playground.gui.plots.loss_plot import LossPlot


def _labelled(axis: pg.AxisItem, lo: float, hi: float, size: float) -> list[float]:
    axis.setLogMode(False, True)
    levels = axis.tickValues(math.log10(lo), math.log10(hi), size)
    return [v for _spacing, values in levels[: axis.style["maxTextLevel"] + 1] for v in values]


@pytest.mark.parametrize(("lo", "hi"), [(0.35, 0.95), (0.11, 0.99), (0.15, 1.4), (2.1, 9.5)])
@pytest.mark.parametrize("size", [60.0, 90.0, 200.0])
def test_the_labels_of_a_log_axis_fit_its_length(qtbot, lo, hi, size):
    # within about a decade the minor ticks are labelled as the first level, always drawn
    # (wider ranges label powers of ten first, and pyqtgraph's fill limits drop the rest)
    axis = ReadableAxis("left")
    labels = _labelled(axis, lo, hi, size)
    assert 1 <= len(labels) <= max(axis.labels_that_fit(size), 2)
    assert labels == sorted(set(labels))


def test_a_short_plot_within_one_decade_keeps_evenly_spread_labels(qtbot):
    axis = ReadableAxis("left")
    room = axis.labels_that_fit(90.0)
    plain = _labelled(pg.AxisItem("left"), 0.35, 0.95, 90.0)
    assert len(plain) > room  # what pyqtgraph alone draws: all six, overlapping
    mine = _labelled(axis, 0.35, 0.95, 90.0)
    assert 2 <= len(mine) <= room


@pytest.mark.parametrize("size", [40.0, 60.0, 90.0, 300.0])
def test_the_labels_of_a_linear_axis_fit_its_length(qtbot, size):
    axis = ReadableAxis("left")
    levels = axis.tickValues(0.0, 1.0, size)
    labelled = [v for _spacing, values in levels[:1] for v in values]
    assert 2 <= len(labelled) <= max(axis.labels_that_fit(size), 2)
    assert all(a[0] > b[0] for a, b in itertools.pairwise(levels))  # finer levels follow


def test_round_mantissas_are_preferred():
    assert [coarser(s) for s in (0.1, 0.2, 0.5, 1.0, 20.0)] == pytest.approx([0.2, 0.5, 1, 2, 50])
    decade = [math.log10(m) for m in range(1, 10)]
    assert [round(10**v) for v in thinned(decade, 3)] == [1, 2, 5]
    assert [round(10**v) for v in thinned(decade, 9)] == list(range(1, 10))


def test_the_loss_plot_uses_it(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    assert isinstance(plot.loss.getAxis("left"), ReadableAxis)
