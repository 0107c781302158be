"""What the trainer skips or defers per step for speed still gives the same numbers.

The gradient norms are computed when first read (from the gradient the step left
in `flat_grad`), unless penalties, clipping or frozen parameters change that
gradient within the step; then they are taken before. Either way they are the
norms of the data loss's gradient of the last step.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import DivergenceError
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import SMALL


def spec(*units) -> NetworkSpec:
    return NetworkSpec(hidden=tuple(LayerSpec(u, "tanh") for u in units))


def data_gradient_norms(trainer: Trainer) -> np.ndarray:
    """The weight-gradient norms of the data loss at the trainer's current weights and batch."""
    net = trainer.network.copy()
    logits = net.forward(trainer._F)
    net.backward(net.objective.grad(logits, trainer.data.y_train))
    return np.array([np.linalg.norm(g) for g in net.weight_grads])


def test_norms_read_after_run_steps_are_those_of_the_last_steps_data_gradient():
    trainer = Trainer(spec(5, 4), TrainConfig(batch_size=0, lr=0.1), SMALL)
    trainer.run_steps(3)
    expected = data_gradient_norms(trainer)  # the gradient at the weights before step 4
    trainer.run_steps(1)
    np.testing.assert_allclose(trainer.grad_norms, expected, rtol=1e-12)


def test_penalties_and_clipping_leave_the_recorded_norms_those_of_the_data_loss():
    plain = Trainer(spec(5, 4), TrainConfig(batch_size=0, lr=0.1), SMALL)
    config = TrainConfig(batch_size=0, lr=0.1, l2=0.5, l1=0.1, clip_norm=1e-3)
    shaped = Trainer(spec(5, 4), config, SMALL)
    plain.run_steps(1)
    shaped.run_steps(1)  # same weights and batch at step 1: the same data gradient
    assert shaped.grad_norms.tobytes() == plain.grad_norms.tobytes()


def test_norms_are_kept_across_a_dtype_change_and_a_state_load():
    trainer = Trainer(spec(5), TrainConfig(batch_size=0, lr=0.1), SMALL)
    trainer.run_steps(2)
    state = trainer.state_dict()
    expected = data_gradient_norms(trainer)
    trainer.run_steps(1)  # its norms not read yet
    trainer.set_config(trainer.config.replace(dtype="float32"))  # reallocates the gradient
    norms = trainer.grad_norms.copy()
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    trainer.run_steps(1)  # float32 now; not read before the load
    trainer.load_state_dict(state)
    assert trainer.grad_norms.any()  # the last step's, not those of a fresh gradient


def test_each_step_adds_its_update_to_the_weights_bit_for_bit():
    for optimizer in ("sgd", "adam", "momentum"):
        trainer = Trainer(spec(6, 6), TrainConfig(optimizer=optimizer, batch_size=7), SMALL)
        for _ in range(5):
            before = trainer.network.flat.copy()
            trainer.run_steps(1)
            applied = before + trainer.optimizer.updates
            assert trainer.network.flat.tobytes() == applied.tobytes()


def test_a_non_finite_gradient_is_named_and_leaves_weights_and_optimizer_as_they_were():
    """SGD's gradient is checked through its update (one call fewer): same error, same state."""
    for optimizer in ("sgd", "momentum"):
        trainer = Trainer(spec(4, 3), TrainConfig(optimizer=optimizer, batch_size=0), SMALL)
        trainer.run_steps(2)
        net = trainer.network
        backward = net.backward

        def broken(dlogits, backward=backward, net=net):  # a NaN in layer 1's bias gradient
            g = backward(dlogits)
            g[net.offsets[net.tensor_names.index("layers.1.bias")]] = np.nan
            return g

        net.backward = broken
        before, state = net.flat.copy(), trainer.optimizer.state_dict()
        with pytest.raises(DivergenceError) as info:
            trainer.run_steps(1)
        assert (info.value.layer, info.value.quantity) == (1, "bias gradient")
        assert net.flat.tobytes() == before.tobytes()
        after = trainer.optimizer.state_dict()
        assert after["step"] == state["step"] == 2
        assert all(np.array_equal(after[k], state[k]) for k in state)
        del net.backward
        trainer.run_steps(1)
        assert trainer.step_count == 3 and np.isfinite(net.flat).all()


def test_the_steps_dot_is_numpys_own_without_its_dispatch_and_gives_the_same_bits():
    from engine.ndarray_calls import dot

    if hasattr(np.dot, "__wrapped__"):
        assert dot is np.dot.__wrapped__ and dot is not np.dot
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        a, W = rng.normal(size=(10, 8)).astype(dtype), rng.normal(size=(5, 8)).astype(dtype)
        ours, numpys = np.empty((10, 5), dtype), np.empty((10, 5), dtype)
        dot(a, W.T, out=ours)  # a transposed view, as in a dense layer's forward
        np.dot(a, W.T, out=numpys)
        assert ours.tobytes() == numpys.tobytes()
        assert dot(a[:, 0], a[:, 0]) == np.dot(a[:, 0], a[:, 0])
