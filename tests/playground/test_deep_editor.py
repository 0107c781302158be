"""Residual connections and batch norm in the layer editor: chip, card toggles, properties."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from engine.spec import LayerSpec
from tests.playground.test_layer_editor import drop_at, editor, gap_y

__all__ = ["editor"]  # the fixture


def test_the_residual_block_chip_inserts_a_relu_bn_residual_layer_as_wide_as_its_neighbour(
    qtbot, editor
):
    chip = next(c for c in editor.palette.chips if c.objectName() == "palette_block")
    assert chip.text() == "residual block" and "a + f(BN(z))" in chip.toolTip()
    before = editor.hidden
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    block = LayerSpec(before[-1].units, "relu", batch_norm=True, residual=True)
    assert blocker.args[0] == (*before, block)
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        drop_at(editor.canvas, {"kind": "block"}, gap_y(editor, 1))
    assert blocker.args[0][1] == LayerSpec(before[0].units, "relu", batch_norm=True, residual=True)
    card = editor.cards[1]
    assert card.toggles["residual"].isChecked() and card.toggles["batch_norm"].isChecked()


def test_card_toggles_switch_residual_and_batch_norm_and_undo_puts_them_back(qtbot, editor):
    before = editor.hidden
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        editor.cards[0].toggles["residual"].click()
    assert blocker.args[0][0].residual and not blocker.args[0][0].batch_norm
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        editor.cards[0].toggles["batch_norm"].click()
    assert blocker.args[0][0] == dataclasses.replace(before[0], residual=True, batch_norm=True)
    assert editor.cards[0].toggles["batch_norm"].isChecked()  # the rebuilt card shows it
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert editor.hidden == before


def test_the_properties_panel_shows_and_edits_the_flags(qtbot, editor):
    editor.select(1)
    props = editor.properties
    assert not props.flags["residual"].isChecked()
    with qtbot.waitSignal(editor.hiddenChanged) as blocker:
        props.flags["batch_norm"].setChecked(True)
    assert blocker.args[0][1].batch_norm
    assert props.flags["batch_norm"].isChecked()
