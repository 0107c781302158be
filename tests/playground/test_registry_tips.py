"""The GUI's tooltips come from the registries' entries, so a missing tip cannot be a KeyError."""

from engine.activations import ACTIVATIONS
from engine.optimizers import OPTIMIZERS
from engine.spec import TrainConfig


def test_gui_tips_come_from_the_registries(qtbot):
    from PySide6.QtCore import Qt

    from playground.gui.controls import TrainingControls
    from playground.gui.editor.layer_cards import activation_tip

    assert activation_tip("gelu") == ACTIVATIONS.get("gelu").tip
    assert activation_tip("not-an-activation") == "not-an-activation"  # no KeyError
    controls = TrainingControls(TrainConfig())
    qtbot.addWidget(controls)
    box = controls.optimizer
    tips = {
        box.itemText(i): box.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(box.count())
    }
    assert tips == {name: OPTIMIZERS.get(name).tip for name in OPTIMIZERS}
