"""Nothing from the previous network or run stays on screen (issue 11, item 18).

On every rebuild, reset and open: the layer editor's message goes and its
properties show the current network, the gradient plot's hover read-out and the
plots' axes start afresh. An open lesson says when the settings no longer match
it, with a way back.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from playground.gui.file_actions import example_paths
from playground.gui.plots.gradient_plot import HOVER_HINT
from tests.playground.gui_support import wait_snapshot

LESSONS = {p.name.split(".")[0]: str(p) for p in example_paths()}
SGD_LESSON = "05-learning-rate-too-low"


@pytest.fixture
def window(window):
    """The conftest window; closing a changed lesson discards it (no modal question)."""
    window.files.ask_save = lambda: QMessageBox.StandardButton.Discard
    return window


def _refuse_something(editor) -> str:
    editor.set_features(())  # refused: at least one input must stay on
    assert editor.message.text()
    return editor.message.text()


def _rebuild_by_loss(window):
    window.controls.lossChanged.emit("mse")


def _reset(window):
    window.reset()


def _open_lesson(window):
    assert window.files.open_example(LESSONS[SGD_LESSON])


@pytest.mark.parametrize("action", [_rebuild_by_loss, _reset, _open_lesson])
def test_the_editor_message_is_cleared_and_properties_show_the_current_network(window, action):
    editor = window.layer_editor
    editor.select(0)
    _refuse_something(editor)
    action(window)
    assert editor.message.text() == ""
    i = editor.selected
    shown = editor.properties.title()
    if i is None:
        assert not editor.properties.isEnabled()
    else:
        assert shown == f"Layer {i + 1} properties"
        assert editor.properties.units.value() == editor.hidden[i].units


def test_an_edit_still_says_what_it_did(window):
    editor = window.layer_editor
    assert editor.add_layer()
    assert "rebuilt" in editor.message.text()


def _trained(qtbot, window, steps: int = 150):
    window.runner.step(steps)
    return wait_snapshot(qtbot, window, lambda s: s.step >= steps and len(s.history.steps) > 0)


@pytest.mark.parametrize("action", [_rebuild_by_loss, _reset, _open_lesson])
def test_the_hover_read_out_and_the_axes_start_afresh(qtbot, window, action):
    loss_x = window.loss_plot.loss.getViewBox()
    grad_x = window.gradient_plot.plot.getViewBox()
    empty = (loss_x.viewRange()[0], grad_x.viewRange()[0])
    _trained(qtbot, window)
    qtbot.waitUntil(lambda: loss_x.viewRange()[0][1] > 100 and grad_x.viewRange()[0][1] > 100)
    plot = window.gradient_plot
    plot._hover(plot.plot.sceneBoundingRect().center())
    assert plot.hover_label.text().startswith("step ")
    generation = window.presenter.generation
    action(window)
    qtbot.waitUntil(lambda: window.presenter.generation != generation)
    assert window.presenter.last.step == 0  # a new run, paused before its first step
    assert plot.hover_label.text() == HOVER_HINT
    assert not plot.cursor.isVisible()
    assert loss_x.viewRange()[0][1] < 100 and grad_x.viewRange()[0][1] < 100, empty


def test_a_lesson_says_when_the_settings_differ_and_restores_them(qtbot, window):
    assert window.files.open_example(LESSONS[SGD_LESSON])
    lesson_config = window.lesson.project.training
    assert lesson_config.optimizer == "sgd"
    notice = window.lesson_notice
    assert notice.message() == ""
    window.controls.optimizer.setCurrentText("adamw")
    text = notice.message()
    assert text.startswith("Your settings differ from the lesson: ")
    assert "optimizer adamw (lesson: sgd)" in text
    assert notice.restore_button.isVisibleTo(notice)
    notice.restore_button.click()
    assert window.session.config.optimizer == "sgd"
    assert window.controls.optimizer.currentText() == "sgd"
    assert notice.message() == ""


def test_a_lesson_notices_a_changed_network_and_reopens_the_lesson(qtbot, window):
    assert window.files.open_example(LESSONS[SGD_LESSON])
    lesson_hidden = window.lesson.project.network.hidden
    assert window.layer_editor.add_layer()
    assert "hidden layers" in window.lesson_notice.message()
    window.reset()  # a new initialisation seed is not a setting: still only the layers differ
    assert "seed" not in window.lesson_notice.message()
    window.lesson_notice.restore_button.click()
    assert window.spec.hidden == lesson_hidden
    assert window.lesson_notice.message() == ""
    assert window.banner.kind == "info" and window.lesson.title in window.banner.message()


def test_every_lesson_opens_matching_its_settings(window):
    for path in LESSONS.values():
        assert window.files.open_example(path)
        assert window.lesson_notice.message() == "", path


def test_opening_a_project_ends_the_lesson(qtbot, window, tmp_path):
    assert window.files.open_example(LESSONS[SGD_LESSON])
    target = str(tmp_path / "mine.playground.json")
    assert window.files.save_to(target)
    assert window.files.open_path(target)
    assert window.lesson is None
    window.controls.optimizer.setCurrentText("adamw")
    assert window.lesson_notice.message() == ""
