"""Errors the engine raises on purpose.

Each message says what was wrong, what was expected and what was received, so
the command line and the GUI can show it to a person as it is.
"""


class EngineError(Exception):
    """Base of every error the engine raises deliberately."""


class SpecError(EngineError, ValueError):
    """A network spec or training config that cannot be built or run."""


class WeightsFileError(EngineError):
    """A weights file that cannot be read or does not fit the network."""


class DivergenceError(EngineError, ArithmeticError):
    """Training diverged; the weights were left as they were before the failing step.

    Divergence is a NaN or Inf, or an exploding loss (see engine/divergence.py).
    `step` is the 1-based number of the step that failed,
    `layer` the 0-based dense layer index (None for the loss itself; the message
    counts layers from 1, as a person does), `quantity` what went wrong ("loss",
    "exploding loss", "weight gradient", "bias gradient", "weight", "bias",
    "activation"); `detail` replaces "... became NaN or Inf".
    """

    def __init__(
        self,
        step: int,
        layer: int | None,
        quantity: str,
        remedy: str | None = None,
        *,
        detail: str | None = None,
    ):
        self.step = step
        self.layer = layer
        self.quantity = quantity
        self.remedy = remedy or (
            "lower the learning rate (for example by 10x) or enable gradient clipping"
        )
        where = "the loss" if layer is None else f"layer {layer + 1} {quantity}"
        if layer is None and quantity not in ("loss", "exploding loss"):
            where = quantity
        what = detail or f"{where} became NaN or Inf"
        kept = "the weights before that step" if detail else "the last finite weights"
        super().__init__(
            f"training diverged at step {step}: {what}; {kept} were kept. Try: {self.remedy}."
        )
