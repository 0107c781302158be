"""PopulationTrainer: each member gives its lone Trainer's numbers; refusals; divergence."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.data import Data
from engine.errors import DivergenceError, SpecError
from engine.optimizers import OPTIMIZERS
from engine.population import PopulationTrainer, groups
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import make_data, spirals

TOL = 1e-12
SPEC = NetworkSpec(hidden=(LayerSpec(8, "tanh"), LayerSpec(6, "relu")))


def lone(spec, config, data, steps):
    """The lone Trainer after `steps` steps (or after its divergence) and its last loss."""
    trainer = Trainer(spec, config, data)
    loss, error = None, None
    try:
        for _ in range(steps):
            loss = trainer.step(stats=False).loss
    except DivergenceError as exc:
        error = exc
    return trainer, loss, error


def assert_members_match(spec, configs, data, steps):
    pop = PopulationTrainer(spec, configs, data)
    pop.run_steps(steps)
    rates = np.broadcast_to(np.reshape(pop.optimizer.lr, (-1, 1)), (len(configs), 1))
    for i, config in enumerate(configs):
        trainer, loss, error = lone(spec, config, data, steps)
        assert error is None
        np.testing.assert_allclose(pop.network(i).flat, trainer.network.flat, rtol=0, atol=TOL)
        assert abs(pop.losses[i] - loss) <= TOL
        assert trainer.optimizer.lr == rates[i, 0]  # the schedules moved alike
    return pop


def varied(optimizer: str, batch_size: int = 10, **fixed) -> list[TrainConfig]:
    """Four members with their own seed, rate, penalties, clipping and dropout."""
    rows = [  # lr, l1, l2, clip, dropout
        (0.03, 0.0, 0.0, 0.0, 0.0),
        (0.01, 0.0, 1e-3, 0.0, 0.1),
        (0.02, 1e-4, 0.0, 0.5, 0.0),
        (0.05, 1e-3, 1e-2, 1.0, 0.2),
    ]
    return [
        TrainConfig(
            optimizer=optimizer,
            lr=lr,
            l1=l1,
            l2=l2,
            clip_norm=clip,
            dropout=drop,
            batch_size=batch_size,
            seed=seed,
            **fixed,
        )
        for seed, (lr, l1, l2, clip, drop) in enumerate(rows)
    ]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.names()))
def test_every_member_equals_its_lone_trainer_for_every_optimizer(optimizer):
    # 300 minibatch steps (several epochs: reshuffles), penalties, clipping and dropout
    pop = assert_members_match(SPEC, varied(optimizer), spirals(200), 300)
    assert pop.errors == {} and pop.active == [0, 1, 2, 3]


def test_optimizer_constants_and_schedules_may_differ_per_member():
    data = spirals(120)
    configs = [
        TrainConfig(optimizer="momentum", lr=0.05, momentum=0.5, batch_size=0, seed=1),
        TrainConfig(
            optimizer="momentum",
            lr=0.05,
            momentum=0.95,
            batch_size=0,
            seed=2,
            schedule="step",
            schedule_step=1,
            schedule_gamma=0.9,
        ),
        TrainConfig(
            optimizer="momentum",
            lr=0.1,
            momentum=0.9,
            batch_size=0,
            seed=3,
            schedule="cosine",
            schedule_epochs=50,
            min_lr=0.001,
        ),
    ]
    # full batch: one epoch per step, so every step moves the schedules
    assert_members_match(SPEC, configs, data, 120)
    adam = [
        TrainConfig(optimizer="adamw", lr=0.01, beta1=b1, eps=eps, l2=l2, batch_size=16, seed=s)
        for s, (b1, eps, l2) in enumerate([(0.9, 1e-8, 0.0), (0.8, 1e-6, 0.01), (0.5, 1e-8, 0.1)])
    ]
    assert_members_match(SPEC, adam, data, 200)


def test_regression_and_multiclass_members_match_through_the_per_member_loss():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, (90, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    regression = make_data(X, y, task="regression")
    spec = NetworkSpec(hidden=(LayerSpec(7, "gelu"),), task="regression", loss="huber")
    assert_members_match(spec, varied("rmsprop", batch_size=8), regression, 150)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    three = Data.from_arrays(X, labels, task="classification", n_classes=3)
    spec3 = NetworkSpec(hidden=(LayerSpec(5, "sigmoid"),), n_classes=3)
    assert_members_match(spec3, varied("nesterov", batch_size=0), three, 100)


def test_evaluate_matches_each_lone_trainers_evaluation():
    data = spirals(150)
    configs = varied("adam", batch_size=12)
    pop = PopulationTrainer(SPEC, configs, data)
    pop.run_steps(60)
    for i, ev in enumerate(pop.evaluate()):
        trainer, _, _ = lone(SPEC, configs[i], data, 60)
        want = trainer.evaluate()
        assert ev.metric_name == want.metric_name == "accuracy"
        assert ev.train_metric == want.train_metric and ev.test_metric == want.test_metric
        assert abs(ev.train_loss - want.train_loss) <= TOL
        assert abs(ev.test_loss - want.test_loss) <= TOL


def test_a_diverging_member_is_reported_and_dropped_while_the_others_go_on():
    data = spirals(100)
    configs = [
        TrainConfig(optimizer="sgd", lr=0.05, batch_size=10, seed=0),
        TrainConfig(optimizer="sgd", lr=1e6, batch_size=10, seed=1),  # diverges
        TrainConfig(optimizer="sgd", lr=0.02, batch_size=10, seed=2),
    ]
    pop = PopulationTrainer(SPEC, configs, data)
    pop.run_steps(80)
    _, _, error = lone(SPEC, configs[1], data, 80)
    assert error is not None
    assert list(pop.errors) == [1] and pop.active == [0, 2]
    assert str(pop.errors[1]) == str(error)  # same step, layer and quantity as alone
    assert pop.errors[1].step == error.step
    diverged = Trainer(SPEC, configs[1], data)
    for _ in range(error.step - 1):
        diverged.step(stats=False)
    np.testing.assert_array_equal(pop.network(1).flat, diverged.network.flat)  # last finite
    for i in (0, 2):
        trainer, loss, _ = lone(SPEC, configs[i], data, 80)
        np.testing.assert_allclose(pop.network(i).flat, trainer.network.flat, rtol=0, atol=TOL)
        assert abs(pop.losses[i] - loss) <= TOL
    assert len(pop.evaluate()) == 3


def test_when_every_member_has_stopped_a_step_is_refused():
    pop = PopulationTrainer(SPEC, [TrainConfig(optimizer="sgd", lr=1e6, seed=1)], spirals(60))
    with pytest.raises(SpecError, match="Every member of the population has stopped"):
        pop.run_steps(200)
    assert list(pop.errors) == [0]


def test_a_finished_member_keeps_its_weights_and_the_rest_match():
    data = spirals(80)
    configs = varied("momentum")
    pop = PopulationTrainer(SPEC, configs, data)
    pop.run_steps(20)
    kept = pop.network(2).flat.copy()
    pop.finish(2)
    pop.run_steps(30)
    assert pop.active == [0, 1, 3]
    np.testing.assert_array_equal(pop.network(2).flat, kept)
    trainer, _, _ = lone(SPEC, configs[3], data, 50)
    np.testing.assert_allclose(pop.network(3).flat, trainer.network.flat, rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (dict(optimizer="adam"), "Member 2 has optimizer 'adam' but member 1 has 'sgd'"),
        (dict(batch_size=16), "Member 2 has batch size 16 but member 1 has 10"),
    ],
)
def test_members_that_cannot_share_a_step_are_refused_by_name(second, message):
    first = TrainConfig(optimizer="sgd", batch_size=10)
    with pytest.raises(SpecError, match=message):
        PopulationTrainer(SPEC, [first, first.replace(**second)], spirals(40))


def test_adam_members_need_one_beta2():
    configs = [TrainConfig(optimizer="adam", beta2=0.999), TrainConfig(optimizer="adam", beta2=0.9)]
    with pytest.raises(SpecError, match=re.escape("Member 2 has beta2 0.9 but member 1 has 0.999")):
        PopulationTrainer(SPEC, configs, spirals(40))
    assert groups(configs) == [[0], [1]]


@pytest.mark.parametrize(
    ("layer", "what"),
    [(LayerSpec(8, batch_norm=True), "batch norm"), (LayerSpec(8, residual=True), "residual")],
)
def test_layers_the_stacked_step_lacks_are_refused(layer, what):
    spec = NetworkSpec(hidden=(LayerSpec(8), layer))
    with pytest.raises(SpecError, match=f"Hidden layer 2 uses .*{what}"):
        PopulationTrainer(spec, [TrainConfig()], spirals(40))


def test_bad_arguments_are_refused_with_a_message():
    with pytest.raises(SpecError, match="at least one TrainConfig"):
        PopulationTrainer(SPEC, [], spirals(40))
    with pytest.raises(SpecError, match="Expected a TrainConfig; received dict"):
        PopulationTrainer(SPEC, [{"lr": 0.1}], spirals(40))
    pop = PopulationTrainer(SPEC, [TrainConfig()], spirals(40))
    with pytest.raises(SpecError, match="Member 3 does not exist"):
        pop.network(3)
    with pytest.raises(SpecError, match="expected an integer >= 1"):
        pop.run_steps(0)


def test_groups_split_configs_by_what_members_must_share():
    sgd = TrainConfig(optimizer="sgd", batch_size=10)
    configs = [sgd, sgd.replace(lr=0.5, seed=3), sgd.replace(optimizer="adam"),
               sgd.replace(batch_size=0), sgd.replace(l2=0.1)]  # fmt: skip
    assert groups(configs) == [[0, 1, 4], [2], [3]]
    for group in groups(configs):  # every group is accepted
        PopulationTrainer(SPEC, [configs[i] for i in group], spirals(40))


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.names()))
def test_a_float32_population_trains_in_float32_like_its_lone_trainers(optimizer):
    data = spirals(120)
    configs = [c.replace(dtype="float32") for c in varied(optimizer)]
    pop = PopulationTrainer(SPEC, configs, data)
    pop.run_steps(150)
    assert pop.flat.dtype == np.float32 and pop.network(0).flat.dtype == np.float32
    # Adam's step size -lr / (1 - b1^t) is a float64 expression the Trainer rounds once;
    # a member's own column is float32 already: the same to float32 rounding, not bit for bit
    tol = 1e-5 if optimizer in ("adam", "adamw") else 0.0
    for i, config in enumerate(configs):
        trainer, loss, _ = lone(SPEC, config, data, 150)
        np.testing.assert_allclose(pop.network(i).flat, trainer.network.flat, rtol=0, atol=tol)
        assert abs(pop.losses[i] - loss) <= tol
        ev, want = pop.evaluate([i])[0], trainer.evaluate()
        assert abs(ev.train_loss - want.train_loss) <= tol and ev.test_metric == want.test_metric


def test_members_of_two_precisions_are_refused():
    configs = [TrainConfig(), TrainConfig(dtype="float32")]
    with pytest.raises(SpecError, match="Member 2 has dtype 'float32' but member 1 has 'float64'"):
        PopulationTrainer(SPEC, configs, spirals(40))
    assert groups(configs) == [[0], [1]]
