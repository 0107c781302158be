"""The `--param NAME=SPEC` grammar of DESIGN.md "Hyper-parameter search".

SPEC: `a,b,c` (choices; layer layouts are separated by `|`), `log:LO:HI`,
`lin:LO:HI`, `int:LO:HI`. A name is a training setting of engine/settings.py or
`layers`; every value and bound is checked by the setting's own record, so a bad
range is refused before a trial runs, with a message naming the parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import SpecError
from engine.settings import BY_NAME
from playground.document import training_data
from playground.document.errors import InputError

# DESIGN.md's names; those not (yet) in the settings table are refused by name.
DESIGN_NAMES = (
    "lr", "batch_size", "optimizer", "layers", "l1", "l2", "dropout", "momentum", "epochs",
    "schedule", "dtype", "seed",
)  # fmt: skip
RANGE_KINDS = ("log", "lin", "int")


@dataclass(frozen=True)
class Param:
    """One swept parameter: a list of `choices`, or a range `kind` from `low` to `high`."""

    name: str
    choices: tuple[Any, ...] = ()
    kind: str = ""  # "log" or "lin" for a range
    low: float = 0.0
    high: float = 0.0
    integer: bool = False  # a range of whole numbers (int:LO:HI, or an integer setting)

    @property
    def is_range(self) -> bool:
        return bool(self.kind)

    def grid(self, points: int | None) -> tuple[Any, ...]:
        """The values a grid search tries: the choices, or `points` values over the range."""
        if not self.is_range:
            return self.choices
        if points is None:
            raise InputError(
                f"--param {self.name}: a range needs --grid-points K with --strategy grid"
            )
        if self.kind == "log":
            values = np.geomspace(self.low, self.high, points)
        else:
            values = np.linspace(self.low, self.high, points)
        if self.integer:
            return tuple(dict.fromkeys(int(np.rint(v)) for v in values))
        return tuple(float(f"{v:.6g}") for v in values)

    def distribution(self):
        """The Optuna distribution random and TPE sampling draw from."""
        import optuna.distributions as d

        if not self.is_range:
            return d.CategoricalDistribution(self.choices)
        if self.integer:
            return d.IntDistribution(int(self.low), int(self.high), log=self.kind == "log")
        return d.FloatDistribution(self.low, self.high, log=self.kind == "log")


def sweepable() -> tuple[str, ...]:
    """The parameter names this build accepts: DESIGN's names that exist here."""
    return tuple(n for n in DESIGN_NAMES if n == "layers" or n in BY_NAME)


def parse_param(text: str) -> Param:
    """`lr=log:1e-4:1` -> Param; InputError naming the parameter otherwise."""
    name, sep, spec = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not spec.strip():
        raise InputError(f"--param {text!r}: expected NAME=SPEC, for example lr=log:1e-4:1")
    if name not in sweepable():
        missing = name in DESIGN_NAMES
        why = "is not a training setting of this version" if missing else "is not a parameter"
        raise InputError(f"--param {name}: {why}; expected one of {', '.join(sweepable())}")
    kind, _, rest = spec.partition(":")
    if kind in RANGE_KINDS:
        return _range(name, kind, rest)
    return Param(name, choices=_choices(name, spec))


def _range(name: str, kind: str, rest: str) -> Param:
    parts = rest.split(":")
    if name == "layers" or BY_NAME[name].choices or BY_NAME[name].kind is bool:
        raise InputError(f"--param {name}: takes choices (a,b,c), not a {kind}: range")
    if len(parts) != 2:
        raise InputError(f"--param {name}: expected {kind}:LO:HI; received {kind}:{rest}")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise InputError(
            f"--param {name}: expected numbers in {kind}:LO:HI; received {rest}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise InputError(f"--param {name}: expected LO < HI; received {rest}")
    if kind == "log" and low <= 0:
        raise InputError(f"--param {name}: a log range needs LO > 0; received {rest}")
    integer = kind == "int" or BY_NAME[name].kind is int
    if integer and not (low.is_integer() and high.is_integer()):
        raise InputError(f"--param {name}: expected whole numbers LO:HI; received {rest}")
    for bound in (low, high):
        _check(name, int(bound) if integer else bound)
    return Param(name, kind="log" if kind == "log" else "lin", low=low, high=high, integer=integer)


def _choices(name: str, spec: str) -> tuple[Any, ...]:
    sep = "|" if name == "layers" else ","
    texts = [t.strip() for t in spec.split(sep)]
    if any(not t and name != "layers" for t in texts):
        raise InputError(f"--param {name}: an empty choice in {spec!r}")
    values = tuple(_value(name, t) for t in texts)
    if len(set(values)) != len(values):
        raise InputError(f"--param {name}: a choice is repeated in {spec!r}")
    return values


def _value(name: str, text: str) -> Any:
    """One choice as its setting's type, checked by the setting's record."""
    if name == "layers":
        try:
            return training_data.format_layers(training_data.parse_layers(text))
        except SpecError as exc:
            raise InputError(f"--param layers: {exc}") from None
    setting = BY_NAME[name]
    if setting.choices:
        return _check(name, text)
    if setting.kind is bool:
        if text.lower() not in ("true", "false", "on", "off"):
            raise InputError(f"--param {name}: expected true or false; received {text!r}")
        return text.lower() in ("true", "on")
    try:
        value = setting.kind(text)
    except ValueError:
        what = "an integer" if setting.kind is int else "a number"
        raise InputError(f"--param {name}: expected {what}; received {text!r}") from None
    return _check(name, value)


def _check(name: str, value: Any) -> Any:
    try:
        return BY_NAME[name].check(value)
    except SpecError as exc:
        raise InputError(f"--param {name}: {exc}") from None


def check_unique(params: list[Param]) -> None:
    names = [p.name for p in params]
    for n in names:
        if names.count(n) > 1:
            raise InputError(f"--param {n} is given twice; give each parameter once")
