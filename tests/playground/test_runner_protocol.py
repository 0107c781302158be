"""Both runners implement `TrainingRunner` and refuse bad arguments alike, in the caller."""

from __future__ import annotations

import inspect
import subprocess

import pytest

import datasets
from engine.errors import EngineError
from engine.runner import Runner
from engine.runner_protocol import TrainingRunner
from engine.spec import NetworkSpec
from playground.document.process_runner import ProcessRunner
from playground.document.session import Session
from playground.document.training_data import make_data

RUNNERS = [Runner, ProcessRunner]
COMMANDS = [  # every member of the protocol
    name
    for name, member in vars(TrainingRunner).items()
    if callable(member) and (not name.startswith("_") or name in ("__enter__", "__exit__"))
]


@pytest.fixture(scope="module")
def setup():
    ds = datasets.make("xor", n_samples=60, seed=0)
    session = Session()
    return session.spec_for(ds), session.config.replace(batch_size=8), make_data(ds, 0.25, 0)


def test_the_protocol_lists_every_command():
    assert set(COMMANDS) >= {
        "start", "pause", "step", "reset", "configure", "capture", "inspect",
        "restore", "take", "stop", "watch_unit", "__enter__", "__exit__",
    }  # fmt: skip


@pytest.mark.parametrize("cls", RUNNERS)
@pytest.mark.parametrize("name", COMMANDS)
def test_each_runner_defines_every_command_with_the_protocols_parameters(cls, name):
    """Static: the class itself defines the member, taking the protocol's parameters."""
    assert callable(getattr(cls, name, None)), f"{cls.__name__} lacks {name}"
    ours = inspect.signature(getattr(cls, name)).parameters
    theirs = inspect.signature(getattr(TrainingRunner, name)).parameters
    assert list(ours) == list(theirs)
    for p in theirs.values():
        assert (ours[p.name].kind, ours[p.name].default) == (p.kind, p.default), p.name


def bad_constructions(setup):
    spec, config, data = setup
    return [
        ((spec, "adam", data), {}),
        ((spec, config, data), {"snapshot_hz": 0}),
        ((spec, config, data), {"snapshot_hz": 5000}),
        ((spec, config, data), {"grid_size": 1}),
        ((spec, config, data), {"grid_size": 8.5}),
        ((spec, config, data), {"grid_budget": 0}),
        ((spec, config, data), {"eval_budget": 2}),
        ((spec, config, data), {"history_capacity": 1}),
        ((NetworkSpec(input_dim=3), config, data), {}),
    ]


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(EngineError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_both_constructors_refuse_the_same_arguments_with_the_same_message(setup, monkeypatch):
    spawned = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a))
    for args, options in bad_constructions(setup):
        assert refusal(Runner, *args, **options) == refusal(ProcessRunner, *args, **options)
    assert not spawned  # refused in this process, before any child was started


@pytest.fixture(scope="module")
def runners(setup):
    spec, config, data = setup
    made = [Runner(spec, config, data), ProcessRunner(spec, config, data)]
    yield made
    for runner in made:
        runner.stop(5.0)


def bad_commands(setup):
    spec, config, data = setup
    wide = make_data(datasets.make("sine", n_samples=40), 0.2, 0)
    return [
        ("step", (0,), {}),
        ("step", (2.0,), {}),
        ("step", (True,), {}),
        ("reset", (-1,), {}),
        ("configure", (), {"training": "fast"}),
        ("configure", (), {"data": wide}),
        ("watch_unit", (-1,), {}),
        ("watch_unit", (1, "a"), {}),
        ("capture", (-1,), {}),
        ("capture", ("soon",), {}),
        ("inspect", (10_000,), {}),
        ("inspect", (None, -2.0), {}),
        ("inspect", (), {"expect_step": 0}),
        ("restore", (spec, config, data, None), {}),
        ("restore", (spec, "adam", data, None), {}),
        ("stop", (float("nan"),), {}),
    ]


def test_both_runners_refuse_every_bad_command_with_the_same_message(setup, runners):
    thread, process = runners
    for name, args, kwargs in bad_commands(setup):
        message = refusal(getattr(thread, name), *args, **kwargs)
        assert refusal(getattr(process, name), *args, **kwargs) == message, name
    assert thread.thread.is_alive() and process.is_alive()  # nothing reached the worker


@pytest.mark.parametrize("cls", RUNNERS)
def test_both_runners_satisfy_the_protocol_at_run_time(setup, cls):
    with cls(*setup) as runner:
        assert isinstance(runner, TrainingRunner)


def test_the_process_runner_refuses_an_unknown_option_before_starting_a_child(setup, monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("a child started"))
    message = refusal(ProcessRunner, *setup, snapshots_hz=30)
    assert "snapshots_hz" in message and "snapshot_hz" in message
