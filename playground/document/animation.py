"""Animations of the output plot over a run: frames, and GIF or MP4 files of them.

A `Frame` is one recorded moment (the training step and the output's GridView).
`write_animation` draws each frame without Qt (playground/document/picture.py),
optionally beside the loss curve up to that step, with a step counter, and writes a
GIF (Pillow) or an MP4 (imageio-ffmpeg, the optional `[mp4]` extra). It reports
progress after every frame and stops when told to, so the GUI can offer Cancel.

`FrameTaker` takes the frames of a headless run (`playground train --animate`): it
stands where the trainer's History goes (the loop calls `record_step` after every
step) and evaluates the grid at evenly spaced steps. Evaluating never touches the
training buffers or random streams, so the run's numbers are those of the same run
without --animate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.document.errors import InputError
from playground.document.picture import draw_output

FORMATS = (".gif", ".mp4")
DEFAULT_FRAMES = 100
MAX_FRAMES = 2000
DEFAULT_SIZE = 320  # pixels of the output plot; the loss panel beside it is as wide
FPS = 20
PANEL_BG = (255, 255, 255)
LOSS_RGB = (0, 114, 178)


@dataclass(frozen=True)
class Frame:
    step: int
    view: object  # engine.grid.GridView


class Cancelled(Exception):
    """The person cancelled the export; no file was written."""


def check_animation_path(text: str) -> Path:
    """The output path of an animation: .gif, or .mp4 when imageio-ffmpeg is installed."""
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"cannot write an animation to {text!r}: expected a .gif or .mp4 file name; "
            f"received {suffix or 'no extension'}"
        )
    if suffix == ".mp4" and not mp4_available():
        raise InputError(
            "MP4 animations need the optional imageio-ffmpeg package: "
            "pip install 'backprop-playground[mp4]' (or write a .gif)"
        )
    if not path.parent.is_dir():
        raise InputError(f"cannot write {text!r}: the folder {str(path.parent)!r} does not exist")
    return path


def check_frame_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_FRAMES:
        raise InputError(
            f"Received an invalid value for --animate-frames, expected an integer from 2 to "
            f"{MAX_FRAMES}. Received: {n!r}"
        )
    return n


def mp4_available() -> bool:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def frame_steps(total_steps: int, n_frames: int) -> list[int]:
    """Up to `n_frames` distinct steps evenly spread over 0..total_steps, both ends included."""
    if total_steps <= 0:
        return [0]
    return sorted({round(x) for x in np.linspace(0, total_steps, n_frames)})


def pick_frames(frames: Sequence[Frame], n_frames: int) -> list[Frame]:
    """`n_frames` of the recorded frames, evenly spread (all of them when there are fewer)."""
    if len(frames) <= n_frames:
        return list(frames)
    index = np.linspace(0, len(frames) - 1, n_frames).round().astype(int)
    return [frames[i] for i in index]


def write_animation(
    path: str | Path,
    frames: Sequence[Frame],
    data,
    *,
    loss: tuple[np.ndarray, np.ndarray] | None = None,
    size: int = DEFAULT_SIZE,
    fps: int = FPS,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Write `frames` to `path` (.gif or .mp4); the number of frames written.

    `loss` (steps, values) adds the loss curve beside the output plot, drawn up to each
    frame's step on axes fixed for the whole run. `progress(done, total)` is called
    after each frame; returning False cancels (raises Cancelled, nothing is written).
    """
    path = Path(path)
    if not frames:
        raise InputError("there is nothing to animate: no frame was recorded")
    size += size % 2  # MP4 (yuv420p) wants even sizes
    panel = None if loss is None or len(loss[0]) == 0 else _LossPanel(*loss, size)
    if path.suffix.lower() == ".mp4":
        return _write_mp4(path, frames, data, panel, size, fps, progress)
    images = []
    for i, frame in enumerate(frames):
        images.append(_compose(frame, data, panel, size).quantize(colors=255))
        if progress is not None and progress(i + 1, len(frames)) is False:
            raise Cancelled("the animation export was cancelled")
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
    )
    return len(images)


def _write_mp4(path, frames, data, panel, size, fps, progress) -> int:
    import imageio_ffmpeg

    width = size * (2 if panel is not None else 1)
    writer = imageio_ffmpeg.write_frames(str(path), (width, size), fps=fps, macro_block_size=1)
    writer.send(None)
    try:
        for i, frame in enumerate(frames):
            writer.send(np.ascontiguousarray(_compose(frame, data, panel, size)).tobytes())
            if progress is not None and progress(i + 1, len(frames)) is False:
                raise Cancelled("the animation export was cancelled")
    except Cancelled:
        writer.close()
        path.unlink(missing_ok=True)
        raise
    writer.close()
    return len(frames)


def _compose(frame: Frame, data, panel, size: int):
    """One picture: the output plot with a step counter, the loss panel beside it."""
    from PIL import Image, ImageDraw

    output = draw_output(frame.view, data, size)
    draw = ImageDraw.Draw(output)
    text = f"step {frame.step}"
    box = draw.textbbox((6, 4), text)
    draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(255, 255, 255))
    draw.text((6, 4), text, fill=(0, 0, 0))
    if panel is None:
        return output
    canvas = Image.new("RGB", (2 * size, size), PANEL_BG)
    canvas.paste(output, (0, 0))
    canvas.paste(panel.draw(frame.step), (size, 0))
    return canvas


class _LossPanel:
    """The minibatch loss over the run (log scale), drawn up to a given step."""

    MARGIN = 28

    def __init__(self, steps: np.ndarray, values: np.ndarray, size: int):
        steps, values = np.asarray(steps, float), np.asarray(values, float)
        self.size = size
        self.x1 = max(float(steps[-1]) if len(steps) else 1.0, 1.0)
        keep = np.isfinite(values) & (values > 0)
        steps, logs = steps[keep], np.log10(values[keep])
        # one point per pixel column: the mean log loss of its steps (minibatch noise
        # would otherwise fill the panel)
        width = size - 8 - self.MARGIN
        column = np.minimum((steps / self.x1 * width).astype(int), width)
        counts = np.bincount(column, minlength=width + 1)
        used = counts > 0
        sums = np.bincount(column, weights=logs, minlength=width + 1)
        last = np.zeros(width + 1)
        np.maximum.at(last, column, steps)
        self.steps, self.logs = last[used], sums[used] / counts[used]
        lo, hi = (self.logs.min(), self.logs.max()) if len(self.logs) else (0.0, 1.0)
        self.lo, self.hi = math.floor(lo * 4) / 4, max(math.ceil(hi * 4) / 4, lo + 0.25)

    def draw(self, step: int):
        from PIL import Image, ImageDraw

        s, m = self.size, self.MARGIN
        image = Image.new("RGB", (s, s), PANEL_BG)
        draw = ImageDraw.Draw(image)
        draw.rectangle((m, m, s - 8, s - m), outline=(160, 160, 160))
        draw.text((m, 6), "training loss (minibatch mean, log scale)", fill=(0, 0, 0))
        draw.text((m, s - m + 6), f"0 … {int(self.x1)} steps", fill=(80, 80, 80))
        for value in (self.lo, self.hi):
            draw.text((2, self._y(value) - 6), f"{10**value:.2g}", fill=(80, 80, 80))
        upto = self.steps <= step
        if upto.sum() >= 2:
            xs = m + self.steps[upto] / self.x1 * (s - 8 - m)
            ys = self._y(self.logs[upto])
            draw.line(np.column_stack([xs, ys]).ravel().tolist(), fill=LOSS_RGB, width=2)
        return image

    def _y(self, log_value):
        s, m = self.size, self.MARGIN
        return m + (self.hi - np.asarray(log_value)) / (self.hi - self.lo) * (s - 2 * m)


class FrameRecord:
    """The output pictures of the run on screen, for File > Export Animation.

    The window adds every new view it draws (about 30 a second); past `capacity`
    frames every other one is dropped and only every second new view is kept from
    then on, so the record stays evenly spread over the whole run in bounded memory.
    """

    def __init__(self, capacity: int = 400):
        self.capacity = capacity
        self.frames: list[Frame] = []
        self.generation = None
        self._stride, self._skipped = 1, 0

    def clear(self, generation=None) -> None:
        self.frames, self.generation = [], generation
        self._stride, self._skipped = 1, 0

    def add(self, step: int, view) -> None:
        if self.frames and step < self.frames[-1].step:  # a new run under a new runner
            self.clear(self.generation)
        if self.frames and self.frames[-1].view is view:  # no new picture since
            return
        if self.frames and self.frames[-1].step == step:  # a newer picture of the same step
            self.frames[-1] = Frame(step, view)
            return
        self._skipped += 1
        if self._skipped < self._stride and self.frames:
            return
        self._skipped = 0
        self.frames.append(Frame(step, view))
        if len(self.frames) > self.capacity:
            last = self.frames[-1]
            self.frames = [*self.frames[:-1:2], last]
            self._stride *= 2


class FrameTaker:
    """The trainer's history stand-in for `train --animate` (see the module docstring)."""

    def __init__(self, trainer, epochs: int, n_frames: int, history=None, resolution: int = 64):
        from engine.grid import GridEvaluator

        data = trainer.data
        spec = trainer.network.spec
        if not GridEvaluator.supports(spec.input_dim, spec.task):
            raise InputError(
                f"--animate draws the output plot, which exists for 2-D classification and "
                f"1-D or 2-D regression; this data has {spec.input_dim} inputs ({spec.task})"
            )
        self.trainer, self.history = trainer, history
        self.grid = GridEvaluator(data.bounds, spec.input_dim, spec.task, resolution)
        n = len(data.y_train)
        per_epoch = math.ceil(n / trainer.batch_size)
        start = trainer.step_count
        self.targets = {start + s for s in frame_steps(epochs * per_epoch, n_frames)}
        self.frames: list[Frame] = []
        self.loss_steps: list[int] = []
        self.losses: list[float] = []
        self._take(start)

    def record_step(self, step: int, loss: float, grad_norms) -> None:
        if self.history is not None:
            self.history.record_step(step, loss, grad_norms)
        self.loss_steps.append(step)
        self.losses.append(float(loss))
        if step in self.targets:
            self._take(step)

    def record_eval(self, epoch: int, step: int, evaluation) -> None:
        if self.history is not None:
            self.history.record_eval(epoch, step, evaluation)

    def _take(self, step: int) -> None:
        if step in self.targets:
            self.frames.append(Frame(step, self.grid.evaluate(self.trainer.network)))

    def finish(self) -> None:
        """The final weights as the last frame (early stopping ends before the last target;
        restoring the best weights changes the picture after the last step)."""
        step = self.trainer.step_count
        view = self.grid.evaluate(self.trainer.network)
        if self.frames and self.frames[-1].step == step:
            self.frames[-1] = Frame(step, view)
        else:
            self.frames.append(Frame(step, view))

    @property
    def loss(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.loss_steps), np.asarray(self.losses)


__all__ = [
    "Cancelled",
    "Frame",
    "FrameRecord",
    "FrameTaker",
    "check_animation_path",
    "check_frame_count",
    "frame_steps",
    "mp4_available",
    "pick_frames",
    "write_animation",
]
