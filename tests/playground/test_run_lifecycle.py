"""What Run does after a divergence, and a training process that dies under the window.

Run after a divergence resumes from the last finite weights; when it diverges
again the banner comes back, and the status bar always shows the runner's state.
A dead training process is replaced before Open Project claims anything, and a
save never silently writes less than the file already holds.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from engine.errors import DivergenceError
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot
from tests.playground.test_main_window import select_dataset


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


def flat_weights(snap) -> np.ndarray:
    return np.concatenate([a.ravel() for pair in snap.weights for a in pair])


def test_run_after_a_divergence_diverges_again_and_the_banner_comes_back(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
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
        window.runner.step(5)
        kept = wait_snapshot(qtbot, window, lambda s: s.step == 5 and s.reason == "step")
        diverge_on_the_next_step(window.runner)
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        first = wait_snapshot(qtbot, window, lambda s: s.state == "diverged")
        assert first.step == 5 and "diverged at step 6" in window.banner.message()
        np.testing.assert_array_equal(flat_weights(first), flat_weights(kept))
        assert "diverged" in state_label(window) and not window.is_running()
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        later = wait_snapshot(qtbot, window, lambda s: s.state == "running" and s.step > 25)
        assert later.generation == first.generation  # the same run goes on, not a reset
        history = window.runner.history()
        assert history.steps[:7].tolist() == list(range(1, 8))  # no step lost or repeated
        assert "running" in state_label(window) and not window.banner.isVisible()
    finally:
        close_window(window)
