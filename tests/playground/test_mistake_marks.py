"""Pictures of the weights come from the runner; the GUI only draws them.

The boundary plot's misclassified marks and the network diagram's unit maps.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import Network
from engine.unit_maps import UnitMaps
from tests.engine.test_runner import true_mistakes
from tests.playground.gui_support import close_window, make_window, wait_snapshot


def crosses(window) -> np.ndarray:
    x, y = window.boundary_plot.mistakes.getData()
    return np.column_stack([x, y]) if x is not None else np.zeros((0, 2))


def refuse(*_args, **_kwargs):
    raise AssertionError("a forward pass on the GUI thread")


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)  # a training process: the patches below stay here
    yield w
    close_window(w)


def test_no_crosses_before_the_first_step(window):
    snap = window.presenter.last
    assert snap.step == 0 and snap.spec.task == "classification"
    assert window.data.X_train.shape[1] == 2
    assert len(crosses(window)) == 0


def test_marks_are_drawn_without_a_forward_pass_and_are_the_weights_own(qtbot, window, monkeypatch):
    for name in ("predict", "logits", "logits_of_features", "forward"):
        monkeypatch.setattr(Network, name, refuse)
    monkeypatch.setattr(UnitMaps, "compute", refuse)
    window.step()
    snap = wait_snapshot(qtbot, window, lambda s: s.mistakes is not None)
    window.presenter.draw(snap)  # also the network diagram, drawn every few frames
    drawn = crosses(window)
    assert snap.unit_maps.step == snap.step
    assert np.array_equal(window.network_view.unit_map(1, 0), snap.unit_maps.columns[1][0])
    monkeypatch.undo()  # the check below runs its own forward pass
    data = window.data
    wrong_train = true_mistakes(snap, data.X_train, data.y_train)
    expected = data.X_train[wrong_train]
    if data.X_test is not None:
        expected = np.vstack([expected, data.X_test[true_mistakes(snap, data.X_test, data.y_test)]])
    assert np.array_equal(snap.mistakes.train, wrong_train)
    assert len(expected) and np.allclose(drawn, expected)
    window.boundary_plot.test_check.setChecked(False)  # hides the test points' crosses
    assert np.allclose(crosses(window), data.X_train[wrong_train])


def test_hovered_neuron_map_comes_from_the_training_process(qtbot, window, monkeypatch):
    monkeypatch.setattr(UnitMaps, "compute", refuse)
    window.network_view.neuronHovered.emit(1, 2)  # what hovering a neuron sends
    snap = wait_snapshot(qtbot, window, lambda s: s.unit_preview is not None)
    preview = window.unit_preview
    qtbot.waitUntil(preview.image.isVisible)
    assert (snap.unit_preview.column, snap.unit_preview.unit) == (1, 2)
    assert window.boundary_plot.colorbar_label().startswith("value of layer 1 unit 3")
    window.network_view.neuronHovered.emit(-1, -1)
    assert not preview.image.isVisible()
    wait_snapshot(qtbot, window, lambda s: s.unit_preview is None)
