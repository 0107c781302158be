"""Curves that tell the truth: honest log axes, smoothed gradients, a verdict about the curves."""

from __future__ import annotations

import numpy as np
import pytest

from playground.gui import palette
from playground.gui.plots.gradient_plot import SMOOTH_WINDOW, GradientPlot, moving_average
from playground.gui.plots.loss_plot import LossPlot
from tests.playground.test_plots import chunk


def test_log_axes_carry_no_scale_factor_after_a_divergence(qtbot):
    loss_plot, grad_plot = LossPlot(), GradientPlot()
    for w in (loss_plot, grad_plot):
        qtbot.addWidget(w)
        w.show()
    grad_plot.clear(2)
    steps = np.arange(1, 201)
    loss = np.full(200, 0.5)
    loss[-3:] = [1e10, 1e20, 1e27]
    grads = np.column_stack([np.full(200, 0.1), np.full(200, 0.2)])
    grads[-3:] *= 1e27
    evals = ([100, 200], [0.4, 1e27], [0.4, 1e27], [0.8, 0.5], [0.8, 0.5])
    history = chunk(steps, loss, grads, *evals)
    loss_plot.append(history)
    loss_plot.redraw()
    grad_plot.append(history)
    grad_plot.redraw()
    qtbot.wait(10)
    for plot in (loss_plot.loss, grad_plot.plot):
        label = plot.getAxis("left").labelString()
        assert "x1e" not in label, label  # "(x1e+27)" also rescaled every tick label


def test_smoothing_draws_bold_averages_over_faint_raw_curves(qtbot):
    plot = GradientPlot()
    qtbot.addWidget(plot)
    plot.clear(2)
    rng = np.random.default_rng(0)
    grads = np.column_stack([10 ** rng.normal(-2, 0.5, 300), np.full(300, 0.05)])
    plot.append(chunk(np.arange(1, 301), np.ones(300), grads))
    plot.redraw()
    assert plot.smooth_check.isChecked()
    raw, smooth = plot.curves[0], plot.smooth_curves[0]
    assert raw.opts["pen"].color().alpha() < 255 and smooth.opts["pen"].width() == 2
    assert smooth.opts["pen"].color().rgb() == palette.layer_colour(0).rgb()
    y = smooth.yData
    expected = 10 ** np.mean(np.log10(grads[-SMOOTH_WINDOW:, 0]))
    assert y[-1] == pytest.approx(expected)
    assert np.std(np.log10(y[50:])) < np.std(np.log10(grads[50:, 0])) / 3
    plot.smooth_check.setChecked(False)
    assert plot.smooth_curves[0].yData is None or not len(plot.smooth_curves[0].yData)
    assert plot.curves[0].opts["pen"].color().alpha() == 255


def test_the_verdict_names_the_layer_smallest_on_the_curves_not_in_one_noisy_step(qtbot):
    plot = GradientPlot()
    qtbot.addWidget(plot)
    plot.clear(3)
    n = 100
    grads = np.column_stack([np.full(n, 0.02), np.full(n, 0.05), np.full(n, 0.3)])
    grads[-1, 1] = 0.001  # one noisy minibatch: layer 2 dips below layer 1 for a step
    plot.append(chunk(np.arange(1, n + 1), np.ones(n), grads))
    plot.redraw()
    assert "smallest: layer 1" in plot.verdict_text()
    grads[-1] = [0.02, 1e6, 0.3]  # but an explosion is reported at once
    plot.clear(3)
    plot.append(chunk(np.arange(1, n + 1), np.ones(n), grads))
    plot.redraw()
    assert plot.verdict_text().startswith("layer 2: gradient 1.0e+06, exploding")


def test_the_moving_average_is_geometric_and_survives_non_finite_norms():
    values = np.array([[1.0], [100.0], [np.inf], [1e-3]])
    out = moving_average(values, 2)
    assert out[:2, 0] == pytest.approx([1.0, 10.0])
    assert np.isfinite(out).all()


def test_a_deep_network_smooths_without_dozens_of_faint_raw_curves(qtbot):
    """31 faint raw curves under 31 averages kept a 30-layer window under 30 frames/s:
    deeper than RAW_UNDER_SMOOTH_MAX_LAYERS, smoothing draws the averages alone."""
    from playground.gui.plots.gradient_plot import RAW_UNDER_SMOOTH_MAX_LAYERS

    plot = GradientPlot()
    qtbot.addWidget(plot)
    for n_layers, raw_drawn in ((RAW_UNDER_SMOOTH_MAX_LAYERS, True), (31, False)):
        plot.clear(n_layers)
        grads = np.full((50, n_layers), 0.1)
        plot.append(chunk(np.arange(1, 51), np.ones(50), grads))
        plot.redraw()
        drawn = [c.yData is not None and len(c.yData) > 0 for c in plot.curves]
        assert drawn == [raw_drawn] * n_layers
        assert all(len(c.yData) == 50 for c in plot.smooth_curves)
        plot.smooth_check.setChecked(False)  # unticked: the raw curves, always
        assert all(len(c.yData) == 50 for c in plot.curves)
        plot.smooth_check.setChecked(True)
