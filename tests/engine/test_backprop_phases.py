"""The recorded step: bit-identical to an ordinary step, and its explanations add up."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backprop_phases import explain_weight, inspect_step
from engine.errors import SpecError
from engine.gradcheck import gradcheck
from engine.optimizers import OPTIMIZERS
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import spirals

DATA = spirals(60, seed=3)
SPEC = NetworkSpec(hidden=(LayerSpec(5, "tanh"), LayerSpec(4, "relu")))
SETTINGS = [
    dict(),
    dict(l2=0.01),
    dict(l1=0.003, clip_norm=0.05),
    dict(dropout=0.3, l2=0.001),
]


def pair(config: TrainConfig, warm: int = 3) -> tuple[Trainer, Trainer]:
    a, b = Trainer(SPEC, config, DATA), Trainer(SPEC, config, DATA)
    for t in (a, b):
        for _ in range(warm):
            t.step()
    return a, b


def same_state(a: Trainer, b: Trainer) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    for key in ("step", "epoch", "cursor", "optimizer_name", "rng"):
        if sa[key] != sb[key]:
            return False
    if (sa["perm"] is None) != (sb["perm"] is None):
        return False
    if sa["perm"] is not None and not np.array_equal(sa["perm"], sb["perm"]):
        return False
    if not np.array_equal(a.network.flat, b.network.flat):
        return False
    oa, ob = sa["optimizer"], sb["optimizer"]
    return oa["step"] == ob["step"] and all(np.array_equal(oa[k], ob[k]) for k in oa)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS.names()))
@pytest.mark.parametrize("settings", SETTINGS, ids=["plain", "l2", "l1-clip", "dropout-l2"])
def test_inspected_steps_equal_ordinary_steps_bit_for_bit(optimizer, settings):
    config = TrainConfig(optimizer=optimizer, lr=0.05, batch_size=16, seed=7, **settings)
    a, b = pair(config)
    for _ in range(5):  # crosses an epoch end (42 rows, batches of 16)
        rec = inspect_step(a)
        b.step()
        assert same_state(a, b)
        assert rec.step == b.step_count
        assert np.concatenate([w.ravel() for w in rec.new_W]).tolist() == [
            float(x) for W in b.network.weights for x in W.ravel()
        ]


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_preview_leaves_the_trainer_alone_and_applying_gives_its_numbers(optimizer):
    config = TrainConfig(optimizer=optimizer, lr=0.05, batch_size=16, dropout=0.3, l1=0.001)
    a, b = pair(config, warm=2)
    for row in (None, 5):  # the next minibatch, then one chosen example
        preview = inspect_step(a, row, apply=False)
        assert same_state(a, b)  # nothing moved: weights, optimizer, counters, generators
        applied = inspect_step(a, row)
        assert preview.step == applied.step == a.step_count
        np.testing.assert_array_equal(preview.rows, applied.rows)
        for p, q in zip(
            preview.new_W + preview.update_b, applied.new_W + applied.update_b, strict=True
        ):
            np.testing.assert_array_equal(p, q)
        for key in preview.state_after:
            np.testing.assert_array_equal(preview.state_after[key], applied.state_after[key])
        b.step() if row is None else b.step_rows(np.array([row]))
        assert same_state(a, b)


def test_record_shapes_and_loss():
    config = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16)
    t = Trainer(SPEC, config, DATA)
    rec = inspect_step(t)
    assert rec.batch_size == 16 and rec.X.shape == (16, 2)
    assert [z.shape for z in rec.z] == [(16, 5), (16, 4), (16, 1)]
    assert [d.shape for d in rec.deltas] == [(16, 5), (16, 4), (16, 1)]
    assert [g.shape for g in rec.grad_W] == [(5, 2), (4, 5), (1, 4)]
    assert rec.per_example_loss.shape == (16,)
    assert rec.per_example_loss.mean() == pytest.approx(rec.loss, rel=1e-12)
    np.testing.assert_array_equal(rec.X, DATA.X_train[rec.rows])
    # no penalties or clipping: the optimizer received exactly the backprop gradient
    for g, f in zip(rec.grad_W, rec.final_grad_W, strict=True):
        np.testing.assert_array_equal(g, f)
    # SGD: new = old - lr * g
    np.testing.assert_array_equal(rec.new_W[0], rec.old_W[0] + rec.update_W[0])
    np.testing.assert_allclose(rec.update_W[1], -0.1 * rec.grad_W[1], rtol=1e-15)


def test_the_backprop_gradient_matches_numerical_differences():
    config = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16)
    t = Trainer(SPEC, config, DATA)
    before = t.network.copy()
    rec = inspect_step(t)
    check = gradcheck(before, rec.X, rec.y)
    assert check.passed()
    for k in range(3):
        np.testing.assert_allclose(rec.grad_W[k], before.weight_grads[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS.names()))
def test_chain_rule_sum_and_explained_update_equal_the_real_ones(optimizer):
    config = TrainConfig(optimizer=optimizer, lr=0.05, batch_size=16, l2=0.01, l1=0.001)
    t = Trainer(SPEC, config, DATA)
    for _ in range(4):
        t.step()
    rec = inspect_step(t)
    for layer, (i, j) in [(0, (3, 1)), (1, (2, 4)), (2, (0, 3))]:
        e = explain_weight(rec, layer, i, j)
        assert e.terms.shape == (16,)
        np.testing.assert_allclose(e.terms, e.delta * e.a_in)
        assert e.chain_sum == pytest.approx(e.backprop, rel=1e-12, abs=1e-15)
        assert e.backprop == rec.grad_W[layer][i, j]
        expected = (e.backprop + e.l2_term + e.l1_term) * e.clip_scale
        assert e.gradient == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert e.update == e.applied  # the rule, rerun on the saved state: the same bits
        assert e.new_weight == t.network.weights[layer][i, j]
        assert dict(e.quantities)["g"] == e.gradient
    if optimizer in ("adam", "adamw"):
        q = dict(e.quantities)
        assert q["t"] == 5
        assert q["1 - b1^t"] == pytest.approx(1 - 0.9**5)
        assert q["m_hat"] == pytest.approx(q["m after"] / q["1 - b1^t"])


def test_clipping_is_reported():
    config = TrainConfig(optimizer="sgd", lr=0.1, batch_size=16, clip_norm=1e-3)
    rec = inspect_step(Trainer(SPEC, config, DATA))
    assert rec.grad_norm > 1e-3
    assert rec.clip_scale == pytest.approx(1e-3 / rec.grad_norm)
    e = explain_weight(rec, 0, 0, 0)
    assert e.gradient == pytest.approx(e.backprop * rec.clip_scale, rel=1e-12)


def test_single_example_step_counts_one_and_keeps_the_epoch_position():
    config = TrainConfig(optimizer="momentum", lr=0.05, batch_size=16)
    a, b = pair(config, warm=1)
    rec = inspect_step(a, row=7)
    assert rec.single and rec.rows.tolist() == [7] and rec.batch_size == 1
    assert a.step_count == b.step_count + 1
    assert (a.epoch, a._cursor) == (b.epoch, b._cursor)
    np.testing.assert_array_equal(rec.X[0], DATA.X_train[7])
    # the next ordinary minibatch is the one an untouched trainer would take
    ra, rb = inspect_step(a), inspect_step(b)
    np.testing.assert_array_equal(ra.rows, rb.rows)
    assert not np.array_equal(a.network.flat, b.network.flat)  # the extra step did train


def test_bad_rows_and_weights_are_refused_with_clear_messages():
    t = Trainer(SPEC, TrainConfig(), DATA)
    with pytest.raises(SpecError, match=r"Row indices must lie in \[0, 42\)"):
        inspect_step(t, row=42)
    with pytest.raises(SpecError, match="an integer"):
        inspect_step(t, row=1.5)
    assert t.step_count == 0
    rec = inspect_step(t)
    with pytest.raises(SpecError, match="shape"):
        explain_weight(rec, 0, 5, 0)
    with pytest.raises(SpecError, match="Layer 3"):
        explain_weight(rec, 3, 0, 0)


def test_runner_inspect_equals_step_and_publishes_a_step_snapshot():
    from engine.runner import Runner

    config = TrainConfig(optimizer="adam", lr=0.05, batch_size=16)
    twin = Trainer(SPEC, config, DATA)
    with Runner(SPEC, config, DATA) as runner:
        assert runner.wait_snapshot(5.0).reason == "reset"
        rec = runner.inspect(timeout=10.0)
        twin.step()
        snap = runner.wait_snapshot(5.0)
        assert rec is not None and rec.step == 1
        assert (snap.reason, snap.step, snap.state) == ("step", 1, "paused")
        for (w, _), W in zip(snap.weights, twin.network.weights, strict=True):
            np.testing.assert_array_equal(w, W)
        preview = runner.inspect(row=3, timeout=10.0, apply=False)
        assert runner.wait_snapshot(5.0).reason == "pause"
        assert preview.rows.tolist() == [3] and preview.step == 2
        assert runner.inspect(row=3, timeout=10.0, expect_step=7) is None  # not step 7 next
        one = runner.inspect(row=3, timeout=10.0, expect_step=2)
        assert one.rows.tolist() == [3] and one.step == 2
        np.testing.assert_array_equal(one.new_W[0], preview.new_W[0])
        snap = runner.wait_snapshot(5.0)
        assert (snap.reason, snap.step) == ("step", 2)
        with pytest.raises(SpecError, match=r"row index in \[0, 42\)"):
            runner.inspect(row=99)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_update_phase_uses_the_rate_the_schedule_gave_that_epoch(optimizer):
    config = TrainConfig(optimizer=optimizer, lr=0.4, batch_size=0, schedule="exponential",
                         schedule_gamma=0.5)  # fmt: skip
    t = Trainer(SPEC, config, DATA)
    for _ in range(3):  # full batches: three epochs, the fourth uses 0.4 * 0.5^3
        t.step()
    rec = inspect_step(t)
    assert rec.lr == 0.05
    e = explain_weight(rec, 1, 2, 3)
    assert dict(e.quantities)["lr"] == 0.05
    assert e.update == e.applied
