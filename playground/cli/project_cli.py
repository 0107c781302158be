"""`playground train --project FILE` and `--save-project FILE` (imports no Qt).

With `--project` the project supplies everything; training options given on the
command line (optimizer, lr, batch size, regularisation, epochs...) override its
settings, while dataset and architecture options are an error. `--epochs N`
means N more epochs; without it the project's own epoch count is used (100 when
it says "until paused"). Training continues from the saved state, so saving
after 10 epochs and continuing for 10 more gives the numbers of 20 in one go.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import datasets
from engine.settings import SETTINGS
from engine.snapshot import History
from engine.trainer import Trainer
from engine.trainer_state import capture
from playground.document.errors import InputError, require_file
from playground.document.exporting import check_writable
from playground.document.project import Project, prepare, read_project, write_project
from playground.document.session import UNLIMITED_EPOCHS, DataChoice

DEFAULT_EPOCHS = 100
# options that describe data or architecture: a project already fixes them
FIXED_BY_PROJECT = {
    "dataset": "--dataset",
    "data": "--data",
    "task": "--task",
    "samples": "--samples",
    "noise": "--noise",
    "test_ratio": "--test-ratio",
    "features": "--features",
    "layers": "--layers",
    "loss": "--loss",
    "seed": "--seed",
    "load_weights": "--load-weights",
}
# the training settings a command line may override (engine/settings.py; not the seed)
TRAINING = tuple(s.name for s in SETTINGS if s.flag is not None and s.name not in FIXED_BY_PROJECT)


def check_project_path(text: str) -> Path:
    """`text` as a writable file path (checked before training); InputError otherwise."""
    return check_writable(text, "project ")


def load(args: argparse.Namespace) -> tuple[Project, datasets.Dataset, Trainer, History]:
    """The project's dataset and a Trainer (and history) positioned where it was saved."""
    given = [flag for key, flag in FIXED_BY_PROJECT.items() if _given(args, key)]
    if args.standardize:
        given.append("--standardize")
    if given:
        raise InputError(
            f"{given[0]} cannot be combined with --project: the project fixes the data and the "
            f"network (only training options such as --lr or --epochs may change)"
        )
    require_file(args.project, "project")
    project = read_project(args.project)
    history = History(len(project.network.hidden) + 1)  # one gradient norm per dense layer
    ds, _, trainer = prepare(project, args.project, history)
    changes = {name: getattr(args, name) for name in TRAINING if _given(args, name)}
    if "epochs" not in changes and project.training.epochs >= UNLIMITED_EPOCHS:
        changes["epochs"] = DEFAULT_EPOCHS
    trainer.set_config(project.training.replace(**changes))
    return project, ds, trainer, history


def _given(args: argparse.Namespace, key: str) -> bool:
    return getattr(args, key, None) is not None


def save(
    args: argparse.Namespace,
    project: Project | None,
    ds: datasets.Dataset,
    trainer: Trainer,
    history: History,
    path: Path,
) -> None:
    """Write the trained state as a project: the loaded one updated, or one from the options."""
    state = capture(trainer, history)
    if project is None:
        project = Project(_data_choice(args, ds), trainer.spec, trainer.config)
        if args.data is not None:
            project = project.replace(dataset=ds)
    write_project(project.replace(training=trainer.config, state=state), path)


def _data_choice(args: argparse.Namespace, ds: datasets.Dataset) -> DataChoice:
    seed = 0 if args.seed is None else args.seed
    ratio = 0.3 if args.test_ratio is None else args.test_ratio
    if args.data is not None:
        return DataChoice(
            source="csv",
            params={"seed": seed},
            test_ratio=ratio,
            path=os.path.abspath(args.data),
            task=args.task,
            standardize=bool(args.standardize),
        )
    return DataChoice(source=ds.name, params=dict(ds.params), test_ratio=ratio)


__all__ = ["check_project_path", "load", "save"]
