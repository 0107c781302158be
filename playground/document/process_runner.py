"""The engine's Runner hosted in a child process, behind the Runner's own interface.

Why: the NumPy engine spends most of its time in Python on small arrays, so a
training thread and the GUI thread share one interpreter lock; every millisecond
the GUI spends drawing is a millisecond the trainer waits. In its own process
the trainer keeps a core to itself, and the GUI draws at full rate.

The child (`python -m playground.document.process_runner FD`, a fresh interpreter: no
fork of a process running Qt, and unlike multiprocessing's "spawn" it never
re-runs the parent's main script) runs an ordinary `engine.runner.Runner`.
Commands travel over a socket pair and return at once (they are validated here
first, with the Runner's messages); snapshots travel back and `take()` merges
those not yet taken exactly like the Runner's mailbox (history chunks
concatenated within a generation). The child ends when its socket closes, and
`stop(timeout)` waits a bounded time, then kills it. A child that ends unasked
sets `failure` (says how it ended; `poll_failure` notices it at once), after which
commands are ignored and the window starts a new one. POSIX only (`SUPPORTED`);
elsewhere the window uses the in-process Runner.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from engine.backprop_phases import InspectedStep
from engine.data import Data
from engine.pacing import checked_speed
from engine.runner_protocol import (
    check_restore,
    check_seed,
    check_training,
    checked_inspect,
    checked_recorded_step,
    checked_runner,
    checked_step_count,
    checked_timeout,
    checked_unit,
)
from engine.snapshot import Mailbox, Snapshot
from engine.spec import NetworkSpec, TrainConfig
from engine.trainer import check_compatible
from engine.trainer_state import ResumeState

log = logging.getLogger(__name__)
FORWARD_WAIT = 0.2  # seconds the child's forwarder waits for a snapshot between checks
LOST_WAIT = 0.5  # seconds to wait for the exit status of a child whose socket closed
SUPPORTED = os.name == "posix"


def child_environment() -> dict[str, str]:
    """One BLAS thread for the trainer unless the user chose otherwise.

    The matrices are tiny: a second OpenBLAS thread only adds hand-offs (a W2-size
    boundary grid took 20 ms with two threads, 3 ms with one) and competes with
    the GUI process for the same cores.
    """
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


class ProcessRunner:
    """A `TrainingRunner` (engine/runner_protocol.py) training in a child process."""

    def __init__(self, spec: NetworkSpec, config: TrainConfig, data: Data, **runner_options: Any):
        checked_runner(spec, config, data, runner_options)  # in this process, as Runner does
        ours, theirs = socket.socketpair()
        self._conn = Connection(ours.detach())
        fd = theirs.detach()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "playground.document.process_runner", str(fd)],
                pass_fds=(fd,),
                stdin=subprocess.DEVNULL,
                env=child_environment(),
            )
        finally:
            os.close(fd)
        self._conn.send((spec, config, data, runner_options))
        self._mailbox = Mailbox()
        self._latest = (spec, data)
        self._stopped = False
        self._asked = 0  # numbers inspect requests, so a late answer is never taken as the next
        self.failure: str | None = None  # set when the child ended without being asked to

    # -- commands -------------------------------------------------------------------------
    def start(self) -> None:
        self._send("start")

    def pause(self) -> None:
        self._send("pause")

    def step(self, n: int = 1) -> None:
        self._send("step", checked_step_count(n))

    def reset(self, seed: int | None = None) -> None:
        check_seed(seed)
        self._send("reset", seed)

    def configure(
        self,
        network: NetworkSpec | None = None,
        data: Data | None = None,
        training: TrainConfig | None = None,
    ) -> None:
        check_training(training)
        spec = self._latest[0] if network is None else network
        new_data = self._latest[1] if data is None else data
        check_compatible(spec, new_data)
        self._latest = (spec, new_data)
        self._send("configure", network, data, training)

    def watch_unit(self, column: int | None, unit: int = 0) -> None:
        self._send("watch_unit", *checked_unit(column, unit))

    def capture(self, timeout: float = 5.0) -> ResumeState | None:
        """The child's resumable state (see `Runner.capture`); None if it did not come in time.

        Snapshots arriving meanwhile go to the mailbox as usual.
        """
        timeout = checked_timeout(timeout)
        self._send("capture", timeout)
        return self._await("state", timeout)

    def inspect(
        self,
        row: int | None = None,
        timeout: float = 5.0,
        *,
        apply: bool = True,
        expect_step: int | None = None,
    ) -> InspectedStep | None:
        """One recorded step in the child (see `Runner.inspect`); None if not in time."""
        row, timeout, expect_step = checked_inspect(row, self._latest[1], timeout, expect_step)
        self._asked += 1
        self._send("inspect", row, timeout, bool(apply), expect_step, self._asked)
        return self._await("inspected", timeout, self._asked)

    def _await(self, kind: str, timeout: float, number: int | None = None) -> Any:
        """The child's answer tagged `kind` (and `number`), or None after `timeout` s.

        Snapshots arriving meanwhile go to the mailbox as usual.
        """
        deadline = time.monotonic() + timeout
        while not self._conn.closed and self.failure is None:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0 or not self._conn.poll(remaining):
                    return None
                message = self._conn.recv()
            except (EOFError, OSError) as exc:
                self._lost(exc)
                return None
            if isinstance(message, Snapshot):
                self._mailbox.put(message)
            elif message[0] == kind and (number is None or message[2] == number):
                return message[1]
        return None

    def restore(
        self, spec: NetworkSpec, config: TrainConfig, data: Data, state: ResumeState
    ) -> None:
        """Rebuild on `spec`, `config`, `data` and continue from `state` (see `Runner.restore`)."""
        check_restore(config, state)
        check_compatible(spec, data)
        self._latest = (spec, data)
        self._send("restore", spec, config, data, state)

    def set_speed(self, speed: float | None) -> None:
        self._send("set_speed", checked_speed(speed))

    def recorded(self, step: int, timeout: float = 1.0) -> Snapshot | None:
        """The child's snapshot of a recorded step (see `Runner.recorded`); None if not in time."""
        step, timeout = checked_recorded_step(step), checked_timeout(timeout)
        self._asked += 1
        self._send("recorded", step, timeout, self._asked)
        return self._await("recorded", timeout, self._asked)

    def continue_from(self, step: int) -> None:
        self._send("continue_from", checked_recorded_step(step))

    def take(self) -> Snapshot | None:
        """The newest snapshot not yet taken (merged with earlier untaken ones), or None."""
        self._drain()
        return self._mailbox.take()

    def stop(self, timeout: float = 1.0) -> bool:
        """End the child; True when it ended by itself within `timeout` seconds."""
        timeout = checked_timeout(timeout)
        if not self._stopped:
            self._stopped = True
            self._send("stop", float(timeout))
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            self._drain()  # the child may be blocked sending its last snapshots
            time.sleep(0.005)
        ended = not self.is_alive()
        if not ended:
            log.warning("the training process did not stop within %.1f s; ending it", timeout)
            self._process.kill()
            self._process.wait(1.0)
        self._conn.close()
        return ended

    def is_alive(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def poll_failure(self) -> str | None:
        """Why the child is gone when it ended without being asked to; None while it lives.

        Notices a dead child at once, before its closed socket is next read.
        """
        if self.failure is None and not self._stopped and not self.is_alive():
            self._lost(None)
        return self.failure

    def __enter__(self) -> ProcessRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- plumbing -------------------------------------------------------------------------
    def _send(self, *message: Any) -> None:
        if self._conn.closed or self.failure is not None:
            return
        try:
            self._conn.send(message)
        except (BrokenPipeError, EOFError, OSError) as exc:
            self._lost(exc)

    def _drain(self) -> None:
        if self._conn.closed:
            return
        try:
            while self._conn.poll():
                message = self._conn.recv()
                if isinstance(message, Snapshot):  # not a late answer to `capture`
                    self._mailbox.put(message)
        except (EOFError, OSError) as exc:
            self._lost(exc)

    def _lost(self, exc: BaseException | None) -> None:
        if not self._stopped and self.failure is None:
            self.failure = (
                f"The training process ended unexpectedly ({self._how_it_ended(exc)}). "
                "Reset to start a new one."
            )
            log.error(self.failure)

    def _how_it_ended(self, exc: BaseException | None) -> str:
        """Why the child ended (killed by SIGKILL, exit code 1), or the socket's error."""
        try:
            code = self._process.wait(LOST_WAIT)  # a closed socket: the child is exiting
        except subprocess.TimeoutExpired:
            return f"its connection broke: {str(exc or '') or 'closed'}"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


def _child_main(conn: Connection) -> None:
    """The child: a Runner, a thread forwarding its snapshots, commands from the socket."""
    from engine.runner import Runner

    spec, config, data, options = conn.recv()
    runner = Runner(spec, config, data, **options)
    done = threading.Event()
    sending = threading.Lock()  # snapshots and captured states share the socket

    def forward() -> None:
        while True:
            snap = runner.wait_snapshot(timeout=FORWARD_WAIT)
            if snap is not None:
                try:
                    with sending:
                        conn.send(snap)
                except (BrokenPipeError, OSError):
                    return
            elif done.is_set() and not runner.thread.is_alive():
                return

    forwarder = threading.Thread(target=forward, name="snapshot-forwarder", daemon=True)
    forwarder.start()
    timeout = 1.0
    try:
        while True:
            try:
                kind, *args = conn.recv()
            except (EOFError, OSError):  # the GUI has gone: stop quietly
                break
            if kind == "stop":
                timeout = args[0]
                break
            if kind == "capture":
                state = runner.capture(*args)
                with sending:
                    conn.send(("state", state))
                continue
            if kind == "recorded":
                step, wait, number = args
                snap = runner.recorded(step, wait)
                with sending:
                    conn.send(("recorded", snap, number))
                continue
            if kind == "inspect":
                row, wait, apply, expect, number = args
                inspected = runner.inspect(row, wait, apply=apply, expect_step=expect)
                with sending:
                    conn.send(("inspected", inspected, number))
                continue
            getattr(runner, kind)(*args)
    finally:
        runner.stop(timeout=timeout)
        done.set()
        forwarder.join(timeout + FORWARD_WAIT)
        conn.close()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the GUI's to handle; we follow it
    _child_main(Connection(int(sys.argv[1])))
