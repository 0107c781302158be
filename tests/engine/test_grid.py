"""Grid views: shapes per kind, values equal to predict, and orientation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SpecError
from engine.grid import CURVE_FACTOR, GridEvaluator
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec

BOUNDS_2D = ((-2.0, 1.0), (0.5, 4.0))  # different per axis so a swap shows


def _net(**spec) -> Network:
    return Network(NetworkSpec(hidden=(LayerSpec(6, "tanh"),), **spec), rng=4)


def test_binary_classification_grid():
    net = _net()
    view = GridEvaluator(BOUNDS_2D, 2, "classification", resolution=20).evaluate(net)
    assert view.kind == "classification"
    assert view.xs.shape == (20,) and view.ys.shape == (20,)
    assert (view.xs[0], view.xs[-1], view.ys[0], view.ys[-1]) == (-2.0, 1.0, 0.5, 4.0)
    assert view.values.shape == (20, 20, 1)
    assert view.bounds == BOUNDS_2D
    points = np.array([[x, y] for y in view.ys for x in view.xs])
    np.testing.assert_array_equal(view.values.reshape(-1, 1), net.predict(points))


def test_orientation_values_iy_ix_is_at_xs_ix_ys_iy():
    net = _net(n_classes=3, loss="ce")
    view = GridEvaluator(BOUNDS_2D, 2, "classification", resolution=16).evaluate(net)
    assert view.values.shape == (16, 16, 3)
    for iy, ix in [(0, 15), (15, 0), (3, 11), (12, 2)]:
        expected = net.predict(np.array([[view.xs[ix], view.ys[iy]]]))[0]
        np.testing.assert_allclose(view.values[iy, ix], expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(view.values.sum(axis=2), 1.0, rtol=1e-12)


def test_regression_curve():
    net = Network(
        NetworkSpec(input_dim=1, features=("x1",), hidden=(LayerSpec(5),), task="regression"),
        rng=1,
    )
    ev = GridEvaluator(((-1.0, 3.0),), 1, "regression", resolution=10)
    view = ev.evaluate(net)
    assert view.kind == "curve" and view.ys is None
    assert view.xs.shape == (CURVE_FACTOR * 10,) and view.values.shape == (CURVE_FACTOR * 10,)
    assert (view.xs[0], view.xs[-1]) == (-1.0, 3.0)
    np.testing.assert_array_equal(view.values, net.predict(view.xs[:, None])[:, 0])


def test_regression_surface():
    net = _net(task="regression")
    view = GridEvaluator(BOUNDS_2D, 2, "regression", resolution=12).evaluate(net)
    assert view.kind == "surface" and view.values.shape == (12, 12)
    iy, ix = 9, 2
    expected = net.predict(np.array([[view.xs[ix], view.ys[iy]]]))[0, 0]
    assert view.values[iy, ix] == pytest.approx(expected, rel=1e-13)


def test_views_are_immutable_and_independent_of_later_evaluations():
    net = _net()
    ev = GridEvaluator(BOUNDS_2D, 2, "classification", resolution=8)
    first = ev.evaluate(net)
    kept = first.values.copy()
    with pytest.raises(ValueError):
        first.values[0, 0, 0] = 0.5
    with pytest.raises(ValueError):
        first.xs[0] = 0.0
    net.flat[...] = 0.0  # all-zero weights: every probability is exactly 0.5
    second = ev.evaluate(net)
    np.testing.assert_array_equal(first.values, kept)
    np.testing.assert_array_equal(second.values, 0.5)


def test_unsupported_shapes_and_bad_arguments_are_refused():
    assert GridEvaluator.supports(2, "classification") and GridEvaluator.supports(1, "regression")
    assert not GridEvaluator.supports(1, "classification")
    assert not GridEvaluator.supports(3, "regression")
    with pytest.raises(SpecError, match=r"No grid view for 3-D regression"):
        GridEvaluator(((0, 1),) * 3, 3, "regression")
    with pytest.raises(SpecError, match=r"expected 2 .min, max. pair"):
        GridEvaluator(((0, 1),), 2, "classification")
    with pytest.raises(SpecError, match=r"min <= max"):
        GridEvaluator(((1, 0), (0, 1)), 2, "classification")
    with pytest.raises(SpecError, match=r"resolution"):
        GridEvaluator(BOUNDS_2D, 2, "classification", resolution=1)
    ev = GridEvaluator(BOUNDS_2D, 2, "regression")
    with pytest.raises(SpecError, match=r"received a network for 2-D classification"):
        ev.evaluate(_net())


def test_a_stoppable_evaluation_runs_in_chunks_and_gives_the_same_view():
    net = _net()
    ev = GridEvaluator(BOUNDS_2D, 2, "classification", resolution=40)  # 1600 points: 2 chunks
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return False

    chunked, whole = ev.evaluate(net, should_stop), ev.evaluate(net)
    assert len(asked) == 2
    np.testing.assert_allclose(chunked.values, whole.values, rtol=1e-14, atol=0)
    assert (chunked.kind, chunked.bounds) == (whole.kind, whole.bounds)
    assert not chunked.values.flags.writeable
    assert ev.evaluate(net, lambda: True) is None  # stopped before the first chunk


def test_the_runners_grid_view_is_the_grid_evaluators(monkeypatch):
    from engine.runner import Runner
    from engine.spec import TrainConfig
    from tests.engine.test_trainer import spirals

    calls = []
    original = GridEvaluator.evaluate

    def spy(self, network, should_stop=None):
        calls.append(should_stop)
        return original(self, network, should_stop)

    monkeypatch.setattr(GridEvaluator, "evaluate", spy)
    with Runner(NetworkSpec(hidden=(LayerSpec(4, "tanh"),)), TrainConfig(), spirals(40)) as r:
        snap = r.wait_snapshot(30.0)
    assert snap.view is not None and calls and all(callable(c) for c in calls)
