"""Optimizers against their update rules computed independently, scalar by scalar."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import SpecError
from engine.optimizers import OPTIMIZERS, clip_global_norm, make_optimizer
from engine.optimizers.adam import Adam
from engine.spec import OPTIMIZERS as SPEC_OPTIMIZERS
from engine.spec import TrainConfig

W0 = [1.0, -2.0, 0.5]
GRADS = [[0.5, -1.0, 2.0], [-0.3, 0.4, 1.0]]
MASK = np.array([True, True, False])


def _reference(config: TrainConfig, w0: list[float], grads: list[list[float]]) -> list[list[float]]:
    """The updates (deltas to add) the textbook rules give, one parameter at a time."""
    name, lr = config.optimizer, config.lr
    w = list(w0)
    state = [dict(v=0.0, m=0.0, s=0.0) for _ in w]
    result = []
    for t, g_vec in enumerate(grads, start=1):
        deltas = []
        for i, g in enumerate(g_vec):
            st = state[i]
            if name == "sgd":
                d = -lr * g
            elif name == "momentum":
                st["v"] = config.momentum * st["v"] + g
                d = -lr * st["v"]
            elif name == "nesterov":
                st["v"] = config.momentum * st["v"] + g
                d = -lr * (g + config.momentum * st["v"])
            elif name == "adagrad":
                eps = 1e-10 if config.eps is None else config.eps
                st["s"] += g * g
                d = -lr * g / (math.sqrt(st["s"]) + eps)
            elif name == "rmsprop":
                eps = 1e-8 if config.eps is None else config.eps
                st["s"] = config.rho * st["s"] + (1 - config.rho) * g * g
                d = -lr * g / (math.sqrt(st["s"]) + eps)
            else:  # adam, adamw
                eps = 1e-8 if config.eps is None else config.eps
                st["m"] = config.beta1 * st["m"] + (1 - config.beta1) * g
                st["s"] = config.beta2 * st["s"] + (1 - config.beta2) * g * g
                m_hat = st["m"] / (1 - config.beta1**t)
                v_hat = st["s"] / (1 - config.beta2**t)
                d = -lr * m_hat / (math.sqrt(v_hat) + eps)
                if name == "adamw" and MASK[i]:
                    d -= lr * config.l2 * w[i]
            deltas.append(d)
        w = [wi + di for wi, di in zip(w, deltas, strict=True)]
        result.append(deltas)
    return result


def _run(config: TrainConfig, grads=GRADS, w0=W0):
    opt = make_optimizer(config, len(w0), MASK)
    params = np.array(w0)
    updates = []
    for g in grads:
        before = params.copy()
        u = opt.compute(params, np.array(g))
        np.testing.assert_array_equal(params, before)  # compute never writes the params
        updates.append(u.copy())
        params += u
    return opt, updates


CONFIGS = [
    TrainConfig(optimizer=name, lr=0.1, l2=0.3 if name == "adamw" else 0.0)
    for name in SPEC_OPTIMIZERS
] + [
    TrainConfig(optimizer="momentum", lr=0.05, momentum=0.5),
    TrainConfig(optimizer="nesterov", lr=0.05, momentum=0.7),
    TrainConfig(optimizer="adagrad", lr=0.2, eps=0.1),
    TrainConfig(optimizer="rmsprop", lr=0.01, rho=0.9, eps=1e-3),
    TrainConfig(optimizer="adam", lr=0.02, beta1=0.5, beta2=0.9, eps=1e-2),
    TrainConfig(optimizer="adamw", lr=0.02, beta1=0.8, beta2=0.99, l2=1.5),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.optimizer}-lr{c.lr}")
def test_two_steps_match_the_update_rule(config):
    _, updates = _run(config)
    expected = _reference(config, W0, GRADS)
    for got, want in zip(updates, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_defaults_follow_pytorch():
    config = TrainConfig()
    assert config.momentum == 0.9 and config.rho == 0.99
    assert (config.beta1, config.beta2) == (0.9, 0.999)
    mask = np.ones(2, dtype=bool)
    eps = {n: make_optimizer(config.replace(optimizer=n), 2, mask).eps for n in SPEC_OPTIMIZERS}
    assert eps["adam"] == eps["adamw"] == eps["rmsprop"] == 1e-8
    assert eps["adagrad"] == 1e-10


@pytest.mark.parametrize("name", SPEC_OPTIMIZERS)
def test_lr_change_mid_run_keeps_state(name):
    config = TrainConfig(optimizer=name, lr=0.1, l2=0.2)
    steady, steady_updates = _run(config)
    changed = make_optimizer(config, 3, MASK)
    params = np.array(W0)
    params += changed.compute(params, np.array(GRADS[0]))
    changed.set_config(config.replace(lr=0.025))
    second = changed.compute(params, np.array(GRADS[1]))
    assert changed.step == steady.step == 2
    # with the state kept, every rule here is linear in the learning rate
    np.testing.assert_allclose(second, steady_updates[1] * 0.25, rtol=1e-12)


def test_set_config_changes_hyper_parameters_for_the_next_step():
    config = TrainConfig(optimizer="momentum", lr=0.1, momentum=0.9)
    opt = make_optimizer(config, 1, np.array([True]))
    opt.compute(np.zeros(1), np.array([1.0]))
    opt.set_config(config.replace(momentum=0.5))
    u = opt.compute(np.zeros(1), np.array([2.0]))
    assert u[0] == pytest.approx(-0.1 * (0.5 * 1.0 + 2.0), rel=1e-15)


def test_set_config_refuses_another_optimizer():
    opt = make_optimizer(TrainConfig(optimizer="adam"), 3, MASK)
    with pytest.raises(SpecError, match="make_optimizer"):
        opt.set_config(TrainConfig(optimizer="sgd"))


@pytest.mark.parametrize("name", SPEC_OPTIMIZERS)
def test_state_dict_round_trip_continues_identically(name):
    config = TrainConfig(optimizer=name, lr=0.05, l2=0.1)
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(5, 6))
    mask = np.arange(6) % 2 == 0
    a = make_optimizer(config, 6, mask)
    params = rng.normal(size=6)
    for g in grads[:3]:
        params += a.compute(params, g)
    saved = a.state_dict()
    assert saved["step"] == 3
    assert all(isinstance(v, int | np.ndarray) for v in saved.values())
    b = make_optimizer(config, 6, mask)
    b.load_state_dict(saved)
    for g in grads[3:]:
        np.testing.assert_array_equal(a.compute(params, g), b.compute(params, g))
    # the saved dict holds copies, not the live state
    if name != "sgd":
        assert not all(np.array_equal(saved[k], a.state[k]) for k in a.state_names)


def test_load_state_dict_refuses_a_mismatch():
    opt = make_optimizer(TrainConfig(optimizer="adam"), 3, MASK)
    saved = opt.state_dict()
    bigger = make_optimizer(TrainConfig(optimizer="adam"), 4, np.ones(4, dtype=bool))
    with pytest.raises(SpecError, match=r"'m' has shape \(3,\), expected \(4,\)"):
        bigger.load_state_dict(saved)
    with pytest.raises(SpecError, match="expected"):
        opt.load_state_dict({"step": 1, "m": np.zeros(3)})
    with pytest.raises(SpecError, match="step"):
        opt.load_state_dict({**saved, "step": -1})
    sgd = make_optimizer(TrainConfig(optimizer="sgd"), 3, MASK)
    with pytest.raises(SpecError, match="expected"):
        sgd.load_state_dict(saved)


def test_adamw_decays_only_masked_entries():
    config = TrainConfig(optimizer="adamw", lr=0.1, l2=0.5)
    opt = make_optimizer(config, 3, MASK)
    params = np.array([2.0, -4.0, 8.0])
    # a zero gradient leaves Adam's part at 0, so only the decay remains
    u = opt.compute(params, np.zeros(3))
    np.testing.assert_allclose(u, [-0.1 * 0.5 * 2.0, -0.1 * 0.5 * -4.0, 0.0], rtol=1e-15)


def test_adamw_without_decay_equals_adam():
    rng = np.random.default_rng(2)
    mask = rng.random(10) < 0.5
    adamw = make_optimizer(TrainConfig(optimizer="adamw", l2=0.0), 10, mask)
    adam = make_optimizer(TrainConfig(optimizer="adam", l2=0.0), 10, mask)
    assert isinstance(adamw, Adam)
    params = rng.normal(size=10)
    for _ in range(4):
        g = rng.normal(size=10)
        u = adamw.compute(params, g)
        np.testing.assert_array_equal(u, adam.compute(params, g))
        params += u


def test_compute_reuses_its_buffer_and_checks_sizes():
    opt = make_optimizer(TrainConfig(optimizer="adam"), 3, MASK)
    first = opt.compute(np.zeros(3), np.ones(3))
    assert opt.compute(np.zeros(3), np.ones(3)) is first
    with pytest.raises(SpecError, match="3 parameters"):
        opt.compute(np.zeros(4), np.ones(4))
    with pytest.raises(SpecError, match="decay_mask"):
        make_optimizer(TrainConfig(), 3, np.ones(2, dtype=bool))
    with pytest.raises(SpecError, match="decay_mask"):
        make_optimizer(TrainConfig(), 3, np.ones(3))


def test_clip_scales_to_the_max_norm():
    g = np.array([3.0, 4.0])
    assert clip_global_norm(g, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-15)
    assert np.linalg.norm(g) == pytest.approx(1.0, rel=1e-15)


def test_clip_leaves_small_gradients_and_zero_max_norm_alone():
    g = np.array([3.0, 4.0])
    assert clip_global_norm(g, 10.0) == pytest.approx(5.0)
    assert clip_global_norm(g, 0.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_clip_survives_overflowing_squares_and_leaves_nan_for_the_trainer():
    g = np.array([1e200, -1e200])
    assert clip_global_norm(g, 2.0) == pytest.approx(math.sqrt(2) * 1e200)
    np.testing.assert_allclose(g, [math.sqrt(2), -math.sqrt(2)], rtol=1e-15)
    bad = np.array([np.nan, 1.0])
    assert math.isnan(clip_global_norm(bad, 1.0))
    assert bad[1] == 1.0


def test_registry_names_duplicates_and_unknown_names():
    assert OPTIMIZERS.names() == list(SPEC_OPTIMIZERS)
    for name in SPEC_OPTIMIZERS:
        assert make_optimizer(TrainConfig(optimizer=name), 2, np.ones(2, dtype=bool)).name == name
    with pytest.raises(ValueError, match="already registered"):
        OPTIMIZERS.register("adam", Adam)
    with pytest.raises(SpecError, match="Could not interpret optimizer 'lion'"):
        OPTIMIZERS.get("lion")
