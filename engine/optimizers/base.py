"""The optimizer base class: state over one flat parameter vector.

The network keeps every parameter in one contiguous vector, so an optimizer is a
handful of in-place numpy calls on that vector whatever the depth. `compute`
writes the update (the delta to ADD to the parameters) into a buffer allocated
once; the trainer checks it is finite before applying it, so a diverging step
leaves the weights untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from engine.errors import SpecError

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


class Optimizer:
    """Base of every optimizer. Subclasses set `name`, `state_names` and `_step`.

    `state_names` lists the per-parameter state vectors (allocated as zeros of the
    parameter size); `step` counts the updates computed so far (Adam's `t`).
    """

    name: ClassVar[str] = ""
    state_names: ClassVar[tuple[str, ...]] = ()
    scratch_names: ClassVar[tuple[str, ...]] = ()
    default_eps: ClassVar[float | None] = None
    order: ClassVar[int] = 100  # place in menus and name lists
    decoupled_decay: ClassVar[bool] = False  # True: applies `l2` itself (the trainer adds none)
    formula: ClassVar[str] = ""  # the update rule, as the inspector shows it
    tip: ClassVar[str] = ""  # one sentence for the GUI's tooltip

    def __init__(self, config: TrainConfig, size: int, decay_mask: np.ndarray):
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
            raise SpecError(
                f"Received an invalid value for `size`, expected a non-negative integer. "
                f"Received: size={size!r}"
            )
        size = int(size)
        mask = np.asarray(decay_mask)
        if mask.shape != (size,) or mask.dtype != np.bool_:
            raise SpecError(
                f"Received an invalid `decay_mask`, expected a boolean array of shape ({size},). "
                f"Received: dtype={mask.dtype}, shape={mask.shape}"
            )
        self.size = size
        self.decay_mask = mask.copy()
        self.step = 0
        self.dtype = np.dtype(config.dtype)  # that of the network's flat vectors
        self.updates = np.zeros(size, self.dtype)
        self.state = {key: np.zeros(size, self.dtype) for key in self.state_names}
        self._scratch = {key: np.empty(size, self.dtype) for key in self.scratch_names}
        self.config = config
        self.set_config(config)

    def set_config(self, config: TrainConfig) -> None:
        """Take the learning rate and hyper-parameters of `config` for the next step.

        The state (moments, accumulators, step count) is kept, converted when the
        config's dtype differs. A config naming a different optimizer is refused:
        that needs a fresh one from `make_optimizer`.
        """
        if config.optimizer != self.name:
            raise SpecError(
                f"A {self.name!r} optimizer cannot take a config for {config.optimizer!r}; "
                f"build a new optimizer with make_optimizer"
            )
        if np.dtype(config.dtype) != self.dtype:
            self._convert(np.dtype(config.dtype))
        self.config = config
        self.lr = float(config.lr)
        self.eps = float(config.eps) if config.eps is not None else self.default_eps
        self._configure(config)

    def _configure(self, config: TrainConfig) -> None:
        """Read the optimizer's own hyper-parameters (momentum, betas, rho...)."""

    def _convert(self, dtype: np.dtype) -> None:
        """Every per-parameter array in `dtype` (values kept, rounded to float32 if so)."""
        self.dtype = dtype
        self.updates = self.updates.astype(dtype)
        self.state = {key: value.astype(dtype) for key, value in self.state.items()}
        self._scratch = {key: np.empty(self.size, dtype) for key in self._scratch}

    def compute(self, params_flat: np.ndarray, grads_flat: np.ndarray) -> np.ndarray:
        """Advance the state by one step and return the update to add to the params.

        The returned array is this optimizer's buffer: it is overwritten by the
        next call. `params_flat` is read (AdamW's decay) but never written.
        """
        if grads_flat.shape != self.updates.shape or params_flat.shape != self.updates.shape:
            raise SpecError(
                f"Optimizer {self.name!r} was built for {self.size} parameters; received "
                f"params of shape {params_flat.shape} and gradients of shape {grads_flat.shape}"
            )
        self.step += 1
        self._step(params_flat, grads_flat, self.updates)
        return self.updates

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        raise NotImplementedError

    def explain(self, before: dict[str, np.ndarray], w: float) -> list[tuple[str, float]]:
        """The rule's own quantities for a one-parameter optimizer after one `compute`.

        `before` holds the state vectors (length 1) before that step; `w` the weight.
        The inspector shows these after g and lr, in order.
        """
        return []

    def state_dict(self) -> dict[str, Any]:
        """Copies of the state: `step` (int) and one array (of `dtype`) per state vector."""
        d: dict[str, Any] = {"step": self.step}
        for key, value in self.state.items():
            d[key] = value.copy()
        return d

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore a `state_dict`; refuses missing, extra or wrongly sized entries."""
        if not isinstance(d, dict):
            raise SpecError(
                f"Optimizer {self.name!r} state must be a dict; received {type(d).__name__}"
            )
        expected = {"step", *self.state_names}
        if set(d) != expected:
            raise SpecError(
                f"Optimizer {self.name!r} state has entries {sorted(d)}, "
                f"expected {sorted(expected)}"
            )
        step = np.asarray(d["step"])
        if step.shape != () or step.dtype.kind not in "iu" or int(step) < 0:
            raise SpecError(
                f"Optimizer {self.name!r} state entry 'step' must be a non-negative integer; "
                f"received {d['step']!r}"
            )
        arrays = {}
        for key in self.state_names:
            try:
                value = np.asarray(d[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise SpecError(
                    f"Optimizer {self.name!r} state entry {key!r} is not an array of numbers"
                ) from None
            if value.shape != (self.size,):
                raise SpecError(
                    f"Optimizer {self.name!r} state entry {key!r} has shape {value.shape}, "
                    f"expected ({self.size},) to match the network's parameters"
                )
            arrays[key] = value
        for key, value in arrays.items():
            self.state[key][...] = value
        self.step = int(step)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, lr={self.lr}, step={self.step})"
