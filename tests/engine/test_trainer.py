"""Trainer: determinism, learning, statistics, penalties, divergence, persistence."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from engine.data import Data
from engine.errors import DivergenceError, SpecError
from engine.spec import LIMITS, LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer


def spirals(n: int = 400, seed: int = 0, test_ratio: float = 0.3, noise: float = 0.0) -> Data:
    """Two interleaved spiral arms in [-1, 1]^2 (built here: tests/engine never needs datasets)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.05, 1.0, n)
    angle = 2.5 * np.pi * t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    X += rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    n_test = round(n * test_ratio)
    test, train = order[:n_test], order[n_test:]
    return make_data(X[train], y[train], X[test], y[test])


def make_data(X, y, X_test=None, y_test=None, task="classification") -> Data:
    d = np.asarray(X).shape[1]
    return Data.from_arrays(
        X,
        y,
        X_test,
        y_test,
        task=task,
        n_classes=2 if task == "classification" else None,
        bounds=[(-1.0, 1.0)] * d,
    )


def xor_data(copies: int = 1) -> Data:
    X = np.tile([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], (copies, 1))
    return make_data(X, np.tile([0, 1, 1, 0], copies))


def net(*units, activation="tanh", **kw) -> NetworkSpec:
    return NetworkSpec(hidden=tuple(LayerSpec(u, activation) for u in units), **kw)


SMALL = spirals(60, seed=1)


def run(trainer: Trainer, steps: int) -> list[float]:
    return [trainer.step().loss for _ in range(steps)]


def test_same_seed_and_settings_give_bit_identical_runs():
    spec = net(8, 8, activation="relu")
    config = TrainConfig(batch_size=7, dropout=0.2, l1=1e-3, l2=1e-3, clip_norm=1.0, seed=3)
    a, b = Trainer(spec, config, SMALL), Trainer(spec, config, SMALL)
    assert run(a, 40) == run(b, 40)
    assert np.array_equal(a.network.flat, b.network.flat)
    c = Trainer(spec, config.replace(seed=4), SMALL)
    run(c, 40)
    assert not np.array_equal(a.network.flat, c.network.flat)


def test_xor_reaches_full_train_accuracy_and_loss_falls():
    trainer = Trainer(net(4), TrainConfig(lr=0.05, batch_size=0), xor_data())
    before = trainer.evaluate()
    result = trainer.fit(300)
    assert result.epochs == 300 and result.steps == 300
    assert result.evaluation.train_metric == 1.0
    assert result.evaluation.train_loss < 0.1 * before.train_loss
    assert result.evaluation.test_loss is None and result.evaluation.metric_name == "accuracy"


def test_two_arm_spirals_reach_95_percent_test_accuracy():
    data = spirals(400)
    trainer = Trainer(net(16, 16), TrainConfig(lr=0.05, batch_size=16, epochs=150), data)
    first = trainer.evaluate()
    result = trainer.fit()
    assert result.evaluation.test_metric >= 0.95
    assert result.evaluation.train_loss < 0.5 * first.train_loss


def test_minibatches_keep_the_last_smaller_batch_and_reshuffle_every_epoch():
    data = make_data(np.linspace(-1, 1, 46).reshape(23, 2), np.arange(23) % 2)
    trainer = Trainer(net(3), TrainConfig(batch_size=10), data)
    reports = [trainer.step() for _ in range(6)]
    assert [r.batch_size for r in reports] == [10, 10, 3, 10, 10, 3]
    assert [r.epoch_end for r in reports] == [False, False, True] * 2
    assert [r.epoch for r in reports] == [0, 0, 1, 1, 1, 2]
    perms = []
    for _ in range(2):
        trainer.step()
        perms.append(trainer.state_dict()["perm"])
        trainer.run_epoch()
    assert sorted(perms[0]) == list(range(23)) and not np.array_equal(perms[0], perms[1])


def test_full_batch_takes_every_example_each_step():
    trainer = Trainer(net(3), TrainConfig(batch_size=0), SMALL)
    report = trainer.step()
    assert report.batch_size == len(SMALL.X_train) and report.epoch_end and report.epoch == 1


def test_batch_size_change_applies_to_the_next_step():
    data = make_data(np.linspace(-1, 1, 80).reshape(40, 2), np.arange(40) % 2)
    trainer = Trainer(net(3), TrainConfig(batch_size=10), data)
    trainer.run_epoch()
    trainer.set_config(trainer.config.replace(batch_size=8))
    reports = [trainer.step() for _ in range(5)]
    assert [r.batch_size for r in reports] == [8] * 5 and reports[-1].epoch_end


def test_layer_statistics_match_direct_computation():
    spec = net(6, 5, activation="relu")
    trainer = Trainer(spec, TrainConfig(optimizer="sgd", lr=0.1, batch_size=0), SMALL)
    nw = trainer.network
    before = [w.copy() for w in nw.weights]
    report = trainer.step()
    assert len(report.layers) == 3
    for k, stats in enumerate(report.layers):
        a = nw.post[k]
        assert stats.weight_grad_norm == pytest.approx(np.linalg.norm(nw.weight_grads[k]))
        assert stats.bias_grad_norm == pytest.approx(np.linalg.norm(nw.bias_grads[k]))
        assert stats.weight_norm == pytest.approx(np.linalg.norm(nw.weights[k]))
        ratio = np.linalg.norm(nw.weights[k] - before[k]) / np.linalg.norm(nw.weights[k])
        assert stats.update_ratio == pytest.approx(ratio)
        assert stats.act_mean == pytest.approx(a.mean())
        assert stats.act_std == pytest.approx(a.std(), rel=1e-6, abs=1e-9)
        if k < 2:
            assert stats.dead_fraction == pytest.approx(np.mean(a.max(axis=0) <= 0))
        assert stats.saturated_fraction == 0.0
    assert np.allclose(trainer.grad_norms, [s.weight_grad_norm for s in report.layers])


def test_saturated_fraction_for_tanh():
    trainer = Trainer(net(4), TrainConfig(batch_size=0), SMALL)
    trainer.network.weights[0][...] *= 50.0  # drive tanh into saturation
    report = trainer.step()
    a = trainer.network.post[0]
    assert report.layers[0].saturated_fraction == pytest.approx(np.mean(np.abs(a) > 0.99))
    assert report.layers[0].saturated_fraction > 0.5


def one_step_delta(config: TrainConfig, spec=None) -> tuple[np.ndarray, np.ndarray]:
    trainer = Trainer(spec or net(5), config, SMALL)
    before = trainer.network.flat.copy()
    trainer.step()
    return trainer.network.flat - before, before


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_penalties_add_to_weight_gradients_only(penalty):
    base = TrainConfig(optimizer="sgd", lr=0.1, batch_size=0)
    plain, w = one_step_delta(base)
    with_pen, _ = one_step_delta(base.replace(**{penalty: 0.5}))
    mask = Trainer(net(5), base, SMALL).network.decay_mask
    term = np.sign(w) if penalty == "l1" else w
    assert np.allclose(with_pen[mask] - plain[mask], -0.1 * 0.5 * term[mask])
    assert np.array_equal(with_pen[~mask], plain[~mask])


def test_adamw_takes_l2_as_decoupled_decay_not_as_gradient():
    base = TrainConfig(optimizer="adamw", lr=0.01, batch_size=0)
    plain, w = one_step_delta(base)
    decayed, _ = one_step_delta(base.replace(l2=0.5))
    mask = Trainer(net(5), base, SMALL).network.decay_mask
    assert np.allclose(decayed[mask] - plain[mask], -0.01 * 0.5 * w[mask])
    assert np.array_equal(decayed[~mask], plain[~mask])


def test_clipping_bounds_the_global_gradient_norm():
    delta, _ = one_step_delta(TrainConfig(optimizer="sgd", lr=0.1, batch_size=0, clip_norm=1e-3))
    assert np.linalg.norm(delta) == pytest.approx(0.1 * 1e-3)


def test_evaluate_matches_predictions():
    data = spirals(100)
    trainer = Trainer(net(6), TrainConfig(), data)
    trainer.fit(5)
    ev = trainer.evaluate()
    p = trainer.network.predict(data.X_test)[:, 0]
    assert ev.test_metric == pytest.approx(np.mean((p > 0.5) == data.y_test))
    y = data.y_test
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert ev.test_loss == pytest.approx(bce, rel=1e-6)


def test_evaluate_in_chunks_equals_one_pass(monkeypatch):
    data = spirals(300, test_ratio=0.0)
    trainer = Trainer(net(6), TrainConfig(), make_data(data.X_train, data.y_train))
    whole = trainer.evaluate()
    monkeypatch.setattr("engine.trainer.EVAL_CHUNK", 64)
    chunked = trainer.evaluate()
    assert chunked.train_loss == pytest.approx(whole.train_loss, rel=1e-12)
    assert chunked.train_metric == whole.train_metric and chunked.test_loss is None
    assert trainer.evaluate(should_stop=lambda: True) is None


def test_regression_reports_r2():
    x = np.linspace(-1, 1, 64)[:, None]
    data = make_data(x, np.sin(3 * x[:, 0]), task="regression")
    spec = NetworkSpec(input_dim=1, features=("x1",), hidden=(LayerSpec(16),), task="regression")
    trainer = Trainer(spec, TrainConfig(lr=0.02, batch_size=8), data)
    result = trainer.fit(200)
    assert result.evaluation.metric_name == "r2" and result.evaluation.train_metric > 0.95


def test_early_stopping_stops_and_restores_the_best_weights():
    data = spirals(80, seed=2, noise=0.3)  # few noisy points: a big net soon overfits
    spec = net(64, 64)
    config = TrainConfig(lr=0.03, batch_size=4, patience=3)
    trainer = Trainer(spec, config, data)
    seen = {}
    result = trainer.fit(
        500, on_epoch=lambda t, ev: seen.update({t.epoch: (ev, t.network.flat.copy())})
    )
    assert result.stopped_early and result.epochs < 500
    losses = {e: ev.test_loss for e, (ev, _) in seen.items()}
    best = min(losses, key=losses.get)
    assert result.best_epoch == best
    assert max(seen) - best == 3  # exactly `patience` epochs without improvement
    assert np.array_equal(trainer.network.flat, seen[best][1])
    assert result.evaluation.test_loss == pytest.approx(losses[best])


def test_absurd_learning_rate_diverges_without_corrupting_the_weights():
    lr = LIMITS["lr"]
    trainer = Trainer(net(8, 8, activation="relu"), TrainConfig(optimizer="sgd", lr=lr), SMALL)
    for _ in range(50):
        before = trainer.network.flat.copy()
        try:
            trainer.step()
        except DivergenceError as exc:
            error = exc
            break
    else:
        pytest.fail(f"no divergence within 50 steps at lr={lr:g}")
    assert error.step == trainer.step_count + 1
    assert error.quantity in {
        "loss",
        "exploding loss",
        "activation",
        "weight gradient",
        "bias gradient",
        "weight update",
        "bias update",
        "weight",
        "bias",
    }
    assert error.layer is None or 0 <= error.layer < 3
    assert f"step {error.step}" in str(error) and "learning rate" in str(error)
    assert np.isfinite(trainer.network.flat).all()
    assert np.array_equal(trainer.network.flat, before)


def test_an_exploding_but_finite_loss_is_divergence():
    """lr 1e6 with Adam keeps every number finite (the loss reaches ~1e5): still divergence."""
    trainer = Trainer(net(8, 8), TrainConfig(optimizer="adam", lr=1e6), SMALL)
    first = trainer.step().loss
    before = None
    with pytest.raises(DivergenceError) as info:
        for _ in range(1000):
            before = trainer.network.flat.copy()
            trainer.step()
    error = info.value
    assert error.quantity == "exploding loss" and error.layer is None
    assert error.step == trainer.step_count + 1
    assert "exploded" in str(error) and f"{first:.4g}" in str(error)
    assert "learning rate" in str(error)
    assert np.isfinite(trainer.network.flat).all()
    assert np.array_equal(trainer.network.flat, before)  # the failing step wrote nothing


def test_divergence_at_the_update_restarts_a_non_finite_optimizer_state():
    trainer = Trainer(net(3), TrainConfig(optimizer="momentum", lr=1.0, batch_size=0), SMALL)
    trainer.step()
    trainer.optimizer.state["velocity"][0] = np.inf
    before = trainer.network.flat.copy()
    with pytest.raises(DivergenceError) as info:
        trainer.step()
    assert info.value.quantity in {"weight update", "bias update"}
    assert np.array_equal(trainer.network.flat, before)
    assert trainer.optimizer.step == 0  # fresh state, so a retry can succeed
    trainer.step()
    assert np.isfinite(trainer.network.flat).all()


def test_set_config_keeps_weights_and_optimizer_state_and_applies_the_new_lr():
    trainer = Trainer(net(5), TrainConfig(optimizer="adam", lr=0.01, batch_size=0), SMALL)
    run(trainer, 10)
    saved = trainer.state_dict()
    optimizer, state = trainer.optimizer, trainer.optimizer.state_dict()
    flat = trainer.network.flat.copy()
    trainer.set_config(trainer.config.replace(lr=0.02))
    assert trainer.optimizer is optimizer and trainer.optimizer.step == 10
    assert all(np.array_equal(v, state[k]) for k, v in trainer.optimizer.state_dict().items())
    assert np.array_equal(trainer.network.flat, flat)
    trainer.step()
    doubled = trainer.network.flat - flat
    reference = Trainer(net(5), TrainConfig(optimizer="adam", lr=0.01, batch_size=0), SMALL)
    reference.load_state_dict(saved)
    reference.step()
    assert np.allclose(doubled, 2.0 * (reference.network.flat - flat))
    trainer.set_config(trainer.config.replace(optimizer="sgd"))
    assert trainer.optimizer.name == "sgd" and trainer.optimizer.step == 0
    assert np.array_equal(trainer.network.flat, flat + doubled)


def test_state_dict_round_trip_continues_bit_identically():
    spec = net(6, 6)
    config = TrainConfig(batch_size=9, dropout=0.1, seed=5)
    uninterrupted = Trainer(spec, config, SMALL)
    run(uninterrupted, 50)
    first = Trainer(spec, config, SMALL)
    run(first, 23)  # mid-epoch
    saved = copy.deepcopy(first.state_dict())
    saved["perm"] = saved["perm"].tolist()  # as a project file would hold it
    resumed = Trainer(spec, config.replace(seed=99), SMALL)  # the seed must not matter
    resumed.load_state_dict(saved)
    assert (resumed.step_count, resumed.epoch) == (first.step_count, first.epoch)
    run(resumed, 27)
    assert np.array_equal(resumed.network.flat, uninterrupted.network.flat)


def test_load_state_dict_refuses_another_optimizer():
    saved = Trainer(net(3), TrainConfig(optimizer="adam"), SMALL).state_dict()
    other = Trainer(net(3), TrainConfig(optimizer="sgd"), SMALL)
    with pytest.raises(SpecError, match="adam"):
        other.load_state_dict(saved)


def test_data_that_does_not_fit_the_network_is_refused():
    with pytest.raises(SpecError, match="input"):
        Trainer(NetworkSpec(input_dim=1, features=("x1",)), TrainConfig(), SMALL)
    with pytest.raises(SpecError, match="3 classes"):
        Trainer(net(3, loss="ce", n_classes=3), TrainConfig(), SMALL)


def test_layer_statistics_of_mixed_activations_and_dropout():
    spec = NetworkSpec(
        hidden=(
            LayerSpec(7, "sigmoid"),
            LayerSpec(6, "leaky_relu"),
            LayerSpec(5, "tanh", dropout=0.3),
            LayerSpec(4, "gelu"),
        )
    )
    trainer = Trainer(spec, TrainConfig(lr=0.05, batch_size=16), SMALL)
    trainer.network.weights[0][...] *= 8.0  # some sigmoid units saturate
    for _ in range(5):
        report = trainer.step()
    posts = trainer.network.post
    for k, (stats, a) in enumerate(zip(report.layers, posts, strict=True)):
        assert stats.act_mean == pytest.approx(a.mean(), rel=1e-9, abs=1e-12)
        assert stats.act_std == pytest.approx(a.std(), rel=1e-6, abs=1e-9)
        dead = np.mean(a.max(axis=0) <= 0) if k == 1 else 0.0
        assert stats.dead_fraction == pytest.approx(dead)
    sigmoid_sat = np.mean((posts[0] < 0.01) | (posts[0] > 0.99))
    assert report.layers[0].saturated_fraction == pytest.approx(sigmoid_sat) and sigmoid_sat > 0
    assert report.layers[2].saturated_fraction == pytest.approx(np.mean(np.abs(posts[2]) > 0.99))
    assert report.layers[3].saturated_fraction == 0.0 == report.layers[4].saturated_fraction
    assert trainer.layer_stats() == report.layers


def test_a_restored_trainer_takes_the_same_minibatches_mid_epoch():
    config = TrainConfig(optimizer="adam", batch_size=7, dropout=0.2)
    spec = net(5, 4)
    trainer = Trainer(spec, config, SMALL)
    run(trainer, 3)  # mid-epoch: the shuffled order must be restored, not redrawn
    twin = Trainer(spec, config, SMALL)
    twin.load_state_dict(trainer.state_dict())
    assert run(twin, 20) == run(trainer, 20)
    assert np.array_equal(twin.network.flat, trainer.network.flat)


def test_run_steps_is_n_single_steps():
    config = TrainConfig(optimizer="adam", batch_size=7)
    one, many = Trainer(net(5), config, SMALL), Trainer(net(5), config, SMALL)
    singles = [one.step(stats=False) for _ in range(12)]
    last = many.run_steps(12)
    assert last == singles[-1] and np.array_equal(one.network.flat, many.network.flat)
    assert many.run_steps(1, stats=True).layers == one.step().layers
    for bad in (0, -1, 2.0, True):
        with pytest.raises(SpecError, match="`n`"):
            many.run_steps(bad)
