"""Shared helpers of the GUI tests: an isolated main window and snapshot waits.

Every window gets its own settings file under tmp_path (never the user's
QSettings) and is shut down at the end of its test, which must leave no runner
thread or process behind.
"""

from __future__ import annotations

import threading

from playground.app import build_window
from playground.gui.lessons_panel import SHOWN_KEY as LESSONS_SHOWN
from playground.gui.settings import AppSettings

WAIT_MS = 20_000  # generous: the machine may be busy; waits end as soon as the condition holds


def make_window(
    qtbot, tmp_path, runner: str = "process", name: str = "settings.ini", first_launch=False
):
    """The window; not a first launch unless asked (the lessons panel would take the curves'
    column)."""
    if not first_launch:
        settings = AppSettings(str(tmp_path / name))
        settings.set(LESSONS_SHOWN, True)
        settings.sync()
    window = build_window(settings_path=str(tmp_path / name), runner=runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.presenter.last is not None, timeout=WAIT_MS)
    return window


def close_window(window) -> None:
    assert window.shutdown(), "the runner did not stop within its bounded wait"
    runner = window.runner
    if hasattr(runner, "is_alive"):
        assert not runner.is_alive()
    else:
        assert not runner.thread.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "engine-runner"]


def wait_snapshot(qtbot, window, predicate, timeout: int = WAIT_MS):
    """Pump events until the latest drawn snapshot satisfies `predicate`; return it."""
    qtbot.waitUntil(
        lambda: window.presenter.last is not None and predicate(window.presenter.last),
        timeout=timeout,
    )
    return window.presenter.last
