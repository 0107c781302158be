"""The backprop inspector (objectName `inspectorPanel`): one step, phase by phase.

"Inspect step" (toolbar, or Shift+Right / Shift+S) pauses training and asks the
runner for a preview of the next step (`Runner.inspect(apply=False)`, a bounded
wait for one minibatch): every number of it, computed on a twin of the trainer,
so nothing has changed yet. The phases (forward, loss, backward, update) are
views of it: "Previous" and "Next" only change what is shown. "Finish" applies
the step (`Runner.inspect(expect_step=...)`: the same numbers, bit for bit, and
only if training has not moved on meanwhile); closing the panel discards it.
"Inspect step" while a step is shown finishes it and previews the next. The
minibatch is ringed in the boundary plot and the diagram rings each unit with
the phase's numbers. Clicking a dL/dW or ΔW cell, or an edge of the diagram, explains that
weight: the chain-rule sum with the numbers and the optimizer's update.
"Single example": clicking a training point previews a step on it alone.
"Gradient check" compares backprop with central differences on the minibatch.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.backprop_phases import PHASES, InspectedStep, explain_weight
from engine.errors import EngineError
from engine.gradcheck import gradcheck
from engine.network import Network
from playground.gui.inspector.deep_text import deep_html
from playground.gui.inspector.inspector_phases import PhaseTables
from playground.gui.inspector.inspector_table import ArrayTable
from playground.gui.inspector.inspector_text import (
    explanation_html,
    gradcheck_html,
    overlay_for,
    phase_text,
)

INSPECT_TIMEOUT = 5.0  # seconds the GUI waits for the runner to record one step
GRADCHECK_LIMIT = 20_000  # parameters: 2 forward passes each, in a worker thread
BODY_WIDTH = 400
DOCK_WIDTH = 580  # first shown at this width: the curves' column it replaces is about as wide


class _Relay(QObject):
    """Carries a worker thread's result to the GUI thread (a queued signal)."""

    done = Signal(object)


class InspectorPanel(QDockWidget):
    """A dock on the main window; see the module docstring."""

    opening = Signal()  # just before the panel shows: the window makes room for it

    def __init__(self, window):
        super().__init__("Backprop inspector", window)
        self.setObjectName("inspectorPanel")
        self.w = window
        self.step: InspectedStep | None = None
        self.spec = None  # the network the recorded step belongs to
        self.phase_index = 0
        self.row: int | None = None  # the chosen example of single-example mode
        self.explained: tuple[int, int, int] | None = None
        self.explanation = None  # the WeightExplanation shown
        self.gradcheck_result = None
        self._sized = False
        self._relay = _Relay(self)
        self._relay.done.connect(self._gradcheck_done)

        self.begin_button = QPushButton("Inspect step")
        self.begin_button.setToolTip(
            "Pause and preview the next step phase by phase; with a step shown, apply it "
            "first (Shift+Right, Shift+S)"
        )
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setToolTip("Show the previous phase (view only: nothing is undone)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Show the next phase of this step")
        self.finish_button = QPushButton("Finish step")
        self.finish_button.setToolTip(
            "Apply this step to the network (closing the panel discards it instead)"
        )
        self.single_check = QCheckBox("Single example")
        self.single_check.setToolTip(
            "Preview a step on one training point: click it in the output plot"
        )
        self.check_button = QPushButton("Gradient check")
        self.check_button.setToolTip(
            "Compare backprop's gradient with numerical differences on this minibatch"
        )
        self.phase_label = QLabel()
        self.phase_label.setTextFormat(Qt.TextFormat.RichText)
        self.text = QLabel("Press <b>Inspect step</b> to follow one training step.")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setContentsMargins(2, 2, 2, 2)
        self.phase_tables = PhaseTables(self.content_layout, self.explain)
        scroll = QScrollArea()
        scroll.setWidget(self.content)
        scroll.setWidgetResizable(True)
        self.scroll = scroll
        self.details = QTextBrowser()
        self.details.setObjectName("inspectorDetails")
        self.details.setPlaceholderText("Click a dL/dW or ΔW cell, or an edge of the diagram")
        self.details.setMinimumHeight(150)

        buttons = QHBoxLayout()
        for b in (self.begin_button, self.prev_button, self.next_button, self.finish_button):
            buttons.addWidget(b)
        options = QHBoxLayout()
        options.addWidget(self.single_check)
        options.addStretch(1)
        options.addWidget(self.check_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(scroll)
        split.addWidget(self.details)
        split.setSizes([380, 400])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(buttons)
        layout.addLayout(options)
        layout.addWidget(self.phase_label)
        layout.addWidget(self.text)
        layout.addWidget(split, 1)
        self.setWidget(body)
        body.setMinimumWidth(BODY_WIDTH)

        self.begin_button.clicked.connect(lambda: self.begin())
        self.prev_button.clicked.connect(self.previous_phase)
        self.next_button.clicked.connect(self.next_phase)
        self.finish_button.clicked.connect(self.finish)
        self.check_button.clicked.connect(self.run_gradcheck)
        self.single_check.toggled.connect(self._single_toggled)
        window.network_view.weightClicked.connect(self.explain)
        window.boundary_plot.trainPointClicked.connect(self._point_clicked)
        self._update_buttons()

    def open_panel(self) -> None:
        """Show the panel (the window first makes room for it)."""
        if self.isHidden():
            self.opening.emit()
            # let the window's layout see the room made before the dock claims its width
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            self.w.centralWidget().layout().activate()
            self.w.layout().activate()
            self.show()
            if not self._sized:
                self._sized = True
                self.w.resizeDocks([self], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    def closeEvent(self, event) -> None:
        self.discard()  # no rings or highlights left behind; an unfinished step is dropped
        super().closeEvent(event)

    # -- commands ---------------------------------------------------------------------
    def begin(self, row: int | None = None) -> bool:
        """Preview one step (on `row`, or the chosen example in single mode); True on success.

        A step already shown is finished (applied) first, so repeated presses walk on.
        """
        w = self.w
        self.open_panel()
        if w.runner is None:
            return False
        if self.step is not None and not self.finish():
            return False
        if row is None and self.single_check.isChecked():
            if self.row is None:
                self.text.setText("Single example: click a training point in the output plot.")
                return False
            row = self.row
        w.controls.set_running(False)
        step = self._ask(row, apply=False)
        if step is None:
            return False
        self.step, self.spec = step, w.document.spec
        self.phase_index, self.explained, self.gradcheck_result = 0, None, None
        self.details.clear()
        w.boundary_plot.highlight_points(step.X, step.y)
        self._show_phase()
        w.status.announce(f"Step {step.step} previewed: Next ▶ walks through its phases")
        return True

    def finish(self) -> bool:
        """Apply the shown step (the previewed numbers), then clear the view; True if applied."""
        step = self.step
        if step is None:
            return False
        row = int(step.rows[0]) if step.single else None
        done = self._ask(row, apply=True, expect_step=step.step)
        if done is None:  # stale (or answered too late): this preview can never be applied
            message = self.text.text()
            self.discard()
            self.text.setText(message)
            return False
        mine, real = step.new_W + step.new_b, done.new_W + done.new_b
        same = len(mine) == len(real) and all(
            np.array_equal(p, q) for p, q in zip(mine, real, strict=True)
        )
        self.discard()
        if same:
            self.text.setText(f"Step {done.step} applied: the weights are those shown in Update.")
        else:
            self.text.setText(
                f"Step {done.step} applied, but the network or its settings changed after "
                f"the preview, so its numbers differ from those shown."
            )
        self.w.status.announce(f"Inspected step {done.step} applied")
        return True

    def drop(self, why: str) -> None:
        """Training is about to move on another way: clear a shown step, saying why."""
        if self.step is not None:
            n = self.step.step
            self.discard()
            self.text.setText(f"The preview of step {n} was dropped, not applied: {why}.")

    def discard(self) -> None:
        """Clear the view: rings and highlights go; a step not finished is not applied."""
        self.step = None
        self.explained = None
        self.phase_tables.clear()
        self.w.boundary_plot.highlight_points(None)
        self.w.network_view.set_phase_overlay(None, None)
        self.phase_label.setText("")
        self.text.setText("Press <b>Inspect step</b> to follow a training step.")
        self.details.clear()
        self._update_buttons()

    def _ask(self, row: int | None, **kw) -> InspectedStep | None:
        """The runner's recorded step (bounded wait); None with a message on the panel."""
        try:
            step = self.w.runner.inspect(row, timeout=INSPECT_TIMEOUT, **kw)
        except EngineError as exc:
            self.text.setText(html.escape(str(exc)))
            return None
        if step is None and kw.get("expect_step") is not None:
            self.text.setText(
                "This step was not applied: training moved on since it was previewed (or the "
                "worker did not answer in time). Press <b>Inspect step</b> for a new one."
            )
        elif step is None:
            self.text.setText(
                f"No step was recorded: the training worker did not answer within "
                f"{INSPECT_TIMEOUT:g} s, or the step failed (see the message above the plots)."
            )
        return step

    def next_phase(self) -> None:
        if self.step is not None and self.phase_index < len(PHASES) - 1:
            self.phase_index += 1
            self._show_phase()

    def previous_phase(self) -> None:
        if self.step is not None and self.phase_index > 0:
            self.phase_index -= 1
            self._show_phase()

    @property
    def tables(self) -> dict[str, ArrayTable]:
        """The shown phase's tables by key ("z0", "dW1", ...; see inspector_phases)."""
        return self.phase_tables.tables

    @property
    def phase(self) -> str | None:
        return None if self.step is None else PHASES[self.phase_index]

    def explain(self, layer: int, i: int, j: int) -> bool:
        """Show W[layer][i, j]'s chain rule and update for the recorded step."""
        if self.step is None:
            return False
        try:
            e = explain_weight(self.step, layer, i, j)
        except EngineError as exc:
            self.details.setHtml(str(exc))
            return False
        self.explained = (layer, i, j)
        self.explanation = e
        deep = deep_html(self.step, self.spec, layer, i, j)  # batch norm, residual paths
        self.details.setHtml(explanation_html(e) + (f"<br><br>{deep}" if deep else ""))
        table = self.tables.get(f"dW{layer}")
        if table is not None:  # the weight's cell, in view
            table.table.setCurrentCell(i, j)
            self.scroll.ensureWidgetVisible(table, 0, 0)
        return True

    def run_gradcheck(self) -> None:
        """Start the check in a worker thread; the result comes back as a signal."""
        step = self.step
        if step is None or self.spec is None:
            self.details.setHtml("Inspect a step first: the check runs on its minibatch.")
            return
        net = Network(self.spec, 0)
        if net.size > GRADCHECK_LIMIT:
            self.details.setHtml(
                f"This network has {net.size} parameters; the check is offered up to "
                f"{GRADCHECK_LIMIT} (two forward passes per parameter)."
            )
            return
        same = [W.shape for W in net.weights] == [W.shape for W in step.old_W]
        if not same or step.old_params is None or step.old_params.size != net.size:
            self.details.setHtml("The network changed since this step; inspect a new one.")
            return
        net.flat[...] = step.old_params  # every tensor: batch norm and shortcuts too
        self.check_button.setEnabled(False)
        self.details.setHtml("Gradient check running…")
        relay = self._relay

        def work() -> None:
            try:
                relay.done.emit((step, gradcheck(net, step.X, step.y)))
            except Exception as exc:  # shown to the user, never a traceback
                relay.done.emit((step, exc))

        QThreadPool.globalInstance().start(work)

    def _gradcheck_done(self, payload) -> None:
        step, result = payload
        self.check_button.setEnabled(self.step is not None)
        if isinstance(result, Exception):
            self.details.setHtml(f"The gradient check failed: {result}")
            return
        self.gradcheck_result = result
        self.details.setHtml(gradcheck_html(result, step.n_layers))

    # -- single example ---------------------------------------------------------------
    def _single_toggled(self, on: bool) -> None:
        if on:
            self.open_panel()
            self.text.setText(
                "Single example: click a training point in the output plot to preview a step "
                "on it alone. Finish step applies it: the step counter advances by one, the "
                "epoch's minibatch order does not move."
            )

    def _point_clicked(self, row: int) -> None:
        if self.single_check.isChecked():
            self.row = row
            self.discard()  # another point: the shown step (not finished) is dropped
            self.begin(row)

    # -- drawing ------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        has = self.step is not None
        self.prev_button.setEnabled(has and self.phase_index > 0)
        self.next_button.setEnabled(has and self.phase_index < len(PHASES) - 1)
        self.finish_button.setEnabled(has)
        self.check_button.setEnabled(has)

    def _show_phase(self) -> None:
        step, phase = self.step, self.phase
        strip = " → ".join(
            f"<b><u>{p}</u></b>" if p == phase else f"<span style='color:#888'>{p}</span>"
            for p in PHASES
        )
        who = f"row {step.rows[0]}" if step.single else f"{step.batch_size} examples"
        self.phase_label.setText(f"Step {step.step} ({who}): {strip}")
        self.text.setText(phase_text(step, phase))
        features = list(self.spec.features) if self.spec is not None else None
        self.phase_tables.show(step, phase, features)
        try:
            self.w.network_view.set_phase_overlay(phase, overlay_for(step, phase))
        except ValueError:  # the diagram shows another network now
            self.w.network_view.set_phase_overlay(None, None)
        self._update_buttons()
