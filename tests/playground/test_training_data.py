"""The Dataset -> engine bridge shared by the command line and the GUI."""

import numpy as np
import pytest

import datasets
from engine.errors import SpecError
from engine.spec import LayerSpec, TrainConfig
from engine.trainer import Trainer
from playground.document import training_data as td


def _rows(X):
    return {tuple(r) for r in X.tolist()}


def test_make_data_splits_all_rows_once_and_keeps_the_description():
    ds = datasets.make("spirals", n_samples=200, seed=3, arms=3)
    data = td.make_data(ds, test_ratio=0.25, seed=3)
    assert len(data.X_train) + len(data.X_test) == 200
    assert len(data.X_test) == 50
    assert _rows(data.X_train) | _rows(data.X_test) == _rows(ds.X)
    assert not _rows(data.X_train) & _rows(data.X_test)
    assert (data.task, data.n_classes, data.name) == ("classification", 3, "spirals")
    assert data.bounds == ds.bounds
    # labels travel with their rows
    lookup = {tuple(x): y for x, y in zip(ds.X.tolist(), ds.y.tolist(), strict=True)}
    assert [lookup[tuple(x)] for x in data.X_test.tolist()] == data.y_test.tolist()


def test_make_data_same_seed_same_split_other_seed_other_split():
    ds = datasets.make("xor", n_samples=100, seed=0)
    a, b = td.make_data(ds, 0.3, seed=1), td.make_data(ds, 0.3, seed=1)
    c = td.make_data(ds, 0.3, seed=2)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, c.X_test)


def test_make_data_without_test_set():
    ds = datasets.make("sine", n_samples=50, seed=0)
    data = td.make_data(ds, test_ratio=0.0, seed=0)
    assert data.X_test is None and data.y_test is None
    assert len(data.X_train) == 50
    assert (data.task, data.n_classes) == ("regression", 0)


@pytest.mark.parametrize(
    ("dim", "expected"), [(1, ("x1",)), (2, ("x1", "x2")), (4, ("x1", "x2", "x3", "x4"))]
)
def test_default_features_are_the_raw_inputs(dim, expected):
    assert td.default_features(dim) == expected


@pytest.mark.parametrize("bad", [0, -1, True, 2.0])
def test_default_features_refuses_a_bad_input_dim(bad):
    with pytest.raises(SpecError, match="input_dim"):
        td.default_features(bad)


def test_parse_layers():
    assert td.parse_layers("8:tanh, 4:relu") == (LayerSpec(8, "tanh"), LayerSpec(4, "relu"))
    assert td.parse_layers("") == ()
    assert td.parse_layers("  ") == ()
    assert td.parse_layers("5") == (LayerSpec(5, "tanh"),)
    assert td.format_layers(td.parse_layers("8:tanh,4:relu")) == "8:tanh,4:relu"


@pytest.mark.parametrize("bad", ["8:tanh,,4:relu", "eight:tanh", "8:wiggle", "0:relu", "8:tanh,"])
def test_parse_layers_refuses_bad_text(bad):
    with pytest.raises(SpecError):
        td.parse_layers(bad)


def test_parse_features():
    assert td.parse_features("x1, x2,x1*x2") == ("x1", "x2", "x1*x2")
    for bad in ("", "x1,,x2"):
        with pytest.raises(SpecError, match="features"):
            td.parse_features(bad)


def test_make_spec_follows_the_dataset():
    three = datasets.make("spirals", n_samples=60, arms=3, seed=0)
    spec = td.make_spec(three, td.parse_layers("4:relu"))
    assert (spec.input_dim, spec.features, spec.n_classes, spec.loss) == (2, ("x1", "x2"), 3, "ce")
    assert spec.layer_sizes == [2, 4, 3]

    curve = datasets.make("sine", n_samples=30, seed=0)
    spec = td.make_spec(curve, (), loss="huber")
    assert (spec.input_dim, spec.features, spec.task, spec.loss) == (
        1,
        ("x1",),
        "regression",
        "huber",
    )

    wide = datasets.loads_csv("a,b,c,t\n1,2,3,0.5\n4,5,6,1.5\n7,8,9,2.25\n")
    spec = td.make_spec(wide)
    assert spec.features == ("x1", "x2", "x3") and spec.task == "regression"

    spec = td.make_spec(datasets.make("xor", n_samples=20), features=("x1", "x2", "x1*x2"))
    assert spec.features == ("x1", "x2", "x1*x2") and spec.loss == "bce"


def test_make_spec_refuses_features_the_data_lacks():
    with pytest.raises(SpecError, match="x2"):
        td.make_spec(datasets.make("sine", n_samples=20), features=("x1", "x2"))


def test_check_fits_names_what_differs():
    xor = datasets.make("xor", n_samples=20)
    spec = td.make_spec(xor)
    td.check_fits(spec, xor)
    with pytest.raises(SpecError, match="2 inputs, the data has 1"):
        td.check_fits(spec, datasets.make("sine", n_samples=20))
    with pytest.raises(SpecError, match="2 classes, the data has 3"):
        td.check_fits(spec, datasets.make("spirals", n_samples=30, arms=3))


def test_a_trainer_learns_from_the_bridge():
    ds = datasets.make("xor", n_samples=200, seed=0)
    data = td.make_data(ds, 0.25, seed=0)
    spec = td.make_spec(ds, td.parse_layers("8:tanh"), features=("x1", "x2", "x1*x2"))
    trainer = Trainer(spec, TrainConfig(lr=0.05, batch_size=16, seed=0), data)
    before = trainer.evaluate()
    after = trainer.fit(40).evaluation
    assert after.train_loss < 0.5 * before.train_loss
    assert after.test_metric >= 0.9
