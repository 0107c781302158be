"""GUI speed figures: frames/s, input latency, training speed vs headless, startup time.

    python -m playground.gui.gui_bench [--seconds 10] [--json]

Runs under the current Qt platform (the figures in the README come from Xvfb:
`xvfb-run -a python -m playground.gui.gui_bench`). The default network trains
with every plot visible; meanwhile an input event is posted every 100 ms to a
widget of the window and the time until it is handled is recorded. The headless
figure is the same Runner, same network and data, with nobody drawing: measured
before and after the GUI run and averaged, since other load on the machine
shifts both. Startup is measured in a fresh process, from spawning it to the
window being shown and painted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TARGETS = {"fps": 30.0, "latency_ms": 50.0, "ratio": 0.70, "startup_s": 2.0}
PROBE_PERIOD_MS = 100


def parse_layers(text: str | None):
    """`--layers "32:tanh,32:tanh"` -> LayerSpecs; None keeps the default network."""
    from engine.spec import LayerSpec

    if text is None:
        return None
    return tuple(LayerSpec.parse(t) for t in text.split(",") if t.strip())


def headless_steps_per_second(seconds: float, hidden=None) -> float:
    """Steps/s of the default session's Runner (or `hidden` layers) with no consumer drawing."""
    from engine.runner import Runner
    from playground.document.session import Session
    from playground.document.training_data import make_data

    session = Session() if hidden is None else Session(hidden=hidden)
    ds = session.data.build()
    data = make_data(ds, session.data.test_ratio, session.data.seed)
    with Runner(session.spec_for(ds), session.config, data) as runner:
        runner.start()
        time.sleep(0.5)
        first = _latest(runner)
        t0 = time.perf_counter()
        time.sleep(seconds)
        last = _latest(runner)
        dt = time.perf_counter() - t0
    return (last.step - first.step) / dt


def _latest(runner):
    snap = runner.wait_snapshot(timeout=2.0)
    while (newer := runner.take()) is not None:
        snap = newer
    return snap


def startup_seconds(settings_path: str) -> float:
    """Wall time from spawning a fresh interpreter to its main window being shown."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "playground.gui.gui_bench", "--startup-child", settings_path],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    if "shown" not in out.stdout:
        raise RuntimeError(f"the startup probe did not show its window: {out.stderr.strip()}")
    # perf_counter is CLOCK_MONOTONIC on Linux, so the child's reading compares with ours
    return float(out.stdout.split("shown", 1)[1].split()[0]) - t0


def _startup_child(settings_path: str) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from playground.app import build_window

    app = QApplication([])
    window = build_window(settings_path=settings_path)
    window.show()

    def shown() -> None:
        window.repaint()
        print(f"shown {time.perf_counter():.6f}", flush=True)
        window.shutdown()
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()
    return 0


def gui_run(seconds: float, settings_path: str, hidden=None) -> dict:
    """Train the default network with every plot visible; frames, steps and input latency."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from playground.app import build_window

    app = QApplication.instance() or QApplication([])
    window = build_window(settings_path=settings_path)
    window.resize(1480, 920)
    window.watching.set_speed(None)  # "max": the speed the bench measures
    window.show()
    if hidden is not None:
        window.layer_editor.edit("benchmark network", hidden=hidden)
    latencies: list[float] = []
    posted: list[float] = []

    class Probe(QObject):
        """Times posted key events from posting to their delivery to the target widget."""

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_F35:
                if posted:
                    latencies.append(time.perf_counter() - posted.pop(0))
                return True
            return False

    probe = Probe()
    target = window.loss_plot.log_check
    target.installEventFilter(probe)

    def post() -> None:
        posted.append(time.perf_counter())
        QCoreApplication.postEvent(
            target, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F35, Qt.KeyboardModifier.NoModifier)
        )

    prober = QTimer()
    prober.timeout.connect(post)

    def pump(duration: float) -> None:
        end = time.perf_counter() + duration
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    pump(0.5)
    window.toggle_run()
    pump(1.0)
    frames0, step0 = window.frames.frames, window.presenter.step
    latencies.clear()
    prober.start(PROBE_PERIOD_MS)
    t0 = time.perf_counter()
    cpu0 = time.thread_time()
    pump(seconds)
    dt = time.perf_counter() - t0
    cpu = time.thread_time() - cpu0
    prober.stop()
    frames, steps = window.frames.frames - frames0, window.presenter.step - step0
    window.close()
    pump(0.2)
    latencies.sort()
    return {
        "platform": app.platformName(),
        "runner": type(window.runner).__name__,
        "fps": frames / dt,
        "gui_steps_per_second": steps / dt,
        "latency_ms_mean": 1000 * sum(latencies) / max(1, len(latencies)),
        "latency_ms_p95": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "latency_ms_max": 1000 * latencies[-1] if latencies else None,
        "gui_thread_cpu_share": cpu / dt,
        "probes": len(latencies),
    }


def report(r: dict) -> str:
    """The figures as a small table, each against its target."""

    def verdict(good: bool) -> str:
        return "ok" if good else "BELOW TARGET"

    lat = r["latency_ms_p95"]
    lat_ok = lat is not None and lat <= TARGETS["latency_ms"]
    rows = [
        ("platform, runner", f"{r['platform']}, {r['runner']}"),
        ("startup to shown window", f"{r['startup_s']:.2f} s (target < {TARGETS['startup_s']} s: "
         f"{verdict(r['startup_s'] < TARGETS['startup_s'])})"),
        ("GUI frames/s", f"{r['fps']:.1f} (target >= {TARGETS['fps']:.0f}: "
         f"{verdict(r['fps'] >= TARGETS['fps'])})"),
        ("input latency", f"mean {r['latency_ms_mean']:.1f} ms, p95 {lat:.1f} ms, max "
         f"{r['latency_ms_max']:.1f} ms over {r['probes']} events (target <= "
         f"{TARGETS['latency_ms']:.0f} ms: {verdict(lat_ok)})"),
        ("training steps/s", f"GUI {r['gui_steps_per_second']:.0f} vs headless "
         f"{r['headless_steps_per_second']:.0f} = {r['ratio']:.0%} (target >= "
         f"{TARGETS['ratio']:.0%}: {verdict(r['ratio'] >= TARGETS['ratio'])})"),
        ("GUI thread CPU share", f"{r['gui_thread_cpu_share']:.0%}"),
    ]  # fmt: skip
    return "\n".join(f"{name:<25}{value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m playground.gui.gui_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="measuring time per phase (default 10)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.add_argument(
        "--layers",
        help='hidden layers as units:activation, e.g. "32:tanh,32:tanh" (default 8:tanh,8:tanh)',
    )
    parser.add_argument("--startup-child", metavar="SETTINGS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.startup_child:
        return _startup_child(args.startup_child)
    if not 1.0 <= args.seconds <= 600:
        parser.error(f"--seconds must be between 1 and 600; received {args.seconds}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = os.path.join(tmp, "settings.ini")
        startup = startup_seconds(settings)
        hidden = parse_layers(args.layers)
        before = headless_steps_per_second(args.seconds / 2, hidden)
        gui = gui_run(args.seconds, os.path.join(tmp, "gui.ini"), hidden)
        after = headless_steps_per_second(args.seconds / 2, hidden)
    headless = (before + after) / 2
    result = {
        "startup_s": startup,
        "headless_steps_per_second": headless,
        **gui,
        "ratio": gui["gui_steps_per_second"] / headless if headless else None,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
