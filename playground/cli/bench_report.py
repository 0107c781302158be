"""The human-readable form of a `playground bench` report: tables and notes within 100 columns."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

WIDTH = 100


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _bytes(x: int | None) -> str:
    if x is None:
        return "-"
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if x >= size:
            return f"{x / size:,.1f} {unit}"
    return f"{x} B"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


Column = tuple[str, str, Callable[[Any], str]]  # heading, report key, formatting


def table(rows: list[dict[str, Any]], columns: list[Column]) -> list[str]:
    """Lines of a table of `rows` (report dicts): the first column left-aligned, the
    others right-aligned; a column whose values are all None is left out."""
    columns = [c for c in columns if any(r.get(c[1]) is not None for r in rows)]
    cells = [tuple(fmt(r.get(key)) for _, key, fmt in columns) for r in rows]
    head = tuple(heading for heading, _, _ in columns)
    widths = [max(len(c) for c in col) for col in zip(head, *cells, strict=True)]

    def line(cells) -> str:
        return "  ".join(
            c.ljust(wd) if i == 0 else c.rjust(wd)
            for i, (c, wd) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(head), line(["-" * wd for wd in widths]), *(line(r) for r in cells)]


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent="  ")


WORKLOAD_COLUMNS: list[Column] = [
    ("workload", "workload", str),
    ("dtype", "dtype", str),
    ("engine", "engine", _rate),
    ("floor", "floor", _rate),
    ("eng/floor", "engine_vs_floor", _ratio),
    ("torch f32", "torch_float32", _rate),
    ("eng/torch", "engine_vs_torch", _ratio),
    ("mem engine", "engine_peak_bytes", _bytes),
    ("mem floor", "floor_peak_bytes", _bytes),
]
POPULATION_COLUMNS: list[Column] = [
    ("population", "workload", str),
    ("dtype", "dtype", str),
    ("K", "k", str),
    ("together", "together", _rate),
    ("one by one", "one_by_one", _rate),
    ("ratio", "ratio", _ratio),
    ("vs torch", "vs_torch", _ratio),
    ("mem together", "together_peak_bytes", _bytes),
    ("mem 1 by 1", "one_by_one_peak_bytes", _bytes),
]


def workloads_table(rows: list[dict[str, Any]]) -> list[str]:
    seen = dict.fromkeys((r["workload"], r["description"], r["unit"]) for r in rows)
    legend = "; ".join(f"{name} {text} ({unit})" for name, text, unit in seen)
    return table(rows, WORKLOAD_COLUMNS) + _wrapped(
        f"{legend}. engine = Trainer.run_steps (W4: Network.predict); floor = the same "
        "workload as a minimal hand-written NumPy loop (engine/bench_floor.py); torch = "
        "PyTorch eager float32. eng/floor near 1: the engine is at NumPy's floor; eng/torch "
        "above 1: the engine is faster."
    )


def population_table(rows: list[dict[str, Any]]) -> list[str]:
    return table(rows, POPULATION_COLUMNS) + _wrapped(
        "Network-steps/s of K networks (seeds 0..K-1) trained together by the population "
        "trainer, and of K ordinary trainers one after another; ratio = together / one by "
        "one; vs torch = together / PyTorch float32's steps/s of one network."
    )


def runner_lines(runner: dict[str, list[dict]]) -> list[str]:
    lines = []
    for r in runner["throughput"]:
        lines += _wrapped(
            f"Runner {r['workload']}: {_rate(r['runner_steps_per_second'])} steps/s in the "
            f"thread with a 60 Hz consumer vs {_rate(r['bare_steps_per_second'])} bare "
            f"(ratio {_ratio(r['ratio'])}; {_ratio(r.get('ratio_vs_run_steps'))} against "
            f"{_rate(r.get('bare_run_steps_per_second'))} steps/s of run_steps)"
        )
    for r in runner["latency"]:
        lines += _wrapped(
            f"Runner {r['workload']}: pause latency {_ms(r['pause_median'])} median, "
            f"{_ms(r['pause_worst'])} worst; step latency {_ms(r['step_median'])} median, "
            f"{_ms(r['step_worst'])} worst"
        )
    return lines


def format_report(report: dict[str, Any]) -> str:
    lines: list[str] = []
    if report.get("workloads"):
        lines += workloads_table(report["workloads"])
    if report.get("population"):
        lines += ["", *population_table(report["population"])]
    memory = report.get("memory")
    if memory:
        lines += ["", *_wrapped(f"Memory: {memory['method']}.")]
        lines += _wrapped(f"Process peak resident size: {_bytes(memory['max_rss_bytes'])}.")
    if report.get("runner"):
        lines += ["", *runner_lines(report["runner"])]
    t = report["threads"]
    torch_text = (
        f"torch {report['torch']} eager CPU, {t['torch_threads']} thread(s)"
        if report["torch"]
        else "PyTorch not measured"
    )
    rounds = report.get("rounds")
    load = report.get("load_average") or [None, None]
    load_text = ""
    if None not in load:
        load_text = f" Load average {load[0]:.1f} before, {load[1]:.1f} after"
        busy = t["cpus"] and max(load) > t["cpus"]
        load_text += " (above the CPU count: a busy machine)." if busy else "."
    about = (
        f"Rates are medians of {rounds} interleaved rounds; each contender gets about "
        f"{report.get('seconds')} s per comparison. numpy {report['numpy']} ({t['numpy_blas']}, "
        f"{t['cpus']} CPUs); {torch_text}.{load_text}"
    )
    lines += ["", *_wrapped(about)]
    for note in report.get("notes", []):
        lines += _wrapped(f"Note: {note}.")
    return "\n".join(lines)
