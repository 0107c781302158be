"""The inspector's words for batch norm and residual layers (engine/deep_phases.py's views).

Appended to a weight's chain rule when its layer has either flag: batch norm's
forward (mean, variance, xhat, y) and backward (dy, dgamma, dbeta, dz, checked
against backprop's delta) for the weight's unit, and the two paths by which the
gradient reaches the layer's input unit (through the layer, through the shortcut).
"""

from __future__ import annotations

import numpy as np

from engine.deep_phases import batch_norm_view, residual_view
from engine.errors import EngineError
from playground.gui.inspector.inspector_table import fmt

ROWS = 4  # examples written out per quantity


def _values(a: np.ndarray) -> str:
    shown = ", ".join(fmt(float(x)) for x in a[:ROWS])
    return f"[{shown}{', …' if len(a) > ROWS else ''}]"


def deep_html(step, spec, layer: int, i: int, j: int) -> str:
    """Batch norm of unit i and the residual paths into input unit j of hidden layer `layer`."""
    if spec is None or not 0 <= layer < len(spec.hidden):
        return ""
    try:
        return _deep_html(step, spec, layer, i, j)
    except EngineError as exc:  # the network changed since the step
        return str(exc)


def _deep_html(step, spec, layer: int, i: int, j: int) -> str:
    flags = spec.hidden[layer]
    parts = []
    if flags.batch_norm:
        v = batch_norm_view(step, spec, layer, i)
        stats = "this batch's" if v.batch_stats else "the running (one example)"
        worst = float(np.max(np.abs(v.dz - v.delta))) if len(v.dz) else 0.0
        parts.append(
            f"<b>Batch norm of unit {i + 1} in layer {layer + 1}</b> ({stats} statistics).<br>"
            f"Forward: mean {fmt(v.mean)}, variance {fmt(v.var)}; "
            f"x̂ = (z − mean)/√(var + ε) = {_values(v.xhat)}; "
            f"y = γ·x̂ + β with γ {fmt(v.gamma)}, β {fmt(v.beta)} = {_values(v.y)}.<br>"
            f"Backward: dL/dy = dL/dh·f′(y) = {_values(v.dy)}; "
            f"dL/dγ = Σ dL/dy·x̂ = {fmt(v.dgamma)}; dL/dβ = Σ dL/dy = {fmt(v.dbeta)}; "
            f"dL/dz = γ/√(var + ε)·(dL/dy − mean(dL/dy) − x̂·mean(dL/dy·x̂)) = {_values(v.dz)} "
            f"(backprop's δ: largest difference {worst:.1e})."
        )
    if flags.residual:
        v = residual_view(step, spec, layer, j)
        how = "through the projection P (its widths differ)" if v.projected else "unchanged"
        parts.append(
            f"<b>Two paths into input {j + 1} of layer {layer + 1}</b> (residual: a = f(…) + x). "
            f"Through the layer, (δ·W)<sub>{j + 1}</sub> = {_values(v.through_layer)}; "
            f"through the shortcut, dL/da {how} = {_values(v.through_shortcut)}; "
            f"their sum, dL/dx = {_values(v.total)}, is what the layer below receives "
            f"(batch sums: {fmt(float(v.through_layer.sum()))} + "
            f"{fmt(float(v.through_shortcut.sum()))} = {fmt(float(v.total.sum()))})."
        )
    return "<br><br>".join(parts)


__all__ = ["deep_html"]
