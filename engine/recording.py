"""A run's timeline: checkpoints of the full trainer state, dense at first, then sparser.

The runner records a checkpoint after steps chosen so that the recording stays
within a memory bound however long the run: every step at first, then with gaps
that grow with the step number (geometrically: a checkpoint at step s is followed
by the next one at least `s * spacing` steps later). When the checkpoints pass the
bound, `spacing` doubles and the checkpoints that no longer fit the wider gaps are
dropped; the first and the newest are always kept. With the default 64 MB, a
million steps of a 6x32 Adam network keep a few hundred checkpoints.

A checkpoint is `Trainer.state_dict()` (weights, optimizer state, shuffle and
dropout generators, position in the epoch): loading it continues with exactly the
numbers a run that had paused there would have produced. Qt-free; not
thread-safe (the runner's worker owns it and answers questions about it).

API (what the GUI's timeline and the animation export use):
    recording.steps()            the recorded step numbers, ascending
    recording.nearest(step)      the recorded step closest to `step` (ties: the earlier)
    recording.checkpoint(step)   the trainer state recorded at exactly `step`
    recording.weights(step)      that checkpoint's per-layer tensors (as Snapshot.weights)
    recording.record(trainer)    after a step: keep a checkpoint when one is due
    recording.truncate(step)     forget the checkpoints after `step` (continue from there)
    recording.nbytes             the memory the arrays take (shared ones counted once)
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from engine.errors import SpecError

DEFAULT_BUDGET = 64 * 2**20  # bytes
FIRST_SPACING = 1 / 64  # every step for the first 64 steps, then gaps of s/64


class Recording:
    """Checkpoints of one run (one runner generation); see the module docstring."""

    def __init__(self, budget: int = DEFAULT_BUDGET, spacing: float = FIRST_SPACING):
        if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
            raise SpecError(f"A recording's memory budget must be bytes > 0; received {budget!r}")
        self.budget = budget
        self.spacing = float(spacing)
        self._steps: list[int] = []
        self._states: list[dict[str, Any]] = []
        self._sizes: list[int] = []
        self.nbytes = 0
        self._next = 0  # the first step a new checkpoint is due at

    # -- recording ----------------------------------------------------------------------
    def due(self, step: int) -> bool:
        """Whether a checkpoint after `step` should be kept (one comparison: called every step)."""
        return step >= self._next

    def record(self, trainer: Any) -> None:
        """Keep the trainer's state when a checkpoint is due (the runner calls this each step)."""
        if trainer.step_count >= self._next:
            self.add(trainer.state_dict())

    def add(self, state: dict[str, Any]) -> None:
        """Keep `state` (a `Trainer.state_dict()`, not used elsewhere) as a checkpoint."""
        step = int(state["step"])
        if self._steps and step <= self._steps[-1]:
            self.truncate(step - 1)
        if self._states and state["perm"] is not None:
            last = self._states[-1]["perm"]  # one permutation per epoch: share it
            same = last is not None and last.shape == state["perm"].shape
            if same and np.array_equal(last, state["perm"]):
                state["perm"] = last
        size = _size(state, self._states[-1] if self._states else None)
        self._steps.append(step)
        self._states.append(state)
        self._sizes.append(size)
        self.nbytes += size
        while self.nbytes > self.budget and len(self._steps) > 2:
            self._thin()
        self._next = step + max(1, math.ceil(step * self.spacing))

    def _thin(self) -> None:
        """Double the spacing and drop the checkpoints inside the wider gaps."""
        self.spacing *= 2
        keep = [0]
        for i in range(1, len(self._steps)):
            last = self._steps[keep[-1]]
            if i == len(self._steps) - 1 or self._steps[i] - last >= max(
                1, math.ceil(last * self.spacing)
            ):
                keep.append(i)
        self._steps = [self._steps[i] for i in keep]
        self._states = [self._states[i] for i in keep]
        self._sizes = [
            _size(s, self._states[j - 1] if j else None) for j, s in enumerate(self._states)
        ]
        self.nbytes = sum(self._sizes)

    def truncate(self, step: int) -> None:
        """Forget the checkpoints after `step` (a run continued from there records anew)."""
        cut = bisect.bisect_right(self._steps, step)
        del self._steps[cut:], self._states[cut:], self._sizes[cut:]
        self.nbytes = sum(self._sizes)
        last = self._steps[-1] if self._steps else -1
        self._next = last + 1 if last >= 0 else 0

    # -- questions --------------------------------------------------------------------------
    def steps(self) -> list[int]:
        return list(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def nearest(self, step: int) -> int:
        """The recorded step closest to `step` (the earlier one on a tie)."""
        if not self._steps:
            raise SpecError("Nothing is recorded yet: train at least one step first")
        i = bisect.bisect_left(self._steps, step)
        if i == len(self._steps):
            return self._steps[-1]
        if i == 0 or self._steps[i] == step:
            return self._steps[i]
        before, after = self._steps[i - 1], self._steps[i]
        return before if step - before <= after - step else after

    def checkpoint(self, step: int) -> dict[str, Any]:
        """The trainer state recorded at exactly `step` (for `Trainer.load_state_dict`)."""
        i = bisect.bisect_left(self._steps, step)
        if i == len(self._steps) or self._steps[i] != step:
            raise SpecError(
                f"Step {step} is not recorded; the nearest recorded step is {self.nearest(step)}"
            )
        return self._states[i]

    def weights(self, step: int, network: Any) -> tuple[tuple[np.ndarray, ...], ...]:
        """The checkpoint's per-layer tensors in declared order, read through `network`'s layout.

        `network` is any Network of the run's spec; it is not changed.
        """
        tensors = self.checkpoint(step)["network"]
        return tuple(
            tuple(tensors[key] for key in _layer_keys(network, k))
            for k in range(len(network.layers))
        )


def _layer_keys(network: Any, k: int) -> list[str]:
    layer = network.layers[k]
    return [f"{layer.prefix}.{t.name}" for t in layer.tensors()]


def _size(state: dict[str, Any], previous: dict[str, Any] | None) -> int:
    """Bytes of a checkpoint's arrays, not counting a permutation shared with `previous`."""
    total = 512  # the two generators' states and the counters
    for array in state["network"].values():
        total += array.nbytes
    for value in state["optimizer"].values():
        total += getattr(value, "nbytes", 8)
    perm = state["perm"]
    if perm is not None and (previous is None or previous["perm"] is not perm):
        total += perm.nbytes
    return total
