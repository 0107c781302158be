"""Standardising a CSV's inputs: the scaler is fitted on the training rows and travels with the
network, so every export takes the raw rows as the file has them (issue 11, item 10)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import onnxruntime as ort
import pytest

import datasets
import engine
from engine.script_export import export_numpy_script
from playground.cli import main as cli
from playground.document.project import read_project
from playground.document.session import DataChoice, Session

TEST_RATIO, SEED = 0.3, 0


def write_wild_csv(path, n: int = 240, seed: int = 7) -> None:
    """Columns from thousandths to thousands (as in breast cancer), the label from all of them."""
    rng = np.random.default_rng(seed)
    scales = np.array([0.003, 0.05, 1.0, 30.0, 600.0, 2000.0])
    Z = rng.normal(size=(n, scales.size))
    X = scales * (4.0 + Z)
    y = (Z @ np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0]) > 0).astype(int)
    rows = [",".join(repr(float(v)) for v in r) + f",{t}" for r, t in zip(X, y, strict=True)]
    path.write_text("a,b,c,d,e,f,label\n" + "\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One standardised training run exported three ways (same seed: the same network)."""
    tmp = tmp_path_factory.mktemp("wild")
    csv = tmp / "wild.csv"
    write_wild_csv(csv)
    paths = {}
    for suffix in (".npz", ".json", ".onnx"):
        paths[suffix] = tmp / f"net{suffix}"
        argv = ["train", "--data", str(csv), "--standardize", "--epochs", "30"]
        argv += [
            "--test-ratio",
            str(TEST_RATIO),
            "--seed",
            str(SEED),
            "--export",
            str(paths[suffix]),
        ]
        assert cli.main(argv) == 0
    return csv, paths, tmp


def _accuracy(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p[:, 0] > 0.5).astype(int) == y))


def test_exports_take_raw_rows_with_the_in_app_probabilities(trained):
    csv, paths, tmp = trained
    raw = datasets.load_csv(csv)
    net = engine.load(paths[".npz"])
    p = net.predict(raw.X)
    assert _accuracy(p, raw.y) > 0.9  # before: the exported network saw unscaled rows (~0.5)
    np.testing.assert_array_equal(engine.load(paths[".json"]).predict(raw.X), p)

    session = ort.InferenceSession(str(paths[".onnx"]), providers=["CPUExecutionProvider"])
    got = session.run(["output"], {"input": raw.X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, net.predict(raw.X.astype(np.float32)), atol=1e-5)
    assert _accuracy(got, raw.y) > 0.9

    script = export_numpy_script(net, tmp / "wild_net.py")
    spec = importlib.util.spec_from_file_location("wild_net", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert np.array_equal(module.predict(raw.X), p)


def test_the_scaler_is_the_training_split_mean_and_std(trained):
    csv, paths, _ = trained
    raw = datasets.load_csv(csv)
    train, _test = datasets.train_test_split(raw, test_ratio=TEST_RATIO, seed=SEED)
    scaling = engine.load(paths[".json"]).spec.input_scaling
    np.testing.assert_allclose(scaling.mean, train.X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaling.std, train.X.std(axis=0), rtol=1e-12)
    assert not np.allclose(scaling.mean, raw.X.mean(axis=0), rtol=1e-6)  # no test row in it
    doc = json.loads(paths[".json"].read_text())
    assert doc["spec"]["input_scaling"]["mean"] == list(scaling.mean)


def test_the_app_session_puts_the_same_scaler_in_its_network(trained):
    csv, paths, _ = trained
    choice = DataChoice(source="csv", path=str(csv), params={"seed": SEED}, standardize=True)
    ds = choice.build()
    assert np.abs(ds.X).max() > 1000  # the rows stay as the file has them
    spec = Session(data=choice.replace(test_ratio=TEST_RATIO)).spec_for(ds)
    assert spec.input_scaling == engine.load(paths[".npz"]).spec.input_scaling
    assert Session(data=choice.replace(standardize=False)).spec_for(ds).input_scaling is None


def test_unscaled_wild_columns_warn_on_stderr_and_standardised_ones_do_not(trained, capsys):
    csv, _, _ = trained
    assert cli.main(["train", "--data", str(csv), "--epochs", "1", "--json"]) == 0
    err = capsys.readouterr().err
    assert "warning: Input columns are on very different scales" in err and "--standardize" in err
    assert cli.main(["train", "--data", str(csv), "--epochs", "1", "--standardize"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert cli.main(["train", "--dataset", "circles", "--epochs", "1"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_saved_project_restores_the_scaler_and_the_raw_rows(trained, tmp_path, capsys):
    csv, paths, _ = trained
    saved = tmp_path / "wild.bpp.json"
    argv = ["train", "--data", str(csv), "--standardize", "--epochs", "30"]
    argv += ["--test-ratio", str(TEST_RATIO), "--seed", str(SEED), "--save-project", str(saved)]
    assert cli.main(argv) == 0
    project = read_project(saved)
    assert project.data.standardize
    assert project.network.input_scaling == engine.load(paths[".npz"]).spec.input_scaling
    np.testing.assert_array_equal(project.dataset.X, datasets.load_csv(csv).X)
    exported = tmp_path / "resumed.npz"
    assert (
        cli.main(["train", "--project", str(saved), "--epochs", "1", "--export", str(exported)])
        == 0
    )
    assert engine.load(exported).spec.input_scaling == project.network.input_scaling


def test_a_first_wave_weights_file_gets_the_scaler_when_training_goes_on(trained, tmp_path):
    csv, paths, _ = trained
    doc = json.loads(paths[".json"].read_text())
    del doc["spec"]["input_scaling"]  # as written before the scaler travelled
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    assert engine.load(old).spec.input_scaling is None
    out = tmp_path / "continued.json"
    argv = ["train", "--data", str(csv), "--standardize", "--load-weights", str(old)]
    argv += ["--epochs", "1", "--test-ratio", str(TEST_RATIO), "--export", str(out)]
    assert cli.main(argv) == 0
    assert engine.load(out).spec.input_scaling == engine.load(paths[".json"]).spec.input_scaling
