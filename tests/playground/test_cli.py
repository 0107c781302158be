"""`playground` command line: exit codes, the JSON summary, weights in and out."""

import io
import json
import math
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import datasets
from engine.network import Network
from engine.spec import NetworkSpec
from engine.weights_io import load, save
from playground.cli import main as cli
from playground.cli.progress import Progress

SMALL = ["train", "--dataset", "xor", "--samples", "60", "--epochs", "3", "--json"]


def run_json(capsys, *args):
    code = cli.main([*SMALL, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    return json.loads(last), err


def run_error(capsys, *argv):
    code = cli.main(list(argv))
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, err


# -- success and the summary ---------------------------------------------------------
def test_json_summary_fields_and_their_meaning(capsys):
    s, _ = run_json(capsys, "--batch-size", "7", "--test-ratio", "0.25")
    assert (s["n_train"], s["n_test"]) == (45, 15)
    assert s["epochs"] == 3
    assert s["steps"] == 3 * math.ceil(45 / 7)
    assert s["dataset"] == "xor" and s["task"] == "classification"
    assert s["layers"] == "8:tanh,8:tanh" and s["features"] == ["x1", "x2"]
    assert (s["loss"], s["optimizer"], s["lr"], s["batch_size"]) == ("bce", "adam", 0.01, 7)
    assert 0 <= s["train_accuracy"] <= 1 and 0 <= s["test_accuracy"] <= 1
    assert s["train_loss"] > 0 and s["test_loss"] > 0
    assert s["train_seconds"] >= 0 and s["early_stopped"] is False


def test_summary_losses_are_those_of_the_final_weights(capsys, tmp_path):
    out = tmp_path / "w.npz"
    s, _ = run_json(capsys, "--export", str(out), "--test-ratio", "0")
    net = load(out)
    ds = datasets.make("xor", n_samples=60, seed=0)
    p = net.predict(ds.X)[:, 0]
    bce = -np.mean(ds.y * np.log(p) + (1 - ds.y) * np.log(1 - p))
    assert s["train_loss"] == pytest.approx(bce, rel=1e-9)
    assert s["train_accuracy"] == pytest.approx(np.mean((p > 0.5) == ds.y))
    assert s["test_loss"] is None and s["test_accuracy"] is None and s["n_test"] == 0


def test_training_lowers_the_loss_and_reaches_accuracy(capsys):
    args = ["--samples", "200", "--features", "x1,x2,x1*x2", "--layers", "8:tanh", "--lr", "0.05"]
    fresh, _ = run_json(capsys, *args, "--epochs", "0")
    trained, _ = run_json(capsys, *args, "--epochs", "40")
    assert fresh["steps"] == 0 and fresh["epochs"] == 0
    assert trained["train_loss"] < 0.5 * fresh["train_loss"]
    assert trained["test_accuracy"] >= 0.9


def test_full_batch_regression_reports_r2(capsys):
    argv = ["train", "--dataset", "sine", "--samples", "50", "--epochs", "4", "--batch-size", "0"]
    assert cli.main([*argv, "--json"]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["steps"] == 4 and s["loss"] == "mse" and s["features"] == ["x1"]
    assert "train_r2" in s and "test_r2" in s and "train_accuracy" not in s


def test_human_summary_and_progress_lines(capsys):
    code = cli.main(["train", "--dataset", "xor", "--samples", "40", "--epochs", "20"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "20 epochs" in out and "train: loss" in out and "test:  loss" in out
    lines = [ln for ln in err.splitlines() if ln.startswith("epoch ")]
    assert [ln.split()[1] for ln in lines] == [f"{k}/20" for k in range(2, 21, 2)]


def test_progress_redraws_one_line_on_a_terminal():
    stream = io.StringIO()
    bar = Progress(4, stream, tty=True)
    for k in range(1, 5):
        bar.update(k, 0.5)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and "epoch 4/4" in text


def test_early_stopping_with_patience(capsys):
    argv = [
        "--epochs",
        "300",
        "--patience",
        "3",
        "--lr",
        "0.05",
        "--samples",
        "80",
        "--noise",
        "0.1",
    ]
    s, _ = run_json(capsys, *argv)
    assert s["early_stopped"] is True and s["epochs"] < 300
    assert s["best_epoch"] == s["epochs"] - 3


# -- weights in and out ------------------------------------------------------------------
def test_epochs_0_exports_the_seeded_fresh_network(capsys, tmp_path):
    out = tmp_path / "fresh.npz"
    run_json(capsys, "--epochs", "0", "--seed", "7", "--layers", "5:relu", "--export", str(out))
    spec = NetworkSpec(hidden=({"units": 5, "activation": "relu"},))
    init_seed = np.random.SeedSequence(7).spawn(3)[0]
    expected = Network(spec, np.random.default_rng(init_seed)).state_dict()
    other = Network(spec, np.random.default_rng(np.random.SeedSequence(8).spawn(3)[0]))
    got = load(out).state_dict()
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    assert not np.array_equal(got["layers.0.weight"], other.state_dict()["layers.0.weight"])


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_export_loads_back_with_the_same_predictions(capsys, tmp_path, suffix):
    out = tmp_path / f"net{suffix}"
    run_json(capsys, "--layers", "6:relu,3:elu", "--features", "x1,x2,x1*x2", "--export", str(out))
    net = load(out)
    assert net.spec.features == ("x1", "x2", "x1*x2")
    assert [(h.units, h.activation) for h in net.spec.hidden] == [(6, "relu"), (3, "elu")]
    # training further from the exported file must start exactly where it ended
    again = tmp_path / f"again{suffix}"
    run_json(capsys, "--load-weights", str(out), "--epochs", "0", "--export", str(again))
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(load(again).state_dict()[key], value)


def test_load_weights_continues_from_the_file(capsys, tmp_path):
    first = tmp_path / "first.json"
    args = ["--samples", "200", "--features", "x1,x2,x1*x2", "--layers", "4:tanh", "--lr", "0.05"]
    a, _ = run_json(capsys, *args, "--epochs", "10", "--export", str(first))
    same, _ = run_json(capsys, "--samples", "200", "--load-weights", str(first), "--epochs", "0")
    assert same["train_loss"] == a["train_loss"] and same["test_loss"] == a["test_loss"]
    assert same["layers"] == "4:tanh" and same["features"] == ["x1", "x2", "x1*x2"]
    more, _ = run_json(
        capsys, "--samples", "200", "--load-weights", str(first), "--epochs", "10", "--lr", "0.05"
    )
    assert more["epochs"] == 10
    assert more["train_loss"] < a["train_loss"]


def test_onnx_export_matches_predict(capsys, tmp_path):
    import onnxruntime as ort

    out = tmp_path / "net.onnx"
    run_json(capsys, "--export", str(out), "--layers", "4:tanh")
    fresh = tmp_path / "same.npz"
    run_json(capsys, "--export", str(fresh), "--layers", "4:tanh")
    X = datasets.make("xor", n_samples=60, seed=0).X
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(["output"], {"input": X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, load(fresh).predict(X), atol=1e-5)


def test_onnx_export_without_the_exporter_is_refused_before_training(capsys, tmp_path, monkeypatch):
    from playground.document import exporting

    real = exporting.importlib.util.find_spec
    monkeypatch.setattr(
        exporting.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "engine.onnx_export" else real(name, *a),
    )
    code, err = run_error(capsys, *SMALL, "--export", str(tmp_path / "net.onnx"))
    assert code == 2 and "ONNX export is not available in this version" in err
    assert "epoch" not in err


# -- bad input: exit 2 with a message naming the problem --------------------------------
@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--dataset", "nope"], "nope"),
        (["--layers", "8:tanh,,8"], "layers"),
        (["--layers", "8:sparkle"], "sparkle"),
        (["--lr", "0"], "lr"),
        (["--lr", "-0.5"], "lr"),
        (["--features", "x1,x9"], "x9"),
        (["--samples", "1"], "n_samples"),
        (["--test-ratio", "1.5"], "test_ratio"),
        (["--dropout", "2"], "dropout"),
        (["--task", "regression"], "--task"),
    ],
)
def test_bad_options_exit_2(capsys, extra, needle):
    code, err = run_error(capsys, *SMALL, *extra)
    assert code == 2
    assert needle in err


def test_argparse_errors_exit_2(capsys):
    code, err = run_error(capsys, "train", "--epochs", "many")
    assert code == 2 and "--epochs" in err
    code, err = run_error(capsys, "train", "--optimizer", "sgdd")
    assert code == 2 and "sgdd" in err


def test_bad_csv_exit_2_naming_the_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n0.1,0.2,1\n0.3,oops,0\n0.5,0.6,1\n")
    code, err = run_error(capsys, "train", "--data", str(bad), "--epochs", "1")
    assert code == 2 and "line 3" in err
    code, err = run_error(capsys, "train", "--data", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err


def test_csv_data_trains_with_task_and_standardize(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 10
    y = (X.sum(axis=1) > 0).astype(int)
    path = tmp_path / "pts.csv"
    path.write_text(
        "a,b,c,t\n" + "\n".join(",".join(map(str, [*r, t])) for r, t in zip(X, y, strict=True))
    )
    argv = ["train", "--data", str(path), "--epochs", "2", "--standardize", "--json"]
    assert cli.main(argv) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["features"] == ["x1", "x2", "x3"] and s["task"] == "classification"
    assert cli.main([*argv, "--task", "regression"]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["task"] == "regression" and "train_r2" in s
    code, err = run_error(capsys, *argv, "--samples", "10")
    assert code == 2 and "--samples" in err


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("no_such_dir/w.npz", "does not exist"),
        ("adir.npz", "is a directory"),
        ("w.txt", ".npz, .json or .onnx"),
        ("file.txt/w.npz", "is not a directory"),
    ],
)
def test_unwritable_export_path_exit_2_before_training(capsys, tmp_path, target, needle):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "adir.npz").mkdir()
    code, err = run_error(capsys, *SMALL, "--epochs", "50", "--export", str(tmp_path / target))
    assert code == 2 and needle in err
    assert "epoch " not in err  # refused before the first epoch


def test_bad_weights_files_exit_2(capsys, tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    code, err = run_error(capsys, *SMALL, "--load-weights", str(garbage))
    assert code == 2 and "garbage.npz" in err
    code, err = run_error(capsys, *SMALL, "--load-weights", str(tmp_path / "absent.npz"))
    assert code == 2 and "absent.npz" in err


def test_load_weights_refuses_a_different_explicit_network(capsys, tmp_path):
    path = tmp_path / "w.npz"
    save(Network(NetworkSpec(hidden=({"units": 3, "activation": "relu"},))), path)
    code, err = run_error(capsys, *SMALL, "--load-weights", str(path), "--layers", "8:tanh")
    assert code == 2 and "--layers" in err and "3:relu" in err
    code, err = run_error(capsys, *SMALL, "--load-weights", str(path), "--features", "x1,x2,x1*x2")
    assert code == 2 and "--features" in err
    s, _ = run_json(
        capsys, "--load-weights", str(path), "--layers", "3:relu", "--features", "x1,x2"
    )
    assert s["layers"] == "3:relu"
    code, err = run_error(capsys, "train", "--dataset", "sine", "--load-weights", str(path))
    assert code == 2 and "inputs" in err


# -- divergence: exit 3 ---------------------------------------------------------------
def test_divergence_exit_3_names_the_step_and_a_remedy(capsys, tmp_path):
    out = tmp_path / "never.npz"
    deep = "64:relu,64:relu,64:relu"
    argv = ["train", "--dataset", "spirals", "--samples", "100", "--layers", deep]
    argv += ["--optimizer", "sgd", "--lr", "1e6", "--epochs", "20", "--export", str(out)]
    code, err = run_error(capsys, *argv)
    assert code == 3
    assert "diverged at step" in err and "learning rate" in err
    assert not out.exists()


# -- GUI launching (the app itself is faked: no Qt here) ------------------------------
@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    module = types.ModuleType("playground.app")
    module.run = lambda project=None: calls.append(project) or 0
    monkeypatch.setitem(sys.modules, "playground.app", module)
    return calls


def test_no_arguments_launch_the_gui(fake_app):
    assert cli.main([]) == 0
    assert fake_app == [None]


def test_open_launches_the_gui_on_the_file(fake_app, tmp_path, capsys):
    project = tmp_path / "p.playground.json"
    project.write_text("{}")
    assert cli.main(["open", str(project)]) == 0
    assert fake_app == [str(project)]
    code, err = run_error(capsys, "open", str(tmp_path / "none.playground.json"))
    assert code == 2 and "none.playground.json" in err and "no such file" in err
    assert fake_app == [str(project)]


# -- the real command in a fresh interpreter -------------------------------------------
def test_python_m_playground_train_imports_no_qt(tmp_path):
    out = tmp_path / "w.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "playground",
            "train",
            "--dataset",
            "xor",
            "--samples",
            "40",
            "--epochs",
            "2",
            "--export",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["epochs"] == 2 and out.exists()
    imported = [ln.split("|")[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln]
    assert "playground.cli.train_cli" in imported
    assert not [m for m in imported if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")]


# -- bounds shared with the GUI, and files that are not regular files ------------------
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--epochs", str(10**30)),
        ("--epochs", "1000001"),
        ("--l1", "1e308"),
        ("--l2", "1e308"),
        ("--lr", "1e7"),
        ("--lr", "nan"),
        ("--batch-size", str(10**9)),
        ("--clip", "inf"),
        ("--patience", "-1"),
    ],
)
def test_values_beyond_the_shared_bounds_exit_2_before_training(capsys, option, value):
    code, err = run_error(capsys, *SMALL, option, value)
    assert code == 2
    assert option in err and "<=" in err and "epoch 1/" not in err


def test_the_largest_accepted_values_are_the_engines_limits(capsys):
    from engine.spec import LIMITS

    s, _ = run_json(capsys, "--lr", f"{LIMITS['lr']:g}", "--l2", "1", "--epochs", "0")
    assert s["lr"] == LIMITS["lr"]


@pytest.mark.parametrize("option", ["--data", "--load-weights", "--project"])
def test_a_fifo_is_refused_instead_of_blocking(capsys, tmp_path, option):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, err = run_error(capsys, "train", "--epochs", "1", option, str(fifo))
    assert code == 2
    assert "not a regular file" in err and str(fifo) in err
