"""Classroom mode: View > Classroom mode / F11 / Esc, large text, thick lines, a reduced
toolbar with the lesson's controls, and leaving restores the layout exactly."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QSplitter, QToolBar, QWidget

from playground.gui import classroom
from playground.gui.file_actions import example_paths
from playground.gui.settings import AppSettings
from tests.playground.gui_support import close_window, make_window, wait_snapshot

ALWAYS_SHOWN = {"runButton", "stepButton", "resetButton", "speedControl"}


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, runner="thread")
    w.classroom.full_screen = False  # the offscreen screen is small; one test goes full screen
    yield w
    w.classroom.set_on(False)
    close_window(w)


def _action(window):
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    return next(a for a in view.actions() if a.objectName() == "classroomAction")


def _toolbar_widgets(window) -> set[str]:
    """The object names of the controls the toolbars show (labels aside)."""
    shown = set()
    for bar in window.findChildren(QToolBar):
        if not bar.isVisible():
            continue
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is not None and widget.isVisible() and not isinstance(widget, QLabel):
                shown.add(widget.objectName() or type(widget).__name__)
    return shown


def _open_lesson(qtbot, window, number: int) -> None:
    before = window.presenter.last.generation
    assert window.files.open_example(str(example_paths()[number - 1]), confirm=False)
    wait_snapshot(qtbot, window, lambda s: s.generation > before)


def _name(widget: QWidget) -> str:
    """Its class and object name, and its parent's, and where it is (unique enough)."""
    parent = widget.parentWidget()
    owner = f"{type(parent).__name__}:{parent.objectName()}" if parent else ""
    return f"{owner}/{type(widget).__name__}:{widget.objectName()}@{id(widget)}"


def _layout(window) -> dict:
    """Everything classroom mode touches, as comparable values."""
    app = QApplication.instance()
    plots = [i for v in window.findChildren(pg.GraphicsView) for i in v.scene().items()]
    return {
        "font": app.font().toString(),
        "state": bytes(window.saveState()),
        "geometry": bytes(window.saveGeometry()),
        "window_state": window.windowState(),
        "splitters": {s.objectName(): s.sizes() for s in window.findChildren(QSplitter)},
        "visible": {  # scroll bars "as needed" follow their contents, not the layout
            _name(w): w.isVisible()
            for w in window.findChildren(QWidget)
            if "qt_scrollarea" not in _name(w)
        },
        "actions": {
            id(a): a.isVisible() for b in window.findChildren(QToolBar) for a in b.actions()
        },
        "widths": {
            id(w): (w.minimumWidth(), w.maximumWidth()) for w in window.findChildren(QWidget)
        },
        "pens": {
            id(i): pg.mkPen(i.opts["pen"]).widthF() for i in plots if isinstance(i, pg.PlotDataItem)
        },
        "ticks": {id(i): i.style["tickFont"] for i in plots if isinstance(i, pg.AxisItem)},
        "labels": {id(i): dict(i.labelStyle) for i in plots if isinstance(i, pg.AxisItem)},
        "edges": window.network_view.line_scale,
        "banner": (window.banner.text.styleSheet(), window.banner.isVisible()),
    }


def test_the_view_menu_action_f11_and_esc_toggle_it(qtbot, window):
    action = _action(window)
    assert action is window.classroom.action and action.isCheckable()
    assert action.shortcut().toString() == "F11"
    action.trigger()
    assert window.classroom.is_on() and action.isChecked()
    action.trigger()
    assert not window.classroom.is_on()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.classroom.is_on() and action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.classroom.is_on() and not action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # Esc outside the mode does not enter it
    assert not window.classroom.is_on()


def test_fonts_and_lines_grow(qtbot, window):
    app = QApplication.instance()
    size = app.font().pointSizeF()
    train_width = pg.mkPen(window.loss_plot.train_curve.opts["pen"]).widthF()
    axis = window.loss_plot.loss.getAxis("left")
    window.classroom.set_on(True)
    assert app.font().pointSizeF() == pytest.approx(size * classroom.FONT_SCALE)
    pen = pg.mkPen(window.loss_plot.train_curve.opts["pen"])
    assert pen.widthF() == pytest.approx(train_width * classroom.LINE_SCALE)
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(size * classroom.FONT_SCALE)
    assert axis.labelStyle["font-size"] == f"{size * classroom.FONT_SCALE:.1f}pt"
    legend = window.loss_plot.loss.legend
    assert all(label.opts["size"] == axis.labelStyle["font-size"] for _s, label in legend.items)
    batch = pg.mkPen(window.loss_plot.batch_curve.opts["pen"])
    assert batch.widthF() < classroom.BOLD_FROM  # noisy hairlines stay thin (frame rate)
    assert window.network_view.line_scale == classroom.EDGE_SCALE
    assert window.controls.lr.width() > 80  # fixed widths grow with the text


def test_the_toolbar_holds_run_step_reset_and_speed_only(qtbot, window):
    assert _toolbar_widgets(window) > ALWAYS_SHOWN | {"learningRate", "optimizerCombo"}
    window.classroom.set_on(True)
    assert _toolbar_widgets(window) == ALWAYS_SHOWN
    assert not window.findChild(QToolBar, "regularisationToolbar").isVisible()
    assert not window.picker.isVisible() and not window.layer_editor.isVisible()
    assert window.boundary_plot.isVisible() and window.loss_plot.isVisible()


def test_a_lessons_declared_controls_show_and_follow_the_lesson(qtbot, window):
    _open_lesson(qtbot, window, 5)  # learning rate too low: declares "lr"
    window.classroom.set_on(True)
    assert _toolbar_widgets(window) == ALWAYS_SHOWN | {"learningRate"}
    assert "Learning rate too low" in window.banner.message()
    explanation = window.banner.text.styleSheet()
    assert "font-size" in explanation  # larger than the rest
    _open_lesson(qtbot, window, 2)  # vanishing gradients: the gradient tabs, no lr
    assert _toolbar_widgets(window) == ALWAYS_SHOWN
    assert window.health_tabs.isVisible() and window.gradient_plot.isVisible()
    _open_lesson(qtbot, window, 1)  # XOR: the layer editor
    assert window.layer_editor.isVisible() and not window.health_tabs.isVisible()
    _open_lesson(qtbot, window, 20)  # warmup: the schedule (Advanced panel) and its curve
    assert _toolbar_widgets(window) == ALWAYS_SHOWN | {"learningRate", "advancedButton"}
    assert window.lr_plot.isVisible()


def test_a_dismissed_explanation_comes_back_and_goes_again(qtbot, window):
    _open_lesson(qtbot, window, 4)
    window.banner.hide()
    window.classroom.set_on(True)
    assert "Learning rate too high" in window.banner.message()
    window.classroom.set_on(False)
    assert not window.banner.isVisible() and window.banner.text.styleSheet() == ""
    window.classroom.set_on(True)
    window.banner.show_message("Training diverged at step 5", "error")  # news meanwhile
    window.classroom.set_on(False)
    assert window.banner.message() == "Training diverged at step 5"


def test_leaving_restores_the_layout_exactly(qtbot, window):
    _open_lesson(qtbot, window, 7)  # a lesson with a control, on the regularisation row
    window.runs.panel.show()  # a dock that the mode hides
    window.splitter.setSizes([250, 700, 500])
    qtbot.wait(50)
    before = _layout(window)
    window.classroom.full_screen = True
    window.classroom.set_on(True)
    qtbot.waitUntil(lambda: window.isFullScreen())
    assert window.controls.l2.isVisible() and not window.controls.lr.isVisible()
    during = _layout(window)
    assert during["font"] != before["font"] and during["pens"] != before["pens"]
    assert not window.runs.panel.isVisible()
    window.classroom.set_on(False)
    qtbot.waitUntil(lambda: not window.isFullScreen())
    with contextlib.suppress(qtbot.TimeoutError):  # the comparison below names what differs
        qtbot.waitUntil(lambda: _layout(window) == before, timeout=3000)
    after = _layout(window)
    for key in before:
        assert after[key] == before[key], key


def test_curves_made_in_the_mode_thicken_and_go_back(qtbot, window):
    window.classroom.set_on(True)
    _open_lesson(qtbot, window, 2)  # seven layers: the gradient plot makes new curves
    curves = window.gradient_plot.smooth_curves
    assert len(curves) == 7
    qtbot.waitUntil(
        lambda: all(pg.mkPen(c.opts["pen"]).widthF() == 2 * classroom.LINE_SCALE for c in curves)
    )
    window.classroom.set_on(False)
    assert all(pg.mkPen(c.opts["pen"]).widthF() == 2 for c in curves)


def test_training_runs_in_classroom_mode(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)  # the training process, as people use it
    try:
        window.classroom.full_screen = False
        window.classroom.set_on(True)
        start = window.presenter.last.step
        window.toggle_run()
        wait_snapshot(qtbot, window, lambda s: s.step > start + 50)
        window.toggle_run()
        assert not window.is_running()
        window.reset()
        wait_snapshot(qtbot, window, lambda s: s.step == 0)
        window.classroom.set_on(False)
    finally:
        close_window(window)


def test_closing_in_classroom_mode_saves_the_usual_layout(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    window.classroom.full_screen = False
    usual = bytes(window.splitter.saveState())
    font = QApplication.instance().font().toString()
    window.classroom.set_on(True)
    assert window.splitter.sizes()[0] == 0  # the picker made room
    close_window(window)
    assert QApplication.instance().font().toString() == font
    settings = AppSettings(str(tmp_path / "settings.ini"))
    assert bytes(settings.get_bytes("window/mainSplitter")) == usual


EXIT_SCRIPT = """
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from playground.app import build_window
from playground.gui.lessons_panel import SHOWN_KEY
from playground.gui.settings import AppSettings
path = sys.argv[1]
settings = AppSettings(path)
settings.set(SHOWN_KEY, True)
settings.sync()
window = build_window(settings_path=path, runner="thread")
window.show()
app.processEvents()
window.classroom.full_screen = False
window.classroom.set_on(True)
app.processEvents()
assert window.shutdown()  # leaves the mode; no event is processed after this line
"""


def test_a_script_that_ends_in_classroom_mode_exits_cleanly(tmp_path):
    script = tmp_path / "ends_in_classroom_mode.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "settings.ini")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]  # -11: a crash as Python exits


def test_the_runs_panel_does_not_pop_up_over_the_lesson(qtbot, window):
    from tests.playground.test_runs_panel import new_run, train

    window.classroom.set_on(True)
    train(qtbot, window, 5)
    new_run(qtbot, window)  # the first finished run: normally the Runs panel appears
    assert len(window.runs.list) == 1 and window.runs.panel.isHidden()
    window.classroom.set_on(False)
    train(qtbot, window, 5)
    new_run(qtbot, window)  # out of the mode, the next run shows it as usual
    assert window.runs.panel.isVisible()
