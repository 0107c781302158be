"""Runner: commands from any thread, snapshots, history, failure states, shutdown."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine.errors import SpecError
from engine.runner import Runner
from engine.snapshot import REASONS, STATES, History, HistoryChunk, Mailbox
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Evaluation, Trainer
from engine.unit_maps import UnitMaps
from tests.engine.test_trainer import net, spirals

DATA = spirals(120, seed=3)
SPEC = net(6, 6)
CONFIG = TrainConfig(optimizer="sgd", lr=0.05, batch_size=10, epochs=10**6)
TIMEOUT = 30.0  # generous: only reached when something is broken


@pytest.fixture(autouse=True)
def no_runner_thread_outlives_a_test():
    yield
    alive = [t for t in threading.enumerate() if t.name == "engine-runner" and t.is_alive()]
    assert not alive


def wait_for(runner: Runner, pred, timeout: float = TIMEOUT):
    """Take snapshots until one satisfies `pred`; return it."""
    seen = []
    event = threading.Event()
    while not event.is_set():
        snap = runner.wait_snapshot(timeout)
        if snap is None:
            pytest.fail(f"no matching snapshot within {timeout} s; saw {seen[-5:]}")
        seen.append((snap.reason, snap.state, snap.step))
        if pred(snap):
            return snap
    return None


def until(condition, timeout: float = TIMEOUT) -> None:
    """Wait in small steps until `condition()` holds; fail after `timeout`."""
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        event.wait(0.01)
    pytest.fail(f"condition not met within {timeout} s")


def reason(name):
    return lambda s: s.reason == name


def flat_weights(snap) -> np.ndarray:
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in snap.weights])


def test_first_snapshot_is_a_fresh_reset_with_a_grid_view():
    with Runner(SPEC, CONFIG, DATA, grid_size=16) as runner:
        snap = wait_for(runner, reason("reset"))
        assert (snap.state, snap.step, snap.epoch, snap.generation) == ("paused", 0, 0, 0)
        assert snap.view.kind == "classification" and snap.view.values.shape == (16, 16, 1)
        assert isinstance(snap.evaluation, Evaluation) and snap.layers is None
        assert not snap.weights[0][0].flags.writeable


def test_n_single_steps_equal_n_trainer_steps():
    trainer = Trainer(SPEC, CONFIG, DATA)
    with Runner(SPEC, CONFIG, DATA) as runner:
        for i in range(1, 31):
            runner.step(1)
            snap = wait_for(runner, reason("step"))
            assert snap.step == i and snap.state == "paused"
            trainer.step()
        assert np.array_equal(flat_weights(snap), trainer.network.flat)
        assert snap.layers == trainer.last_report.layers
        history = runner.history()
        assert history.steps.tolist() == list(range(1, 31))


def test_step_n_runs_n_minibatches_and_publishes_once():
    with Runner(SPEC, CONFIG, DATA) as runner:
        wait_for(runner, reason("reset"))
        runner.step(25)
        snap = wait_for(runner, lambda s: s.reason == "step")
        assert snap.step == 25 and snap.epoch == 25 // 9 and len(snap.history) == 25


def test_training_advances_while_running_and_not_while_paused():
    with Runner(SPEC, CONFIG, DATA, snapshot_hz=100) as runner:
        runner.start()
        wait_for(runner, lambda s: s.state == "running" and s.step >= 200)
        runner.pause()
        paused = wait_for(runner, reason("pause"))
        assert paused.state == "paused" and paused.steps_per_second == 0.0
        assert runner.wait_snapshot(0.2) is None  # nothing happens while paused
        assert runner.history().steps[-1] == paused.step
        runner.step(1)
        assert wait_for(runner, reason("step")).step == paused.step + 1


def test_slow_consumer_loses_no_history():
    config = CONFIG.replace(epochs=40)
    with Runner(SPEC, config, DATA, snapshot_hz=500) as runner:
        runner.start()
        steps = 40 * 9
        until(lambda: len(runner.history()) == steps)  # never take: snapshots pile up
        # The last ticks merged into one snapshot; "finished" may still follow it.
        taken = [runner.wait_snapshot(TIMEOUT)]
        if taken[0].reason != "finished":
            taken.append(wait_for(runner, reason("finished")))
        final = taken[-1]
        assert final.state == "finished" and final.step == steps and final.epoch == 40
        merged = taken[0].history
        for snap in taken[1:]:
            merged = merged.concat(snap.history)
        assert merged.steps.tolist() == list(range(1, steps + 1))
        assert merged.epochs[-1] == 40


def test_hyper_parameter_change_while_running_keeps_weights_and_takes_effect():
    with Runner(SPEC, CONFIG, DATA, snapshot_hz=100) as runner:
        runner.start()
        before = wait_for(runner, lambda s: s.step >= 50)
        runner.configure(training=CONFIG.replace(lr=0.01, batch_size=5))
        snap = wait_for(runner, reason("configure"))
        assert snap.generation == before.generation and snap.step >= before.step
        assert snap.config.lr == 0.01 and snap.state == "running"
        later = wait_for(runner, lambda s: s.step >= snap.step + 30)
        runner.pause()
        wait_for(runner, reason("pause"))
        assert later.generation == before.generation
        assert len(runner.history().steps) == runner.history().steps[-1]


def test_configure_while_paused_matches_trainer_set_config_exactly():
    new = CONFIG.replace(optimizer="adam", lr=0.01, batch_size=4, l2=1e-3)
    trainer = Trainer(SPEC, CONFIG, DATA)
    for _ in range(7):
        trainer.step()
    trainer.set_config(new)
    for _ in range(11):
        trainer.step()
    with Runner(SPEC, CONFIG, DATA) as runner:
        runner.step(7)
        runner.configure(training=new)
        runner.step(11)
        snap = wait_for(runner, lambda s: s.reason == "step" and s.step == 18)
        assert np.array_equal(flat_weights(snap), trainer.network.flat)


def test_architecture_change_rebuilds_and_says_so():
    with Runner(SPEC, CONFIG, DATA) as runner:
        runner.step(5)
        old = wait_for(runner, reason("step"))
        runner.configure(network=net(3))
        snap = wait_for(runner, reason("rebuild"))
        assert snap.rebuilt and snap.generation == old.generation + 1
        assert snap.step == 0 and snap.state == "paused" and len(snap.history) == 0
        assert [w.shape for w, _ in snap.weights] == [(3, 2), (1, 3)]
        with pytest.raises(SpecError):
            runner.configure(network=NetworkSpec(input_dim=1, features=("x1",)))


def test_reset_restarts_with_a_new_generation_and_seed():
    with Runner(SPEC, CONFIG, DATA) as runner:
        first = wait_for(runner, reason("reset"))
        runner.step(3)
        wait_for(runner, reason("step"))
        runner.reset()
        same = wait_for(runner, reason("reset"))
        assert same.generation == 1 and same.step == 0 and not same.rebuilt
        assert np.array_equal(flat_weights(same), flat_weights(first))
        runner.reset(seed=7)
        other = wait_for(runner, reason("reset"))
        assert other.config.seed == 7 and not np.array_equal(
            flat_weights(other), flat_weights(first)
        )


def test_finishes_after_the_configured_epochs_and_start_continues():
    with Runner(SPEC, CONFIG.replace(epochs=3), DATA) as runner:
        runner.start()
        done = wait_for(runner, reason("finished"))
        assert done.state == "finished" and done.epoch == 3
        epochs = runner.history().epochs.tolist()  # epoch ends evaluated within the budget
        assert epochs[-1] == 3 and set(epochs) <= {1, 2, 3}
        runner.start()
        again = wait_for(runner, reason("finished"))
        assert again.epoch == 6


def test_early_stopping_finishes_and_restores_the_best_weights():
    data = spirals(80, seed=2, noise=0.3)
    config = TrainConfig(lr=0.03, batch_size=4, patience=3, epochs=500)
    with Runner(net(64, 64), config, data) as runner:
        runner.start()
        snap = wait_for(runner, reason("finished"))
        assert "Stopped early" in snap.message and snap.epoch < 500
        h = runner.history()
        best = int(np.argmin(h.test_loss))
        assert snap.evaluation.test_loss == pytest.approx(h.test_loss[best])
        assert h.epochs[-1] - h.epochs[best] == 3


def test_divergence_pauses_with_finite_weights_and_a_remedy():
    config = TrainConfig(optimizer="sgd", lr=1e6, batch_size=10)
    with Runner(net(8, 8, activation="relu"), config, DATA) as runner:
        runner.start()
        snap = wait_for(runner, reason("diverged"))
        assert snap.state == "diverged"
        assert f"step {snap.step + 1}" in snap.message and "learning rate" in snap.message
        assert all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in snap.weights)
        runner.step(1)  # retrying the same step diverges the same way
        again = wait_for(runner, reason("diverged"))
        assert again.step == snap.step and again.message == snap.message
        runner.configure(training=config.replace(lr=1e-3))
        runner.reset()
        runner.step(1)
        assert wait_for(runner, reason("step")).state == "paused"


def test_an_exploding_finite_loss_pauses_as_divergence_with_the_rule_and_a_remedy():
    config = TrainConfig(optimizer="adam", lr=1e6, batch_size=10)  # every number stays finite
    with Runner(net(8, 8), config, DATA) as runner:
        runner.start()
        snap = wait_for(runner, reason("diverged"))
        assert snap.state == "diverged"
        assert "exploded" in snap.message and "1000 x max(the first loss" in snap.message
        assert "learning rate" in snap.message


def test_an_unexpected_exception_becomes_the_error_state_and_reset_recovers(monkeypatch):
    def boom(self, stats):
        raise RuntimeError("injected failure")

    with Runner(SPEC, CONFIG, DATA) as runner:
        wait_for(runner, reason("reset"))
        monkeypatch.setattr(Trainer, "_step", boom)
        runner.start()
        snap = wait_for(runner, reason("error"))
        assert snap.state == "error" and "injected failure" in snap.message
        assert "RuntimeError" in snap.traceback and runner.thread.is_alive()
        runner.start()  # refused in the error state
        assert wait_for(runner, reason("start")).state == "error"
        monkeypatch.undo()
        runner.reset()
        assert wait_for(runner, reason("reset")).state == "paused"
        runner.step(2)
        assert wait_for(runner, reason("step")).step == 2


def test_stop_ends_the_thread_within_a_second_while_running_a_large_network():
    big = net(*[256] * 6, activation="relu")
    data = spirals(3000, test_ratio=0.3)
    runner = Runner(big, TrainConfig(batch_size=64), data)
    try:
        runner.start()
        wait_for(runner, lambda s: s.reason == "tick" and s.step >= 1)  # mid-run
    finally:
        stopped = runner.stop(timeout=1.0)
    assert stopped and not runner.thread.is_alive()
    assert wait_for(runner, reason("stop")).state == "paused"


def test_commands_after_stop_are_ignored_and_bad_arguments_refused():
    with Runner(SPEC, CONFIG, DATA) as runner:
        with pytest.raises(SpecError):
            runner.step(0)
        with pytest.raises(SpecError):
            runner.reset(seed=-1)
        with pytest.raises(SpecError):
            Runner(SPEC, CONFIG, DATA, snapshot_hz=0)
    runner.start()
    assert not runner.thread.is_alive()


# -- history and mailbox ----------------------------------------------------------------
def test_history_halves_by_averaging_and_doubles_its_stride():
    h = History(n_layers=2, capacity=8)
    for step in range(1, 101):
        h.record_step(step, float(step), np.array([step, 2.0 * step]))
    chunk = h.chunk()
    assert len(chunk) <= 8 and h.stride == 16
    widths = np.diff(np.concatenate([[0], chunk.steps]))
    for end, width, loss in zip(chunk.steps, widths, chunk.loss, strict=True):
        assert loss == pytest.approx(np.mean(np.arange(end - width + 1, end + 1)))
    assert np.allclose(chunk.grad_norms[:, 1], 2 * chunk.loss)


def test_history_since_and_evaluations():
    h = History(n_layers=1, capacity=100)
    for step in range(1, 11):
        h.record_step(step, 1.0, np.ones(1))
        if step % 5 == 0:
            h.record_eval(step // 5, step, Evaluation(0.5, 0.9, None, None, "accuracy"))
    later = h.since(5)
    assert later.steps.tolist() == list(range(6, 11)) and later.epochs.tolist() == [2]
    assert np.isnan(later.test_loss).all()
    restored = HistoryChunk.from_dict(h.chunk().to_dict(), n_layers=1)
    assert restored.steps.tolist() == list(range(1, 11)) and restored.n_evals == 2


def test_mailbox_merges_untaken_history_within_a_generation():
    h = History(n_layers=1)
    box = Mailbox(capacity=1000)
    with Runner(SPEC, CONFIG, DATA) as runner:
        template = wait_for(runner, reason("reset"))
    mark = 0
    for gen, upto in ((0, 10), (0, 20), (1, 30)):
        for step in range(mark + 1, upto + 1):
            h.record_step(step, 0.0, np.zeros(1))
        box.put(dataclasses.replace(template, generation=gen, history=h.since(mark)))
        mark = upto
        if upto == 20:
            assert box.take().history.steps.tolist() == list(range(1, 21))
    assert box.take().history.steps.tolist() == list(range(21, 31))
    assert box.take() is None


# -- many commands from two threads -------------------------------------------------------
COMMANDS = st.one_of(
    st.just(("start",)),
    st.just(("pause",)),
    st.tuples(st.just("step"), st.integers(1, 20)),
    st.tuples(st.just("reset"), st.one_of(st.none(), st.integers(0, 3))),
    st.tuples(st.just("lr"), st.sampled_from([1e-3, 0.05, 1e6])),
    st.tuples(st.just("batch"), st.sampled_from([0, 3, 16])),
    st.tuples(st.just("optimizer"), st.sampled_from(["sgd", "adam", "rmsprop"])),
    st.tuples(st.just("layers"), st.sampled_from([(), (4,), (5, 5)])),
)


class RunnerCommands(RuleBasedStateMachine):
    """Random commands, each sent from one of two client threads, against one runner."""

    def __init__(self):
        super().__init__()
        self.runner = Runner(SPEC, CONFIG.replace(epochs=5), DATA, snapshot_hz=200, grid_size=8)
        self.clients = [ThreadPoolExecutor(1, thread_name_prefix=f"client{i}") for i in (0, 1)]
        self.futures = []
        self.config = CONFIG.replace(epochs=5)

    def send(self, command):
        r, kind = self.runner, command[0]
        if kind == "lr":
            r.configure(training=self.config.replace(lr=command[1]))
        elif kind == "batch":
            r.configure(training=self.config.replace(batch_size=command[1]))
        elif kind == "optimizer":
            r.configure(training=self.config.replace(optimizer=command[1]))
        elif kind == "layers":
            r.configure(network=net(*command[1]))
        else:
            getattr(r, kind)(*command[1:])

    @rule(client=st.integers(0, 1), command=COMMANDS)
    def command(self, client, command):
        self.futures.append(self.clients[client].submit(self.send, command))

    @invariant()
    def snapshots_are_consistent(self):
        snap = self.runner.take()
        if snap is not None:
            assert snap.state in STATES and snap.reason in REASONS
            assert snap.step >= 0 and snap.epoch >= 0
            assert all(np.isfinite(w).all() for w, _ in snap.weights)
            assert np.all(np.diff(snap.history.steps) > 0)

    def teardown(self):
        try:
            for f in self.futures:
                f.result(timeout=TIMEOUT)  # a command that raised fails the test here
            marker = self.config.replace(seed=777)  # no command above uses this seed
            self.runner.configure(training=marker)
            self.runner.pause()
            snap = wait_for(self.runner, lambda s: s.reason == "pause" and s.config == marker)
            assert snap.state in ("paused", "finished", "diverged")
            h = self.runner.history()
            assert len(h) == 0 or h.steps[-1] <= snap.step
            assert self.runner.wait_snapshot(0.05) is None
        finally:
            for c in self.clients:
                c.shutdown(wait=True)
            assert self.runner.stop(timeout=TIMEOUT)


RunnerCommands.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRunnerCommands = RunnerCommands.TestCase


def test_runner_without_a_grid_view_for_three_inputs():
    X = np.random.default_rng(0).uniform(-1, 1, (30, 3))
    from engine.data import Data

    data = Data.from_arrays(X, X.sum(axis=1), task="regression")
    spec = NetworkSpec(
        input_dim=3, features=("x1", "x2", "x3"), hidden=(LayerSpec(4),), task="regression"
    )
    with Runner(spec, TrainConfig(), data) as runner:
        runner.step(3)
        snap = wait_for(runner, reason("step"))
        assert snap.view is None and snap.evaluation.metric_name == "r2"


def true_mistakes(snap, X, y) -> np.ndarray:
    """The misclassified rows of X under the snapshot's weights, by an independent Network."""
    from engine.network import Network

    network = Network(snap.spec, rng=0)
    for k, (w, b) in enumerate(snap.weights):
        network.weights[k][...] = w
        network.biases[k][...] = b
    p = network.predict(X)
    predicted = (p[:, 0] > 0.5) if p.shape[1] == 1 else np.argmax(p, axis=1)
    return predicted != y


def test_misclassified_marks_are_the_snapshot_weights_own_and_absent_before_training():
    with Runner(SPEC, CONFIG, DATA, grid_size=8) as runner:
        first = wait_for(runner, reason("reset"))
        assert first.step == 0 and first.mistakes is None  # nothing learnt: no marks yet
        runner.step(7)
        snap = wait_for(runner, reason("step"))
    marks = snap.mistakes
    assert marks.step == snap.step == 7
    assert marks.train.dtype == bool and not marks.train.flags.writeable
    assert np.array_equal(marks.train, true_mistakes(snap, DATA.X_train, DATA.y_train))
    assert np.array_equal(marks.test, true_mistakes(snap, DATA.X_test, DATA.y_test))
    assert 0 < marks.train.sum() < len(marks.train)  # spirals after 7 steps: some of each
    maps = snap.unit_maps  # the network diagram's neurons, at the same weights
    expected = UnitMaps(DATA.bounds, 2, maps.columns[0].shape[-1]).compute(SPEC, snap.weights)
    assert maps.step == 7 and [len(c) for c in maps.columns] == [2, 6, 6, 1]
    for got, want in zip(maps.columns, expected, strict=True):
        assert np.allclose(got, want, atol=1e-6)


def test_no_marks_for_regression():
    from tests.engine.test_trainer import make_data

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    data = make_data(X, X[:, 0] * X[:, 1], task="regression")
    spec = NetworkSpec(hidden=(LayerSpec(4, "tanh"),), task="regression")
    with Runner(spec, CONFIG, data, grid_size=8) as runner:
        runner.step(2)
        snap = wait_for(runner, reason("step"))
    assert snap.view.kind == "surface" and snap.mistakes is None


def test_watch_unit_publishes_that_units_map_at_the_snapshot_weights():
    with Runner(SPEC, CONFIG, DATA, grid_size=8) as runner:
        wait_for(runner, reason("reset"))
        with pytest.raises(SpecError, match="column"):
            runner.watch_unit(-1, 0)
        runner.watch_unit(2, 4)  # hidden layer 2, unit 5
        runner.step(3)
        snap = wait_for(runner, lambda s: s.reason == "step")
        p = snap.unit_preview
        assert (p.step, p.column, p.unit) == (3, 2, 4)
        maps = UnitMaps(DATA.bounds, 2, p.values.shape[0]).compute(SPEC, snap.weights, upto=2)
        assert np.allclose(p.values, maps[2][4], atol=1e-6)
        runner.watch_unit(5, 0)  # no such column: nothing to show
        assert wait_for(runner, lambda s: s.reason == "tick").unit_preview is None
        runner.watch_unit(None)
        runner.step(1)
        assert wait_for(runner, reason("step")).unit_preview is None
