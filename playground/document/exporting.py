"""Writing a trained network to a file chosen by its suffix: .npz, .json or .onnx.

`check_output_path` runs before training: a run must not end by discovering that
its result cannot be written.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

from playground.document.errors import InputError

WEIGHT_SUFFIXES = (".npz", ".json")
ONNX_SUFFIX = ".onnx"
ONNX_UNAVAILABLE = "ONNX export is not available in this version"


def _onnx_problem() -> str | None:
    """Why ONNX cannot be exported here, or None when it can."""
    if importlib.util.find_spec("engine.onnx_export") is None:
        return ONNX_UNAVAILABLE
    if importlib.util.find_spec("onnx") is None:
        return "ONNX export needs the 'onnx' package: pip install backprop-playground[onnx]"
    return None


def check_output_path(text: str) -> Path:
    """The export path, after checking its suffix and that the file can be written."""
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in (*WEIGHT_SUFFIXES, ONNX_SUFFIX):
        raise InputError(
            f"cannot export to {text!r}: expected a file name ending in .npz, .json or .onnx; "
            f"received {suffix or 'no suffix'}"
        )
    if suffix == ONNX_SUFFIX and (problem := _onnx_problem()):
        raise InputError(problem)
    return check_writable(text)


def check_writable(text: str, what: str = "") -> Path:
    """`text` as a file path that can be written (tried before training); InputError otherwise.

    `what` names the file in the message ("project " gives "cannot write project 'x'").
    """
    path = Path(text)
    name = f"{what}{text!r}"
    if path.is_dir():
        raise InputError(f"cannot write {name}: it is a directory")
    parent = path.parent
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist"
        raise InputError(f"cannot write {name}: {str(parent)!r} {why}")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"cannot write {name}: the file is not writable")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".playground-check-"):
            pass
    except OSError as exc:
        raise InputError(f"cannot write {name}: {exc.strerror or exc}") from None
    return path


def export(network, path: Path) -> Path:
    """Write `network` to `path` in the format its suffix names."""
    if path.suffix.lower() == ONNX_SUFFIX:
        from engine.onnx_export import export_onnx

        return Path(export_onnx(network, path))
    from engine.weights_io import save

    save(network, path)
    return path
