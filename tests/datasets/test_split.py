"""train_test_split: stratified, seeded, never empties a class from training."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datasets
from datasets import DatasetError, train_test_split


def _rows(ds):
    return {tuple(r) for r in np.column_stack([ds.X, ds.y])}


def test_split_partitions_the_rows_and_keeps_the_metadata():
    ds = datasets.make("blobs", n_samples=300, seed=1)
    train, test = train_test_split(ds, test_ratio=0.3, seed=0)
    assert train.n_samples == 210 and test.n_samples == 90
    assert _rows(train) | _rows(test) == _rows(ds) and not _rows(train) & _rows(test)
    for part in (train, test):
        assert (part.bounds, part.name, part.task, part.n_classes) == (
            ds.bounds,
            ds.name,
            ds.task,
            ds.n_classes,
        )
    assert np.bincount(test.y).tolist() == [30, 30, 30]


def test_split_is_seeded():
    ds = datasets.make("sine", n_samples=100)
    a = train_test_split(ds, 0.25, seed=7)
    b = train_test_split(ds, 0.25, seed=7)
    c = train_test_split(ds, 0.25, seed=8)
    np.testing.assert_array_equal(a[1].X, b[1].X)
    np.testing.assert_array_equal(a[0].y, b[0].y)
    assert not np.array_equal(a[1].X, c[1].X)
    assert a[1].n_samples == 25


def test_classes_of_one_stay_in_training():
    y = np.array([0, 1, 2] + [3] * 40)
    ds = datasets.Dataset(
        X=np.zeros((43, 1)), y=y, task="classification", n_classes=4, name="t", bounds=((-1, 1),)
    )
    train, test = train_test_split(ds, test_ratio=0.9)
    assert np.bincount(train.y).tolist() == [1, 1, 1, 1]
    assert np.bincount(test.y, minlength=4).tolist() == [0, 0, 0, 39]


def test_ratio_zero_means_no_test_set():
    ds = datasets.make("xor", n_samples=20)
    train, test = train_test_split(ds, test_ratio=0)
    assert test is None and train is ds


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 40), min_size=2, max_size=6),
    ratio=st.floats(0.01, 0.9),
    seed=st.integers(0, 1000),
)
def test_stratification_for_any_class_sizes(counts, ratio, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    ds = datasets.Dataset(
        X=np.arange(n, dtype=float)[:, None],
        y=y,
        task="classification",
        n_classes=len(counts),
        name="t",
        bounds=((-1.0, float(n)),),
    )
    if n - len(counts) < 1:
        with pytest.raises(DatasetError, match="test_ratio"):
            train_test_split(ds, ratio, seed)
        return
    train, test = train_test_split(ds, ratio, seed)
    n_test = min(max(1, round(n * ratio)), n - len(counts))
    assert test.n_samples == n_test and train.n_samples == n - n_test
    train_counts = np.bincount(train.y, minlength=len(counts))
    test_counts = np.bincount(test.y, minlength=len(counts))
    assert (train_counts >= 1).all()
    np.testing.assert_array_equal(train_counts + test_counts, counts)
    # each class gives its share, rounded, unless keeping one back caps it
    share = np.array(counts) * n_test / n
    if (share <= np.array(counts) - 1).all():
        assert (np.abs(test_counts - share) < 1).all()
    # rows keep the original order in both parts
    assert (np.diff(train.X[:, 0]) > 0).all() and (np.diff(test.X[:, 0]) > 0).all()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((0.95,), "test_ratio"),
        ((-0.1,), "test_ratio"),
        (("0.3",), "test_ratio"),
        ((0.3, -2), "seed"),
        ((0.3, 1.5), "seed"),
    ],
)
def test_bad_arguments_are_refused(args, fragment):
    with pytest.raises(DatasetError, match=fragment):
        train_test_split(datasets.make("xor", n_samples=20), *args)


def test_not_a_dataset_is_refused():
    with pytest.raises(DatasetError, match="expects a Dataset"):
        train_test_split(np.zeros((3, 2)))
