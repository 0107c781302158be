"""Animations of the output plot: `train --animate`, the Qt-free frames, GIF read back."""

import json

import numpy as np
import pytest
from PIL import Image

from engine.grid import GridEvaluator
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from playground.cli import main as cli
from playground.document import animation, picture
from playground.document.errors import InputError

SMALL = ["train", "--dataset", "xor", "--samples", "60", "--epochs", "4", "--json"]


def _run(capsys, *args):
    code = cli.main([*SMALL, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


def test_train_animate_writes_the_requested_number_of_frames(capsys, tmp_path):
    path = tmp_path / "run.gif"
    _, err = _run(capsys, "--animate", str(path), "--animate-frames", "9")
    with Image.open(path) as gif:
        assert gif.n_frames == 9
        assert gif.size == (2 * animation.DEFAULT_SIZE, animation.DEFAULT_SIZE)
        first = np.asarray(gif.convert("RGB")).copy()
        gif.seek(8)
        last = np.asarray(gif.convert("RGB"))
    assert "9 frames" in err
    assert not np.array_equal(first, last)  # the boundary (and the loss curve) moved


def test_train_animate_keeps_the_numbers_of_the_run(capsys, tmp_path):
    plain, _ = _run(capsys)
    animated, _ = _run(capsys, "--animate", str(tmp_path / "a.gif"), "--animate-frames", "5")
    for key in ("train_loss", "test_loss", "train_accuracy", "steps"):
        assert animated[key] == plain[key]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--animate", "x.png"], "expected a .gif or .mp4"),
        (["--animate", "x.gif", "--animate-frames", "1"], "--animate-frames"),
        (["--animate", "no/such/dir/x.gif"], "does not exist"),
    ],
)
def test_train_animate_refuses_bad_input_before_training(
    capsys, tmp_path, monkeypatch, args, expected
):
    monkeypatch.chdir(tmp_path)
    code = cli.main([*SMALL, *args])
    _, err = capsys.readouterr()
    assert code == 2 and expected in err and "Traceback" not in err


def test_mp4_without_imageio_ffmpeg_is_refused_with_the_extra_named(monkeypatch, tmp_path):
    monkeypatch.setattr(animation, "mp4_available", lambda: False)
    with pytest.raises(InputError, match=r"imageio-ffmpeg.*\[mp4\]"):
        animation.check_animation_path(str(tmp_path / "a.mp4"))


def test_frame_steps_are_evenly_spread_and_include_both_ends():
    assert animation.frame_steps(100, 5) == [0, 25, 50, 75, 100]
    assert animation.frame_steps(3, 10) == [0, 1, 2, 3]  # never more frames than steps


def _view():
    spec = NetworkSpec(hidden=(LayerSpec(4, "tanh"),))
    grid = GridEvaluator(((-1.0, 1.0), (-1.0, 1.0)), 2, "classification", 16)
    return grid.evaluate(Network(spec, 0))


def test_cancelling_an_export_writes_no_file(tmp_path):
    frames = [animation.Frame(s, _view()) for s in range(6)]
    path = tmp_path / "c.gif"
    seen = []

    def progress(done, total):
        seen.append((done, total))
        return done < 3

    with pytest.raises(animation.Cancelled):
        animation.write_animation(path, frames, None, progress=progress)
    assert seen == [(1, 6), (2, 6), (3, 6)] and not path.exists()


def test_pick_frames_spreads_the_recording_over_the_requested_count():
    frames = [animation.Frame(s, None) for s in range(11)]
    assert [f.step for f in animation.pick_frames(frames, 3)] == [0, 5, 10]
    assert len(animation.pick_frames(frames, 50)) == 11


def test_binary_picture_runs_blue_to_orange_with_the_largest_x2_on_top():
    view = _view()
    p = np.zeros_like(view.values)
    p[len(view.ys) // 2 :] = 1.0  # the upper half is class 1
    rgb = picture.view_rgb(type(view)(view.kind, view.xs, view.ys, p, view.bounds))
    assert rgb[0, 0, 2] < rgb[0, 0, 0]  # top row: orange (more red than blue)
    assert rgb[-1, 0, 2] > rgb[-1, 0, 0]  # bottom row: blue
    assert picture.thumbnail(view, 2, 12).shape == (12, 12, 3)


def test_the_qt_free_pictures_use_the_application_colours():
    from playground.gui import palette
    from playground.gui.plots import boundary_plot

    assert picture.CLASS_HEX == palette.CLASS_HEX
    assert picture.HEAT_LIGHTEN == boundary_plot.HEAT_LIGHTEN
