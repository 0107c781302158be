"""Each activation is one file carrying its maths, formula, tip and both exports."""

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, Activation
from engine.spec import ACTIVATIONS as SPEC_ACTIVATIONS


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


def test_gui_tips_come_from_the_registry():
    from playground.layer_cards import activation_tip

    assert activation_tip("gelu") == ACTIVATIONS.get("gelu").tip
    assert activation_tip("not-an-activation") == "not-an-activation"  # no KeyError
