"""The backprop inspector in the main window: phases, shapes, counter, gradient check."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from engine.backprop_phases import PHASES
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot


@pytest.fixture
def window(qtbot, tmp_path):
    """The thread runner keeps these tests quick; the process runner has its own test."""
    w = make_window(qtbot, tmp_path, runner="thread")
    yield w
    close_window(w)


def expected_shapes(window, b: int) -> dict:
    sizes = window.spec.layer_sizes
    n = len(sizes) - 1
    return {
        "forward": {f"z{k}": (b, sizes[k + 1]) for k in range(n)},
        "backward": {f"dW{k}": (sizes[k + 1], sizes[k]) for k in range(n)}
        | {f"delta{k}": (b, sizes[k + 1]) for k in range(n)},
        "update": {f"W{k}": (sizes[k + 1], sizes[k]) for k in range(n)},
    }


def test_phases_show_the_right_shapes_and_finishing_counts_one_step(qtbot, window):
    before = wait_snapshot(qtbot, window, lambda s: s.state == "paused").step
    panel = window.inspector
    assert panel.isHidden()
    window.controls.inspect_button.click()
    assert panel.isVisible() and panel.step is not None
    b = panel.step.batch_size
    assert b == min(window.session.config.batch_size, len(window.data.X_train))
    shapes = expected_shapes(window, b)
    seen = []
    for k, phase in enumerate(PHASES):
        assert panel.phase == phase
        seen.append(phase)
        assert window.network_view.phase == phase  # the diagram rings the phase's numbers
        for key, shape in shapes.get(phase, {}).items():
            assert panel.tables[key].values.shape == shape, (phase, key)
        assert panel.next_button.isEnabled() == (k < len(PHASES) - 1)
        if phase == "backward":  # rings: dL/db per unit
            np.testing.assert_array_equal(window.network_view.overlay[2], panel.step.grad_b[1])
        if phase == "forward":
            mean_a = panel.step.a[0].mean(0)
            np.testing.assert_allclose(window.network_view.overlay[1], mean_a)
        if phase == "update":
            assert f"Finish applies these updates as step {before + 1}" in panel.text.text()
        panel.next_button.click()
    assert seen == list(PHASES)
    panel.prev_button.click()  # view only: the same recorded step, nothing re-run
    assert panel.phase == "backward" and panel.step.step == before + 1
    preview = panel.step
    # a preview: the runner's network has not moved (its snapshot says "pause", same step)
    snap = wait_snapshot(qtbot, window, lambda s: s.reason == "pause")
    assert snap.step == before
    # the minibatch is ringed in the output plot
    xs, ys = window.boundary_plot.highlight.getData()
    np.testing.assert_array_equal(np.column_stack([xs, ys]), panel.step.X)
    panel.finish_button.click()
    assert panel.step is None and window.network_view.phase is None
    assert len(window.boundary_plot.highlight.getData()[0]) == 0
    snap = wait_snapshot(qtbot, window, lambda s: s.step != before and s.reason == "step")
    assert snap.step == before + 1
    for (W, b), pW, pb in zip(snap.weights, preview.new_W, preview.new_b, strict=True):
        np.testing.assert_array_equal(W, pW)  # the previewed numbers, bit for bit
        np.testing.assert_array_equal(b, pb)
    assert "applied" in panel.text.text()


def test_a_preview_is_not_applied_once_training_moved_on(qtbot, window):
    before = wait_snapshot(qtbot, window, lambda s: s.state == "paused").step
    panel = window.inspector
    assert panel.begin()
    window.runner.step(1)  # training moves on behind the panel's back
    wait_snapshot(qtbot, window, lambda s: s.step == before + 1)
    assert not panel.finish()
    assert "not applied" in panel.text.text() and panel.step is None
    assert panel.begin()  # a fresh preview: the next step after the ordinary one
    assert panel.step.step == before + 2
    panel.close()  # closing discards it
    assert panel.step is None
    assert window.runner.inspect(apply=False, timeout=5.0).step == before + 2


def test_step_applies_the_shown_step_and_run_or_reset_drop_it(qtbot, window):
    before = wait_snapshot(qtbot, window, lambda s: s.state == "paused").step
    panel = window.inspector
    assert panel.begin()
    preview = panel.step
    window.controls.step_button.click()  # Step with a step shown: that step, applied
    assert panel.step is None and "applied" in panel.text.text()
    snap = wait_snapshot(qtbot, window, lambda s: s.step == before + 1)
    np.testing.assert_array_equal(snap.weights[0][0], preview.new_W[0])
    assert panel.begin()
    window.controls.reset_button.click()
    assert panel.step is None and "dropped, not applied" in panel.text.text()
    assert window.boundary_plot.highlight.getData()[0].size == 0
    assert window.network_view.phase is None


def test_clicking_a_weight_explains_its_chain_rule(qtbot, window):
    panel = window.inspector
    assert panel.begin()
    panel.next_phase()
    panel.next_phase()
    assert panel.phase == "backward"
    panel.tables["dW1"].table.cellClicked.emit(2, 3)  # the table's own click
    e = panel.explanation
    assert (e.layer, e.i, e.j) == (1, 2, 3)
    assert e.chain_sum == pytest.approx(panel.step.grad_W[1][2, 3], rel=1e-12, abs=1e-15)
    assert e.update == e.applied
    text = panel.details.toPlainText()
    # counted from 1 as the tables' headers are: layer 2, receiving unit 3, sending unit 4
    assert "W2[3, 4]: from unit 4 of layer 1 to unit 3 of layer 2" in text
    assert f"{e.chain_sum:.9g}" in text
    headers = panel.tables["dW1"].table
    assert headers.verticalHeaderItem(2).text() == "3"
    assert headers.horizontalHeaderItem(3).text() == "4"
    headings = [w.text() for w in panel.content.findChildren(QLabel)]
    assert any(h.startswith("Layer 1 (hidden") for h in headings)
    assert not any(h.startswith("Layer 0") for h in headings)
    window.network_view.weightClicked.emit(0, 1, 0)  # an edge of the diagram
    assert panel.explained == (0, 1, 0)
    assert "W1[2, 1]: from input 1 to unit 2 of layer 1" in panel.details.toPlainText()
    # the panel takes the curves' column while open and gives it back when closed
    assert not window.loss_plot.isVisibleTo(window)
    panel.close()
    assert window.loss_plot.isVisibleTo(window)
    assert window.network_view.phase is None and panel.step is None


def test_gradient_check_reports_pass_on_a_correct_network(qtbot, window):
    panel = window.inspector
    assert panel.begin()
    panel.check_button.click()
    qtbot.waitUntil(lambda: panel.gradcheck_result is not None, timeout=WAIT_MS)
    assert panel.gradcheck_result.passed()
    text = panel.details.toPlainText()
    n_layers = len(window.spec.layer_sizes) - 1
    assert text.count("pass") == n_layers and "FAIL" not in text
    assert "1e-06" in text  # the stated tolerance


def test_single_example_mode_steps_with_the_clicked_point(qtbot, window):
    before = wait_snapshot(qtbot, window, lambda s: s.state == "paused").step
    panel = window.inspector
    panel.single_check.setChecked(True)
    plot = window.boundary_plot
    points = plot.train_points.points()
    plot.train_points.sigClicked.emit(plot.train_points, [points[5]], None)
    assert panel.step is not None and panel.step.single
    assert panel.step.rows.tolist() == [5]
    np.testing.assert_array_equal(panel.step.X[0], window.data.X_train[5])
    assert panel.tables["z0"].values.shape[0] == 1
    assert panel.finish()
    snap = wait_snapshot(qtbot, window, lambda s: s.step != before and s.reason == "step")
    assert snap.step == before + 1


def test_shift_step_opens_the_inspector_through_the_process_runner(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="process", name="process.ini")
    try:
        before = wait_snapshot(qtbot, window, lambda s: s.state == "paused").step
        action = next(a for a in window.actions() if a.text() == "Inspect step")
        assert "Shift+Right" in [k.toString() for k in action.shortcuts()]
        action.trigger()
        panel = window.inspector
        assert panel.step is not None and panel.step.step == before + 1
        action.trigger()  # again: the shown step is applied, the next one previewed
        assert panel.step.step == before + 2
        wait_snapshot(qtbot, window, lambda s: s.step == before + 1)
        panel.finish_button.click()
        wait_snapshot(qtbot, window, lambda s: s.step == before + 2)
        # an answer that comes too late is never taken for the next request's
        assert window.runner.inspect(timeout=0.0) is None  # applied in the child: step +3
        assert window.runner.inspect(timeout=10.0, apply=False).step == before + 4
    finally:
        close_window(window)


def test_large_arrays_are_summarised_with_statistics(qtbot):
    from playground.gui.inspector.inspector_table import MAX_COLS, MAX_ROWS, ArrayTable

    table = ArrayTable("z")
    qtbot.addWidget(table)
    values = np.random.default_rng(0).normal(size=(MAX_ROWS + 5, MAX_COLS + 3))
    table.set_array(values)
    assert table.summarised and table.shown_shape() == (4, MAX_COLS)
    mean_cell = float(table.table.item(0, 2).toolTip().split(": ")[1])
    assert mean_cell == pytest.approx(values[:, 2].mean(), rel=1e-12)
    assert float(table.table.item(3, 0).toolTip().split(": ")[1]) == values[:, 0].max()
    assert "summarised" in table.caption.text() and f"first {MAX_COLS}" in table.caption.text()
    small = np.arange(6.0).reshape(2, 3)
    table.set_array(small)
    assert not table.summarised and table.shown_shape() == (2, 3)
    assert table.table.item(1, 2).text() == "5"
