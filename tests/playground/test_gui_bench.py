"""The GUI benchmark runs end to end and reports every figure (speed itself is not asserted)."""

from __future__ import annotations

import json

from playground.gui import gui_bench


def test_gui_bench_reports_all_figures(qapp, capsys):
    assert gui_bench.main(["--seconds", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in (
        "startup_s",
        "fps",
        "latency_ms_p95",
        "gui_steps_per_second",
        "headless_steps_per_second",
    ):
        assert result[key] > 0, key
    assert result["probes"] >= 5
    assert (
        0 < result["ratio"] == result["gui_steps_per_second"] / result["headless_steps_per_second"]
    )
