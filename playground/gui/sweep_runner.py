"""The sweep loop off the GUI thread: a QThread that only waits on worker processes.

`run_sweep` (playground/document/sweep) trains nothing in this process: the
thread asks and tells the study while the trials run in worker processes, and
hands each row to the window through a queued signal, so the GUI never stalls.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from playground.document.sweep.study import Sweep, run_sweep


class SweepThread(QThread):
    """Runs one sweep; `row(row, done, total)` as trials end, then `done(rows, seconds)`
    or `failed(message)`. `cancel()` stops it within a poll interval, keeping the rows."""

    row = Signal(dict, int, int)
    done = Signal(list, float)
    failed = Signal(str)

    def __init__(self, sweep: Sweep, parent=None):
        super().__init__(parent)
        self.sweep = sweep
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            rows, seconds = run_sweep(
                self.sweep, on_row=lambda r, d, t: self.row.emit(r, d, t), cancel=self._cancel
            )
        except Exception as exc:  # shown in the window; the sweep's finished rows were sent
            self.failed.emit(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        self.done.emit(rows, seconds)
