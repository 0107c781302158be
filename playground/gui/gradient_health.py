"""Whether each layer's gradient is vanishing, healthy or exploding (shared by the plots).

Two rules make a layer "vanishing": an absolute one (its weight-gradient norm is
below the user's threshold) and a relative one (a hidden layer's norm is more
than RELATIVE times smaller than the output layer's). The relative rule is what
a deep sigmoid stack shows: its first layer may still be at 1e-5, well above any
sensible absolute threshold, yet learns thousands of times slower than the last.
When every layer is below the absolute threshold the loss is simply flat where
the weights are (converged, or stalled), and the sentence says so.
"""

from __future__ import annotations

import numpy as np

RELATIVE = 100.0

KINDS = ("healthy", "vanishing", "exploding")


def layer_name(k: int, n_layers: int) -> str:
    return f"layer {k + 1}" + (" (output)" if k == n_layers - 1 else "")


def classify(norms, vanishing: float, exploding: float) -> list[str]:
    """The kind of every layer's gradient, in layer order (the output layer last)."""
    norms = np.asarray(norms, float)
    out = norms[-1] if len(norms) else np.nan
    if not out <= exploding:  # an exploding output layer is no yardstick
        out = np.nan
    kinds = []
    for k, norm in enumerate(norms):
        if not np.isfinite(norm) or norm > exploding:
            kinds.append("exploding")
        elif norm < vanishing or (
            k < len(norms) - 1 and np.isfinite(out) and norm * RELATIVE < out
        ):
            kinds.append("vanishing")
        else:
            kinds.append("healthy")
    return kinds


def verdict(norms, vanishing: float, exploding: float) -> tuple[str, str]:
    """(sentence, kind) about the worst layer; kind is "exploding", "vanishing" or "healthy"."""
    norms = np.asarray(norms, float)
    n = len(norms)
    if n == 0:
        return "", "healthy"
    kinds = classify(norms, vanishing, exploding)
    if "exploding" in kinds:
        if not np.isfinite(norms).all():
            k = int(np.argmin(np.isfinite(norms)))
            return f"{layer_name(k, n)}: gradient is not finite, exploding", "exploding"
        k = int(np.argmax(norms))
        return f"{layer_name(k, n)}: gradient {norms[k]:.1e}, exploding", "exploding"
    if n > 1 and norms.max() < vanishing:
        return (
            f"every layer's gradient is below {vanishing:.0e} (largest {norms.max():.1e}): "
            "the loss is flat here (converged, or stalled)",
            "vanishing",
        )
    k = int(np.argmin(norms))
    if kinds[k] == "vanishing":
        if norms[k] < vanishing:
            return f"{layer_name(k, n)}: gradient {norms[k]:.1e}, vanishing", "vanishing"
        ratio = norms[-1] / norms[k] if norms[k] > 0 else np.inf
        return (
            f"{layer_name(k, n)}: gradient {norms[k]:.1e}, {ratio:,.0f}x smaller than the "
            "output layer's: vanishing",
            "vanishing",
        )
    return f"all layers healthy (smallest: {layer_name(k, n)}, {norms[k]:.1e})", "healthy"
