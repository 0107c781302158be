"""The plots fed with synthetic data: buffers, verdicts, heatmaps, curves, ranges."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.grid import MistakeMarks
from playground.gui import palette
from playground.gui.plots.boundary_plot import BoundaryPlot
from playground.gui.plots.buffer import GrowingBuffer
from playground.gui.plots.gradient_plot import GradientPlot, verdict
from playground.gui.plots.loss_plot import NO_STEPS, LossPlot


def chunk(steps, loss, grads, eval_steps=(), train=(), test=(), m_train=(), m_test=()):
    return SimpleNamespace(
        steps=np.asarray(steps, float), loss=np.asarray(loss, float),
        grad_norms=np.asarray(grads, float).reshape(len(steps), -1),
        eval_steps=np.asarray(eval_steps, float), train_loss=np.asarray(train, float),
        test_loss=np.asarray(test, float), train_metric=np.asarray(m_train, float),
        test_metric=np.asarray(m_test, float),
    )  # fmt: skip


def grid_view(fn, n=32, k=1):
    xs = np.linspace(-1, 1, n)
    gx, gy = np.meshgrid(xs, xs)
    values = fn(gx, gy)
    values = values[..., None] if values.ndim == 2 and k == 1 else values
    return SimpleNamespace(
        kind="classification", xs=xs, ys=xs, values=values, bounds=((-1, 1), (-1, 1))
    )


def data2d(n_classes=2, task="classification", n=40):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (n, 2))
    y = rng.integers(0, n_classes, n) if task == "classification" else X[:, 0] - X[:, 1]
    return SimpleNamespace(
        X_train=X[: n // 2], y_train=y[: n // 2], X_test=X[n // 2 :], y_test=y[n // 2 :],
        task=task, n_classes=n_classes if task == "classification" else 0,
        bounds=((-1.0, 1.0), (-1.0, 1.0)),
    )  # fmt: skip


# -- buffer --------------------------------------------------------------------------------
def test_growing_buffer_grows_and_keeps_order():
    buf = GrowingBuffer(2, capacity=2)
    for i in range(10):
        buf.append([[i, i * i]])
    assert len(buf) == 10
    assert buf.column(0).tolist() == list(range(10))
    assert buf.view()[-1].tolist() == [9, 81]


def test_growing_buffer_thins_past_its_bound_keeping_the_newest():
    buf = GrowingBuffer(1, capacity=4, max_rows=100)
    buf.append(np.arange(1000.0))
    assert len(buf) <= 100
    col = buf.column(0)
    assert col[-1] == 999.0 and np.all(np.diff(col) > 0)
    assert col[0] < 100  # the start of the run stays visible


def test_growing_buffer_refuses_nonsense_sizes():
    with pytest.raises(ValueError, match="columns >= 1"):
        GrowingBuffer(0)


# -- gradient verdicts ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("norms", "expected", "kind"),
    [
        ([1e-7, 1e-2, 0.5], "layer 1: gradient 1.0e-07, vanishing", "vanishing"),
        ([1e-2, 5e3, 0.5], "layer 2: gradient 5.0e+03, exploding", "exploding"),
        ([1e-2, 1e-2, 0.5], "all layers healthy (smallest: layer 1, 1.0e-02)", "healthy"),
        ([1e-8, 1e3, 0.5], "layer 2: gradient 1.0e+03, exploding", "exploding"),
        # a deep sigmoid stack: far above the absolute threshold, far below the output layer
        (
            [2.5e-5, 1e-3, 0.1],
            "layer 1: gradient 2.5e-05, 4,000x smaller than the output layer's: vanishing",
            "vanishing",
        ),
        (
            [1e-9, 3e-9, 2e-10],
            "every layer's gradient is below 1e-06 (largest 3.0e-09): "
            "the loss is flat here (converged, or stalled)",
            "vanishing",
        ),
    ],
)
def test_verdict_names_the_worst_layer(norms, expected, kind):
    assert verdict(np.array(norms), 1e-6, 1e2) == (expected, kind)


def test_verdict_names_the_output_layer():
    text, kind = verdict(np.array([0.1, 1e-9]), 1e-6, 1e2)
    assert text == "layer 2 (output): gradient 1.0e-09, vanishing" and kind == "vanishing"


def test_gradient_plot_curves_verdict_hover_and_thresholds(qtbot):
    plot = GradientPlot()
    qtbot.addWidget(plot)
    plot.clear(3)
    grads = np.column_stack([np.full(50, 1e-7), np.linspace(1e-3, 1e-2, 50), np.full(50, 0.3)])
    plot.append(chunk(np.arange(1, 51), np.ones(50), grads))
    plot.redraw()
    assert len(plot.curves) == 3
    x, y = plot.curves[1].xData, plot.curves[1].yData
    assert len(x) == 50 and y[-1] == pytest.approx(1e-2)
    assert plot.curves[1].getData()[1][-1] == pytest.approx(-2.0)  # drawn on a log axis
    assert "layer 1: gradient 1.0e-07, vanishing" in plot.verdict_label.text()
    assert (
        plot.values_at(25.2) == "step 25 — layer 1: 1e-07, layer 2: 0.005408, layer 3 (output): 0.3"
    )
    with qtbot.waitSignal(plot.thresholdsChanged) as blocker:
        plot.vanish_box.setValue(-8)
    assert blocker.args[0] == pytest.approx(1e-8)
    # above the new absolute threshold, but still far below the output layer
    assert plot.verdict_text() == (
        "layer 1: gradient 1.0e-07, 3,000,000x smaller than the output layer's: vanishing"
    )
    _lo, hi = plot.vanish_band.getRegion()
    assert hi == pytest.approx(-8)
    with pytest.raises(ValueError, match="vanishing < exploding"):
        plot.set_thresholds(1.0, 0.5)
    plot.clear(2)
    assert len(plot.curves) == 2 and plot.latest() is None


# -- loss ------------------------------------------------------------------------------------
def test_loss_plot_grows_clears_and_switches_log_axis(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.clear("accuracy")
    plot.append(
        chunk(
            np.arange(1, 11),
            np.linspace(1, 0.1, 10),
            np.ones(10),
            [5, 10],
            [0.5, 0.2],
            [np.nan, np.nan],
            [0.7, 0.9],
            [np.nan, np.nan],
        )
    )
    plot.redraw()
    assert plot.point_count() == 10
    assert len(plot.train_curve.getData()[0]) == 2
    assert plot.test_curve.getData()[0] is None or len(plot.test_curve.getData()[0]) == 0
    assert "train 0.2" in plot.summary.text() and "test" not in plot.summary.text()
    assert plot.loss.getAxis("left").logMode
    plot.log_check.setChecked(False)
    assert not plot.loss.getAxis("left").logMode
    plot.clear("r2")
    assert plot.point_count() == 0 and plot.metric_plot.getAxis("left").labelText == "R²"
    assert plot.summary.text() == NO_STEPS  # an empty plot says how to fill it
    plot.append(chunk(np.arange(1, 4), np.array([0.9, 0.8, 0.7]), np.ones((3, 1))))
    plot.redraw()
    assert plot.summary.text() == "minibatch loss 0.7 (whole sets at the epoch's end)"


# -- boundary ----------------------------------------------------------------------------------
def test_binary_heatmap_shades_by_probability_and_discretises(qtbot):
    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    plot.set_data(data2d())
    plot.update_view(grid_view(lambda gx, gy: 1 / (1 + np.exp(-4 * gx))))
    img = plot.image_array()
    assert img.shape == (32, 32, 3)
    left, right = img[16, 0].astype(int), img[16, -1].astype(int)
    blue = np.array(palette.hex_to_rgb(palette.CLASS_HEX[0]))
    orange = np.array(palette.hex_to_rgb(palette.CLASS_HEX[1]))
    assert np.abs(left - blue).sum() < np.abs(left - orange).sum()  # P(class 1) low: blue side
    assert np.abs(right - orange).sum() < np.abs(right - blue).sum()
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 5  # shaded
    plot.discretise_check.setChecked(True)  # redraws the last view
    assert len(np.unique(plot.image_array().reshape(-1, 3), axis=0)) == 2
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    assert rect.left() == pytest.approx(-1 - 1 / 31) and rect.right() == pytest.approx(1 + 1 / 31)


def test_k_class_heatmap_mixes_class_colours_and_marks_mistakes(qtbot):
    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    data = data2d(n_classes=3)
    plot.set_data(data)

    def probs(gx, gy):
        p = np.stack([gx > 0.3, (gx <= 0.3) & (gy > 0), (gx <= 0.3) & (gy <= 0)], -1).astype(float)
        return p

    plot.update_view(grid_view(probs, k=3))
    img = plot.image_array()
    colours = {tuple(c) for c in img.reshape(-1, 3)}
    assert len(colours) == 3
    expected = palette.lighten(palette.class_rgb_table(3), 0.35).astype(np.uint8)
    assert tuple(img[5, -1]) == tuple(expected[0])
    train, test = np.zeros(20, bool), np.zeros(20, bool)
    train[[1, 4]], test[7] = True, True
    plot.show_mistakes(MistakeMarks(3, train, test))
    x, y = plot.mistakes.getData()
    expected = np.vstack([data.X_train[[1, 4]], data.X_test[[7]]])
    assert np.allclose(np.column_stack([x, y]), expected)
    plot.test_check.setChecked(False)
    assert len(plot.mistakes.data) == 2
    plot.show_mistakes(MistakeMarks(3, np.zeros(5, bool), None))  # masks of other data
    assert len(plot.mistakes.data) == 0
    plot.show_mistakes(MistakeMarks(3, train, test))
    plot.show_mistakes(None)
    assert len(plot.mistakes.data) == 0


def test_surface_and_curve_modes(qtbot):
    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    plot.set_data(data2d(task="regression"))
    assert plot.mode == "surface" and not plot.discretise_check.isEnabled()
    xs = np.linspace(-1, 1, 16)
    view = SimpleNamespace(kind="surface", xs=xs, ys=xs, values=np.add.outer(xs, xs), bounds=None)
    plot.update_view(view)
    img = plot.image_array()
    assert img.shape == (16, 16, 3) and not np.array_equal(img[0, 0], img[-1, -1])
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (30, 1))
    curve_data = SimpleNamespace(
        X_train=X, y_train=np.sin(3 * X[:, 0]), X_test=None, y_test=None, task="regression",
        n_classes=0, bounds=((-1.0, 1.0),),
    )  # fmt: skip
    plot.set_data(curve_data)
    assert plot.mode == "curve" and not plot.image.isVisible()
    plot.update_view(
        SimpleNamespace(kind="curve", xs=xs, ys=None, values=np.sin(3 * xs), bounds=None)
    )
    x, y = plot.fit_curve.getData()
    assert len(x) == 16 and y[3] == pytest.approx(np.sin(3 * xs[3]))
    assert len(plot.train_points.data) == 30


def test_wide_inputs_show_a_notice_instead_of_a_picture(qtbot):
    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    X = np.zeros((4, 3))
    plot.set_data(SimpleNamespace(X_train=X, y_train=np.array([0, 1, 0, 1]), X_test=None,
                                  y_test=None, task="classification", n_classes=2,
                                  bounds=((0, 1),) * 3))  # fmt: skip
    assert plot.mode == "none" and "3-D inputs" in plot.notice.toPlainText()
    plot.update_view(grid_view(lambda gx, gy: gx))  # ignored, no crash
    assert plot.image_array() is None
