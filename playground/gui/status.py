"""The status bar: state, epoch, step, steps/s, frames/s, train and test loss, learning rate.

Each figure has its own permanent label, so a transient announcement (a rebuild,
a reset) can use the bar's message area without hiding them.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QStatusBar

STATE_COLOURS = {
    "running": "#1a6b4f",
    "paused": "#555555",
    "finished": "#0072B2",
    "diverged": "#D55E00",
    "error": "#D55E00",
}
FIELDS = ("state", "epoch", "step", "steps_per_s", "fps", "train_loss", "test_loss", "lr")
WIDEST = {  # room for the widest usual text, so figures do not jitter or get cut
    "state": "diverged",
    "epoch": "epoch 000000",
    "step": "step 00000000",
    "steps_per_s": "000000 steps/s",
    "fps": "000 frames/s",
    "train_loss": "train loss 0.0000e-00",
    "test_loss": "test loss 0.0000e-00",
    "lr": "lr 0.0000e-00",
}


def _fmt(value: float | None, spec: str = ".4g") -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return format(value, spec)


class StatusPanel:
    """Fills a QStatusBar with labelled figures; `update` sets them all at once."""

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        self.labels: dict[str, QLabel] = {}
        tips = {
            "state": "What the trainer is doing",
            "epoch": "Complete passes over the training set",
            "step": "Minibatch updates so far",
            "steps_per_s": "Training speed: minibatch updates per second",
            "fps": "How often the plots are redrawn per second",
            "train_loss": "Loss over the whole training set (latest evaluation)",
            "test_loss": "Loss over the test set (latest evaluation)",
            "lr": "The learning rate the next step uses (the schedule's rate of this epoch)",
        }
        for name in FIELDS:
            label = QLabel()
            label.setObjectName(f"status_{name}")
            label.setToolTip(tips[name])
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(WIDEST[name]) + 12)
            bar.addPermanentWidget(label)
            self.labels[name] = label
        self.values: dict[str, object] = {}
        self.update(state="paused", epoch=0, step=0, steps_per_s=0.0, fps=0.0)

    def update(self, **values: object) -> None:
        self.values.update(values)
        v = self.values
        state = str(v.get("state", ""))
        colour = STATE_COLOURS.get(state, "#555555")
        self.labels["state"].setText(f"<b style='color:{colour}'>{state}</b>")
        self.labels["epoch"].setText(f"epoch {v.get('epoch', 0)}")
        self.labels["step"].setText(f"step {v.get('step', 0)}")
        self.labels["steps_per_s"].setText(f"{_fmt(v.get('steps_per_s'), '.0f')} steps/s")
        self.labels["fps"].setText(f"{_fmt(v.get('fps'), '.0f')} frames/s")
        self.labels["train_loss"].setText(f"train loss {_fmt(v.get('train_loss'))}")
        self.labels["test_loss"].setText(f"test loss {_fmt(v.get('test_loss'))}")
        self.labels["lr"].setText(f"lr {_fmt(v.get('lr'))}")

    def announce(self, text: str, msecs: int = 6000) -> None:
        """A transient message (rebuilds, resets, imports) in the bar's message area."""
        self.bar.showMessage(text, msecs)
