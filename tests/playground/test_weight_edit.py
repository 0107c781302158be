"""Setting and freezing a weight or bias by hand in the window (playground/gui/weight_edit.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from engine.hand_edits import HAND_KEY
from engine.network import Network
from playground.document.weight_edits import Target
from tests.playground.gui_support import close_window, make_window, wait_snapshot


def flat(weights) -> np.ndarray:
    return np.concatenate([t.ravel() for layer in weights for t in layer])


def trained(qtbot, window, steps: int = 40):
    window.watching.set_speed(None)
    window.runner.step(steps)
    return wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step == steps)


def rebuilt_after(qtbot, window, generation: int):
    return wait_snapshot(qtbot, window, lambda s: s.generation > generation)


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_an_edited_weight_predicts_as_the_engine_with_that_weight_and_undo_is_exact(
    qtbot, tmp_path, runner
):
    window = make_window(qtbot, tmp_path, runner=runner)
    try:
        before = trained(qtbot, window)
        editing = window.weight_edit
        target = Target(0, "weight", (1, 0))
        assert editing.open(target, QPoint(100, 100))
        assert editing.popup.isVisible()
        assert editing.popup.title.text() == "layers.0.weight[1, 0]"
        assert "layer 1 weight" in editing.popup.where.text()
        editing.popup.field.setText("1.25")
        qtbot.keyClick(editing.popup.field, Qt.Key.Key_Return)
        after = rebuilt_after(qtbot, window, before.generation)
        # the view shows the edited weights at once, at the same step
        assert after.step == before.step
        spec = window.document.spec
        reference = Network(spec, 0)
        reference.flat[...] = flat(before.weights)
        reference.load_state_dict(
            {**reference.state_dict(), "layers.0.weight": _set(before, 0, (1, 0), 1.25)}
        )
        assert np.array_equal(flat(after.weights), reference.flat)
        X = window.document.data.X_train
        state = window.capture_training(5.0)
        engine = Network(spec, 0)
        engine.load_state_dict(state.trainer["network"])
        np.testing.assert_array_equal(engine.predict(X), reference.predict(X))
        assert after.evaluation.train_loss != before.evaluation.train_loss  # losses updated
        assert editing.markers.marks == [(before.step, "W1[2, 1] → 1.25")]  # counted from 1
        assert window.runs.list.last() is None  # the run goes on: no new run in the list
        # undo (Edit > Undo) restores the weight bit for bit
        window.layer_editor.undo_action.trigger()
        undone = rebuilt_after(qtbot, window, after.generation)
        assert flat(undone.weights).tobytes() == flat(before.weights).tobytes()
        assert editing.markers.marks == []
        window.layer_editor.redo_action.trigger()
        redone = rebuilt_after(qtbot, window, undone.generation)
        assert flat(redone.weights).tobytes() == reference.flat.tobytes()
    finally:
        close_window(window)


def _set(snap, layer: int, index, value: float) -> np.ndarray:
    w = snap.weights[layer][0].copy()
    w[index] = value
    return w


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_editing_while_running_pauses_and_freezing_holds_through_training_and_a_project(
    qtbot, tmp_path, runner
):
    window = make_window(qtbot, tmp_path, runner=runner)
    try:
        window.watching.set_speed(None)
        window.toggle_run()
        wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 20)
        editing = window.weight_edit
        assert editing.open(Target(1, "bias", (0,)), QPoint(50, 50))
        assert not window.is_running()  # the edit paused the run
        editing.popup.frozen.setChecked(True)  # freezes at its current value
        snap = wait_snapshot(qtbot, window, lambda s: s.reason == "rebuild")
        bias = snap.weights[1][1][0]
        assert Target(1, "bias", (0,)) in window.network_view.frozen
        window.runner.step(60)
        later = wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step > snap.step)
        assert later.weights[1][1][0] == bias
        assert not np.array_equal(later.weights[1][0], snap.weights[1][0])  # the rest learns
        path = str(tmp_path / "frozen.playground.json")
        assert window.files.save_to(path)
        window.reset()
        wait_snapshot(qtbot, window, lambda s: s.step == 0)
        assert window.network_view.frozen == set()
        assert window.files.open_path(path, confirm=False)
        opened = wait_snapshot(qtbot, window, lambda s: s.step == later.step)
        qtbot.waitUntil(lambda: Target(1, "bias", (0,)) in window.network_view.frozen)
        state = window.capture_training(5.0)
        assert state.trainer[HAND_KEY]["frozen"]
        assert opened.weights[1][1][0] == bias
        assert editing.markers.marks  # the edit is recorded in the saved run
    finally:
        close_window(window)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "abc", "1e9", ""])
def test_bad_typed_values_are_refused_with_a_message(window, qtbot, bad):
    editing = window.weight_edit
    start = window.presenter.last
    assert editing.open(Target(0, "weight", (0, 0)), QPoint(10, 10))
    editing.popup.field.setText(bad)
    qtbot.keyClick(editing.popup.field, Qt.Key.Key_Return)
    assert editing.popup.message.isVisible()
    assert "expected" in editing.popup.message.text()
    assert editing.stack.count() == 0
    assert window.presenter.last.generation == start.generation  # nothing restored


def test_the_mouse_wheel_turns_a_weight_in_one_undoable_edit(window, qtbot):
    editing = window.weight_edit
    start = window.presenter.last
    assert editing.open(Target(0, "weight", (0, 1)), QPoint(10, 10))
    value = editing.popup.value
    for _ in range(3):
        editing.popup.field.wheeled.emit(0.1)
    wait_snapshot(qtbot, window, lambda s: s.generation > start.generation)
    assert editing.stack.count() == 1  # merged
    assert editing.popup.value == pytest.approx(value + 0.3)
    state = window.capture_training(5.0)
    assert state.trainer["network"]["layers.0.weight"][0, 1] == editing.popup.value


def test_clicking_an_edge_or_a_neuron_opens_the_popup(window, qtbot):
    view = window.network_view
    lay = view.layout()
    node = view.node_rect(1, 0).center()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=node.toPoint())
    popup = window.weight_edit.popup
    qtbot.waitUntil(popup.isVisible)
    assert popup.title.text() == "layers.0.bias[0]"
    popup.hide()
    half = lay.node / 2
    a = QPointF(lay.xs[0] + half, lay.ys[0][0])
    edges = view._edge_ids
    k, i, j = (int(v) for v in edges[0])
    a = QPointF(lay.xs[k] + half, lay.ys[k][j])
    b = QPointF(lay.xs[k + 1] - half, lay.ys[k + 1][i])
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=((a + b) / 2).toPoint())
    qtbot.waitUntil(popup.isVisible)
    assert popup.title.text() == f"layers.{k}.weight[{i}, {j}]"


def test_a_cell_of_the_inspectors_weight_or_bias_table_opens_the_popup(window, qtbot):
    window.watching.set_speed(None)
    window.inspect_step()
    qtbot.waitUntil(lambda: window.inspector.step is not None, timeout=20_000)
    inspector = window.inspector
    while inspector.phase != "update":
        inspector.next_phase()
    popup = window.weight_edit.popup
    inspector.tables["W1"].table.cellClicked.emit(2, 3)
    qtbot.waitUntil(popup.isVisible)
    assert popup.title.text() == "layers.1.weight[2, 3]"
    assert "layer 2 weight: layer 1 unit 4 → layer 2 unit 3" in popup.where.text()
    popup.hide()
    inspector.tables["b0"].table.cellClicked.emit(0, 5)
    qtbot.waitUntil(popup.isVisible)
    assert popup.title.text() == "layers.0.bias[5]"
    popup.field.setText("0.5")
    qtbot.keyClick(popup.field, Qt.Key.Key_Return)
    assert inspector.step is None  # the preview was of the old weights: dropped, not applied
    assert "set by hand" in inspector.text.text()
    assert window.capture_training(5.0).trainer["network"]["layers.0.bias"][5] == 0.5
