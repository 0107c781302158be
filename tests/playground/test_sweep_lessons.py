"""The sweep lessons, claims checked headless with fixed seeds.

(a) Grid against random search, 9 trials over two parameters of which only the
learning rate matters (Adam does not read `momentum`): the grid tries 3 learning
rates, random search 9, and random search finds a lower test loss for 9 of 10
sampler seeds. (b) The learning rate x batch size heatmap on spirals: one good
learning-rate column; too small does not learn the spiral in time, too large breaks.
"""

import pytest

from playground.document.sweep.params import parse_param
from playground.document.sweep.results import best
from playground.document.sweep.study import Sweep, run_sweep
from playground.document.sweep.trial import TrialSetup


@pytest.mark.slow
def test_random_search_beats_grid_search_when_one_parameter_does_not_matter():
    setup = TrialSetup(
        dataset="xor", samples=200, noise=0.1, settings={"epochs": 20, "optimizer": "adam"}
    )
    params = [parse_param("lr=log:1e-3:0.1"), parse_param("momentum=lin:0.5:0.99")]
    grid = run_sweep(Sweep(setup, params, strategy="grid", grid_points=3, workers=2))[0]
    assert len(grid) == 9 and len({r["params"]["lr"] for r in grid}) == 3
    wins = 0
    for seed in range(10):
        rows = run_sweep(Sweep(setup, params, strategy="random", trials=9, workers=2, seed=seed))[0]
        assert len({r["params"]["lr"] for r in rows}) == 9
        wins += best(rows)["test_loss"] < best(grid)["test_loss"]
    assert wins >= 9


@pytest.mark.slow
def test_the_learning_rate_by_batch_size_heatmap_on_spirals_has_one_good_column():
    setup = TrialSetup(
        dataset="spirals", samples=400, layers="16:tanh,16:tanh",
        settings={"epochs": 150, "optimizer": "adam"},
    )  # fmt: skip
    params = [parse_param("lr=log:0.001:1"), parse_param("batch_size=4,16,64,256")]
    rows = run_sweep(Sweep(setup, params, strategy="grid", grid_points=4, workers=2))[0]
    acc = {(r["params"]["lr"], r["params"]["batch_size"]): r["test_accuracy"] for r in rows}
    for batch in (16, 64, 256):
        assert acc[(0.1, batch)] > 0.9  # the good column
    for lr in (0.001, 0.01, 1.0):
        assert all(acc[(lr, batch)] < 0.7 for batch in (4, 16, 64, 256))
    assert acc[(0.1, 4)] < 0.7  # batches of 4 are too noisy for that rate
