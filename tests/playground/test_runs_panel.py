"""Runs side by side in the window: kept on Reset, overlaid when ticked, saved in projects;
File > Export Animation of the run on screen."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QPushButton

from playground.document import project as projects
from tests.playground.gui_support import WAIT_MS, wait_snapshot


def train(qtbot, window, n: int):
    before = window.presenter.last.step
    window.runner.step(n)
    return wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step >= before + n)


def new_run(qtbot, window, *, optimizer: str | None = None):
    """End the run on screen with Reset (after changing the optimizer, if given)."""
    if optimizer is not None:
        config = window.session.config.replace(optimizer=optimizer)
        window.controls.set_config(config)
        window._config_edited(config)
    n = len(window.runs.list)
    generation = window.presenter.generation
    window.reset()
    wait_snapshot(qtbot, window, lambda s: s.generation != generation)
    qtbot.waitUntil(lambda: len(window.runs.list) == n + 1, timeout=WAIT_MS)


def test_each_reset_keeps_the_run_and_ticked_runs_are_overlaid(qtbot, window):
    panel = window.findChild(QDockWidget, "runsPanel")
    assert panel is window.runs.panel and panel.isHidden()
    loss_plot, grad_plot = window.loss_plot, window.gradient_plot
    live = len(loss_plot.loss.items)
    for optimizer in ("sgd", "momentum", "adam"):
        window.controls.set_config(window.session.config.replace(optimizer=optimizer))
        window._config_edited(window.session.config.replace(optimizer=optimizer))
        train(qtbot, window, 12)
        new_run(qtbot, window)
    runs = window.runs.list
    assert [r.steps for r in runs] == [12, 12, 12]
    assert runs[1].change == "optimizer sgd → momentum"
    assert runs[2].change == "optimizer momentum → adam"
    assert panel.isVisible()  # it appears with the first run
    overlays = window.runs.overlays
    assert overlays.count() == 0  # unticked: the new run's axes start afresh
    for row in range(3):
        panel.set_ticked(row, True)
    assert overlays.count() == 3
    for plot in (loss_plot.loss, loss_plot.metric_plot, grad_plot.plot):
        assert len(overlays.items_on(plot)) == 3
    assert len(loss_plot.loss.items) == live + 3
    legend = [label.text for _sample, label in loss_plot.loss.legend.items]
    assert {"run 1", "run 2", "run 3"} <= set(legend)
    pens = {item.opts["pen"].color().name() for item in overlays.items_on(loss_plot.loss)}
    assert len(pens) == 3  # one colour per run
    first = overlays.items_on(loss_plot.loss)[0]
    np.testing.assert_array_equal(first.xData, runs[0].history.steps)

    panel.set_ticked(1, False)
    assert overlays.count() == 2 and [r.name for r in panel.ticked()] == ["run 1", "run 3"]
    panel.rename(0, "plain SGD")
    assert overlays.count() == 2 and panel.ticked()[0].name == "plain SGD"
    assert "plain SGD" in {label.text for _s, label in loss_plot.loss.legend.items}
    panel.delete(2)
    assert overlays.count() == 1 and panel.list.count() == 2
    panel.list.itemEntered.emit(panel.list.item(0))  # hover: the final output, enlarged
    assert not panel.preview.pixmap().isNull()


def test_runs_survive_saving_and_opening_the_project(qtbot, window, tmp_path):
    train(qtbot, window, 8)
    new_run(qtbot, window)
    train(qtbot, window, 5)
    new_run(qtbot, window, optimizer="sgd")
    window.runs.panel.rename(0, "baseline")
    path = str(tmp_path / "runs.playground.json")
    assert window.files.save_to(path)
    saved = [(r.name, r.change, r.steps) for r in window.runs.list]
    assert [r.name for r in projects.read_project(path).runs] == ["baseline", "run 2"]
    while len(window.runs.list):
        window.runs.panel.delete(0)
    assert window.runs.overlays.count() == 0
    assert window.files.open_path(path)
    assert [(r.name, r.change, r.steps) for r in window.runs.list] == saved
    window.runs.panel.set_ticked(1, True)
    assert [r.name for r in window.runs.panel.ticked()] == ["run 2"]
    assert window.runs.overlays.count() == 1


def test_export_animation_writes_the_requested_frames(qtbot, window, tmp_path):
    from playground.gui.animation_export import export_animation

    for _ in range(6):
        train(qtbot, window, 4)
        qtbot.waitUntil(lambda: window.runs.frames.frames[-1].step >= window.presenter.step)
    assert len(window.runs.frames.frames) >= 5
    path = tmp_path / "run.gif"
    export = export_animation(window, str(path), n_frames=5)
    qtbot.waitUntil(export.finished, timeout=WAIT_MS)
    assert export.written == 5 and export.error is None
    with Image.open(path) as gif:
        assert gif.n_frames == 5
    assert "5 frames" in window.statusBar().currentMessage()


def test_cancelled_animation_export_leaves_no_file(qtbot, window, tmp_path, monkeypatch):
    import threading

    from playground.document import animation
    from playground.gui import animation_export

    for _ in range(3):
        train(qtbot, window, 3)
    release = threading.Event()
    compose = animation._compose

    def held(*args):  # the first frame waits until Cancel was pressed
        release.wait(WAIT_MS / 1000)
        return compose(*args)

    monkeypatch.setattr(animation, "_compose", held)
    path = tmp_path / "c.gif"
    export = animation_export.export_animation(window, str(path), n_frames=3)
    button = export.dialog.findChild(QPushButton)
    assert button.text() == "Cancel"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(export.finished, timeout=WAIT_MS)
    assert export.cancelled and export.written is None and export.error is None
    assert not path.exists()
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_comparison_lesson_trains_all_its_variants_in_the_background(qtbot, window):
    from playground.gui.file_actions import example_paths

    path = next(str(p) for p in example_paths() if p.name.startswith("10-"))
    assert window.files.open_example(path)
    button = window.runs.panel.variants_button
    assert button.isVisible() and button.text() == "Train all 3 variants"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.runs.variants.finished, timeout=WAIT_MS)
    names = [r.name for r in window.runs.list]
    assert names[-3:] == ["SGD (lr 0.1)", "momentum (lr 0.1)", "Adam (lr 0.02)"]
    assert window.runs.overlays.count() == len(names)
    assert not window.runs.variants.running()


def test_the_deep_sigmoid_lesson_trains_its_relu_he_variant_alongside(qtbot, window):
    from playground.gui.file_actions import example_paths

    path = next(str(p) for p in example_paths() if p.name.startswith("02-"))
    assert window.files.open_example(path)
    button = window.runs.panel.variants_button
    assert button.isVisible() and button.text() == "Train all 2 variants"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.runs.variants.finished, timeout=WAIT_MS)
    sigmoid, relu = window.runs.list[-2:]
    assert (sigmoid.name, relu.name) == ("sigmoid", "ReLU + He")
    assert {h.activation for h in sigmoid.spec.hidden} == {"sigmoid"}
    assert {(h.activation, h.init) for h in relu.spec.hidden} == {("relu", "he_normal")}
    assert "every layer sigmoid → relu" in relu.change
