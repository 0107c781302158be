"""The window and the File menu work through the document and follow its events."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from engine.spec import LayerSpec
from playground.document.events import Event
from playground.document.project import read_project
from playground.gui.document_link import follow
from tests.playground.gui_support import close_window, make_window, wait_snapshot

OPENED = (LayerSpec(3, "relu"),)
EDITED = (LayerSpec(5, "tanh"),)


def stepped(qtbot, window, n: int):
    target = window.presenter.last.step + n
    window.runner.step(n)
    return wait_snapshot(qtbot, window, lambda s: s.step == target and s.reason == "step")


def test_a_view_stops_following_an_event_when_it_is_destroyed(qtbot):
    event, seen = Event("spec"), []
    widget = QWidget()
    follow(widget, event, seen.append)
    event.emit(1)
    widget.deleteLater()
    qtbot.waitUntil(lambda: len(event) == 0)  # once Qt has destroyed it
    event.emit(2)
    assert seen == [1] and len(event) == 0


def test_an_open_goes_through_the_document_and_every_view_follows(qtbot, tmp_path):
    path = str(tmp_path / "p.playground.json")
    window = make_window(qtbot, tmp_path, runner="thread")
    doc = window.document
    loaded = []
    doc.events.loaded.connect(loaded.append)
    try:
        window.layer_editor.edit("the saved network", hidden=OPENED)
        stepped(qtbot, window, 3)
        assert window.files.save_to(path)
        assert doc.path == path and not doc.dirty and not window.isWindowModified()
        assert window.windowTitle().startswith("p.playground.json")
        window.layer_editor.edit("an unsaved edit", hidden=EDITED)  # the window rebuilds
        assert doc.spec.hidden == EDITED and window.network_view.spec == doc.spec
        assert doc.dirty and window.isWindowModified()  # the title shows "*"
        answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
        window.files.ask_save = lambda: answers.pop(0)
        assert not window.files.open_path(path)  # Cancel: the edit stays
        assert doc.spec.hidden == EDITED and loaded == [] and answers
        assert window.files.open_path(path)  # Discard: the saved project comes back
        assert not answers and [p.network.hidden for p in loaded] == [OPENED]
        assert doc.spec == read_project(path).network
        assert window.layer_editor.hidden == OPENED and window.network_view.spec == doc.spec
        assert window.layer_editor.undo_stack.count() == 0
        wait_snapshot(qtbot, window, lambda s: s.step == 3 and s.spec == doc.spec)
        assert not doc.dirty and not window.isWindowModified()
        assert "Opened p.playground.json at step 3" in window.statusBar().currentMessage()
    finally:
        close_window(window)


def test_the_window_follows_a_config_change_made_in_the_document(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        config = window.document.config.replace(lr=0.25, batch_size=7)
        window.document.set_config(config)
        assert window.controls.config() == config
        assert window.controls.batch.value() == 7
        window.reset()  # a new seed goes through the document, and the controls follow
        assert window.document.config.seed == config.seed + 1
        assert window.controls.config() == window.document.config
    finally:
        close_window(window)


def test_a_lesson_follows_changes_made_through_the_document(qtbot, tmp_path):
    """The lesson notice listens to the document, whoever changed it; restoring the
    lesson's network reopens it without asking about the changes it undoes."""
    from playground.gui.file_actions import example_paths

    window = make_window(qtbot, tmp_path, runner="thread")
    asked = []
    window.files.ask_save = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    try:
        assert window.files.open_example(str(example_paths()[0]))
        doc = window.document
        lesson_hidden = doc.spec.hidden
        doc.set_config(doc.config.replace(lr=doc.config.lr * 3))
        assert "learning rate" in window.lesson_notice.message()
        doc.set_hidden(EDITED)
        assert "hidden layers" in window.lesson_notice.message()
        assert doc.dirty and window.isWindowModified()
        window.lesson_notice.restore_button.click()
        assert asked == [] and doc.spec.hidden == lesson_hidden
        assert window.lesson_notice.message() == "" and not doc.dirty
    finally:
        close_window(window)
