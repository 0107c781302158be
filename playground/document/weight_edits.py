"""Which weight or bias a person clicked, and a run's state with it set or frozen. Qt-free.

The diagram and the inspector name a parameter by dense layer `k` (counted from
0, as the file's `layers.{k}` is), kind and position: a weight W[i, j] feeds unit
i of layer k+1 from unit j of the column before; a bias b[i] is unit i's. The
edit itself is engine/hand_edits.py's, applied to the runner's captured
`ResumeState` so that restoring it changes that one number and nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.hand_edits import HAND_KEY, HandEdit, checked_hand, flat_index, with_edit
from engine.network import Network
from engine.spec import NetworkSpec
from engine.trainer_state import ResumeState


@dataclass(frozen=True)
class Target:
    """One parameter of a dense layer: ("weight", (i, j)) or ("bias", (i,))."""

    layer: int  # dense layer, from 0 (the file's layers.{k})
    kind: str  # "weight" or "bias"
    index: tuple[int, ...]

    @classmethod
    def of(cls, tensor: str, index: tuple[int, ...]) -> Target:
        """The Target of a file's name: ("layers.1.bias", (2,)) -> layer 1, bias, (2,)."""
        _, layer, kind = tensor.split(".")
        return cls(int(layer), kind, tuple(index))

    @property
    def tensor(self) -> str:
        return f"layers.{self.layer}.{self.kind}"

    @property
    def name(self) -> str:
        """As a file names it: "layers.0.weight[1, 0]"."""
        return f"{self.tensor}[{', '.join(map(str, self.index))}]"

    @property
    def short(self) -> str:
        """As the diagram counts, from 1: "W1[2, 1]" (weight), "b1[3]" (bias)."""
        letter = "W" if self.kind == "weight" else "b"
        return f"{letter}{self.layer + 1}[{', '.join(str(i + 1) for i in self.index)}]"

    def describe(self, spec: NetworkSpec) -> str:
        """For a person, counting from 1: "layer 1 weight: input x2 → layer 1 unit 2"."""
        k, last = self.layer, len(spec.hidden)
        dst = f"output unit {self.index[0] + 1}" if k == last else f"layer {k + 1} unit "
        dst += "" if k == last else str(self.index[0] + 1)
        where = "output layer" if k == last else f"layer {k + 1}"
        if self.kind == "bias":
            return f"{where} bias of {dst}"
        j = self.index[1]
        src = f"input {spec.features[j]}" if k == 0 else f"layer {k} unit {j + 1}"
        return f"{where} weight: {src} → {dst}"


def targets_of(spec: NetworkSpec, flat: list[int]) -> set[Target]:
    """The dense weights and biases among the flat parameter indices `flat`."""
    net = Network(spec, 0)
    out = set()
    starts = list(net.offsets)
    for at in flat:
        t = max(i for i, s in enumerate(starts) if s <= at)
        name, shape = net.tensor_names[t], net.tensor_shapes[t]
        parts = name.split(".")  # a dense layer's own: not its batch norm's or shortcut's
        if len(parts) == 3 and parts[0] == "layers" and parts[2] in ("weight", "bias"):
            index = tuple(int(v) for v in np.unravel_index(at - starts[t], shape))
            out.add(Target(int(parts[1]), parts[2], index))
    return out


def frozen_targets(state: ResumeState, spec: NetworkSpec) -> set[Target]:
    """The parameters frozen in a captured run (for the diagram's marks)."""
    size = Network(spec, 0).flat.size
    frozen, _log = checked_hand(state.trainer.get(HAND_KEY), size)
    return targets_of(spec, frozen)


def edits_of(state: ResumeState, spec: NetworkSpec) -> tuple[HandEdit, ...]:
    """The run's logged hand edits, oldest first (for the curves' markers)."""
    size = Network(spec, 0).flat.size
    return checked_hand(state.trainer.get(HAND_KEY), size)[1]


def current(state: ResumeState, spec: NetworkSpec, target: Target) -> tuple[float, bool]:
    """(value, frozen) of `target` in a captured run; SpecError when the network lacks it."""
    net = Network(spec, 0)
    at = flat_index(net, target.tensor, target.index)
    frozen, _log = checked_hand(state.trainer.get(HAND_KEY), net.flat.size)
    return float(state.trainer["network"][target.tensor][target.index]), at in frozen


def edited(state: ResumeState, spec: NetworkSpec, edit: HandEdit, undo: bool = False):
    """`state` with `edit` applied (or taken back): the same run, that one parameter changed."""
    trainer = with_edit(state.trainer, Network(spec, 0), edit, undo)
    return dataclasses.replace(state, trainer=trainer)


__all__ = ["Target", "current", "edited", "edits_of", "frozen_targets", "targets_of"]
