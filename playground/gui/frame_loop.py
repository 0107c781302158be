"""The one GUI timer: take the newest snapshot, draw it, re-arm.

A single-shot timer re-armed after each frame (pyqtgraph's idiom) so frames never
pile up when drawing is slow: the next frame is due one period after the previous
one was due (or at once, at least 1 ms later, when drawing fell behind), which
keeps the rate and leaves the event loop free for input. Frames per second count
frames that drew a snapshot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


class FrameLoop(QObject):
    """Calls `draw(snapshot)` with `take()`'s result, at most `hz` times a second."""

    def __init__(
        self,
        take: Callable[[], object | None],
        draw: Callable[[object], None],
        on_error: Callable[[BaseException], None] | None = None,
        hz: float = 30.0,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._take = take
        self._draw = draw
        self._on_error = on_error
        self.period = 1.0 / hz
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._due = 0.0
        self.timer.timeout.connect(self._tick)
        self.frames = 0  # drawn since start
        self.fps = 0.0
        self.last_frame_seconds = 0.0
        self._window_start = time.perf_counter()
        self._window_frames = 0
        self._running = False

    def wrap_draw(self, before: Callable[[object], None], after: Callable[[object], None]) -> None:
        """Call `before(snap)` and `after(snap)` around every drawing (views that keep books
        on the snapshots they are shown, such as the weight editor)."""
        draw = self._draw

        def drawn(snap) -> None:
            before(snap)
            draw(snap)
            after(snap)

        self._draw = drawn

    def start(self) -> None:
        self._running = True
        self._due = time.perf_counter()
        self.timer.start(0)

    def stop(self) -> None:
        self._running = False
        self.timer.stop()

    def _tick(self) -> None:
        t0 = time.perf_counter()
        try:
            snap = self._take()
            if snap is not None:
                self._draw(snap)
                self.frames += 1
                self._window_frames += 1
        except Exception as exc:  # a drawing bug must not stop the loop or reach the user raw
            log.exception("drawing a snapshot failed")
            if self._on_error is not None:
                self._on_error(exc)
        finally:
            t1 = time.perf_counter()
            self.last_frame_seconds = t1 - t0
            if t1 - self._window_start >= 1.0:
                self.fps = self._window_frames / (t1 - self._window_start)
                self._window_start, self._window_frames = t1, 0
            if self._running:
                self._due = max(self._due + self.period, t1)
                self.timer.start(max(1, int((self._due - t1) * 1000)))
