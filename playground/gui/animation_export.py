"""File > Export Animation: the output plot over the run on screen, as GIF or MP4.

The frames are the output pictures the window drew during the current run (kept
evenly spread by the runs controller's FrameRecord), with the loss curve beside
them. They are drawn and written by `playground.document.animation` in a worker
thread; a progress dialog follows it and its Cancel stops the export after the
current frame, leaving no file behind. The GUI thread never waits for the worker.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from playground.document import animation
from playground.document.errors import InputError
from playground.gui.messages import show_error_dialog

DEFAULT_FRAMES = 200
POLL_MS = 50


class AnimationExport(QObject):
    """One export in progress: the worker thread, its dialog, and how it ended."""

    def __init__(self, window, path: str, frames, data, loss):
        super().__init__(window)
        self.w = window
        self.path = path
        self.total = len(frames)
        self.done = 0
        self.written: int | None = None  # frames written, once finished
        self.error: str | None = None
        self.cancelled = False
        self._cancel = threading.Event()
        self.dialog = QProgressDialog("Writing the animation…", "Cancel", 0, self.total, window)
        self.dialog.setObjectName("animationProgress")
        self.dialog.setWindowTitle("Export animation")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self.thread = threading.Thread(
            target=self._work, args=(frames, data, loss), name="animation-export", daemon=True
        )
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.thread.start()
        self.timer.start()

    def cancel(self) -> None:
        self._cancel.set()

    def finished(self) -> bool:
        return not self.thread.is_alive() and not self.timer.isActive()

    def _work(self, frames, data, loss) -> None:
        try:
            self.written = animation.write_animation(
                self.path, frames, data, loss=loss, progress=self._progress
            )
        except animation.Cancelled:
            self.cancelled = True
        except (OSError, InputError, ValueError) as exc:
            self.error = str(exc)

    def _progress(self, done: int, total: int) -> bool:
        self.done = done
        return not self._cancel.is_set()

    def _poll(self) -> None:
        if self.dialog.wasCanceled():
            self.cancel()
        self.dialog.setValue(min(self.done, self.total - 1))
        if self.thread.is_alive():
            return
        self.timer.stop()
        self.dialog.reset()
        self.dialog.hide()
        if self.error is not None:
            show_error_dialog(self.w, "Cannot export the animation", self.error)
        elif self.cancelled:
            self.w.status.announce("Animation export cancelled: no file written")
        else:
            self.w.status.announce(f"Animation of {self.written} frames written to {self.path}")


def export_animation(window, path: str, n_frames: int = DEFAULT_FRAMES) -> AnimationExport | None:
    """Start writing the current run's animation to `path`; None (explained) when it cannot."""
    runs = window.runs
    try:
        animation.check_animation_path(path)
        if len(runs.frames.frames) < 2:
            raise InputError(
                "There is nothing to animate yet: train for a while (Run), then export."
            )
    except InputError as exc:
        show_error_dialog(window, "Cannot export the animation", str(exc))
        return None
    frames = animation.pick_frames(runs.frames.frames, n_frames)
    chunk = runs.recorder.history()
    loss = (chunk.steps, chunk.loss) if chunk is not None and len(chunk) else None
    return AnimationExport(window, path, frames, window.data, loss)


def export_animation_dialog(window) -> None:
    filters = "GIF animation (*.gif)"
    if animation.mp4_available():
        filters += ";;MP4 video (*.mp4)"
    path, _ = QFileDialog.getSaveFileName(window, "Export animation", "training.gif", filters)
    if path:
        window.runs.export = export_animation(window, path)


__all__ = ["AnimationExport", "export_animation", "export_animation_dialog"]
