"""`playground bench`: the engine against NumPy's floor and PyTorch, in one run.

Workloads (2-arm spirals, 500 points, seed 0, no test set):

    W1  2-8-8-1 tanh, BCE, SGD lr 0.03, batch 10
    W2  2-64-64-64-1 relu, BCE, Adam lr 0.01, batch 32
    W3  2-16-16-1 tanh, BCE, SGD lr 0.03, full batch (500)
    W4  predict of the W2 network on a 200x200 grid (40,000 points)

Sections (`--sections`, default all):
  workloads   each workload in float64 and float32 (`--dtypes`) by three contenders:
              `engine` = Trainer.run_steps(n) (the runner's step: forward, loss,
              backward, update, finiteness checks, the history's gradient norms; W4:
              Network.predict); `floor` = the same workload as a minimal hand-written
              NumPy loop (engine/bench_floor.py: no checks, no statistics, buffers
              allocated once), the price of NumPy's calls that no NumPy program of
              these shapes avoids; `torch` = PyTorch eager, float32, its default
              threads (optional). They run in interleaved rounds (playground/cli/
              bench_timing.py) and each rate is the median of its rounds.
              engine/floor near 1 means the engine is at NumPy's floor; engine/torch
              above 1 means the engine is faster.
  population  K = 1, 8, 32 networks of W1 and W3 trained together by the
              population trainer, in network-steps/s, against K ordinary trainers
              one after another (playground/cli/bench_population.py).
  memory      peak bytes of NumPy arrays (tracemalloc) while building each runner
              and taking 100 steps (W4: during one predict), and the process's peak
              resident size (resource.getrusage ru_maxrss) at the end.
  runner      the Runner thread's throughput against bare steps, and its pause and
              step latency (engine/bench_runner.py; W1 and W2).
What this build cannot run (float32 before TrainConfig.dtype, the population
trainer before engine/population.py, PyTorch when it is not installed) is left
out with a note, never replaced by another number.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from typing import Any

import numpy as np

from playground.cli import bench_population, bench_workloads
from playground.cli.bench_report import format_report
from playground.cli.bench_timing import ROUNDS, measure, measure_interleaved
from playground.cli.bench_workloads import (
    DTYPES,
    WORKLOADS,
    Workload,
    engine_runner,
    floor_network,
    floor_runner,
    spirals_data,
    traced_peak,
)
from playground.document.errors import InputError

__all__ = ["add_arguments", "format_report", "measure", "run"]

SECTIONS = ("workloads", "population", "memory", "runner")
MEMORY_METHOD = (
    "tracemalloc: peak bytes of NumPy arrays and Python objects while building the "
    "runner and taking 100 steps (W4: during one predict); PyTorch's allocator is not traced"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        metavar="S",
        help="time each contender gets in each comparison (default 2)",
    )
    parser.add_argument(
        "--workloads",
        metavar="LIST",
        default=",".join(WORKLOADS),
        help=f"comma-separated subset of {','.join(WORKLOADS)} (default all)",
    )
    parser.add_argument(
        "--dtypes",
        metavar="LIST",
        default=",".join(DTYPES),
        help=f"comma-separated subset of {','.join(DTYPES)} (default both)",
    )
    parser.add_argument(
        "--sections",
        metavar="LIST",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default all)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        metavar="N",
        help=f"interleaved rounds per comparison; rates are their medians (default {ROUNDS})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="torch.set_num_threads for the PyTorch side (default: PyTorch's own default)",
    )
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--no-runner", action="store_true", help="leave the runner section out")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


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


def _listed(option: str, text: str, known, upper: bool = False) -> list[str]:
    """The known names in a comma-separated option, in order, once each."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    names = [n.upper() if upper else n.lower() for n in names]
    unknown = [n for n in names if n not in known]
    if not names or unknown:
        raise InputError(
            f"Could not interpret --{option} {text!r}: expected some of {', '.join(known)}"
        )
    return list(dict.fromkeys(names))


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def workload_rows(
    w: Workload, dtypes: list[str], data, args, torch, measure_rates: bool, memory: bool
) -> list[dict[str, Any]]:
    """One row per dtype: engine, floor and PyTorch float32 rates, ratios, peak memory."""
    from playground.cli import bench_torch

    runs: dict[str, Any] = {}
    if measure_rates:
        for dtype in dtypes:
            engine = engine_runner(w, data, dtype)  # None: not in this build
            if engine is not None:
                runs[f"engine {dtype}"] = engine
            runs[f"floor {dtype}"] = floor_runner(w, data, dtype)
        if torch is not None:
            runs["torch"] = bench_torch.torch_runner(torch, w, data, "float32")
    rates = measure_interleaved(runs, args.seconds, args.rounds) if runs else {}
    torch_rate = rates.get("torch")
    net = floor_network(w, data) if memory else None
    rows = []
    for dtype in dtypes:
        engine, floor = rates.get(f"engine {dtype}"), rates.get(f"floor {dtype}")
        row = {
            "workload": w.name,
            "description": w.description,
            "unit": w.unit,
            "dtype": dtype,
            "engine": engine,
            "floor": floor,
            "torch_float32": torch_rate,
            "engine_vs_floor": _ratio(engine, floor),
            "engine_vs_torch": _ratio(engine, torch_rate),
            "engine_peak_bytes": None,
            "floor_peak_bytes": None,
        }
        if memory:
            row["engine_peak_bytes"] = traced_peak(
                lambda d=dtype: engine_runner(w, data, d), predict=w.predict
            )
            row["floor_peak_bytes"] = traced_peak(
                lambda d=dtype, net=net: floor_runner(w, data, d, net), predict=w.predict
            )
        rows.append(row)
    return rows


def load_average() -> float | None:
    """The machine's 1-minute load average (None where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def max_rss_bytes() -> int | None:
    """The process's peak resident size so far (None where `resource` does not exist)."""
    try:
        import resource
    except ImportError:
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)  # bytes on macOS, KiB elsewhere


def availability_notes(
    names: list[str], dtypes: list[str], sections: list[str], torch, no_torch: bool
) -> list[str]:
    """What was asked for and not measured, and why."""
    notes = []
    if "float32" in dtypes and not bench_workloads.engine_has_dtype():
        notes.append(
            "engine float32: not available in this build (TrainConfig has no dtype); "
            "its cells are empty, the floor's float32 is measured"
        )
    if "population" in sections and not bench_population.population_available():
        notes.append("population trainer: not available in this build (no engine.population)")
    elif "population" in sections and not set(names) & set(bench_population.WORKLOADS):
        notes.append(f"population: measured on {', '.join(bench_population.WORKLOADS)} only")
    if torch is None and "workloads" in sections:
        notes.append(
            "PyTorch: left out (--no-torch)" if no_torch else "PyTorch: not installed, left out"
        )
    return notes


def run(args: argparse.Namespace) -> int:
    from playground.cli import bench_torch

    if not (args.seconds > 0 and args.seconds < 3600):
        raise InputError(f"--seconds must be a positive number of seconds; received {args.seconds}")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be an integer >= 1; received {args.threads}")
    if not 1 <= args.rounds <= 100:
        raise InputError(f"--rounds must be an integer from 1 to 100; received {args.rounds}")
    workloads = [WORKLOADS[n] for n in _listed("workloads", args.workloads, WORKLOADS, True)]
    dtypes = _listed("dtypes", args.dtypes, DTYPES)
    sections = _listed("sections", args.sections, SECTIONS)
    if args.no_runner and "runner" in sections:
        sections.remove("runner")
    wanted = "workloads" in sections
    torch = None if args.no_torch or not wanted else bench_torch.import_torch(args.threads)
    progress = None if args.json else (lambda text: print(f"  measured {text}", file=sys.stderr))
    data = spirals_data()
    load_before = load_average()
    rows = []
    if wanted or "memory" in sections:
        for w in workloads:
            rows += workload_rows(w, dtypes, data, args, torch, wanted, "memory" in sections)
            if progress is not None:
                progress(w.name)
    population = None
    engine_dtypes = [d for d in dtypes if d == "float64" or bench_workloads.engine_has_dtype()]
    if "population" in sections and bench_population.population_available():
        torch_rates = {r["workload"]: r["torch_float32"] for r in rows}
        population = bench_population.population_rows(
            workloads,
            engine_dtypes,
            data,
            args.seconds,
            args.rounds,
            torch_rates,
            "memory" in sections,
            progress,
        )
    runner = None
    if "runner" in sections:
        runner = runner_benchmarks([w.name for w in workloads], args.seconds)
    memory = None
    if "memory" in sections:  # the process's peak after everything above
        memory = {"method": MEMORY_METHOD, "max_rss_bytes": max_rss_bytes()}
    report = {
        "workloads": rows,
        "population": population,
        "memory": memory,
        "runner": runner,
        "notes": availability_notes(
            [w.name for w in workloads], dtypes, sections, torch, args.no_torch
        ),
        "sections": sections,
        "load_average": [load_before, load_average()],  # before and after: a busy machine?
        "seconds": args.seconds,
        "rounds": args.rounds,
        "torch": None if torch is None else torch.__version__,
        "numpy": np.__version__,
        "threads": threads_note(None if torch is None else torch.get_num_threads()),
    }
    print(json.dumps(report) if args.json else format_report(report))
    return 0
