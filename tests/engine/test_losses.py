"""Losses, links and metrics against straightforward reference formulas."""

import numpy as np
import pytest

from engine.errors import SpecError
from engine.losses import LOSSES, Objective, make_objective, r2_score
from engine.spec import LOSSES as SPEC_LOSSES
from engine.spec import NetworkSpec

N = 12
RNG = np.random.default_rng(0)
LOGITS_1 = RNG.normal(0.0, 2.0, size=(N, 1))
LOGITS_3 = RNG.normal(0.0, 2.0, size=(N, 3))
LABELS_2 = RNG.integers(0, 2, size=N)
LABELS_3 = RNG.integers(0, 3, size=N)
# regression targets spread so that residuals fall on both sides of the huber delta
TARGETS = LOGITS_1[:, 0] + RNG.choice([-1, 1], N) * RNG.uniform(0.1, 2.5, N)

# (loss, task spec, logits, y)
CASES = {
    "bce": ("bce", dict(n_classes=2), LOGITS_1, LABELS_2),
    "ce": ("ce", dict(n_classes=3), LOGITS_3, LABELS_3),
}
for _loss in ("mse", "mae", "huber"):
    CASES[f"{_loss}-regression"] = (_loss, dict(task="regression"), LOGITS_1, TARGETS)
    CASES[f"{_loss}-binary"] = (_loss, dict(n_classes=2), LOGITS_1, LABELS_2)
    CASES[f"{_loss}-3-classes"] = (_loss, dict(n_classes=3), LOGITS_3, LABELS_3)


def _objective(loss: str, task: dict) -> Objective:
    return make_objective(NetworkSpec(loss=loss, **task))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _reference_per_example(loss, task, logits, y):
    """Textbook definitions; classification with mse/mae/huber compares probabilities."""
    if loss == "bce":
        p = _sigmoid(logits[:, 0])
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))
    if loss == "ce":
        return -np.log(_softmax(logits)[np.arange(len(y)), y])
    if task.get("task") == "regression":
        r = logits - y[:, None]
    elif logits.shape[1] == 1:
        r = _sigmoid(logits) - y[:, None]
    else:
        r = _softmax(logits) - np.eye(logits.shape[1])[y]
    e = {
        "mse": r**2,
        "mae": np.abs(r),
        "huber": np.where(np.abs(r) <= 1.0, 0.5 * r**2, np.abs(r) - 0.5),
    }[loss]
    return e.mean(axis=1)


def test_registry_and_defaults():
    assert LOSSES.names() == list(SPEC_LOSSES)
    binary = make_objective(NetworkSpec(n_classes=2))
    assert (binary.name, binary.link_name, binary.metric_name) == ("bce", "sigmoid", "accuracy")
    multi = make_objective(NetworkSpec(n_classes=4))
    assert (multi.name, multi.link_name, multi.n_outputs) == ("ce", "softmax", 4)
    reg = make_objective(NetworkSpec(task="regression"))
    assert (reg.name, reg.link_name, reg.metric_name) == ("mse", "identity", "r2")


def test_mismatched_loss_and_outputs_are_refused():
    with pytest.raises(SpecError, match="'bce' needs binary"):
        Objective("bce", "classification", 3)
    with pytest.raises(SpecError, match="'ce' needs classification"):
        Objective("ce", "regression", 1)


@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_matches_the_reference_formula(case):
    loss, task, logits, y = CASES[case]
    obj = _objective(loss, task)
    expected = _reference_per_example(loss, task, logits, y)
    per_example = obj.per_example(logits, y)
    assert per_example.shape == (N,)
    np.testing.assert_allclose(per_example, expected, rtol=1e-12, atol=1e-15)
    assert obj.value(logits, y) == pytest.approx(expected.mean(), rel=1e-12)


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_of_the_mean_loss_matches_central_differences(case):
    loss, task, logits, y = CASES[case]
    obj = _objective(loss, task)
    out = np.empty_like(logits)
    assert obj.grad(logits, y, out) is out
    numerical = np.empty_like(logits)
    h = 1e-6
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numerical[idx] = (obj.value(up, y) - obj.value(down, y)) / (up[idx] - down[idx])
    np.testing.assert_allclose(out, numerical, rtol=1e-6, atol=1e-9)


def test_mse_has_no_half_factor_and_regression_targets_may_be_a_column():
    obj = _objective("mse", dict(task="regression"))
    logits = np.array([[1.0], [3.0]])
    assert obj.value(logits, np.array([0.0, 1.0])) == 2.5  # (1 + 4) / 2
    assert obj.value(logits, np.array([[0.0], [1.0]])) == 2.5
    np.testing.assert_allclose(obj.grad(logits, np.array([0.0, 1.0])), [[1.0], [2.0]])


def test_extreme_logits_give_finite_exact_losses():
    bce = _objective("bce", dict(n_classes=2))
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([1, 0, 0, 1])
    assert bce.per_example(z, y).tolist() == [0.0, 0.0, 1000.0, 1000.0]
    assert bce.grad(z, y).ravel().tolist() == [0.0, 0.0, 0.25, -0.25]

    ce = _objective("ce", dict(n_classes=3))
    z3 = np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]])
    labels = np.array([0, 1])
    assert ce.per_example(z3, labels).tolist() == [0.0, 2000.0]
    g = ce.grad(z3, labels)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]], atol=1e-300)

    for loss in ("mse", "mae", "huber"):
        for task, logits, lab in ((dict(n_classes=2), z, y), (dict(n_classes=3), z3, labels)):
            obj = _objective(loss, task)
            assert np.isfinite(obj.value(logits, lab))
            assert np.all(np.isfinite(obj.grad(logits, lab)))
            assert np.all(np.isfinite(obj.link(logits)))


def test_links_shapes_and_ranges():
    p = _objective("bce", dict(n_classes=2)).link(LOGITS_1)
    assert p.shape == (N, 1) and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(p, _sigmoid(LOGITS_1), rtol=1e-14)
    q = _objective("ce", dict(n_classes=3)).link(LOGITS_3)
    assert q.shape == (N, 3)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(q, _softmax(LOGITS_3), rtol=1e-14)
    assert _objective("mse", dict(task="regression")).link(LOGITS_1) is LOGITS_1


def test_accuracy_thresholds_binary_at_one_half_and_takes_the_argmax_for_k_classes():
    binary = _objective("bce", dict(n_classes=2))
    probs = np.array([[0.2], [0.7], [0.5], [0.51]])
    assert binary.metric(probs, np.array([0, 1, 0, 0])) == 0.75
    multi = _objective("ce", dict(n_classes=3))
    probs3 = np.array([[0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5]])
    assert multi.metric(probs3, np.array([1, 0, 1])) == pytest.approx(2 / 3)


def test_r2():
    y = np.array([1.0, 2.0, 3.0])
    assert r2_score(y, y) == 1.0
    assert r2_score(np.full(3, 2.0), y) == 0.0  # predicting the mean explains nothing
    assert r2_score(np.array([1.0, 2.0, 4.0]), y) == 0.5  # 1 - 1/2
    assert r2_score(np.array([3.0, 2.0, 1.0]), y) == -3.0  # worse than the mean: negative
    # a constant target: perfect fit counts as 1, anything else as 0 (always finite)
    assert r2_score(np.full(3, 5.0), np.full(3, 5.0)) == 1.0
    assert r2_score(np.array([5.0, 5.0, 6.0]), np.full(3, 5.0)) == 0.0
    reg = _objective("mse", dict(task="regression"))
    assert reg.metric(y[:, None], y) == 1.0
    loss, metric = reg.evaluate(np.array([[1.0], [2.0], [4.0]]), y)
    assert (loss, metric) == (pytest.approx(1 / 3), 0.5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_value_and_grad_is_value_and_grad_bit_for_bit(case):
    loss, task, logits, y = CASES[case]
    obj = _objective(loss, task)
    out, work = np.empty_like(logits), np.empty_like(logits)
    value = obj.value_and_grad(logits, obj.prepare(y), out, work)
    assert value == obj.value(logits, y)
    assert np.array_equal(out, obj.grad(logits, y))


def test_prepare_gives_the_form_each_loss_compares_with():
    assert _objective("ce", dict(n_classes=3)).prepare(LABELS_3).tolist() == LABELS_3.tolist()
    bce = _objective("bce", dict(n_classes=2)).prepare(LABELS_2)
    assert bce.dtype == np.float64 and bce[:, 0].tolist() == LABELS_2.tolist()
    onehot = _objective("mse", dict(n_classes=3)).prepare(LABELS_3)
    assert onehot.shape == (N, 3) and onehot.argmax(axis=1).tolist() == LABELS_3.tolist()
