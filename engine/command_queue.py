"""The runner's commands: posted from any thread, taken in order by its one worker.

Posting returns at once: the command goes into a lock-protected queue and wakes
the worker through a condition variable. The worker reads `pending` (without the
lock) between minibatches and takes the commands when it is set; with nothing to
do it waits on the condition, so it never polls. Commands queued behind a
`step(n)` wait until its n steps are done, unless one of them is a pause, a reset
or a rebuild: those cancel the remaining steps.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any


def preempts(command: tuple) -> bool:
    """Commands that cancel the rest of a running `step(n)`."""
    kind = command[0]
    rebuild = kind == "configure" and (command[1] is not None or command[2] is not None)
    return kind in ("pause", "reset") or rebuild


class CommandQueue:
    """Commands in the order they were sent, and whether the worker is to stop."""

    def __init__(self) -> None:
        self.lock = threading.Condition(threading.Lock())
        self._commands: deque[tuple] = deque()
        self.pending = False  # set under the lock; read without it between minibatches
        self.stopping = False

    def post(self, *command: Any) -> None:
        """Queue a command and wake the worker (ignored once stopping)."""
        with self.lock:
            if self.stopping:
                return
            self._commands.append(command)
            self.pending = True
            self.lock.notify_all()

    def stop(self) -> None:
        """Ask the worker to end (between minibatches and evaluation chunks)."""
        with self.lock:
            self.stopping = True
            self.pending = True
            self.lock.notify_all()

    def take(
        self, busy: bool, stepping: bool, timeout: float | None = None
    ) -> tuple[list[tuple], bool] | None:
        """(the commands to handle now, whether they cancel a running `step(n)`).

        None when stopping. An idle worker (`busy` False) waits for a command, at most
        `timeout` seconds when given (a paced run's next step); a busy one gets none
        while nothing is pending. A `stepping` worker gets commands only when one of
        them cancels its steps. The commands end at the first `step`.
        """
        if not self.pending and busy:
            return [], False
        with self.lock:
            queue = self._commands
            deadline = None if timeout is None else time.perf_counter() + timeout
            while not (queue or self.stopping or busy):
                if deadline is None:
                    self.lock.wait()
                elif not self.lock.wait(max(0.0, deadline - time.perf_counter())):
                    break
            if self.stopping:
                return None
            cancels = False
            if stepping:
                if not any(preempts(c) for c in queue):
                    return [], False
                cancels = True
            commands = []
            while queue:
                commands.append(queue.popleft())
                if commands[-1][0] == "step":
                    break
            self.pending = bool(queue)
            return commands, cancels
