"""Every bundled example opens, and the lesson its explanation claims really happens (headless)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import activation_health, landscape
from engine.errors import DivergenceError
from engine.spec import LayerSpec
from playground.document.project import read_project
from playground.gui.file_actions import example_paths

EXAMPLES = {p.name.split(".")[0]: p for p in example_paths()}


def example(name: str):
    return read_project(EXAMPLES[name])


def fit(project, epochs=None):
    trainer = project.build_trainer()
    return trainer, trainer.fit(epochs)


def test_every_example_opens_untrained_with_a_title_and_an_explanation():
    assert len(EXAMPLES) == 21
    for path in EXAMPLES.values():
        project = read_project(path)
        assert project.title and len(project.explanation) > 80
        assert project.state is None and project.dataset is None
        trainer = project.build_trainer()
        assert trainer.step_count == 0


def test_xor_needs_a_hidden_layer():
    linear = example("01-xor-needs-a-hidden-layer")
    assert linear.network.hidden == ()
    _, result = fit(linear)
    assert result.evaluation.train_metric < 0.75
    hidden = linear.replace(network=linear.network.replace(hidden=(LayerSpec(4, "tanh"),)))
    _, result = fit(hidden)
    assert result.evaluation.train_metric > 0.95


def first_epoch_gradient_ratio(project) -> float:
    """Mean first-layer / last-layer weight-gradient norm over the first epoch."""
    trainer = project.build_trainer()
    norms = []
    while not (report := trainer.step()).epoch_end:
        norms.append([s.weight_grad_norm for s in report.layers])
    norms = np.mean(norms, axis=0)
    return norms[0] / norms[-1]


def test_deep_sigmoid_gradients_vanish_and_relu_he_gradients_do_not():
    sigmoid = first_epoch_gradient_ratio(example("02-vanishing-gradients-sigmoid"))
    relu = first_epoch_gradient_ratio(example("03-deep-relu-he-init"))
    assert sigmoid <= 1 / 100
    assert relu > 1 / 100


def test_learning_rate_too_high_diverges_and_a_quarter_of_it_fits():
    high = example("04-learning-rate-too-high")
    with pytest.raises(DivergenceError, match="lower the learning rate"):
        fit(high)
    _, result = fit(high.replace(training=high.training.replace(lr=0.5)))
    assert result.evaluation.train_metric > 0.8  # R^2


def test_learning_rate_too_low_barely_moves():
    low = example("05-learning-rate-too-low")
    start = low.build_trainer().evaluate().train_loss
    _, slow = fit(low)
    _, good = fit(low.replace(training=low.training.replace(lr=0.1)))
    assert slow.evaluation.train_loss > 0.98 * start
    assert good.evaluation.train_loss < 0.5 * start


def test_overfitting_and_its_three_fixes():
    _, over = fit(example("06-overfitting"))
    test_curve = [e.test_loss for e in over.evaluations]
    final = over.evaluation
    assert final.test_loss > 10 * final.train_loss  # memorised the training points
    assert final.test_loss > 2 * min(test_curve)  # the test loss turned around and climbed
    for name in ("07-overfitting-fixed-by-l2", "08-overfitting-fixed-by-dropout"):
        _, fixed = fit(example(name))
        assert fixed.evaluation.test_loss < 0.5 * final.test_loss, name
    _, early = fit(example("09-overfitting-fixed-by-early-stopping"))
    assert early.stopped_early and early.best_epoch < 100
    assert early.evaluation.test_loss < 0.5 * final.test_loss


def test_momentum_and_adam_beat_plain_sgd_on_spirals():
    losses = {}
    for name in ("10-optimizer-sgd", "11-optimizer-momentum", "12-optimizer-adam"):
        project = example(name)
        assert project.network == example("10-optimizer-sgd").network
        losses[project.training.optimizer] = fit(project)[1].evaluation.train_loss
    assert losses["momentum"] < losses["sgd"] / 3
    assert losses["adam"] < losses["sgd"] / 3


def test_squared_features_solve_circles_without_a_hidden_layer():
    squares = example("13-feature-engineering-circles")
    assert squares.network.hidden == () and squares.network.features == ("x1^2", "x2^2")
    assert fit(squares)[1].evaluation.test_metric > 0.95
    raw = squares.replace(network=squares.network.replace(features=("x1", "x2")))
    assert fit(raw)[1].evaluation.train_metric < 0.7


def test_zero_initialisation_keeps_hidden_units_identical():
    trainer, result = fit(example("14-zero-initialisation"))
    for weight in trainer.network.weights:
        assert np.all(weight == weight[:1])  # every unit (row) the same as the first
    for bias in trainer.network.biases[:-1]:
        assert np.all(bias == bias[0])
    assert result.evaluation.train_metric <= 0.55  # a constant prediction


def test_sine_regression_fits_the_curve():
    assert fit(example("15-sine-regression"))[1].evaluation.test_metric > 0.95


def dead_share(project, seed: int) -> tuple[float, float]:
    """(share of hidden units dead over the training set, train accuracy) after training."""
    trainer, result = fit(project.replace(training=project.training.replace(seed=seed)))
    health = activation_health.measure(trainer.network, trainer._F, trainer.step_count)
    dead = sum(layer.dead for layer in health.layers)
    units = sum(layer.units for layer in health.layers)
    return dead / units, result.evaluation.train_metric


def test_a_too_high_rate_kills_most_relus_and_he_init_with_a_lower_rate_keeps_them():
    high = example("16-dead-relus")
    assert {h.activation for h in high.network.hidden} == {"relu"}
    hidden = tuple(dataclasses.replace(h, init="he_normal") for h in high.network.hidden)
    gentle = high.replace(
        network=high.network.replace(hidden=hidden),
        training=high.training.replace(lr=0.01),
    )
    for seed in (0, 1, 2):
        killed, killed_accuracy = dead_share(high, seed)
        alive, alive_accuracy = dead_share(gentle, seed)
        assert killed > 0.5, seed  # the explanation's claim: over half of the units dead
        assert alive < 0.2, seed
        assert alive_accuracy > killed_accuracy + 0.1, seed


def test_a_large_batch_ends_in_a_sharper_minimum_than_a_small_one():
    small = example("17-sharp-and-flat-minima")
    assert small.training.batch_size == 4
    large = small.replace(training=small.training.replace(batch_size=350, epochs=3000))
    for seed in (0, 1, 2):
        rises = []
        for project in (small, large):
            trainer, result = fit(project.replace(training=project.training.replace(seed=seed)))
            assert result.evaluation.train_loss < 0.02, seed  # both reach a minimum
            rises.append(landscape.sharpness(trainer.network, trainer._F,
                                             trainer.data.y_train, distance=0.1))  # fmt: skip
        assert rises[1] > 1.5 * rises[0], (seed, rises)  # the claim: over 1.5 times as fast


SEEDS = (0, 1, 2)  # each deep-network claim holds for every one of these


def with_seed(project, seed: int, **network_changes):
    hidden = tuple(
        h.__class__(**{**h.to_dict(), **network_changes}) for h in project.network.hidden
    )
    return project.replace(
        network=project.network.replace(hidden=hidden),
        training=project.training.replace(seed=seed),
    )


def layer_gradient_norms(project) -> np.ndarray:
    """Mean weight-gradient norm of every layer over the first epoch."""
    trainer = project.build_trainer()
    norms = []
    while not (report := trainer.step()).epoch_end:
        norms.append([s.weight_grad_norm for s in report.layers])
    return np.mean(norms, axis=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_residual_connections_carry_the_gradient_through_a_deep_tanh_network(seed):
    deep = example("18-residual-connections-deep-tanh")
    assert len(deep.network.hidden) >= 16
    assert all(h.residual and h.activation == "tanh" for h in deep.network.hidden)
    residual = with_seed(deep, seed)
    plain = with_seed(deep, seed, residual=False)
    res_norms, plain_norms = layer_gradient_norms(residual), layer_gradient_norms(plain)
    # without shortcuts the first layer's gradient is at least 100x smaller than the last's
    assert plain_norms[0] <= plain_norms[-1] / 100
    # with them every layer's gradient is within 10x of the last's and of each other
    assert np.all(res_norms >= res_norms[-1] / 10) and np.all(res_norms <= res_norms[-1] * 10)
    assert res_norms.min() >= res_norms.max() / 10
    assert fit(plain)[1].evaluation.train_metric < 0.6  # spirals not learnt
    assert fit(residual)[1].evaluation.train_metric > 0.95  # spirals learnt


def train_accuracy_or_divergence(project) -> float:
    try:
        return fit(project)[1].evaluation.train_metric
    except DivergenceError:
        return 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_trains_a_deep_network_at_a_rate_the_plain_one_cannot(seed):
    deep = example("19-batch-norm-high-learning-rate")
    assert len(deep.network.hidden) >= 16 and all(h.batch_norm for h in deep.network.hidden)
    lr = deep.training.lr
    normalised = with_seed(deep, seed)
    plain = with_seed(deep, seed, batch_norm=False)
    assert train_accuracy_or_divergence(normalised) > 0.9
    assert train_accuracy_or_divergence(plain) < 0.6  # at chance, or diverged
    # the plain network can learn the moons: at a rate 10x smaller it does
    slow = plain.replace(training=plain.training.replace(lr=lr / 10))
    assert train_accuracy_or_divergence(slow) > 0.9


def final_train_losses(project, **changes) -> list[float]:
    """The final whole-training-set loss for seeds 0, 1 and 2."""
    losses = []
    for seed in (0, 1, 2):
        training = project.training.replace(seed=seed, **changes)
        losses.append(fit(project.replace(training=training))[1].evaluation.train_loss)
    return losses


def test_warmup_then_cosine_ends_lower_than_a_constant_rate_with_the_same_epochs():
    project = example("20-warmup-then-cosine")
    assert project.training.schedule == "warmup_cosine"
    scheduled = final_train_losses(project)
    constant = final_train_losses(project, schedule="constant")
    for seed, (s, c) in enumerate(zip(scheduled, constant, strict=True)):
        assert s * 1.5 < c, (seed, s, c)  # the claim: at least one and a half times higher


def test_step_decay_rescues_a_rate_too_high_to_settle():
    project = example("21-step-decay-rescues-a-high-rate")
    assert (project.training.schedule, project.training.lr) == ("step", 0.3)
    scheduled = final_train_losses(project)
    constant = final_train_losses(project, schedule="constant")
    for seed, (s, c) in enumerate(zip(scheduled, constant, strict=True)):
        assert c > 0.08, (seed, c)  # the constant rate bounces, it does not settle
        assert s < 0.035, (seed, s)  # the claim: below 0.035...
        assert 3 * s < c, (seed, s, c)  # ...at least three times lower
