"""The Advanced panel and every setting's editor: built from engine/settings.py, applied."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QMainWindow

from engine.settings import SETTINGS
from engine.spec import TrainConfig
from playground.gui.controls import TrainingControls
from playground.gui.settings import AppSettings
from tests.playground.gui_support import close_window, make_window, wait_snapshot

ADVANCED = [s for s in SETTINGS if s.group == "advanced"]


def other_value(s):
    """A valid value other than the default, as the editor takes it and as the config holds it."""
    if s.choices:
        value = next(c for c in reversed(s.choices) if c != s.default)
        return value, value
    if s.kind is bool:
        return not s.default, not s.default
    if s.name == "eps":
        return "1e-06", 1e-6
    if s.kind is int:
        value = int(min(s.high, (s.default or 0) + 3))
        return value, value
    value = round((s.low + s.high) / 3, min(s.decimals, 4))
    return value, value


def enter(box, value) -> None:
    """Edit `box` as a person would: pick or type, then finish editing."""
    if isinstance(box, QCheckBox):
        box.click()  # as a person would
        assert box.isChecked() == value
    elif isinstance(box, QComboBox):
        if box.isEditable():
            box.setCurrentText(str(value))
            box.lineEdit().editingFinished.emit()
        else:
            box.setCurrentText(value)
    else:
        box.setValue(value)


def optimizer_for(s) -> str:
    return s.optimizers[0] if s.optimizers else "adam"


@pytest.fixture
def controls(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    c = TrainingControls(TrainConfig(), window)
    c.populate(window)
    yield c


def test_every_setting_has_an_editor_and_the_advanced_ones_are_in_the_panel(controls):
    assert set(controls.editors) == {s.name for s in SETTINGS}
    assert set(controls.advanced.editors) == {s.name for s in ADVANCED}
    assert {"momentum", "beta1", "beta2", "eps", "rho", "patience", "restore_best", "seed"} <= set(
        controls.advanced.editors
    )
    for s in SETTINGS:  # basic ones sit in a toolbar, advanced ones in the panel
        box = controls.editors[s.name]
        assert (box.window() is controls.advanced) == (s.group == "advanced")
        assert s.tip in box.toolTip() or not box.isEnabled()


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: s.name)
def test_each_editor_sets_its_field_of_the_config(qtbot, controls, s):
    enter(controls.optimizer, optimizer_for(s))
    shown, value = other_value(s)
    if s.name == "epochs":
        value = shown
    expected = TrainConfig(optimizer=optimizer_for(s)).replace(**{s.name: value})
    if s.name == "seed":  # a new seed means new initial weights: the window resets to it
        with (
            qtbot.waitSignal(controls.resetRequested) as blocker,
            qtbot.assertNotEmitted(controls.configChanged),
        ):
            enter(controls.editors[s.name], shown)
        assert blocker.args == [value] and controls.config() == expected
        return
    with qtbot.waitSignal(controls.configChanged) as blocker:
        enter(controls.editors[s.name], shown)
    assert blocker.args[0] == expected == controls.config()  # that field, nothing else


def test_the_reset_button_asks_for_the_next_seed(qtbot, controls):
    with qtbot.waitSignal(controls.resetRequested) as blocker:
        controls.reset_button.click()
    assert blocker.args == [None]


def test_options_the_optimizer_does_not_read_are_disabled_saying_why(qtbot, controls):
    enter(controls.optimizer, "adam")
    momentum, beta1, rho = (controls.editors[n] for n in ("momentum", "beta1", "rho"))
    assert beta1.isEnabled() and not momentum.isEnabled() and not rho.isEnabled()
    assert "not used by adam" in momentum.toolTip() and "momentum, nesterov" in momentum.toolTip()
    enter(controls.optimizer, "rmsprop")
    assert rho.isEnabled() and not beta1.isEnabled() and not momentum.isEnabled()
    enter(controls.optimizer, "sgd")
    assert not controls.editors["eps"].isEnabled()
    assert controls.editors["seed"].isEnabled() and controls.editors["patience"].isEnabled()


def test_a_bad_epsilon_is_refused_with_a_message(qtbot, controls):
    box = controls.editors["eps"]
    box.setCurrentText("-3")
    with (
        qtbot.waitSignal(controls.problem) as blocker,
        qtbot.assertNotEmitted(controls.configChanged),
    ):
        box.lineEdit().editingFinished.emit()
    assert "epsilon" in blocker.args[0] and "'-3'" in blocker.args[0]
    assert controls.config().eps is None and "fbe3d6" in box.styleSheet()
    enter(box, "default")
    assert box.styleSheet() == ""


def test_set_config_shows_every_setting(controls):
    changed = {s.name: other_value(s)[1] for s in SETTINGS}
    config = TrainConfig(**changed)
    controls.set_config(config)
    assert controls.editors["eps"].currentText() == "1e-06"
    assert controls.advanced.editors["rho"].value() == pytest.approx(config.rho)
    controls._emit_config()
    assert controls.config() == config


def test_the_runner_takes_the_advanced_settings_and_they_are_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.controls.advanced_button.click()
        qtbot.waitUntil(window.controls.advanced.isVisible)
        enter(window.controls.optimizer, "rmsprop")
        for s in ADVANCED:
            if s.name == "seed":
                continue
            shown, value = other_value(s)
            enter(window.controls.editors[s.name], shown)
            wait_snapshot(
                qtbot, window, lambda snap, s=s, v=value: getattr(snap.config, s.name) == v
            )
        first = window.presenter.last
        enter(window.controls.editors["seed"], 7)  # a new seed: step 0 with its weights
        fresh = wait_snapshot(
            qtbot, window, lambda s: s.config.seed == 7 and s.generation > first.generation
        )
        assert fresh.step == 0 and fresh.config.rho == other_value(SETTINGS[5])[1]
        window.settings.sync()
    finally:
        close_window(window)
    remembered = AppSettings(str(tmp_path / "settings.ini")).load_session().config
    assert remembered.seed == 7 and remembered.optimizer == "rmsprop"
    for s in ADVANCED:
        if s.name != "seed":
            assert getattr(remembered, s.name) == other_value(s)[1]
    again = make_window(qtbot, tmp_path, runner="thread")
    try:
        assert again.controls.config() == remembered
        assert again.controls.editors["rho"].isEnabled()
    finally:
        close_window(again)
