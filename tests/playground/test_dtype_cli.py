"""`--dtype float32` on the command line and in the process runner (issue 16)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import datasets
from engine.weights_io import load
from playground.document.process_runner import ProcessRunner
from playground.document.session import Session
from playground.document.training_data import make_data
from tests.playground.test_cli import run_error, run_json
from tests.playground.test_process_runner import wait_until


def test_train_in_float32_reports_it_and_exports_float32_weights(capsys, tmp_path):
    path = tmp_path / "w.npz"
    summary, _ = run_json(capsys, "--dtype", "float32", "--export", str(path))
    assert summary["dtype"] == "float32"
    assert summary["train_loss"] > 0 and summary["steps"] > 0
    network = load(path)
    assert network.dtype == np.float32
    again, _ = run_json(capsys)
    assert again["dtype"] == "float64"
    # the same run to float32's round-off: a few epochs of xor
    assert summary["train_loss"] == pytest.approx(again["train_loss"], rel=1e-4)


def test_a_bad_dtype_exits_2_naming_it(capsys):
    code, err = run_error(capsys, "train", "--dataset", "xor", "--dtype", "float16", "--json")
    assert code == 2
    assert "--dtype" in err and "float16" in err and "float32" in err


def test_the_process_runner_trains_a_float32_config():
    session = Session()
    ds = datasets.make("xor", n_samples=120, seed=0)
    spec, data = session.spec_for(ds), make_data(ds, 0.25, 0)
    config = session.config.replace(batch_size=8, dtype="float32")
    with ProcessRunner(spec, config, data) as runner:
        wait_until(runner, lambda s: s.reason == "reset")
        runner.step(5)
        snap, _ = wait_until(runner, lambda s: s.step == 5)
    assert snap.weights[0][0].dtype == np.float32
    assert np.isfinite(snap.history.loss).all()


def test_a_float32_project_continues_exactly_like_an_uninterrupted_run(capsys, tmp_path):
    from playground.cli import main as cli

    base = ["train", "--dataset", "spirals", "--samples", "120", "--batch-size", "8"]
    base += ["--dtype", "float32", "--json"]

    def summary(*argv):
        assert cli.main(list(argv)) == 0
        return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    whole = summary(*base, "--epochs", "4")
    project = tmp_path / "p.json"
    summary(*base, "--epochs", "2", "--save-project", str(project))
    saved = json.loads(project.read_text())
    assert (
        saved["training"]["dtype"] == "float32" and saved["state"]["trainer"]["dtype"] == "float32"
    )
    continued = summary("train", "--project", str(project), "--epochs", "2", "--json")
    assert continued["dtype"] == "float32" and continued["steps"] == whole["steps"]
    assert continued["train_loss"] == whole["train_loss"]  # bit for bit
