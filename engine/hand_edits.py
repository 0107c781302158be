"""What a person did to a trainer's parameters by hand: values set, weights frozen. Qt-free.

A teacher sets one weight to show what it does to the boundary, or freezes it to
show that the network cannot learn without it. Both belong to the run, so they
live in the trainer (`Trainer.hand`) and in its `state_dict()` under "hand":
capture/restore, projects, the timeline's checkpoints and the training process
carry them with everything else.

Freezing excludes a parameter from training as `requires_grad=False` does in
PyTorch: its gradient is zeroed after the L1/L2 penalties and before clipping
(it counts in no norm and feeds no optimizer state, so momentum or Adam's
moments of it decay to rest), and its update is zeroed after the optimizer
computed it (AdamW's decoupled decay, a moment still decaying). A frozen
parameter therefore stays bit for bit unchanged over any number of steps.

An edit is applied to a saved state (`with_edit`): the runner is paused, its
state captured, changed here and restored, so nothing else of the run moves.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import SpecError

HAND_KEY = "hand"  # the entry of `Trainer.state_dict()`, present once anything was done
LIMIT = 1e6  # the largest magnitude a person may type: beyond it every unit saturates


def checked_value(value: Any, what: str = "weight") -> float:
    """A typed number (or text) as a float; SpecError saying what was expected otherwise."""
    received = value
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("−", "-"))
        except ValueError:
            raise SpecError(
                f"Received an invalid value for the {what}, expected a number. "
                f"Received: {received!r}"
            ) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SpecError(
            f"Received an invalid value for the {what}, expected a number. Received: {received!r}"
        )
    value = float(value)
    if not math.isfinite(value) or abs(value) > LIMIT:
        raise SpecError(
            f"Received an invalid value for the {what}, expected a finite number between "
            f"{-LIMIT:,.0f} and {LIMIT:,.0f}. Received: {received!r}"
        )
    return value


@dataclass(frozen=True)
class HandEdit:
    """One edit: at `step`, `tensor[index]` went from `old` to `new`, frozen or not after."""

    step: int
    tensor: str  # "layers.0.weight"
    index: tuple[int, ...]
    old: float
    new: float
    was_frozen: bool = False
    frozen: bool = False

    @property
    def name(self) -> str:
        """The tensor element as a file names it: "layers.0.weight[1, 0]"."""
        return f"{self.tensor}[{', '.join(map(str, self.index))}]"

    def text(self) -> str:
        """What the curves' marker says: "layers.0.weight[1, 0] 0.31 → 1.5, frozen"."""
        parts = [self.name]
        if self.new != self.old:
            parts.append(f"{self.old:.3g} → {self.new:.3g}")
        if self.frozen != self.was_frozen:
            parts.append("frozen" if self.frozen else "unfrozen")
        return " ".join(parts[:2]) + "".join(f", {p}" for p in parts[2:])

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "tensor": self.tensor,
            "index": list(self.index),
            "old": self.old,
            "new": self.new,
            "was_frozen": self.was_frozen,
            "frozen": self.frozen,
        }

    @classmethod
    def from_dict(cls, d: Any) -> HandEdit:
        keys = ("step", "tensor", "index", "old", "new", "was_frozen", "frozen")
        if not isinstance(d, dict) or set(d) != set(keys):
            raise SpecError(f"A hand edit must be an object with the entries {list(keys)}")
        try:
            edit = cls(
                int(d["step"]),
                str(d["tensor"]),
                tuple(int(i) for i in d["index"]),
                checked_value(d["old"]),
                checked_value(d["new"]),
                bool(d["was_frozen"]),
                bool(d["frozen"]),
            )
        except (TypeError, ValueError, SpecError) as exc:
            raise SpecError(f"A hand edit cannot be read: {exc}") from None
        return edit


class HandEdits:
    """A trainer's frozen parameters (flat indices, or None) and the log of edits."""

    def __init__(self) -> None:
        self.frozen: np.ndarray | None = None  # sorted flat indices; None: nothing frozen
        self.log: tuple[HandEdit, ...] = ()

    def hold(self, values: np.ndarray) -> None:
        """Zero the frozen entries of a gradient or an update (in place)."""
        if self.frozen is not None:
            values[self.frozen] = 0.0

    def set_frozen(self, indices) -> None:
        idx = np.unique(np.asarray(list(indices), dtype=np.intp))
        self.frozen = idx if idx.size else None

    def state(self) -> dict[str, Any]:
        """The "hand" entry of a state dict: plain lists (JSON as it is)."""
        frozen = [] if self.frozen is None else self.frozen.tolist()
        return {"frozen": frozen, "edits": [e.to_dict() for e in self.log]}

    def load(self, d: Any, size: int) -> None:
        """Take a "hand" entry (None: nothing done by hand), checked before anything changes."""
        frozen, log = checked_hand(d, size)
        self.set_frozen(frozen)
        self.log = log


def checked_hand(d: Any, size: int) -> tuple[list[int], tuple[HandEdit, ...]]:
    """(frozen flat indices, edits) of a saved "hand" entry; SpecError naming the problem."""
    if d is None:
        return [], ()
    if not isinstance(d, dict) or set(d) != {"frozen", "edits"}:
        raise SpecError("Trainer state `hand` must be an object with `frozen` and `edits`")
    frozen = d["frozen"]
    if not isinstance(frozen, list | tuple | np.ndarray) or any(
        isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i < size
        for i in frozen
    ):
        raise SpecError(
            f"Trainer state `hand.frozen` must list parameter indices in [0, {size}); "
            f"received {frozen!r}"
        )
    if not isinstance(d["edits"], list | tuple):
        raise SpecError("Trainer state `hand.edits` must be a list")
    return [int(i) for i in frozen], tuple(HandEdit.from_dict(e) for e in d["edits"])


def hand_state(hand: HandEdits) -> dict[str, Any]:
    """`{HAND_KEY: ...}` when anything was done by hand, else {} (states stay as they were)."""
    if hand.frozen is None and not hand.log:
        return {}
    return {HAND_KEY: hand.state()}


def flat_index(network, tensor: str, index: tuple[int, ...]) -> int:
    """Where `tensor[index]` sits in `network.flat`; SpecError naming what does not exist."""
    names = list(network.tensor_names)
    if tensor not in names:
        raise SpecError(f"This network has no tensor {tensor}; it has {', '.join(names)}")
    t = names.index(tensor)
    shape = network.tensor_shapes[t]
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape, strict=True)):
        raise SpecError(f"{tensor} has shape {shape}; there is no element {list(index)}")
    return int(network.offsets[t] + np.ravel_multi_index(index, shape))


def with_edit(trainer_state: dict[str, Any], network, edit: HandEdit, undo: bool = False):
    """A copy of a `Trainer.state_dict()` with `edit` applied (or, `undo`, taken back).

    `network` is any Network of the run's spec (for where the element sits). Applied:
    the element becomes `edit.new`, frozen as `edit.frozen`, and the edit is logged
    (replacing the last entry when that is the same element at the same step: one
    wheel turn is one edit). Undone: the element becomes `edit.old`, frozen as
    `edit.was_frozen`, and the latest log entry of that element is dropped.
    """
    at = flat_index(network, edit.tensor, edit.index)
    hand = HandEdits()
    hand.load(trainer_state.get(HAND_KEY), network.flat.size)
    tensors = dict(trainer_state["network"])
    values = np.array(tensors[edit.tensor], dtype=np.float64)
    values[edit.index] = edit.old if undo else edit.new
    tensors[edit.tensor] = values
    frozen = set() if hand.frozen is None else set(hand.frozen.tolist())
    if edit.was_frozen if undo else edit.frozen:
        frozen.add(at)
    else:
        frozen.discard(at)
    hand.set_frozen(frozen)
    log = list(hand.log)
    same = [i for i, e in enumerate(log) if (e.tensor, e.index) == (edit.tensor, edit.index)]
    if undo:
        if same:
            del log[same[-1]]
    elif same and same[-1] == len(log) - 1 and log[-1].step == edit.step:
        first = log[-1]
        log[-1] = HandEdit(
            edit.step, edit.tensor, edit.index, first.old, edit.new, first.was_frozen, edit.frozen
        )
    else:
        log.append(edit)
    hand.log = tuple(log)
    out = {k: v for k, v in trainer_state.items() if k != HAND_KEY}
    out["network"] = tensors
    out.update(hand_state(hand))
    return out


def is_frozen(trainer_state: dict[str, Any], network, tensor: str, index) -> bool:
    """Whether `tensor[index]` is frozen in a saved trainer state."""
    frozen, _log = checked_hand(trainer_state.get(HAND_KEY), network.flat.size)
    return flat_index(network, tensor, tuple(index)) in frozen


__all__ = [
    "HAND_KEY",
    "LIMIT",
    "HandEdit",
    "HandEdits",
    "checked_hand",
    "checked_value",
    "flat_index",
    "hand_state",
    "is_frozen",
    "with_edit",
]
