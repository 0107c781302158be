"""`playground bench`: engine throughput on standard workloads, next to PyTorch's.

All workloads use the 2-arm spirals, 500 points, seed 0, with no test set:

    W1  2-8-8-1 tanh, sigmoid output, BCE, SGD lr 0.03, batch 10
    W2  2-64-64-64-1 relu, BCE, Adam lr 0.01, batch 32
    W3  2-16-16-1 tanh, BCE, SGD lr 0.03, full batch (500)
    W4  predict of the W2 network on a 200x200 grid (40,000 points)

Each rate (steps/s, W4 full-grid predicts/s) is the median of several timed
repeats after a warm-up. `engine` runs `Trainer.run_steps(n)`: n times the step
the runner and `fit` take (forward, loss, backward, update, the finiteness
checks and the per-layer gradient norms of the history) under one np.errstate,
as they do. `+stats` also computes every layer's statistics at each step, as
`Trainer.step()` does (the runner does that only for the snapshots it publishes).
PyTorch's loop does neither.
PyTorch is optional: when it is importable the same workloads run in eager mode
on the CPU in this process (see playground/bench_torch.py), float64 like the
engine, and float32 for reference, with as many threads as numpy's BLAS uses
unless --threads says otherwise. `ratio` is engine rate / torch rate: above 1
the engine is faster.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.document.errors import InputError

N_SAMPLES = 500
GRID = 200
REPEATS = 5


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    hidden: tuple[tuple[int, str], ...]
    optimizer: str
    lr: float
    batch_size: int  # 0 = full batch
    predict: bool = False  # W4: time predictions of the trained network on the grid


WORKLOADS = {
    w.name: w
    for w in (
        Workload("W1", "2-8-8-1 tanh, SGD, batch 10", ((8, "tanh"), (8, "tanh")), "sgd", 0.03, 10),
        Workload("W2", "2-64-64-64-1 relu, Adam, batch 32", ((64, "relu"),) * 3, "adam", 0.01, 32),
        Workload(
            "W3", "2-16-16-1 tanh, SGD, full batch", ((16, "tanh"), (16, "tanh")), "sgd", 0.03, 0
        ),
        Workload(
            "W4",
            f"predict W2 net on {GRID}x{GRID} grid",
            ((64, "relu"),) * 3,
            "adam",
            0.01,
            32,
            predict=True,
        ),
    )
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        metavar="S",
        help="time spent on each measurement (default 2)",
    )
    parser.add_argument(
        "--workloads",
        metavar="LIST",
        default=",".join(WORKLOADS),
        help=f"comma-separated subset of {','.join(WORKLOADS)} (default all)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help=f"torch.set_num_threads for the PyTorch side (default: as many as numpy's "
        f"BLAS uses, here {blas_threads()}; set OMP_NUM_THREADS to change both)",
    )
    parser.add_argument("--no-torch", action="store_true", help="measure the engine only")
    parser.add_argument(
        "--no-runner", action="store_true", help="skip the Runner (thread) benchmarks of W1 and W2"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def measure(run: Callable[[int], None], seconds: float, repeats: int = REPEATS) -> float:
    """Median rate (operations per second) of `run(n)`, which performs n operations.

    A warm-up of about one repeat's time sizes the batches so each timed repeat
    takes about `seconds / (repeats + 1)`; an operation slower than that gets
    fewer repeats, so a measurement stays near `seconds`.
    """
    per = seconds / (repeats + 1)
    t0 = time.perf_counter()
    run(1)
    first = time.perf_counter() - t0
    if first >= per:  # slow operation (first call included): one op per repeat
        repeats = max(1, min(repeats, int(seconds / first) - 1))
        per = first
    n, spent, done = 1, 0.0, 0
    while spent < per:  # warm-up, doubling the chunk
        t0 = time.perf_counter()
        run(n)
        spent += time.perf_counter() - t0
        done += n
        if spent < per / 4:
            n *= 2
    size = max(1, round(done / spent * per)) if spent > 0 else n
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(size)
        rates.append(size / max(time.perf_counter() - t0, 1e-9))
    return statistics.median(rates)


def spirals_data():
    import datasets
    from playground.document.training_data import make_data

    ds = datasets.make("spirals", n_samples=N_SAMPLES, seed=0)
    return make_data(ds, test_ratio=0.0, seed=0)


def grid_points(bounds) -> np.ndarray:
    (x0, x1), (y0, y1) = bounds
    xx, yy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    return np.column_stack([xx.ravel(), yy.ravel()])


def engine_trainer(w: Workload, data):
    from engine.spec import LayerSpec, NetworkSpec, TrainConfig
    from engine.trainer import Trainer

    hidden = tuple(LayerSpec(u, a) for u, a in w.hidden)
    spec = NetworkSpec(input_dim=2, features=("x1", "x2"), hidden=hidden, loss="bce")
    config = TrainConfig(optimizer=w.optimizer, lr=w.lr, batch_size=w.batch_size, seed=0)
    return Trainer(spec, config, data)


def engine_rate(w: Workload, data, seconds: float, stats: bool = False) -> float:
    """Steps/s of `Trainer.run_steps(n, stats)` (W4: predicts/s of the trained network)."""
    trainer = engine_trainer(w, data)
    if w.predict:
        trainer.run_epoch()  # predict with trained-looking weights, like the GUI does
        grid, net = grid_points(data.bounds), trainer.network

        def run(n: int) -> None:
            for _ in range(n):
                net.predict(grid)
    else:

        def run(n: int) -> None:
            trainer.run_steps(n, stats)  # n x step(stats), under one np.errstate

    return measure(run, seconds)


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def blas_threads() -> int:
    """The threads numpy's OpenBLAS runs: the first of its variables that is set, else one
    per core this process may use (OpenBLAS's own rule)."""
    for name in BLAS_THREAD_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def threads_note(torch_threads: int | None) -> dict[str, Any]:
    """Which threads each side may use."""
    env = {k: os.environ[k] for k in (*BLAS_THREAD_VARIABLES, "MKL_NUM_THREADS") if k in os.environ}
    return {
        "cpus": os.cpu_count(),
        "numpy_blas": f"BLAS {blas_threads()} thread(s)" + (f" ({env})" if env else ""),
        "torch_threads": torch_threads,
    }


def runner_benchmarks(names: list[str], seconds: float) -> dict[str, list[dict]] | None:
    """engine/bench_runner.py's throughput and latency on the chosen workloads it knows.

    None when that module is absent. Latency tries scale with `seconds` (100 at 2 s).
    """
    if importlib.util.find_spec("engine.bench_runner") is None:
        return None
    module = importlib.import_module("engine.bench_runner")
    names = [n for n in names if n in module.WORKLOADS]
    tries = max(5, min(100, round(50 * seconds)))
    return {
        "throughput": [module.throughput(n, seconds) for n in names],
        "latency": [module.latency(n, tries) for n in names],
    }


def _selected(text: str) -> list[Workload]:
    names = [n.strip().upper() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if not names or unknown:
        raise InputError(
            f"Could not interpret --workloads {text!r}: expected some of {', '.join(WORKLOADS)}"
        )
    return [WORKLOADS[n] for n in dict.fromkeys(names)]


def run(args: argparse.Namespace) -> int:
    from playground.cli import bench_torch

    if not (args.seconds > 0 and args.seconds < 3600):
        raise InputError(f"--seconds must be a positive number of seconds; received {args.seconds}")
    threads = blas_threads() if args.threads is None else args.threads
    if threads < 1:
        raise InputError(f"--threads must be an integer >= 1; received {threads}")
    workloads = _selected(args.workloads)
    torch = None if args.no_torch else bench_torch.import_torch(threads)
    data = spirals_data()
    rows = []
    for w in workloads:
        row: dict[str, Any] = {
            "workload": w.name,
            "description": w.description,
            "unit": "predicts/s" if w.predict else "steps/s",
            "engine": engine_rate(w, data, args.seconds),
            "engine_with_stats": None if w.predict else engine_rate(w, data, args.seconds, True),
        }
        for dtype in ("float64", "float32"):
            rate = None
            if torch is not None:
                rate = bench_torch.torch_rate(torch, w, data, args.seconds, dtype, grid_points)
            row[f"torch_{dtype}"] = rate
            row[f"ratio_{dtype}"] = None if rate is None else row["engine"] / rate
        with_stats, torch64 = row["engine_with_stats"], row["torch_float64"]
        row["ratio_with_stats_float64"] = (
            None if with_stats is None or torch64 is None else with_stats / torch64
        )
        rows.append(row)
        if not args.json:
            print(f"  measured {w.name}", file=sys.stderr, flush=True)
    report = {
        "workloads": rows,
        "torch": None if torch is None else torch.__version__,
        "numpy": np.__version__,
        "threads": threads_note(None if torch is None else torch.get_num_threads()),
        "runner": None
        if args.no_runner
        else runner_benchmarks([w.name for w in workloads], args.seconds),
    }
    print(json.dumps(report) if args.json else format_report(report))
    return 0


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def format_report(report: dict[str, Any]) -> str:
    head = (
        "workload",
        "unit",
        "engine",
        "+stats",
        "torch f64",
        "ratio",
        "ratio+stats",
        "torch f32",
        "ratio f32",
    )
    rows = [
        (
            r["workload"] + " " + r["description"],
            r["unit"],
            _rate(r["engine"]),
            _rate(r.get("engine_with_stats")),
            _rate(r["torch_float64"]),
            _ratio(r["ratio_float64"]),
            _ratio(r.get("ratio_with_stats_float64")),
            _rate(r["torch_float32"]),
            _ratio(r["ratio_float32"]),
        )
        for r in report["workloads"]
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    fmt = lambda cells: "  ".join(  # noqa: E731
        c.ljust(wd) if i == 0 else c.rjust(wd)
        for i, (c, wd) in enumerate(zip(cells, widths, strict=True))
    )
    lines = [fmt(head), fmt(["-" * wd for wd in widths]), *(fmt(r) for r in rows)]
    t = report["threads"]
    torch_text = (
        f"torch {report['torch']} eager CPU, {t['torch_threads']} thread(s)"
        if report["torch"]
        else "PyTorch not measured (not installed, or --no-torch)"
    )
    lines.append(
        f"ratio = engine / torch f64 (above 1: engine faster); engine = Trainer.run_steps(n), "
        f"+stats = with every step's layer statistics. numpy {report['numpy']} "
        f"({t['numpy_blas']}, {t['cpus']} CPUs); {torch_text}."
    )
    runner = report["runner"] or {"throughput": [], "latency": []}
    for r in runner["throughput"]:
        lines.append(
            f"Runner {r['workload']}: {_rate(r['runner_steps_per_second'])} steps/s in the thread "
            f"with a 60 Hz consumer vs {_rate(r['bare_steps_per_second'])} bare "
            f"(ratio {_ratio(r['ratio'])}; {_ratio(r.get('ratio_vs_run_steps'))} against "
            f"{_rate(r.get('bare_run_steps_per_second'))} steps/s of run_steps)"
        )
    for r in runner["latency"]:
        lines.append(
            f"Runner {r['workload']}: pause latency {_ms(r['pause_median'])} median, "
            f"{_ms(r['pause_worst'])} worst; step latency {_ms(r['step_median'])} median, "
            f"{_ms(r['step_worst'])} worst"
        )
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
