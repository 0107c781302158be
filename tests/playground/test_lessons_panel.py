"""The lessons panel: shown on the first launch, a click opens a lesson, reachable later."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from playground.document.project import read_project
from playground.gui.file_actions import example_paths
from tests.playground.gui_support import close_window, make_window, wait_snapshot


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, first_launch=True)
    yield w
    close_window(w)


def test_the_first_launch_shows_every_lesson_and_the_window_fits_1280x720(qtbot, window):
    panel = window.findChild(type(window.lessons), "lessonsPanel")
    assert panel is window.lessons and panel.isVisible()
    texts = [panel.list.item(r).text() for r in range(panel.list.count())]
    assert len(texts) == len(example_paths()) == 21
    for number, (text, path) in enumerate(zip(texts, example_paths(), strict=True), start=1):
        project = read_project(path)
        title, summary = text.split("\n")
        assert title == f"{number}. {project.title}"
        assert summary and project.explanation.startswith(summary.rstrip("…"))
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720
    assert not window.loss_plot.isVisible()  # the panel takes the curves' column


def test_a_click_opens_the_lesson_and_brings_the_curves_back(qtbot, window):
    panel = window.lessons
    item = panel.list.item(1)
    project = read_project(example_paths()[1])
    before = window.presenter.last.generation
    rect = panel.list.visualItemRect(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.windowTitle().startswith(project.title)
    assert project.explanation in window.banner.message()
    snap = wait_snapshot(qtbot, window, lambda s: s.generation > before)
    assert snap.spec == project.network
    assert not panel.isVisible() and window.loss_plot.isVisible()


def test_later_launches_keep_it_closed_and_help_lessons_shows_it(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path, first_launch=True)
    assert first.lessons.isVisible()
    close_window(first)
    second = make_window(qtbot, tmp_path)
    try:
        assert not second.lessons.isVisible() and second.loss_plot.isVisible()
        help_menu = next(a.menu() for a in second.menuBar().actions() if a.text() == "&Help")
        action = next(a for a in help_menu.actions() if a.text() == "&Lessons")
        action.trigger()
        assert second.lessons.isVisible() and not second.loss_plot.isVisible()
        action.trigger()  # closable again
        assert not second.lessons.isVisible() and second.loss_plot.isVisible()
    finally:
        close_window(second)
