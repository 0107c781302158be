"""The live network diagram (objectName `networkView`): neurons, weights, gradient health.

Columns are the input features, the hidden layers and the output. Each neuron is
a small heatmap of its own output over the input domain, computed by the runner
(`Snapshot.unit_maps`, engine/unit_maps.py) and only drawn here, in the sign
colours (green positive, purple negative; a legend in the corner says so); hovering one
emits `neuronHovered` so the window can enlarge it into the boundary plot, as TF Playground does.
Edges are weights in the same colours, thicker and darker for larger
magnitudes; between wide layers only each unit's strongest inputs are drawn
(playground/network_layout.py). Hovering an edge shows its weight and the
gradient of the loss for it; clicking one emits `weightClicked(layer, i, j)`
for W[layer][i, j] (i: the unit it feeds, j: the unit it comes from), clicking a
neuron `biasClicked(layer, i)`; frozen ones are marked (frozen_marks.py). Under each dense
layer a marker shows its weight-gradient norm, pale when it vanishes, as the gradient plot.

`set_phase_overlay(phase, values)` rings every neuron by a per-column vector
(for example mean activations on the forward pass, mean deltas on the backward
pass); `None` clears it.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine.spec import NetworkSpec
from engine.unit_maps import layer_scales
from playground.gui import palette
from playground.gui.gradient_health import RELATIVE
from playground.gui.network.depth_marks import draw_depth_marks
from playground.gui.network.frozen_marks import draw_frozen
from playground.gui.network.network_layout import (
    EDGE_LIMIT,
    LUT,
    TOP_K,
    collapsed_runs,
    diverging_rgba,
    edge_selection,
    health,
    layout_network,
    segment_distances,
)
from playground.gui.weight_probe import WeightProbe

MAX_EDGE_WIDTH = 4.0
LEVELS = 8  # magnitude buckets per sign: a few drawLines calls, not one per edge
HIT_PX = 4.0
SIGN_WORDS = "green positive, purple negative, white near zero"
LEGEND_SIZE = (48, 8)  # the sign legend's colour bar (top left), pixels
HEALTH_HEX = {"healthy": "#1a6b4f", "vanishing": "#56B4E9", "exploding": "#D55E00"}


def faded(colour: QColor, strength: float) -> QColor:
    """`colour` mixed with white: opaque, because translucent pens make drawLines ~20x slower."""
    r, g, b = (int(255 + (c - 255) * strength) for c in colour.getRgb()[:3])
    return QColor(r, g, b)


ACTIVITY_HEX = {"dead": "#D55E00", "saturated": "#0072B2"}  # activation health tags


class NetworkView(QWidget):
    weightClicked = Signal(int, int, int)  # dense layer, i (destination unit), j (source unit)
    biasClicked = Signal(int, int)  # dense layer, unit i (of column layer + 1)
    neuronHovered = Signal(int, int)  # column, unit; (-1, -1) when the pointer leaves
    mapsUpdated = Signal()
    line_scale = 1.0  # edge widths times this (classroom mode: playground/gui/classroom.py)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setMinimumSize(240, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setToolTip("")  # tooltips are per neuron, edge and marker (see mouseMoveEvent)
        self.setAccessibleName("Network diagram")
        self.spec: NetworkSpec | None = None
        self.data = None
        self.weights: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
        self.grad_norms: np.ndarray | None = None
        self.activity = None  # the runner's ActivationHealth: dead / saturated layers marked
        self.thresholds = (1e-6, 1e2)
        self.phase: str | None = None
        self.overlay: list[np.ndarray] | None = None
        self.hovered: tuple[int, int] | None = None
        self._map_columns: list[np.ndarray] | None = None
        self._images: list[tuple[QImage, np.ndarray] | None] = []
        self._probe = WeightProbe()
        self._layout = None
        self._edges = np.zeros((0, 4))  # drawn segments, for hit tests
        self._edge_ids = np.zeros((0, 3), int)  # (layer, i, j) of each drawn segment
        self._markers: list[tuple[QRectF, str]] = []
        self.frozen: set = set()  # document/weight_edits.py Targets frozen in the run

    # -- inputs ------------------------------------------------------------------------------
    def set_spec(self, spec: NetworkSpec, data=None) -> None:
        """A new architecture; `data` gives the edge gradients' rows and the preview's domain."""
        if data is not None and data is not self.data:
            self.data = data
            self._map_columns, self._images = None, []
        if spec != self.spec:
            self.spec = spec
            self.weights = ()
            self.grad_norms = None
            self.activity = None
            self.overlay, self.phase = None, None
            self._map_columns, self._images = None, []
            self._set_hovered(None)
        self._layout = None
        self.update()

    def set_weights(self, weights) -> None:
        """Per layer its tensors in declared order ((W (out, in), b) for dense); else ignored."""
        if self.spec is None or not self._fits(weights):
            return
        self.weights = tuple(weights)
        self.update()

    def _fits(self, weights) -> bool:
        sizes, shapes = self.spec.layer_sizes, [w.shape for w, *_rest in weights]
        return shapes == [(b, a) for a, b in pairwise(sizes)]

    def set_layer_stats(self, layers, vanishing: float, exploding: float) -> None:
        """The last step's LayerStats (one per dense layer); None clears the markers."""
        self.thresholds = (float(vanishing), float(exploding))
        if layers is None or self.spec is None or len(layers) != len(self.spec.layer_sizes) - 1:
            self.grad_norms = None
        else:
            self.grad_norms = np.array([s.weight_grad_norm for s in layers], float)
        self.update()

    def set_activation_health(self, health) -> None:
        """Mark hidden layers with many dead or saturated units (None clears the marks)."""
        sizes = () if self.spec is None else self.spec.layer_sizes
        fits = health is not None and len(health.layers) == len(sizes) - 2
        self.activity = health if fits else None
        self.update()

    def set_phase_overlay(self, phase: str | None, values: list[np.ndarray] | None) -> None:
        """Ring neurons by per-column vectors (input features first, or dense layers only).

        `values` has one vector per column (len == layers + 2) or per dense layer
        (len == layers + 1, the input column then stays plain); each vector's
        length is that column's width. `None` (or a phase of None) clears it.
        """
        if phase is None or values is None or self.spec is None:
            self.phase, self.overlay = None, None
            self.update()
            return
        sizes = self.spec.layer_sizes
        vectors = [np.asarray(v, float).ravel() for v in values]
        if len(vectors) == len(sizes) - 1:
            vectors = [None, *vectors]
        if len(vectors) != len(sizes) or any(
            v is not None and len(v) != s for v, s in zip(vectors, sizes, strict=True)
        ):
            raise ValueError(
                f"Received overlay vectors of lengths "
                f"{[None if v is None else len(v) for v in vectors]}, expected the column "
                f"widths {sizes} (the input column may be left out)"
            )
        self.phase, self.overlay = str(phase), vectors
        self.update()

    # -- unit maps ---------------------------------------------------------------------------
    def set_unit_maps(self, maps) -> None:
        """Draw a snapshot's `UnitMapsView` in the neurons; None or maps of another net clear."""
        sizes = () if self.spec is None else self.spec.layer_sizes
        fits = maps is not None and len(maps.columns) == len(sizes)
        if not fits or any(len(c) > s for c, s in zip(maps.columns, sizes, strict=True)):
            self._map_columns, self._images = None, []
            self.update()
            return
        columns = [np.asarray(c, np.float64) for c in maps.columns]
        self._map_columns = columns
        self._images = []
        for col, scale in zip(columns, layer_scales(columns), strict=True):
            shown = col[: min(len(col), 16)]
            rgba = diverging_rgba(shown[:, ::-1, :], scale)  # y grows upwards on screen
            strip = np.ascontiguousarray(rgba.reshape(-1, rgba.shape[2], 4))
            h, w = strip.shape[:2]
            image = QImage(strip.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
            self._images.append((image, strip))  # the array must outlive the image
        self.update()
        self.mapsUpdated.emit()

    def unit_map(self, column: int, unit: int) -> np.ndarray | None:
        """The coarse map (ny, nx) of one unit, as drawn; None when there is none."""
        if self._map_columns is None or column >= len(self._map_columns):
            return None
        col = self._map_columns[column]
        return col[unit] if unit < len(col) else None

    # -- geometry ------------------------------------------------------------------------------
    def layout(self):
        if self._layout is None and self.spec is not None:
            hidden, runs = self.spec.hidden, collapsed_runs(self.spec.hidden)
            arcs = any(h.residual for h in hidden)
            self._layout = layout_network(
                self.spec.layer_sizes, self.width(), self.height(), runs, arcs
            )
        return self._layout

    def resizeEvent(self, event) -> None:
        self._layout = None
        super().resizeEvent(event)

    def node_rect(self, column: int, unit: int) -> QRectF:
        lay = self.layout()
        s = lay.node
        return QRectF(lay.xs[column] - s / 2, lay.ys[column][unit] - s / 2, s, s)

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if self.spec is None:
            return
        lay = self.layout()
        self._draw_edges(painter, lay)
        self._draw_nodes(painter, lay)
        self._draw_labels(painter, lay)
        self._draw_markers(painter, lay)
        self._markers += draw_depth_marks(painter, lay, self.spec.hidden)  # arcs, folded runs
        frozen_at = QPointF(16, 12 + self.fontMetrics().height())  # below the sign legend
        self._markers[:0] = draw_frozen(painter, lay, self.frozen, frozen_at)
        self._draw_legend(painter)

    def _draw_edges(self, painter: QPainter, lay) -> None:
        segs, ids, signs, mags = [], [], [], []
        scale = max((float(np.max(np.abs(w))) for w, *_rest in self.weights), default=0.0) or 1.0
        half = lay.node / 2
        sizes = lay.sizes
        for k in range(len(sizes) - 1):
            n_dst, n_src = lay.shown[k + 1], lay.shown[k]
            w = self.weights[k][0][:n_dst, :n_src] if self.weights else np.zeros((n_dst, n_src))
            dst, src = edge_selection(w, sizes[k] * sizes[k + 1])
            x0, x1 = lay.xs[k] + half, lay.xs[k + 1] - half
            y0, y1 = lay.ys[k][src], lay.ys[k + 1][dst]
            segs.append(np.column_stack([np.full(len(src), x0), y0, np.full(len(src), x1), y1]))
            ids.append(np.column_stack([np.full(len(src), k), dst, src]))
            signs.append(w[dst, src] >= 0)
            mags.append(np.abs(w[dst, src]) / scale)
        self._edges = np.vstack(segs) if segs else np.zeros((0, 4))
        self._edge_ids = np.vstack(ids).astype(int) if ids else np.zeros((0, 3), int)
        if not len(self._edges):
            return
        if not self.weights:
            painter.setPen(QPen(QColor(205, 205, 205), 1))
            painter.drawLines([QLineF(*s) for s in self._edges])
            return
        sign = np.concatenate(signs)
        level = np.minimum(LEVELS - 1, (np.concatenate(mags) * LEVELS).astype(int))
        colours = {
            True: QColor(palette.SIGN_POSITIVE_HEX),
            False: QColor(palette.SIGN_NEGATIVE_HEX),
        }
        for lv in range(LEVELS):
            m = (lv + 0.5) / LEVELS
            for pos in (True, False):
                pick = (level == lv) & (sign == pos)
                if not pick.any():
                    continue
                colour = faded(colours[pos], 0.18 + 0.82 * m)
                painter.setPen(QPen(colour, (0.5 + MAX_EDGE_WIDTH * m) * self.line_scale))
                painter.drawLines([QLineF(*s) for s in self._edges[pick]])

    def _draw_nodes(self, painter: QPainter, lay) -> None:
        s = lay.node
        border = QPen(QColor("#555555"), 1)
        for k, ys in enumerate(lay.ys):
            image = self._images[k] if k < len(self._images) else None
            ring = None if self.overlay is None else self.overlay[k]
            ring_scale = float(np.max(np.abs(ring))) if ring is not None and len(ring) else 0.0
            for u in range(len(ys)):
                rect = self.node_rect(k, u)
                if image is not None:
                    h = image[1].shape[0] // max(1, min(lay.sizes[k], 16))
                    painter.drawImage(rect, image[0], QRectF(0, u * h, image[1].shape[1], h))
                else:
                    painter.fillRect(rect, QColor(palette.NEUTRAL_HEX))
                painter.setPen(border)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect)
                if ring is not None and ring_scale > 0:
                    v = float(ring[u]) / ring_scale
                    colour = QColor(
                        palette.SIGN_POSITIVE_HEX if v >= 0 else palette.SIGN_NEGATIVE_HEX
                    )
                    colour.setAlphaF(0.25 + 0.75 * min(1.0, abs(v)))
                    painter.setPen(QPen(colour, 1.5 + 3.0 * abs(v)))
                    painter.drawRect(rect.adjusted(-3, -3, 3, 3))
                if self.hovered == (k, u):
                    painter.setPen(QPen(QColor("#000000"), 2))
                    painter.drawRect(rect.adjusted(-2, -2, 2, 2))
            if lay.sizes[k] > len(ys) and ys.size:
                painter.setPen(QColor("#333333"))
                painter.drawText(
                    QPointF(lay.xs[k] - 10, ys[-1] + s / 2 + 12), f"+{lay.sizes[k] - len(ys)}"
                )

    def _draw_labels(self, painter: QPainter, lay) -> None:
        painter.setPen(QColor("#333333"))
        align = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for u, name in enumerate(self.spec.features[: len(lay.ys[0])]):
            y = lay.ys[0][u]
            painter.drawText(QRectF(0, y - 8, lay.xs[0] - lay.node / 2 - 4, 16), align, name)
        if self.phase:
            painter.drawText(QPointF(6, self.height() - 6), f"{self.phase}")
        drawn = [(s, len(lay.ys[c])) for c, s in enumerate(lay.sizes) if c not in lay.folded]
        if any(s > n for s, n in drawn) or any(
            a * b > EDGE_LIMIT for a, b in zip(lay.sizes, lay.sizes[1:], strict=False)
        ):
            painter.setPen(QColor("#777777"))
            painter.drawText(
                QPointF(self.width() - 250, 13),
                f"wide layers: first 16 units, top {TOP_K} inputs each",
            )

    def legend_rect(self) -> QRectF:
        """Where the sign legend's colour bar is drawn (top left corner, above the nodes)."""
        w, h = LEGEND_SIZE  # after the "−" sign, in the widget's (classroom: larger) font
        return QRectF(max(16, self.fontMetrics().horizontalAdvance("− ") + 4), 4, w, h)

    def _draw_legend(self, painter: QPainter) -> None:
        """The sign colours, once for edges and neuron maps: − purple … white … + green."""
        bar = self.legend_rect()
        strip = np.ascontiguousarray(LUT[None, :, :])
        image = QImage(
            strip.data, strip.shape[1], 1, 4 * strip.shape[1], QImage.Format.Format_RGBA8888
        )
        painter.drawImage(bar, image)
        painter.setPen(QColor("#555555"))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        painter.setPen(QColor("#333333"))
        fm = painter.fontMetrics()  # offsets from the font: classroom mode enlarges it
        mid = bar.center().y() + fm.capHeight() / 2
        painter.drawText(QPointF(bar.left() - fm.horizontalAdvance("− "), mid), "−")
        painter.drawText(QPointF(bar.right() + 3, mid), "+ weight / output sign")

    def _draw_markers(self, painter: QPainter, lay) -> None:
        self._markers = []
        self._draw_activity(painter, lay)
        if self.grad_norms is None:
            return
        vanishing, exploding = self.thresholds
        y = self.height() - 28
        last = len(self.grad_norms) - 1
        spacing = min(np.diff(lay.xs)) if len(lay.xs) > 1 else 100.0
        for k, norm in enumerate(self.grad_norms):
            if k + 1 in lay.folded:
                continue  # inside a folded run: the band stands for it
            output = None if k == last else float(self.grad_norms[last])
            kind, strength = health(norm, vanishing, exploding, output)
            colour = QColor(HEALTH_HEX[kind])
            colour.setAlphaF(0.15 + 0.85 * strength if kind == "healthy" else 0.9)
            if kind == "vanishing":
                colour.setAlphaF(0.3)
            x = lay.xs[k + 1]
            rect = QRectF(x - 24, y, 48, 10)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#333333"))
            text = f"{norm:.0e}" if np.isfinite(norm) else "inf"
            if spacing >= 56:  # narrower columns: the numbers would overlap; hover shows them
                painter.drawText(
                    QRectF(x - 30, y + 11, 60, 14), int(Qt.AlignmentFlag.AlignCenter), text
                )
            tip = (
                f"Layer {k + 1} weight-gradient norm {norm:.2e}: {kind} (vanishing below "
                f"{vanishing:.0e} or {RELATIVE:.0f}x smaller than the output layer's, "
                f"exploding above {exploding:.0e})"
            )
            self._markers.append((rect.adjusted(-6, -4, 6, 18), tip))

    def _draw_activity(self, painter: QPainter, lay) -> None:
        """A dashed outline round each hidden column with many dead or saturated units."""
        if self.activity is None or len(self.activity.layers) != len(lay.ys) - 2:
            return  # none, or measured on another network
        for k, layer in enumerate(self.activity.layers):
            ys = lay.ys[k + 1]
            if layer.kind == "healthy" or not len(ys):
                continue
            half = lay.node / 2 + 4
            x = lay.xs[k + 1]
            rect = QRectF(x - half, ys[0] - half, 2 * half, ys[-1] - ys[0] + 2 * half)
            pen = QPen(QColor(ACTIVITY_HEX[layer.kind]), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 5, 5)
            units = layer.dead if layer.kind == "dead" else layer.saturated
            tip = (
                f"Layer {k + 1}: {units} of {layer.units} units {layer.kind} over the training "
                "set (see the Activations tab)"
            )
            self._markers.append((rect.adjusted(-4, -4, 4, 4), tip))

    # -- pointer -------------------------------------------------------------------------------
    def node_at(self, x: float, y: float) -> tuple[int, int] | None:
        lay = self.layout()
        if lay is None:
            return None
        half = lay.node / 2 + 2
        for k, ys in enumerate(lay.ys):
            if abs(x - lay.xs[k]) <= half and len(ys):
                u = int(np.argmin(np.abs(ys - y)))
                if abs(ys[u] - y) <= half:
                    return k, u
        return None

    def edge_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """(layer, i, j) of the drawn edge nearest (x, y) within a few pixels."""
        if not len(self._edges):
            return None
        d = segment_distances(x, y, self._edges)
        best = int(np.argmin(d))
        return tuple(int(v) for v in self._edge_ids[best]) if d[best] <= HIT_PX else None

    def _set_hovered(self, node) -> None:
        if node != self.hovered:
            self.hovered = node
            self.neuronHovered.emit(*(node if node is not None else (-1, -1)))
            self.update()

    def mouseMoveEvent(self, event) -> None:
        p = event.position()
        node = self.node_at(p.x(), p.y()) if self.spec is not None else None
        self._set_hovered(node)
        tip = ""
        if node is not None:
            tip = self.node_tip(*node)
        elif (edge := self.edge_at(p.x(), p.y())) is not None:
            tip = self.edge_tip(*edge)
        else:
            tip = next((t for r, t in self._markers if r.contains(p)), "")
        if tip:
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._set_hovered(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        p, left = event.position(), event.button() == Qt.MouseButton.LeftButton
        node = self.node_at(p.x(), p.y()) if left and self.spec is not None else None
        edge = self.edge_at(p.x(), p.y()) if left and node is None else None
        if node is not None and node[0] > 0:  # a neuron: its bias
            self.biasClicked.emit(node[0] - 1, node[1])
        elif edge is not None:
            self.weightClicked.emit(*edge)
        super().mousePressEvent(event)

    def unit_name(self, k: int, u: int) -> str:
        """Column k's unit u as a person counts: "layer 2 unit 3 (tanh)", "input x1"."""
        if k == 0:
            return f"input {self.spec.features[u]}"
        if k == len(self.spec.layer_sizes) - 1:
            return f"output unit {u + 1} (logit)"
        return f"layer {k} unit {u + 1} ({self.spec.hidden[k - 1].activation})"

    def node_tip(self, k: int, u: int) -> str:
        name = self.unit_name(k, u)
        text = f"{name}: its output over the input domain ({SIGN_WORDS})"
        if self.weights and k > 0:
            text += f"; bias {self.weights[k - 1][1][u]:+.3g} (click to set or freeze it)"
        return text + ". The output plot shows it enlarged while you hover."

    def edge_tip(self, k: int, i: int, j: int) -> str:
        src = self.spec.features[j] if k == 0 else f"layer {k} unit {j + 1}"
        dst = (
            f"output unit {i + 1}" if k == len(self.spec.hidden) else f"layer {k + 1} unit {i + 1}"
        )
        if not self.weights:
            return f"{src} → {dst}: no weights yet"
        w = self.weights[k][0][i, j]
        text = f"weight W{k + 1}[{i + 1}, {j + 1}] ({src} → {dst}) = {w:+.4g}; click to edit"
        text += " (frozen)" if any(t.index == (i, j) and t.layer == k for t in self.frozen) else ""
        grad = self.weight_gradient(k, i, j)
        if grad is not None:
            text += f"\ngradient ∂loss/∂w = {grad:+.3g} (whole training set, these weights)"
        return text

    def weight_gradient(self, k: int, i: int, j: int) -> float | None:
        data = self.data
        if data is None or not self.weights or data.X_train.shape[1] != self.spec.input_dim:
            return None
        if data.task != self.spec.task:
            return None
        grads = self._probe.gradients(self.spec, self.weights, data.X_train, data.y_train)
        return float(grads[k][i, j])
