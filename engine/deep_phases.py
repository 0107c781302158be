"""The backprop inspector's view of batch norm and residual connections, for one unit.

Recomputed with plain NumPy from an `InspectedStep` (the values the step saw) and
its network spec, then checked against what backprop itself computed: the batch
norm's dL/dz must equal the step's delta. Qt-free.

Batch norm of unit j (batch statistics; running ones for a single example):
    forward   mean, var over the batch, xhat = (z - mean) / sqrt(var + eps), y = gamma xhat + beta
    backward  dy = dL/dh * f'(y); dgamma = sum dy xhat; dbeta = sum dy;
              dz = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat mean(dy xhat))
Residual layer k, input unit i: the gradient reaching its input takes two paths,
    dL/dx_i = (delta_k @ W_k)_i  (through the layer)  +  dL/da_k,i  (the shortcut; P.T for
    a projected one), which is what the layer before receives (times its dropout mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATIONS
from engine.errors import SpecError
from engine.layers.batch_norm import EPS
from engine.network import Network


@dataclass(frozen=True)
class BatchNormView:
    layer: int
    unit: int
    batch_stats: bool  # False: a single example, normalised by the running statistics
    mean: float
    var: float
    gamma: float
    beta: float
    z: np.ndarray  # (n,) per example
    xhat: np.ndarray
    y: np.ndarray
    dy: np.ndarray  # dL/dy
    dgamma: float
    dbeta: float
    dz: np.ndarray  # recomputed dL/dz
    delta: np.ndarray  # dL/dz as backprop computed it


@dataclass(frozen=True)
class ResidualView:
    layer: int
    unit: int  # the input unit
    projected: bool
    through_layer: np.ndarray  # (n,) (delta_k @ W_k)[:, unit]
    through_shortcut: np.ndarray  # (n,) dL/da_k (or its projection)[:, unit]
    total: np.ndarray  # (n,) their sum: dL/dx


def _old_network(step, spec) -> Network:
    net = Network(spec, 0)
    if step.old_params is None or step.old_params.size != net.flat.size:
        raise SpecError("The network changed since this step; inspect a new one")
    net.flat[...] = step.old_params
    return net


def output_gradients(step, net: Network) -> dict[int, np.ndarray]:
    """dL/da of each hidden layer's output (before its dropout), layer by layer down."""
    g_out: dict[int, np.ndarray] = {}
    for k in range(net.n_layers - 1, 0, -1):
        layer = net.layers[k]
        g_in = step.deltas[k] @ step.old_W[k]
        shortcut = getattr(layer, "shortcut", None)
        if shortcut is not None:
            p = layer.params.get("shortcut.weight")
            g_in = g_in + (g_out[k] if p is None else g_out[k] @ p)
        mask = step.masks[k - 1] if k - 1 < len(step.masks) else None
        g_out[k - 1] = g_in if mask is None else g_in * mask
    return g_out


def batch_norm_view(step, spec, layer: int, unit: int) -> BatchNormView:
    """Batch norm's forward and backward for unit `unit` of hidden layer `layer`."""
    if not 0 <= layer < len(spec.hidden) or not spec.hidden[layer].batch_norm:
        raise SpecError(f"Layer {layer + 1} has no batch normalisation")
    net = _old_network(step, spec)
    params = net.layers[layer].params
    gamma, beta = float(params["bn.weight"][unit]), float(params["bn.bias"][unit])
    z = np.array(step.z[layer][:, unit])
    batch_stats = z.size > 1
    if batch_stats:
        mean, var = float(z.mean()), float(((z - z.mean()) ** 2).mean())
    else:
        mean = float(params["bn.running_mean"][unit])
        var = float(params["bn.running_var"][unit])
    inv = 1.0 / np.sqrt(var + EPS)
    xhat = (z - mean) * inv
    y = gamma * xhat + beta
    act = ACTIVATIONS.get(spec.hidden[layer].activation)
    h = act.forward(y.copy(), np.empty_like(y))
    dh = output_gradients(step, net)[layer][:, unit]
    dy = dh * act.derivative(y, h, np.empty_like(y), np.empty_like(y))
    dgamma, dbeta = float(np.sum(dy * xhat)), float(np.sum(dy))
    if batch_stats:
        dz = gamma * inv * (dy - dy.mean() - xhat * np.mean(dy * xhat))
    else:
        dz = gamma * inv * dy
    delta = np.array(step.deltas[layer][:, unit])
    return BatchNormView(layer, unit, batch_stats, mean, var, gamma, beta, z, xhat, y, dy,
                         dgamma, dbeta, dz, delta)  # fmt: skip


def residual_view(step, spec, layer: int, unit: int) -> ResidualView:
    """The two paths of the gradient reaching input unit `unit` of residual layer `layer`."""
    if not 0 <= layer < len(spec.hidden) or not spec.hidden[layer].residual:
        raise SpecError(f"Layer {layer + 1} has no residual connection")
    net = _old_network(step, spec)
    g_out = output_gradients(step, net)[layer]
    through_layer = (step.deltas[layer] @ step.old_W[layer])[:, unit]
    p = net.layers[layer].params.get("shortcut.weight")
    through_shortcut = (g_out if p is None else g_out @ p)[:, unit]
    return ResidualView(layer, unit, p is not None, through_layer, through_shortcut,
                        through_layer + through_shortcut)  # fmt: skip


__all__ = ["BatchNormView", "ResidualView", "batch_norm_view", "output_gradients", "residual_view"]
