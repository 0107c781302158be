"""One registry of saved formats: version checks written once, old files migrated."""

import json

import numpy as np
import pytest

from engine.errors import SpecError
from engine.migrations import FORMATS, Format
from engine.network import Network
from engine.spec import SPEC_VERSION, LayerSpec, NetworkSpec
from engine.weights_io import load, save


def test_every_saved_format_is_registered_once():
    import playground.document.project
    import playground.gui.settings  # noqa: F401  (registers "project", "session", "settings")

    names = {"network-spec", "weights", "training-state", "project", "session", "settings"}
    assert names <= set(FORMATS)
    with pytest.raises(ValueError, match="already registered"):
        FORMATS.register("weights", FORMATS.get("weights"))


def test_checks_name_both_versions_and_steps_run_in_order():
    fmt = Format("demo", "demo format", 3, SpecError)
    fmt.step(1)(lambda d: {**d, "a": 1})
    fmt.step(2)(lambda d: {**d, "b": d["a"] + 1})
    assert fmt.upgrade({"version": 1}, "x") == {"version": 3, "a": 1, "b": 2}
    with pytest.raises(SpecError, match=r"newer .*demo format version 4\); .* up to version 3"):
        fmt.upgrade({"version": 4}, "x")
    with pytest.raises(SpecError, match=r"damaged.*integer >= 1"):
        fmt.upgrade({"version": "1"}, "x")
    with pytest.raises(ValueError, match="exists"):
        fmt.step(1)(lambda d: d)


def test_a_first_format_weights_file_still_opens_bit_for_bit(tmp_path):
    spec = NetworkSpec(hidden=(LayerSpec(5, "relu"), LayerSpec(3)))
    net = Network(spec, rng=4)
    path = tmp_path / "w.json"
    save(net, path)
    doc = json.loads(path.read_text())
    assert doc["spec"]["version"] == SPEC_VERSION == 3
    assert [h["kind"] for h in doc["spec"]["hidden"]] == ["dense", "dense"]
    doc["spec"]["version"] = 1  # as the first format wrote it: no layer kinds, no flags
    for h in doc["spec"]["hidden"]:
        del h["kind"], h["batch_norm"], h["residual"]
    path.write_text(json.dumps(doc))
    old = load(path)
    assert old.spec == spec
    X = np.random.default_rng(0).normal(size=(20, 2))
    assert np.array_equal(old.predict(X), net.predict(X))


def test_a_second_format_spec_migrates_to_layers_without_flags():
    doc = NetworkSpec(hidden=(LayerSpec(5, "relu"),)).to_dict()
    doc["version"] = 2  # as the first layer-kinds format wrote it: no flags
    del doc["hidden"][0]["batch_norm"], doc["hidden"][0]["residual"]
    spec = NetworkSpec.from_dict(doc)
    assert spec.hidden == (LayerSpec(5, "relu"),)
    assert not spec.hidden[0].batch_norm and not spec.hidden[0].residual


def test_a_newer_spec_is_refused_clearly():
    with pytest.raises(SpecError, match=r"newer.*network spec version 4"):
        NetworkSpec.from_dict({**NetworkSpec().to_dict(), "version": 4})


def test_a_newer_training_state_is_refused_naming_both_versions():
    from engine.trainer_state import RESUME_VERSION, from_json

    newer = RESUME_VERSION + 1
    state = {
        "version": newer,
        "trainer": {},
        "history": {},
        "history_stride": 1,
        "base_epoch": 0,
        "early_stopping": None,
    }
    with pytest.raises(
        SpecError, match=rf"newer .*training state version {newer}\); .* up to version {newer - 1}"
    ):
        from_json(state, 3)
