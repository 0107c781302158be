"""The tables of one phase of an inspected step, laid out in the inspector's column.

Which arrays each phase shows, under which key and title: forward (x, then per
layer z, a and any dropout mask), loss (logits, target and loss per example;
dL/dlogits), backward (per layer from the output down: δ, dL/dW, dL/db) and
update (per layer: the gradient the optimizer received when penalties or
clipping changed it, ΔW, Δb and W after the step). Clicking a dL/dW or ΔW cell
asks `explain(layer, i, j)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout

from engine.backprop_phases import InspectedStep
from playground.document.weight_edits import Target
from playground.gui.inspector.inspector_table import ArrayTable


class PhaseTables:
    """Fills `layout` with a phase's `ArrayTable`s; `tables` keeps them by key (e.g. "dW1")."""

    def __init__(self, layout: QVBoxLayout, explain: Callable[[int, int, int], object]):
        self.layout = layout
        self.explain = explain
        self.tables: dict[str, ArrayTable] = {}
        self.edit: Callable[[Target], object] | None = None  # set a weight (gui/weight_edit.py)

    def clear(self) -> None:
        while self.layout.count():
            item = self.layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone from view now, deleted when the loop gets to it
                item.widget().deleteLater()
        self.tables = {}

    def show(self, step: InspectedStep, phase: str, features: list[str] | None) -> None:
        self.clear()
        rows = [f"r{r}" for r in step.rows]
        if phase == "forward":
            self._forward(step, rows, features)
        elif phase == "loss":
            self._loss(step, rows)
        elif phase == "backward":
            self._backward(step, rows)
        else:
            self._update(step)
        self.layout.addStretch(1)

    def _add(self, key: str, title: str, values, rows=None, cols=None) -> ArrayTable:
        table = ArrayTable(title)
        table.set_array(values, rows, cols)
        self.layout.addWidget(table)
        self.tables[key] = table
        return table

    def _clickable(self, key: str, title: str, values, k: int) -> None:
        table = self._add(key, title, values)
        table.cellClicked.connect(lambda i, j, k=k: self.explain(k, i, j))

    def _editable(self, key: str, title: str, values, k: int) -> None:
        """A table whose cell opens the weight (W) or bias (b) edit popup."""
        table = self._add(key, title, values)
        kind = "weight" if key.startswith("W") else "bias"
        table.cellClicked.connect(
            lambda i, j, k=k: (
                self.edit and self.edit(Target(k, kind, (i, j) if kind == "weight" else (j,)))
            )
        )

    def _heading(self, text: str) -> None:
        label = QLabel(text)
        label.setStyleSheet("margin-top: 6px; border-bottom: 1px solid #999; font-weight: bold")
        self.layout.addWidget(label)

    def _layer_heading(self, step: InspectedStep, k: int) -> None:
        out, inp = step.old_W[k].shape
        kind = "output" if k == step.n_layers - 1 else f"hidden, {step.activations[k]}"
        self._heading(f"Layer {k + 1} ({kind}): {inp} → {out}")

    def _forward(self, step: InspectedStep, rows: list[str], features) -> None:
        self._heading("Input features")
        self._add("x", "x (features)", step.layer_inputs[0], rows, features)
        for k in range(step.n_layers):
            self._layer_heading(step, k)
            self._add(f"z{k}", f"z = a_in·Wᵀ + b  (layer {k + 1})", step.z[k], rows)
            if k < step.n_layers - 1:
                self._add(f"a{k}", f"a = {step.activations[k]}(z)", step.a[k], rows)
                if step.masks[k] is not None:
                    self._add(f"mask{k}", "dropout mask (scaled)", step.masks[k], rows)

    def _loss(self, step: InspectedStep, rows: list[str]) -> None:
        logits = step.a[-1]
        cols = [f"logit {c}" for c in range(logits.shape[1])] + ["target", "loss"]
        table = np.column_stack([logits, np.asarray(step.y, float), step.per_example_loss])
        self._heading(f"Per example ({step.loss_name}); mean loss {step.loss:.6g}")
        self._add("loss", "logits, target and loss of each example", table, rows, cols)
        self._add("dlogits", "dL/dlogits (of the mean loss)", step.deltas[-1], rows)

    def _backward(self, step: InspectedStep, rows: list[str]) -> None:
        for k in range(step.n_layers - 1, -1, -1):
            self._layer_heading(step, k)
            self._add(f"delta{k}", "δ = dL/dz", step.deltas[k], rows)
            title = "dL/dW  (rows: receiving unit i, columns: sending j)"
            self._clickable(f"dW{k}", title, step.grad_W[k], k)
            self._add(f"db{k}", "dL/db = Σ δ", step.grad_b[k])

    def _update(self, step: InspectedStep) -> None:
        changed = any(
            not np.array_equal(g, f) for g, f in zip(step.grad_W, step.final_grad_W, strict=True)
        )
        for k in range(step.n_layers):
            self._layer_heading(step, k)
            if changed:
                self._add(f"g{k}", "g: gradient after penalties / clipping", step.final_grad_W[k])
            self._clickable(f"dW{k}", "ΔW: the optimizer's update", step.update_W[k], k)
            self._add(f"db{k}", "Δb", step.update_b[k])
            self._editable(f"W{k}", "W after the step (click to set or freeze)", step.new_W[k], k)
            self._editable(f"b{k}", "b after the step", step.new_b[k], k)
