"""`playground train`: train headless from command-line options (imports no Qt).

Every input is checked before the first step, including that the export path
can be written, so a long run never ends in a lost result. Progress goes to
stderr; stdout carries only the summary (one JSON line with --json).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

import numpy as np

import datasets
from datasets.csv_checks import csv_warnings
from engine.errors import SpecError
from engine.settings import SETTINGS, Setting
from engine.snapshot import History
from engine.spec import FEATURES, LOSSES, TrainConfig
from playground.cli import project_cli
from playground.cli.progress import Progress
from playground.document import animation, exporting, training_data
from playground.document.errors import InputError, require_file

DEFAULT_DATASET = "spirals"
DEFAULT_SAMPLES = 500
DEFAULT_NOISE = 0.0
DEFAULT_LAYERS = "8:tanh,8:tanh"


def setting_type(setting: Setting):
    """An argparse type that reads and checks `setting` by its record (engine/settings.py).

    Out of range or unreadable: argparse's usage message and exit status 2.
    """
    what = "an integer" if setting.kind is int else "a number"

    def parse(text: str):
        try:
            value = setting.kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; received {text!r}") from None
        try:
            return setting.check(value)
        except SpecError:
            raise argparse.ArgumentTypeError(
                f"expected {what} {setting.bounds_text()}; received {text}"
            ) from None

    parse.__name__ = setting.kind.__name__  # argparse names the type in some messages
    return parse


def add_training_arguments(group) -> None:
    """One option per training setting with a flag, from its record (unset: None)."""
    for s in SETTINGS:
        if s.flag is None:
            continue
        if s.choices:
            group.add_argument(s.flag, dest=s.name, choices=s.choices, help=s.help_text())
        elif s.kind is bool:  # --restore-best / --no-restore-best
            action = argparse.BooleanOptionalAction
            group.add_argument(s.flag, dest=s.name, action=action, help=s.help_text())
        else:
            group.add_argument(
                s.flag, dest=s.name, type=setting_type(s), metavar=s.metavar, help=s.help_text()
            )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of DESIGN.md "Command line" with its defaults."""
    data = parser.add_argument_group("data")
    source = data.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        metavar="NAME",
        help=f"a built-in dataset: {', '.join(datasets.names())} (default {DEFAULT_DATASET})",
    )
    source.add_argument(
        "--data", metavar="CSV", help="a CSV file: numeric columns, the last is the target"
    )
    data.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="override the task a CSV's target suggests (with --data)",
    )
    data.add_argument(
        "--standardize", action="store_true", help="standardise a CSV's input columns (with --data)"
    )
    data.add_argument(
        "--samples", type=int, metavar="N", help=f"points to generate (default {DEFAULT_SAMPLES})"
    )
    data.add_argument(
        "--noise",
        type=float,
        metavar="F",
        help=f"noise of the generated data (default {DEFAULT_NOISE:g})",
    )
    data.add_argument(
        "--test-ratio",
        type=float,
        metavar="F",
        help="fraction held out for testing; 0 trains on all the data (default 0.3)",
    )

    net = parser.add_argument_group("network")
    net.add_argument(
        "--features",
        metavar="LIST",
        help=f"input features, comma-separated, from {', '.join(FEATURES)} "
        "(default: the raw inputs, x1,x2 for 2-D data)",
    )
    net.add_argument(
        "--layers",
        metavar="TEXT",
        help=f"hidden layers as units:activation[:flags], comma-separated; flags bn "
        f'(batch norm) and res (residual), joined by +, e.g. "16:relu:bn+res"; "" for none '
        f'(default "{DEFAULT_LAYERS}")',
    )
    net.add_argument("--loss", choices=LOSSES, help="default: bce, ce or mse following the task")

    add_training_arguments(parser.add_argument_group("training"))

    files = parser.add_argument_group("files")
    files.add_argument(
        "--load-weights",
        metavar="FILE",
        help="start from these weights (.npz or .json) and use their network",
    )
    files.add_argument("--export", metavar="FILE", help="write the weights: .npz, .json or .onnx")
    files.add_argument(
        "--project",
        metavar="FILE",
        help="read data, network, settings and training state from a saved project; "
        "training options given here override its settings",
    )
    files.add_argument(
        "--save-project",
        metavar="FILE",
        help="write data, network, settings, weights and training state as a project",
    )
    files.add_argument("--json", action="store_true", help="print one JSON summary line on stdout")
    files.add_argument(
        "--animate",
        metavar="FILE",
        help="write the output plot's evolution over the run: .gif, or .mp4 with imageio-ffmpeg",
    )
    files.add_argument(
        "--animate-frames",
        type=int,
        metavar="N",
        default=animation.DEFAULT_FRAMES,
        help=f"frames of the animation (default {animation.DEFAULT_FRAMES})",
    )


def run(args: argparse.Namespace) -> int:
    export_path = exporting.check_output_path(args.export) if args.export else None
    save_path = None
    if args.save_project:
        save_path = project_cli.check_project_path(args.save_project)
    animate_path = None
    if args.animate:
        animate_path = animation.check_animation_path(args.animate)
        animation.check_frame_count(args.animate_frames)
    project, history = None, None
    if args.project:
        project, ds, trainer, history = project_cli.load(args)
    else:
        ds, trainer = build_trainer(args)
        if save_path is not None:
            history = History(trainer.n_layers)
    taker = None
    if animate_path is not None:
        taker = animation.FrameTaker(trainer, trainer.config.epochs, args.animate_frames, history)
    result, seconds = train(trainer, trainer.config.epochs, taker or history)
    if taker is not None:
        taker.finish()
        n = animation.write_animation(animate_path, taker.frames, trainer.data, loss=taker.loss)
        print(f"animation of {n} frames written to {animate_path}", file=sys.stderr)
    if export_path is not None:
        exporting.export(trainer.network, export_path)
    if save_path is not None:
        project_cli.save(args, project, ds, trainer, history, save_path)
    summary = make_summary(args, ds, trainer, result, seconds, export_path)
    print(json.dumps(summary) if args.json else human_summary(summary))
    return 0


def build_trainer(args: argparse.Namespace):
    """The dataset and a Trainer from the options (a project file will be the other source)."""
    from engine.trainer import Trainer

    ds = load_dataset(args)
    data = training_data.make_data(ds, _option(args, "test_ratio"), _option(args, "seed"))
    network = load_network(args, ds) if args.load_weights else None
    spec = network.spec if network is not None else _spec_from_args(args, ds)
    return ds, Trainer(spec, make_config(args), data, network=network)


def train(trainer, epochs: int, history=None):
    """`epochs` more epochs with progress on stderr; the FitResult and the seconds taken.

    With a `history` every step is recorded into it (for a saved project).
    """
    progress = Progress(epochs)
    start_epoch = trainer.epoch
    started = time.perf_counter()
    # Overflow on the way to a NaN is expected: the trainer detects it and raises
    # DivergenceError, so numpy's own RuntimeWarnings would only be noise here.
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            on_epoch = lambda t, ev: progress.update(  # noqa: E731
                t.epoch - start_epoch, ev.train_loss, ev.test_loss
            )
            result = trainer.fit(epochs, on_epoch=on_epoch, history=history)
    finally:
        progress.close()
    return result, time.perf_counter() - started


def load_dataset(args: argparse.Namespace):
    """The dataset the options name: generated (--dataset) or read from a file (--data)."""
    if args.data is not None:
        for option, value in (("--samples", args.samples), ("--noise", args.noise)):
            if value is not None:
                raise InputError(
                    f"{option} applies to generated datasets, not to --data {args.data}"
                )
        require_file(args.data, "data file")
        ds = datasets.load_csv(args.data, task=args.task)  # --standardize: a scaler in the spec
        for warning in csv_warnings(ds, standardize=args.standardize, task=args.task):
            print(f"warning: {warning}", file=sys.stderr)
        return ds
    if args.task is not None or args.standardize:
        option = "--task" if args.task is not None else "--standardize"
        raise InputError(f"{option} applies to CSV data (--data FILE), not to generated datasets")
    samples = DEFAULT_SAMPLES if args.samples is None else args.samples
    noise = DEFAULT_NOISE if args.noise is None else args.noise
    name = args.dataset or DEFAULT_DATASET
    return datasets.make(name, n_samples=samples, noise=noise, seed=_option(args, "seed"))


def _spec_from_args(args: argparse.Namespace, ds):
    hidden = training_data.parse_layers(DEFAULT_LAYERS if args.layers is None else args.layers)
    features = training_data.parse_features(args.features) if args.features is not None else None
    return training_data.make_spec(ds, hidden, features, args.loss, _scaling(args, ds))


def _scaling(args: argparse.Namespace, ds):
    """With --standardize, the scaler of the training rows that the network will carry."""
    if not args.standardize:
        return None
    split = _option(args, "test_ratio"), _option(args, "seed")
    return training_data.fit_input_scaling(ds, *split)


def load_network(args: argparse.Namespace, ds):
    """The network of --load-weights; explicit --layers / --features must agree with it."""
    from engine.network import Network
    from engine.weights_io import load

    path = require_file(args.load_weights, "weights file")
    network = load(path)
    spec = network.spec
    if args.layers is not None:
        asked = training_data.parse_layers(args.layers)
        if [(h.units, h.activation) for h in asked] != [
            (h.units, h.activation) for h in spec.hidden
        ]:
            raise InputError(
                f"--layers {args.layers!r} differs from the network in {path.name} "
                f"({training_data.format_layers(spec.hidden)!r}); leave --layers out to use it"
            )
    if args.features is not None and training_data.parse_features(args.features) != spec.features:
        raise InputError(
            f"--features {args.features!r} differs from the network in {path.name} "
            f"({','.join(spec.features)!r}); leave --features out to use it"
        )
    training_data.check_fits(spec, ds)
    changes = {}
    if args.loss is not None and args.loss != spec.loss:
        changes["loss"] = args.loss
    if spec.input_scaling is None and args.standardize:  # a file from before scalers travelled
        changes["input_scaling"] = _scaling(args, ds)
    if changes:
        state = network.state_dict()
        network = Network(spec.replace(**changes))
        network.load_state_dict(state)
    return network


# Defaults of the options left unset (None in `args`, so a project can tell what was given).
DEFAULTS = {"test_ratio": 0.3, **{s.name: s.default for s in SETTINGS if s.flag is not None}}


def _option(args: argparse.Namespace, name: str):
    value = getattr(args, name)
    return DEFAULTS[name] if value is None else value


def make_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig of the options: each setting given, or its default."""
    return TrainConfig(**{s.name: _option(args, s.name) for s in SETTINGS if s.flag is not None})


def _number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _final_lr(trainer) -> float:
    """The rate the last step used (the schedule's), or the first one's before any step."""
    report = trainer.last_report
    return float(trainer.optimizer.lr if report is None else report.lr)


def make_summary(args, ds, trainer, result, seconds, export_path) -> dict[str, Any]:
    """The JSON summary: totals, final whole-set losses and metrics, and what was run."""
    spec, config, data = trainer.network.spec, trainer.config, trainer.data
    evaluation = result.evaluation  # the final weights (the best ones after early stopping)
    metric = evaluation.metric_name
    return {
        "dataset": ds.name,
        "task": spec.task,
        "n_train": len(data.y_train),
        "n_test": 0 if data.y_test is None else len(data.y_test),
        "features": list(spec.features),
        "layers": training_data.format_layers(spec.hidden),
        "loss": spec.loss,
        "optimizer": config.optimizer,
        "lr": config.lr,
        "schedule": config.schedule,
        "final_lr": _final_lr(trainer),
        "batch_size": config.batch_size,
        "dtype": config.dtype,
        "seed": config.seed,
        "epochs": int(trainer.epoch),
        "steps": int(trainer.step_count),
        "train_loss": _number(evaluation.train_loss),
        "test_loss": _number(evaluation.test_loss),
        f"train_{metric}": _number(evaluation.train_metric),
        f"test_{metric}": _number(evaluation.test_metric),
        "early_stopped": bool(result.stopped_early),
        "best_epoch": result.best_epoch,
        "train_seconds": round(seconds, 6),
        "loaded_weights": args.load_weights,
        "project": args.project,
        "saved_project": args.save_project,
        "exported": None if export_path is None else str(export_path),
    }


def human_summary(s: dict[str, Any]) -> str:
    metric = "accuracy" if s["task"] == "classification" else "r2"
    layers = s["layers"] or "no hidden layer"
    lines = [
        f"{s['dataset']}: {s['n_train']} train / {s['n_test']} test points; "
        f"features {','.join(s['features'])}; layers {layers}; loss {s['loss']}",
        f"{s['epochs']} epochs, {s['steps']} steps of {s['optimizer']} (lr {s['lr']:g}) "
        f"in {s['train_seconds']:.2f} s" + (" (stopped early)" if s["early_stopped"] else ""),
        f"train: loss {s['train_loss']:.4f}  {metric} {_fmt(s[f'train_{metric}'])}",
    ]
    if s["test_loss"] is not None:
        lines.append(f"test:  loss {s['test_loss']:.4f}  {metric} {_fmt(s[f'test_{metric}'])}")
    if s["exported"]:
        lines.append(f"weights written to {s['exported']}")
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"
