"""The network diagram: edge colours by sign, hit tests, unit maps, markers, overlay, preview."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from engine.data import Data
from engine.network import Network
from engine.snapshot import UnitMapsView, UnitPreviewView
from engine.spec import LayerSpec, NetworkSpec
from engine.unit_maps import UnitMaps
from playground.gui import palette
from playground.gui.network.network_layout import TOP_K
from playground.gui.network.network_view import NetworkView
from playground.gui.weight_probe import WeightProbe

BOUNDS = ((-1.0, 1.0), (-1.0, 1.0))


def make_data(n: int = 40, seed: int = 0) -> Data:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return Data.from_arrays(X, y, task="classification", n_classes=2, bounds=BOUNDS)


@pytest.fixture
def view(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(420, 260)
    v.show()
    qtbot.waitExposed(v)
    return v


def midpoint(view, k: int, i: int, j: int) -> QPointF:
    """The middle of the drawn edge for W[k][i, j]."""
    row = int(np.flatnonzero((view._edge_ids == (k, i, j)).all(1))[0])
    x0, y0, x1, y1 = view._edges[row]
    return QPointF((x0 + x1) / 2, (y0 + y1) / 2)


def close_to(colour: QColor, hex_colour: str, tol: int = 90) -> bool:
    target = QColor(hex_colour)
    return (
        sum(abs(a - b) for a, b in zip(colour.getRgb()[:3], target.getRgb()[:3], strict=True)) < tol
    )


def runner_maps(spec, weights, data=None):
    """The unit maps a runner would put in its snapshot for these weights."""
    bounds = (data or make_data()).bounds
    columns = UnitMaps(bounds, spec.input_dim, 12).compute(spec, weights)
    return UnitMapsView(1, tuple(bounds), tuple(c[:16].astype(np.float32) for c in columns))


def test_edge_colours_follow_the_signs_of_a_snapshots_weights(view):
    view.set_spec(NetworkSpec(hidden=(LayerSpec(2),)))
    W0 = np.array([[3.0, -3.0], [-3.0, 3.0]])
    W1 = np.array([[3.0, -3.0]])
    snapshot = SimpleNamespace(weights=((W0, np.zeros(2)), (W1, np.zeros(1))))
    view.set_weights(snapshot.weights)
    image = view.grab().toImage()
    for k, W in enumerate((W0, W1)):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                if k == 0 and i != j:
                    continue  # the two crossing edges meet in the middle; the others do not
                p = midpoint(view, k, i, j)
                colour = image.pixelColor(int(p.x()), int(p.y()))
                expected = palette.SIGN_POSITIVE_HEX if W[i, j] > 0 else palette.SIGN_NEGATIVE_HEX
                assert close_to(colour, expected), (k, i, j, colour.name())
    view.set_weights(((np.zeros((2, 2)), np.zeros(2)),))  # wrong shapes: ignored
    assert view.weights[0][0] is W0


def test_clicking_an_edge_emits_weight_clicked_and_hover_tells_weight_and_gradient(qtbot, view):
    spec = NetworkSpec(hidden=(LayerSpec(3),))
    data = make_data()
    net = Network(spec, rng=2)
    weights = tuple((W.copy(), b.copy()) for W, b in zip(net.weights, net.biases, strict=True))
    view.set_spec(spec, data)
    view.set_weights(weights)
    view.grab()  # paints, which places the edges
    p = midpoint(view, 1, 0, 2)
    with qtbot.waitSignal(view.weightClicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=p.toPoint())
    assert blocker.args == [1, 0, 2]
    tip = view.edge_tip(1, 0, 2)
    assert f"{weights[1][0][0, 2]:+.4g}" in tip
    grad = WeightProbe().gradients(spec, weights, data.X_train, data.y_train)[1][0, 2]
    assert f"{grad:+.3g}" in tip


def test_weight_probe_matches_finite_differences():
    spec = NetworkSpec(hidden=(LayerSpec(3, "tanh"),))
    data = make_data(30, seed=4)
    net = Network(spec, rng=5)
    weights = [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases, strict=True)]
    grads = WeightProbe().gradients(spec, tuple(weights), data.X_train, data.y_train)

    def loss(w):
        probe = Network(spec, rng=0)
        for k, (W, b) in enumerate(w):
            probe.weights[k][...], probe.biases[k][...] = W, b
        return probe.objective.value(probe.logits(data.X_train), data.y_train)

    h = 1e-6
    for k, i, j in ((0, 1, 0), (1, 0, 2)):
        up = [(W.copy(), b) for W, b in weights]
        down = [(W.copy(), b) for W, b in weights]
        up[k][0][i, j] += h
        down[k][0][i, j] -= h
        assert grads[k][i, j] == pytest.approx((loss(up) - loss(down)) / (2 * h), rel=1e-5)


def test_neurons_show_their_own_output_and_hovering_reports_them(qtbot, view):
    spec = NetworkSpec(hidden=(LayerSpec(1, "tanh"),))
    view.set_spec(spec, make_data())
    W0 = np.array([[4.0, 0.0]])  # the hidden unit is tanh(4 x1): purple left, green right
    weights = ((W0, np.zeros(1)), (np.array([[1.0]]), np.zeros(1)))
    view.set_weights(weights)
    assert view.unit_map(1, 0) is None  # the view computes nothing: the runner sends the maps
    view.set_unit_maps(runner_maps(spec, weights))
    unit = view.unit_map(1, 0)
    assert unit[0, 0] < -0.9 and unit[0, -1] > 0.9
    image = view.grab().toImage()
    rect = view.node_rect(1, 0)
    left = image.pixelColor(int(rect.left() + 3), int(rect.center().y()))
    right = image.pixelColor(int(rect.right() - 3), int(rect.center().y()))
    assert close_to(left, palette.SIGN_NEGATIVE_HEX) and close_to(right, palette.SIGN_POSITIVE_HEX)
    with qtbot.waitSignal(view.neuronHovered) as blocker:
        qtbot.mouseMove(view, rect.center().toPoint())
    assert blocker.args == [1, 0] and view.hovered == (1, 0)
    assert "layer 1 unit 1 (tanh)" in view.node_tip(1, 0)


def test_hovered_neuron_is_enlarged_in_the_boundary_plot(qtbot, view):
    from playground.gui.plots.boundary_plot import BoundaryPlot
    from playground.gui.unit_preview import UnitPreview

    RESOLUTION = 64

    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    data = make_data()
    plot.set_data(data)
    preview = UnitPreview(plot, view)
    spec = NetworkSpec(hidden=(LayerSpec(2, "tanh"),))
    view.set_spec(spec, data)
    W0 = np.array([[0.0, 0.0], [0.0, -5.0]])  # unit 2 is tanh(-5 x2): green at the bottom
    weights = ((W0, np.zeros(2)), (np.ones((1, 2)), np.zeros(1)))
    view.set_weights(weights)
    view.neuronHovered.emit(1, 1)
    assert not preview.image.isVisible()  # until the runner sends the unit's map
    values = UnitMaps(data.bounds, 2, RESOLUTION).compute(spec, weights, upto=1)[1][1]
    preview.set_preview(UnitPreviewView(5, 1, 1, tuple(data.bounds), values.astype(np.float32)))
    assert preview.image.isVisible()
    img = preview.image.image
    assert img.shape == (RESOLUTION, RESOLUTION, 3)
    green = np.array(palette.hex_to_rgb(palette.SIGN_POSITIVE_HEX))
    purple = np.array(palette.hex_to_rgb(palette.SIGN_NEGATIVE_HEX))
    assert np.abs(img[0, RESOLUTION // 2] - green).sum() < 40  # row 0 is y = -1
    assert np.abs(img[-1, RESOLUTION // 2] - purple).sum() < 40
    # its own colour bar: the unit's value range under its name, not P(class 1)
    assert plot.colorbar_label() == "value of layer 1 unit 2 (tanh)"
    lo, hi = plot.colorbar.levels()
    assert lo == -hi and hi >= 1.0
    view.neuronHovered.emit(-1, -1)
    assert not preview.image.isVisible()
    assert plot.colorbar_label() == "P(class 1)" and plot.colorbar.levels() == (0.0, 1.0)


def test_gradient_markers_fade_as_gradients_vanish(view):
    spec = NetworkSpec(hidden=(LayerSpec(3, "sigmoid"),) * 3)
    view.set_spec(spec)
    stats = [SimpleNamespace(weight_grad_norm=g) for g in (1e-8, 1e-4, 0.5, 1e3)]
    view.set_layer_stats(stats, 1e-6, 1e2)
    image = view.grab().toImage()
    tips = [t for _r, t in view._markers]
    assert ["vanishing" in tips[0], "healthy" in tips[1], "healthy" in tips[2]] == [True] * 3
    assert "exploding" in tips[3]
    fill = [image.pixelColor(r.center().toPoint() - QPoint(0, 6)) for r, _t in view._markers]
    whiteness = [sum(c.getRgb()[:3]) for c in fill]
    assert whiteness[0] > whiteness[1] > whiteness[2]  # paler as the gradient shrinks
    view.set_layer_stats(None, 1e-6, 1e2)
    view.grab()
    assert view._markers == []


def test_wide_layers_draw_sixteen_units_and_only_the_strongest_inputs(view):
    spec = NetworkSpec(hidden=(LayerSpec(32, "relu"),) * 6)
    net = Network(spec, rng=0)
    view.set_spec(spec, make_data())
    view.set_weights(tuple(zip(net.weights, net.biases, strict=True)))
    view.grab()
    lay = view.layout()
    assert lay.shown == (2, 16, 16, 16, 16, 16, 16, 1)
    per_layer = np.bincount(view._edge_ids[:, 0], minlength=7)
    assert per_layer.tolist() == [32] + [16 * TOP_K] * 5 + [16]
    k, i = 2, 5  # the drawn inputs of a unit are its strongest among the shown ones
    drawn = sorted(view._edge_ids[(view._edge_ids[:, 0] == k) & (view._edge_ids[:, 1] == i), 2])
    strongest = sorted(np.argsort(-np.abs(net.weights[k][i, :16]))[:TOP_K])
    assert drawn == strongest


def test_phase_overlay_tints_neurons_and_clears(view):
    spec = NetworkSpec(hidden=(LayerSpec(2),))
    view.set_spec(spec)
    view.set_phase_overlay("backward", [np.array([1.0, -1.0]), np.array([0.5])])
    assert view.overlay[0] is None and view.phase == "backward"
    image = view.grab().toImage()
    rect = view.node_rect(1, 1)
    ring = image.pixelColor(int(rect.center().x()), int(rect.top() - 3))
    assert close_to(ring, palette.SIGN_NEGATIVE_HEX, tol=120)
    with pytest.raises(ValueError, match="column"):
        view.set_phase_overlay("forward", [np.zeros(3)])
    view.set_phase_overlay(None, None)
    assert view.overlay is None and view.phase is None


def test_a_layer_far_below_the_output_layer_is_marked_vanishing(view):
    """The deep-sigmoid case: above the absolute threshold, 4000x below the output layer."""
    view.set_spec(NetworkSpec(hidden=(LayerSpec(3, "sigmoid"),) * 2))
    stats = [SimpleNamespace(weight_grad_norm=g) for g in (2.5e-5, 2e-2, 0.1)]
    view.set_layer_stats(stats, 1e-6, 1e2)
    view.grab()
    tips = [t for _r, t in view._markers]
    assert "vanishing" in tips[0] and "healthy" in tips[1] and "healthy" in tips[2]


def test_sign_colours_never_reuse_a_class_colour_and_have_a_legend(view):
    signs = {palette.SIGN_POSITIVE_HEX.lower(), palette.SIGN_NEGATIVE_HEX.lower()}
    assert not signs & {c.lower() for c in palette.CLASS_HEX}
    lut = palette.sign_colormap().getLookupTable(nPts=3)
    assert [tuple(c[:3]) for c in lut] == [
        palette.hex_to_rgb(palette.SIGN_NEGATIVE_HEX),
        (255, 255, 255),
        palette.hex_to_rgb(palette.SIGN_POSITIVE_HEX),
    ]
    view.set_spec(NetworkSpec(hidden=(LayerSpec(2),)))
    image = view.grab().toImage()
    bar = view.legend_rect()
    y = int(bar.center().y())
    assert close_to(image.pixelColor(int(bar.left()) + 2, y), palette.SIGN_NEGATIVE_HEX)
    assert close_to(image.pixelColor(int(bar.right()) - 2, y), palette.SIGN_POSITIVE_HEX)
    assert "green positive, purple negative" in view.node_tip(1, 0)


def test_a_diverged_units_infinite_output_gets_the_end_colours_without_an_error():
    from playground.gui.network.network_layout import LUT, diverging_rgba

    values = np.array([np.inf, -np.inf, np.nan, 3.4e38, 0.0])
    with np.errstate(all="raise"):  # the window raises on floating-point errors
        rgba = diverging_rgba(values, 1.0)
    assert [tuple(c) for c in rgba] == [tuple(LUT[i]) for i in (255, 0, 127, 255, 127)]
