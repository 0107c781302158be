"""NumPy functions without their `__array_function__` dispatch, for the training step's hot path.

`np.dot` first asks its arguments whether one overrides it (NEP 18), which costs
~0.2 us a call, as much as a small product itself; a tiny network's step makes a
dozen. Where every operand is a plain ndarray the answer is known, so the step
calls the implementation NumPy keeps as `__wrapped__`: the same C function, the
same numbers. Anywhere else (arrays from callers), use `np.dot` itself.
"""

from __future__ import annotations

import numpy as np

dot = getattr(np.dot, "__wrapped__", np.dot)  # np.dot where a NumPy lacks the attribute

__all__ = ["dot"]
