"""Registry entries carry their own knowledge: maths, formula, tip, and how they export."""

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, Activation
from engine.optimizers import OPTIMIZERS
from engine.spec import ACTIVATIONS as SPEC_ACTIVATIONS
from engine.spec import LayerSpec, NetworkSpec


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_activation_carries_its_own_knowledge(name):
    act = ACTIVATIONS.get(name)
    assert act.formula.startswith("a = ")
    assert act.tip and act.tip != name
    assert f"def {name}(z):" in act.script
    assert type(act).onnx is not Activation.onnx  # its own ONNX nodes
    for needed in act.script_needs:
        assert needed in ACTIVATIONS


def test_names_come_from_the_registry_in_menu_order():
    assert tuple(ACTIVATIONS.names()) == SPEC_ACTIVATIONS
    assert SPEC_ACTIVATIONS[:2] == ("linear", "relu")
    assert ACTIVATIONS.canonical("silu") == "swish"


def test_a_duplicate_activation_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        ACTIVATIONS.register("tanh", ACTIVATIONS.get("tanh"))
    assert ACTIVATIONS.get("tanh")(np.zeros(1))[0] == 0.0


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_carries_its_rule_and_tip(name):
    from engine.optimizers.base import Optimizer

    cls = OPTIMIZERS.get(name)
    assert "update" in cls.formula and cls.tip
    assert cls.formula != Optimizer.formula


def test_losses_and_initialisers_carry_formula_and_tip():
    from engine.initializers import INITIALIZERS
    from engine.losses import LOSSES

    for name in LOSSES:
        assert LOSSES.get(name).formula and LOSSES.get(name).tip
    for name in INITIALIZERS:
        fn = INITIALIZERS.get(name)
        assert fn.formula and fn.tip


def test_the_inspector_explains_with_the_optimizers_own_rule_and_quantities():
    from engine.backprop_phases import explain_weight, inspect_step
    from engine.spec import TrainConfig
    from engine.trainer import Trainer
    from tests.engine.test_trainer import spirals

    t = Trainer(NetworkSpec(hidden=(LayerSpec(3),)), TrainConfig(optimizer="rmsprop"), spirals(40))
    e = explain_weight(inspect_step(t), 0, 1, 0)
    assert e.formula == OPTIMIZERS.get("rmsprop").formula
    assert [k for k, _ in e.quantities] == ["g", "lr", "rho", "s before", "s after", "eps"]


def test_spec_names_come_from_the_registries_and_decay_is_declared():
    from engine.initializers import INITIALIZERS
    from engine.spec import INITIALIZERS as SPEC_INITIALIZERS
    from engine.spec import OPTIMIZERS as SPEC_OPTIMIZERS

    assert tuple(OPTIMIZERS.names()) == SPEC_OPTIMIZERS
    assert SPEC_OPTIMIZERS[0] == "sgd" and SPEC_OPTIMIZERS[-1] == "adamw"
    assert tuple(INITIALIZERS.names()) == SPEC_INITIALIZERS
    assert [n for n in OPTIMIZERS if OPTIMIZERS.get(n).decoupled_decay] == ["adamw"]


def test_losses_are_one_file_each_and_the_objective_delegates_to_them():
    from engine.losses import LOSSES, Loss, make_objective
    from engine.spec import LOSSES as SPEC_LOSSES

    assert tuple(LOSSES.names()) == SPEC_LOSSES
    for name in LOSSES:
        assert isinstance(LOSSES.get(name), Loss)
        assert type(LOSSES.get(name)).__module__ == f"engine.losses.{name}"
    obj = make_objective(NetworkSpec(task="regression", loss="huber"))
    assert obj.loss is LOSSES.get("huber")
    logits, y = np.array([[0.0], [3.0]]), np.array([0.5, 0.0])
    assert obj.value(logits, y) == pytest.approx((0.5 * 0.25 + 2.5) / 2)


def test_the_losses_a_task_takes_come_from_what_each_loss_declares():
    from engine.losses import losses_for

    assert losses_for("regression", 0) == ("mse", "mae", "huber")
    assert losses_for("classification", 2) == ("bce", "mse", "mae", "huber")
    assert losses_for("classification", 4) == ("ce", "mse", "mae", "huber")


def test_what_the_statistics_count_is_declared_by_each_activation():
    counted = {name: ACTIVATIONS.get(name).counted for name in ACTIVATIONS}
    assert counted == {
        "linear": None,
        "relu": "dead",
        "leaky_relu": "dead",
        "elu": None,
        "tanh": "tanh",
        "sigmoid": "sigmoid",
        "softplus": None,
        "gelu": None,
        "swish": None,
    }
