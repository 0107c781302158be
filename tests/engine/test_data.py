"""Data.from_arrays: what a trainer may rely on, and clear refusals of everything else."""

import numpy as np
import pytest

from engine.data import Data
from engine.errors import SpecError

RNG = np.random.default_rng(0)
X = RNG.uniform(-1.0, 1.0, size=(30, 2))
LABELS = np.arange(30) % 3
X_NAN = X.copy()
X_NAN[3, 1] = np.nan


def test_classification_arrays_are_typed_copied_and_read_only():
    X_list = X.tolist()
    data = Data.from_arrays(X_list, LABELS.astype(float), X[:5], LABELS[:5], task="classification")
    assert data.X_train.dtype == np.float64 and data.X_train.shape == (30, 2)
    assert data.y_train.dtype == np.int64 and np.array_equal(data.y_train, LABELS)
    assert data.n_classes == 3  # inferred: largest label + 1
    assert (data.input_dim, data.n_train, data.n_test, data.has_test) == (2, 30, 5, True)
    with pytest.raises(ValueError):
        data.X_train[0, 0] = 5.0
    with pytest.raises(ValueError):
        data.y_test[0] = 1


def test_regression_targets_and_no_test_set():
    y = X[:, 0] * 2.5
    data = Data.from_arrays(X, y.reshape(-1, 1), task="regression", n_classes=7, name="line")
    assert data.y_train.dtype == np.float64 and np.array_equal(data.y_train, y)
    assert data.n_classes == 0 and data.X_test is None and data.y_test is None
    assert data.name == "line"


def test_an_empty_test_set_means_none():
    data = Data.from_arrays(X, LABELS, X[:0], LABELS[:0], task="classification", n_classes=3)
    assert data.X_test is None and data.y_test is None and data.n_test == 0


def test_bounds_default_to_the_padded_data_range_and_can_be_given():
    data = Data.from_arrays(X, LABELS, task="classification")
    for (lo, hi), column in zip(data.bounds, X.T, strict=True):
        span = column.max() - column.min()
        assert lo == pytest.approx(column.min() - 0.05 * span)
        assert hi == pytest.approx(column.max() + 0.05 * span)
    given = Data.from_arrays(X, LABELS, task="classification", bounds=[(-1, 1), (-2, 2)])
    assert given.bounds == ((-1.0, 1.0), (-2.0, 2.0))
    flat = Data.from_arrays(np.zeros((4, 1)), np.zeros(4), task="regression")
    assert flat.bounds == ((-1.0, 1.0),)


def test_one_dimensional_inputs_become_a_column():
    data = Data.from_arrays(np.linspace(0, 1, 5), np.ones(5), task="regression")
    assert data.X_train.shape == (5, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(X_train=X, y_train=LABELS[:29]), r"y_train of shape \(29,\), expected \(30,\)"),
        (dict(X_train=X, y_train=LABELS + 0.5), "label 0.5; classification expects integer"),
        (dict(X_train=X, y_train=LABELS - 1), "label -1; classification"),
        (dict(X_train=X, y_train=LABELS, n_classes=2), "label 2 with n_classes=2"),
        (dict(X_train=X, y_train=LABELS, n_classes=11), "between 2 and 10"),
        (dict(X_train=X, y_train=LABELS, X_test=X), "only one of X_test and y_test"),
        (dict(X_train=X, y_train=LABELS, X_test=X[:, :1], y_test=LABELS), "1 column"),
        (dict(X_train=X_NAN, y_train=LABELS), r"NaN or Inf \(row 3\)"),
        (dict(X_train=[["a", "b"]], y_train=[0]), "not numeric"),
        (dict(X_train=X[:0], y_train=LABELS[:0]), "at least 1"),
        (dict(X_train=X, y_train=LABELS, bounds=[(0, 1)]), "1 bounds pair"),
        (dict(X_train=X, y_train=LABELS, bounds=[(0, 1), (2, 2)]), "low < high"),
        (dict(X_train=X, y_train=LABELS, task="clustering"), "Could not interpret task"),
    ],
)
def test_bad_arrays_are_refused_with_what_was_expected(kwargs, message):
    kwargs.setdefault("task", "classification")
    with pytest.raises(SpecError, match=message):
        Data.from_arrays(**kwargs)
