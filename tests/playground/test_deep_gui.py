"""A network with batch norm and residual layers in the main window: it opens, trains,
draws its unit maps and goes through the backprop inspector and its gradient check
(issue 14)."""

from __future__ import annotations

import pytest

from engine.spec import LayerSpec
from playground.document.project import read_project, write_project
from playground.gui.file_actions import example_paths
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot

LAYERS = "6:relu:bn+res,5:tanh:bn,5:tanh:res"


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_a_batch_normalised_residual_network_trains_and_inspects(qtbot, tmp_path, runner):
    lesson = read_project(next(p for p in example_paths() if p.name.startswith("19-")))
    hidden = tuple(LayerSpec.parse(t) for t in LAYERS.split(","))
    path = tmp_path / "deep.playground.json"
    write_project(lesson.replace(network=lesson.network.replace(hidden=hidden)), path)
    window = make_window(qtbot, tmp_path, runner=runner)
    try:
        assert window.files.open_path(str(path))
        snap = wait_snapshot(qtbot, window, lambda s: s.spec.hidden == hidden)
        start = snap.step
        window.runner.step(3)
        snap = wait_snapshot(qtbot, window, lambda s: s.step == start + 3 and s.reason == "step")
        assert snap.state == "paused" and snap.message is None
        assert snap.unit_maps is not None and len(snap.unit_maps.columns) == 5
        panel = window.inspector
        assert panel.begin()
        panel.check_button.click()
        qtbot.waitUntil(lambda: panel.gradcheck_result is not None, timeout=WAIT_MS)
        result = panel.gradcheck_result
        assert result.passed()
        names = {t.name for t in result.tensors}
        assert {"layers.0.bn.weight", "layers.0.shortcut.weight"} <= names
        text = panel.details.toPlainText()
        assert text.count("pass") == 4 and "FAIL" not in text  # one line per layer
        for _ in range(3):
            panel.next_button.click()
        assert panel.finish()
        wait_snapshot(qtbot, window, lambda s: s.step == start + 4 and s.reason == "step")
        window.resize(1280, 720)
        qtbot.wait(50)
        window.grab().save(str(tmp_path / "deep.png"))
    finally:
        close_window(window)
