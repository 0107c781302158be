"""The public engine API refuses wrong types and values with EngineError, never a raw error.

Each case once escaped as a TypeError, ValueError or AttributeError; the message must
name what was wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.data import Data
from engine.errors import EngineError
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from engine.weights_io import save

NET = Network(NetworkSpec(), rng=0)
DATA = Data.from_arrays(
    np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]),
    np.array([0, 0, 1, 1]),
    task="classification",
    n_classes=2,
    bounds=[(-1.0, 1.0)] * 2,
)

CASES = {
    "load a number": (lambda: engine.load(3), "file path"),
    "load None": (lambda: engine.load(None), "file path"),
    "save to None": (lambda: save(NET, None), "file path"),
    "save a non-network": (lambda: save("net", "w.npz"), "Network"),
    "layer dict without units": (lambda: LayerSpec.from_dict({}), "units"),
    "layer parse a number": (lambda: LayerSpec.parse(8), "8"),
    "features a number": (lambda: NetworkSpec(features=3), "features"),
    "features None": (lambda: NetworkSpec(features=None), "features"),
    "hidden a number": (lambda: NetworkSpec(hidden=3), "hidden"),
    "spec dict features None": (lambda: NetworkSpec.from_dict({"features": None}), "features"),
    "spec dict mixed keys": (lambda: NetworkSpec.from_dict({1: 2, "zz": 3}), "Unknown"),
    "predict text": (lambda: NET.predict(np.array([["a", "b"]])), "real numbers"),
    "predict a string": (lambda: NET.predict("x"), "real numbers"),
    "predict complex": (lambda: NET.predict(np.zeros((2, 2), complex)), "complex"),
    "predict ragged": (lambda: NET.predict([[0.0, 1.0], [2.0]]), "real numbers"),
    "trainer network of another type": (
        lambda: Trainer(NetworkSpec(), TrainConfig(), DATA, network="net"),
        "Network",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_wrong_input_raises_an_engine_error_with_a_message(case):
    call, needle = CASES[case]
    with pytest.raises(EngineError) as info:
        call()
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("epochs", 10**30), ("l1", 1e308), ("l2", 1e308), ("lr", 1e7), ("batch_size", 10**9)],
)
def test_training_settings_beyond_the_shared_limits_are_refused(field, value):
    with pytest.raises(EngineError, match=f"`{field}`.*<= |`{field}`.*between"):
        TrainConfig(**{field: value})


def test_a_wide_csv_spec_builds_and_a_bad_feature_message_stays_short():
    """10,000 raw columns: the spec checks each feature against a set, and a refusal
    names the range of inputs instead of listing every one of them."""
    wide = tuple(f"x{i + 1}" for i in range(10_000))
    spec = NetworkSpec(input_dim=10_000, features=wide)
    assert spec.layer_sizes[0] == 10_000
    with pytest.raises(EngineError, match=r"'x10001'.*x1 \.\.\. x10000") as info:
        NetworkSpec(input_dim=10_000, features=(*wide[:-1], "x10001"))
    assert len(str(info.value)) < 200
    with pytest.raises(EngineError, match=r"\['x3'\] twice"):
        NetworkSpec(input_dim=10_000, features=("x3", "x1", "x3"))
