"""The generator catalogue: determinism, shapes, balance, bounds and each set's rule."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datasets
from datasets import registry
from datasets.classification import BLOB_CENTRES, GAUSSIAN_CENTRES, SPIRAL_R0, SPIRAL_R1
from datasets.regression import target_function
from datasets.validation import MAX_SEED

CLASSIFICATION = ["xor", "circles", "gaussians", "spirals", "moons", "checkerboard", "blobs"]
CURVES = ["sine", "cubic", "step", "abs", "sinc"]
SURFACES = ["plane", "gaussian_bumps"]
ALL = CLASSIFICATION + CURVES + SURFACES


def test_catalogue_lists_every_set_with_its_defaults():
    entries = {e.name: e for e in datasets.available()}
    assert sorted(entries) == sorted(ALL)
    for name in CLASSIFICATION:
        assert entries[name].task == "classification" and entries[name].input_dim == 2
    for name in CURVES:
        assert entries[name].task == "regression" and entries[name].input_dim == 1
    for name in SURFACES:
        assert entries[name].task == "regression" and entries[name].input_dim == 2
    assert entries["blobs"].n_classes == 3 and entries["xor"].n_classes == 2
    assert entries["sine"].n_classes == 0
    assert entries["spirals"].defaults == {
        "n_samples": 500,
        "noise": 0.0,
        "seed": 0,
        "arms": 2,
        "turns": 1.75,
    }
    assert entries["spirals"].limits["arms"] == (2, 5)
    assert entries["xor"].limits["noise"] == (0.0, 0.5)
    assert all(e.description and "\n" not in e.description for e in entries.values())


def test_catalogue_entries_are_copies():
    datasets.available()[0].defaults["n_samples"] = 3
    assert datasets.available()[0].defaults["n_samples"] == 500


@pytest.mark.parametrize("name", ALL)
def test_every_entry_builds_at_its_defaults(name):
    entry = datasets.info(name)
    ds = datasets.make(name)
    assert ds.name == name and ds.task == entry.task
    assert ds.X.shape == (500, entry.input_dim) and ds.X.dtype == np.float64
    assert ds.params == entry.defaults
    assert len(ds.bounds) == entry.input_dim
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    if entry.task == "classification":
        assert ds.y.dtype == np.int64 and ds.n_classes == entry.n_classes
        assert set(np.unique(ds.y)) == set(range(entry.n_classes))
    else:
        assert ds.y.dtype == np.float64 and ds.n_classes == 0
        assert np.abs(ds.y).max() <= 1.0
    # inputs roughly in [-1, 1]
    assert np.abs(ds.X).max() < 1.25


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a = datasets.make(name, n_samples=60, noise=0.1, seed=3)
    b = datasets.make(name, n_samples=60, noise=0.1, seed=3)
    c = datasets.make(name, n_samples=60, noise=0.1, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(ALL),
    n=st.integers(5, 300),
    noise=st.floats(0.0, 0.5),
    seed=st.integers(0, MAX_SEED),
)
def test_balance_and_bounds_hold_for_any_parameters(name, n, noise, seed):
    ds = datasets.make(name, n_samples=n, noise=noise, seed=seed)
    assert ds.X.shape[0] == n == ds.y.shape[0]
    for d, (lo, hi) in enumerate(ds.bounds):
        assert lo < ds.X[:, d].min() and ds.X[:, d].max() < hi
        assert lo <= -1.0 and hi >= 1.0
    if ds.task == "classification":
        counts = np.bincount(ds.y, minlength=ds.n_classes)
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("arms", [2, 3, 4, 5])
def test_spirals_follow_their_arms(arms):
    turns = 1.25
    ds = datasets.make("spirals", n_samples=401, arms=arms, turns=turns, seed=arms)
    assert ds.n_classes == arms and ds.params["arms"] == arms
    counts = np.bincount(ds.y)
    assert len(counts) == arms and counts.max() - counts.min() <= 1
    # invert r = r0 + (r1 - r0) t, angle = 2 pi (turns t + k / arms) to recover k
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    t = (r - SPIRAL_R0) / (SPIRAL_R1 - SPIRAL_R0)
    phase = np.arctan2(ds.X[:, 1], ds.X[:, 0]) / (2 * np.pi) - turns * t
    k = phase * arms
    assert np.allclose(k, np.round(k), atol=1e-9)
    np.testing.assert_array_equal(np.round(k).astype(int) % arms, ds.y)


def _rule(name, X):
    x1, x2 = X[:, 0], X[:, 1]
    if name == "xor":
        return (x1 * x2 > 0).astype(int)
    if name == "circles":
        return (np.hypot(x1, x2) > 0.6).astype(int)
    if name == "checkerboard":
        return (np.floor(2 * (x1 + 1)) + np.floor(2 * (x2 + 1))).astype(int) % 2
    if name == "moons":  # which of the two unit circles the point lies on
        u, v = 1.5 * x1 + 0.5, 1.5 * x2 + 0.25
        on_first = np.isclose(u**2 + v**2, 1.0) & (v >= -1e-12)
        on_second = np.isclose((1 - u) ** 2 + (0.5 - v) ** 2, 1.0) & (v <= 0.5 + 1e-12)
        assert (on_first ^ on_second).all()
        return on_second.astype(int)
    centres = {"gaussians": GAUSSIAN_CENTRES, "blobs": BLOB_CENTRES}[name]
    return np.argmin(((X[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)


@pytest.mark.parametrize("name", ["xor", "circles", "checkerboard", "moons"])
def test_noise_zero_gives_the_rule_and_noise_breaks_it(name):
    clean = datasets.make(name, n_samples=400, noise=0.0, seed=1)
    np.testing.assert_array_equal(_rule(name, clean.X), clean.y)
    if name == "moons":
        return  # noisy points lie on neither circle; the rule is the curve itself
    noisy = datasets.make(name, n_samples=400, noise=0.3, seed=1)
    assert np.mean(_rule(name, noisy.X) != noisy.y) > 0.05


@pytest.mark.parametrize("name", ["gaussians", "blobs"])
def test_blobs_gather_around_their_centres(name):
    ds = datasets.make(name, n_samples=600, seed=2)
    assert np.mean(_rule(name, ds.X) == ds.y) > 0.97
    noisy = datasets.make(name, n_samples=600, noise=0.5, seed=2)
    assert np.mean(_rule(name, noisy.X) == noisy.y) < 0.95


@pytest.mark.parametrize("name", CURVES + SURFACES)
def test_regression_noise_is_target_noise(name):
    clean = datasets.make(name, n_samples=300, seed=5)
    np.testing.assert_array_equal(clean.y, target_function(name)(clean.X))
    assert np.abs(clean.X).max() <= 1.0
    noisy = datasets.make(name, n_samples=300, noise=0.2, seed=5)
    residual = noisy.y - target_function(name)(noisy.X)
    assert 0.15 < residual.std() < 0.25


def test_odd_counts_stay_balanced():
    ds = datasets.make("blobs", n_samples=7)
    assert sorted(np.bincount(ds.y)) == [2, 2, 3]
    assert datasets.make("xor", n_samples=2).y.tolist().count(1) == 1


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("nope", {}, "expected one of xor, circles"),
        (3, {}, "Could not interpret dataset 3"),
        ("xor", {"arms": 3}, "unknown parameter for dataset 'xor'"),
        ("xor", {"n_samples": 1}, "n_samples"),
        ("xor", {"n_samples": 100_001}, "between 2 and 100000"),
        ("xor", {"n_samples": 10.0}, "expected an integer"),
        ("xor", {"n_samples": True}, "expected an integer"),
        ("xor", {"noise": 0.6}, "Received: noise=0.6"),
        ("xor", {"noise": -0.1}, "noise"),
        ("xor", {"noise": float("nan")}, "noise"),
        ("xor", {"noise": "0.1"}, "expected a number"),
        ("xor", {"seed": -1}, "seed"),
        ("spirals", {"arms": 6}, "Received: arms=6"),
        ("spirals", {"turns": 0.1}, "turns"),
        ("spirals", {"arms": 5, "n_samples": 4}, "at least 5 (one per class)"),
    ],
)
def test_bad_requests_are_refused_clearly(name, params, fragment):
    with pytest.raises(datasets.DatasetError, match=r"expected|Could not") as info:
        datasets.make(name, **params)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_numpy_numbers_are_accepted():
    ds = datasets.make("spirals", n_samples=np.int64(30), noise=np.float32(0.25), arms=np.int8(3))
    assert ds.params["n_samples"] == 30 and type(ds.params["n_samples"]) is int
    assert ds.params["noise"] == 0.25 and ds.n_classes == 3


def test_registry_refuses_duplicates_and_takes_new_sets(monkeypatch):
    with pytest.raises(datasets.DatasetError, match="already registered"):
        registry.register("xor", task="classification", input_dim=2, description="again")(
            lambda rng, n, noise: None
        )
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @registry.register("line", task="regression", input_dim=1, description="y = x")
    def line(rng, n, noise):
        X = rng.uniform(-1, 1, (n, 1))
        return X, X[:, 0] + rng.normal(0, noise, n) if noise else X[:, 0]

    assert "line" in datasets.names()
    ds = datasets.make("line", n_samples=10)
    np.testing.assert_array_equal(ds.y, ds.X[:, 0])
