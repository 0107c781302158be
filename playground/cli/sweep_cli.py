"""`playground sweep`: a hyper-parameter search from the command line (imports no Qt).

The data and fixed training options are `playground train`'s; `--param NAME=SPEC`
names what varies. Rows go to `--out` (CSV or JSON), progress to stderr, and the
summary to stdout (one JSON line with --json). Exit status as `train`: 0 when a
trial completed, 2 for bad input, 3 when every trial diverged or failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from engine.settings import SETTINGS
from playground.cli import train_cli
from playground.document.errors import InputError
from playground.document.exporting import check_writable
from playground.document.sweep import results
from playground.document.sweep.params import parse_param, sweepable
from playground.document.sweep.study import STRATEGIES, Sweep, run_sweep
from playground.document.sweep.trial import PRUNERS, TrialSetup

EXIT_ALL_FAILED = 3
TRAIN_ONLY = ("load_weights", "export", "project", "save_project")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`train`'s data, network and training options, then the search's own."""
    train_cli.add_arguments(parser)
    for action in parser._actions:  # train's file options do not apply: refused, unlisted
        if action.dest in TRAIN_ONLY:
            action.help = argparse.SUPPRESS
    search = parser.add_argument_group("search")
    search.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help=f"a parameter to vary; NAME one of {', '.join(sweepable())}; SPEC a,b,c "
        "(choices; layer layouts separated by |), log:LO:HI, lin:LO:HI or int:LO:HI",
    )
    search.add_argument("--strategy", choices=STRATEGIES, default="random")
    search.add_argument("--trials", type=int, metavar="N", help="default: the grid, or 20")
    search.add_argument("--grid-points", type=int, metavar="K", help="values per range (grid)")
    search.add_argument("--workers", type=int, metavar="N", help="default: one per core")
    search.add_argument("--pruner", choices=PRUNERS, default="none")
    search.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786)")
    search.add_argument("--storage", metavar="URL", help="an Optuna storage: sqlite:///f.db")
    search.add_argument("--out", metavar="FILE", help="one row per trial: .csv or .json")
    search.add_argument(
        "--one-by-one", action="store_true",
        help="train every trial on its own (grid and random sweeps otherwise train trials "
        "of one shape together as a population: the same rows, faster)",
    )  # fmt: skip


def _refuse_train_only(args: argparse.Namespace) -> None:
    for option in TRAIN_ONLY:
        if getattr(args, option):
            flag = "--" + option.replace("_", "-")
            raise InputError(f"{flag} applies to `playground train`, not to a sweep")


def make_setup(args: argparse.Namespace) -> TrialSetup:
    """The fixed part of every trial, checked here as `train` checks it."""
    ds = train_cli.load_dataset(args)  # a bad name or file is refused before any trial
    layers = train_cli.DEFAULT_LAYERS if args.layers is None else args.layers
    features = None
    if args.features is not None:
        features = train_cli.training_data.parse_features(args.features)
    train_cli.training_data.parse_layers(layers)
    fixed = {s.name: getattr(args, s.name) for s in SETTINGS if s.flag is not None}
    return TrialSetup(
        dataset=ds.name if args.data is None else "",
        samples=train_cli.DEFAULT_SAMPLES if args.samples is None else args.samples,
        noise=train_cli.DEFAULT_NOISE if args.noise is None else args.noise,
        test_ratio=train_cli._option(args, "test_ratio"),
        given=ds if args.data is not None else None,
        standardize=args.standardize,
        features=features,
        layers=layers,
        loss=args.loss,
        settings={k: v for k, v in fixed.items() if v is not None},
    )


def run(args: argparse.Namespace) -> int:
    _refuse_train_only(args)
    params = [parse_param(text) for text in args.param]
    out = None
    if args.out:
        if Path(args.out).suffix.lower() not in (".csv", ".json"):
            raise InputError(f"--out {args.out!r}: expected a file name ending in .csv or .json")
        out = check_writable(args.out)
    sweep = Sweep(
        setup=make_setup(args),
        params=params,
        strategy=args.strategy,
        trials=args.trials,
        workers=args.workers,
        seed=train_cli._option(args, "seed"),
        grid_points=args.grid_points,
        pruner=args.pruner,
        scheduler=args.scheduler,
        storage=args.storage,
        population=not args.one_by_one,
    )
    sweep.check()
    cancel = threading.Event()

    def on_row(row, done, total):
        loss = results.objective(row)
        shown = "" if loss is None else f" loss {loss:.4f}"
        print(f"trial {row['trial']}: {row['state']}{shown} ({done}/{total})", file=sys.stderr)

    try:
        rows, seconds = run_sweep(sweep, on_row=on_row, cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        raise
    names = [p.name for p in params]
    if out is not None:
        results.write(out, rows, names)
    summary = results.summary(rows, names, seconds)
    print(json.dumps(summary) if args.json else _human(summary))
    return 0 if summary["complete"] or summary["pruned"] or not rows else EXIT_ALL_FAILED


def _human(s) -> str:
    counts = ", ".join(f"{s[k]} {k}" for k in results.STATES if s[k])
    lines = [f"{s['trials']} trials in {s['seconds']:.1f} s: {counts or 'none'}"]
    if s["best"] is not None:
        b = s["best"]
        skip = {"trial", "state", "message", "epochs", "seconds"}
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in b.items() if k not in skip and v is not None)  # fmt: skip
        lines.append(f"best: trial {b['trial']}: {shown}")
    return "\n".join(lines)
