"""Trials that share a shape, trained together as one population (engine/population.py).

Grid and random sweeps know every trial's parameters before any has run (their
`study.ask` does not depend on results), so the study hands a worker a batch of
trials at once. Trials whose network, data and step agree (the same layers, the
same data seed, and `engine.population.group_key`: optimizer kind, batch size,
dtype, Adam's beta2) train as one `PopulationTrainer`; a trial alone in its
group, or a batch the population refuses (batch norm, residual layers), runs
through `run_trial` as before. Every member gives its lone Trainer's numbers, so
each row is the row `run_trial` gives; only `seconds` differs (a batch's time is
shared equally among its rows).

TPE (whose next trial depends on the finished ones) and pruning (which judges a
trial against those that finished before it) stay one trial at a time, which
keeps "the same seed and strategy give the same trials and numbers whatever the
workers" true for all three strategies.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np

from engine.population import PopulationTrainer, group_key
from engine.population_fit import fit_members
from engine.spec import TrainConfig
from playground.document.sweep.trial import (
    TrialSetup,
    _numbers,
    build_parts,
    data_seed,
    run_trial,
)

MAX_MEMBERS = 32  # beyond this a population gains little per member and reports late


def share_key(setup: TrialSetup, params: dict[str, Any]) -> tuple | None:
    """What trials must share to train together; None for a trial that cannot be configured."""
    try:
        config = TrainConfig(**setup.config_values(params))
        return (params.get("layers", setup.layers), data_seed(setup, config), group_key(config))
    except Exception:  # its own run_trial records why, as a failed row
        return None


def plan(setup: TrialSetup, trials: list[tuple[int, dict[str, Any]]], workers: int):
    """The positions in `trials` of each batch, in trial order.

    A group of n trials that can share a step is cut into as many near-equal
    batches as there are workers (none larger than MAX_MEMBERS), so every worker
    gets its share; the others are batches of one.
    """
    groups: dict[Any, list[int]] = {}
    for position, (_, params) in enumerate(trials):
        key = share_key(setup, params)
        groups.setdefault(("alone", position) if key is None else key, []).append(position)
    batches = []
    for members in groups.values():
        n = len(members)
        parts = max(min(workers, n), math.ceil(n / MAX_MEMBERS))
        bounds = [round(i * n / parts) for i in range(parts + 1)]
        batches += [members[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return sorted(batches)


def run_trials(setup: TrialSetup, trials: tuple[tuple[int, dict[str, Any]], ...]):
    """The rows of trials that share a shape (see `plan`), trained as one population."""
    if len(trials) == 1:
        ((number, params),) = trials
        return [run_trial(setup, number, params)]
    started = time.perf_counter()
    try:
        spec, _, data = build_parts(setup, trials[0][1])
        configs = [TrainConfig(**setup.config_values(params)) for _, params in trials]
        pop = PopulationTrainer(spec, configs, data)
        curves: list[dict[int, float]] = [{} for _ in trials]

        def on_epoch(member, epoch, ev):
            curves[member][epoch] = float(
                ev.test_loss if ev.test_loss is not None else ev.train_loss
            )

        with np.errstate(over="ignore", invalid="ignore"):
            fits = fit_members(pop, on_epoch)
    except Exception:  # a batch the population cannot take: one by one, as before
        return [run_trial(setup, number, params) for number, params in trials]
    seconds = round((time.perf_counter() - started) / len(trials), 4)
    rows = []
    for (number, params), fit, curve in zip(trials, fits, curves, strict=True):
        row: dict[str, Any] = {"trial": number, "state": "complete", "params": dict(params)}
        if fit.error is not None:
            row["state"], row["message"] = "diverged", str(fit.error)
        else:
            row["evaluation"] = fit.evaluation
        _numbers(row, fit.epochs)
        row["curve"] = curve
        row["seconds"] = seconds
        rows.append(row)
    return rows
