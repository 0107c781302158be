"""Watching a run learn: the speed on the toolbar and the timeline under the plots.

`speedControl` (a combo on the training toolbar) sets the runner's steps per
second (engine/pacing.py; the runner keeps the rate, not the GUI) and is
remembered in the settings. `timeline` is a slider over the steps of the current
run: dragging it pauses the run and asks the runner for the recorded step nearest
the slider (engine/runner_timeline.py: computed aside, the live run is not
touched), whose output plot, unit maps, edges and mistakes replace the live ones,
with a cursor on the loss and gradient plots. Play replays the recording at the
chosen speed; "Continue from here" resumes training from that checkpoint, exactly.
Moving the slider to its end, running, stepping or resetting returns to the live run.
"""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolBar,
    QWidget,
)

from engine.pacing import PRESETS, speed_label
from playground.gui.frame_loop import FrameLoop
from playground.gui.plots.markers import StepMarkers

SPEEDS = PRESETS  # steps/s; None: as fast as possible
DEFAULT_SPEED = 3000  # the default spirals form their boundary over ~10 s (33,000 steps)
SPEED_KEY = "training/speed"
ASK_TIMEOUT = 1.0  # seconds to wait for the runner's picture of a recorded step
LIVE_REASONS = ("start", "step", "reset", "rebuild", "finished", "diverged", "error")


class Watching:
    """The speed combo and the timeline of one main window (see the module docstring)."""

    def __init__(self, window) -> None:
        self.w = window
        self._runner = None  # the runner the speed was last given to
        self.looking_back: object | None = None  # the recorded snapshot shown, or None
        self.last_seconds = 0.0  # how long the last look back took (ask + draw)
        self.speed = QComboBox()
        self.speed.setObjectName("speedControl")
        for s in SPEEDS:
            self.speed.addItem(speed_label(s), s)
        self.speed.setToolTip(
            "Training speed in steps per second. At 30 steps/s or slower every step is drawn; "
            "'max' trains as fast as the computer allows."
        )
        saved = window.settings.get_float(SPEED_KEY, DEFAULT_SPEED)
        self.set_speed(None if saved <= 0 else saved)
        self.speed.currentIndexChanged.connect(self._speed_chosen)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag back to see the network as it was at an earlier step")
        self.slider.sliderMoved.connect(self.look_at)
        self.play = QPushButton("Replay")
        self.play.setObjectName("timelinePlay")
        self.play.setCheckable(True)
        self.play.setToolTip("Replay the recorded steps from the slider at the chosen speed")
        self.play.toggled.connect(self._play_toggled)
        self.resume = QPushButton("Continue from here")
        self.resume.setObjectName("timelineContinue")
        self.resume.setToolTip(
            "Train on from the step shown, with its exact weights, optimizer and random state"
        )
        self.resume.clicked.connect(self.continue_here)
        self.label = QLabel("")
        self.label.setMinimumWidth(150)
        self.timeline = QWidget()
        self.timeline.setObjectName("timeline")
        row = QHBoxLayout(self.timeline)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Timeline"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        row.addWidget(self.play)
        row.addWidget(self.resume)
        self._replay = QTimer(self.timeline)
        self._replay.timeout.connect(self._replay_tick)
        self._replay_from = (0.0, 0)  # (time, step) the replay counts from
        self._cursors = []
        for plot in (
            window.loss_plot.loss,
            window.loss_plot.metric_plot,
            window.gradient_plot.plot,
        ):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d03030", width=1.5))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self._cursors.append(line)
        plots = (window.loss_plot.loss, window.loss_plot.metric_plot, window.gradient_plot.plot)
        self.markers = StepMarkers(plots)  # where a training setting changed
        self._generation = None
        self._epoch_steps: dict[int, int] = {}  # epoch -> the step its end was evaluated at
        self._show_live_state()

    # -- speed ----------------------------------------------------------------------------
    def current_speed(self) -> float | None:
        return self.speed.currentData()

    def set_speed(self, speed: float | None) -> None:
        """Choose the preset nearest `speed` (None: max)."""
        finite = [s for s in SPEEDS if s is not None]
        best = None if speed is None else min(finite, key=lambda s: abs(s - speed))
        self.speed.setCurrentIndex(SPEEDS.index(best))

    def project_speed(self) -> float | str:
        """The speed as a project stores it: steps/s, or "max"."""
        speed = self.current_speed()
        return "max" if speed is None else float(speed)

    def open_speed(self, speed: float | str | None) -> None:
        """An opened project's speed (None: it has none; the window keeps its own)."""
        if speed is not None:
            self.set_speed(None if speed == "max" else float(speed))

    def _speed_chosen(self) -> None:
        speed = self.current_speed()
        self.w.settings.set(SPEED_KEY, 0.0 if speed is None else float(speed))
        if self.w.runner is not None:
            self.w.runner.set_speed(speed)
        if self._replay.isActive():
            self._replay_from = (time.perf_counter(), self.slider.value())

    # -- drawing (the frame loop calls this with each live snapshot) -----------------------
    def draw(self, snap) -> None:
        w = self.w
        if w.runner is not self._runner and w.runner is not None:
            self._runner = w.runner
            w.runner.set_speed(self.current_speed())
        if snap.generation != self._generation:  # a new run: its own markers
            self._generation = snap.generation
            self.markers.clear()
            self._epoch_steps = {}
        for epoch, step in zip(snap.history.epochs, snap.history.eval_steps, strict=True):
            self._epoch_steps.setdefault(int(epoch), int(step))
        if snap.reason == "finished" and (snap.message or "").startswith("Stopped early"):
            self._mark_best_epoch(snap)
        w.presenter.draw(snap)
        at_end = self.looking_back is None
        self.slider.setMaximum(max(snap.step, 0))
        if self.looking_back is not None:
            if snap.reason in LIVE_REASONS or snap.state == "running":
                self.back_to_live()
            else:  # a live snapshot (pause, configure) must not hide the step looked at
                w.presenter.forget_views()
                w.presenter.draw_views(self.looking_back, now=True)
        if at_end and self.looking_back is None:
            self.slider.setValue(snap.step)
            self._show_live_state()

    def setting_changed(self, config) -> None:
        """Mark the step where training settings changed, naming them."""
        last = self.w.presenter.last
        if last is None or not last.step:
            return
        old, new = last.config.to_dict(), config.to_dict()
        changed = [f"{k} {new[k]}" for k in new if old.get(k) != new[k] and k != "epochs"]
        if changed:
            self.markers.add(self.w.presenter.step, ", ".join(changed))

    def _mark_best_epoch(self, snap) -> None:
        """Early stopping ended `patience` epochs after the best one: mark that epoch's end."""
        best = snap.epoch - snap.config.patience
        step = self._epoch_steps.get(best)
        if step is not None:
            self.markers.add(step, f"best epoch {best}")

    # -- looking back ------------------------------------------------------------------
    def look_at(self, step: int) -> bool:
        """Show the recorded step nearest `step` (pausing the run); False without an answer."""
        w = self.w
        if w.runner is None:
            return False
        if step >= self.slider.maximum() and not self._replay.isActive():
            self.back_to_live()
            return True
        t0 = time.perf_counter()
        if w.is_running():
            w.controls.run_button.setChecked(False)  # looking back pauses the run
        snap = w.runner.recorded(int(step), timeout=ASK_TIMEOUT)
        if snap is None:
            return False
        self.looking_back = snap
        w.presenter.forget_views()
        w.presenter.draw_views(snap, now=True)
        for line in self._cursors:
            line.setValue(snap.step)
            line.setVisible(True)
        ev = snap.evaluation
        loss = "" if ev is None else f", train loss {ev.train_loss:.4g}"
        self.label.setText(f"step {snap.step:,} (recorded){loss}")
        self.resume.setEnabled(True)
        self.last_seconds = time.perf_counter() - t0
        return True

    def back_to_live(self) -> None:
        """Show the live run again (its latest snapshot)."""
        self._replay.stop()
        self.play.setChecked(False)
        if self.looking_back is None:
            return
        self.looking_back = None
        w = self.w
        w.presenter.forget_views()
        if w.presenter.last is not None:
            w.presenter.draw_views(w.presenter.last, now=True)
        self.slider.setValue(self.slider.maximum())
        self._show_live_state()

    def _show_live_state(self) -> None:
        for line in self._cursors:
            line.setVisible(False)
        self.label.setText(f"step {self.slider.maximum():,} (live)")
        self.resume.setEnabled(False)

    def continue_here(self) -> None:
        """Resume training from the step looked at, exactly as if the run had paused there."""
        snap = self.looking_back
        if snap is None or self.w.runner is None:
            return
        self._replay.stop()
        self.play.setChecked(False)
        self.w.runner.continue_from(snap.step)
        self.w.status.announce(f"Continuing from step {snap.step:,}: the later steps are forgotten")

    # -- replay ---------------------------------------------------------------------------
    def _play_toggled(self, on: bool) -> None:
        if not on:
            self._replay.stop()
            return
        start = self.slider.value()
        if self.looking_back is None or start >= self.slider.maximum():
            start = 0
        self._replay_from = (time.perf_counter(), start)
        self.look_at(start)
        self._replay.start(33)

    def _replay_tick(self) -> None:
        t0, s0 = self._replay_from
        speed = self.current_speed()
        rate = 10_000.0 if speed is None else speed  # "max" replays at 10,000 steps/s
        step = int(s0 + (time.perf_counter() - t0) * rate)
        if step >= self.slider.maximum():
            self.slider.setValue(self.slider.maximum())
            self._replay.stop()
            self.play.setChecked(False)
            return
        self.slider.setValue(step)
        self.look_at(step)


def install(window, frame_hz: float) -> tuple[Watching, FrameLoop]:
    """Put the speed combo on the training toolbar and the timeline under the plots; the
    window's frame loop draws each snapshot through them."""
    watching = Watching(window)
    frames = FrameLoop(window._take, watching.draw, window._drawing_failed, hz=frame_hz,
                       parent=window)  # fmt: skip
    bar = window.findChild(QToolBar, "trainingToolbar")
    if bar is not None:
        bar.addSeparator()
        label = QLabel("Speed")
        label.setContentsMargins(8, 0, 3, 0)
        label.setToolTip(watching.speed.toolTip())
        bar.addWidget(label)
        bar.addWidget(watching.speed)
    window.centralWidget().layout().addWidget(watching.timeline)
    window.controls.configChanged.connect(watching.setting_changed)
    # projects keep the speed; a lesson may set its own ("max" or steps/s)
    window.files.extras.append(lambda project: project.replace(speed=watching.project_speed()))
    window.files.opened.connect(lambda project, _path, _example: watching.open_speed(project.speed))
    return watching, frames


__all__ = ["SPEEDS", "Watching", "install"]
