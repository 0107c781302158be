"""The bench's hand-written NumPy floor is an honest comparison: it learns, and it does the
engine's arithmetic (same weights in, same weights out)."""

import numpy as np
import pytest

from engine.bench_floor import FloorPredictor, FloorTrainer
from engine.bench_runner import spirals
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer

# the bench's W1-W3: hidden layers, optimizer, lr, batch size (0 = full batch)
WORKLOADS = {
    "W1": (((8, "tanh"),) * 2, "sgd", 0.03, 10),
    "W2": (((64, "relu"),) * 3, "adam", 0.01, 32),
    "W3": (((16, "tanh"),) * 2, "sgd", 0.03, 0),
}


def engine_and_floor(name: str, dtype: str = "float64", seed: int = 0):
    hidden, optimizer, lr, batch = WORKLOADS[name]
    spec = NetworkSpec(hidden=tuple(LayerSpec(u, a) for u, a in hidden))
    config = TrainConfig(optimizer=optimizer, lr=lr, batch_size=batch, seed=seed)
    data = spirals(300, seed=seed)
    trainer = Trainer(spec, config, data)
    net = trainer.network
    shuffle = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[1])  # the engine's
    floor = FloorTrainer(
        net.weights, net.biases, hidden[0][1], optimizer, lr, batch,
        data.X_train, data.y_train, shuffle, dtype,
    )  # fmt: skip
    return trainer, floor


@pytest.mark.parametrize("name", sorted(WORKLOADS))
@pytest.mark.parametrize("steps", [1, 45])  # 45 steps cross W1's and W2's epoch ends
def test_the_floor_takes_the_engines_steps(name, steps):
    trainer, floor = engine_and_floor(name)
    assert np.array_equal(floor.flat, trainer.network.flat)  # same weights in
    start = floor.flat.copy()
    losses = [trainer.step(stats=False).loss for _ in range(steps)]
    floor_losses = [floor.step() for _ in range(steps)]
    assert np.abs(floor.flat - start).max() > 1e-4  # the steps moved the weights
    np.testing.assert_allclose(floor.flat, trainer.network.flat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(floor_losses, losses, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_the_floor_learns(name, dtype):
    _, floor = engine_and_floor(name, dtype)
    start = floor.flat.copy()
    epoch = -(-floor.n // floor.batch)  # steps per epoch
    first = np.mean([floor.step() for _ in range(epoch)])
    floor.run_steps(1500)
    last = np.mean([floor.step() for _ in range(epoch)])
    assert floor.flat.dtype == np.dtype(dtype)
    assert not np.array_equal(floor.flat, start)
    assert last < first - 0.02


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-12), ("float32", 1e-5)])
def test_the_floor_predicts_like_the_engine(dtype, tolerance):
    trainer, _ = engine_and_floor("W2")
    trainer.run_steps(30)
    net = trainer.network
    axis = np.linspace(-1, 1, 50)
    points = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    floor = FloorPredictor(net.weights, net.biases, "relu", points, dtype, chunk=512)
    got = floor.predict()
    assert got.dtype == np.dtype(dtype) and got.shape == (2500, 1)
    np.testing.assert_allclose(got, net.predict(points), rtol=0, atol=tolerance)
    assert got.std() > 0.01  # a trained network, not a constant


def test_the_floor_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="sigmoid"):
        FloorTrainer([np.zeros((1, 2))], [np.zeros(1)], "sigmoid", "sgd", 0.1, 0,
                     np.zeros((3, 2)), np.zeros(3), np.random.default_rng(0))  # fmt: skip
