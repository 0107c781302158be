"""Per-column mean and scale for standardising inputs: (X - mean) / scale.

Shared by `load_csv(standardize=True)` and the scaler a network carries
(`playground.document.training_data.fit_input_scaling`), so both treat columns alike.
"""

from __future__ import annotations

import numpy as np


def column_scaling(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation; a constant column gets scale 1 (only centred).

    The standard deviation is taken of the centred values divided by their spread
    first, so columns that differ by 1e-170 do not underflow to a zero scale; a column
    of subnormal numbers whose deviation still rounds to zero is scaled by its spread.
    """
    X = np.asarray(X, dtype=np.float64)
    constant = X.min(axis=0) == X.max(axis=0)  # exactly: rounding must not make noise
    mean = np.where(constant, X[0], X.mean(axis=0))
    spread = np.abs(X - mean).max(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    scale = np.where(constant, 1.0, spread * ((X - mean) / spread).std(axis=0))
    return mean, np.where(scale > 0, scale, spread)
