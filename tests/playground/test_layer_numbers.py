"""Layer numbers a person reads count from 1 everywhere (file keys layers.{k} stay 0-based)."""

from __future__ import annotations

import numpy as np

from engine.errors import DivergenceError
from engine.gradcheck import GradcheckResult, TensorCheck
from engine.spec import LayerSpec, NetworkSpec
from playground.gui.inspector.inspector_text import gradcheck_html
from playground.gui.network.network_view import NetworkView


def test_divergence_message_names_the_first_layer_as_layer_1():
    exc = DivergenceError(12, 0, "weight gradient")
    assert exc.layer == 0  # the attribute stays an index
    assert "layer 1 weight gradient became NaN or Inf" in str(exc)
    assert "layer 0" not in str(exc)
    assert "layer 3 activation" in str(DivergenceError(4, 2, "activation"))


def test_gradient_check_lists_layers_from_1():
    checks = tuple(
        TensorCheck(f"layers.{k}.{kind}", 1e-9, 1e-12, 1.0) for k in range(2) for kind in "wb"
    )
    result = GradcheckResult(checks, np.zeros(1), np.zeros(1), 1e-6, 0.5)
    text = gradcheck_html(result, 2)
    assert "layer 1:" in text and "layer 2:" in text and "layer 0" not in text


def test_diagram_tooltips_count_layers_and_units_from_1(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_spec(NetworkSpec(hidden=(LayerSpec(3, "tanh"), LayerSpec(2, "relu"))))
    weights = (
        (np.ones((3, 2)), np.zeros(3)),
        (np.ones((2, 3)), np.zeros(2)),
        (np.ones((1, 2)), np.zeros(1)),
    )
    view.set_weights(weights)
    assert view.edge_tip(1, 0, 2).startswith("weight W2[1, 3] (layer 1 unit 3 → layer 2 unit 1)")
    assert view.edge_tip(0, 2, 1).startswith("weight W1[3, 2] (x2 → layer 1 unit 3)")
    assert view.edge_tip(2, 0, 1).startswith("weight W3[1, 2] (layer 2 unit 2 → output unit 1)")
    assert view.node_tip(2, 1).startswith("layer 2 unit 2 (relu)")
