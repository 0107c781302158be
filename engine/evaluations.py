"""The epoch evaluations a headless run keeps, in bounded memory.

`Trainer.fit` evaluates after every epoch; keeping each one (~200 bytes) grows
without end on long runs. This record thins itself the way the runner's
`engine.snapshot.History` thins its step records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.trainer import Evaluation

MAX_EVALUATIONS = 1025  # odd: halving keeps the first and the last


class EvaluationRecord:
    """The epoch-end evaluations of a run, in bounded memory.

    When `capacity` (odd) are stored, every other one is dropped, which keeps the
    first and the newest, and from then on only every `stride`-th epoch is stored
    (the stride doubles at each halving), like the runner's `History` does with its
    step records. The last epoch is always in `evaluations()`.
    """

    def __init__(self, capacity: int = MAX_EVALUATIONS):
        self.capacity = max(3, capacity | 1)
        self.stride = 1
        self._kept: list[Evaluation] = []
        self._seen = 0
        self._last: Evaluation | None = None

    def add(self, evaluation: Evaluation) -> None:
        index, self._seen, self._last = self._seen, self._seen + 1, evaluation
        if index % self.stride:
            return
        self._kept.append(evaluation)
        if len(self._kept) == self.capacity:
            del self._kept[1::2]
            self.stride *= 2

    def __len__(self) -> int:
        """The number of epochs evaluated (not the number kept)."""
        return self._seen

    def evaluations(self) -> tuple[Evaluation, ...]:
        if self._seen and (self._seen - 1) % self.stride:  # the last one was not stored
            return (*self._kept, self._last)
        return tuple(self._kept)


__all__ = ["MAX_EVALUATIONS", "EvaluationRecord"]
