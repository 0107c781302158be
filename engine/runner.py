"""The runner: one worker thread that owns the trainer and publishes snapshots.

The commands (engine/runner_protocol.py declares them) may be called from any
thread and return at once; the worker takes them between minibatches, and waits
for them when idle, from a `CommandQueue` (engine/command_queue.py).

States: "paused" (built, idle), "running", "diverged" (paused on the last finite
weights after a NaN/Inf), "finished" (the configured epochs are done, or early
stopping restored the best weights), "error" (an unexpected exception; the
traceback is in the snapshot; `reset` recovers). Rules:

- `start()` runs until `config.epochs` epochs of the current segment are done.
  A segment begins at reset/rebuild (epoch 0); `start()` when those epochs are
  done (finished, or paused past them) begins a new segment of `config.epochs`
  more epochs. `start()` in the error state does nothing (reset first).
- `step(n)` pauses and runs n minibatches, then publishes one "step" snapshot
  (plus ticks while a long one runs). Commands are handled in the order they
  were sent; those sent during a `step(n)` wait for it, except pause, reset and
  a rebuild, which cancel its remaining steps.
- `configure(training=...)` applies to the next step and keeps the weights and
  the optimizer state; `configure(network=..., data=...)` rebuilds like a reset
  (state paused, generation + 1, `rebuilt` True for that generation). The seed of
  a new training config takes effect at the next reset or rebuild.
- `inspect(row=None)` pauses and runs one step recorded phase by phase
  (engine/backprop_phases.py), publishing a "step" snapshot; it waits for the
  worker like `capture` and returns the record.
- `stop()` ends the thread; it is honoured between minibatches and between
  evaluation chunks, so it is prompt unless a single minibatch takes longer.

Snapshots go into a one-slot `Mailbox` by time (`snapshot_hz`) and at every
command, finish, divergence, error and stop; `take()` never blocks, and the
history chunks of snapshots nobody took are merged into the next one. Whole-set
evaluations run at epoch ends (recorded into the history) and for snapshots,
kept under `eval_budget` of the wall time unless early stopping needs every
epoch; the pictures of the weights (engine/weight_views.py: the grid view, the
misclassified marks, the diagram's unit maps and the unit `watch_unit(column,
unit)` names; `watch_unit(None)` stops that) each under `grid_budget`. All are
fresh in the snapshots of pause, step, reset, rebuild, finish and divergence.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import traceback
from typing import Any

import numpy as np

from engine.backprop_phases import InspectedStep, inspect_step
from engine.command_queue import CommandQueue
from engine.data import Data
from engine.errors import DivergenceError
from engine.runner_protocol import (
    RunnerOptions,
    check_restore,
    check_seed,
    check_training,
    checked_inspect,
    checked_runner,
    checked_step_count,
    checked_timeout,
    checked_unit,
)
from engine.snapshot import History, HistoryChunk, Mailbox, Snapshot, frozen_copy, schedule_fields
from engine.spec import NetworkSpec, TrainConfig
from engine.trainer import Evaluation, Trainer, check_compatible
from engine.trainer_state import ResumeState, capture, restore
from engine.training_loop import TrainingLoop
from engine.weight_views import WeightViews


class Runner:
    """Trains in its own thread; see the module docstring. Use as a context manager."""

    def __init__(
        self,
        spec: NetworkSpec,
        config: TrainConfig,
        data: Data,
        *,
        snapshot_hz: float = RunnerOptions.snapshot_hz,
        grid_size: int = RunnerOptions.grid_size,
        grid_budget: float = RunnerOptions.grid_budget,
        eval_budget: float = RunnerOptions.eval_budget,
        history_capacity: int = RunnerOptions.history_capacity,
    ):
        options = checked_runner(
            spec,
            config,
            data,
            {
                "snapshot_hz": snapshot_hz,
                "grid_size": grid_size,
                "grid_budget": grid_budget,
                "eval_budget": eval_budget,
                "history_capacity": history_capacity,
            },
        )
        self._period = 1.0 / options.snapshot_hz
        self._grid_size = options.grid_size
        self._grid_budget = options.grid_budget
        self._eval_budget = options.eval_budget
        self._capacity = options.history_capacity
        self._queue = CommandQueue()
        self._latest = (spec, data)  # newest configured spec and data, for caller-side checks
        self._mailbox = Mailbox(self._capacity)
        self._generation = -1
        self._watched: tuple[int, int] | None = None  # the unit of `watch_unit`
        self._build(spec, config, data, rebuilt=False)
        self._thread = threading.Thread(target=self._main, name="engine-runner", daemon=True)
        self._thread.start()

    # -- commands (any thread) -------------------------------------------------------
    def start(self) -> None:
        self._post("start")

    def pause(self) -> None:
        self._post("pause")

    def step(self, n: int = 1) -> None:
        self._post("step", checked_step_count(n))

    def reset(self, seed: int | None = None) -> None:
        check_seed(seed)
        self._post("reset", seed)

    def configure(
        self,
        network: NetworkSpec | None = None,
        data: Data | None = None,
        training: TrainConfig | None = None,
    ) -> None:
        """New architecture/features and/or data (rebuild) and/or training settings."""
        check_training(training)
        with self._queue.lock:
            spec = self._latest[0] if network is None else network
            new_data = self._latest[1] if data is None else data
            check_compatible(spec, new_data)
            self._latest = (spec, new_data)
        self._post("configure", network, data, training)

    def capture(self, timeout: float = 5.0) -> ResumeState | None:
        """The worker's resumable state at a step boundary (see `TrainingRunner.capture`)."""
        return self._ask(checked_timeout(timeout), "capture")

    def watch_unit(self, column: int | None, unit: int = 0) -> None:
        """Publish unit `unit` of diagram column `column` over a fine grid (None: stop)."""
        self._post("watch", *checked_unit(column, unit))

    def inspect(
        self,
        row: int | None = None,
        timeout: float = 5.0,
        *,
        apply: bool = True,
        expect_step: int | None = None,
    ) -> InspectedStep | None:
        """One recorded step (see `TrainingRunner.inspect` and `inspect_step`)."""
        row, timeout, expect_step = checked_inspect(row, self._latest[1], timeout, expect_step)
        return self._ask(timeout, "inspect", row, bool(apply), expect_step)

    def restore(
        self, spec: NetworkSpec, config: TrainConfig, data: Data, state: ResumeState
    ) -> None:
        """Rebuild on `spec`, `config`, `data` and continue from `state` (an opened project)."""
        check_restore(config, state)
        with self._queue.lock:
            check_compatible(spec, data)
            self._latest = (spec, data)
        self._post("restore", spec, config, data, state)

    def stop(self, timeout: float = 1.0) -> bool:
        """End the worker thread; True when it has ended within `timeout` seconds."""
        timeout = checked_timeout(timeout)
        self._queue.stop()
        if threading.current_thread() is self._thread:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def take(self) -> Snapshot | None:
        """The newest snapshot not yet taken, or None; never blocks."""
        return self._mailbox.take()

    def wait_snapshot(self, timeout: float | None = None) -> Snapshot | None:
        """Block until a snapshot is published, then take it (headless use and tests)."""
        return self._mailbox.wait(timeout)

    def history(self) -> HistoryChunk:
        """The whole (bounded, downsampled) history of the current generation, copied."""
        return self._history.chunk()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _post(self, *command: Any) -> None:
        self._queue.post(*command)

    def _ask(self, timeout: float, kind: str, *args: Any) -> Any:
        """Post a command the worker answers into a box; wait (not on the worker) for it."""
        box: list[Any] = []
        done = threading.Event()
        self._post(kind, box, done, *args)
        if threading.current_thread() is not self._thread:
            done.wait(timeout)
        return box[0] if box else None

    # -- worker ----------------------------------------------------------------------
    def _build(self, spec: NetworkSpec, config: TrainConfig, data: Data, rebuilt: bool) -> None:
        """A fresh trainer and everything derived from it; state paused, generation + 1."""
        trainer = Trainer(spec, config, data)
        self._trainer, self._spec, self._config, self._data = trainer, spec, config, data
        self._views = WeightViews(
            trainer,
            spec,
            data,
            grid_size=self._grid_size,
            budget=self._grid_budget,
            should_stop=self._should_stop,
        )
        self._views.watch(self._watched)
        self._history = History(trainer.n_layers, self._capacity)
        self._generation += 1
        self._rebuilt = rebuilt
        self._state = "paused"
        self._steps_left = 0
        self._epochs = TrainingLoop(trainer, config.epochs, self._history)
        self._message: str | None = None
        self._traceback: str | None = None
        self._evaluation: Evaluation | None = None
        self._eval_step = -1
        self._eval_cost = 0.0
        self._eval_time = -math.inf
        self._mark = -1  # history already handed to the mailbox
        self._rate_step, self._rate_time, self._rate = 0, time.perf_counter(), 0.0
        self._next_tick = 0.0

    def _main(self) -> None:
        with np.errstate(all="ignore"):  # the trainer checks and reports non-finite values
            self._loop()

    def _loop(self) -> None:
        self._guard(self._publish, "reset", True)
        while True:
            commands = self._wait_commands()
            if commands is None:
                break
            for command in commands:
                self._guard(self._handle, *command)
            if self._queue.stopping:
                break
            if self._state == "running" or self._steps_left:
                self._guard(self._advance)
        if self._state == "running":
            self._state = "paused"
        self._guard(self._publish, "stop", False)

    def _wait_commands(self) -> list[tuple] | None:
        """The commands to handle now, in order; None when stopping. Waits when idle."""
        taken = self._queue.take(self._state == "running" or self._steps_left > 0,
                                 self._steps_left > 0)  # fmt: skip
        if taken is None:
            return None
        commands, cancels = taken
        if cancels:
            self._steps_left = 0
        return commands

    def _guard(self, fn, *args) -> None:
        """Run `fn`; divergence pauses, any other exception becomes the error state."""
        try:
            fn(*args)
        except DivergenceError as exc:
            self._state, self._steps_left = "diverged", 0
            self._message, self._traceback = str(exc), None
            self._safe_publish("diverged")
        except Exception as exc:
            self._state, self._steps_left = "error", 0
            self._message = f"{type(exc).__name__}: {exc}"
            self._traceback = traceback.format_exc()
            self._safe_publish("error")

    def _safe_publish(self, reason: str) -> None:
        try:
            self._publish(reason, True)
        except Exception:
            self._views.clear()  # a picture (or the evaluation) itself may be what fails
            self._evaluation = None
            with contextlib.suppress(Exception):  # the thread must stay alive for reset
                self._publish(reason, False, compute=False)

    def _handle(self, kind: str, *args: Any) -> None:
        state = self._state
        if kind == "start":
            if state != "error":
                if self._epochs.segment_done():
                    self._epochs.new_segment(self._config.epochs)
                self._state, self._steps_left, self._message = "running", 0, None
                self._rate_step, self._rate_time = self._trainer.step_count, time.perf_counter()
            self._publish("start", False)
            if self._state == "running" and self._epochs.segment_done():
                self._finish(None)
        elif kind == "pause":
            if state == "running":
                self._state = "paused"
            self._steps_left = 0
            self._publish("pause", True)
        elif kind == "step":
            if state == "error":
                self._publish("step", False)
            else:
                self._state, self._message = "paused", None
                self._steps_left += args[0]
        elif kind == "reset":
            seed = args[0]
            config = self._config if seed is None else self._config.replace(seed=seed)
            self._build(self._spec, config, self._data, rebuilt=False)
            self._publish("reset", True)
        elif kind == "configure":
            self._configure(*args)
        elif kind == "capture":
            box, done = args
            try:
                box.append(
                    capture(
                        self._trainer,
                        self._history,
                        base_epoch=self._epochs.base_epoch,
                        stopper=self._epochs.stopper,
                    )
                )
            finally:
                done.set()
        elif kind == "inspect":
            box, done, row, apply, expect = args
            trainer = self._trainer
            if expect is not None and expect != trainer.step_count + 1:
                done.set()  # training moved on since the preview: apply nothing
                return
            try:
                if state != "error":
                    self._state, self._steps_left, self._message = "paused", 0, None
                    box.append(inspect_step(trainer, row, apply))
                    report = trainer.last_report
                    if apply:
                        self._history.record_step(report.step, report.loss, trainer.grad_norms)
                        if report.epoch_end:
                            self._epoch_end()
            finally:
                done.set()
            self._publish("step" if apply else "pause", apply and state != "error")
        elif kind == "watch":
            self._watched = None if args[0] is None else args
            self._views.watch(self._watched)
            self._publish("tick", False)
        elif kind == "restore":
            spec, config, data, saved = args
            self._build(spec, config, data, rebuilt=True)
            restore(self._trainer, saved, self._history, self._epochs.stopper)
            self._epochs.base_epoch = saved.base_epoch
            self._publish("rebuild", True)

    def _configure(self, spec, data, config) -> None:
        config = self._config if config is None else config
        spec = self._spec if spec is None else spec
        data = self._data if data is None else data
        if spec != self._spec or data is not self._data:
            self._build(spec, config, data, rebuilt=True)
            self._publish("rebuild", True)
            return
        self._trainer.set_config(config)
        self._config = config
        self._epochs.stopper.patience = config.patience
        self._epochs.epochs = config.epochs
        self._publish("configure", False)

    def _advance(self) -> None:
        """Minibatches, each with its history record, epoch-end work and any due snapshot.

        Goes on while there is nothing else to do (no command, no snapshot due), which
        saves the main loop's overhead per step (a tenth of a tiny network's step).
        """
        advance, queue = self._epochs.advance, self._queue  # under one np.errstate
        while True:
            report = advance()
            if report.epoch_end:
                self._epoch_end()
            if self._steps_left:
                self._steps_left -= 1
                if not self._steps_left:
                    self._publish("step", True)
                    return
            elif time.perf_counter() >= self._next_tick:  # also during a long step(n)
                self._publish("tick", False)
                return
            if queue.pending or not (self._state == "running" or self._steps_left):
                return

    def _epoch_end(self) -> None:
        """The loop's epoch end; evaluates only when needed or within `eval_budget`."""
        loop = self._epochs
        running = self._state == "running"
        needed = loop.watches_loss() or (running and (loop.segment_done() or loop.stops_early()))
        now = time.perf_counter()
        if needed or now - self._eval_time >= self._eval_cost / self._eval_budget:
            if not self._evaluate():
                return
            loop.record_evaluation(self._evaluation)
            loop.end_epoch(self._evaluation)
        if not running:
            return
        if loop.stops_early() and loop.stop_early(self._evaluation):
            self._eval_step = -1  # the weights changed: fresh views
            self._views.clear()
            best = loop.stopper.best_epoch
            kept = (
                f"restored the weights of epoch {best}"
                if loop.restored
                else "kept the last weights"
            )
            self._finish(
                f"Stopped early at epoch {self._trainer.epoch}: the test loss has not improved "
                f"for {loop.stopper.patience} epoch(s); {kept}."
            )
        elif self._epochs.segment_done():
            self._finish(None)

    def _finish(self, message: str | None) -> None:
        self._state, self._message = "finished", message
        self._publish("finished", True)

    def _evaluate(self) -> bool:
        """A fresh whole-set evaluation; False when stop() interrupted it."""
        t0 = time.perf_counter()
        evaluation = self._trainer.evaluate(self._should_stop)
        if evaluation is None:
            return False
        t1 = time.perf_counter()
        self._evaluation, self._eval_step = evaluation, self._trainer.step_count
        self._eval_cost, self._eval_time = t1 - t0, t1
        return True

    def _should_stop(self) -> bool:
        return self._queue.stopping

    def _publish(self, reason: str, fresh: bool, compute: bool = True) -> None:
        """Build a snapshot (fresh views on commands, budgeted ones on ticks) and post it."""
        trainer = self._trainer
        step = trainer.step_count
        if compute and not self._queue.stopping:
            now = time.perf_counter()
            if self._eval_step != step and (
                fresh
                or self._evaluation is None
                or now - self._eval_time >= self._eval_cost / self._eval_budget
            ):
                self._evaluate()
            self._views.refresh(fresh)
        now = time.perf_counter()
        if self._state == "running":
            if now - self._rate_time >= 0.1:
                self._rate = (step - self._rate_step) / (now - self._rate_time)
                self._rate_step, self._rate_time = step, now
        else:
            self._rate = 0.0
        net = trainer.network
        snap = Snapshot(
            state=self._state,
            reason=reason,
            generation=self._generation,
            rebuilt=self._rebuilt,
            step=step,
            epoch=trainer.epoch,
            steps_per_second=self._rate,
            history=self._history.since(self._mark),
            layers=trainer.layer_stats(),
            evaluation=self._evaluation,
            weights=tuple(  # each layer's tensors in declared order: (W, b) for dense
                tuple(frozen_copy(t) for t in layer.params.values()) for layer in net.layers
            ),
            message=self._message,
            traceback=self._traceback,
            spec=self._spec,
            config=self._config,
            **self._views.fields(),
            **schedule_fields(trainer),
        )
        self._mark = step
        self._mailbox.put(snap)
        self._next_tick = time.perf_counter() + self._period
