"""The loss landscape around the current weights (`landscapePlot`), computed on demand.

Three slices (engine/landscape.py): two filter-normalised random directions, the
two main (PCA) directions of the weights recorded while training (the path drawn
on it), and the 1-D line from the initial to the current weights. A slice costs
thousands of whole-training-set evaluations, so it runs in a worker thread with
a progress bar and Cancel, on copies of a snapshot's weights: training goes on,
and "Refresh" computes it again at the newest weights.

The trajectory is collected here from the snapshots the window draws, bounded:
when it holds its capacity (MAX_PATH points, fewer for a big network: at most
PATH_BYTES in all) every other one is dropped and only every second snapshot
after that is kept.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import landscape
from engine.errors import EngineError
from engine.layers import state_of
from engine.network import Network
from playground.gui.plots.loss_plot import configure_plot

log = logging.getLogger(__name__)

MAX_PATH = 200
PATH_BYTES = 64 * 2**20  # a 12 x 256 network's path keeps about 10 points


def path_capacity(n_params: int) -> int:
    """How many weight vectors of `n_params` floats the trajectory keeps."""
    return int(np.clip(PATH_BYTES // (8 * max(1, n_params)), 4, MAX_PATH))


SLICES = (
    ("random", "Random directions", "Two random directions, filter-normalised (Li et al. 2018)"),
    ("pca", "PCA of the path", "The two main directions of the weights recorded while training"),
    (
        "line",
        "Initial → current",
        "1-D: the loss on the line from the initial to the current weights",
    ),
)


def flat_weights(snap) -> np.ndarray:
    """A snapshot's tensors in the network's flat order."""
    return np.concatenate([t.ravel() for layer in snap.weights for t in layer])


class _Signals(QObject):
    """Worker-thread results, delivered on the GUI thread (queued connections)."""

    progress = Signal(int, int)
    finished = Signal(object, float)
    failed = Signal(str)


class LandscapePlot(QWidget):
    """A 2-D loss slice as an image (or the 1-D line), with the trajectory on it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("landscapePlot")
        self.source = None  # () -> (snapshot, Data) or None: set by the window
        self.path: list[np.ndarray] = []
        self.initial: np.ndarray | None = None
        self._generation = -1
        self._stride, self._seen, self._last_step = 1, 0, -1
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self.result = None
        self.seconds = None
        self.signals = _Signals()
        self.signals.progress.connect(self._progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)

        self.kind_box = QComboBox()
        for i, (key, text, tip) in enumerate(SLICES):
            self.kind_box.addItem(text, key)
            self.kind_box.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Compute the slice around the newest weights")
        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, landscape.RESOLUTION)
        self.progress_bar.setMaximumWidth(100)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Loss landscape</b>"))
        head.addWidget(self.kind_box)
        head.addStretch(1)
        actions = QHBoxLayout()  # a second row: the whole fits the gradient plot's width
        actions.addWidget(self.refresh_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress_bar)
        actions.addStretch(1)
        self.info = QLabel("Press Refresh to compute the loss around the current weights")
        self.info.setObjectName("landscapeInfo")
        self.info.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plot = self.canvas.addPlot()
        configure_plot(self.plot)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False,
                                          label="log10 loss", width=12)  # fmt: skip
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#0072B2", width=2))
        self.trail = self.plot.plot([], [], pen=pg.mkPen("w", width=2), symbol="o",
                                    symbolSize=4, symbolBrush="w")  # fmt: skip
        self.centre = self.plot.plot([], [], pen=None, symbol="+", symbolSize=14,
                                     symbolPen=pg.mkPen("#D55E00", width=2))  # fmt: skip
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(actions)
        layout.addWidget(self.info)
        layout.addWidget(self.canvas, 1)

    # -- the trajectory -------------------------------------------------------------------
    def record(self, snap) -> None:
        """Remember the snapshot's weights on the (bounded) trajectory."""
        if snap.generation != self._generation or self.initial is None:
            self._generation = snap.generation
            self.path, self._stride, self._seen = [], 1, 0
            self.initial = flat_weights(snap) if snap.step == 0 else None
        if self.path and snap.step <= self._last_step:
            return
        self._seen += 1
        if self._seen % self._stride:
            return
        self._last_step = snap.step
        self.path.append(flat_weights(snap))
        if len(self.path) > path_capacity(self.path[-1].size):
            self.path = self.path[1::2]
            self._stride *= 2

    # -- computing ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> None:
        """Compute the chosen slice at the newest snapshot's weights, in a worker thread."""
        if self.busy:
            return
        got = self.source() if self.source is not None else None
        if got is None or got[0] is None or got[1] is None:
            self.info.setText("Nothing to show yet: no network has been built")
            return
        snap, data = got
        if snap.spec.input_dim != data.X_train.shape[1] or snap.spec.task != data.task:
            self.info.setText("The network is being rebuilt for new data: Refresh again")
            return
        kind = self.kind_box.currentData()
        path = np.array(self.path) if self.path else None
        initial = self.initial
        self._cancel.clear()
        self.refresh_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.info.setText(f"Computing at step {snap.step}…")
        self._thread = threading.Thread(
            target=self._work, args=(snap, data, kind, path, initial),
            name="landscape", daemon=True,
        )  # fmt: skip
        self._thread.start()

    def _work(self, snap, data, kind, path, initial) -> None:
        t0 = time.perf_counter()
        try:
            net = Network(snap.spec)
            net.load_state_dict(state_of(snap.spec, snap.weights))
            F, y = net.features(data.X_train), data.y_train
            if kind == "line":
                if initial is None:
                    raise EngineError("The 1-D slice needs the initial weights: press Reset")
                result = landscape.interpolate(net, F, y, initial)
                self.signals.progress.emit(1, 1)
            else:
                if path is not None:
                    path = np.vstack([path, net.flat[None]])
                result = landscape.slice_2d(
                    net, F, y, kind=kind, trajectory=path,
                    progress=self.signals.progress.emit, should_stop=self._cancel.is_set,
                )  # fmt: skip
        except (EngineError, ValueError) as exc:
            self.signals.failed.emit(str(exc))
            return
        except Exception as exc:  # a worker's failure must still give the buttons back
            log.exception("the loss landscape failed")
            self.signals.failed.emit(f"Could not compute the landscape: {exc}")
            return
        self.signals.finished.emit((snap.step, result), time.perf_counter() - t0)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float = 30.0) -> None:
        """Stop a running computation and wait for its thread (closing, tests)."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- results --------------------------------------------------------------------------
    def _progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)

    def _idle(self) -> None:
        self.refresh_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        self._idle()
        self.info.setText(message)

    def _finished(self, payload, seconds: float) -> None:
        self._idle()
        step, result = payload
        if result is None:
            self.info.setText("Cancelled")
            return
        self.result, self.seconds = result, seconds
        if isinstance(result, landscape.Interpolation):
            self._draw_line(result)
            self.info.setText(
                f"Step {step}: loss from the initial (t = 0) to the current weights (t = 1); "
                f"computed in {seconds:.2f} s"
            )
            return
        self._draw_slice(result)
        text = (
            f"Step {step}: training loss {result.centre_loss:.4g} at the centre (+), "
            f"{result.loss.min():.4g} to {result.loss.max():.4g} around it (log colour); "
            f"computed in {seconds:.2f} s"
        )
        if result.explained is not None:
            text += f"; the two directions hold {sum(result.explained):.0%} of the path's motion"
        self.info.setText(text)

    def _draw_line(self, line) -> None:
        self._show_image(False)
        self.trail.setData([], [])
        self.centre.setData([1.0], [float(line.loss[np.argmin(np.abs(line.ts - 1.0))])])
        self.curve.setData(line.ts, line.loss)
        self.plot.setLabel("bottom", "t (0: initial, 1: current weights)")
        self.plot.setLabel("left", "training loss")
        finite = line.loss[np.isfinite(line.loss)]
        self.plot.setXRange(float(line.ts[0]), float(line.ts[-1]), padding=0.02)
        if finite.size:
            self.plot.setYRange(float(finite.min()), float(finite.max()), padding=0.05)

    def _show_image(self, shown: bool) -> None:
        self.image.setVisible(shown)
        self.colour_bar.setVisible(shown)

    def _draw_slice(self, land) -> None:
        self.curve.setData([], [])
        self._show_image(True)
        xs, ys = land.xs, land.ys
        values = np.log10(np.maximum(land.loss, 1e-12))
        finite = values[np.isfinite(values)]
        self.image.setImage(values.T, autoLevels=False)
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            self.colour_bar.setLevels((lo, hi if hi > lo else lo + 1e-9))
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx,
                           ys[-1] - ys[0] + dy)  # fmt: skip
        if land.path is not None:
            self.trail.setData(land.path[:, 0], land.path[:, 1])
        else:
            self.trail.setData([], [])
        self.centre.setData([0.0], [0.0])
        self.plot.setLabel("bottom", "direction 1")
        self.plot.setLabel("left", "direction 2")
        self.plot.setXRange(float(xs[0]), float(xs[-1]), padding=0)
        self.plot.setYRange(float(ys[0]), float(ys[-1]), padding=0)


__all__ = ["MAX_PATH", "PATH_BYTES", "SLICES", "LandscapePlot", "flat_weights", "path_capacity"]
