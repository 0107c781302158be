"""Sweeps train trials that share a shape as one population: the same rows as one by one."""

import json

import pytest

from playground.cli import main as cli
from playground.document.sweep import batch
from playground.document.sweep.batch import plan, run_trials
from playground.document.sweep.params import parse_param
from playground.document.sweep.study import Sweep, run_sweep
from playground.document.sweep.trial import TrialSetup, run_trial

SETUP = TrialSetup(
    dataset="xor", samples=80, settings={"epochs": 6, "optimizer": "sgd", "batch_size": 8}
)


def comparable(rows):
    """The rows without the wall-clock seconds (the only thing allowed to differ)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_a_batch_gives_the_rows_of_its_trials_run_one_by_one(monkeypatch):
    built = []
    real = batch.PopulationTrainer

    def spy(spec, configs, data):
        built.append(len(configs))
        return real(spec, configs, data)

    monkeypatch.setattr(batch, "PopulationTrainer", spy)
    trials = (
        (0, {"lr": 0.05}),
        (1, {"lr": 1e5}),  # diverges; the others go on
        (2, {"lr": 0.5, "patience": 1}),  # stops early and restores its best weights
        (3, {"lr": 0.2, "schedule": "plateau", "plateau_patience": 0, "epochs": 4}),
        (4, {"lr": 0.1, "l2": 0.01, "clip_norm": 0.5, "dropout": 0.2}),
    )
    rows = run_trials(SETUP, trials)
    assert built == [5]  # one population of all five
    alone = [run_trial(SETUP, number, params) for number, params in trials]
    assert comparable(rows) == comparable(alone)
    states = [r["state"] for r in rows]
    assert states == ["complete", "diverged", "complete", "complete", "complete"]
    assert "training diverged at step" in rows[1]["message"]
    assert rows[3]["epochs"] == 4 and rows[0]["epochs"] == 6


def test_a_batch_the_population_refuses_runs_one_by_one():
    trials = ((0, {"layers": "8:tanh:bn"}), (1, {"layers": "8:tanh:bn", "lr": 0.01}))
    rows = run_trials(SETUP, trials)
    assert comparable(rows) == comparable([run_trial(SETUP, n, p) for n, p in trials])
    assert [r["state"] for r in rows] == ["complete", "complete"]


def test_plan_groups_trials_by_shape_and_shares_them_among_the_workers():
    trials = [
        (0, {"lr": 0.1}),
        (1, {"lr": 0.2, "optimizer": "adam"}),
        (2, {"lr": 0.3}),
        (3, {"lr": 0.4, "layers": "4:relu"}),
        (4, {"lr": 0.5}),
        (5, {"lr": 0.6, "optimizer": "adam"}),
        (6, {"lr": 0.7}),
        (7, {"lr": "not a number"}),  # cannot be configured: alone, run_trial records why
    ]
    assert plan(SETUP, trials, workers=1) == [[0, 2, 4, 6], [1, 5], [3], [7]]
    assert plan(SETUP, trials, workers=2) == [[0, 2], [1], [3], [4, 6], [5], [7]]
    many = [(i, {"lr": 0.001 * (i + 1)}) for i in range(70)]
    sizes = [len(b) for b in plan(SETUP, many, workers=1)]
    assert len(sizes) == 3 and sum(sizes) == 70 and max(sizes) <= 32  # near-equal, at most 32


@pytest.mark.parametrize("strategy", ["grid", "random"])
def test_a_swept_study_gives_the_rows_of_one_by_one_trials(strategy):
    params = [parse_param("lr=log:1e-3:3"), parse_param("optimizer=sgd,momentum")]
    made = [
        Sweep(
            SETUP,
            params,
            strategy=strategy,
            trials=6,
            workers=w,
            seed=2,
            grid_points=3,
            population=together,
        )
        for w, together in ((1, True), (2, True), (1, False))
    ]
    assert made[0].batched() and not made[2].batched()
    one, two, alone = (comparable(run_sweep(s)[0]) for s in made)
    assert one == alone and two == alone
    assert [r["trial"] for r in one] == list(range(6))
    assert len({r["params"]["lr"] for r in one}) > 1


def test_tpe_and_pruned_sweeps_stay_one_trial_at_a_time():
    params = [parse_param("lr=log:1e-3:0.1")]
    assert not Sweep(SETUP, params, strategy="tpe").batched()
    assert not Sweep(SETUP, params, strategy="grid", pruner="median", grid_points=2).batched()


def test_the_command_line_gives_the_same_rows_one_by_one(tmp_path, capsys):

    outs = []
    for extra in ([], ["--one-by-one"]):
        out = tmp_path / f"rows{len(extra)}.json"
        argv = ["sweep", "--dataset", "xor", "--samples", "80", "--epochs", "3",
                "--param", "lr=0.01,0.1,1", "--strategy", "grid", "--workers", "1",
                "--out", str(out), *extra]  # fmt: skip
        assert cli.main(argv) == 0
        assert "Traceback" not in capsys.readouterr().err
        outs.append(comparable(json.loads(out.read_text())))
    assert outs[0] == outs[1] and len(outs[0]) == 3
