"""Draws one snapshot into every view of the main window.

Curves are cleared when the snapshot's generation changes (reset or rebuild)
and then grow from each snapshot's history chunk. The boundary picture and the
misclassified marks are redrawn only when the runner computed a new view; the
run button follows the runner when it stops by itself (finished, diverged,
error), and divergence or errors appear in the banner.
"""

from __future__ import annotations

NETWORK_VIEW_PERIOD = 6  # redraw the network diagram every sixth frame (5 Hz) while running


class SnapshotPresenter:
    def __init__(self, window) -> None:
        self.w = window
        self.generation = -1
        self.step = -1
        self.state = "paused"
        self._view = None
        self._mistakes = None  # (generation, step) of the marks drawn
        self._maps = None  # (generation, step) of the unit maps drawn
        self._health = None  # the activation health drawn
        self._shown_message: tuple[int, str] | None = None
        self._frame = 0
        self.last = None  # the latest snapshot drawn
        window.network_view.neuronHovered.connect(self._watch_unit)

    def _watch_unit(self, column: int, unit: int) -> None:
        """Ask the runner for the hovered unit's enlarged map (column -1: stop)."""
        runner = self.w.runner
        if runner is not None:
            runner.watch_unit(None if column < 0 else column, unit)

    def forget(self) -> None:
        """Treat the next snapshot as the start of a new run (a new runner)."""
        self.generation = -1
        self.last = None

    def expect_new_attempt(self) -> None:
        """The user pressed Run: a divergence or error reported from now on is shown again."""
        self._shown_message = None

    def draw(self, snap) -> None:
        w = self.w
        self._frame += 1
        self.last = snap
        w.runs.observe(snap)  # a new generation ends the run before it (runs list)
        if snap.generation != self.generation:
            self.generation = snap.generation
            metric = "accuracy" if snap.spec.task == "classification" else "r2"
            w.loss_plot.clear(metric)
            w.gradient_plot.clear(len(snap.spec.hidden) + 1)
            self._view, self.step, self._mistakes, self._maps = None, -1, None, None
            w.unit_preview.set_preview(None)
            self._shown_message = None
        if len(snap.history) or snap.history.n_evals:
            w.loss_plot.append(snap.history)
            w.gradient_plot.append(snap.history)
            w.loss_plot.redraw()
            w.gradient_plot.redraw()
        if snap.state == "diverged":
            w.loss_plot.mark_divergence(snap.step)
            w.gradient_plot.mark_divergence(snap.step)
        self.step = snap.step
        w.landscape_plot.record(snap)
        if snap.activation_health is not self._health:
            self._health = snap.activation_health
            w.activation_plot.set_health(snap.activation_health)
        self.draw_views(snap)
        w.lr_plot.show_snapshot(snap)
        self._update_status(snap)
        w.document.set_run_state(
            step=snap.step, epoch=snap.epoch, status=snap.state, message=snap.message or ""
        )
        self._follow_state(snap)

    def forget_views(self) -> None:
        """The pictures on screen are not the last snapshot's (the timeline showed another step)."""
        self._view, self._mistakes, self._maps = None, None, None

    def draw_views(self, snap, now: bool = False) -> None:
        """The pictures of the weights: output, marks, unit preview, diagram (`now`: this frame)."""
        w = self.w
        if self._fits_data(snap) and snap.view is not None and snap.view is not self._view:
            self._view = snap.view
            w.boundary_plot.update_view(snap.view)
        self._mark_mistakes(snap)
        if self._fits_data(snap):
            w.unit_preview.set_preview(snap.unit_preview)
        if snap.spec == w.network_view.spec and (
            now or self._frame % NETWORK_VIEW_PERIOD == 0 or snap.state != "running"
        ):
            w.network_view.set_weights(snap.weights)
            maps = snap.unit_maps
            if maps is None or (snap.generation, maps.step) != self._maps:
                self._maps = None if maps is None else (snap.generation, maps.step)
                w.network_view.set_unit_maps(maps)
            plot = w.gradient_plot
            w.network_view.set_layer_stats(snap.layers, plot.vanishing, plot.exploding)
            w.network_view.set_activation_health(snap.activation_health)

    def _fits_data(self, snap) -> bool:
        """False for a late snapshot of the network before a rebuild to other data."""
        data = self.w.document.data
        spec = snap.spec
        if data is None or spec.input_dim != data.X_train.shape[1] or spec.task != data.task:
            return False
        return spec.task != "classification" or spec.n_classes == data.n_classes

    def _mark_mistakes(self, snap) -> None:
        """Draw the runner's marks when they are new (no forward pass here: see engine/grid)."""
        marks = snap.mistakes if self._fits_data(snap) else None
        key = None if marks is None else (snap.generation, marks.step)
        if key != self._mistakes:
            self._mistakes = key
            self.w.boundary_plot.show_mistakes(marks)

    def _update_status(self, snap) -> None:
        ev = snap.evaluation
        self.w.status.update(
            state=snap.state,
            epoch=snap.epoch,
            step=snap.step,
            steps_per_s=snap.steps_per_second,
            fps=self.w.frames.fps,
            train_loss=None if ev is None else ev.train_loss,
            test_loss=None if ev is None else ev.test_loss,
            lr=snap.lr,
        )

    def _follow_state(self, snap) -> None:
        w = self.w
        self.state = snap.state
        if snap.state in ("diverged", "error", "finished"):
            w.controls.set_running(False)
        elif snap.reason == "start" and snap.state == "running":
            w.controls.set_running(True)
        if snap.state == "running" and self._shown_message is not None:
            shown = self._shown_message[1]  # a divergence: the only stop that Run resumes
            if w.banner.message() == shown[:1].upper() + shown[1:]:
                w.banner.hide()  # a late snapshot showed it again: training runs on
            self._shown_message = None
        if snap.state in ("diverged", "error") and snap.message:
            key = (snap.generation, snap.message)
            if key != self._shown_message:
                self._shown_message = key
                if snap.state == "diverged":
                    text = snap.message[:1].upper() + snap.message[1:]
                    w.banner.show_message(text, "error", offer_reset=True)
                else:
                    w.banner.show_message(
                        f"<b>Training stopped on an unexpected error:</b> {snap.message}. "
                        "Reset to start again.",
                        "error",
                        offer_reset=True,
                        details=snap.traceback,
                    )
                w.status.announce(f"Training {snap.state}: see the message above the plots")
        elif snap.state == "finished" and snap.reason == "finished":
            text = snap.message or f"Finished: {snap.epoch} epochs. Run again for more."
            w.status.announce(text, 10000)
