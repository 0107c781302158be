"""The architecture edits of the layer editor, as pure functions that refuse invalid results.

Each edit takes the current hidden layers (a tuple of LayerSpec) and returns the
new tuple, or raises `EditRefused` with a sentence saying what rule the edit
would break. Nothing here clamps or corrects: the editor shows the message and
leaves the network as it was. Bounds come from engine/spec.py.
"""

from __future__ import annotations

from engine.errors import SpecError
from engine.spec import MAX_HIDDEN_LAYERS, MAX_UNITS, LayerSpec

Hidden = tuple[LayerSpec, ...]
DEFAULT_UNITS = 4
DEFAULT_DROPOUT = 0.2
BOUNDS_TEXT = f"Up to {MAX_HIDDEN_LAYERS} hidden layers of 1 to {MAX_UNITS} units each"


class EditRefused(ValueError):
    """An edit that would make an invalid network; the message names the rule."""


def _check_index(hidden: Hidden, i: int) -> None:
    if not 0 <= i < len(hidden):
        raise EditRefused(f"There is no hidden layer {i + 1}; the network has {len(hidden)}")


def insert(hidden: Hidden, gap: int, layer: LayerSpec) -> Hidden:
    """`layer` placed at gap `gap` (0: right after the inputs, len: right before the output)."""
    if len(hidden) >= MAX_HIDDEN_LAYERS:
        raise EditRefused(
            f"The network already has {len(hidden)} hidden layers, the most allowed "
            f"({MAX_HIDDEN_LAYERS}); remove one first"
        )
    if not 0 <= gap <= len(hidden):
        raise EditRefused(f"Cannot insert at position {gap}: expected 0 to {len(hidden)}")
    return (*hidden[:gap], layer, *hidden[gap:])


def move(hidden: Hidden, i: int, gap: int) -> Hidden:
    """Layer i moved to gap `gap` (counted before the move); the same tuple when it stays."""
    _check_index(hidden, i)
    if not 0 <= gap <= len(hidden):
        raise EditRefused(f"Cannot move to position {gap}: expected 0 to {len(hidden)}")
    layers = list(hidden)
    layer = layers.pop(i)
    layers.insert(gap if gap <= i else gap - 1, layer)
    return tuple(layers)


def remove(hidden: Hidden, i: int) -> Hidden:
    _check_index(hidden, i)
    return hidden[:i] + hidden[i + 1 :]


def change(hidden: Hidden, i: int, **changes) -> Hidden:
    """Layer i with new fields (units, activation, init, dropout), validated by LayerSpec."""
    _check_index(hidden, i)
    old = hidden[i]
    fields = old.to_dict()  # its kind and flags (batch_norm, residual) carry over
    fields.update(changes)
    units = fields["units"]
    if isinstance(units, int) and not isinstance(units, bool) and not 1 <= units <= MAX_UNITS:
        raise EditRefused(
            f"Layer {i + 1} cannot have {units} units: a layer has 1 to {MAX_UNITS} units"
        )
    try:
        new = LayerSpec(**fields)
    except SpecError as exc:
        raise EditRefused(f"Layer {i + 1}: {exc}") from None
    return (*hidden[:i], new, *hidden[i + 1 :])


def add_units(hidden: Hidden, i: int, delta: int) -> Hidden:
    _check_index(hidden, i)
    units = hidden[i].units + delta
    if units < 1:
        raise EditRefused(
            f"Layer {i + 1} has 1 unit, the fewest a layer can have; remove the layer instead"
        )
    if units > MAX_UNITS:
        raise EditRefused(
            f"Layer {i + 1} has {hidden[i].units} units, the most a layer can have ({MAX_UNITS})"
        )
    return change(hidden, i, units=units)


def add_dropout(hidden: Hidden, gap: int, rate: float = DEFAULT_DROPOUT) -> Hidden:
    """Dropout after the hidden layer before gap `gap` (it drops that layer's outputs)."""
    if gap == 0 or not hidden:
        raise EditRefused(
            "Dropout drops a hidden layer's outputs: drop it after (or onto) a hidden layer"
        )
    i = min(gap, len(hidden)) - 1
    if hidden[i].dropout:
        raise EditRefused(
            f"Layer {i + 1} already has dropout {hidden[i].dropout:g}; change its rate in the "
            "layer's properties"
        )
    return change(hidden, i, dropout=rate)


def toggle_feature(features: tuple[str, ...], allowed: tuple[str, ...], name: str, on: bool):
    """The selected features with `name` switched on or off, in the order of `allowed`."""
    if name not in allowed:
        raise EditRefused(f"Feature {name!r} does not exist for this data: expected {allowed}")
    chosen = (set(features) | {name}) if on else (set(features) - {name})
    if not chosen:
        raise EditRefused("At least one input feature must stay on: the network needs an input")
    return tuple(f for f in allowed if f in chosen)
