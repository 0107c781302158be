"""One optimizer for K stacked networks: the stock update rule over a (K, P) state.

Every optimizer's `_step` is a handful of elementwise numpy calls on the flat
vectors, reading its constants (lr, momentum, betas, eps, decay...) as plain
attributes. Given (K, P) arrays instead of (P,) vectors and, for a constant the
members do not share, a (K, 1) column instead of a float, the same calls update
every member at once, in the same order, so each row gets the numbers its own
optimizer would give. A constant all members share stays a Python float (the
single-network code path, bit for bit).

A varying constant is a `PerMember` column: its truth value is "any member's is
true", so a branch such as AdamW's `if decay > 0` runs for every member, and a
member whose constant is 0 then adds an exact zero. A constant an optimizer
takes through `math` (Adam's and AdamW's `beta2`, in `math.sqrt(1 - beta2**t)`)
has to be shared: `shared_constants` names it so `groups` keeps such members
apart and the population refuses to mix them.
"""

from __future__ import annotations

import numpy as np

from engine.errors import SpecError
from engine.optimizers import Optimizer, make_optimizer

# constants an optimizer reads through `math` (a float, not an array): equal in a population
SHARED_CONSTANTS = {"adam": ("beta2",), "adamw": ("beta2",)}


class PerMember(np.ndarray):
    """A (K, 1) column of one constant per member; true when any member's value is."""

    def __bool__(self) -> bool:
        return bool(np.any(np.asarray(self)))


def column(values, dtype=np.float64) -> float | PerMember:
    """The members' values of one constant: a float when all are equal, else a column."""
    values = [float(v) for v in values]
    if all(v == values[0] for v in values):
        return values[0]
    return np.asarray(values, dtype=dtype).reshape(-1, 1).view(PerMember)


def _constants(opt: Optimizer) -> dict[str, float]:
    """The float constants a configured optimizer reads (lr, eps, mu, beta1, decay, ...)."""
    return {
        k: v
        for k, v in vars(opt).items()
        if isinstance(v, float) and not k.startswith("_") and k != "step"
    }


def shared_constants(optimizer: str) -> tuple[str, ...]:
    return SHARED_CONSTANTS.get(optimizer, ())


def stacked_optimizer(configs, size: int, decay_mask: np.ndarray, dtype=np.float64) -> Optimizer:
    """The optimizer of `configs[0]`'s kind over K = len(configs) rows of `size` parameters."""
    k = len(configs)
    alone = [make_optimizer(c, 0, np.zeros(0, bool)) for c in configs]
    opt = make_optimizer(configs[0], size, decay_mask)
    for name in shared_constants(opt.name):
        values = {getattr(o, name) for o in alone}
        if len(values) > 1:
            raise SpecError(
                f"The members' {name} differ ({', '.join(map(str, sorted(values)))}); "
                f"the {opt.name} population needs one {name} (train each value as its own group)"
            )
    for name in _constants(alone[0]):
        setattr(opt, name, column((getattr(o, name) for o in alone), dtype))
    opt.size = size
    opt.updates = np.zeros((k, size), dtype)
    opt.state = {key: np.zeros((k, size), dtype) for key in opt.state_names}
    opt._scratch = {key: np.empty((k, size), dtype) for key in opt.scratch_names}
    return opt


def set_rates(opt: Optimizer, rates) -> None:
    """Each member's learning rate (its schedule's) for the next steps."""
    opt.lr = column(rates, opt.updates.dtype)


def keep_rows(opt: Optimizer, rows: np.ndarray) -> None:
    """Only the members at `rows` go on (the others diverged or stopped)."""
    opt.updates = opt.updates[rows]
    opt.state = {key: value[rows] for key, value in opt.state.items()}
    opt._scratch = {key: value[rows] for key, value in opt._scratch.items()}
    for name, value in list(vars(opt).items()):
        if isinstance(value, PerMember):
            setattr(opt, name, column(np.asarray(value)[rows, 0], value.dtype))


def member_state(opt: Optimizer, row: int) -> dict:
    """Member `row`'s optimizer state as its own optimizer's `state_dict` gives it."""
    d = {"step": opt.step}
    d.update({key: value[row].copy() for key, value in opt.state.items()})
    return d
