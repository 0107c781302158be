"""What Run does after a divergence, and a training process that dies under the window.

Run after a divergence resumes from the last finite weights; when it diverges
again the banner comes back, and the status bar always shows the runner's state.
A dead training process is replaced before Open Project claims anything, and a
save never silently writes less than the file already holds.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from engine.errors import DivergenceError
from playground.document.project import read_project
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot
from tests.playground.test_main_window import select_dataset
from tests.playground.test_project_gui import error_text, flat_weights, stepped


def set_lr(qtbot, window, lr: str, optimizer: str = "sgd"):
    window.controls.optimizer.setCurrentText(optimizer)
    window.controls.lr.setCurrentText(lr)
    window.controls.lr.lineEdit().editingFinished.emit()
    return wait_snapshot(qtbot, window, lambda s: s.config.lr == float(lr))


def diverge(qtbot, window, runner_lr: float | None = None):
    """Train the sine regression with SGD at lr 10 until it diverges (banner shown).

    `runner_lr` goes to the runner directly, past the window's bound on the rate.
    """
    select_dataset(window, "sine")
    wait_snapshot(qtbot, window, lambda s: s.spec.task == "regression")
    set_lr(qtbot, window, "10" if runner_lr is None else "0.01")
    if runner_lr is not None:
        window.runner.configure(training=window.session.config.replace(lr=runner_lr))
        wait_snapshot(qtbot, window, lambda s: s.config.lr == runner_lr)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    snap = wait_snapshot(qtbot, window, lambda s: s.state == "diverged")
    qtbot.waitUntil(lambda: "diverged" in window.banner.message(), timeout=WAIT_MS)
    return snap


def state_label(window) -> str:
    return window.status.labels["state"].text()


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_run_after_a_divergence_diverges_again_and_the_banner_comes_back(qtbot, tmp_path, runner):
    window = make_window(qtbot, tmp_path, runner=runner)
    try:
        first = diverge(qtbot, window)
        message = window.banner.message()
        runs = []
        window.runner.start = lambda start=window.runner.start: runs.append(1) or start()
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        assert runs == [1]  # Run resumes the runner: from the last finite weights
        assert not window.banner.isVisible()  # hidden while it tries again
        # the runner diverges again at once: the banner returns and the bar says so
        qtbot.waitUntil(lambda: window.banner.message() == message, timeout=WAIT_MS)
        again = window.presenter.last
        assert again.state == "diverged" and again.generation == first.generation
        assert "diverged" in state_label(window) and not window.is_running()
    finally:
        close_window(window)


def diverge_on_the_next_step(runner) -> None:
    """The runner's next minibatch reports a divergence, as any rule of the trainer may."""
    trainer = runner._trainer
    real = trainer._step

    def once(*args):
        trainer._step = real
        raise DivergenceError(trainer.step_count + 1, None, "loss")

    trainer._step = once


def test_run_after_a_divergence_resumes_from_the_last_finite_weights(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        kept = stepped(qtbot, window, 5)
        diverge_on_the_next_step(window.runner)
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        first = wait_snapshot(qtbot, window, lambda s: s.state == "diverged")
        assert first.step == 5 and "diverged at step 6" in window.banner.message()
        np.testing.assert_array_equal(flat_weights(first), flat_weights(kept))
        assert "diverged" in state_label(window) and not window.is_running()
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        window.presenter.draw(first)  # a late snapshot of the divergence shows its banner
        assert "diverged at step 6" in window.banner.message()
        later = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 25)
        assert later.generation == first.generation  # the same run goes on, not a reset
        history = window.runner.history()
        assert history.steps[:7].tolist() == list(range(1, 8))  # no step lost or repeated
        assert "running" in state_label(window) and not window.banner.isVisible()
    finally:
        close_window(window)


def kill_training_process(window) -> None:
    """End the child as a crash would; the window has not noticed yet."""
    runner = window.runner
    os.kill(runner.pid, signal.SIGKILL)
    deadline = time.monotonic() + WAIT_MS / 1000
    while runner.is_alive() and time.monotonic() < deadline:  # no Qt events: unnoticed
        time.sleep(0.005)
    assert not runner.is_alive() and runner.failure is None


def saved_weights(path) -> np.ndarray:
    state = read_project(path).state
    return np.concatenate([v.ravel() for v in state.trainer["network"].values()])


@pytest.mark.parametrize("noticed", [False, True])
def test_open_after_the_training_process_died_restarts_it_and_restores(qtbot, tmp_path, noticed):
    path = str(tmp_path / "run.playground.json")
    window = make_window(qtbot, tmp_path)
    try:
        stepped(qtbot, window, 44)
        assert window.files.save_to(path)
        dead = window.runner
        kill_training_process(window)
        if noticed:  # the user saw the error banner first
            qtbot.waitUntil(lambda: "ended unexpectedly" in window.banner.message())
            assert "killed by SIGKILL" in window.banner.message()
            assert "error" in state_label(window)
        assert window.files.open_path(path)
        assert window.runner is not dead and window.runner.is_alive()
        assert "at step 44" in window.statusBar().currentMessage()
        opened = wait_snapshot(qtbot, window, lambda s: s.step == 44 and s.reason == "rebuild")
        np.testing.assert_array_equal(flat_weights(opened), saved_weights(path))
        assert window.loss_plot.point_count() == 44
        more = stepped(qtbot, window, 3)  # and it trains on
        assert more.step == 47 and window.runner.failure is None
    finally:
        close_window(window)


def test_open_is_refused_when_the_runner_never_takes_the_project(qtbot, tmp_path):
    path = str(tmp_path / "run.playground.json")
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        stepped(qtbot, window, 4)
        assert window.files.save_to(path)
        window.runner.capture = lambda timeout=5.0: None  # a runner that never answers
        assert not window.files.open_path(path)
        assert "did not load run.playground.json" in error_text(window)
        assert "Opened" not in window.statusBar().currentMessage()
    finally:
        close_window(window)


def test_save_never_silently_replaces_a_longer_run(qtbot, tmp_path):
    path = tmp_path / "run.playground.json"
    window = make_window(qtbot, tmp_path)
    asked, answers = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    window.files.ask_overwrite = lambda *args: asked.append(args) or answers.pop(0)
    try:
        stepped(qtbot, window, 44)
        assert window.files.save_to(str(path))
        before = path.read_bytes()
        kill_training_process(window)
        # with the process dead, Save is refused and says why
        assert not window.files.save()
        assert "ended unexpectedly" in error_text(window) and path.read_bytes() == before
        window.reset()  # a new process at step 0
        wait_snapshot(qtbot, window, lambda s: s.step == 0 and window.runner.is_alive())
        assert not window.files.save()  # "No" (the default): the longer run stays
        assert asked == [(str(path), 44, 0)] and path.read_bytes() == before
        assert window.files.save()  # "Yes": the user chose the shorter run
        assert read_project(path).state.step == 0 and len(asked) == 2
    finally:
        close_window(window)


def test_save_of_a_longer_run_over_a_shorter_one_does_not_ask(qtbot, tmp_path):
    path = tmp_path / "run.playground.json"
    window = make_window(qtbot, tmp_path, runner="thread")
    window.files.ask_overwrite = lambda *args: pytest.fail("nothing would be lost")
    try:
        stepped(qtbot, window, 3)
        assert window.files.save_to(str(path))
        stepped(qtbot, window, 2)
        assert window.files.save()
        assert read_project(path).state.step == 5
    finally:
        close_window(window)


def test_run_with_a_dead_training_process_is_refused_and_a_rebuild_replaces_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    try:
        stepped(qtbot, window, 3)
        dead = window.runner
        kill_training_process(window)
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        assert not window.is_running() and window.runner is dead
        assert "killed by SIGKILL" in window.banner.message()
        select_dataset(window, "moons")  # a rebuild starts a new process
        assert window.runner is not dead and window.runner.is_alive()
        fresh = wait_snapshot(qtbot, window, lambda s: s.spec.input_dim == 2 and s.step == 0)
        assert fresh.state == "paused" and not window.banner.isVisible()
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 5)
        assert "running" in state_label(window)
    finally:
        close_window(window)
