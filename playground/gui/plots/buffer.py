"""A growing, bounded column buffer for live curves.

Appending doubles the storage when full (amortised O(1), as in pyqtgraph's
scrollingPlots example); past `max_rows` it keeps every other row, so a run of
hours stays cheap to draw while its whole length remains visible.
"""

from __future__ import annotations

import numpy as np


class GrowingBuffer:
    """Rows of `columns` float64 values; `view()` is the filled part (no copy)."""

    def __init__(self, columns: int, capacity: int = 1024, max_rows: int = 100_000):
        if columns < 1 or capacity < 2 or max_rows < 2:
            raise ValueError(
                f"GrowingBuffer needs columns >= 1, capacity >= 2 and max_rows >= 2; "
                f"received {columns}, {capacity}, {max_rows}"
            )
        self.columns = columns
        self.max_rows = max_rows
        self._data = np.empty((capacity, columns))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def clear(self, columns: int | None = None) -> None:
        if columns is not None and columns != self.columns:
            self.columns = columns
            self._data = np.empty((self._data.shape[0], columns))
        self._n = 0

    def append(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.columns)
        m = len(rows)
        if m == 0:
            return
        need = self._n + m
        if need > len(self._data):
            size = len(self._data)
            while size < need:
                size *= 2
            grown = np.empty((size, self.columns))
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : need] = rows
        self._n = need
        while self._n > self.max_rows:
            kept = self._data[1 : self._n : 2]  # keep the later row of each pair
            k = len(kept)
            self._data[:k] = kept.copy()
            if self._n % 2:  # the newest row stays
                self._data[k] = self._data[self._n - 1]
                k += 1
            self._n = k

    def view(self) -> np.ndarray:
        return self._data[: self._n]

    def column(self, j: int) -> np.ndarray:
        return self._data[: self._n, j]
