"""The Runner hosted in a child process keeps the Runner's contract."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import datasets
from engine.errors import SpecError
from playground.document.process_runner import ProcessRunner
from playground.document.session import Session
from playground.document.training_data import make_data


def wait_until(runner, predicate, timeout=20.0):
    """Take snapshots until one satisfies `predicate` (headless: no Qt loop needed)."""
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        snap = runner.take()
        if snap is not None:
            seen.append(snap)
            if predicate(snap):
                return snap, seen
        time.sleep(0.005)
    raise AssertionError(f"no snapshot matched within {timeout} s; saw {[s.reason for s in seen]}")


@pytest.fixture
def setup():
    session = Session()
    ds = datasets.make("xor", n_samples=120, seed=0)
    return session.spec_for(ds), session.config.replace(batch_size=8), make_data(ds, 0.25, 0)


def test_steps_are_exact_and_no_history_record_is_lost(setup):
    spec, config, data = setup
    with ProcessRunner(spec, config, data) as runner:
        first, _ = wait_until(runner, lambda s: s.reason == "reset")
        assert first.step == 0 and first.state == "paused"
        runner.step(3)
        runner.step(4)
        snap, seen = wait_until(runner, lambda s: s.step == 7)
        steps = np.concatenate([s.history.steps for s in seen])
        assert steps.tolist() == list(range(1, 8))
        assert snap.state == "paused" and snap.weights[0][0].shape == (8, 2)


def test_commands_are_validated_in_the_caller(setup):
    spec, config, data = setup
    with ProcessRunner(spec, config, data) as runner:
        with pytest.raises(SpecError, match="integer >= 1"):
            runner.step(0)
        wide = datasets.make("sine", n_samples=50)
        with pytest.raises(SpecError):
            runner.configure(data=make_data(wide, 0.2, 0))
        runner.configure(training=config.replace(lr=0.05))
        snap, _ = wait_until(runner, lambda s: s.reason == "configure")
        assert snap.config.lr == 0.05


def test_stop_ends_the_child_within_the_bounded_wait(setup):
    spec, config, data = setup
    runner = ProcessRunner(spec, config, data)
    runner.start()
    wait_until(runner, lambda s: s.state == "running" and s.step > 10)
    assert runner.stop(timeout=5.0)
    assert not runner.is_alive() and runner.failure is None
    runner.start()  # after stop: ignored, no error


def test_a_killed_child_is_noticed_before_its_socket_is_read(setup):
    spec, config, data = setup
    runner = ProcessRunner(spec, config, data)
    try:
        wait_until(runner, lambda s: s.reason == "reset")
        os.kill(runner.pid, signal.SIGKILL)
        end = time.monotonic() + 20.0
        while runner.is_alive() and time.monotonic() < end:
            time.sleep(0.005)
        assert runner.failure is None  # nothing read from the socket yet
        assert "killed by SIGKILL" in runner.poll_failure()
        runner.start()  # commands to a dead child go nowhere, quietly
        assert runner.capture(0.5) is None and runner.take() is None
    finally:
        runner.stop(timeout=1.0)
    assert not runner.is_alive()


def test_the_timeline_and_speed_work_across_the_process(setup):
    spec, config, data = setup
    with ProcessRunner(spec, config, data) as runner:
        with pytest.raises(SpecError, match="speed=0"):
            runner.set_speed(0)
        runner.step(40)
        through, _ = wait_until(runner, lambda s: s.reason == "step" and s.step == 40)
        past = runner.recorded(12, timeout=20.0)
        assert past.reason == "recorded" and past.step == 12
        runner.continue_from(12)
        back, _ = wait_until(runner, lambda s: s.reason == "rebuild")
        assert back.step == 12
        runner.step(28)
        again, _ = wait_until(runner, lambda s: s.reason == "step" and s.step == 40)
        for a, b in zip(again.weights, through.weights, strict=True):
            np.testing.assert_array_equal(a[0], b[0])
        runner.set_speed(30)
        runner.start()
        wait_until(runner, lambda s: s.state == "running" and s.step > 42)
        runner.pause()
        wait_until(runner, lambda s: s.reason == "pause")
