"""The plain, Qt-free description of a network and of how to train it.

The GUI edits these, the engine reads them, projects and weights files store
them (`to_dict` / `from_dict`, names only). Validation happens here, where user
input enters, with what / expected / received messages.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

from engine.activations import ACTIVATIONS as ACTIVATION_REGISTRY
from engine.errors import SpecError
from engine.initializers import INITIALIZERS as INITIALIZER_REGISTRY
from engine.layers import LAYER_KINDS
from engine.losses import LOSSES as LOSS_REGISTRY
from engine.migrations import register_format
from engine.optimizers import OPTIMIZERS as OPTIMIZER_REGISTRY
from engine.schedules import make_schedule
from engine.settings import EPOCHS_UNTIL_PAUSED, MAX_SEED, SETTINGS, check_all
from engine.settings import LIMITS as SETTING_LIMITS

SPEC_VERSION = 3  # 2: each hidden layer records its `kind`; 3: `batch_norm`, `residual`
SPEC_FORMAT = register_format("network-spec", "network spec", SPEC_VERSION, SpecError)


@SPEC_FORMAT.step(1)
def _record_layer_kinds(d: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had dense layers only and no `kind`."""
    hidden = d.get("hidden")
    if isinstance(hidden, list | tuple):
        d["hidden"] = [{"kind": "dense", **h} if isinstance(h, dict) else h for h in hidden]
    return d


@SPEC_FORMAT.step(2)
def _record_layer_flags(d: dict[str, Any]) -> dict[str, Any]:
    """Version 2 had neither batch normalisation nor residual connections."""
    hidden = d.get("hidden")
    if isinstance(hidden, list | tuple):
        d["hidden"] = [
            {"batch_norm": False, "residual": False, **h} if isinstance(h, dict) else h
            for h in hidden
        ]
    return d


FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
FEATURES_1D = ("x1", "x1^2", "sin(x1)")
ACTIVATIONS = tuple(ACTIVATION_REGISTRY.names())  # one file each in engine/activations/
INITIALIZERS = tuple(INITIALIZER_REGISTRY.names())  # engine/initializers.py
LOSSES = tuple(LOSS_REGISTRY.names())  # one file each in engine/losses/
OPTIMIZERS = tuple(OPTIMIZER_REGISTRY.names())  # one file each in engine/optimizers/
TASKS = ("classification", "regression")

MAX_HIDDEN_LAYERS = 32  # a 30-layer residual network fits
MAX_UNITS = 256
LAYER_FLAGS = ("bn", "res")  # `--layers` flags: batch normalisation, residual connection

# Upper bounds of the training settings (engine/settings.py declares each setting once).
LIMITS = SETTING_LIMITS


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(
            f"Received an invalid value for `{name}`, expected an integer. "
            f"Received: {name}={value!r}"
        )
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        bound = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise SpecError(
            f"Received an invalid value for `{name}`, expected an integer {bound}. "
            f"Received: {name}={value}"
        )
    return value


def _check_real(
    name: str, value: Any, lo: float, hi: float | None = None, *, lo_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SpecError(
            f"Received an invalid value for `{name}`, expected a number. Received: {name}={value!r}"
        )
    value = float(value)
    bad = value != value or value in (float("inf"), float("-inf"))
    bad = bad or (value <= lo if lo_open else value < lo) or (hi is not None and value > hi)
    if bad:
        low = f"> {lo}" if lo_open else f">= {lo}"
        bound = low if hi is None else f"{low} and <= {hi}"
        raise SpecError(
            f"Received an invalid value for `{name}`, expected a finite number {bound}. "
            f"Received: {name}={value}"
        )
    return value


def _check_name(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value == "silu" and "swish" in allowed:
        value = "swish"
    if not isinstance(value, str) or value not in allowed:
        raise SpecError(
            f"Could not interpret {name} {value!r}: expected one of {', '.join(allowed)}"
        )
    return value


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer. `dropout=None` follows `TrainConfig.dropout`.

    `kind` names its layer kind (engine/layers/: "dense"), which owns its tensors,
    maths and exports. Two flags wrap it (engine/layers/block.py): `batch_norm`
    normalises z before the activation (PyTorch's BatchNorm1d) and `residual` adds
    the layer's input to its output, x + f(z), through a learned projection when
    the widths differ. Order: Linear -> BN -> activation -> (+ x) -> dropout.
    As text (`parse`, `--layers`): `units:activation[:flags]`, flags `bn`, `res`
    joined by `+`.
    """

    units: int
    activation: str = "tanh"
    init: str = "xavier_uniform"
    dropout: float | None = None
    kind: str = "dense"
    batch_norm: bool = False
    residual: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", _check_int("units", self.units, 1, MAX_UNITS))
        object.__setattr__(
            self, "activation", _check_name("activation", self.activation, ACTIVATIONS)
        )
        object.__setattr__(self, "init", _check_name("initializer", self.init, INITIALIZERS))
        if self.dropout is not None:
            object.__setattr__(self, "dropout", _check_real("dropout", self.dropout, 0.0, 0.95))
        object.__setattr__(
            self, "kind", _check_name("layer kind", self.kind, tuple(LAYER_KINDS.names()))
        )
        for name in ("batch_norm", "residual"):
            if not isinstance(getattr(self, name), bool):
                raise SpecError(
                    f"Received an invalid value for `{name}`, expected true or false. "
                    f"Received: {name}={getattr(self, name)!r}"
                )

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags as `--layers` writes them: ("bn",), ("res",), ("bn", "res") or ()."""
        return tuple(f for f, on in (("bn", self.batch_norm), ("res", self.residual)) if on)

    def to_text(self) -> str:
        """`units:activation[:flags]`, the form `parse` reads: "16:relu:bn+res"."""
        text = f"{self.units}:{self.activation}"
        return f"{text}:{'+'.join(self.flags)}" if self.flags else text

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LayerSpec:
        return cls(**_known(cls, d, "layer"))

    @classmethod
    def parse(cls, text: str) -> LayerSpec:
        """`"8:tanh"` -> LayerSpec(8, "tanh"); a bare `"8"` means tanh; `"8:relu:bn+res"`."""
        if not isinstance(text, str):
            raise SpecError(f"Expected a layer as text such as '8:tanh'; received {text!r}")
        units, _, rest = text.strip().partition(":")
        activation, _, flag_text = rest.partition(":")
        flags = [f.strip() for f in flag_text.split("+")] if flag_text.strip() else []
        for f in flags:
            if f not in LAYER_FLAGS:
                raise SpecError(
                    f"Could not read layer {text!r}: unknown flag {f!r}, expected "
                    f"{' or '.join(LAYER_FLAGS)} (joined by +, as in 16:relu:bn+res)"
                )
        try:
            n = int(units)
        except ValueError:
            raise SpecError(
                f"Could not read layer {text!r}: expected units:activation, for example 8:tanh"
            ) from None
        return cls(
            n, activation.strip() or "tanh", batch_norm="bn" in flags, residual="res" in flags
        )


@dataclass(frozen=True)
class InputScaling:
    """Per-column `mean` and `std` that a network subtracts and divides by before its features.

    Fitted on the training split when inputs are standardised, it travels with the
    network (weights files, projects, ONNX, scripts), so the model takes raw rows.
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self) -> None:
        for name in ("mean", "std"):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, list | tuple):
                raise SpecError(
                    f"Received an invalid value for `input_scaling.{name}`, expected a list "
                    f"of numbers. Received: {name}={values!r}"
                )
            checked = []
            for v in values:
                ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                if not ok or (name == "std" and v <= 0):
                    expected = "finite numbers > 0" if name == "std" else "finite numbers"
                    raise SpecError(
                        f"Received an invalid value in `input_scaling.{name}`, expected "
                        f"{expected}. Received: {v!r}"
                    )
                checked.append(float(v))
            object.__setattr__(self, name, tuple(checked))
        if len(self.mean) != len(self.std) or not self.mean:
            raise SpecError(
                f"`input_scaling` needs one mean and one std per input column; received "
                f"{len(self.mean)} mean(s) and {len(self.std)} std(s)"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, d: Any) -> InputScaling:
        return cls(**_known(cls, d, "input scaling"))


@dataclass(frozen=True)
class NetworkSpec:
    """A multilayer perceptron: features -> hidden layers -> output derived from the task.

    `input_dim` is the number of raw inputs (1 or 2); `features` are computed from
    them (see FEATURES), after `input_scaling` (when set) standardises them. The
    output layer is linear logits: one unit for binary classification and
    regression, `n_classes` units for K > 2 classes.
    """

    input_dim: int = 2
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[LayerSpec, ...] = (LayerSpec(8), LayerSpec(8))
    task: str = "classification"
    n_classes: int = 2
    loss: str | None = None
    output_init: str = "xavier_uniform"
    input_scaling: InputScaling | None = None

    def __post_init__(self) -> None:
        input_dim = _check_int("input_dim", self.input_dim, 1)
        object.__setattr__(self, "input_dim", input_dim)
        scaling = self.input_scaling
        if scaling is not None:
            if not isinstance(scaling, InputScaling):
                scaling = InputScaling.from_dict(scaling)
                object.__setattr__(self, "input_scaling", scaling)
            if len(scaling.mean) != input_dim:
                raise SpecError(
                    f"`input_scaling` has {len(scaling.mean)} column(s); expected one per raw "
                    f"input ({input_dim})"
                )
        task = _check_name("task", self.task, TASKS)
        object.__setattr__(self, "task", task)
        features = _sequence("features", self.features)
        if not features:
            raise SpecError("A network needs at least one input feature; received none")
        if input_dim <= 2:
            allowed = FEATURES if input_dim == 2 else FEATURES_1D
            for f in features:
                if f not in allowed:
                    raise SpecError(
                        f"Could not interpret feature {f!r} for {input_dim}-D data: "
                        f"expected one of {', '.join(allowed)}"
                    )
        else:
            raw = {f"x{i + 1}" for i in range(input_dim)}  # a set: CSVs may have 10,000 columns
            for f in features:
                if f not in raw:
                    raise SpecError(
                        f"Could not interpret feature {f!r} for {input_dim}-D data: "
                        f"expected raw inputs x1 ... x{input_dim}"
                    )
        if len(set(features)) != len(features):
            seen: set[str] = set()
            repeated = [f for f in features if f in seen or seen.add(f)]
            raise SpecError(f"Each feature may appear once; received {sorted(set(repeated))} twice")
        object.__setattr__(self, "features", features)
        hidden = tuple(
            h if isinstance(h, LayerSpec) else LayerSpec.from_dict(h)
            for h in _sequence("hidden", self.hidden)
        )
        if len(hidden) > MAX_HIDDEN_LAYERS:
            raise SpecError(
                f"Received {len(hidden)} hidden layers, expected at most {MAX_HIDDEN_LAYERS}"
            )
        object.__setattr__(self, "hidden", hidden)
        if task == "regression":
            object.__setattr__(self, "n_classes", 0)
        else:
            object.__setattr__(self, "n_classes", _check_int("n_classes", self.n_classes, 2, 10))
        loss = self.loss if self.loss is not None else self.default_loss()
        loss = _check_name("loss", loss, LOSSES)
        if task == "regression" and loss in ("bce", "ce"):
            raise SpecError(
                f"Loss {loss!r} is for classification; regression takes mse, mae or huber"
            )
        if task == "classification" and loss == "bce" and self.n_classes != 2:
            raise SpecError(f"Loss 'bce' is for 2 classes; {self.n_classes} classes take 'ce'")
        if task == "classification" and loss == "ce" and self.n_classes == 2:
            raise SpecError("Loss 'ce' is for 3 or more classes; 2 classes take 'bce'")
        object.__setattr__(self, "loss", loss)
        object.__setattr__(
            self, "output_init", _check_name("initializer", self.output_init, INITIALIZERS)
        )

    def default_loss(self) -> str:
        if self.task == "regression":
            return "mse"
        return "bce" if self.n_classes == 2 else "ce"

    @property
    def n_outputs(self) -> int:
        return self.n_classes if self.task == "classification" and self.n_classes > 2 else 1

    @property
    def layer_sizes(self) -> list[int]:
        """Widths from the feature layer to the output: [n_features, h1, ..., n_outputs]."""
        return [len(self.features), *(h.units for h in self.hidden), self.n_outputs]

    def replace(self, **changes: Any) -> NetworkSpec:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "version": SPEC_VERSION,
            "input_dim": self.input_dim,
            "features": list(self.features),
            "hidden": [h.to_dict() for h in self.hidden],
            "task": self.task,
            "n_classes": self.n_classes,
            "loss": self.loss,
            "output_init": self.output_init,
        }
        if self.input_scaling is not None:  # absent for raw inputs, as in first-wave files
            out["input_scaling"] = self.input_scaling.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkSpec:
        if not isinstance(d, dict):
            raise SpecError(f"A network spec must be a JSON object; received {type(d).__name__}")
        d = SPEC_FORMAT.upgrade({"version": SPEC_VERSION, **d}, "This network spec")
        d = {k: v for k, v in d.items() if k != "version"}
        d = _known(cls, d, "network spec")
        if "hidden" in d:
            if not isinstance(d["hidden"], list | tuple):
                raise SpecError("`hidden` must be a list of layers")
            d["hidden"] = tuple(LayerSpec.from_dict(h) for h in d["hidden"])
        return cls(**d)


def _fields_from_settings(cls: type) -> type:
    """A frozen dataclass with one field per training setting, in the table's order."""
    cls.__annotations__ = {
        s.name: f"{s.kind.__name__} | None" if s.optional else s.kind.__name__ for s in SETTINGS
    }
    for setting in SETTINGS:
        setattr(cls, setting.name, setting.default)
    return dataclass(frozen=True)(cls)


@_fields_from_settings
class TrainConfig:
    """How to train: optimizer and its settings, batches, regularisation, seed.

    One field per record of engine/settings.py (name, default, bounds, tip), in its
    order: optimizer, lr, momentum, beta1, beta2, rho, eps, batch_size, l1, l2,
    dropout, clip_norm, epochs, patience, restore_best, the learning-rate schedule
    and its settings, seed. `batch_size=0` means full batch.
    `clip_norm=0` switches gradient clipping off. `patience=0` switches early
    stopping (on test loss) off. `eps=None` takes the optimizer's own default
    (Adam 1e-8, RMSprop 1e-8, Adagrad 1e-10).
    """

    def __post_init__(self) -> None:
        """Each field checked by its record in engine/settings.py."""
        values = check_all({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        for name, value in values.items():
            object.__setattr__(self, name, value)
        make_schedule(self)  # refuses a cosine without its horizon

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def next_seed(self) -> TrainConfig:
        """The same settings with the next initialisation seed (Reset), within the range."""
        return self.replace(seed=(self.seed + 1) % (MAX_SEED + 1))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        return cls(**_known(cls, d, "training config"))


def _sequence(name: str, value: Any) -> tuple:
    """A list or tuple as a tuple; anything else (a bare string, a number) is refused."""
    if not isinstance(value, list | tuple):
        raise SpecError(
            f"Received an invalid value for `{name}`, expected a list. Received: {name}={value!r}"
        )
    return tuple(value)


def _known(cls: type, d: Any, what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise SpecError(f"{what.capitalize()} must be a JSON object; received {type(d).__name__}")
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    unknown = sorted(set(d) - names, key=str)
    if unknown:
        raise SpecError(f"Unknown {what} field(s) {unknown}; expected some of {sorted(names)}")
    none = dataclasses.MISSING
    required = [f.name for f in fields if f.default is none and f.default_factory is none]
    missing = [name for name in required if name not in d]
    if missing:
        received = sorted(d, key=str)
        raise SpecError(f"{what.capitalize()} needs the field(s) {missing}; received {received}")
    return dict(d)


__all__ = [
    "ACTIVATIONS",
    "EPOCHS_UNTIL_PAUSED",
    "FEATURES",
    "FEATURES_1D",
    "INITIALIZERS",
    "LAYER_FLAGS",
    "LIMITS",
    "LOSSES",
    "MAX_HIDDEN_LAYERS",
    "MAX_UNITS",
    "OPTIMIZERS",
    "InputScaling",
    "LayerSpec",
    "NetworkSpec",
    "TrainConfig",
]
