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
    """Training produced a NaN or Inf; the weights were left at their last finite values.

    `step` is the 1-based number of the step that failed, `layer` the 0-based dense
    layer index (None for the loss itself; the message counts layers from 1, as a
    person does), `quantity` what went non-finite ("loss", "weight gradient",
    "bias gradient", "weight", "bias", "activation").
    """

    def __init__(self, step: int, layer: int | None, quantity: str, remedy: str | None = None):
        self.step = step
        self.layer = layer
        self.quantity = quantity
        self.remedy = remedy or (
            "lower the learning rate (for example by 10x) or enable gradient clipping"
        )
        where = "the loss" if layer is None else f"layer {layer + 1} {quantity}"
        if layer is None and quantity != "loss":
            where = quantity
        super().__init__(
            f"training diverged at step {step}: {where} became NaN or Inf; "
            f"the last finite weights were kept. Try: {self.remedy}."
        )
