"""The population section of `playground bench`: K networks trained together vs one by one.

`engine.population.PopulationTrainer` steps K networks of one shape together
(stacked arrays: one matmul over K weight matrices instead of K matmuls). Its
rate is in network-steps per second: K x its steps per second. The baseline is
what one process does without it: K ordinary Trainers, each taking its n steps
in turn. Members differ by seed (initial weights and shuffle), as a sweep's do.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from playground.cli.bench_timing import measure_interleaved
from playground.cli.bench_workloads import (
    Workload,
    engine_trainer,
    network_spec,
    traced_peak,
    train_config,
)

KS = (1, 8, 32)
WORKLOADS = ("W1", "W3")
PEAK_STEPS = 10  # per member, for the traced peak memory


def population_available() -> bool:
    """Whether this build has the population trainer (engine/population.py)."""
    return importlib.util.find_spec("engine.population") is not None


def together_runner(w: Workload, data, dtype: str, k: int):
    """`run(n)`: n steps of a K-member PopulationTrainer (seeds 0..K-1)."""
    from engine.population import PopulationTrainer

    configs = [train_config(w, dtype, seed) for seed in range(k)]
    population = PopulationTrainer(network_spec(w), configs, data)
    if population.size != k:
        raise RuntimeError(f"PopulationTrainer.size is {population.size}; expected {k}")
    return population.run_steps


def one_by_one_runner(w: Workload, data, dtype: str, k: int):
    """`run(n)`: n steps of each of K ordinary Trainers (seeds 0..K-1), one after another."""
    trainers = [engine_trainer(w, data, dtype, seed) for seed in range(k)]

    def run(n: int) -> None:
        for trainer in trainers:
            trainer.run_steps(n)

    return run


def population_rows(
    workloads: list[Workload],
    dtypes: list[str],
    data,
    seconds: float,
    rounds: int,
    torch_rates: dict[str, float | None],
    memory: bool,
    progress=None,
) -> list[dict[str, Any]]:
    """One row per workload (W1, W3 among `workloads`), dtype and K: network-steps/s of both."""
    rows = []
    for w in (w for w in workloads if w.name in WORKLOADS):
        torch_rate = torch_rates.get(w.name)
        for dtype in dtypes:
            for k in KS:
                rates = measure_interleaved(
                    {
                        "together": together_runner(w, data, dtype, k),
                        "one_by_one": one_by_one_runner(w, data, dtype, k),
                    },
                    seconds,
                    rounds,
                )
                together, one = rates["together"] * k, rates["one_by_one"] * k
                row = {
                    "workload": w.name,
                    "dtype": dtype,
                    "k": k,
                    "together": together,
                    "one_by_one": one,
                    "ratio": together / one,
                    "vs_torch": None if not torch_rate else together / torch_rate,
                    "together_peak_bytes": None,
                    "one_by_one_peak_bytes": None,
                }
                if memory:
                    row["together_peak_bytes"] = traced_peak(
                        lambda w=w, d=dtype, k=k: together_runner(w, data, d, k), PEAK_STEPS
                    )
                    row["one_by_one_peak_bytes"] = traced_peak(
                        lambda w=w, d=dtype, k=k: one_by_one_runner(w, data, d, k), PEAK_STEPS
                    )
                rows.append(row)
                if progress is not None:
                    progress(f"population {w.name} {dtype} K={k}")
    return rows
