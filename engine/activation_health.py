"""Activation health: what each hidden layer outputs over the whole training set.

The trainer's per-step statistics see one minibatch; a unit is only truly dead
when it is silent on every training example. So the runner (engine/weight_views.py,
on its time budget) runs the training set through the current weights and keeps,
per hidden layer:

- a histogram of its outputs (every unit, every example), the activation plot's bars;
- the share of dead units: a relu-family unit (its activation's `counted` is
  "dead") whose output is <= 0 on EVERY training example: it passes no gradient,
  so no step can revive it;
- the share of saturated units: a tanh or sigmoid unit beyond SATURATION of its
  range (|a| > 0.97 for tanh; a < 0.015 or a > 0.985 for sigmoid) on MOST (more
  than half) of the examples: its derivative is nearly 0 there.

`verdict` turns these into one sentence and a kind, as gradient health does, and
a layer with at least WARN of its units dead or saturated is marked in the diagram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.snapshot import frozen_copy

SATURATION = 0.97  # fraction of the activation's range beyond which a unit is saturated
MOST = 0.5  # a unit is saturated when it is beyond SATURATION on more than this share of rows
WARN = 0.5  # a layer with at least this share of dead or saturated units gets the warning
BINS = 24
KINDS = ("healthy", "dead", "saturated")


@dataclass(frozen=True)
class LayerActivity:
    """One hidden layer's outputs over the training set."""

    units: int
    counted: str | None  # "dead", "tanh", "sigmoid" or None (nothing is counted)
    edges: np.ndarray  # (BINS + 1,) histogram bin edges
    shares: np.ndarray  # (BINS,) share of all (example, unit) outputs in each bin
    dead: int  # units dead on every training example
    saturated: int  # units saturated on most training examples

    @property
    def dead_fraction(self) -> float:
        return self.dead / self.units if self.units else 0.0

    @property
    def saturated_fraction(self) -> float:
        return self.saturated / self.units if self.units else 0.0

    @property
    def kind(self) -> str:
        """ "dead", "saturated" or "healthy": what the diagram marks this layer with."""
        if self.dead_fraction >= WARN:
            return "dead"
        if self.saturated_fraction >= WARN:
            return "saturated"
        return "healthy"


@dataclass(frozen=True)
class ActivationHealth:
    """Every hidden layer's activity at the weights of `step`."""

    step: int
    layers: tuple[LayerActivity, ...]


def dead_units(a: np.ndarray) -> int:
    """Units (columns of a (rows, units)) whose output is <= 0 on every row."""
    if a.shape[0] == 0:
        return 0
    return int(np.count_nonzero(a.max(axis=0) <= 0.0))


def saturated_units(a: np.ndarray, counted: str) -> int:
    """Units beyond SATURATION of their range on more than MOST of the rows.

    `counted` is the activation's: "tanh" (range -1..1) or "sigmoid" (0..1).
    """
    if a.shape[0] == 0:
        return 0
    centred = a if counted == "tanh" else 2.0 * a - 1.0  # both onto -1..1
    beyond = np.abs(centred) > SATURATION
    return int(np.count_nonzero(beyond.mean(axis=0) > MOST))


def layer_activity(a: np.ndarray, counted: str | None) -> LayerActivity:
    """Histogram and counts of one layer's outputs a (rows, units)."""
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if counted == "tanh":
        lo, hi = -1.0, 1.0
    elif counted == "sigmoid":
        lo, hi = 0.0, 1.0
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(finite, bins=BINS, range=(lo, hi))
    shares = counts / max(1, a.size)
    dead = dead_units(a) if counted == "dead" else 0
    saturated = saturated_units(a, counted) if counted in ("tanh", "sigmoid") else 0
    return LayerActivity(a.shape[1], counted, frozen_copy(edges), frozen_copy(shares), dead,
                         saturated)  # fmt: skip


def hidden_outputs(network, F: np.ndarray):
    """Each hidden layer's output (rows, units) for features F, one layer at a time (only
    one layer's outputs are alive at once): the layers' own pure `evaluate`, as predict
    does, without touching the training buffers."""
    a = F
    for layer in network.layers[:-1]:
        a = layer.evaluate(a, layer.params)
        yield layer, a


def measure(network, F: np.ndarray, step: int) -> ActivationHealth:
    """The activation health of `network` over the feature rows F (the training set)."""
    with np.errstate(all="ignore"):
        layers = tuple(
            layer_activity(a, layer.activation.counted) for layer, a in hidden_outputs(network, F)
        )
    return ActivationHealth(step, layers)


def verdict(health: ActivationHealth | None) -> tuple[str, str]:
    """(sentence, kind) about the worst hidden layer; kind is one of KINDS."""
    if health is None or not health.layers:
        return "no hidden layers: nothing to watch", "healthy"
    dead = max(range(len(health.layers)), key=lambda k: health.layers[k].dead_fraction)
    sat = max(range(len(health.layers)), key=lambda k: health.layers[k].saturated_fraction)
    d, s = health.layers[dead], health.layers[sat]
    if d.kind == "dead" and d.dead_fraction >= s.saturated_fraction:
        return (
            f"layer {dead + 1}: {d.dead} of {d.units} units dead ({d.dead_fraction:.0%}), "
            "silent on every training example: they no longer learn",
            "dead",
        )
    if s.kind == "saturated":
        return (
            f"layer {sat + 1}: {s.saturated} of {s.units} units saturated "
            f"({s.saturated_fraction:.0%}) on most examples: their gradients vanish",
            "saturated",
        )
    worst = d if d.dead_fraction >= s.saturated_fraction else s
    share = max(d.dead_fraction, s.saturated_fraction)
    if share == 0:
        return "all hidden units alive and unsaturated", "healthy"
    what = "dead" if worst is d else "saturated"
    k = dead if worst is d else sat
    return f"healthy (most {what}: layer {k + 1}, {share:.0%} of its units)", "healthy"


__all__ = [
    "BINS",
    "KINDS",
    "MOST",
    "SATURATION",
    "WARN",
    "ActivationHealth",
    "LayerActivity",
    "dead_units",
    "hidden_outputs",
    "layer_activity",
    "measure",
    "saturated_units",
    "verdict",
]
