"""Lesson links without Qt: round trip, the same run from a text, refusals, the CLI."""

from __future__ import annotations

import base64
import io
import json
import sys
import types
import zlib

import numpy as np
import pytest

from engine.settings import SETTINGS
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer_state import capture
from playground.cli import main as cli
from playground.document import share_text
from playground.document.painted import PaintedPoints
from playground.document.project import Project
from playground.document.session import DataChoice, Session
from playground.document.share_text import MAX_JSON_BYTES, ShareTextError, decode, encode

# made by this version from the default session at 3000 steps/s: texts already shared
# must keep opening (the compressor's preset dictionary is frozen for `bpp1.`)
DEFAULT_TEXT = "bpp1.ePktu9_IG83So1l6NEsPqywNAIuGP5E"


def default_project(**changes) -> Project:
    session = Session()
    ds = session.data.build()
    return Project(session.data, session.spec_for(ds), session.config, speed=3000.0).replace(
        **changes
    )


def changed(setting):
    """A valid value of `setting` other than its default (every setting, so a new one
    in engine/settings.py is covered without editing this test)."""
    if setting.choices:
        return next(c for c in reversed(setting.choices) if c != setting.default)
    if setting.kind is bool:
        return not setting.default
    if setting.default is None:
        return 1e-7
    if setting.kind is int:
        up = setting.default + 1
        return up if setting.high is None or up <= setting.high else setting.default - 1
    return setting.default * 0.5 if setting.default else min(0.125, setting.high or 1.0)


EVERY_SETTING = TrainConfig(**{s.name: changed(s) for s in SETTINGS}).replace(
    optimizer="nesterov", schedule="step", clip_norm=1.0, epochs=1000, seed=1234
)
DEEP = NetworkSpec(
    features=("x1", "x2", "x1*x2", "sin(x1)"),
    hidden=(
        LayerSpec(6, "relu", "he_normal", batch_norm=True),
        LayerSpec(6, "elu", dropout=0.2, residual=True),
        LayerSpec(5, "swish", "lecun_normal", batch_norm=True, residual=True),
    ),
    loss="mse",
    output_init="he_uniform",
)
MOONS = DataChoice("moons", {"n_samples": 120, "noise": 0.15, "seed": 7}, test_ratio=0.25)
PAINTED = DataChoice(
    "painted",
    PaintedPoints(
        "classification", tuple((0.1 * i - 0.5, 0.37 * (i % 3) - 0.4, i % 2) for i in range(12))
    ).to_params(),
    test_ratio=0.2,
)


def pack(raw: bytes, prefix: str = "bpp1.") -> str:
    """A text made as version 1 makes them, from any bytes (to build damaged ones)."""
    packer = zlib.compressobj(9, zdict=share_text.DICTIONARY)
    body = base64.urlsafe_b64encode(packer.compress(raw) + packer.flush())
    return prefix + body.rstrip(b"=").decode("ascii")


def pack_json(doc) -> str:
    return pack(json.dumps(doc).encode("utf-8"))


def default_doc() -> dict:
    doc = default_project().to_dict()
    return {k: v for k, v in doc.items() if k not in share_text.NOT_SHARED}


# -- round trip -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "project",
    [
        default_project(),
        default_project(speed="max", title="Spirals", explanation="Tanh bends — «twice»."),
        Project(MOONS, DEEP, EVERY_SETTING, speed=2.5),
        Project(PAINTED, NetworkSpec(hidden=(LayerSpec(4, "gelu"),)), TrainConfig(seed=9)),
    ],
    ids=["default", "lesson", "every-setting", "painted"],
)
def test_a_text_round_trips_data_network_every_setting_seed_and_speed(project):
    text = encode(project)
    assert text.startswith("bpp1.") and text.isascii()
    assert set(text[5:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode(text) == project


def test_the_default_session_is_a_short_text_and_old_texts_keep_opening():
    text = encode(default_project())
    assert len(text) < 60  # a link, not a file
    opened = decode(DEFAULT_TEXT)
    assert opened.data.source == "spirals" and opened.data.params["n_samples"] == 500
    assert opened.network.hidden == (LayerSpec(8, "tanh"),) * 2
    assert (opened.training.optimizer, opened.training.lr, opened.training.seed) == (
        "adam",
        0.01,
        0,
    )
    assert opened.speed == 3000 and opened.state is None


def test_weights_runs_and_sweeps_stay_out_of_the_text():
    plain = default_project()
    trainer = plain.build_trainer()
    trainer.run_steps(5)
    full = plain.replace(state=capture(trainer), sweep={"anything": 1})
    assert encode(full) == encode(plain)
    assert decode(encode(full)).state is None


def test_whitespace_and_line_breaks_in_a_pasted_text_are_ignored():
    text = encode(Project(MOONS, DEEP, EVERY_SETTING))
    wrapped = "  " + "\n".join(text[i : i + 17] for i in range(0, len(text), 17)) + " \r\n\t"
    assert decode(wrapped) == decode(text)


# -- the same run ------------------------------------------------------------------------
@pytest.mark.parametrize("data", [MOONS, PAINTED], ids=["generated", "painted"])
def test_a_text_reproduces_the_same_run(data):
    config = EVERY_SETTING.replace(schedule="constant", patience=0, epochs=1000)
    original = Project(data, DEEP, config)
    expected = original.build_trainer()
    expected_losses = [expected.step().loss for _ in range(40)]
    project, _ds, _data, trainer = share_text.open_text(encode(original))
    assert project.state is None and trainer.step_count == 0
    assert [trainer.step().loss for _ in range(40)] == expected_losses
    np.testing.assert_array_equal(trainer.network.flat, expected.network.flat)


# -- refusals ----------------------------------------------------------------------------
def _bomb() -> str:
    return pack(b" " * (MAX_JSON_BYTES + 10))  # 1 MiB of spaces packs into ~1 KiB


def _flipped() -> str:
    text = encode(default_project())
    middle = len(text) // 2
    return text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1 :]


def _with_a_tail() -> str:
    packed = base64.urlsafe_b64decode(pack(b"{}")[5:] + "==")
    return "bpp1." + base64.urlsafe_b64encode(packed + b"tail").decode("ascii").rstrip("=")


def _damaged_project(**changes) -> str:
    doc = default_doc()
    for key, value in changes.items():
        part, _, name = key.partition("__")
        if name:
            doc[part] = dict(doc[part], **{name: value})
        else:
            doc[part] = value
    return pack_json(doc)


BAD_TEXTS = {
    "empty": (lambda: " \n ", "is empty"),
    "foreign": (lambda: "https://example.org/?s=abc", "not a Backprop Playground lesson link"),
    "wrong prefix": (lambda: "xyz1." + encode(default_project())[5:], "expected text starting"),
    "newer version": (lambda: "bpp2." + encode(default_project())[5:], "newer Backprop Playground"),
    "version 0": (lambda: "bpp0.abcd", "version must be an integer >= 1"),
    "a 5000-digit version": (lambda: "bpp" + "9" * 5000 + ".abcd", "not a Backprop Playground"),
    "not base64": (lambda: "bpp1.abc$def", "not base64url"),
    "impossible length": (lambda: "bpp1.abcde", "not base64url"),
    "not zlib": (lambda: "bpp1." + "QUJDREVGR0g", "does not unpack"),
    "flipped character": (_flipped, "does not unpack"),
    "cut short": (lambda: encode(Project(MOONS, DEEP, EVERY_SETTING))[:45], "cut short"),
    "extra data": (_with_a_tail, "extra data"),
    "decompression bomb": (_bomb, "unpacks to more than"),
    "too long": (lambda: "bpp1." + "A" * share_text.MAX_TEXT_CHARS, "at most"),
    "not UTF-8": (lambda: pack(b"\xff\xfe{}"), "not text"),
    "not JSON": (lambda: pack(b"{'lr': 1"), "not valid JSON"),
    "nested too deeply": (lambda: pack(b"[" * 200_000 + b"]" * 200_000), "nested too deeply"),
    "not an object": (lambda: pack_json([1, 2, 3]), "expected a JSON object"),
    "no version": (lambda: pack_json({"title": "x"}), "version must be an integer"),
    "newer project": (lambda: _damaged_project(version=99), "newer Backprop Playground"),
    "missing entries": (lambda: pack_json({"version": 1}), "are missing"),
    "bad learning rate": (lambda: _damaged_project(training__lr=-1), "`lr`"),
    "unknown optimizer": (lambda: _damaged_project(training__optimizer="magic"), "magic"),
    "bad speed": (lambda: _damaged_project(speed=-3), "speed"),
    "carries weights": (lambda: _damaged_project(state={"step": 1}), "carries no weights"),
    "carries data": (lambda: _damaged_project(dataset={"X": []}), "carries no weights or data"),
    "csv without data": (
        lambda: _damaged_project(data__source="csv", data__path="/tmp/x.csv"),
        "imported data",
    ),
    "unknown dataset": (lambda: _damaged_project(data__source="nowhere"), "nowhere"),
    "bad generator params": (lambda: _damaged_project(data__params={"n_samples": -5}), "n_samples"),
}


@pytest.mark.parametrize("kind", list(BAD_TEXTS))
def test_foreign_or_damaged_text_is_refused_naming_the_problem(kind):
    make, needle = BAD_TEXTS[kind]
    with pytest.raises(ShareTextError) as caught:
        share_text.open_text(make())
    message = str(caught.value)
    assert needle in message
    assert "Traceback" not in message and len(message) < 400


def test_imported_csv_data_cannot_travel_and_says_what_to_do_instead():
    csv = DataChoice("csv", {"seed": 0}, path="/data/points.csv", task="classification")
    with pytest.raises(ShareTextError, match=r"imported CSV.*Save a project"):
        encode(default_project(data=csv))


def test_painted_data_travels_while_it_fits_and_is_refused_beyond():
    rng = np.random.default_rng(0)
    many = tuple(
        (float(x), float(y), float(c))
        for (x, y), c in zip(
            rng.uniform(-1, 1, (19_000, 2)), rng.integers(0, 3, 19_000), strict=True
        )
    )
    big = DataChoice("painted", PaintedPoints("classification", many).to_params())
    with pytest.raises(
        ShareTextError, match=r"19000 painted points would make a lesson link of [\d,]+ characters"
    ):
        encode(default_project(data=big))
    fits = DataChoice("painted", PaintedPoints("classification", many[:2000]).to_params())
    assert decode(encode(default_project(data=fits))).data == fits


# -- playground open --text (the app itself is faked: no Qt here) -------------------------
@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    module = types.ModuleType("playground.app")
    module.run = lambda project=None, text=None: calls.append((project, text)) or 0
    monkeypatch.setitem(sys.modules, "playground.app", module)
    return calls


def test_open_text_launches_the_gui_on_the_link(fake_app, monkeypatch, tmp_path):
    text = encode(Project(MOONS, DEEP, EVERY_SETTING))
    assert cli.main(["open", "--text", text]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(text[:20] + "\n" + text[20:] + "\n"))
    assert cli.main(["open", "--text", "-"]) == 0
    assert fake_app[0] == (None, text) and fake_app[1][1].split() == [text[:20], text[20:]]
    project = tmp_path / "p.playground.json"
    project.write_text("{}")
    assert cli.main(["open", str(project)]) == 0  # a FILE still opens as before
    assert fake_app[2] == (str(project), None)


@pytest.mark.parametrize("kind", list(BAD_TEXTS))
def test_open_text_refuses_bad_text_with_exit_2_and_no_traceback(
    fake_app, capsys, monkeypatch, kind
):
    make, needle = BAD_TEXTS[kind]
    monkeypatch.setattr(sys, "stdin", io.StringIO(make()))  # long ones do not fit in argv
    assert cli.main(["open", "--text", "-"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("playground open: error: ") and needle in err
    assert "Traceback" not in err and fake_app == []


@pytest.mark.parametrize("argv", [["open"], ["open", "p.playground.json", "--text", "bpp1.x"]])
def test_open_needs_a_file_or_a_text_not_both(fake_app, capsys, argv):
    assert cli.main(argv) == 2
    _, err = capsys.readouterr()
    assert "FILE or --text" in err and fake_app == []
