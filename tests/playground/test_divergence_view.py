"""After a divergence the earlier history stays readable, and the divergence is marked."""

from __future__ import annotations

import os

import numpy as np

from playground.gui.plots.gradient_plot import GradientPlot
from playground.gui.plots.loss_plot import LossPlot
from tests.playground.gui_support import close_window, make_window
from tests.playground.test_plots import chunk
from tests.playground.test_run_lifecycle import diverge

CALM, TAIL = 300, 15  # calm records, then a run-away to 1e150 (as SGD at lr 10 on spirals)


def runaway_history():
    rng = np.random.default_rng(1)
    steps = np.arange(1, CALM + TAIL + 1)
    loss = np.concatenate([np.linspace(0.7, 0.05, CALM) * 10 ** rng.normal(0, 0.1, CALM),
                           np.logspace(0, 30, TAIL)])  # fmt: skip
    n = CALM + TAIL
    grads = np.column_stack([10 ** rng.normal(-1.5, 0.3, n), 10 ** rng.normal(-0.5, 0.3, n)])
    grads[CALM:] *= np.logspace(1, 150, TAIL)[:, None]
    grads[-1, 0] = np.inf  # non-finite records never break the extents
    evals = ([100, 200, 300, CALM + TAIL], [0.5, 0.2, 0.06, np.inf], [0.55, 0.25, 0.08, np.nan],
             [0.6, 0.8, 0.9, 0.5], [0.6, 0.75, 0.85, np.nan])  # fmt: skip
    return chunk(steps, loss, grads, *evals)


def calm_share(plot, values: np.ndarray) -> float:
    """How much of the log view's height the calm records span (0 unless all are in view)."""
    lo, hi = np.log10(values.min()), np.log10(values.max())
    view_lo, view_hi = plot.getViewBox().viewRange()[1]
    if not (view_lo <= lo and hi <= view_hi):
        return 0.0
    return (hi - lo) / (view_hi - view_lo)


def test_after_a_divergence_the_earlier_history_fills_the_plots_and_the_step_is_marked(qtbot):
    loss_plot, grad_plot = LossPlot(), GradientPlot()
    for w in (loss_plot, grad_plot):
        qtbot.addWidget(w)
        w.resize(640, 360)
        w.show()
    grad_plot.clear(2)
    history = runaway_history()
    for plot in (loss_plot, grad_plot):
        plot.append(history)
        plot.redraw()
    last = CALM + TAIL
    assert calm_share(grad_plot.plot, history.grad_norms[:CALM]) < 0.3  # stretched away
    for plot in (loss_plot, grad_plot):
        plot.mark_divergence(last)
    qtbot.wait(10)
    if os.environ.get("DIVERGE_SHOT"):
        loss_plot.grab().save(os.environ["DIVERGE_SHOT"] + "-loss.png")
        grad_plot.grab().save(os.environ["DIVERGE_SHOT"] + "-grad.png")
    assert calm_share(loss_plot.loss, history.loss[:CALM]) >= 0.3
    assert calm_share(grad_plot.plot, history.grad_norms[:CALM]) >= 0.3
    for plot in (loss_plot, grad_plot):
        line = plot.divergence.line
        assert line.isVisible() and line.value() == last
        assert line.label.toPlainText() == f"diverged at step {last + 1}"
    # "A" (auto-range) shows everything again, the divergent tail included
    grad_plot.plot.getViewBox().enableAutoRange()
    grad_plot.redraw()
    qtbot.waitUntil(lambda: grad_plot.plot.getViewBox().viewRange()[1][1] >= 140)
    # a new run forgets the mark and the hold
    grad_plot.clear(2)
    assert not grad_plot.divergence.line.isVisible() and grad_plot.y_range.calm_hi == np.inf


def test_the_window_marks_the_step_where_training_diverged(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        snap = diverge(qtbot, window)
        qtbot.waitUntil(lambda: window.gradient_plot.divergence.line.isVisible())
        for plot in (window.loss_plot, window.gradient_plot):
            assert plot.divergence.step == snap.step + 1
        assert f"diverged at step {snap.step + 1}" in window.banner.message()
    finally:
        close_window(window)
