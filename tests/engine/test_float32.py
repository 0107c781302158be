"""The float32 compute mode (`TrainConfig.dtype`): training, evaluation, conversion, persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.errors import DivergenceError, SpecError
from engine.gradcheck import gradcheck
from engine.grid import GridEvaluator
from engine.network import Network
from engine.runner import Runner
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from engine.trainer_state import capture, from_json, restore, to_json
from tests.engine.test_trainer import SMALL, net, spirals, xor_data

F32 = TrainConfig(dtype="float32")


def json_round_trip(state, n_layers):
    return from_json(json.loads(json.dumps(to_json(state), allow_nan=False)), n_layers)


def test_float32_is_one_setting_with_float64_the_default():
    assert TrainConfig().dtype == "float64"
    with pytest.raises(SpecError, match=r"dtype.*float64, float32"):
        TrainConfig(dtype="float16")


def test_a_float32_trainer_keeps_every_array_in_float32():
    spec = net(6, 5, activation="relu")
    config = F32.replace(optimizer="adamw", l1=1e-3, l2=1e-3, dropout=0.1, batch_size=8)
    trainer = Trainer(spec, config, SMALL)
    report = trainer.run_steps(20, stats=True)
    f32 = np.float32
    assert trainer.network.flat.dtype == f32 and trainer.network.flat_grad.dtype == f32
    assert all(v.dtype == f32 for k, v in trainer.optimizer.state_dict().items() if k != "step")
    assert trainer.network.act_block.dtype == f32 and trainer._F.dtype == f32
    assert trainer.network.predict(SMALL.X_test).dtype == f32
    assert np.isfinite(report.loss) and len(report.layers) == 3


def test_float32_xor_reaches_full_accuracy_and_the_loss_falls():
    trainer = Trainer(net(4), F32.replace(lr=0.05, batch_size=0), xor_data())
    before = trainer.evaluate()
    result = trainer.fit(300)
    assert result.evaluation.train_metric == 1.0
    assert result.evaluation.train_loss < 0.1 * before.train_loss


def test_float32_spirals_reach_95_percent_and_stay_close_to_float64():
    data = spirals(400)
    config = TrainConfig(lr=0.05, batch_size=16, epochs=150)
    single = Trainer(net(16, 16), config.replace(dtype="float32"), data)
    double = Trainer(net(16, 16), config, data)
    # the same run to float32's round-off over the first 10 epochs (measured: 1.5e-7);
    # later, the steep descent of epochs 15-40 amplifies the difference (2% at epoch 40)
    early = [t.fit(10).evaluation.train_loss for t in (single, double)]
    assert early[0] == pytest.approx(early[1], rel=1e-5)
    assert single.fit(140).evaluation.test_metric >= 0.95


def test_float32_matches_float64_closely_over_the_first_steps():
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=10)
    a = Trainer(net(8, 8), config, SMALL)
    b = Trainer(net(8, 8), config.replace(dtype="float32"), SMALL)
    for _ in range(30):
        la, lb = a.step().loss, b.step().loss
        assert lb == pytest.approx(la, rel=1e-4)
    np.testing.assert_allclose(b.network.flat, a.network.flat, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(
    "spec",
    [
        NetworkSpec(hidden=(LayerSpec(5, "tanh"),), n_classes=3),  # ce
        NetworkSpec(hidden=(LayerSpec(5, "gelu"),), loss="mse"),
        NetworkSpec(
            hidden=(LayerSpec(6, "relu", batch_norm=True), LayerSpec(6, "swish", residual=True))
        ),
    ],
)
def test_other_losses_and_layer_kinds_train_in_float32(spec):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = (X[:, 0] > 0).astype(int) + (spec.n_classes == 3) * (X[:, 1] > 0)
    from engine.data import Data

    data = Data.from_arrays(X, y, task="classification", n_classes=spec.n_classes)
    trainer = Trainer(spec, F32.replace(lr=0.05, batch_size=10), data)
    first = trainer.evaluate().train_loss
    trainer.fit(30)
    assert trainer.network.flat.dtype == np.float32
    assert trainer.evaluate().train_loss < first


def test_gradient_checks_of_a_float32_network_run_in_float64():
    network = Network(net(4, 3), rng=1, dtype="float32")
    before = network.flat.copy()
    X = SMALL.X_train[:12]
    result = gradcheck(network, X, SMALL.y_train[:12])
    assert result.passed()  # float32 round-off would fail the 1e-6 tolerance
    assert result.analytic.dtype == np.float64 and result.numerical.dtype == np.float64
    assert network.flat.dtype == np.float32 and network.flat.tobytes() == before.tobytes()
    np.testing.assert_array_equal(network.flat_grad, result.analytic.astype(np.float32))


def test_changing_the_dtype_of_a_live_trainer_converts_and_carries_on():
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=7)
    trainer = Trainer(net(5, 4), config, SMALL)
    trainer.run_steps(10)
    flat, m = trainer.network.flat.copy(), trainer.optimizer.state["m"].copy()
    step, epoch, cursor = trainer.step_count, trainer.epoch, trainer._cursor
    trainer.set_config(config.replace(dtype="float32"))
    assert trainer.network.flat.dtype == np.float32
    np.testing.assert_array_equal(trainer.network.flat, flat.astype(np.float32))
    np.testing.assert_array_equal(trainer.optimizer.state["m"], m.astype(np.float32))
    assert (trainer.step_count, trainer.epoch, trainer._cursor) == (step, epoch, cursor)
    assert trainer.optimizer.step == 10  # the state was kept, not restarted
    trainer.run_steps(10)
    assert trainer.network.predict(SMALL.X_test).dtype == np.float32
    back = trainer.network.flat.copy()
    trainer.set_config(config)  # and back: float32 values are exact in float64
    assert trainer.network.flat.dtype == np.float64
    np.testing.assert_array_equal(trainer.network.flat, back.astype(np.float64))
    assert np.isfinite(trainer.step().loss)


def test_a_dtype_change_continues_like_a_trainer_built_in_the_new_dtype():
    """After the switch the steps are those of a float32 trainer given the same state."""
    config = TrainConfig(optimizer="momentum", lr=0.05, batch_size=9, dropout=0.1)
    switched = Trainer(net(6), config, SMALL)
    switched.run_steps(7)
    state = switched.state_dict()
    switched.set_config(config.replace(dtype="float32"))
    fresh = Trainer(net(6), config.replace(dtype="float32"), SMALL)
    fresh.load_state_dict(state)
    assert [switched.step().loss for _ in range(15)] == [fresh.step().loss for _ in range(15)]
    assert switched.network.flat.tobytes() == fresh.network.flat.tobytes()


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_a_float32_run_saved_mid_epoch_continues_bit_for_bit(optimizer):
    config = TrainConfig(optimizer=optimizer, lr=0.02, batch_size=7, dropout=0.2, dtype="float32")
    spec = net(6, 5)
    whole = Trainer(spec, config, SMALL)
    whole_losses = [whole.step().loss for _ in range(23)]
    first = Trainer(spec, config, SMALL)
    for _ in range(9):
        first.step()
    saved = json_round_trip(capture(first), first.n_layers)
    assert saved.trainer["dtype"] == "float32"
    second = Trainer(spec, config, SMALL)
    restore(second, saved)
    losses = whole_losses[:9] + [second.step().loss for _ in range(14)]
    assert losses == whole_losses
    assert second.network.flat.tobytes() == whole.network.flat.tobytes()
    for key, value in whole.optimizer.state_dict().items():
        np.testing.assert_array_equal(second.optimizer.state_dict()[key], value)


def test_a_saved_state_from_before_the_dtype_loads_as_float64():
    trainer = Trainer(net(4), TrainConfig(batch_size=7), SMALL)
    trainer.run_steps(5)
    doc = json.loads(json.dumps(to_json(capture(trainer))))
    doc["version"] = 2
    del doc["trainer"]["dtype"]
    doc["trainer"]["version"] = 2
    state = from_json(doc, trainer.n_layers)
    assert state.trainer["dtype"] == "float64"
    again = Trainer(net(4), TrainConfig(batch_size=7), SMALL)
    restore(again, state)
    assert again.step().loss == trainer.step().loss


def test_a_state_with_an_unknown_dtype_is_refused():
    trainer = Trainer(net(4), TrainConfig(batch_size=7), SMALL)
    state = trainer.state_dict()
    state["dtype"] = "float16"
    before = trainer.network.flat.copy()
    with pytest.raises(SpecError, match=r"dtype.*float16"):
        trainer.load_state_dict(state)
    assert trainer.network.flat.tobytes() == before.tobytes()


def test_float32_divergence_stops_the_step_before_writing():
    trainer = Trainer(net(8, 8, activation="relu"), F32.replace(optimizer="sgd", lr=1e6), SMALL)
    with pytest.raises(DivergenceError) as info:
        for _ in range(50):
            before = trainer.network.flat.copy()
            trainer.step()
    assert "learning rate" in str(info.value)
    assert np.isfinite(trainer.network.flat).all()
    assert trainer.network.flat.tobytes() == before.tobytes()


def test_an_update_beyond_float32s_range_is_divergence():
    """3e38 overflows in float32 (not in float64): the weight check still catches it."""
    trainer = Trainer(net(3), F32.replace(optimizer="sgd", lr=1.0, batch_size=0), SMALL)
    trainer.step()
    trainer.network.flat[:] = 3e38  # finite in float32, overflows at the next update or product
    before = trainer.network.flat.copy()
    with pytest.raises(DivergenceError):
        trainer.step()
    assert trainer.network.flat.tobytes() == before.tobytes()


def test_the_decision_grid_evaluates_a_float32_network():
    trainer = Trainer(net(5), F32.replace(batch_size=0), SMALL)
    trainer.run_steps(5)
    grid = GridEvaluator(SMALL.bounds, 2, "classification", resolution=16)
    view = grid.evaluate(trainer.network)
    expected = trainer.network.predict(grid.points)
    assert expected.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(view.values).ravel(), expected[:, 0])


def test_the_runner_trains_a_float32_config_like_the_trainer():
    config = F32.replace(batch_size=8, epochs=10**6)
    spec = net(5)
    reference = Trainer(spec, config, SMALL)
    reference.run_steps(12)
    with Runner(spec, config, SMALL) as runner:
        runner.step(12)
        snap = runner.wait_snapshot(30)
        while snap is not None and not (snap.reason == "step" and snap.step == 12):
            snap = runner.wait_snapshot(30)
        assert snap is not None
        state = runner.capture()
    assert state.trainer["dtype"] == "float32"
    for key, value in reference.network.state_dict().items():
        assert state.trainer["network"][key].tobytes() == value.tobytes()


def _float32_network() -> Network:
    spec = NetworkSpec(
        features=("x1", "x2", "x1*x2"), hidden=(LayerSpec(5, "tanh"), LayerSpec(4, "elu"))
    )
    trainer = Trainer(spec, F32.replace(batch_size=8), SMALL)
    trainer.run_steps(20)
    return trainer.network


def test_the_onnx_export_of_a_float32_network_matches_its_predictions(tmp_path):
    import onnxruntime as ort

    from engine.onnx_export import export_onnx

    network = _float32_network()
    path = tmp_path / "net.onnx"
    export_onnx(network, path)
    X = np.random.default_rng(4).uniform(-1.5, 1.5, (64, 2))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": X.astype(np.float32)})
    # the model computes in float64 from the float32 weights: float32 rounding apart
    np.testing.assert_allclose(out, network.predict(X), rtol=1e-5, atol=1e-6)


def test_the_numpy_script_of_a_float32_network_runs_and_matches(tmp_path):
    from engine.script_export import numpy_script_source

    network = _float32_network()
    namespace: dict = {}
    exec(compile(numpy_script_source(network), "net.py", "exec"), namespace)
    X = np.random.default_rng(5).uniform(-1.5, 1.5, (64, 2))
    np.testing.assert_allclose(namespace["predict"](X), network.predict(X), rtol=1e-5, atol=1e-6)


def test_switching_the_runner_to_float32_while_paused_converts_and_continues():
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=8, epochs=10**6)
    spec = net(5)
    reference = Trainer(spec, config, SMALL)
    reference.run_steps(7)
    reference.set_config(config.replace(dtype="float32"))
    reference.run_steps(11)
    with Runner(spec, config, SMALL) as runner:
        runner.step(7)
        runner.configure(training=config.replace(dtype="float32"))
        runner.step(11)
        snap = runner.wait_snapshot(30)
        while snap is not None and not (snap.reason == "step" and snap.step == 18):
            snap = runner.wait_snapshot(30)
        assert snap is not None
    weights = np.concatenate([w.ravel() for pair in snap.weights for w in pair])
    assert weights.dtype == np.float32
    assert weights.tobytes() == reference.network.flat.tobytes()
