"""The sweep loop: an Optuna study in this process, trials in workers (ask-and-tell).

`study.ask()` is called in trial order and `study.tell()` as results arrive, so
grid and random sweeps try the same parameters in the same order, with the same
numbers, whatever the number of workers or the executor; TPE (whose suggestion
depends on which trials have finished) does so with one worker. Grid and random
sweeps without pruning ask every trial up front and hand workers batches of trials
that share a shape, trained together as one population (sweep/batch.py: the same
rows, only faster). Each result row
is also kept in the study (a user attribute), so a sweep in a storage
(`sqlite:///f.db`) resumes by running only the trials it is missing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.document.errors import InputError
from playground.document.sweep.batch import plan, run_trials
from playground.document.sweep.executors import WorkerDied, make_executor
from playground.document.sweep.params import Param, check_unique
from playground.document.sweep.trial import PRUNERS, TrialSetup, run_trial

STRATEGIES = ("grid", "random", "tpe")
STUDY_NAME = "playground-sweep"
POLL_SECONDS = 0.2  # how often the loop looks at Cancel while trials run


@dataclass
class Sweep:
    """What to search: the fixed setup, the parameters and how to search them."""

    setup: TrialSetup
    params: list[Param]
    strategy: str = "random"
    trials: int | None = None  # None: the whole grid, or 20 trials
    workers: int | None = None  # None: one per core
    seed: int = 0
    grid_points: int | None = None
    pruner: str = "none"
    scheduler: str | None = None
    storage: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    population: bool = True  # False: every trial on its own, even where a batch could share

    def batched(self) -> bool:
        """Whether trials that share a shape train together (see sweep/batch.py)."""
        return self.population and self.strategy in ("grid", "random") and self.pruner == "none"

    def check(self) -> None:
        if not self.params:
            raise InputError("give at least one --param NAME=SPEC to sweep")
        check_unique(self.params)
        if self.strategy not in STRATEGIES:
            raise InputError(f"--strategy {self.strategy!r}: expected one of grid, random, tpe")
        if self.pruner not in PRUNERS:
            raise InputError(f"--pruner {self.pruner!r}: expected one of {', '.join(PRUNERS)}")
        for name, value in (("--trials", self.trials), ("--workers", self.workers)):
            if value is not None and value < 1:
                raise InputError(f"{name} must be at least 1; received {value}")
        if self.grid_points is not None and self.grid_points < 2:
            raise InputError(f"--grid-points must be at least 2; received {self.grid_points}")
        if self.strategy == "grid":
            self.grid()  # a range without --grid-points is refused here

    def grid(self) -> dict[str, list[Any]]:
        return {p.name: list(p.grid(self.grid_points)) for p in self.params}

    def total(self) -> int:
        if self.strategy == "grid":
            size = 1
            for values in self.grid().values():
                size *= len(values)
            return size if self.trials is None else min(self.trials, size)
        return 20 if self.trials is None else self.trials


def _grid_sampler(grid: dict[str, list[Any]], seed: int):
    """Optuna's grid sampler without its `study.stop()` at the end of the grid, which
    only an `optimize` loop accepts; here the loop asks exactly the grid's size."""
    import optuna

    class AskTellGrid(optuna.samplers.GridSampler):
        def after_trial(self, study, trial, state, values) -> None:
            return None

    return AskTellGrid(grid, seed=seed)


def make_study(sweep: Sweep):
    """The Optuna study (sampler seeded with the sweep's seed; in its storage if given)."""
    try:
        import optuna
    except ImportError:
        raise InputError("a sweep needs Optuna: pip install 'backprop-playground[sweep]'") from None

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sweep.strategy == "grid":
        sampler = _grid_sampler(sweep.grid(), sweep.seed)
    elif sweep.strategy == "random":
        sampler = optuna.samplers.RandomSampler(seed=sweep.seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=sweep.seed, n_startup_trials=5)
    try:
        return optuna.create_study(
            study_name=STUDY_NAME, storage=sweep.storage, sampler=sampler,
            direction="minimize", load_if_exists=True,
        )  # fmt: skip
    except (ValueError, ImportError) as exc:
        raise InputError(f"--storage {sweep.storage}: {exc}") from None


def _distributions(sweep: Sweep) -> dict[str, Any]:
    import optuna.distributions as d

    if sweep.strategy == "grid":
        return {n: d.CategoricalDistribution(v) for n, v in sweep.grid().items()}
    return {p.name: p.distribution() for p in sweep.params}


def _resume(study) -> list[dict[str, Any]]:
    """The rows already in the storage; trials left running by an interrupted sweep are
    marked failed there and asked again with the same parameters (not counted)."""
    import optuna

    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state == optuna.trial.TrialState.RUNNING:
            study.enqueue_trial(t.params)
            study.tell(t.number, state=optuna.trial.TrialState.FAIL)
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
        elif "row" in t.user_attrs and not t.user_attrs.get("interrupted"):
            rows.append(dict(t.user_attrs["row"]))
    return rows


def _tell(study, trial, row: dict[str, Any]) -> None:
    import optuna

    State = optuna.trial.TrialState
    for step, value in sorted(row.get("curve", {}).items()):
        trial.report(value, int(step))
    stored = {k: v for k, v in row.items() if k != "curve"}
    trial.set_user_attr("row", stored)
    value = row.get("test_loss")
    if value is None:
        value = row.get("train_loss")
    if row["state"] == "complete" and value is not None:
        study.tell(trial, value)
    elif row["state"] == "pruned":
        study.tell(trial, state=State.PRUNED)
    else:
        study.tell(trial, state=State.FAIL)


def _lost(trial, exc: Exception) -> dict[str, Any]:
    """The row of a trial whose worker died on it twice."""
    message = f"the worker process died twice running it: {exc}"
    return {"trial": trial.number, "state": "failed", "params": dict(trial.params),
            "message": message, "epochs": 0, "seconds": 0.0}  # fmt: skip


def run_sweep(
    sweep: Sweep,
    on_row: Callable[[dict[str, Any], int, int], Any] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[list[dict[str, Any]], float]:
    """Run the missing trials; every row (in trial order) and the seconds taken.

    `on_row(row, done, total)` is called as each trial ends. Setting `cancel` stops
    within a poll interval: running trials are abandoned, finished rows kept.
    """
    sweep.check()
    started = time.perf_counter()
    study = make_study(sweep)
    rows = _resume(study)
    total = sweep.total()
    distributions = _distributions(sweep)
    executor = make_executor(sweep.workers, sweep.scheduler)
    running: dict[Any, tuple[list[Any], int]] = {}  # future -> (optuna trials, attempt)
    cancelled = False
    try:
        asked = len(rows)

        def launch(trials: list[Any], attempt: int) -> None:
            if sweep.batched():
                args = (sweep.setup, tuple((t.number, t.params) for t in trials))
                running[executor.submit(run_trials, *args)] = (trials, attempt)
                return
            (trial,) = trials
            finished = tuple((r["state"] == "pruned", r["curve"]) for r in rows if r.get("curve"))
            args = (sweep.setup, trial.number, trial.params, sweep.pruner, finished)
            running[executor.submit(run_trial, *args)] = (trials, attempt)

        pending: list[list[Any]] = []  # batches asked but not yet handed to a worker
        if sweep.batched() and asked < total:  # every trial is known up front
            asked_trials = [study.ask(distributions) for _ in range(total - asked)]
            asked = total
            numbered = [(t.number, t.params) for t in asked_trials]
            for positions in plan(sweep.setup, numbered, executor.workers):
                pending.append([asked_trials[i] for i in positions])
        while asked < total or running or pending:
            while pending and len(running) < executor.workers:
                launch(pending.pop(0), 1)
            while asked < total and len(running) < executor.workers:
                launch([study.ask(distributions)], 1)
                asked += 1
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            for future in executor.wait_any(list(running), POLL_SECONDS):
                trials, attempt = running.pop(future)
                try:
                    result = executor.result(future)
                except WorkerDied as exc:
                    if attempt < 2:  # retried once, then marked failed
                        launch(trials, attempt + 1)
                        continue
                    result = [_lost(trial, exc) for trial in trials]
                got = result if isinstance(result, list) else [result]
                for trial, row in zip(trials, got, strict=True):
                    rows.append(row)
                    _tell(study, trial, row)
                    if on_row is not None:
                        on_row(row, len(rows), total)
    finally:
        executor.close(cancel=cancelled or bool(running))
    rows.sort(key=lambda r: r["trial"])
    return rows, time.perf_counter() - started
