"""`playground bench`: every workload measured, with or without PyTorch installed."""

import json
import subprocess
import sys

import pytest

from playground.cli import bench
from playground.cli import main as cli


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


def test_bench_json_without_torch(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    code = cli.main(["bench", "--seconds", "0.05", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    rows = report["workloads"]
    assert [r["workload"] for r in rows] == ["W1", "W2", "W3", "W4"]
    assert all(r["engine"] > 0 for r in rows)
    assert [r["unit"] for r in rows] == ["steps/s"] * 3 + ["predicts/s"]
    assert report["torch"] is None
    assert all(r["torch_float64"] is None and r["ratio_float64"] is None for r in rows)


def test_bench_table_with_a_subset_of_workloads(capsys):
    code = cli.main(["bench", "--seconds", "0.05", "--workloads", "w1,W3", "--no-torch"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["workload", "unit"]
    rows = [ln for ln in lines if ln.startswith("W")]
    assert [r.split()[0] for r in rows] == ["W1", "W3"]
    assert "PyTorch not measured" in out


@pytest.mark.parametrize(
    "argv",
    [["--workloads", "W9"], ["--workloads", ""], ["--seconds", "0"], ["--threads", "0"]],
)
def test_bench_bad_options_exit_2(capsys, argv):
    code = cli.main(["bench", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and err.strip()


def test_bench_compares_with_torch_when_it_is_installed(capsys):
    code = cli.main(["bench", "--seconds", "0.05", "--workloads", "W2,W4", "--no-runner", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    try:
        import torch
    except ImportError:
        torch = None
    for row in report["workloads"]:
        for dtype in ("float64", "float32"):
            rate, ratio = row[f"torch_{dtype}"], row[f"ratio_{dtype}"]
            if torch is None:
                assert rate is None and ratio is None
            else:
                assert rate > 0 and ratio == pytest.approx(row["engine"] / rate)
    assert report["torch"] == (None if torch is None else torch.__version__)
    assert report["runner"] is None


def test_format_report_lines_up_every_workload():
    rows = [
        {
            "workload": "W1",
            "description": "d1",
            "unit": "steps/s",
            "engine": 12345.6,
            "torch_float64": 6172.8,
            "ratio_float64": 2.0,
            "torch_float32": None,
            "ratio_float32": None,
        },
        {
            "workload": "W4",
            "description": "d4",
            "unit": "predicts/s",
            "engine": 55.5,
            "torch_float64": 111.0,
            "ratio_float64": 0.5,
            "torch_float32": 222.0,
            "ratio_float32": 0.25,
        },
    ]
    report = {
        "workloads": rows,
        "torch": "x",
        "numpy": "y",
        "runner": None,
        "threads": {"cpus": 2, "numpy_blas": "BLAS", "torch_threads": 1},
    }
    text = bench.format_report(report)
    w1 = next(ln for ln in text.splitlines() if ln.startswith("W1"))
    w4 = next(ln for ln in text.splitlines() if ln.startswith("W4"))
    assert "12,346" in w1 and "6,173" in w1 and "2.00" in w1 and w1.rstrip().endswith("-")
    assert "55.5" in w4 and "0.50" in w4 and w4.rstrip().endswith("0.25")
    assert len(w1) == len(w4)


def test_bench_command_imports_no_qt():
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "playground",
            "bench",
            "--seconds",
            "0.02",
            "--workloads",
            "W1,W4",
            "--no-torch",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
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


def test_training_rows_report_the_step_with_statistics_too(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    code = cli.main(["bench", "--seconds", "0.05", "--workloads", "W1,W4", "--json", "--no-runner"])
    out, err = capsys.readouterr()
    assert code == 0, err
    w1, w4 = json.loads(out.strip().splitlines()[-1])["workloads"]
    assert w1["engine_with_stats"] > 0 and w4["engine_with_stats"] is None
    assert w1["ratio_with_stats_float64"] is None  # no torch to compare with
    text = bench.format_report(json.loads(out.strip().splitlines()[-1]) | {"runner": None})
    assert "+stats" in text.splitlines()[0]


def test_torch_gets_as_many_threads_as_numpys_blas_by_default(capsys, monkeypatch):
    from playground.cli import bench_torch

    asked = []
    monkeypatch.setattr(bench_torch, "import_torch", lambda threads: asked.append(threads))
    monkeypatch.setattr(bench, "blas_threads", lambda: 3)
    argv = ["bench", "--seconds", "0.02", "--workloads", "W1", "--no-runner"]
    assert cli.main(argv) == 0 and cli.main([*argv, "--threads", "2"]) == 0
    capsys.readouterr()
    assert asked == [3, 2]
