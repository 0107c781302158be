"""Lesson links in the window: Copy Lesson Link, File > Open from Text, `open --text`."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from engine.spec import LayerSpec
from playground.app import build_window
from playground.document import share_text
from playground.document.session import DataChoice
from playground.gui.share_actions import OpenTextDialog, ShareActions
from tests.playground.gui_support import close_window, make_window, wait_snapshot
from tests.playground.test_project_gui import flat_weights, stepped
from tests.playground.test_share_text import BAD_TEXTS, DEFAULT_TEXT, EVERY_SETTING
from tests.playground.test_standardize_travels import write_wild_csv

MOONS = DataChoice("moons", {"n_samples": 150, "noise": 0.2, "seed": 3}, test_ratio=0.2)
HIDDEN = (LayerSpec(6, "relu", batch_norm=True), LayerSpec(5, "elu", residual=True))
CONFIG = EVERY_SETTING.replace(schedule="constant", patience=0, epochs=1000, seed=77)


def menu_action(window, text: str):
    file_menu = window.menuBar().actions()[0].menu()
    return next(a for a in file_menu.actions() if a.text() == text)


def error_texts(window) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox) if b.objectName() == "errorDialog"]


def set_up_a_lesson(qtbot, window) -> None:
    """Other data, a network with batch norm and a residual layer, every setting changed."""
    assert window.picker.apply(MOONS)
    window.document.set_hidden(HIDDEN)
    window._config_edited(CONFIG)  # as the toolbar and the Advanced panel do
    window.reset(seed=CONFIG.seed)
    wait_snapshot(
        qtbot,
        window,
        lambda s: s.step == 0 and s.spec.hidden == HIDDEN and s.config.seed == CONFIG.seed,
    )


def test_copy_lesson_link_puts_the_whole_state_on_the_clipboard(qtbot, window):
    QGuiApplication.clipboard().setText("before")
    set_up_a_lesson(qtbot, window)
    menu_action(window, "Copy &Lesson Link").trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("bpp1.") and len(text) < 1000
    project = share_text.decode(text)
    assert project.session == window.session  # data recipe, features, layers, loss, settings
    assert project.network == window.spec and project.training == CONFIG
    assert project.speed == window.watching.project_speed()
    assert "Lesson link copied" in window.statusBar().currentMessage()


def test_a_link_opened_in_a_fresh_window_trains_the_same_run(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path, runner="thread", name="a.ini")
    try:
        set_up_a_lesson(qtbot, first)
        text = first.findChild(ShareActions).copy_link()
        expected = stepped(qtbot, first, 25)
        session = first.session
    finally:
        close_window(first)
    second = make_window(qtbot, tmp_path, runner="thread", name="b.ini")
    try:
        assert second.session != session  # another settings file: the default session
        QGuiApplication.clipboard().setText("not a link")
        menu_action(second, "Open from &Text…").trigger()
        dialog = second.findChild(OpenTextDialog)
        assert dialog.isVisible() and dialog.text.toPlainText() == ""
        dialog.reject()
        QGuiApplication.clipboard().setText(text)
        assert second.findChild(ShareActions).open_dialog().text.toPlainText() == text
        dialog.text.setPlainText("\n".join(text[i : i + 40] for i in range(0, len(text), 40)))
        dialog.open_button.click()
        assert not dialog.isVisible() and dialog.problem() == ""
        wait_snapshot(qtbot, second, lambda s: s.step == 0 and s.spec.hidden == HIDDEN)
        assert second.session == session and second.files.path is None
        snap = stepped(qtbot, second, 25)
        np.testing.assert_array_equal(flat_weights(snap), flat_weights(expected))
        assert snap.history.loss[-1] == expected.history.loss[-1]
        assert second.files.recent() == []  # a link is not a file
    finally:
        close_window(second)


def test_bad_text_in_the_dialog_is_explained_and_nothing_changes(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        before = stepped(qtbot, window, 3)
        session, runner = window.session, window.runner
        dialog = window.findChild(ShareActions).open_dialog()
        for kind, (make, needle) in BAD_TEXTS.items():
            dialog.text.setPlainText(make())
            dialog.open_button.click()
            assert dialog.isVisible(), kind  # stays open: paste again
            assert needle in dialog.problem() and "current work stays" in dialog.problem(), kind
            assert window.session == session and window.runner is runner, kind
            assert window.document.project is None and window.files.path is None, kind
        assert window.presenter.last.step == before.step
        assert error_texts(window) == []  # explained inside the dialog, not in another box
        dialog.reject()
    finally:
        close_window(window)


def test_an_imported_csv_cannot_be_copied_and_the_clipboard_stays(qtbot, window, tmp_path):
    path = tmp_path / "wild.csv"
    write_wild_csv(path)
    assert window.picker.import_csv(str(path))
    wait_snapshot(qtbot, window, lambda s: s.spec.input_dim == 6)
    QGuiApplication.clipboard().setText("kept")
    assert window.findChild(ShareActions).copy_link() is None
    assert "imported CSV cannot travel" in error_texts(window)[-1]
    assert QGuiApplication.clipboard().text() == "kept"


@pytest.mark.parametrize("good", [True, False])
def test_playground_open_text_starts_the_window_on_the_link(qtbot, tmp_path, good):
    lesson = share_text.decode(DEFAULT_TEXT).replace(data=MOONS, training=CONFIG)
    text = share_text.encode(lesson) if good else "bpp9.whatever"
    window = build_window(settings_path=str(tmp_path / "s.ini"), runner="thread", text=text)
    qtbot.addWidget(window)
    window.show()
    try:
        wait_snapshot(qtbot, window, lambda s: s.step == 0)
        if good:
            assert window.session.data == MOONS and window.session.config == CONFIG
            assert error_texts(window) == []
        else:
            assert window.session.data.source == "spirals"  # the remembered (default) session
            assert "newer Backprop Playground" in error_texts(window)[-1]
    finally:
        close_window(window)
