"""Reading an imported CSV off the GUI thread, so a big file never freezes the window.

`CsvLoader.load(choice)` builds the DataChoice in a worker thread and reports
back on the GUI thread with `finished(choice, dataset, reason)`: a Dataset and
"" on success, None and the reason on failure. Only the newest request is
reported; an older one still running is forgotten when it ends.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

import datasets
from playground.document.session import DataChoice

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a result from the worker thread to the GUI thread (a queued signal)."""

    done = Signal(int, object, object, str)


class CsvLoader(QObject):
    finished = Signal(object, object, str)  # DataChoice, Dataset | None, reason
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.done.connect(self._done)
        self._job = 0
        self._threads: list[threading.Thread] = []

    def is_busy(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def load(self, choice: DataChoice) -> None:
        """Start reading `choice` (a CSV); `finished` follows on the GUI thread."""
        self._job += 1
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(
            target=self._work, args=(self._job, choice), name="csv-import", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        self.busyChanged.emit(True)

    def wait(self, timeout: float) -> bool:
        """Wait (bounded) for the workers; True when none is left."""
        for thread in self._threads:
            thread.join(timeout)
        return not self.is_busy()

    def _work(self, job: int, choice: DataChoice) -> None:
        try:
            ds, reason = choice.build(), ""
        except OSError as exc:
            ds, reason = None, exc.strerror or str(exc)
        except datasets.DatasetError as exc:
            ds, reason = None, str(exc)
        except Exception as exc:  # a worker must never die silently
            log.exception("reading %s failed", choice.path)
            ds, reason = None, f"unexpected error: {exc}"
        try:
            self._relay.done.emit(job, choice, ds, reason)
        except RuntimeError:  # the window closed while the file was being read
            log.info("dropped the import of %s: the window is gone", choice.path)

    def _done(self, job: int, choice: DataChoice, ds, reason: str) -> None:
        if job != self._job:
            return  # a newer request replaced this one
        self.busyChanged.emit(False)
        self.finished.emit(choice, ds, reason)
