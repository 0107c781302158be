"""The bridge from a `datasets.Dataset` to what the engine trains on.

The engine never imports `datasets`, so the GUI and the command line both turn a
Dataset into an `engine.data.Data` and a `NetworkSpec` here, in one place, so the
two front ends build exactly the same thing from the same choices.
"""

from __future__ import annotations

from collections.abc import Sequence

import datasets
from datasets.dataset import Dataset
from datasets.scaling import column_scaling
from engine.data import Data
from engine.errors import SpecError
from engine.spec import InputScaling, LayerSpec, NetworkSpec


def make_data(ds: Dataset, test_ratio: float, seed: int) -> Data:
    """Split `ds` with `datasets.train_test_split` into the arrays a Trainer uses.

    `test_ratio=0` trains on all of it (no test set).
    """
    train, test = datasets.train_test_split(ds, test_ratio=test_ratio, seed=seed)
    has_test = test is not None and test.n_samples > 0
    return Data.from_arrays(
        X_train=train.X,
        y_train=train.y,
        X_test=test.X if has_test else None,
        y_test=test.y if has_test else None,
        task=ds.task,
        n_classes=ds.n_classes,
        bounds=ds.bounds,
        name=ds.name,
    )


def fit_input_scaling(ds: Dataset, test_ratio: float, seed: int) -> InputScaling:
    """The scaler of standardised inputs: mean and std of the TRAINING rows of `ds`.

    The split is `make_data`'s (same ratio, same seed), so no test row leaks into
    the scaler; the network applies it to raw rows (NetworkSpec.input_scaling).
    """
    train, _test = datasets.train_test_split(ds, test_ratio=test_ratio, seed=seed)
    mean, std = column_scaling(train.X)
    return InputScaling(tuple(mean.tolist()), tuple(std.tolist()))


def default_features(input_dim: int) -> tuple[str, ...]:
    """The raw inputs: ("x1", "x2") for 2-D data, ("x1",) for 1-D, x1..xd for wider CSVs."""
    if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim < 1:
        raise SpecError(
            f"Received an invalid value for `input_dim`, expected an integer >= 1. "
            f"Received: input_dim={input_dim!r}"
        )
    return tuple(f"x{i + 1}" for i in range(input_dim))


def parse_layers(text: str) -> tuple[LayerSpec, ...]:
    """`"8:tanh,8:tanh"` -> two tanh layers of 8 units; `""` -> no hidden layer."""
    if not text.strip():
        return ()
    parts = text.split(",")
    if any(not p.strip() for p in parts):
        raise SpecError(
            f"Could not read layers {text!r}: expected units:activation separated by commas, "
            f"for example 8:tanh,8:tanh (an empty text means no hidden layer)"
        )
    return tuple(LayerSpec.parse(p) for p in parts)


def format_layers(hidden: Sequence[LayerSpec]) -> str:
    """The inverse of `parse_layers`: `"8:tanh,8:tanh:bn+res"`."""
    return ",".join(h.to_text() for h in hidden)


def parse_features(text: str) -> tuple[str, ...]:
    """`"x1,x2,x1*x2"` -> ("x1", "x2", "x1*x2"); the names are checked by NetworkSpec."""
    names = tuple(p.strip() for p in text.split(","))
    if not text.strip() or any(not n for n in names):
        raise SpecError(
            f"Could not read features {text!r}: expected names separated by commas, "
            f"for example x1,x2,x1*x2"
        )
    return names


def make_spec(
    ds: Dataset,
    hidden: Sequence[LayerSpec] = (LayerSpec(8), LayerSpec(8)),
    features: Sequence[str] | None = None,
    loss: str | None = None,
    input_scaling: InputScaling | None = None,
) -> NetworkSpec:
    """A NetworkSpec fitting `ds` (input size, task, classes); `loss=None` follows the task.

    `input_scaling` (from `fit_input_scaling`) makes the network standardise raw rows.
    """
    return NetworkSpec(
        input_dim=ds.input_dim,
        features=tuple(features) if features is not None else default_features(ds.input_dim),
        hidden=tuple(hidden),
        task=ds.task,
        n_classes=ds.n_classes if ds.task == "classification" else 0,
        loss=loss,
        input_scaling=input_scaling,
    )


def check_fits(spec: NetworkSpec, ds: Dataset) -> None:
    """Refuse a network (e.g. from a weights file) whose inputs or outputs do not fit `ds`."""
    problems = []
    if spec.input_dim != ds.input_dim:
        problems.append(f"{spec.input_dim} inputs, the data has {ds.input_dim}")
    if spec.task != ds.task:
        problems.append(f"task {spec.task}, the data is {ds.task}")
    elif spec.task == "classification" and spec.n_classes != ds.n_classes:
        problems.append(f"{spec.n_classes} classes, the data has {ds.n_classes}")
    if problems:
        raise SpecError(
            f"The network does not fit dataset {ds.name!r}: it has {'; '.join(problems)}"
        )
