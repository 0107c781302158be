"""The Dataset value: validation, immutability, JSON round trip."""

import json

import numpy as np
import pytest

import datasets
from datasets import Dataset, DatasetError


def _ds(**changes):
    fields = dict(
        X=np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]),
        y=np.array([0, 1, 1]),
        task="classification",
        n_classes=2,
        name="tiny",
        bounds=((-1.0, 2.0), (-1.0, 2.0)),
    )
    return Dataset(**{**fields, **changes})


def test_defaults_fill_names_and_labels():
    ds = _ds()
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "y"
    assert ds.class_labels == (0, 1)
    assert ds.n_samples == 3 and ds.input_dim == 2
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64


def test_arrays_are_read_only_copies():
    X = np.zeros((3, 2))
    ds = _ds(X=X)
    X[0, 0] = 5.0
    assert ds.X[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        ds.y[0] = 1
    with pytest.raises(AttributeError):
        ds.task = "regression"


def test_regression_forgets_classes():
    ds = _ds(task="regression", y=[0.5, 0.25, 2.0], n_classes=7, class_labels=(1, 2))
    assert ds.n_classes == 0 and ds.class_labels == () and ds.y.dtype == np.float64


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"task": "ranking"}, "task"),
        ({"X": np.zeros(3)}, "(n, d)"),
        ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, "(n, d)"),
        ({"X": np.array([["a", "b"]] * 3)}, "numeric"),
        ({"X": np.array([[np.nan, 0.0]] * 3)}, "finite"),
        ({"y": np.array([0, 1])}, "(3,)"),
        ({"y": np.array([0, 1, 2])}, "0..1"),
        ({"y": np.array([0, 1, 0.5])}, "integers"),
        ({"n_classes": 1}, "n_classes"),
        ({"n_classes": 11}, "n_classes"),
        ({"class_labels": (1, 2, 3)}, "class labels"),
        ({"bounds": ((0.0, 1.0),)}, "bounds"),
        ({"bounds": ((1.0, 0.0), (0.0, 1.0))}, "lo < hi"),
        ({"bounds": "xy"}, "bounds"),
        ({"feature_names": ("a",)}, "feature names"),
        ({"task": "regression", "y": np.array([0.0, np.inf, 1.0])}, "finite"),
    ],
)
def test_bad_contents_are_refused(changes, fragment):
    with pytest.raises(DatasetError) as info:
        _ds(**changes)
    assert fragment in str(info.value)


def test_json_round_trip_is_exact():
    ds = datasets.make("moons", n_samples=40, noise=0.13, seed=9)
    back = Dataset.from_dict(json.loads(json.dumps(ds.to_dict())))
    np.testing.assert_array_equal(back.X, ds.X)
    np.testing.assert_array_equal(back.y, ds.y)
    assert back.y.dtype == np.int64
    for field in ("task", "n_classes", "name", "bounds", "params", "feature_names"):
        assert getattr(back, field) == getattr(ds, field)


@pytest.mark.parametrize(
    "bad",
    [[], {"X": [[1.0]]}, {**_ds().to_dict(), "extra": 1}, {**_ds().to_dict(), "X": [["a", 1]] * 3}],
)
def test_from_dict_refuses_bad_objects(bad):
    with pytest.raises(DatasetError):
        Dataset.from_dict(bad)


def test_subset_keeps_everything_but_the_rows():
    ds = datasets.make("blobs", n_samples=30)
    part = ds.subset([4, 1, 2])
    np.testing.assert_array_equal(part.X, ds.X[[4, 1, 2]])
    assert (part.bounds, part.n_classes, part.name, part.params) == (
        ds.bounds,
        ds.n_classes,
        ds.name,
        ds.params,
    )
