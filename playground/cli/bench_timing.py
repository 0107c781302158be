"""How the bench times things: medians of interleaved rounds.

The machine may be shared, and its load drifts over seconds. Timing one
contender for its whole budget and then the next would hand each one a
different machine; instead every contender of a comparison runs one chunk per
round, in turn, for several rounds, and each reports the median of its rounds.
Each round starts one contender later than the one before, so none always runs
right after the same other one (PyTorch's threads, for one, keep spinning for a
moment after its work).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping

ROUNDS = 5


def chunk_size(run: Callable[[int], None], per: float) -> int:
    """Operations `run(n)` does in about `per` seconds, from a warm-up that doubles n.

    The warm-up itself takes about `per`; an operation slower than `per` gets a chunk of 1.
    """
    t0 = time.perf_counter()
    run(1)
    first = time.perf_counter() - t0
    if first >= per:
        return 1
    n, spent, done = 1, 0.0, 0
    while spent < per:
        t0 = time.perf_counter()
        run(n)
        spent += time.perf_counter() - t0
        done += n
        if spent < per / 4:
            n *= 2
    return max(1, round(done / spent * per)) if spent > 0 else n


def measure_interleaved(
    runs: Mapping[str, Callable[[int], None]], seconds: float, rounds: int = ROUNDS
) -> dict[str, float]:
    """Median rate (operations per second) of each `run(n)`, timed in turns.

    Each contender gets about `seconds`: a warm-up of `seconds / (rounds + 1)` that
    sizes its chunk, then `rounds` chunks of that length, one per round, the
    contenders taking turns within a round (round r starts with contender r).
    """
    per = seconds / (rounds + 1)
    sizes = {name: chunk_size(run, per) for name, run in runs.items()}
    rates: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            run = runs[name]
            t0 = time.perf_counter()
            run(sizes[name])
            rates[name].append(sizes[name] / max(time.perf_counter() - t0, 1e-9))
    return {name: statistics.median(r) for name, r in rates.items()}


def measure(run: Callable[[int], None], seconds: float, repeats: int = ROUNDS) -> float:
    """Median rate of one `run(n)` alone (see `measure_interleaved`)."""
    return measure_interleaved({"run": run}, seconds, repeats)["run"]
