"""The `playground` command: GUI launcher, headless training and benchmarks.

`playground` and `playground open FILE` import the Qt application lazily, so
`playground train` and `playground bench` never load Qt and run on machines
without a display. Expected problems (bad input, unreadable files, divergence)
end with a one-line message and an exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from playground.document.errors import InputError, require_file

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    from playground.cli import bench, train_cli

    parser = argparse.ArgumentParser(
        prog="playground",
        description="Backprop Playground: watch a NumPy backprop engine learn small networks.",
        epilog="Without a command the GUI starts on the built-in default.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    open_ = commands.add_parser(
        "open",
        help="launch the GUI on a saved project or a lesson link",
        description="Launch the GUI on a saved project (FILE) or on a lesson link copied with "
        "File > Copy Lesson Link (--text). Exit status 2 when either cannot be opened.",
    )
    open_.add_argument(
        "file", metavar="FILE", nargs="?", help="a saved project (*.playground.json)"
    )
    open_.add_argument(
        "--text",
        metavar="TEXT",
        help="a lesson link (bpp1.…; spaces and line breaks ignored); - reads it from stdin",
    )
    train = commands.add_parser(
        "train",
        help="train headless; --json prints one JSON summary",
        description="Train a network without the GUI. Exit status: 0 success, "
        "2 bad input, 3 training diverged.",
    )
    train_cli.add_arguments(train)
    bench_ = commands.add_parser(
        "bench",
        help="engine speed against NumPy's floor and PyTorch",
        description="Engine steps per second on standard workloads against a hand-written "
        "NumPy loop (the floor) and PyTorch when torch is installed; populations; peak memory.",
    )
    bench.add_arguments(bench_)
    sweep = commands.add_parser(
        "sweep",
        help="hyper-parameter search (grid, random, TPE), in parallel or on a Dask cluster",
        description="Train many configurations in worker processes. Needs the [sweep] extra "
        "(Optuna). Exit status: 0 a trial completed, 2 bad input, 3 every trial diverged or "
        "failed.",
    )
    from playground.cli import sweep_cli

    sweep_cli.add_arguments(sweep)
    return parser


def _launch_gui(project: str | None) -> int:
    if project is not None:
        require_file(project, "project")  # a damaged project is explained by the window
    from playground.app import run  # Qt is imported only here

    return int(run(project=project) or 0)


def _open(args: argparse.Namespace) -> int:
    """`playground open FILE` or `playground open --text TEXT` (exactly one of them)."""
    if (args.file is None) == (args.text is None):
        raise InputError(
            "open needs a project FILE or --text TEXT (a lesson link), one of them; "
            f"received {'both' if args.file else 'neither'}"
        )
    if args.file is not None:
        return _launch_gui(args.file)
    from playground.document.share_text import open_text

    text = sys.stdin.read() if args.text == "-" else args.text
    open_text(text)  # a foreign or damaged text is refused here, before Qt starts
    from playground.app import run

    return int(run(text=text) or 0)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _launch_gui(None)
    if args.command == "open":
        return _open(args)
    if args.command == "train":
        from playground.cli import train_cli

        return train_cli.run(args)
    if args.command == "sweep":
        from playground.cli import sweep_cli

        return sweep_cli.run(args)
    from playground.cli import bench

    return bench.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `playground` console script; returns the exit status."""
    from datasets.errors import DatasetError
    from engine.errors import DivergenceError, EngineError
    from playground.document.project import ProjectError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    prog = f"playground {args.command}" if args.command else "playground"
    try:
        return _dispatch(args)
    except DivergenceError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_DIVERGED
    except (InputError, EngineError, DatasetError, ProjectError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        what = f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc)
        print(f"{prog}: error: {what}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
