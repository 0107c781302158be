"""Seeded train / test split, stratified by class for classification."""

from __future__ import annotations

from typing import Any

import numpy as np

from datasets.dataset import Dataset
from datasets.errors import DatasetError
from datasets.validation import check_real, check_seed

MAX_TEST_RATIO = 0.9


def train_test_split(
    ds: Dataset, test_ratio: Any = 0.3, seed: Any = 0
) -> tuple[Dataset, Dataset | None]:
    """Hold out about `test_ratio` of the rows as a test set; `test_ratio=0` gives (ds, None).

    Classification keeps each class's share in both parts and at least one
    training example per class. Both parts keep the dataset's row order, name,
    task, classes and bounds (so plots of either show the same domain). The same
    seed gives the same split.
    """
    if not isinstance(ds, Dataset):
        raise DatasetError(f"train_test_split expects a Dataset; received {type(ds).__name__}")
    ratio = check_real("test_ratio", test_ratio, 0.0, MAX_TEST_RATIO)
    rng = np.random.default_rng(check_seed(seed))
    if ratio == 0.0:
        return ds, None
    n = ds.n_samples
    if ds.task == "classification":
        groups = [np.flatnonzero(ds.y == c) for c in range(ds.n_classes)]
        groups = [g for g in groups if len(g)]
    else:
        groups = [np.arange(n)]
    keep = len(groups)  # one training example per group at least
    n_test = min(max(1, round(n * ratio)), n - keep)
    if n_test < 1:
        raise DatasetError(
            f"Received an invalid value for `test_ratio` for a dataset of {n} samples, expected 0: "
            f"no test example can be held out while keeping one training example per class. "
            f"Received: test_ratio={ratio}"
        )
    counts = _allocate(groups, n_test)
    test = np.concatenate(
        [rng.choice(g, size=k, replace=False) for g, k in zip(groups, counts, strict=True)]
    )
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    return ds.subset(np.flatnonzero(~mask)), ds.subset(np.flatnonzero(mask))


def _allocate(groups: list[np.ndarray], n_test: int) -> list[int]:
    """Split n_test over the groups in proportion to their sizes (largest remainder),
    never taking a group's last example."""
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    share = sizes * n_test / sizes.sum()
    take = np.minimum(np.floor(share).astype(np.int64), sizes.astype(np.int64) - 1)
    # hand out what is left, largest remainder first, ties to the lower class index
    for i in np.argsort(-(share - take), kind="stable"):
        if take.sum() >= n_test:
            break
        if take[i] < sizes[i] - 1:
            take[i] += 1
    while take.sum() < n_test:  # a group was capped; others have room by construction
        i = int(np.argmax(sizes - 1 - take))
        take[i] += 1
    return [int(k) for k in take]
