"""Per-epoch progress of headless training, on stderr.

On a terminal one line redrawn with carriage returns; in a log or a pipe a plain
line about every 10% of the epochs, so logs stay short and readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """Call `update(epoch, loss)` after each epoch and `close()` at the end."""

    def __init__(self, total: int, stream: TextIO | None = None, *, tty: bool | None = None):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.every = max(1, round(total / 10))
        self._start = time.perf_counter()
        self._drawn = False

    def update(self, done: int, loss: float | None = None, test_loss: float | None = None) -> None:
        """`done` epochs of `total` finished; `loss` / `test_loss` describe the newest weights."""
        if self.total <= 0:
            return
        text = f"epoch {done}/{self.total}"
        if loss is not None:
            text += f"  loss {loss:.4g}"
        if test_loss is not None:
            text += f"  test loss {test_loss:.4g}"
        if self.tty:
            filled = round(BAR_WIDTH * min(done, self.total) / self.total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            elapsed = time.perf_counter() - self._start
            self.stream.write(f"\r[{bar}] {text}  {elapsed:.1f}s\x1b[K")
            self._drawn = True
        elif done % self.every == 0 or done == self.total:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line so what follows starts on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
