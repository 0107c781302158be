"""The GUI's document: which data, which network, how to train. Qt-free.

A `Session` is what the window edits and what QSettings remembers between runs
(as JSON, by names: never list indices or pickles). The engine objects
(NetworkSpec, Data) are derived from it when something changes.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, field
from typing import Any

import datasets
from datasets.dataset import Dataset
from engine.errors import SpecError
from engine.migrations import register_format
from engine.spec import EPOCHS_UNTIL_PAUSED as UNLIMITED_EPOCHS  # "until paused"
from engine.spec import FEATURES, FEATURES_1D, INITIALIZERS, LayerSpec, NetworkSpec, TrainConfig
from playground.document.painted import SOURCE as PAINTED
from playground.document.painted import PaintedPoints
from playground.document.training_data import default_features, fit_input_scaling, make_spec

SESSION_VERSION = 1
SESSION = register_format("session", "remembered session", SESSION_VERSION, SpecError)
GUI_EPOCHS = 0  # 0 in the GUI means "until paused"


@dataclass(frozen=True)
class DataChoice:
    """A generated dataset (`source` = generator name), an imported CSV (`source` = "csv")
    or points painted by hand (`source` = "painted", playground/document/painted.py).

    `params` are the generator's parameters (n_samples, noise, seed and its own);
    for a CSV, `path`, `task` (None: decided from the file) and `standardize`; for
    painted data, its task, points and canvas bounds.
    """

    source: str = "spirals"
    params: dict[str, Any] = field(default_factory=dict)
    test_ratio: float = 0.3
    path: str | None = None
    task: str | None = None
    standardize: bool = False

    @property
    def seed(self) -> int:
        return int(self.params.get("seed", 0))

    def key(self) -> str:
        if self.source == PAINTED:
            return PAINTED
        return f"csv:{self.path}" if self.source == "csv" else f"gen:{self.source}"

    @property
    def generated(self) -> bool:
        """Made by a generator (its sample count, noise and options apply)."""
        return self.source not in ("csv", PAINTED)

    def replace(self, **changes: Any) -> DataChoice:
        return dataclasses.replace(self, **changes)

    def build(self) -> Dataset:
        """Generate or load the dataset; DatasetError / OSError describe a failure."""
        if self.source == "csv":
            if not self.path:
                raise datasets.DatasetError("An imported dataset needs its file path")
            # raw rows: `standardize` puts a training-split scaler in the network (spec_for)
            return datasets.load_csv(self.path, task=self.task)
        if self.source == PAINTED:
            return PaintedPoints.from_params(self.params).to_dataset()
        return datasets.make(self.source, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> DataChoice:
        if not isinstance(d, dict):
            raise SpecError(f"A data choice must be a JSON object; received {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def default_data_choice(name: str = "spirals") -> DataChoice:
    info = datasets.info(name)
    return DataChoice(source=name, params=dict(info.defaults))


def default_config() -> TrainConfig:
    """The issue's default: Adam, lr 0.01, batches of 16, training until paused."""
    return TrainConfig(optimizer="adam", lr=0.01, batch_size=16, epochs=UNLIMITED_EPOCHS)


@dataclass(frozen=True)
class Session:
    data: DataChoice = field(default_factory=default_data_choice)
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[LayerSpec, ...] = (LayerSpec(8, "tanh"), LayerSpec(8, "tanh"))
    loss: str | None = None  # None: the task's default
    config: TrainConfig = field(default_factory=default_config)
    output_init: str = "xavier_uniform"  # the output layer's initialiser (projects may set it)

    def replace(self, **changes: Any) -> Session:
        return dataclasses.replace(self, **changes)

    def spec_for(self, ds: Dataset) -> NetworkSpec:
        """The network for `ds`: features and loss fall back to defaults when they do not fit."""
        features = fitting_features(self.features, ds.input_dim)
        loss = self.loss
        scaling = None
        if self.data.source == "csv" and self.data.standardize:
            scaling = fit_input_scaling(ds, self.data.test_ratio, self.data.seed)
        try:
            spec = make_spec(ds, self.hidden, features, loss, scaling)
        except SpecError:
            spec = make_spec(ds, self.hidden, features, None, scaling)
        return spec.replace(output_init=self.output_init)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SESSION_VERSION,
            "data": self.data.to_dict(),
            "features": list(self.features),
            "hidden": [h.to_dict() for h in self.hidden],
            "loss": self.loss,
            "config": self.config.to_dict(),
            "output_init": self.output_init,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Session:
        """Read a remembered session; SpecError (or DatasetError) when it does not make sense."""
        if not isinstance(d, dict) or not isinstance(d.get("version"), int):
            raise SpecError("A remembered session must be a JSON object with a version")
        d = SESSION.upgrade(d, "The remembered session")
        hidden = d.get("hidden", [])
        if not isinstance(hidden, list):
            raise SpecError("`hidden` must be a list of layers")
        loss = d.get("loss")
        output_init = d.get("output_init", "xavier_uniform")
        if output_init not in INITIALIZERS:
            raise SpecError(f"Could not interpret output initializer {output_init!r}")
        return cls(
            data=DataChoice.from_dict(d.get("data", {})),
            features=tuple(d.get("features", ("x1", "x2"))),
            hidden=tuple(LayerSpec.from_dict(h) for h in hidden),
            loss=loss if isinstance(loss, str) else None,
            config=TrainConfig.from_dict(d.get("config", {})),
            output_init=output_init,
        )


def allowed_features(input_dim: int) -> tuple[str, ...]:
    if input_dim == 2:
        return FEATURES
    if input_dim == 1:
        return FEATURES_1D
    return default_features(input_dim)


def fitting_features(features: tuple[str, ...], input_dim: int) -> tuple[str, ...]:
    """`features` restricted to those valid for `input_dim`; the raw inputs if none is left."""
    allowed = set(allowed_features(input_dim))  # a set: a CSV may have 10,000 columns
    kept = tuple(f for f in features if f in allowed)
    return kept or default_features(input_dim)


def epochs_from_gui(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise SpecError(
            f"Received an invalid value for `epochs`, expected an integer >= 0. Received: {value!r}"
        )
    return UNLIMITED_EPOCHS if value == GUI_EPOCHS else int(value)


def epochs_to_gui(epochs: int) -> int:
    return GUI_EPOCHS if epochs >= UNLIMITED_EPOCHS else int(epochs)
