"""The backprop inspector explains batch norm and both paths of a residual layer (issue 14)."""

from __future__ import annotations

from engine.spec import LayerSpec
from tests.playground.gui_support import close_window, make_window, wait_snapshot

HIDDEN = (LayerSpec(6, "tanh"), LayerSpec(6, "relu", batch_norm=True, residual=True))


def test_a_weight_of_a_residual_batch_norm_layer_shows_both(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.layer_editor.edit("deep", hidden=HIDDEN)
        wait_snapshot(qtbot, window, lambda s: s.spec.hidden == HIDDEN)
        panel = window.inspector
        assert panel.begin()
        assert panel.explain(1, 2, 4)
        text = panel.details.toPlainText()
        assert "Batch norm of unit 3 in layer 2" in text and "dL/dγ" in text
        assert "Two paths into input 5 of layer 2" in text and "through the shortcut" in text
        assert panel.explain(0, 1, 1)  # a plain layer: its chain rule only
        assert "Batch norm" not in panel.details.toPlainText()
        window.resize(1280, 720)
        assert panel.explain(1, 2, 4)
        qtbot.wait(50)
        window.grab().save(str(tmp_path / "inspector.png"))
    finally:
        close_window(window)
