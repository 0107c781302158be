"""The runner's speed and timeline commands: pacing, the recording, looking back, continuing.

A part of `engine.runner.Runner` (a mixin: the runner is one worker thread, and
these commands share its state). The worker keeps a `Pacer` (engine/pacing.py)
across rebuilds and one `Recording` (engine/recording.py) per generation, adding
a checkpoint after each step that is due one.

- `set_speed(speed)`: steps per second while running (None: as fast as possible).
- `recorded(step)`: the snapshot of the recorded step nearest `step`, computed on a
  scratch trainer (the live run's weights, history and views are not touched);
  reason "recorded", an empty history, no layer statistics.
- `continue_from(step)`: load the checkpoint nearest `step` into the live trainer
  and go on from there, paused: a new generation ("rebuild") whose history ends at
  that step. The numbers that follow are those of a run that had paused there.
"""

from __future__ import annotations

import time
from typing import Any

from engine.errors import SpecError
from engine.pacing import Pacer, checked_speed
from engine.recording import Recording
from engine.runner_protocol import checked_recorded_step, checked_timeout
from engine.snapshot import HistoryChunk, Snapshot, schedule_fields
from engine.trainer import Trainer
from engine.trainer_state import ResumeState, restore
from engine.weight_views import WeightViews

TIMELINE_COMMANDS = ("speed", "recorded", "continue")


class TimelineCommands:
    """Runner commands for speed and the timeline; see the module docstring."""

    _pacer: Pacer
    _recording: Recording
    _scrub: tuple[Trainer, WeightViews] | None

    # -- commands (any thread) -------------------------------------------------------
    def set_speed(self, speed: float | None) -> None:
        """Steps per second while running; None: as fast as possible."""
        self._post("speed", checked_speed(speed))

    def recorded(self, step: int, timeout: float = 1.0) -> Snapshot | None:
        """The snapshot of the recorded step nearest `step`; None without an answer in time."""
        return self._ask(checked_timeout(timeout), "recorded", checked_recorded_step(step))

    def continue_from(self, step: int) -> None:
        """Continue training (paused) from the recorded checkpoint nearest `step`."""
        self._post("continue", checked_recorded_step(step))

    # -- worker --------------------------------------------------------------------------
    def _new_recording(self) -> None:
        self._recording = Recording()
        self._recording.record(self._trainer)
        self._scrub = None

    def _timeline(self, kind: str, *args: Any) -> None:
        if kind == "speed":
            self._pacer.set_speed(args[0])
            self._publish("configure", False)
        elif kind == "recorded":
            box, done, step = args
            try:
                box.append(self._recorded_snapshot(step))
            except SpecError:  # a checkpoint of another version of the spec: no picture
                pass
            finally:
                done.set()
        elif kind == "continue":
            self._continue_from(args[0])

    def _recorded_snapshot(self, step: int) -> Snapshot:
        step = self._recording.nearest(step)
        if self._scrub is None:
            trainer = Trainer(self._spec, self._config, self._data)
            views = WeightViews(
                trainer,
                self._spec,
                self._data,
                grid_size=self._grid_size,
                budget=self._grid_budget,
                should_stop=self._should_stop,
            )
            self._scrub = (trainer, views)
        trainer, views = self._scrub
        trainer.load_state_dict(self._recording.checkpoint(step))
        views.clear()
        views.refresh(True)
        net = trainer.network
        return Snapshot(
            state=self._state,
            reason="recorded",
            generation=self._generation,
            rebuilt=False,
            step=trainer.step_count,
            epoch=trainer.epoch,
            steps_per_second=0.0,
            history=HistoryChunk.empty(trainer.n_layers),
            layers=None,
            evaluation=trainer.evaluate(self._should_stop),
            weights=tuple(tuple(t.copy() for t in layer.params.values()) for layer in net.layers),
            message=None,
            traceback=None,
            spec=self._spec,
            config=self._config,
            **views.fields(),
            **schedule_fields(trainer),
        )

    def _restore(self, spec, config, data, saved: ResumeState) -> None:
        """Rebuild on `spec`, `config`, `data`; continue from `saved` (a project, a checkpoint)."""
        self._build(spec, config, data, rebuilt=True)
        restore(self._trainer, saved, self._history, self._epochs.stopper)
        self._epochs.base_epoch = saved.base_epoch
        self._new_recording()  # the timeline starts at the restored step
        self._publish("rebuild", True)

    def _continue_from(self, step: int) -> None:
        recording, history = self._recording, self._history.chunk()
        step = recording.nearest(step)
        state = recording.checkpoint(step)
        keep, keep_e = history.steps <= step, history.eval_steps <= step
        fields = ("train_loss", "test_loss", "train_metric", "test_metric")
        kept = HistoryChunk.build(
            history.steps[keep], history.loss[keep], history.grad_norms[keep],
            history.epochs[keep_e], history.eval_steps[keep_e],
            *(getattr(history, f)[keep_e] for f in fields),
        )  # fmt: skip
        resume = ResumeState(dict(state), kept, self._history.stride, self._epochs.base_epoch)
        self._restore(self._spec, self._config, self._data, resume)
        recording.truncate(step)
        self._recording = recording  # the run goes on: so does its timeline

    def _paced(self) -> bool:
        """After a running step: True when the loop should take over (to wait, or to draw)."""
        pacer = self._pacer
        if not pacer.limited or self._state != "running":
            return False
        pacer.stepped()
        if pacer.every_step:  # slow enough to draw every step
            self._publish("tick", False)
            return True
        if pacer.delay() > 0:
            if time.perf_counter() >= self._next_tick:
                self._publish("tick", False)
            return True
        return False

    def _pace_wait(self) -> float:
        """Seconds the worker may wait for commands before the next running step is due."""
        if self._state != "running" or self._steps_left:
            return 0.0
        return self._pacer.delay()
