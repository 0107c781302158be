"""The main window driven like a user would: buttons, keys, pickers, with a live runner."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QMessageBox,
    QWidget,
)

from tests.playground.gui_support import close_window, make_window, wait_snapshot

OBJECT_NAMES = (
    "runButton",
    "stepButton",
    "resetButton",
    "datasetPicker",
    "layerEditor",
    "lossPlot",
    "boundaryPlot",
    "gradientPlot",
    "networkView",
)


def select_dataset(window, name: str) -> None:
    picker = window.picker
    for row in range(picker.list.count()):
        item = picker.list.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == f"gen:{name}":
            picker.list.setCurrentItem(item)
            return
    raise AssertionError(f"{name} is not in the picker")


def run_until(qtbot, window, steps: int):
    if not window.controls.run_button.isChecked():
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    return wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step >= steps)


def test_window_builds_with_named_objects_tooltips_and_status(window):
    for name in OBJECT_NAMES:
        assert window.findChild(QWidget, name) is not None, name
    assert window.isVisible()
    snap = window.presenter.last
    assert snap.state == "paused" and snap.step == 0
    assert snap.spec.hidden[0].activation == "tanh" and len(snap.spec.hidden) == 2
    assert snap.config.optimizer == "adam"
    assert window.picker.choice.source == "spirals"
    controls = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QAbstractSpinBox, QComboBox)) and w.isVisible()
        and not w.objectName().startswith("qt_")
    ]  # fmt: skip
    untipped = [
        w for w in controls if not w.toolTip() and w.parent().objectName() != "messageBanner"
    ]
    assert len(controls) > 20
    assert not untipped, [
        type(w).__name__ + ":" + (w.text() if hasattr(w, "text") else "") for w in untipped
    ]
    texts = {k: label.text() for k, label in window.status.labels.items()}
    assert texts["step"] == "step 0" and texts["epoch"] == "epoch 0"
    assert "steps/s" in texts["steps_per_s"] and "frames/s" in texts["fps"]


def test_run_advances_step_and_grows_loss_curve(qtbot, window):
    first = run_until(qtbot, window, 20)
    points = window.loss_plot.point_count()
    assert points > 0
    later = wait_snapshot(qtbot, window, lambda s: s.step > first.step + 200)
    assert later.step > first.step
    assert window.loss_plot.point_count() > points
    assert window.status.labels["step"].text() == f"step {later.step}"
    assert window.controls.run_button.text() == "Pause"


def test_pause_stops_the_counter(qtbot, window):
    run_until(qtbot, window, 50)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    paused = wait_snapshot(qtbot, window, lambda s: s.reason == "pause")
    assert paused.state == "paused" and not window.is_running()
    # A command after the pause makes the runner publish again: no step happened in between.
    window.runner.configure(training=window.session.config.replace(lr=0.02))
    later = wait_snapshot(qtbot, window, lambda s: s.reason == "configure")
    assert later.step == paused.step
    assert window.status.labels["step"].text() == f"step {paused.step}"


@pytest.mark.parametrize("key", [Qt.Key.Key_S, Qt.Key.Key_Right])
def test_step_advances_by_exactly_one(qtbot, window, key):
    before = window.presenter.last.step
    qtbot.keyClick(window, key)
    snap = wait_snapshot(qtbot, window, lambda s: s.reason == "step")
    assert snap.step == before + 1
    qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    snap = wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step != before + 1)
    assert snap.step == before + 2 and snap.state == "paused"


def test_space_toggles_run_and_reset_key_returns_to_step_zero_with_new_weights(qtbot, window):
    initial = window.presenter.last
    qtbot.keyClick(window, Qt.Key.Key_Space)
    trained = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 100)
    assert window.is_running()
    qtbot.keyClick(window, Qt.Key.Key_R)
    fresh = wait_snapshot(qtbot, window, lambda s: s.generation > trained.generation)
    assert fresh.step == 0 and fresh.state == "paused" and not window.is_running()
    assert window.loss_plot.point_count() == 0
    w_init, w_trained, w_fresh = (s.weights[0][0] for s in (initial, trained, fresh))
    assert not np.allclose(w_fresh, w_trained)
    assert not np.allclose(w_fresh, w_init), "Reset should draw new weights (next seed)"
    assert fresh.config.seed == initial.config.seed + 1


def test_change_dataset_and_learning_rate_while_running(qtbot, window):
    first = run_until(qtbot, window, 50)
    select_dataset(window, "circles")
    rebuilt = wait_snapshot(
        qtbot,
        window,
        lambda s: s.generation > first.generation and s.state == "running" and s.step > 20,
    )
    assert rebuilt.spec.task == "classification" and window.dataset.name == "circles"
    assert window.is_running()
    assert "rebuilt" in window.statusBar().currentMessage()
    lr = window.controls.lr
    lr.setCurrentText("0.03")
    lr.lineEdit().editingFinished.emit()
    tuned = wait_snapshot(qtbot, window, lambda s: s.config.lr == pytest.approx(0.03))
    assert tuned.generation == rebuilt.generation  # a learning rate is not a rebuild
    more = wait_snapshot(qtbot, window, lambda s: s.step > tuned.step + 50)
    assert more.state == "running"


def test_invalid_learning_rate_is_refused_and_the_old_one_kept(qtbot, window):
    lr = window.controls.lr
    lr.setCurrentText("-1")
    lr.lineEdit().editingFinished.emit()
    assert window.session.config.lr == pytest.approx(0.01)
    assert "expected a number > 0" in window.statusBar().currentMessage()


def test_divergent_learning_rate_shows_message_pauses_and_reset_recovers(qtbot, window):
    select_dataset(window, "sine")
    wait_snapshot(qtbot, window, lambda s: s.spec.task == "regression")
    window.controls.optimizer.setCurrentText("sgd")
    window.controls.lr.setCurrentText("10")
    window.controls.lr.lineEdit().editingFinished.emit()
    wait_snapshot(qtbot, window, lambda s: s.config.optimizer == "sgd" and s.config.lr == 10)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    diverged = wait_snapshot(qtbot, window, lambda s: s.state == "diverged")
    qtbot.waitUntil(window.banner.isVisible)
    text = window.banner.message()
    assert "diverged" in text and "learning rate" in text
    assert not window.is_running() and window.status.labels["state"].text().count("diverged")
    assert window.banner.reset_button.isVisible()
    # The window keeps working: a sane learning rate and Reset bring training back.
    window.controls.lr.setCurrentText("0.01")
    window.controls.lr.lineEdit().editingFinished.emit()
    qtbot.mouseClick(window.banner.reset_button, Qt.MouseButton.LeftButton)
    fresh = wait_snapshot(qtbot, window, lambda s: s.generation > diverged.generation)
    assert fresh.state == "paused" and not window.banner.isVisible()
    later = run_until(qtbot, window, 100)
    assert np.isfinite(later.evaluation.train_loss)


def test_bad_csv_shows_an_error_and_keeps_the_current_dataset(qtbot, window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")
    before = (window.picker.choice, window.dataset, window.presenter.last.generation)
    assert window.picker.import_csv(str(bad)) is False
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and dialog.isVisible()
    assert "line 3" in dialog.text()
    dialog.close()
    assert (window.picker.choice, window.dataset) == before[:2]
    assert window.picker.list.currentItem().text() == "spirals"
    qtbot.keyClick(window, Qt.Key.Key_S)  # training still works
    snap = wait_snapshot(qtbot, window, lambda s: s.reason == "step")
    assert snap.generation == before[2] and snap.step == 1


def test_importing_a_good_csv_adds_it_and_trains_on_it(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "halves.csv"
    path.write_text("a,b,c\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y, strict=True)))
    assert window.picker.import_csv(str(path))
    snap = wait_snapshot(qtbot, window, lambda s: s.generation > 0 and s.spec.input_dim == 2)
    assert window.dataset.name == "halves" and window.data.n_train + window.data.n_test == 60
    assert window.picker.list.currentItem().text() == "halves.csv"
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert wait_snapshot(qtbot, window, lambda s: s.reason == "step").generation == snap.generation


def test_csv_with_three_inputs_trains_without_a_picture(qtbot, window, tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = X.sum(axis=1) * 0.5
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(f"{v:.6f}" for v in row) for row in np.column_stack([X, y])))
    assert window.picker.import_csv(str(path))
    snap = wait_snapshot(qtbot, window, lambda s: s.spec.input_dim == 3)
    assert snap.spec.features == ("x1", "x2", "x3") and snap.view is None
    assert window.boundary_plot.mode == "none"
    assert window.picker.features.model.names == ("x1", "x2", "x3")
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert wait_snapshot(qtbot, window, lambda s: s.reason == "step").step == 1


def test_boundary_heatmap_changes_as_training_proceeds(qtbot, window):
    before = window.boundary_plot.image_array()
    assert before is not None and before.ndim == 3
    snap = run_until(qtbot, window, 3000)
    qtbot.waitUntil(
        lambda: window.presenter._view is snap.view or window.presenter.last.step > snap.step
    )
    after = window.boundary_plot.image_array()
    assert after.shape == before.shape
    changed = np.mean(np.any(after != before, axis=-1))
    assert changed > 0.2, f"only {changed:.0%} of the heatmap changed"


def test_a_lost_training_process_is_reported_and_reset_starts_a_new_one(qtbot, window):
    run_until(qtbot, window, 20)
    old = window.runner
    old._process.kill()
    qtbot.waitUntil(lambda: "ended unexpectedly" in window.banner.message(), timeout=10_000)
    assert not window.is_running()
    qtbot.mouseClick(window.banner.reset_button, Qt.MouseButton.LeftButton)
    assert window.runner is not old and not old.is_alive()
    fresh = wait_snapshot(qtbot, window, lambda s: s.step == 0)
    assert window.loss_plot.point_count() == 0 and not window.banner.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert wait_snapshot(qtbot, window, lambda s: s.reason == "step").step == fresh.step + 1


@pytest.mark.parametrize("runner", ["process", "thread"])
def test_closing_mid_run_stops_the_runner(qtbot, tmp_path, runner):
    w = make_window(qtbot, tmp_path, runner=runner)
    run_until(qtbot, w, 50)
    w.close()
    assert w._closed
    close_window(w)  # idempotent: checks nothing is left running
    assert threading.active_count() == 1 or all(
        t.daemon and t.name != "engine-runner" for t in threading.enumerate()[1:]
    )


def test_layers_and_session_are_remembered(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    select_dataset(w, "moons")
    w.layer_editor.add_layer()
    snap = wait_snapshot(
        qtbot, w, lambda s: len(s.spec.hidden) == 3 and s.spec.task == "classification"
    )
    assert w.dataset.name == "moons" and snap.spec.layer_sizes == [2, 8, 8, 8, 1]
    w.resize(700, 650)  # fits the offscreen platform's 800 x 800 screen
    size = w.size()
    w.close()
    close_window(w)
    again = make_window(qtbot, tmp_path)
    try:
        assert again.picker.choice.source == "moons"
        assert len(again.presenter.last.spec.hidden) == 3
        assert again.size() == size
    finally:
        close_window(again)
