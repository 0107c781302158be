"""Activation health: dead and saturated units over the training set, against hand-made cases."""

from __future__ import annotations

import numpy as np

from engine import activation_health as ah
from engine.network import Network
from engine.runner import Runner
from engine.spec import TrainConfig
from engine.trainer import Trainer
from tests.engine.test_runner import wait_for
from tests.engine.test_trainer import net, spirals


def test_dead_units_are_silent_on_every_row():
    a = np.array(
        [
            [0.0, 0.5, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.2],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    # columns 0 and 2 never fire; 1 and 3 fire on one row each
    assert ah.dead_units(a) == 2
    activity = ah.layer_activity(a, "dead")
    assert activity.dead == 2 and activity.dead_fraction == 0.5 and activity.kind == "dead"
    assert activity.saturated == 0
    assert np.isclose(activity.shares.sum(), 1.0)


def test_tanh_units_saturate_beyond_097_on_most_rows():
    a = np.array(
        [
            [0.99, -0.98, 0.99, 0.5],
            [-0.99, -0.99, 0.10, 0.96],
            [0.98, 0.20, 0.99, -0.5],
        ]
    )
    # col 0: 3/3 beyond; col 1: 2/3; col 2: 2/3; col 3: 0/3 (0.96 is inside)
    assert ah.saturated_units(a, "tanh") == 3
    half = np.array([[0.99, 0.99], [0.0, 0.99]])  # col 0 beyond on exactly half: not "most"
    assert ah.saturated_units(half, "tanh") == 1


def test_sigmoid_saturation_is_measured_on_its_0_to_1_range():
    a = np.array([[0.99, 0.01, 0.5, 0.98], [0.995, 0.005, 0.5, 0.98]])
    # 0.99 and 0.01 are beyond 0.97 of the range (0.015 / 0.985); 0.98 is not
    assert ah.saturated_units(a, "sigmoid") == 2
    activity = ah.layer_activity(a, "sigmoid")
    assert activity.saturated == 2 and activity.kind == "saturated"
    assert activity.edges[0] == 0.0 and activity.edges[-1] == 1.0


def test_measure_counts_over_the_whole_training_set_with_hand_set_weights():
    data = spirals(60, seed=1)
    network = Network(net(4, activation="relu"), 0)
    W, b = network.weights[0], network.biases[0]
    W[...] = 0.0
    b[...] = [-1.0, -1.0, 1.0, -1.0]  # units 0, 1 and 3 output relu(-1) = 0 everywhere
    F = network.features(data.X_train)
    health = ah.measure(network, F, step=7)
    (layer,) = health.layers
    assert health.step == 7 and layer.units == 4 and layer.dead == 3
    sentence, kind = ah.verdict(health)
    assert kind == "dead" and sentence.startswith("layer 1: 3 of 4 units dead (75%)")
    b[...] = 1.0
    sentence, kind = ah.verdict(ah.measure(network, F, step=8))
    assert kind == "healthy" and "alive" in sentence


def test_saturated_tanh_layer_gets_the_saturated_verdict():
    data = spirals(60, seed=1)
    network = Network(net(3, 2, activation="tanh"), 0)
    network.weights[1][...] = 0.0
    network.biases[1][...] = [5.0, -5.0]  # tanh(+-5) = +-0.9999 on every row
    health = ah.measure(network, network.features(data.X_train), step=0)
    assert health.layers[1].saturated == 2
    sentence, kind = ah.verdict(health)
    assert kind == "saturated" and sentence.startswith("layer 2: 2 of 2 units saturated")


def test_snapshots_carry_the_activation_health_of_the_training_set():
    data = spirals(120, seed=3)
    spec = net(6, 6, activation="relu")
    config = TrainConfig(optimizer="sgd", lr=0.05, batch_size=10, epochs=10**6)
    with Runner(spec, config, data) as runner:
        runner.step(5)
        snap = wait_for(runner, lambda s: s.reason == "step")
    trainer = Trainer(spec, config, data)
    for _ in range(5):
        trainer.step()
    expected = ah.measure(trainer.network, trainer._F, 5)
    got = snap.activation_health
    assert got.step == 5 and len(got.layers) == 2
    for g, e in zip(got.layers, expected.layers, strict=True):
        assert (g.dead, g.saturated, g.units) == (e.dead, e.saturated, e.units)
        np.testing.assert_array_equal(g.shares, e.shares)
