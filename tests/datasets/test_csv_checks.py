"""Warnings for an imported CSV: wild scales, a saved row index, integers taken as regression."""

import numpy as np
import pytest

import datasets
from datasets.csv_checks import csv_warnings


def _csv(columns, target) -> datasets.Dataset:
    rows = zip(*columns, target, strict=True)
    text = "\n".join(
        ",".join(repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in row)
        for row in rows
    )
    return datasets.loads_csv(text, name="t")


RNG = np.random.default_rng(0)
SMALL = RNG.normal(0.1, 0.01, 60)
BIG = RNG.normal(2000.0, 600.0, 60)
LABELS = np.arange(60) % 2


def test_wildly_different_scales_suggest_standardising():
    (warning,) = csv_warnings(_csv([SMALL, BIG], LABELS))
    assert "very different scales" in warning and "x2" in warning and "x1" in warning
    assert "--standardize" in warning and "'standardise'" in warning
    assert csv_warnings(_csv([SMALL, BIG], LABELS), standardize=True) == []


def test_one_huge_column_alone_also_warns():
    (warning,) = csv_warnings(_csv([BIG], LABELS))
    assert "x1 reaches" in warning and "standardise" in warning.lower()


def test_a_row_number_column_is_flagged_as_a_saved_index():
    index = np.arange(60.0)
    sorted_labels = np.sort(LABELS)  # a file sorted by the label: the index gives it away
    found = csv_warnings(_csv([index, SMALL], sorted_labels), standardize=True)
    assert len(found) == 1
    assert "x1" in found[0] and "row index" in found[0] and "(0, 1, 2, …)" in found[0]
    ones = csv_warnings(_csv([index + 1, SMALL], LABELS), standardize=True)
    assert "(1, 2, 3, …)" in ones[0]


def test_many_integer_labels_say_that_regression_was_chosen_and_why():
    y = np.arange(60) % 12  # 12 integer labels: more than the 10 classes allowed
    (warning,) = csv_warnings(_csv([SMALL * 10], y))
    assert "12 distinct integer values" in warning and "regression" in warning
    assert "10 classes" in warning
    assert csv_warnings(_csv([SMALL * 10], y), task="regression") == []  # asked for it


@pytest.mark.parametrize(
    ("columns", "target"),
    [([SMALL * 10, SMALL * 5], LABELS), ([SMALL], SMALL * 3), ([SMALL], np.arange(60) % 10)],
)
def test_ordinary_files_get_no_warning(columns, target):
    assert csv_warnings(_csv(columns, target)) == []


@pytest.mark.parametrize("name", datasets.names())
def test_no_built_in_generator_would_warn(name):
    assert csv_warnings(datasets.make(name, n_samples=100, seed=0)) == []
