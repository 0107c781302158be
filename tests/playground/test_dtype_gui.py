"""The Precision setting in the window: a live switch to float32 and its exported weights."""

from __future__ import annotations

import numpy as np

import engine
from tests.playground.gui_support import close_window, make_window, wait_snapshot


def test_choosing_float32_in_the_advanced_panel_trains_and_exports_float32(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        combo = window.controls.editors["dtype"]
        assert combo.currentText() == "float64"
        combo.setCurrentText("float32")  # as a person picks it: the config follows
        assert window.controls.config().dtype == "float32"
        target = window.presenter.last.step + 5
        window.runner.step(5)
        snap = wait_snapshot(qtbot, window, lambda s: s.step == target and s.reason == "step")
        assert snap.weights[0][0].dtype == np.float32
        path = tmp_path / "w.npz"
        assert window.files.export_weights(str(path))
        loaded = engine.load(path)
        assert loaded.dtype == np.float32
        saved = np.concatenate([a.ravel() for pair in snap.weights for a in pair])
        assert loaded.flat.tobytes() == saved.tobytes()
    finally:
        close_window(window)
