"""Loss landscape: centre = training loss, zero directions are flat, PCA follows the path."""

from __future__ import annotations

import numpy as np
import pytest

from engine import landscape as L
from engine.errors import SpecError
from engine.spec import TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import net, spirals

DATA = spirals(120, seed=3)
CONFIG = TrainConfig(optimizer="adam", lr=0.01, batch_size=16, epochs=3)


@pytest.fixture(scope="module")
def trained():
    trainer = Trainer(net(8, 8), CONFIG, DATA)
    start = trainer.network.flat.copy()
    path = [start]
    for _ in range(3):
        trainer.run_epoch()
        path.append(trainer.network.flat.copy())
    return trainer, start, np.array(path)


def test_the_centre_of_a_slice_is_the_current_training_loss(trained):
    trainer, _, _ = trained
    before = trainer.network.flat.copy()
    land = L.slice_2d(trainer.network, trainer._F, DATA.y_train, resolution=5)
    train_loss = trainer.evaluate().train_loss
    assert land.loss.shape == (5, 5) and land.xs[2] == 0 and land.ys[2] == 0
    assert land.loss[2, 2] == train_loss and land.centre_loss == train_loss
    np.testing.assert_array_equal(trainer.network.flat, before)  # the network is untouched
    assert land.loss.max() > train_loss  # it rises away from the trained weights


def test_a_slice_along_a_zero_direction_is_flat(trained):
    trainer, _, _ = trained
    net = trainer.network
    zero = np.zeros(net.size)
    d1, _ = L.random_directions(net, np.random.default_rng(1))
    xs = np.linspace(-1, 1, 7)
    loss = L.surface(net, trainer._F, DATA.y_train, d1, zero, xs, xs)
    centre = trainer.evaluate().train_loss
    for column in loss.T:  # along the zero direction (rows) nothing changes
        assert np.all(column == column[0])
    assert loss[3, 3] == centre and np.ptp(loss[3]) > 0
    flat = L.surface(net, trainer._F, DATA.y_train, zero, zero, xs, xs)
    assert np.all(flat == centre)


def test_filter_normalised_rows_have_the_weights_norms_and_biases_get_nothing(trained):
    trainer, _, _ = trained
    net = trainer.network
    d = L.filter_normalised(net, np.random.default_rng(0).standard_normal(net.size))
    for k, layer in enumerate(net.layers):
        w = layer.params["weight"]
        i = net.weight_tensor[k]
        start, n = net.offsets[i], w.size
        rows = d[start : start + n].reshape(w.shape)
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), np.linalg.norm(w, axis=1))
        b = net.offsets[net.bias_tensor[k]]
        assert not np.any(d[b : b + layer.params["bias"].size])


def test_pca_directions_span_a_straight_trajectory():
    centre = np.zeros(5)
    line = np.outer(np.linspace(1, 3, 4), [1.0, 2.0, 0.0, 0.0, 2.0])
    d1, _, path, explained = L.pca_directions(line, centre)
    assert np.isclose(abs(d1 @ np.array([1, 2, 0, 0, 2]) / 3), 1.0)
    assert explained[0] == pytest.approx(1.0) and explained[1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.abs(path[:, 0]), np.linspace(3, 9, 4))
    with pytest.raises(SpecError, match="at least 2 different weights"):
        L.pca_directions(np.zeros((3, 5)), centre)


def test_pca_slice_draws_the_trajectory_through_its_recorded_points(trained):
    trainer, _, path = trained
    land = L.slice_2d(trainer.network, trainer._F, DATA.y_train, kind="pca", resolution=5,
                      trajectory=path)  # fmt: skip
    assert land.path.shape == (4, 2) and np.allclose(land.path[-1], 0)
    assert land.xs.max() > np.abs(land.path[:, 0]).max()  # the path lies inside the slice
    assert land.centre_loss == trainer.evaluate().train_loss
    assert sum(land.explained) <= 1 + 1e-12


def test_interpolation_runs_from_the_initial_to_the_current_loss(trained):
    trainer, start, _ = trained
    line = L.interpolate(trainer.network, trainer._F, DATA.y_train, start, points=13, margin=0.25)
    fresh = Trainer(net(8, 8), CONFIG, DATA).evaluate().train_loss
    assert line.ts[2] == 0.0 and line.ts[-3] == 1.0  # steps of 0.125
    assert line.loss[2] == pytest.approx(fresh, rel=1e-12)
    assert line.loss[-3] == pytest.approx(trainer.evaluate().train_loss, rel=1e-12)


def test_progress_reports_every_row_and_stop_interrupts(trained):
    trainer, _, _ = trained
    seen = []
    L.slice_2d(trainer.network, trainer._F, DATA.y_train, resolution=4,
               progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert L.slice_2d(trainer.network, trainer._F, DATA.y_train, should_stop=lambda: True) is None
    with pytest.raises(SpecError, match="landscape kind"):
        L.slice_2d(trainer.network, trainer._F, DATA.y_train, kind="hessian")


def test_a_straight_path_still_gets_a_visible_second_axis(trained):
    trainer, start, _ = trained
    path = np.array([start, trainer.network.flat.copy()])  # two points: no second direction
    land = L.slice_2d(trainer.network, trainer._F, DATA.y_train, kind="pca", resolution=3,
                      trajectory=path)  # fmt: skip
    assert land.ys[-1] == pytest.approx(0.5 * land.xs[-1])
