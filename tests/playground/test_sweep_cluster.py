"""The same sweep on a real Dask `LocalCluster` (two worker processes) as on the local pool."""

import pytest

from playground.document.errors import InputError
from playground.document.sweep.params import parse_param
from playground.document.sweep.study import Sweep, run_sweep
from playground.document.sweep.trial import TrialSetup

SETUP = TrialSetup(dataset="xor", samples=80, settings={"epochs": 3})


def comparable(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_a_local_cluster_gives_the_local_pools_rows():
    from distributed import LocalCluster

    params = [parse_param("lr=log:1e-3:0.3"), parse_param("batch_size=8,16")]
    local = Sweep(SETUP, params, strategy="random", trials=4, workers=2, seed=11)
    # ":0": the scheduler's HTTP server (started even without a dashboard) takes a free
    # port, not 8787, which another test run on the machine may hold
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = Sweep(SETUP, params, strategy="random", trials=4, seed=11,
                       scheduler=cluster.scheduler_address)  # fmt: skip
        on_cluster, _ = run_sweep(remote)
    assert comparable(on_cluster) == comparable(run_sweep(local)[0])
    assert [r["state"] for r in on_cluster] == ["complete"] * 4


def test_an_unreachable_scheduler_is_a_clear_message(monkeypatch):
    from playground.document.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_SECONDS", 1.0)
    sweep = Sweep(SETUP, [parse_param("lr=0.1")], scheduler="tcp://127.0.0.1:9")
    sweep.check()
    with pytest.raises(InputError, match="could not reach the Dask scheduler"):
        run_sweep(sweep)
