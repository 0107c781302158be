"""What every training runner offers, and the one set of checks of its arguments.

Two runners train in the background: `engine.runner.Runner` (a thread) and
`playground.document.process_runner.ProcessRunner` (a child process hosting a
Runner). The window uses either through `TrainingRunner`, so both must offer the
same commands and refuse the same bad arguments with the same messages, in the
caller's thread: a process runner that passed a bad `snapshot_hz` on to its
child would only report later that the child "ended unexpectedly". Each command
of each runner therefore calls the checks below before doing anything.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine.data import Data
from engine.errors import SpecError
from engine.spec import NetworkSpec, TrainConfig
from engine.trainer import check_compatible
from engine.trainer_state import ResumeState

if TYPE_CHECKING:
    from engine.backprop_phases import InspectedStep
    from engine.snapshot import Snapshot


@runtime_checkable
class TrainingRunner(Protocol):
    """The commands both runners implement (see engine/runner.py for what each does).

    Commands return at once (they are queued); `capture` and `inspect` wait up to
    `timeout` seconds for the answer and give None without one.
    """

    def start(self) -> None: ...
    def pause(self) -> None: ...
    def step(self, n: int = 1) -> None: ...
    def reset(self, seed: int | None = None) -> None: ...
    def configure(
        self,
        network: NetworkSpec | None = None,
        data: Data | None = None,
        training: TrainConfig | None = None,
    ) -> None: ...
    def watch_unit(self, column: int | None, unit: int = 0) -> None: ...
    def capture(self, timeout: float = 5.0) -> ResumeState | None:
        """The worker's resumable state at a step boundary (for saving a project).

        Waits for the worker to reach the end of its current minibatch (or of a
        running `step(n)`); None when it did not answer within `timeout` seconds.
        """

    def inspect(
        self,
        row: int | None = None,
        timeout: float = 5.0,
        *,
        apply: bool = True,
        expect_step: int | None = None,
    ) -> InspectedStep | None:
        """Pause and run one recorded step (the backprop inspector); see `inspect_step`.

        `row` trains on that training row alone instead of the next minibatch.
        `apply=False` previews the step (nothing changes; a "pause" snapshot); applied,
        it publishes a "step" snapshot like `step(1)`, but with `expect_step` only if
        the step would get that number (else nothing is done: training moved on since
        a preview). Waits for the worker like `capture`; None when it did not answer in
        time, the step failed (the snapshot then says why) or `expect_step` differed.
        """

    def restore(
        self, spec: NetworkSpec, config: TrainConfig, data: Data, state: ResumeState
    ) -> None: ...
    def set_speed(self, speed: float | None) -> None:
        """Steps per second while running (None: as fast as possible); engine/pacing.py."""

    def recorded(self, step: int, timeout: float = 1.0) -> Snapshot | None:
        """The snapshot of the recorded step nearest `step` (engine/runner_timeline.py).

        Computed aside: the live run is not changed. None without an answer in time.
        """

    def continue_from(self, step: int) -> None:
        """Continue (paused) from the recorded checkpoint nearest `step`, exactly."""

    def take(self) -> Snapshot | None: ...
    def stop(self, timeout: float = 1.0) -> bool: ...
    def __enter__(self) -> TrainingRunner: ...
    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class RunnerOptions:
    """How a runner publishes: snapshot rate, grid resolution, time budgets, history size."""

    snapshot_hz: float = 30.0
    grid_size: int = 64
    # the views take at most ~3% + ~2% of the wall time: training keeps >= 90% of its speed
    grid_budget: float = 0.03
    eval_budget: float = 0.02
    history_capacity: int = 20_000


def _invalid(name: str, expected: str, value: Any) -> SpecError:
    return SpecError(
        f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}"
    )


def _positive(name: str, value: Any, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= hi:
        raise _invalid(name, f"a number > 0 and <= {hi}", value)
    return float(value)


def _integer(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lo:
        raise _invalid(name, f"an integer >= {lo}", value)
    return int(value)


# -- the checks, one per command -------------------------------------------------------------
def checked_runner(spec: Any, config: Any, data: Any, options: dict[str, Any]) -> RunnerOptions:
    """A runner's construction: the spec fits the data, a TrainConfig, known valid options."""
    check_compatible(spec, data)
    check_config(config)
    known = {f.name for f in fields(RunnerOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise SpecError(f"Unknown runner option(s) {unknown}; expected some of {sorted(known)}")
    default = RunnerOptions()
    given = {**{f.name: getattr(default, f.name) for f in fields(RunnerOptions)}, **options}
    return RunnerOptions(
        snapshot_hz=_positive("snapshot_hz", given["snapshot_hz"], 1000.0),
        grid_size=_integer("grid_size", given["grid_size"], 2),
        grid_budget=_positive("grid_budget", given["grid_budget"], 1.0),
        eval_budget=_positive("eval_budget", given["eval_budget"], 1.0),
        history_capacity=_integer("history_capacity", given["history_capacity"], 2),
    )


def check_config(config: Any) -> None:
    if not isinstance(config, TrainConfig):
        raise SpecError(f"Expected a TrainConfig; received {type(config).__name__}")


def checked_step_count(n: Any) -> int:
    return _integer("n", n, 1)


def check_seed(seed: Any) -> None:
    if seed is not None:
        TrainConfig(seed=seed)  # validates with the usual message


def check_training(training: Any) -> None:
    if training is not None:
        check_config(training)


def checked_timeout(timeout: Any) -> float:
    """Seconds to wait for an answer (`capture`, `inspect`, `stop`): a number >= 0."""
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout >= 0:
        raise _invalid("timeout", "a number >= 0", timeout)
    return float(timeout)


def checked_row(row: Any, data: Data) -> int | None:
    """A training row index for `inspect`, or None for the next minibatch."""
    if row is None:
        return None
    n = len(data.X_train)
    if isinstance(row, bool) or not isinstance(row, numbers.Integral) or not 0 <= row < n:
        raise SpecError(f"Expected a training row index in [0, {n}); received {row!r}")
    return int(row)


def checked_inspect(
    row: Any, data: Data, timeout: Any, expect_step: Any
) -> tuple[int | None, float, int | None]:
    """`inspect`'s row (or None), timeout and expected step number (or None)."""
    row = checked_row(row, data)
    timeout = checked_timeout(timeout)
    if expect_step is not None:
        expect_step = _integer("expect_step", expect_step, 1)
    return row, timeout, expect_step


def checked_unit(column: Any, unit: Any) -> tuple[int | None, int]:
    """A diagram column (0: inputs) and unit for `watch_unit`; column None stops watching."""
    if column is None:
        return None, 0
    return _integer("column", column, 0), _integer("unit", unit, 0)


def checked_recorded_step(step: Any) -> int:
    """A step of the timeline (`recorded`, `continue_from`): an integer >= 0."""
    return _integer("step", step, 0)


def check_restore(config: Any, state: Any) -> None:
    if not isinstance(state, ResumeState):
        raise SpecError(f"Expected a ResumeState; received {type(state).__name__}")
    check_config(config)
