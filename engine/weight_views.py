"""Every picture the GUI draws from the weights, computed on the trainer's side.

A forward pass over 20,000 points of a 12 x 256 network takes seconds: done by
the GUI at frame rate it froze the window. So the runner computes, within a
share of the wall time (`budget`), and the snapshots carry:

- `view`: the output over a grid of the domain (engine/grid.py);
- `mistakes`: which train and test rows the weights misclassify (2-D
  classification, none before the first step: nothing has been learnt yet);
- `unit_maps`: every shown unit's output over a coarse grid (1-D and 2-D inputs),
  the network diagram's neurons;
- `unit_preview`: the watched unit's output over a fine grid (2-D inputs), enlarged
  in the output plot while the pointer rests on its neuron;
- `activation_health`: every hidden layer's outputs over the training set, with its
  dead and saturated units (engine/activation_health.py).

Each is recomputed when the weights changed and either a fresh picture is asked
for (commands) or its share of the time allows (ticks): a picture that took c
seconds waits c / budget seconds before the next.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import activation_health
from engine.data import Data
from engine.grid import GridEvaluator, GridView, MistakeMarks, misclassified
from engine.snapshot import UnitMapsView, UnitPreviewView, frozen_copy
from engine.spec import NetworkSpec
from engine.unit_maps import UnitMaps

UNIT_MAP_RESOLUTION = 12  # the diagram's neurons are small heatmaps of this many points a side
UNIT_MAP_UNITS = 16  # the diagram draws at most this many units of a column
PREVIEW_RESOLUTION = 64  # a watched unit's map, enlarged in the output plot


class Budgeted:
    """One picture, the step it shows, and what it cost to make."""

    def __init__(self, budget: float):
        self.budget = budget
        self.value: Any = None
        self.step = -1
        self.cost = 0.0
        self.time = -math.inf

    def due(self, step: int, fresh: bool, now: float) -> bool:
        if self.value is None:
            return True
        return self.step != step and (fresh or now - self.time >= self.cost / self.budget)

    def run(self, step: int, compute: Callable[[], Any]) -> None:
        """Make the picture; a None result (interrupted, or nothing to show) is kept as None."""
        t0 = time.perf_counter()
        self.value = compute()
        t1 = time.perf_counter()
        self.step, self.cost, self.time = step, t1 - t0, t1

    def clear(self) -> None:
        self.value, self.step = None, -1


class WeightViews:
    """The pictures of one trainer's weights (rebuilt with the trainer)."""

    def __init__(self, trainer, spec: NetworkSpec, data: Data, *, grid_size: int, budget: float,
                 should_stop: Callable[[], bool]):  # fmt: skip
        self.trainer, self.spec, self.data = trainer, spec, data
        self.should_stop = should_stop
        self.grid = None
        if GridEvaluator.supports(spec.input_dim, spec.task):
            self.grid = GridEvaluator(data.bounds, spec.input_dim, spec.task, grid_size)
        fits = len(data.bounds) == spec.input_dim
        self.maps = None
        if UnitMaps.supports(spec.input_dim) and fits:
            self.maps = UnitMaps(data.bounds, spec.input_dim, UNIT_MAP_RESOLUTION)
        self.preview_maps = None
        if spec.input_dim == 2 and fits:
            self.preview_maps = UnitMaps(data.bounds, 2, PREVIEW_RESOLUTION)
        self.watched: tuple[int, int] | None = None
        self.view, self.mistakes, self.unit_maps, self.unit_preview, self.health = (
            Budgeted(budget) for _ in range(5)
        )

    def watch(self, unit: tuple[int, int] | None) -> None:
        """The (column, unit) to preview, None for none."""
        self.watched = unit
        self.unit_preview.clear()

    def clear(self) -> None:
        """Forget every picture (the weights changed behind the step counter's back, or failed)."""
        for b in (self.view, self.mistakes, self.unit_maps, self.unit_preview, self.health):
            b.clear()

    def refresh(self, fresh: bool) -> None:
        """Recompute the pictures that are due at the trainer's current step."""
        step = self.trainer.step_count
        now = time.perf_counter()
        if self.grid is not None and self.view.due(step, fresh, now):
            self.view.run(step, self._grid_view)
        if step == 0:
            self.mistakes.clear()  # nothing learnt yet: every point would be marked
        elif self._marks_mistakes() and self.mistakes.due(step, fresh, now):
            self.mistakes.run(step, self._mistakes)
        if self.maps is not None and self.unit_maps.due(step, fresh, now):
            self.unit_maps.run(step, self._unit_maps)
        if (
            self.watched is not None
            and self.preview_maps is not None
            and self.unit_preview.due(step, fresh, now)
        ):
            self.unit_preview.run(step, self._preview)
        if self.spec.hidden and self.health.due(step, fresh, now):
            self.health.run(step, self._health)

    def fields(self) -> dict[str, Any]:
        """The snapshot's fields for these pictures."""
        return {
            "view": self.view.value,
            "mistakes": self.mistakes.value,
            "unit_maps": self.unit_maps.value,
            "unit_preview": self.unit_preview.value,
            "activation_health": self.health.value,
        }

    # -- the pictures ------------------------------------------------------------------
    def _weights(self) -> tuple[dict[str, np.ndarray], ...]:
        """Every layer's tensors by local name (batch norm's running statistics too)."""
        return tuple(layer.params for layer in self.trainer.network.layers)

    def _grid_view(self) -> GridView | None:
        """The grid's own evaluation, in chunks: stop() interrupts it (keeping the last)."""
        view = self.grid.evaluate(self.trainer.network, self.should_stop)
        return self.view.value if view is None else view

    def _health(self) -> activation_health.ActivationHealth:
        # the trainer's own training features: the rows its evaluation scores
        trainer = self.trainer
        return activation_health.measure(trainer.network, trainer._F, trainer.step_count)

    def _marks_mistakes(self) -> bool:
        return self.grid is not None and self.grid.kind == "classification"

    def _mistakes(self) -> MistakeMarks | None:
        trainer, data, stop = self.trainer, self.data, self.should_stop
        # the trainer's own feature matrices: the rows its evaluation scores
        train = misclassified(trainer.network, trainer._F, data.y_train, stop)
        test = None
        if train is not None and trainer._F_test is not None:
            test = misclassified(trainer.network, trainer._F_test, data.y_test, stop)
            if test is None:
                return None
        return None if train is None else MistakeMarks(trainer.step_count, train, test)

    def _unit_maps(self) -> UnitMapsView:
        columns = self.maps.compute(self.spec, self._weights())
        shown = tuple(frozen_copy(c[:UNIT_MAP_UNITS], np.float32) for c in columns)
        return UnitMapsView(self.trainer.step_count, self.maps.bounds, shown)

    def _preview(self) -> UnitPreviewView | None:
        column, unit = self.watched
        sizes = self.spec.layer_sizes
        if column >= len(sizes) or unit >= sizes[column]:
            return None  # no such unit in this network
        values = self.preview_maps.compute(self.spec, self._weights(), upto=column)[column][unit]
        return UnitPreviewView(
            self.trainer.step_count,
            column,
            unit,
            self.preview_maps.bounds,
            frozen_copy(values, np.float32),
        )
