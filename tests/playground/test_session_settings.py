"""The remembered session and settings: round trips, isolation, damaged entries."""

from __future__ import annotations

import json

import pytest

from engine.errors import SpecError
from engine.spec import LayerSpec
from playground.document.session import DataChoice, Session, fitting_features
from playground.gui.settings import AppSettings


def test_session_round_trips_through_json():
    session = Session(
        data=DataChoice(
            source="moons", params={"n_samples": 200, "noise": 0.1, "seed": 4}, test_ratio=0.2
        ),
        features=("x1", "x2", "x1*x2"),
        hidden=(LayerSpec(5, "relu"),),
        loss="mse",
    )
    again = Session.from_dict(json.loads(json.dumps(session.to_dict())))
    assert again == session


def test_session_spec_falls_back_when_features_or_loss_do_not_fit():
    ds = DataChoice(source="sine", params={"n_samples": 50}).build()
    spec = Session(features=("x2", "x1*x2"), loss="bce").spec_for(ds)
    assert spec.features == ("x1",) and spec.loss == "mse" and spec.task == "regression"
    assert fitting_features(("x1", "x1^2", "x2"), 1) == ("x1", "x1^2")


def test_newer_or_broken_sessions_are_refused():
    with pytest.raises(SpecError, match="newer"):
        Session.from_dict({"version": 99})
    with pytest.raises(SpecError):
        Session.from_dict({"version": 1, "hidden": [{"units": -3}]})


def test_settings_live_where_they_are_told_and_survive_damage(tmp_path):
    path = tmp_path / "s.ini"
    settings = AppSettings(str(path))
    assert settings.load_session() is None
    session = Session(hidden=(LayerSpec(4),))
    settings.save_session(session)
    settings.set_gradient_thresholds(1e-7, 1e3)
    settings.sync()
    assert path.exists()
    again = AppSettings(str(path))
    assert again.load_session() == session
    assert again.gradient_thresholds((1e-6, 1e2)) == (1e-7, 1e3)
    again.set("session/json", "{not json")
    again.set("gradients/vanishing", "nan")
    assert again.load_session() is None
    assert again.gradient_thresholds((1e-6, 1e2)) == (1e-6, 1e3)


def test_an_older_build_leaves_a_newer_builds_settings_untouched(qtbot, tmp_path):
    """Settings of a newer schema are neither cleared nor overwritten on close."""
    from playground.app import build_window
    from tests.playground.gui_support import close_window

    path = tmp_path / "newer.ini"
    newer = AppSettings(str(path))
    newer.set("schema_version", 99)
    newer.set("session/json", '{"from": "a newer build"}')
    newer.set("recent/files", '["/somewhere/newer.playground.json"]')
    newer.sync()
    before = path.read_bytes()
    window = build_window(settings_path=str(path), runner="thread")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.presenter.last is not None, timeout=20_000)
    assert window.files.recent() == []  # this run starts from the defaults
    close_window(window)  # saves the layout and the session
    assert path.read_bytes() == before


def test_damaged_settings_are_replaced_by_the_defaults(tmp_path):
    path = tmp_path / "damaged.ini"
    old = AppSettings(str(path))
    old.save_session(Session(loss="mse"))
    old.set("schema_version", 0)
    old.sync()
    assert AppSettings(str(path)).load_session() is None
