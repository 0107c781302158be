"""Check backpropagation against numerical differentiation, per parameter tensor.

For every parameter p of the flat vector, the numerical derivative is the central
difference (L(p + eps) - L(p - eps)) / (2 eps) of the mean batch loss, in float64,
and the analytic one comes from `Network.backward`. Per parameter:

    relative error = |a - n| / max(|a| + |n|, FLOOR * max(1, |L|))

The denominator is the size of the two gradients. The numerical derivative
carries round-off of about 1e-16 |L| / eps ~ 1e-10 |L| (L the batch loss), so a
gradient that is itself tiny would divide that noise by almost nothing; the floor
(FLOOR = 1e-3, scaled by the loss when it exceeds 1) turns the check into one on
the absolute error there (1e-6 * 1e-3 = 1e-9 at the default tolerance). A correct
backprop then stays below about 3e-7 on smooth networks (measured over every
activation x initialiser x loss); a real mistake gives errors of the size of the
gradient itself, a relative error near 1, so the default tolerance of 1e-6 tells
the two apart with room on both sides.

A float32 network is checked on a float64 copy of its weights: float32's round-off
(about 1e-7 |L|) over eps would swamp the check, and the backprop code is the same.

Points within eps of a kink (relu at 0, mae at a zero residual) give a wrong
numerical derivative; that is a limitation of finite differences, not a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.network import Network

DEFAULT_EPS = 1e-6
DEFAULT_TOLERANCE = 1e-6
FLOOR = 1e-3


@dataclass(frozen=True)
class TensorCheck:
    """The result for one parameter tensor ("layers.0.weight", ...)."""

    name: str
    max_relative_error: float
    max_abs_error: float
    max_abs_grad: float  # largest |analytic gradient|, to judge the errors against

    def passed(self, tol: float = DEFAULT_TOLERANCE) -> bool:
        return self.max_relative_error <= tol


@dataclass(frozen=True)
class GradcheckResult:
    tensors: tuple[TensorCheck, ...]
    analytic: np.ndarray  # (size,) gradient from backprop, layout of Network.flat
    numerical: np.ndarray  # (size,) central differences
    eps: float
    loss: float  # the batch loss at the checked parameters

    @property
    def max_relative_error(self) -> float:
        return max(t.max_relative_error for t in self.tensors)

    def passed(self, tol: float = DEFAULT_TOLERANCE) -> bool:
        return all(t.passed(tol) for t in self.tensors)

    def worst(self) -> TensorCheck:
        return max(self.tensors, key=lambda t: t.max_relative_error)

    def summary(self, tol: float = DEFAULT_TOLERANCE) -> str:
        lines = [f"gradient check (eps={self.eps:g}, tolerance {tol:g}):"]
        for t in self.tensors:
            verdict = "ok" if t.passed(tol) else "FAILED"
            lines.append(
                f"  {t.name:18s} max relative error {t.max_relative_error:.2e}  "
                f"max abs error {t.max_abs_error:.2e}  {verdict}"
            )
        return "\n".join(lines)


def relative_errors(analytic: np.ndarray, numerical: np.ndarray, loss: float = 1.0) -> np.ndarray:
    """|a - n| / max(|a| + |n|, FLOOR * max(1, |loss|)), elementwise (see the module docstring)."""
    floor = FLOOR * max(1.0, abs(loss))
    scale = np.maximum(np.abs(analytic) + np.abs(numerical), floor)
    return np.abs(analytic - numerical) / scale


def gradcheck(
    network: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    eps: float = DEFAULT_EPS,
    dropout: tuple[float, ...] | None = None,
    rng: np.random.Generator | None = None,
) -> GradcheckResult:
    """Compare backprop with central differences on the batch (X raw inputs, y labels/targets).

    With dropout, every loss evaluation reuses the masks of the analytic pass (the
    generator's state is replayed), so the loss is a fixed function of the
    parameters. The parameters are restored exactly afterwards; flat_grad is left
    holding the analytic gradient. Costs 2 forward passes per parameter.
    """
    if not eps > 0:
        raise ValueError(f"Received eps={eps!r}, expected a positive number")
    if network.dtype != np.float64:  # always in float64 (see the module docstring)
        result = gradcheck(network.copy("float64"), X, y, eps=eps, dropout=dropout, rng=rng)
        network.flat_grad[...] = result.analytic
        return result
    F = network.features(X)
    objective = network.objective
    state = None
    if dropout is not None:
        if rng is None:
            rng = np.random.default_rng(0)
        state = rng.bit_generator.state

    def replay() -> np.random.Generator | None:
        if state is None:
            return None
        gen = np.random.Generator(type(rng.bit_generator)())
        gen.bit_generator.state = state
        return gen

    def loss() -> float:
        return objective.value(network.forward(F, dropout=dropout, rng=replay()), y)

    saved = network.flat.copy()
    try:
        logits = network.forward(F, dropout=dropout, rng=replay())
        loss_value = objective.value(logits, y)
        analytic = network.backward(objective.grad(logits, y)).copy()
        numerical = np.empty_like(analytic)
        flat = network.flat
        for i in range(flat.size):
            p = saved[i]
            hi, lo = p + eps, p - eps  # the step actually taken is hi - lo, not exactly 2 eps
            flat[i] = hi
            plus = loss()
            flat[i] = lo
            minus = loss()
            flat[i] = p
            numerical[i] = (plus - minus) / (hi - lo)
    finally:
        network.flat[...] = saved
    network.flat_grad[...] = analytic

    rel = relative_errors(analytic, numerical, loss_value)
    absolute = np.abs(analytic - numerical)
    ends = [*network.offsets[1:], network.flat.size]
    tensors = tuple(
        TensorCheck(
            name=name,
            max_relative_error=float(rel[start:end].max()),
            max_abs_error=float(absolute[start:end].max()),
            max_abs_grad=float(np.abs(analytic[start:end]).max()),
        )
        for name, start, end, trained in zip(
            network.tensor_names, network.offsets, ends, network.tensor_trainable, strict=True
        )
        if trained  # buffers have no gradient to check
    )
    return GradcheckResult(
        tensors=tensors, analytic=analytic, numerical=numerical, eps=float(eps), loss=loss_value
    )


__all__ = ["DEFAULT_TOLERANCE", "FLOOR", "GradcheckResult", "TensorCheck", "gradcheck"]
