"""engine/ (and datasets/) import no GUI code: everything they compute works headless."""

import json
import subprocess
import sys

# Modules whose presence in sys.modules would mean the engine pulled in the GUI,
# the application, the datasets package or the optional ONNX extra.
FORBIDDEN = {
    "engine": (
        "PySide6",
        "shiboken6",
        "pyqtgraph",
        "playground",
        "datasets",
        "onnx",
        "onnxruntime",
    ),
    "datasets": ("PySide6", "shiboken6", "pyqtgraph", "playground", "engine", "onnx"),
}

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
imported = [package.__name__]
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
    imported.append(info.name)
print(json.dumps({"imported": imported, "loaded": sorted(sys.modules)}))
"""


def _probe(package: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, package], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _offenders(loaded: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in loaded if m.split(".")[0] in forbidden]


def test_every_engine_module_imports_without_qt_or_datasets():
    result = _probe("engine")
    for core in ("engine.network", "engine.losses", "engine.gradcheck", "engine.data"):
        assert core in result["imported"]
    assert _offenders(result["loaded"], FORBIDDEN["engine"]) == []


def test_datasets_import_without_qt_or_engine():
    result = _probe("datasets")
    assert _offenders(result["loaded"], FORBIDDEN["datasets"]) == []


def test_the_probe_notices_a_forbidden_import():
    """The check can fail: a module that imports pyqtgraph shows up as an offender."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, pyqtgraph; print(json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "pyqtgraph" in _offenders(json.loads(done.stdout), FORBIDDEN["engine"])
