"""`playground bench`: every section runs, the report has its structure, with or without
PyTorch, float32 in the engine or the population trainer in this build. No timings are asserted."""

import importlib.machinery
import json
import subprocess
import sys
import types

import numpy as np
import pytest

from playground.cli import bench, bench_population, bench_report, bench_timing, bench_workloads
from playground.cli import main as cli

TINY = ["--seconds", "0.03", "--rounds", "2"]


def run_json(capsys, *argv):
    code = cli.main(["bench", *TINY, "--json", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_measure_returns_the_rate_of_the_operation():
    calls = []

    def run(n):
        calls.append(n)
        total = 0
        for i in range(n * 200):
            total += i

    rate = bench.measure(run, seconds=0.05, repeats=3)
    assert rate > 0
    assert calls[0] == 1  # the warm-up call
    timed = calls[-3:]
    assert len(set(timed)) == 1 and timed[0] >= 1


def test_contenders_take_turns_in_every_round():
    calls = []

    def contender(name):
        def run(n):
            calls.append(name)
            sum(range(n * 100))

        return run

    rates = bench_timing.measure_interleaved(
        {"a": contender("a"), "b": contender("b"), "c": contender("c")}, seconds=0.05, rounds=4
    )
    assert set(rates) == {"a", "b", "c"} and all(r > 0 for r in rates.values())
    # after the warm-ups, every round runs each once, starting one later each round
    assert calls[-12:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]


def test_workloads_section_reports_engine_floor_and_ratios(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    report = run_json(capsys, "--sections", "workloads")
    rows = report["workloads"]
    assert [(r["workload"], r["dtype"]) for r in rows] == [
        (w, d) for w in ("W1", "W2", "W3", "W4") for d in ("float64", "float32")
    ]
    float32 = bench_workloads.engine_has_dtype()
    for r in rows:
        assert r["floor"] > 0
        assert r["unit"] == ("predicts/s" if r["workload"] == "W4" else "steps/s")
        if r["dtype"] == "float64" or float32:
            assert r["engine"] > 0
            assert r["engine_vs_floor"] == pytest.approx(r["engine"] / r["floor"])
        else:  # not available in this build: no number at all, and a note saying so
            assert r["engine"] is None and r["engine_vs_floor"] is None
        assert r["torch_float32"] is None and r["engine_vs_torch"] is None
        assert r["engine_peak_bytes"] is None  # the memory section was not asked for
    notes = " ".join(report["notes"])
    assert ("engine float32: not available" in notes) != float32
    assert "PyTorch: not installed" in notes
    assert report["torch"] is None and report["population"] is None
    assert report["runner"] is None and report["memory"] is None


def test_bench_table_with_a_subset_fits_100_columns(capsys):
    argv = ["bench", *TINY, "--workloads", "w1,W3", "--dtypes", "float64", "--no-torch"]
    code = cli.main([*argv, "--sections", "workloads,memory"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["workload", "dtype", "engine", "floor"]
    assert "mem engine" in lines[0]
    rows = [ln.split() for ln in lines if ln.startswith("W") and "float64" in ln]
    assert [r[0] for r in rows] == ["W1", "W3"]
    assert all(len(ln) <= bench_report.WIDTH for ln in lines)
    assert "PyTorch: left out (--no-torch)" in out


def test_memory_section_traces_each_runner(capsys):
    report = run_json(capsys, "--sections", "memory", "--workloads", "W1,W2,W4", "--no-torch")
    rows = {(r["workload"], r["dtype"]): r for r in report["workloads"]}
    for r in rows.values():
        assert r["floor_peak_bytes"] > 0 and r["engine"] is None and r["floor"] is None
    # a network with 8,000 more weights needs more memory, in either
    assert rows["W2", "float64"]["floor_peak_bytes"] > rows["W1", "float64"]["floor_peak_bytes"]
    assert rows["W2", "float64"]["engine_peak_bytes"] > rows["W1", "float64"]["engine_peak_bytes"]
    # float32 arrays take half the bytes of float64 ones (W4: the 40,000-point grid's outputs)
    assert rows["W4", "float32"]["floor_peak_bytes"] < rows["W4", "float64"]["floor_peak_bytes"]
    assert report["memory"]["max_rss_bytes"] > 0
    assert "tracemalloc" in report["memory"]["method"]


def test_traced_peak_counts_the_arrays_a_runner_allocates():
    def build(rows):
        def make():
            block = np.ones((rows, 1000))
            return lambda n: block.sum()

        return make

    small, large = bench_workloads.traced_peak(build(10)), bench_workloads.traced_peak(build(100))
    assert 80_000 <= small < 200_000 and 800_000 <= large < 1_000_000
    assert bench_workloads.traced_peak(lambda: None) is None


class SequentialPopulation:
    """A stand-in PopulationTrainer (the agreed interface) that steps K trainers in turn."""

    def __init__(self, spec, configs, data):
        from engine.trainer import Trainer

        self.trainers = [Trainer(spec, c, data) for c in configs]
        self.size = len(self.trainers)

    def run_steps(self, n):
        for t in self.trainers:
            t.run_steps(n)


def stand_in_population(monkeypatch):
    module = types.ModuleType("engine.population")
    module.__spec__ = importlib.machinery.ModuleSpec("engine.population", None)
    module.PopulationTrainer = SequentialPopulation
    monkeypatch.setitem(sys.modules, "engine.population", module)


@pytest.mark.parametrize("real", [True, False])
def test_population_section_compares_k_networks_together_and_one_by_one(capsys, monkeypatch, real):
    available = bench_population.population_available()
    if not real:
        stand_in_population(monkeypatch)  # the section's machinery, whatever the build
    argv = ["--sections", "population,memory", "--workloads", "W1,W2,W3", "--dtypes", "float64"]
    report = run_json(capsys, *argv, "--no-torch")
    rows = report["population"]
    if real and not available:
        assert rows is None
        assert any("population trainer: not available" in n for n in report["notes"])
        return
    assert [(r["workload"], r["k"]) for r in rows] == [
        (w, k) for w in ("W1", "W3") for k in (1, 8, 32)
    ]
    for r in rows:
        assert r["dtype"] == "float64" and r["together"] > 0 and r["one_by_one"] > 0
        assert r["ratio"] == pytest.approx(r["together"] / r["one_by_one"])
        assert r["vs_torch"] is None
        assert r["together_peak_bytes"] > 0 and r["one_by_one_peak_bytes"] > 0
    by_k = {r["k"]: r for r in rows if r["workload"] == "W3"}
    assert by_k[32]["one_by_one_peak_bytes"] > by_k[1]["one_by_one_peak_bytes"]
    text = bench.format_report(report)
    assert "population" in text and all(len(ln) <= bench_report.WIDTH for ln in text.splitlines())


def test_population_section_says_when_no_workload_of_it_was_chosen(capsys, monkeypatch):
    stand_in_population(monkeypatch)
    report = run_json(capsys, "--sections", "population", "--workloads", "W2")
    assert report["population"] == []
    assert "population: measured on W1, W3 only" in report["notes"]


def test_runner_section_runs(capsys):
    report = run_json(capsys, "--sections", "runner", "--workloads", "W1")
    (throughput,) = report["runner"]["throughput"]
    assert throughput["workload"] == "W1" and throughput["runner_steps_per_second"] > 0
    assert report["workloads"] == [] and report["population"] is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--workloads", "W9"],
        ["--workloads", ""],
        ["--seconds", "0"],
        ["--threads", "0"],
        ["--dtypes", "float16"],
        ["--sections", "workloads,speed"],
        ["--rounds", "0"],
    ],
)
def test_bench_bad_options_exit_2(capsys, argv):
    code = cli.main(["bench", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and err.strip()
    assert argv[0] in err


def test_bench_compares_with_torch_when_it_is_installed(capsys):
    report = run_json(
        capsys, "--workloads", "W2,W4", "--sections", "workloads", "--dtypes", "float32"
    )
    try:
        import torch
    except ImportError:
        torch = None
    for row in report["workloads"]:
        rate, ratio = row["torch_float32"], row["engine_vs_torch"]
        if torch is None:
            assert rate is None and ratio is None
        else:
            assert rate > 0
            assert ratio is None if row["engine"] is None else ratio == row["engine"] / rate
    assert report["torch"] == (None if torch is None else torch.__version__)


def test_format_report_lines_up_and_stays_within_100_columns():
    def row(workload, dtype, engine, floor, torch):
        return {
            "workload": workload,
            "description": f"description of {workload}",
            "unit": "steps/s",
            "dtype": dtype,
            "engine": engine,
            "floor": floor,
            "torch_float32": torch,
            "engine_vs_floor": None if engine is None else engine / floor,
            "engine_vs_torch": None if engine is None or torch is None else engine / torch,
            "engine_peak_bytes": None if engine is None else 2048,
            "floor_peak_bytes": 3 << 20,
        }

    population = {
        "workload": "W1",
        "dtype": "float64",
        "k": 32,
        "together": 400000.0,
        "one_by_one": 40000.0,
        "ratio": 10.0,
        "vs_torch": 57.1,
        "together_peak_bytes": 100,
        "one_by_one_peak_bytes": 5000,
    }
    report = {
        "workloads": [
            row("W1", "float64", 12345.6, 12000.0, 7000.0),
            row("W4", "float32", None, 2.5, None),
        ],
        "population": [population],
        "memory": {"method": "tracemalloc: how", "max_rss_bytes": 60 << 20},
        "runner": None,
        "notes": ["engine float32: not available in this build " + "(a long reason) " * 8],
        "seconds": 2.0,
        "rounds": 5,
        "load_average": [3.5, 4.25],
        "torch": "2.13.0",
        "numpy": "2.4",
        "threads": {"cpus": 2, "numpy_blas": "BLAS 2 thread(s)", "torch_threads": 2},
    }
    lines = bench.format_report(report).splitlines()
    w1 = next(ln for ln in lines if ln.startswith("W1  "))
    w4 = next(ln for ln in lines if ln.startswith("W4  "))
    assert w1.split() == [
        "W1",
        "float64",
        "12,346",
        "12,000",
        "1.03",
        "7,000",
        "1.76",
        "2.0",
        "KiB",
        "3.0",
        "MiB",
    ]
    assert w4.split()[:7] == ["W4", "float32", "-", "2.5", "-", "-", "-"]
    assert len(w1) == len(w4)
    pop = next(ln for ln in lines if ln.startswith("W1") and " 32 " in ln)
    assert pop.split()[2:7] == ["32", "400,000", "40,000", "10.00", "57.10"]
    assert "60.0 MiB" in "\n".join(lines) and "torch 2.13.0 eager CPU, 2 thread(s)" in " ".join(
        lines
    )
    assert all(len(ln) <= bench_report.WIDTH for ln in lines)
    assert sum(ln.startswith("Note: engine float32") for ln in lines) == 1
    text = " ".join(" ".join(lines).split())
    assert "Load average 3.5 before, 4.2 after (above the CPU count: a busy machine)" in text
    report["load_average"] = [0.5, 1.0]
    text = " ".join(bench.format_report(report).split())
    assert "Load average 0.5 before, 1.0 after." in text and "busy" not in text


def test_bench_command_imports_no_qt():
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "playground",
            "bench",
            *TINY,
            "--workloads",
            "W1,W4",
            "--no-torch",
            "--sections",
            "workloads",
            "--dtypes",
            "float64",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r["workload"] for r in report["workloads"]] == ["W1", "W4"]
    imported = [ln.split("|")[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln]
    assert "playground.cli.bench" in imported
    assert not [m for m in imported if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")]


def test_blas_threads_follow_openblas_variables(monkeypatch):
    for name in bench.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert bench.blas_threads() == 3
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS's own variable wins
    assert bench.blas_threads() == 1
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "junk")
    assert bench.blas_threads() == 3


def test_torch_keeps_its_default_threads_unless_told(capsys, monkeypatch):
    from playground.cli import bench_torch

    asked = []
    monkeypatch.setattr(bench_torch, "import_torch", lambda threads: asked.append(threads))
    argv = ["bench", *TINY, "--workloads", "W1", "--dtypes", "float64", "--sections", "workloads"]
    assert cli.main(argv) == 0 and cli.main([*argv, "--threads", "2"]) == 0
    capsys.readouterr()
    assert asked == [None, 2]
