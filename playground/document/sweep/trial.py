"""One trial: an ordinary headless training from a setup and the trial's parameters.

This is what a worker process runs (a local pool's or a Dask worker's): it builds
the dataset, split, network and Trainer exactly as `playground train` does with
the same settings and seed, trains, and returns plain numbers (a result row). It
never raises: a divergence or an error becomes the row's state and message.

Pruning is decided here, in the worker, by Optuna's own pruner: the parent passes
the per-epoch test losses of the trials already finished (and whether they were
pruned), the worker replays them into a private in-memory study and asks the
pruner after each epoch of this trial. With several workers which trials have
finished depends on timing, so a pruned sweep, like TPE, repeats exactly only
with one worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import datasets
from engine.errors import DivergenceError
from engine.settings import SETTINGS
from engine.spec import TrainConfig
from playground.document import training_data

PRUNERS = ("none", "median", "halving")


@dataclass(frozen=True)
class TrialSetup:
    """Everything fixed across the trials: the data recipe, network and other settings.

    `given` holds a dataset used as it is (a CSV read once, or the window's data);
    otherwise `dataset` is generated with the trial's seed, as `playground train`
    does. `data_seed` (the window's data seed) splits the data when set; otherwise
    the trial's seed does, as in `playground train`.
    """

    dataset: str = "spirals"
    samples: int = 500
    noise: float = 0.0
    test_ratio: float = 0.3
    given: Any = None
    data_seed: int | None = None
    standardize: bool = False
    features: tuple[str, ...] | None = None
    layers: str = "8:tanh,8:tanh"
    loss: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def config_values(self, params: dict[str, Any]) -> dict[str, Any]:
        """The TrainConfig values of a trial: defaults, fixed settings, then its parameters."""
        values = {s.name: s.default for s in SETTINGS if s.flag is not None}
        values.update(self.settings)
        values.update({k: v for k, v in params.items() if k != "layers"})
        return values


class _Pruned(Exception):
    pass


def build_parts(setup: TrialSetup, params: dict[str, Any]):
    """(spec, config, data) of one trial, as `playground train` builds them."""
    config = TrainConfig(**setup.config_values(params))
    seed = data_seed(setup, config)
    if setup.given is not None:
        ds = setup.given
    else:
        ds = datasets.make(setup.dataset, n_samples=setup.samples, noise=setup.noise, seed=seed)
    data = training_data.make_data(ds, setup.test_ratio, seed)
    scaling = None
    if setup.standardize:
        scaling = training_data.fit_input_scaling(ds, setup.test_ratio, seed)
    hidden = training_data.parse_layers(params.get("layers", setup.layers))
    spec = training_data.make_spec(ds, hidden, setup.features, setup.loss, scaling)
    return spec, config, data


def data_seed(setup: TrialSetup, config: TrainConfig) -> int:
    """The seed that generates and splits a trial's data: the window's, else the trial's own."""
    return config.seed if setup.data_seed is None else setup.data_seed


def build(setup: TrialSetup, params: dict[str, Any]):
    """The Trainer of one trial (as `playground train` builds it from the same options)."""
    from engine.trainer import Trainer

    return Trainer(*build_parts(setup, params))


def run_trial(
    setup: TrialSetup,
    number: int,
    params: dict[str, Any],
    pruner: str = "none",
    finished: tuple[tuple[bool, dict[int, float]], ...] = (),
) -> dict[str, Any]:
    """Train trial `number`; its row: state, numbers, per-epoch values, message."""
    started = time.perf_counter()
    row: dict[str, Any] = {"trial": number, "state": "complete", "params": dict(params)}
    curve: dict[int, float] = {}
    judge = _pruning_judge(pruner, finished)
    trainer = None
    try:
        trainer = build(setup, params)

        def on_epoch(t, ev):
            value = ev.test_loss if ev.test_loss is not None else ev.train_loss
            curve[t.epoch] = float(value)
            if judge is not None and judge(t.epoch, float(value)):
                row["evaluation"] = ev
                raise _Pruned

        with np.errstate(over="ignore", invalid="ignore"):
            result = trainer.fit(trainer.config.epochs, on_epoch=on_epoch)
        row["evaluation"] = result.evaluation
    except _Pruned:
        row["state"] = "pruned"
        row["message"] = f"pruned after epoch {trainer.epoch}"
    except DivergenceError as exc:
        row["state"], row["message"] = "diverged", str(exc)
    except Exception as exc:  # a trial that raises is recorded; the sweep goes on
        row["state"], row["message"] = "failed", f"{type(exc).__name__}: {exc}"
    _numbers(row, 0 if trainer is None else int(trainer.epoch))
    row["curve"] = curve
    row["seconds"] = round(time.perf_counter() - started, 4)
    return row


def _numbers(row: dict[str, Any], epochs: int) -> None:
    """The row's epochs run and the numbers of its final evaluation (popped from the row)."""
    ev = row.pop("evaluation", None)
    row["epochs"] = epochs
    if ev is None:
        return
    row["metric"] = ev.metric_name
    for key, value in (
        ("train_loss", ev.train_loss), ("test_loss", ev.test_loss),
        (f"train_{ev.metric_name}", ev.train_metric), (f"test_{ev.metric_name}", ev.test_metric),
    ):  # fmt: skip
        row[key] = None if value is None or not np.isfinite(value) else float(value)


def _pruning_judge(pruner: str, finished: tuple[tuple[bool, dict[int, float]], ...]):
    """`judge(epoch, value) -> prune?` by Optuna's pruner over the finished trials' curves."""
    if pruner == "none":
        return None
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    chosen = (
        optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
        if pruner == "median"
        else optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    )
    study = optuna.create_study(direction="minimize", pruner=chosen)
    dist = optuna.distributions.FloatDistribution(0.0, 1.0)
    for pruned, curve in finished:
        if not curve:
            continue
        # the successive-halving rungs each finished trial reached (Optuna's own keys)
        rungs = {f"completed_rung_{i}": curve[3**i] for i in range(20) if 3**i in curve}
        state = optuna.trial.TrialState.PRUNED if pruned else optuna.trial.TrialState.COMPLETE
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": 0.5}, distributions={"x": dist}, state=state,
                value=None if pruned else curve[max(curve)], intermediate_values=curve,
                system_attrs=rungs,
            )
        )  # fmt: skip
    trial = study.ask()

    def judge(epoch: int, value: float) -> bool:
        trial.report(value, epoch)
        return trial.should_prune()

    return judge
