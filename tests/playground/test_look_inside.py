"""The views that look inside: activation health and the loss landscape, in the window."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine import landscape
from engine.layers import state_of
from engine.network import Network
from playground.gui.plots.landscape_plot import MAX_PATH, PATH_BYTES, LandscapePlot
from tests.playground.gui_support import WAIT_MS, wait_snapshot


def run_steps(qtbot, window, n: int):
    before = window.presenter.last.step
    window.runner.step(n)
    return wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step >= before + n)


def test_activation_plot_draws_the_runners_health_and_the_verdict(qtbot, window):
    plot = window.findChild(QWidget, "activationPlot")
    assert plot is window.activation_plot
    snap = run_steps(qtbot, window, 5)
    qtbot.waitUntil(lambda: plot.health is snap.activation_health, timeout=WAIT_MS)
    assert plot.plots == []  # behind the Gradients tab: kept, not drawn (a deep net's cost)
    window.health_tabs.setCurrentWidget(plot)  # shown: drawn at once
    qtbot.waitUntil(lambda: plot.health is snap.activation_health, timeout=WAIT_MS)
    health = plot.health
    assert len(plot.plots) == len(snap.spec.hidden) == len(health.layers)
    for layer, bars in zip(health.layers, plot.bars, strict=True):
        np.testing.assert_array_equal(bars.opts["height"], 100 * layer.shares)
    text = plot.verdict_label.text()
    assert text and ("saturated" in text or "alive" in text)
    assert plot.plots[0].titleLabel.text.startswith("layer 1:")


def test_landscape_centre_is_the_snapshots_training_loss(qtbot, window):
    plot = window.findChild(QWidget, "landscapePlot")
    assert plot is window.landscape_plot
    window.health_tabs.setCurrentWidget(plot)
    snap = run_steps(qtbot, window, 30)
    qtbot.waitUntil(lambda: len(plot.path) >= 2, timeout=WAIT_MS)
    qtbot.mouseClick(plot.refresh_button, Qt.MouseButton.LeftButton)
    assert not plot.refresh_button.isEnabled() or plot.result is not None
    qtbot.waitUntil(lambda: plot.result is not None and not plot.busy, timeout=WAIT_MS)
    land = plot.result
    assert land.loss.shape == (landscape.RESOLUTION, landscape.RESOLUTION)
    net = Network(snap.spec)
    net.load_state_dict(state_of(snap.spec, snap.weights))
    expected = landscape.data_loss(net, net.features(window.data.X_train), window.data.y_train)
    assert land.centre_loss == expected == snap.evaluation.train_loss
    assert "computed in" in plot.info.text() and plot.progress_bar.value() == landscape.RESOLUTION
    assert plot.refresh_button.isEnabled() and not plot.cancel_button.isEnabled()


def test_pca_and_line_slices_follow_the_recorded_trajectory(qtbot, window):
    plot = window.landscape_plot
    assert plot.initial is not None  # the first snapshot was the fresh weights
    run_steps(qtbot, window, 40)
    qtbot.waitUntil(lambda: len(plot.path) >= 2, timeout=WAIT_MS)
    plot.kind_box.setCurrentIndex(plot.kind_box.findData("pca"))
    plot.refresh()
    qtbot.waitUntil(lambda: plot.result is not None and not plot.busy, timeout=WAIT_MS)
    assert plot.result.kind == "pca" and plot.result.path.shape[1] == 2
    assert len(plot.trail.xData) == len(plot.result.path)
    plot.kind_box.setCurrentIndex(plot.kind_box.findData("line"))
    plot.refresh()
    qtbot.waitUntil(
        lambda: isinstance(plot.result, landscape.Interpolation) and not plot.busy,
        timeout=WAIT_MS,
    )
    assert len(plot.curve.xData) == landscape.RESOLUTION


def test_cancel_stops_the_computation_and_says_so(qtbot, window, monkeypatch):
    plot = window.landscape_plot
    real = landscape.data_loss

    def pressed_cancel_meanwhile(*args):
        plot.cancel()  # what the Cancel button does, while the first row is computed
        return real(*args)

    monkeypatch.setattr(landscape, "data_loss", pressed_cancel_meanwhile)
    plot.refresh()
    assert plot.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not plot.busy and plot.refresh_button.isEnabled(), timeout=WAIT_MS)
    assert plot.info.text() == "Cancelled" and plot.result is None
    assert plot.progress_bar.value() == 1  # stopped after the first of 51 rows


class FakeSnap:
    def __init__(self, generation: int, step: int, size: int = 1):
        self.generation, self.step = generation, step
        self.weights = ((np.full((1, size), float(step)), np.zeros(1)),)


def test_the_recorded_trajectory_stays_bounded_and_restarts_on_reset(qtbot):
    plot = LandscapePlot()
    qtbot.addWidget(plot)
    for step in range(5 * MAX_PATH):
        plot.record(FakeSnap(0, step))
    assert MAX_PATH // 2 <= len(plot.path) <= MAX_PATH
    steps = [p[0] for p in plot.path]
    assert steps == sorted(steps) and plot.initial[0] == 0.0
    plot.record(FakeSnap(1, 0))
    assert len(plot.path) == 1 and plot.initial[0] == 0.0


def test_network_view_marks_a_layer_with_mostly_dead_units(qtbot, window):
    from engine.activation_health import ActivationHealth, layer_activity

    dead = layer_activity(np.zeros((4, 8)), "dead")
    alive = layer_activity(np.ones((4, 8)), "dead")
    view = window.network_view
    view.set_activation_health(ActivationHealth(1, (dead, alive)))
    view.grab()
    tips = [tip for _, tip in view._markers]
    assert any(t.startswith("Layer 1: 8 of 8 units dead") for t in tips)
    assert not any(t.startswith("Layer 2:") and "dead over" in t for t in tips)


def test_a_new_architecture_forgets_the_old_networks_activity_marks(qtbot, window):
    from engine.activation_health import ActivationHealth, layer_activity
    from engine.spec import LayerSpec

    view = window.network_view
    dead = layer_activity(np.zeros((4, 8)), "dead")
    view.set_activation_health(ActivationHealth(1, (dead, dead)))
    assert view.activity is not None
    view.set_spec(view.spec.replace(hidden=(LayerSpec(3, "relu"),)))
    assert view.activity is None
    view.grab()  # painted without the old network's layers (an IndexError before)


def test_a_failing_computation_is_explained_and_gives_the_buttons_back(qtbot, window, monkeypatch):
    plot = window.landscape_plot

    def broken(*_args, **_kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(landscape, "slice_2d", broken)
    plot.refresh()
    qtbot.waitUntil(lambda: not plot.busy and plot.refresh_button.isEnabled(), timeout=WAIT_MS)
    assert plot.info.text() == "Could not compute the landscape: out of memory"
    assert not plot.cancel_button.isEnabled()


def test_a_big_networks_trajectory_stays_within_its_memory_bound(qtbot):
    plot = LandscapePlot()
    qtbot.addWidget(plot)
    size = 800_000  # about a 12 x 256 network
    for step in range(60):
        plot.record(FakeSnap(0, step, size))
    assert sum(p.nbytes for p in plot.path) <= PATH_BYTES + 8 * (size + 1)
    assert len(plot.path) >= 4
