"""Layer kinds, keyed by the name a spec records (`LayerSpec.kind`); a network is a list of them.

`build_layers(spec)` gives the layers of a spec, unallocated: enough to know their
tensors (file keys and shapes), evaluate them from given tensors (unit maps), or
describe them. `Network` allocates the flat parameter vector and binds them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.activations import ACTIVATIONS
from engine.errors import SpecError
from engine.layers.base import Layer, TensorDecl
from engine.layers.block import Block, wrap
from engine.layers.dense import Dense
from engine.registry import Registry, classes_in_package


def _discover() -> list[type[Layer]]:
    return sorted(
        classes_in_package(__name__, __path__, Layer, "kind"),
        key=lambda cls: (cls.kind != "dense", cls.kind),
    )


LAYER_KINDS: Registry[type[Layer]] = Registry("layer kind")
for _cls in _discover():  # adding a layer kind is adding its file to this package
    LAYER_KINDS.register(_cls.kind, _cls)


def build_layers(spec) -> list[Layer]:
    """The layers of a NetworkSpec in order, hidden layers then the (dense, linear) output."""
    sizes = spec.layer_sizes
    layers: list[Layer] = []
    for k, h in enumerate(spec.hidden):  # batch_norm / residual wrap the kind in a Block
        layers.append(wrap(LAYER_KINDS.get(h.kind), k, sizes[k], sizes[k + 1], h))
    k = len(spec.hidden)
    layers.append(Dense(k, sizes[k], sizes[k + 1], ACTIVATIONS.get("linear"), True))
    return layers


def expected_tensors(spec) -> dict[str, tuple[int, ...]]:
    """File key -> shape of every tensor a network of `spec` stores, in flat order."""
    out: dict[str, tuple[int, ...]] = {}
    for layer in build_layers(spec):
        out.update(layer.file_keys())
    return out


def layer_params(layer: Layer, given) -> dict[str, np.ndarray]:
    """A layer's tensors by local name, from a mapping or a (W, b) pair; shapes checked."""
    order = [t.name for t in layer.tensors()]  # a tuple holds them in declared order
    params = dict(given) if isinstance(given, Mapping) else dict(zip(order, given, strict=False))
    for t in layer.tensors():
        found = np.shape(params.get(t.name))
        if found != t.shape:
            raise SpecError(
                f"Tensor {t.name} of layer {layer.index + 1} has shape {found}, expected {t.shape}"
            )
    return params


def state_of(spec, weights) -> dict[str, np.ndarray]:
    """File key -> tensor, from per-layer tensors (as a snapshot's `weights` holds them)."""
    layers = build_layers(spec)
    if len(weights) != len(layers):
        raise SpecError(f"Received tensors for {len(weights)} layers, expected {len(layers)}")
    state = {}
    for layer, given in zip(layers, weights, strict=True):
        params = layer_params(layer, given)
        state.update({f"{layer.prefix}.{t.name}": params[t.name] for t in layer.tensors()})
    return state


__all__ = [
    "LAYER_KINDS",
    "Block",
    "Dense",
    "Layer",
    "TensorDecl",
    "build_layers",
    "expected_tensors",
    "layer_params",
    "state_of",
]
