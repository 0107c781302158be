"""Application entry points: `build_window` (no event loop) and `run` (shows and execs).

`run` also installs a `sys.excepthook` that logs an unexpected exception and shows
it in a dialog instead of letting it end the program; expected problems are
handled where they happen and never show a traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import traceback

from PySide6.QtWidgets import QApplication

from playground.document.session import Session
from playground.gui import share_actions, sweep_menu
from playground.gui.main_window import DEFAULT_RUNNER, MainWindow
from playground.gui.messages import show_error_dialog
from playground.gui.settings import APPLICATION, ORGANISATION, AppSettings

log = logging.getLogger("playground")


def build_window(
    project: str | None = None,
    *,
    settings_path: str | None = None,
    runner: str | None = None,
    text: str | None = None,
) -> MainWindow:
    """The main window on the remembered session (or the default), not yet shown.

    A QApplication must exist. `settings_path` selects an isolated settings file
    (tests, benchmarks); by default the user's QSettings are used. `runner` is
    "process" (training in a child process, the default) or "thread" (in this
    process; also chosen by the environment variable PLAYGROUND_RUNNER, and the
    only choice where the process runner is unsupported). `text`: a lesson link to open
    (`playground open --text`).
    """
    settings = AppSettings(settings_path)
    session = settings.load_session() or Session()
    kind = runner or os.environ.get("PLAYGROUND_RUNNER") or DEFAULT_RUNNER
    window = MainWindow(session, settings, runner=kind)
    sweep_menu.install(window)  # Training > Sweep…
    if project is not None:
        window.files.open_path(project)  # a bad file is explained; the last session stays
    if text is not None:
        share_actions.open_text_at_start(window, text)  # likewise
    return window


def install_excepthook(window: MainWindow | None) -> None:
    """Log unexpected exceptions and show them in a (non-blocking) dialog."""

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error:\n%s", details)
        try:
            show_error_dialog(
                window,
                "Unexpected error",
                f"Something went wrong: {exc}\nThe window keeps working; "
                "if training misbehaves, press Reset.",
                details,
            )
        except Exception:  # never let the hook itself fail
            log.exception("could not show the error dialog")

    sys.excepthook = hook


def run(project: str | None = None, text: str | None = None) -> int:
    """Create the application, show the main window, run the event loop; the exit status."""
    t0 = time.perf_counter()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Backprop Playground")
    window = build_window(project, text=text)
    install_excepthook(window)
    signal.signal(signal.SIGINT, lambda *_args: window.close())  # Ctrl+C: a clean close
    window.show()
    log.info("window shown after %.2f s", time.perf_counter() - t0)
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        window.deleteLater()
        app.processEvents()
