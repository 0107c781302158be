"""The drag-to-build layer editor: drops through Qt's real drag events, edits, undo, refusals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine.spec import MAX_HIDDEN_LAYERS, MAX_UNITS, LayerSpec, NetworkSpec
from playground.gui.editor.layer_cards import make_mime
from playground.gui.editor.layer_editor import LayerEditor

START = (LayerSpec(4, "tanh"), LayerSpec(5, "relu"), LayerSpec(6, "sigmoid"))


@pytest.fixture
def editor(qtbot):
    e = LayerEditor()
    qtbot.addWidget(e)
    e.set_spec(NetworkSpec(hidden=START))
    e.resize(380, 700)
    e.show()
    qtbot.waitExposed(e)
    return e


def gap_y(editor, gap: int) -> float:
    """A height on the canvas that means "insert at `gap`": between two cards."""
    above = editor.input_card if gap == 0 else editor.cards[gap - 1]
    below = editor.cards[gap] if gap < len(editor.cards) else editor.output_card
    return (above.geometry().bottom() + below.geometry().top()) / 2


def drag_over(widget, payload: dict, y: float, x: float = 40.0):
    """Deliver drag enter and move events; return whether the widget accepted them."""
    mime = make_mime(payload)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    enter = QDragEnterEvent(
        QPoint(int(x), int(y)),
        actions,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    move = QDragMoveEvent(
        QPoint(int(x), int(y)),
        actions,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, move)
    return enter.isAccepted() and move.isAccepted(), mime


def drop_at(widget, payload: dict, y: float) -> bool:
    accepted, mime = drag_over(widget, payload, y)
    drop = QDropEvent(
        QPointF(40.0, y),
        Qt.DropAction.CopyAction | Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    return accepted and drop.isAccepted()


@pytest.mark.parametrize("gap", [0, 1, 2, 3])
def test_dropping_a_palette_layer_inserts_it_where_the_indicator_shows(qtbot, editor, gap):
    payload = {"kind": "dense", "activation": "gelu"}
    accepted, _ = drag_over(editor.canvas, payload, gap_y(editor, gap))
    assert accepted and editor.canvas.gap == gap and editor.canvas.indicator.isVisible()
    assert f"position {gap + 1}" in editor.message.text()
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        assert drop_at(editor.canvas, payload, gap_y(editor, gap))
    hidden = blocker.args[0]
    assert len(hidden) == 4 and hidden[gap].activation == "gelu"
    assert [h for k, h in enumerate(hidden) if k != gap] == list(START)
    assert not editor.canvas.indicator.isVisible()
    assert editor.selected == gap and editor.cards[gap].layer.activation == "gelu"


def test_dragging_cards_reorders_and_dropping_them_on_the_palette_removes(qtbot, editor):
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        drop_at(editor.canvas, {"kind": "move", "index": 0}, gap_y(editor, 3))
    assert [h.units for h in blocker.args[0]] == [5, 6, 4]
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        drop_at(editor.canvas, {"kind": "move", "index": 2}, gap_y(editor, 0))
    assert [h.units for h in blocker.args[0]] == [4, 5, 6]
    with qtbot.assertNotEmitted(editor.hiddenChanged):  # dropped where it already is
        drop_at(editor.canvas, {"kind": "move", "index": 1}, gap_y(editor, 2))
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        assert drop_at(editor.palette, {"kind": "move", "index": 1}, 10)
    assert [h.units for h in blocker.args[0]] == [4, 6]


def test_foreign_drags_are_ignored(editor):
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText("8:tanh")
    enter = QDragEnterEvent(
        QPoint(40, 40), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(editor.canvas, enter)
    assert not enter.isAccepted()
    assert not drag_over(editor.palette, {"kind": "dense", "activation": "relu"}, 10)[0]


def test_delete_key_context_menu_and_clicks_remove_and_resize(qtbot, editor):
    qtbot.mouseClick(editor.cards[1], Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    assert editor.selected == 1 and editor.properties.isEnabled()
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Delete)
    assert blocker.args[0] == (START[0], START[2])
    menu = editor.context_menu(0)
    remove = next(a for a in menu.actions() if a.text().startswith("Remove"))
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        remove.trigger()
    assert blocker.args[0] == (START[2],)
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        qtbot.mouseClick(editor.cards[0].plus, Qt.MouseButton.LeftButton)
    assert blocker.args[0][0].units == 7 and editor.cards[0].units_label.text() == "7 units"
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        qtbot.mouseClick(editor.cards[0].minus, Qt.MouseButton.LeftButton)
    assert blocker.args[0][0].units == 6


def test_palette_click_appends_and_dropout_goes_onto_a_layer(qtbot, editor):
    chip = next(c for c in editor.palette.chips if c.objectName() == "palette_elu")
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert blocker.args[0][-1] == LayerSpec(6, "elu")  # before the output, as wide as the last
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        drop_at(editor.canvas, {"kind": "dropout"}, gap_y(editor, 2))
    assert [h.dropout for h in blocker.args[0]] == [None, 0.2, None, None]
    assert editor.cards[1].dropout_button.text().startswith("dropout 0.2")
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        editor.cards[1].dropout_button.click()
    assert blocker.args[0][1].dropout is None


def test_properties_edit_the_selected_layer(qtbot, editor):
    editor.select(2)
    props = editor.properties
    assert props.units.value() == 6 and props.activation.currentText() == "sigmoid"
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.units.setValue(32)
    assert blocker.args[0][2].units == 32
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.activation.setCurrentText("swish")
        props.activation.activated.emit(props.activation.currentIndex())
    assert blocker.args[0][2].activation == "swish"
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.init.setCurrentText("he_normal")
        props.init.activated.emit(props.init.currentIndex())
    assert blocker.args[0][2].init == "he_normal"
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.own_dropout.setChecked(True)
    assert blocker.args[0][2].dropout == pytest.approx(0.2)
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.dropout.setValue(0.5)
    assert blocker.args[0][2] == LayerSpec(32, "swish", "he_normal", 0.5)


def test_undo_and_redo_round_trip_every_kind_of_edit(qtbot, editor):
    original = (editor.features, editor.hidden)
    editor.drop({"kind": "dense", "activation": "relu"}, 0)
    editor.drop({"kind": "move", "index": 0}, 4)
    editor.add_units(1, +1)
    editor.change_layer(2, activation="elu", init="zeros")
    editor.drop({"kind": "dropout"}, 1)
    editor.remove(0)
    editor.toggle_feature("x1*x2", True)
    final = (editor.features, editor.hidden)
    assert editor.undo_stack.count() == 7 and final != original
    emitted = []
    editor.hiddenChanged.connect(emitted.append)
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
    assert (editor.features, editor.hidden) == original
    assert emitted[-1] == START and [c.layer for c in editor.cards] == list(START)
    while editor.undo_stack.canRedo():
        editor.undo_stack.redo()
    assert (editor.features, editor.hidden) == final
    assert editor.input_card.buttons["x1*x2"].isChecked()


def test_invalid_edits_are_refused_with_a_message_and_change_nothing(qtbot, editor):
    before = editor.hidden
    cases = [
        (lambda: editor.change_layer(0, units=MAX_UNITS) and editor.add_units(0, +1),
         f"the most a layer can have ({MAX_UNITS})"),
        (lambda: editor.add_units(1, -4) and editor.add_units(1, -1), "fewest"),
        (lambda: editor.drop({"kind": "dropout"}, 0), "after (or onto) a hidden layer"),
    ]  # fmt: skip
    for make, text in cases:
        with qtbot.waitSignal(editor.problem) as blocker:
            make()
        assert text in blocker.args[0] and text in editor.message.text()
    editor.undo_stack.clear()
    editor.set_spec(NetworkSpec(hidden=START))
    editor.select(0)
    for bad in (0, MAX_UNITS + 1):
        with (
            qtbot.waitSignal(editor.problem) as blocker,
            qtbot.assertNotEmitted(editor.hiddenChanged),
        ):
            editor.properties.units.setValue(bad)
        assert (
            f"cannot have {bad} units" in blocker.args[0] and f"1 to {MAX_UNITS}" in blocker.args[0]
        )
        assert editor.properties.units.value() == 4  # put back, next to the message
    with qtbot.waitSignal(editor.problem) as blocker:
        editor.properties.own_dropout.setChecked(True)
        editor.properties.dropout.setValue(0.99)
    assert "dropout" in blocker.args[0] and "0.95" in blocker.args[0]
    assert editor.hidden[0].dropout == pytest.approx(0.2)
    for name in ("x2",):
        editor.toggle_feature(name, False)
    with qtbot.waitSignal(editor.problem) as blocker:
        editor.input_card.buttons["x1"].click()
    assert "At least one input feature" in blocker.args[0]
    assert editor.features == ("x1",) and editor.input_card.buttons["x1"].isChecked()
    full = tuple(LayerSpec(2) for _ in range(MAX_HIDDEN_LAYERS))
    editor.set_spec(NetworkSpec(hidden=full))
    with qtbot.waitSignal(editor.problem) as blocker:
        drop_at(editor.canvas, {"kind": "dense", "activation": "relu"}, gap_y(editor, 1))
    assert f"the most allowed ({MAX_HIDDEN_LAYERS})" in blocker.args[0]
    assert editor.hidden == full
    assert before == START


def test_output_card_follows_the_task_and_set_spec_keeps_history(editor):
    editor.drop({"kind": "dense", "activation": "relu"}, 0)
    three = NetworkSpec(hidden=editor.hidden, n_classes=3)
    editor.set_spec(three)
    assert "3 units · softmax · ce loss" in editor.output_card.label.text()
    assert editor.undo_stack.count() == 1
    one_d = NetworkSpec(input_dim=1, features=("x1",), hidden=editor.hidden, task="regression")
    editor.set_spec(one_d)  # other inputs: the history would name features that do not exist
    assert editor.undo_stack.count() == 0
    assert "1 unit · linear · mse loss" in editor.output_card.label.text()
    assert sorted(editor.input_card.buttons) == sorted(("x1", "x1^2", "sin(x1)"))


def test_an_edit_while_training_rebuilds_and_undo_works_from_the_window(qtbot, window):
    from tests.playground.gui_support import wait_snapshot

    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    before = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step >= 30)
    editor = window.layer_editor
    editor.add_units(0, +1)
    assert "rebuilt" in window.statusBar().currentMessage()
    after = wait_snapshot(
        qtbot, window, lambda s: s.generation > before.generation and s.spec.hidden[0].units == 9
    )
    # training restarted from step 0: the cleared loss curve begins at step 1 again
    # (comparing step counters races with a fast trainer)
    assert after.rebuilt and window.is_running()
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 0)
    assert window.loss_plot.recorded_steps()[0] == 1
    assert window.network_view.spec.hidden[0].units == 9
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    undone = wait_snapshot(qtbot, window, lambda s: s.generation > after.generation)
    assert undone.spec.hidden == window.session.hidden == (LayerSpec(8), LayerSpec(8))
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.session.hidden[0].units == 9
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Edit" in menus and menus.index("&Edit") < menus.index("&Training")


def test_editor_and_dataset_picker_keep_the_features_in_step(qtbot, window):
    from tests.playground.gui_support import wait_snapshot

    editor, picker = window.layer_editor, window.picker
    editor.input_card.buttons["x1*x2"].click()
    assert picker.selected_features() == ("x1", "x2", "x1*x2")
    wait_snapshot(qtbot, window, lambda s: s.spec.features == ("x1", "x2", "x1*x2"))
    picker.features.set_checked("x1", False)  # a toggle in the picker: undoable too
    assert editor.features == ("x2", "x1*x2")
    assert not editor.input_card.buttons["x1"].isChecked()
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert picker.selected_features() == ("x1", "x2") == window.session.features
    wait_snapshot(qtbot, window, lambda s: s.spec.features == ("x1", "x2"))


def test_editing_a_layer_keeps_its_batch_norm_and_residual_flags():
    from playground.gui.editor import layer_edits

    hidden = (LayerSpec.parse("8:relu:bn+res"), LayerSpec.parse("4:tanh:res"))
    edited = layer_edits.change(hidden, 0, units=12, activation="tanh")
    assert edited[0] == LayerSpec(12, "tanh", batch_norm=True, residual=True)
    assert layer_edits.add_units(edited, 1, 2)[1] == LayerSpec(6, "tanh", residual=True)
