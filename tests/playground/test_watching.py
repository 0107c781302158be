"""The speed control and the timeline in the window: slow runs, looking back, continuing."""

from __future__ import annotations

import numpy as np

from playground.app import build_window
from playground.gui.watching import SPEED_KEY
from tests.playground.gui_support import close_window, make_window, wait_snapshot


def flat(weights) -> np.ndarray:
    return np.concatenate([t.ravel() for layer in weights for t in layer])


def test_the_speed_reaches_the_runner_and_is_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        control = window.watching.speed
        assert control.objectName() == "speedControl"
        control.setCurrentIndex(control.findData(10))
        window.toggle_run()
        snap = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step >= 3)
        assert snap.step < 40  # 10 steps/s, not thousands
        window.toggle_run()
        wait_snapshot(qtbot, window, lambda s: s.reason == "pause")
    finally:
        close_window(window)
    window.settings.sync()
    again = build_window(settings_path=str(tmp_path / "settings.ini"), runner="thread")
    qtbot.addWidget(again)
    try:
        assert again.watching.current_speed() == 10
        assert again.settings.get_float(SPEED_KEY, 0) == 10
    finally:
        close_window(again)


def test_dragging_back_shows_the_step_then_continue_from_here_trains_on_from_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.watching.set_speed(None)
        window.runner.step(120)
        live = wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step == 120)
        timeline = window.watching
        assert timeline.slider.maximum() == 120
        assert timeline.look_at(30)
        shown = timeline.looking_back
        assert shown.step == 30
        assert np.array_equal(flat(window.network_view.weights), flat(shown.weights))
        assert not np.array_equal(flat(shown.weights), flat(live.weights))
        assert all(line.isVisible() and line.value() == 30 for line in timeline._cursors)
        assert timeline.resume.isEnabled()
        timeline.continue_here()
        back = wait_snapshot(qtbot, window, lambda s: s.reason == "rebuild")
        assert back.step == 30 and timeline.looking_back is None
        assert timeline.slider.maximum() == 30
        assert window.loss_plot.recorded_steps()[-1] == 30
        window.runner.step(90)
        again = wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step == 120)
        assert np.array_equal(flat(again.weights), flat(live.weights))
    finally:
        close_window(window)


def test_a_paused_runs_curves_end_at_the_status_bars_numbers(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.watching.set_speed(None)
        window.toggle_run()
        wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 500)
        window.toggle_run()
        paused = wait_snapshot(qtbot, window, lambda s: s.reason == "pause")
        last = window.loss_plot._evals.view()[-1]  # step, train, test, train metric, test metric
        status = window.status.values
        assert (last[0], last[1], last[2]) == (
            paused.step,
            status["train_loss"],
            status["test_loss"],
        )
        assert f"train {last[1]:.4g}" in window.loss_plot.summary.text()
        window.runner.step(7)  # mid-epoch too
        stepped = wait_snapshot(qtbot, window, lambda s: s.reason == "step")
        last = window.loss_plot._evals.view()[-1]
        assert (last[0], last[1]) == (stepped.step, window.status.values["train_loss"])
    finally:
        close_window(window)


def test_a_changed_setting_is_marked_on_the_curves_and_a_new_run_forgets_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.watching.set_speed(None)
        window.runner.step(40)
        wait_snapshot(qtbot, window, lambda s: s.reason == "step" and s.step == 40)
        window.controls.set_config(window.session.config.replace(lr=0.05))
        window.controls.configChanged.emit(window.session.config.replace(lr=0.05))
        markers = window.watching.markers
        assert markers.marks == [(40, "lr 0.05")]
        lines = [line for _plot, line in markers.items]
        assert len(lines) == 3 and all(line.value() == 40 for line in lines)
        window.reset()
        wait_snapshot(qtbot, window, lambda s: s.reason == "reset")
        assert markers.marks == [] and markers.items == []
    finally:
        close_window(window)


def test_early_stopping_marks_its_best_epoch(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.watching.set_speed(None)
        config = window.session.config.replace(patience=2, lr=0.5, optimizer="sgd")
        window.controls.set_config(config)
        window.controls.configChanged.emit(config)
        window.reset()
        wait_snapshot(qtbot, window, lambda s: s.reason == "reset" and s.config.patience == 2)
        window.toggle_run()
        done = wait_snapshot(qtbot, window, lambda s: s.reason == "finished")
        assert done.message.startswith("Stopped early")
        history = window.runner.history()
        best = done.epoch - 2
        best_step = int(history.eval_steps[list(history.epochs).index(best)])
        assert (best_step, f"best epoch {best}") in window.watching.markers.marks
        assert history.test_loss[list(history.epochs).index(best)] == min(history.test_loss)
    finally:
        close_window(window)


def test_a_project_keeps_its_speed_and_a_lesson_can_set_its_own(qtbot, tmp_path):
    """The speed is saved in projects ("max" or steps/s); opening one sets the speed
    control and the runner; a project without a speed leaves the window's own."""
    import json

    from playground.document import project as projects

    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        control = window.watching.speed
        control.setCurrentIndex(control.findData(30))
        path = str(tmp_path / "slow.playground.json")
        assert window.files.save_to(path)
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        assert saved["speed"] == 30.0
        doc = dict(saved, speed="max")  # a lesson file may say "max" (or any steps/s)
        fast = tmp_path / "fast.playground.json"
        fast.write_text(json.dumps(doc), encoding="utf-8")
        assert window.files.open_path(str(fast), confirm=False)
        assert window.watching.current_speed() is None
        assert window.files.open_path(path, confirm=False)
        assert window.watching.current_speed() == 30
        del doc["speed"]  # none: the window keeps the speed it has
        fast.write_text(json.dumps(doc), encoding="utf-8")
        assert window.files.open_path(str(fast), confirm=False)
        assert window.watching.current_speed() == 30
        window.toggle_run()
        snap = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step >= 3)
        assert snap.step < 100  # the runner got 30 steps/s, not "max"
        window.toggle_run()
        wait_snapshot(qtbot, window, lambda s: s.reason == "pause")
    finally:
        close_window(window)
    for bad in (0, -3, "fast", True):
        raw = json.dumps(dict(saved, speed=bad)).encode()
        try:
            projects.loads(raw, "bad.playground.json")
        except projects.ProjectError as exc:
            assert "bad.playground.json" in str(exc) and "speed" in str(exc)
        else:
            raise AssertionError(f"speed {bad!r} was accepted")
