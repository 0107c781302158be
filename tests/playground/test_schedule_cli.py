"""`playground train --schedule ...`: the rate the last step used, in the JSON summary."""

from __future__ import annotations

import pytest

from tests.playground.test_cli import run_error, run_json


@pytest.mark.parametrize(
    ("flags", "final"),
    [
        ([], 0.01),
        (["--schedule", "step", "--schedule-step", "2", "--schedule-gamma", "0.5"], 0.01 * 0.5),
        (["--schedule", "exponential", "--schedule-gamma", "0.9"], 0.01 * 0.9**2),
        (
            ["--schedule", "cosine", "--schedule-epochs", "4", "--min-lr", "0.001"],
            0.001 + 0.009 / 2,
        ),
    ],
)
def test_the_summary_reports_the_rate_the_last_step_used(capsys, flags, final):
    s, _ = run_json(capsys, "--lr", "0.01", *flags)  # 3 epochs: the last is epoch index 2
    assert s["final_lr"] == pytest.approx(final, rel=1e-12)
    assert s["schedule"] == (flags[1] if flags else "constant")


def test_a_cosine_without_its_horizon_exits_2_naming_the_flag(capsys):
    code, err = run_error(capsys, "train", "--dataset", "xor", "--schedule", "cosine")
    assert code == 2 and "--schedule-epochs" in err and "schedule_epochs=0" in err
