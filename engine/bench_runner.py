"""Runner benchmarks: what the thread, the mailbox and the views cost over bare steps.

Qt-free functions returning plain dicts (the CLI's `playground bench` prints them):
  - `throughput(workload)`: steps/s of a Runner with a consumer taking snapshots at
    60 Hz, against a bare `Trainer.step(stats=False)` loop on the same workload (the
    runner computes layer statistics only for the steps it publishes), and their
    ratio; also against `Trainer.run_steps` (one np.errstate for many steps, as the
    runner does), and the bare loop with per-step statistics;
  - `latency(workload)`: pause latency (pause() until the "pause" snapshot arrives,
    i.e. the last step and the fresh snapshot are done) and step latency (step(1)
    until its snapshot arrives), median and worst over `tries`.
Workloads: W1 2-8-8-1 tanh, BCE, SGD lr 0.03, batch 10; W2 2-64-64-64-1 relu, Adam lr
0.01, batch 32; both on 500 points of 2-arm spirals (30% held out), generated here
because the engine does not import the datasets package.
"""

from __future__ import annotations

import statistics
import threading
import time

import numpy as np

from engine.data import Data
from engine.runner import Runner
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer

NO_VIEWS = 1e-4  # a grid/evaluation budget that all but switches the views off

WORKLOADS = {
    "W1": (("tanh", 8, 2), TrainConfig(optimizer="sgd", lr=0.03, batch_size=10, epochs=10**6)),
    "W2": (("relu", 64, 3), TrainConfig(optimizer="adam", lr=0.01, batch_size=32, epochs=10**6)),
}


def spirals(n: int = 500, seed: int = 0, test_ratio: float = 0.3) -> Data:
    """Two interleaved spiral arms in [-1, 1]^2, labels 0/1, split train/test."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.05, 1.0, n)
    angle = 3.0 * np.pi * t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    order = rng.permutation(n)
    n_test = round(n * test_ratio)
    test, train = order[:n_test], order[n_test:]
    return Data.from_arrays(
        X[train],
        y[train],
        X[test],
        y[test],
        task="classification",
        n_classes=2,
        bounds=((-1.0, 1.0), (-1.0, 1.0)),
        name="spirals",
    )


def workload(name: str) -> tuple[NetworkSpec, TrainConfig, Data]:
    """The spec, config and data of a named workload ("W1" or "W2")."""
    (activation, units, depth), config = WORKLOADS[name]
    spec = NetworkSpec(hidden=tuple(LayerSpec(units, activation) for _ in range(depth)))
    return spec, config, spirals()


def bare_steps_per_second(
    name: str, seconds: float = 2.0, stats: bool = False, one_errstate: bool = False
) -> float:
    """Steps/s of a plain `Trainer.step(stats)` loop (the runner computes stats only to publish).

    `one_errstate` runs the steps 100 at a time with `Trainer.run_steps`, which, like
    the runner, enters `np.errstate` once instead of at every step: a stricter reference.
    """
    trainer = Trainer(*workload(name))
    for _ in range(50):
        trainer.step(stats)
    steps, t0 = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds:
        if one_errstate:
            trainer.run_steps(100, stats)
        else:
            for _ in range(100):
                trainer.step(stats)
        steps += 100
    return steps / elapsed


def runner_steps_per_second(
    name: str, seconds: float = 2.0, consumer_hz: float = 60.0, **runner_options
) -> dict:
    """Steps/s of a running Runner while a consumer thread takes snapshots at `consumer_hz`."""
    spec, config, data = workload(name)
    taken = 0
    paused = threading.Event()
    last = None

    with Runner(spec, config, data, **runner_options) as runner:

        def consume() -> None:
            nonlocal taken, last
            while not paused.wait(1.0 / consumer_hz):
                snap = runner.take()
                if snap is not None:
                    taken += 1
                    if snap.reason == "pause":
                        last = snap
                        paused.set()

        _wait_reason(runner, "reset")
        consumer = threading.Thread(target=consume, name="bench-consumer")
        consumer.start()
        t0 = time.perf_counter()
        runner.start()
        time.sleep(seconds)
        elapsed = time.perf_counter() - t0
        runner.pause()
        finished = paused.wait(30.0)
        paused.set()
        consumer.join()
    if not finished or last is None:
        raise TimeoutError("the runner did not publish a pause snapshot within 30 s")
    return {"steps_per_second": last.step / elapsed, "snapshots_taken_per_second": taken / elapsed}


def throughput(name: str, seconds: float = 2.0, consumer_hz: float = 60.0, rounds: int = 3) -> dict:
    """Runner vs bare trainer steps/s on a workload, and their ratio.

    The machine may be shared, so the measurements alternate in `rounds` rounds
    (bare, bare under one errstate, runner, runner without views, bare with statistics), each
    about `seconds / rounds` long, and each rate is the median of its rounds.
    """
    per = seconds / rounds
    bare, run, no_views, with_stats, taken, strict = [], [], [], [], [], []
    for _ in range(rounds):
        bare.append(bare_steps_per_second(name, per))
        strict.append(bare_steps_per_second(name, per, one_errstate=True))
        result = runner_steps_per_second(name, per, consumer_hz)
        run.append(result["steps_per_second"])
        taken.append(result["snapshots_taken_per_second"])
        no_views.append(
            runner_steps_per_second(
                name, per, consumer_hz, grid_budget=NO_VIEWS, eval_budget=NO_VIEWS
            )["steps_per_second"]
        )
        with_stats.append(bare_steps_per_second(name, per, stats=True))
    median = statistics.median
    return {
        "workload": name,
        "bare_steps_per_second": median(bare),
        "bare_steps_per_second_with_stats": median(with_stats),
        "runner_steps_per_second": median(run),
        "ratio": median(run) / median(bare),
        # against n steps under one np.errstate (what the runner itself does per step)
        "bare_run_steps_per_second": median(strict),
        "ratio_vs_run_steps": median(run) / median(strict),
        # the same with grid and evaluation budgets near zero: the cost of the machinery
        "runner_no_views_steps_per_second": median(no_views),
        "ratio_no_views": median(no_views) / median(bare),
        "snapshots_taken_per_second": median(taken),
    }


def latency(name: str, tries: int = 100) -> dict:
    """Pause latency and step latency in seconds: median and worst over `tries`."""
    spec, config, data = workload(name)
    pauses, steps = [], []
    with Runner(spec, config, data) as runner:
        _wait_reason(runner, "reset")
        for _ in range(tries):
            runner.start()
            _wait_reason(runner, "start")
            t0 = time.perf_counter()
            runner.pause()
            _wait_reason(runner, "pause")
            pauses.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            runner.step(1)
            _wait_reason(runner, "step")
            steps.append(time.perf_counter() - t0)
    return {
        "workload": name,
        "pause_median": statistics.median(pauses),
        "pause_worst": max(pauses),
        "step_median": statistics.median(steps),
        "step_worst": max(steps),
    }


def _wait_reason(runner: Runner, reason: str, timeout: float = 30.0):
    deadline = time.perf_counter() + timeout
    while (left := deadline - time.perf_counter()) > 0:
        snap = runner.wait_snapshot(left)
        if snap is not None and snap.reason == reason:
            return snap
    raise TimeoutError(f"no {reason!r} snapshot within {timeout} s")
