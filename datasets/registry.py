"""The name-keyed catalogue of generators: `make`, `available`, `info`.

Generators register themselves with `@register(...)`, declaring their own
parameters, so the GUI picker and the command line read one list and need none
of their own. Every generator also takes `n_samples`, `noise` and `seed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from datasets.dataset import TASKS, Dataset, symmetric_bounds
from datasets.errors import DatasetError
from datasets.validation import MAX_SEED, check_int, check_real

MIN_SAMPLES = 2
MAX_SAMPLES = 100_000
MAX_NOISE = 0.5

Generator = Callable[..., tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Param:
    """One parameter of a generator: its default and its allowed closed range."""

    name: str
    default: int | float
    lo: int | float
    hi: int | float

    def check(self, value: Any) -> int | float:
        if isinstance(self.default, int):
            return check_int(self.name, value, int(self.lo), int(self.hi))
        return check_real(self.name, value, float(self.lo), float(self.hi))


COMMON = (
    Param("n_samples", 500, MIN_SAMPLES, MAX_SAMPLES),
    Param("noise", 0.0, 0.0, MAX_NOISE),
    Param("seed", 0, 0, MAX_SEED),
)


@dataclass(frozen=True)
class DatasetInfo:
    """A catalogue entry: what the picker shows and the defaults `make` would use.

    `n_classes` is the default number of classes (0 for regression); `limits` maps
    each parameter to its allowed (lo, hi), for spin boxes and command-line checks.
    """

    name: str
    task: str
    input_dim: int
    n_classes: int
    description: str
    defaults: dict[str, int | float]
    limits: dict[str, tuple[int | float, int | float]]


@dataclass(frozen=True)
class _Entry:
    name: str
    task: str
    input_dim: int
    n_classes: int
    description: str
    params: tuple[Param, ...]
    fn: Generator
    classes_param: str | None

    def info(self) -> DatasetInfo:
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_dim=self.input_dim,
            n_classes=self.n_classes,
            description=self.description,
            defaults={p.name: p.default for p in self.params},
            limits={p.name: (p.lo, p.hi) for p in self.params},
        )


_REGISTRY: dict[str, _Entry] = {}


def register(
    name: str,
    *,
    task: str,
    input_dim: int,
    description: str,
    n_classes: int = 0,
    params: tuple[Param, ...] = (),
    classes_param: str | None = None,
) -> Callable[[Generator], Generator]:
    """Add `fn(rng, n_samples, noise, **params) -> (X, y)` to the catalogue under `name`.

    `classes_param` names the parameter that sets the number of classes (spirals'
    `arms`); otherwise `n_classes` is fixed. Registering a name twice is refused.
    """
    if task not in TASKS:
        raise DatasetError(f"Dataset task must be one of {', '.join(TASKS)}; received {task!r}")

    def decorator(fn: Generator) -> Generator:
        if name in _REGISTRY:
            raise DatasetError(f"dataset {name!r} is already registered")
        _REGISTRY[name] = _Entry(
            name, task, input_dim, n_classes, description, COMMON + params, fn, classes_param
        )
        return fn

    return decorator


def names() -> list[str]:
    """Registered dataset names, in registration order."""
    return list(_REGISTRY)


def _entry(name: Any) -> _Entry:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise DatasetError(
            f"Could not interpret dataset {name!r}: expected one of {', '.join(_REGISTRY)}"
        )
    return _REGISTRY[name]


def info(name: str) -> DatasetInfo:
    """The catalogue entry of one dataset."""
    return _entry(name).info()


def available() -> list[DatasetInfo]:
    """The whole catalogue, in registration order (fresh copies: safe to modify)."""
    return [e.info() for e in _REGISTRY.values()]


def make(name: str, **params: Any) -> Dataset:
    """Generate dataset `name`; unspecified parameters take their defaults.

    The same name and parameters (seed included) always give the same arrays.
    """
    entry = _entry(name)
    known = {p.name: p for p in entry.params}
    for key in params:
        if key not in known:
            raise DatasetError(
                f"Received an unknown parameter for dataset {name!r}, expected some of "
                f"{', '.join(known)}. Received: {key}={params[key]!r}"
            )
    values = {
        p.name: p.check(params[p.name]) if p.name in params else p.default for p in known.values()
    }
    k = int(values[entry.classes_param]) if entry.classes_param else entry.n_classes
    n = values["n_samples"]
    if entry.task == "classification" and n < k:
        raise DatasetError(
            f"Received an invalid value for `n_samples`, expected at least {k} (one per class) "
            f"for dataset {name!r}. Received: n_samples={n}"
        )
    extra = {key: v for key, v in values.items() if key not in ("n_samples", "noise", "seed")}
    rng = np.random.default_rng(values["seed"])
    X, y = entry.fn(rng, n, values["noise"], **extra)
    return Dataset(
        X=X,
        y=y,
        task=entry.task,
        n_classes=k,
        name=name,
        bounds=symmetric_bounds(X),
        params=values,
    )


def balanced_counts(n: int, k: int) -> np.ndarray:
    """Per-class counts summing to n that differ by at most one."""
    return np.array([n // k + (1 if c < n % k else 0) for c in range(k)], dtype=np.int64)


def labels_for(counts: np.ndarray) -> np.ndarray:
    """Label array 0,0,...,1,1,... with the given per-class counts."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)
