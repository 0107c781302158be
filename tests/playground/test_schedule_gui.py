"""The learning-rate schedule in the window: Advanced panel, status bar, curve, inspector."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMainWindow

from engine.spec import TrainConfig
from playground.gui.controls import TrainingControls
from playground.gui.plots.lr_plot import LearningRatePlot
from tests.playground.gui_support import wait_snapshot
from tests.playground.test_advanced_settings import enter


@pytest.fixture
def controls(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    c = TrainingControls(TrainConfig(epochs=40), window)
    c.populate(window)
    yield c


def test_choosing_cosine_without_a_horizon_takes_the_runs_epochs(qtbot, controls):
    with qtbot.waitSignal(controls.configChanged) as blocker:
        enter(controls.editors["schedule"], "cosine")
    config = blocker.args[0]
    assert (config.schedule, config.schedule_epochs) == ("cosine", 40)
    assert controls.editors["schedule_epochs"].value() == 40


def test_settings_the_schedule_does_not_read_are_disabled_saying_why(qtbot, controls):
    enter(controls.editors["schedule"], "step")
    e = controls.editors
    assert e["schedule_step"].isEnabled() and e["schedule_gamma"].isEnabled()
    assert not e["schedule_epochs"].isEnabled() and not e["plateau_patience"].isEnabled()
    assert "not read by the step schedule" in e["warmup_epochs"].toolTip()
    enter(e["schedule"], "plateau")
    assert e["plateau_patience"].isEnabled() and not e["schedule_step"].isEnabled()
    assert e["seed"].isEnabled()  # not a schedule setting


def test_the_curve_draws_the_schedule_done_and_ahead(qtbot):
    plot = LearningRatePlot()
    qtbot.addWidget(plot)
    config = TrainConfig(lr=0.1, schedule="warmup_cosine", warmup_epochs=2, schedule_epochs=10)
    plot.show_rates(config, 4, 0.1 * (1 + np.cos(np.pi * 2 / 8)) / 2)
    done, ahead = plot.done_curve, plot.plan_curve  # xData, yData: the rates, not their logs
    np.testing.assert_array_equal(done.xData, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(done.yData[:3], [0.05, 0.1, 0.1])
    assert done.yData[-1] == pytest.approx(0.1 * (1 + np.cos(np.pi * 2 / 8)) / 2)
    # ahead: to the epoch before the horizon (the rate 0 at the horizon has no log)
    assert ahead.xData[0] == 4 and ahead.xData[-1] == 9 and ahead.yData[-1] < 0.01
    assert "warmup_cosine" in plot.title.text()


def test_the_window_shows_the_rate_each_epoch_uses(qtbot, window):
    c = window.controls
    enter(c.batch, 0)  # full batches: each step is an epoch
    enter(c.editors["schedule_gamma"], 0.5)
    enter(c.editors["schedule"], "exponential")
    lr = c.config().lr
    for _ in range(3):
        c.step_button.click()
        snap = wait_snapshot(qtbot, window, lambda s: s.epoch >= 1 and s.state == "paused")
    snap = wait_snapshot(qtbot, window, lambda s: s.epoch == 3)
    assert snap.lr == pytest.approx(lr * 0.5**3)
    assert window.status.labels["lr"].text() == f"lr {lr * 0.5**3:.4g}"
    np.testing.assert_allclose(window.lr_plot.done_curve.yData, lr * 0.5 ** np.arange(4))
    assert window.lr_plot.now_dot.yData[0] == pytest.approx(lr * 0.5**3)


def test_while_running_the_curve_follows_the_epoch_a_few_times_a_second(qtbot):
    from types import SimpleNamespace

    plot = LearningRatePlot()
    qtbot.addWidget(plot)
    config = TrainConfig(lr=0.1, schedule="exponential", schedule_gamma=0.5)

    def snap(epoch, state="running"):
        lr = 0.1 * 0.5**epoch
        return SimpleNamespace(epoch=epoch, config=config, lr_changes=(), lr=lr, state=state)

    plot.show_snapshot(snap(1))
    assert plot.current == 0.05
    plot.show_snapshot(snap(2))  # within REDRAW_S of the last drawing: skipped
    assert plot.current == 0.05
    plot.show_snapshot(snap(3, "paused"))  # a pause shows where training stopped
    assert plot.current == 0.0125 and plot.done_curve.xData[-1] == 3
