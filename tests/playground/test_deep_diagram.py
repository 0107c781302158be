"""The network diagram of deep networks: residual arcs, folded runs of identical layers."""

from __future__ import annotations

import numpy as np

from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from playground.gui.network.depth_marks import ARC_HEX
from playground.gui.network.network_layout import collapsed_runs, layout_network
from tests.playground.test_network_view import close_to, view

__all__ = ["view"]  # the fixture

BLOCK = LayerSpec(16, "relu", batch_norm=True, residual=True)


def test_only_a_deep_network_folds_its_runs_of_identical_layers():
    assert collapsed_runs((BLOCK,) * 8) == ()  # 10 columns: every layer drawn
    assert collapsed_runs((BLOCK,) * 30) == ((0, 29),)
    mixed = (LayerSpec(8, "tanh"),) * 2 + (BLOCK,) * 20 + (LayerSpec(8, "tanh"),) * 2
    assert collapsed_runs(mixed) == ((2, 21),)  # runs shorter than 3 stay


def test_a_folded_run_keeps_its_first_and_last_layer_and_a_band_between():
    sizes = [2] + [16] * 30 + [1]
    lay = layout_network(sizes, 300, 300, collapsed_runs((BLOCK,) * 30), arcs=True)
    assert lay.folded == frozenset(range(2, 30))
    assert [len(y) for y in lay.ys] == [2, 16] + [0] * 28 + [16, 1]
    ((x0, x1, count),) = lay.bands
    assert (x0, x1, count) == (lay.xs[1], lay.xs[30], 30)
    # 5 slots (input, first, band, last, output): the nodes are not squeezed into 32 columns
    assert x1 - x0 > 80 and lay.node >= 10
    assert np.all(np.diff(lay.xs) > 0)


def test_the_view_draws_a_residual_arc_and_a_band_that_names_the_folded_layers(qtbot, view):
    hidden = (LayerSpec(16, "tanh"),) + (BLOCK,) * 30
    spec = NetworkSpec(hidden=hidden)
    view.resize(420, 300)
    view.set_spec(spec)
    view.set_weights(Network(spec, np.random.default_rng(0)).layer_tensors())
    image = view.grab().toImage()
    lay = view.layout()
    # the arc over layer 2 (a block, its input layer 1): it peaks above the middle of the two
    x = int((lay.xs[1] + lay.xs[2]) / 2)
    top = int(min(lay.ys[1][0], lay.ys[2][0]) - lay.node / 2)
    column = [image.pixelColor(x, y) for y in range(max(0, top - 20), top)]
    assert any(close_to(c, ARC_HEX, 60) for c in column)
    tips = [tip for _rect, tip in view._markers if "folded" in tip]
    assert tips == [
        "Layers 3 to 30: 28 more layers like layer 2 (16 relu bn res), folded so the diagram "
        "stays readable"
    ]
