"""The bench's workloads, and what runs them: the engine and the hand-written floor.

Each `*_runner` returns `run(n)`, which performs n operations (training steps,
or W4's full-grid predictions), for `bench_timing` to time. A runner is None
when this build cannot run it (the engine in float32 before `TrainConfig.dtype`).
"""

from __future__ import annotations

import dataclasses
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

N_SAMPLES = 500
GRID = 200
DTYPES = ("float64", "float32")
Run = Callable[[int], None]


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    hidden: tuple[tuple[int, str], ...]
    optimizer: str
    lr: float
    batch_size: int  # 0 = full batch
    predict: bool = False  # W4: time predictions of the trained network on the grid

    @property
    def unit(self) -> str:
        return "predicts/s" if self.predict else "steps/s"


WORKLOADS = {
    w.name: w
    for w in (
        Workload("W1", "2-8-8-1 tanh, SGD, batch 10", ((8, "tanh"), (8, "tanh")), "sgd", 0.03, 10),
        Workload("W2", "2-64-64-64-1 relu, Adam, batch 32", ((64, "relu"),) * 3, "adam", 0.01, 32),
        Workload(
            "W3", "2-16-16-1 tanh, SGD, full batch", ((16, "tanh"), (16, "tanh")), "sgd", 0.03, 0
        ),
        Workload(
            "W4",
            f"predict the W2 network on a {GRID}x{GRID} grid",
            ((64, "relu"),) * 3,
            "adam",
            0.01,
            32,
            predict=True,
        ),
    )
}


def spirals_data():
    """The 2-arm spirals, 500 points, seed 0, all of them for training."""
    import datasets
    from playground.document.training_data import make_data

    ds = datasets.make("spirals", n_samples=N_SAMPLES, seed=0)
    return make_data(ds, test_ratio=0.0, seed=0)


def grid_points(bounds) -> np.ndarray:
    (x0, x1), (y0, y1) = bounds
    xx, yy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    return np.column_stack([xx.ravel(), yy.ravel()])


def engine_has_dtype() -> bool:
    """Whether this build's TrainConfig takes a `dtype` (float32 training)."""
    from engine.spec import TrainConfig

    return "dtype" in {f.name for f in dataclasses.fields(TrainConfig)}


def train_config(w: Workload, dtype: str = "float64", seed: int = 0):
    from engine.spec import TrainConfig

    options = {"dtype": dtype} if dtype != "float64" else {}
    return TrainConfig(
        optimizer=w.optimizer, lr=w.lr, batch_size=w.batch_size, seed=seed, **options
    )


def network_spec(w: Workload):
    from engine.spec import LayerSpec, NetworkSpec

    hidden = tuple(LayerSpec(u, a) for u, a in w.hidden)
    return NetworkSpec(input_dim=2, features=("x1", "x2"), hidden=hidden, loss="bce")


def engine_trainer(w: Workload, data, dtype: str = "float64", seed: int = 0):
    from engine.trainer import Trainer

    return Trainer(network_spec(w), train_config(w, dtype, seed), data)


def engine_runner(w: Workload, data, dtype: str = "float64") -> Run | None:
    """`Trainer.run_steps(n)` (W4: n predicts of the grid after one epoch of training)."""
    if dtype != "float64" and not engine_has_dtype():
        return None
    trainer = engine_trainer(w, data, dtype)
    if not w.predict:
        return lambda n: trainer.run_steps(n)  # n x step(stats=False), under one np.errstate
    trainer.run_epoch()  # predict with trained-looking weights, like the GUI does
    net = trainer.network
    grid = grid_points(data.bounds).astype(net.flat.dtype)

    def predict(n: int) -> None:
        for _ in range(n):
            net.predict(grid)

    return predict


def shuffle_generator(seed: int = 0) -> np.random.Generator:
    """The generator the engine's Trainer shuffles with, so the floor sees the same batches."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[1])


def floor_network(w: Workload, data):
    """The network the floor starts from: the engine's initial one (W4: after one epoch)."""
    trainer = engine_trainer(w, data)
    if w.predict:
        trainer.run_epoch()
    return trainer.network


def floor_runner(w: Workload, data, dtype: str = "float64", net=None) -> Run:
    """The hand-written NumPy loop (engine/bench_floor.py) from `net`'s weights (floor_network)."""
    from engine.bench_floor import FloorPredictor, FloorTrainer

    net = floor_network(w, data) if net is None else net
    activation = w.hidden[0][1]
    if w.predict:
        grid = grid_points(data.bounds)
        predictor = FloorPredictor(net.weights, net.biases, activation, grid, dtype)

        def predict(n: int) -> None:
            for _ in range(n):
                predictor.predict()

        return predict
    floor = FloorTrainer(
        net.weights,
        net.biases,
        activation,
        w.optimizer,
        w.lr,
        w.batch_size,
        data.X_train,
        data.y_train,
        shuffle_generator(),
        dtype,
    )
    return floor.run_steps


PEAK_STEPS = 100


def traced_peak(
    build: Callable[[], Run | None], steps: int = PEAK_STEPS, predict: bool = False
) -> int | None:
    """Peak bytes tracemalloc sees while `build()` makes a runner and it takes `steps` steps;
    for a `predict` runner, during one predict only (after the build).

    NumPy reports its array buffers to tracemalloc, so this counts the arrays a
    runner allocates (data copies, buffers, optimizer state, temporaries), not
    the interpreter or the libraries (nor PyTorch's allocator). None when the
    runner is unavailable.
    """
    run = build() if predict else None
    outer = tracemalloc.is_tracing()
    if outer:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        if not predict:
            run = build()
        if run is None:
            return None
        run(1 if predict else steps)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        if not outer:
            tracemalloc.stop()
