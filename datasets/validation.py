"""Checks for user-supplied parameters, with what / expected / received messages."""

from __future__ import annotations

import math
import numbers
from typing import Any

from datasets.errors import DatasetError

# The one seed range, equal to engine.settings.MAX_SEED (datasets never imports the engine;
# tests/engine/test_settings.py keeps the two equal). 2**31 - 1 fits the GUI's spin boxes.
MAX_SEED = 2**31 - 1


def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """`value` as an int in [lo, hi]; bools and non-integral numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DatasetError(
            f"Received an invalid value for `{name}`, expected an integer between {lo} and {hi}. "
            f"Received: {name}={value!r}"
        )
    value = int(value)
    if not lo <= value <= hi:
        raise DatasetError(
            f"Received an invalid value for `{name}`, expected an integer between {lo} and {hi}. "
            f"Received: {name}={value}"
        )
    return value


def check_real(name: str, value: Any, lo: float, hi: float) -> float:
    """`value` as a finite float in [lo, hi]; any real number type is accepted, bool is not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DatasetError(
            f"Received an invalid value for `{name}`, expected a number between {lo} and {hi}. "
            f"Received: {name}={value!r}"
        )
    value = float(value)
    if not (math.isfinite(value) and lo <= value <= hi):
        raise DatasetError(
            f"Received an invalid value for `{name}`, expected a finite number between {lo} and "
            f"{hi}. Received: {name}={value}"
        )
    return value


def check_seed(value: Any) -> int:
    return check_int("seed", value, 0, MAX_SEED)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise DatasetError(
            f"Received an invalid value for `{name}`, expected one of {', '.join(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value
