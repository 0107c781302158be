"""What an imported CSV may hide: warnings to show before training on it.

Three traps train silently into a useless or cheating model: input columns on
wildly different scales (plain gradient descent then settles on a constant
prediction), a column that only counts the rows (a saved pandas index, which
gives the label away in a file sorted by it), and integer targets with too many
values for classification (they become regression). `csv_warnings` names each;
the command line prints them on stderr and the app shows them after an import.
Built-in generators need none of this.
"""

from __future__ import annotations

import numpy as np

from datasets.dataset import MAX_CLASSES, Dataset

SCALE_RATIO = 100.0  # largest / smallest column standard deviation that still trains well
LARGE_VALUE = 1000.0  # inputs beyond this saturate tanh/sigmoid units from the first step
MIN_INDEX_ROWS = 3


def csv_warnings(ds: Dataset, *, standardize: bool = False, task: str | None = None) -> list[str]:
    """Sentences describing each trap found in `ds` (empty when there is none).

    `standardize` says the inputs will be standardised (no scale warning then);
    `task` is the task the user asked for (None: decided from the file).
    """
    found = []
    if not standardize:
        found += _scale_warnings(ds)
    found += _index_warnings(ds)
    if task is None:
        found += _task_warnings(ds)
    return found


def _column_name(ds: Dataset, j: int) -> str:
    name = ds.feature_names[j] if j < len(ds.feature_names) else ""
    raw = f"x{j + 1}"
    return raw if not name or name == raw else f"{raw} ({name!r})"


def _scale_warnings(ds: Dataset) -> list[str]:
    X = np.asarray(ds.X, dtype=np.float64)
    std = X.std(axis=0)
    largest = np.abs(X).max(axis=0)
    varying = np.flatnonzero(std > 0)
    if varying.size == 0:
        return []
    wide = int(varying[np.argmax(std[varying])])
    narrow = int(varying[np.argmin(std[varying])])
    ratio = std[wide] / std[narrow]
    big = int(np.argmax(largest))
    advice = (
        "plain gradient descent then tends to learn a constant prediction. Standardise the "
        "inputs (--standardize on the command line, the 'standardise' box in the app)"
    )
    if ratio > SCALE_RATIO:
        return [
            f"Input columns are on very different scales: {_column_name(ds, wide)} has standard "
            f"deviation {std[wide]:.3g}, {_column_name(ds, narrow)} {std[narrow]:.3g}; {advice}."
        ]
    if largest[big] > LARGE_VALUE:
        return [
            f"Input column {_column_name(ds, big)} reaches {largest[big]:,.6g}; inputs this "
            f"large saturate the units and {advice}."
        ]
    return []


def _index_warnings(ds: Dataset) -> list[str]:
    X = np.asarray(ds.X, dtype=np.float64)
    if X.shape[0] < MIN_INDEX_ROWS:
        return []
    steps = np.diff(X, axis=0)
    found = []
    for j in np.flatnonzero((steps == 1.0).all(axis=0)):
        first = X[0, j]
        found.append(
            f"Input column {_column_name(ds, int(j))} only counts the rows ({first:g}, "
            f"{first + 1:g}, {first + 2:g}, …): it looks like a saved row index. It says nothing "
            f"about the examples, and in a file sorted by the target it gives the answer away; "
            f"remove the column from the file."
        )
    return found


def _task_warnings(ds: Dataset) -> list[str]:
    if ds.task != "regression":
        return []
    y = np.asarray(ds.y, dtype=np.float64)
    if not (y == np.floor(y)).all():
        return []
    distinct = len(np.unique(y))
    if distinct <= MAX_CLASSES:
        return []
    return [
        f"The target {ds.target_name!r} has {distinct} distinct integer values, more than the "
        f"{MAX_CLASSES} classes a classification may have, so it is treated as regression "
        f"(a number to predict, scored by R²)."
    ]


__all__ = ["csv_warnings"]
