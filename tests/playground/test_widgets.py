"""Controls, banner and status bar on their own (the layer editor and network view: own files)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow, QStatusBar

from engine.spec import TrainConfig
from playground.document.session import UNLIMITED_EPOCHS
from playground.gui.controls import TrainingControls
from playground.gui.messages import MessageBanner
from playground.gui.status import StatusPanel


@pytest.fixture
def controls(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    c = TrainingControls(TrainConfig(epochs=UNLIMITED_EPOCHS), window)
    c.populate(window)
    c.set_losses(("bce", "mse", "mae", "huber"), "bce")
    yield c  # the window (its parent) stays alive while the test runs


def test_hyper_parameters_emit_a_whole_config(qtbot, controls):
    with qtbot.waitSignal(controls.configChanged) as blocker:
        controls.l2.setValue(0.001)
    assert blocker.args[0].l2 == pytest.approx(0.001)
    with qtbot.waitSignal(controls.configChanged) as blocker:
        controls.optimizer.setCurrentText("rmsprop")
    config = blocker.args[0]
    assert config.optimizer == "rmsprop" and config.l2 == pytest.approx(0.001)
    with qtbot.waitSignal(controls.configChanged) as blocker:
        controls.batch.setValue(0)
    assert blocker.args[0].batch_size == 0 and controls.batch.text() == "full"
    with qtbot.waitSignal(controls.configChanged) as blocker:
        controls.epochs.setValue(5)
    assert blocker.args[0].epochs == 5
    with qtbot.waitSignal(controls.configChanged) as blocker:
        controls.epochs.setValue(0)
    assert blocker.args[0].epochs == UNLIMITED_EPOCHS
    with qtbot.waitSignal(controls.lossChanged) as blocker:
        controls.loss.setCurrentIndex(2)
        controls.loss.activated.emit(2)
    assert blocker.args[0] == "mae"


@pytest.mark.parametrize("text", ["abc", "0", "-0.1", "inf", "1e9"])
def test_bad_learning_rates_are_refused_with_a_message(qtbot, controls, text):
    controls.lr.setCurrentText(text)
    with (
        qtbot.waitSignal(controls.problem) as blocker,
        qtbot.assertNotEmitted(controls.configChanged),
    ):
        controls.lr.lineEdit().editingFinished.emit()
    assert "expected a number > 0" in blocker.args[0] and repr(text) in blocker.args[0]
    assert controls.config().lr == pytest.approx(0.01)
    assert "fbe3d6" in controls.lr.styleSheet()


def test_run_button_toggles_and_follows_the_runner(qtbot, controls):
    with qtbot.waitSignal(controls.runToggled) as blocker:
        controls.run_button.click()
    assert blocker.args == [True] and controls.run_button.text() == "Pause"
    with qtbot.assertNotEmitted(controls.runToggled):
        controls.set_running(False)
    assert not controls.run_button.isChecked() and controls.run_button.text() == "Run"


def test_banner_and_status_panel(qtbot):
    banner = MessageBanner()
    qtbot.addWidget(banner)
    banner.show_message("boom", "error", offer_reset=True, details="trace")
    assert banner.message() == "boom"
    assert not banner.reset_button.isHidden() and not banner.details_button.isHidden()
    with qtbot.waitSignal(banner.resetRequested):
        banner.reset_button.click()
    banner.close_button.click()
    assert banner.message() == ""
    bar = QStatusBar()
    qtbot.addWidget(bar)
    status = StatusPanel(bar)
    status.update(state="running", epoch=3, step=120, steps_per_s=950.4, fps=31.2, train_loss=0.25)
    texts = {k: v.text() for k, v in status.labels.items()}
    assert texts["epoch"] == "epoch 3" and texts["step"] == "step 120"
    assert texts["steps_per_s"] == "950 steps/s" and texts["fps"] == "31 frames/s"
    assert texts["train_loss"] == "train loss 0.25" and texts["test_loss"] == "test loss –"
    assert "running" in texts["state"]


def test_excepthook_logs_and_shows_a_dialog_instead_of_crashing(qtbot, monkeypatch, caplog):
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from playground.app import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_excepthook(None)
    try:
        raise ValueError("slot exploded")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    boxes = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]
    assert boxes and "slot exploded" in boxes[-1].text()
    assert "Traceback" in boxes[-1].detailedText()
    assert "slot exploded" in caplog.text
    for box in boxes:
        box.close()
