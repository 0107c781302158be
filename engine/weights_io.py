"""Weights files: save a trained network, load it back bit-exactly.

Two layouts hold the same content (DESIGN.md "Weights files"):

`.npz` — `numpy.load(path, allow_pickle=False)` gives
    "format"            0-d str   "backprop-playground-weights"
    "version"           0-d int   WEIGHTS_VERSION (2)
    "spec"              0-d str   NetworkSpec.to_dict() as JSON (it carries its own "version")
    "dtype"             0-d str   "float64" or "float32": the network's compute precision
    "layers.{k}.weight" (out_features, in_features) of that dtype, k = 0 .. n_layers-1
    "layers.{k}.bias"   (out_features,) of that dtype
as in a PyTorch state_dict of Linear layers; the output layer is the last k.

`.json` — one object:
    {"format": "backprop-playground-weights", "version": 2, "dtype": "float64",
     "spec": {...NetworkSpec.to_dict()...},
     "tensors": {"layers.0.weight": [[...], ...], "layers.0.bias": [...], ...}}
Floats are written with Python's shortest repr, which reads back to the same bits
(a float32 value is written as the float64 number it equals).
`load` builds the network in the recorded dtype; version-1 files (before the
dtype entry) were float64.

Writes are atomic (a temporary file in the same directory, then `os.replace`),
so a failed save leaves any older file intact. A file that cannot be read as
weights raises WeightsFileError naming the tensor and shapes where it applies;
failures of the file system (missing file, unwritable directory) raise OSError.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import SpecError, WeightsFileError
from engine.layers import expected_tensors
from engine.migrations import register_format
from engine.network import DTYPES, Network
from engine.spec import NetworkSpec

WEIGHTS_FORMAT = "backprop-playground-weights"
WEIGHTS_VERSION = 2
WEIGHTS = register_format("weights", "weights format", WEIGHTS_VERSION, WeightsFileError)
SUFFIXES = (".npz", ".json")


@WEIGHTS.step(1)
def _float64(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 predates the dtype entry: every network was float64."""
    doc["dtype"] = "float64"
    return doc


def save(network: Network, path: str | os.PathLike[str]) -> None:
    """Write `network`'s spec and parameters to `path` (.npz or .json by suffix)."""
    if not isinstance(network, Network):
        raise SpecError(f"Expected an engine Network to save; received {type(network).__name__}")
    suffix = _suffix(path)
    spec = network.spec.to_dict()
    tensors = network.state_dict()  # in the network's dtype
    dtype = network.dtype.name
    if suffix == ".npz":
        arrays = {
            "format": np.array(WEIGHTS_FORMAT),
            "version": np.array(WEIGHTS_VERSION, dtype=np.int64),
            "spec": np.array(json.dumps(spec)),
            "dtype": np.array(dtype),
            **tensors,
        }
        _write_atomic(path, lambda f: np.savez(f, **arrays))
    else:
        for key, value in tensors.items():
            if not np.all(np.isfinite(value)):
                raise WeightsFileError(
                    f"Cannot write tensor {key!r} to JSON: it contains NaN or Inf; "
                    f"save as .npz or train with a lower learning rate"
                )
        doc = {
            "format": WEIGHTS_FORMAT,
            "version": WEIGHTS_VERSION,
            "dtype": dtype,
            "spec": spec,
            "tensors": {key: value.tolist() for key, value in tensors.items()},
        }
        text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
        _write_atomic(path, lambda f: f.write(text.encode("utf-8")))


def load(path: str | os.PathLike[str]) -> Network:
    """The network stored in `path`, in its dtype; `predict` equals the saved one's bit for bit."""
    spec, tensors, dtype = read_with_dtype(path)
    network = Network(spec, rng=0, dtype=dtype)
    network.load_state_dict(tensors)
    return network


def load_into(network: Network, path: str | os.PathLike[str]) -> Network:
    """Copy the weights in `path` into `network` when every tensor's shape fits.

    Only shapes are compared (activations and features may differ: importing
    weights into a variant is allowed). Returns `network`.
    """
    _, tensors = read(path)
    own = network.state_dict()
    for key, value in own.items():
        if key not in tensors:
            raise WeightsFileError(
                f"{_name(path)} has no tensor {key!r}; the network needs shape {value.shape}"
            )
        if tensors[key].shape != value.shape:
            raise WeightsFileError(
                f"Tensor {key!r} in {_name(path)} has shape {tensors[key].shape}, "
                f"the network's has shape {value.shape}"
            )
    extra = [key for key in tensors if key not in own]
    if extra:
        raise WeightsFileError(
            f"{_name(path)} has tensor {extra[0]!r} of shape {tensors[extra[0]].shape}, "
            f"which the network does not have ({len(own) // 2} dense layers)"
        )
    network.load_state_dict(tensors)
    return network


def read(path: str | os.PathLike[str]) -> tuple[NetworkSpec, dict[str, np.ndarray]]:
    """The spec and the checked float64 tensors of a weights file, without building a network."""
    spec, tensors, _ = read_with_dtype(path)
    return spec, tensors


def read_with_dtype(path: str | os.PathLike[str]) -> tuple[NetworkSpec, dict[str, np.ndarray], str]:
    """`read`, and the dtype the network was saved in ("float64" or "float32")."""
    suffix = _suffix(path)
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO would block for ever
        raise WeightsFileError(f"{_name(path)} is not a regular file; expected a weights file")
    with open(path, "rb") as f:  # OSError for a missing or unreadable file
        raw = f.read()
    where = _name(path)
    if suffix == ".npz":
        fmt, version, spec_dict, tensors = _parse_npz(raw, where)
    else:
        fmt, version, spec_dict, tensors = _parse_json(raw, where)
    if fmt != WEIGHTS_FORMAT:
        raise WeightsFileError(
            f"{where} is not a Backprop Playground weights file: expected format "
            f"{WEIGHTS_FORMAT!r}, received {fmt!r}"
        )
    meta = {"version": version}
    if "dtype" in tensors:
        meta["dtype"] = tensors.pop("dtype")
    meta = WEIGHTS.upgrade(meta, where)  # damaged or newer: refused; version 1: float64
    dtype = meta.get("dtype")
    if isinstance(dtype, np.ndarray) and dtype.shape == () and dtype.dtype.kind == "U":
        dtype = str(dtype)
    if dtype not in DTYPES:
        raise WeightsFileError(
            f"{where}: the entry 'dtype' must be one of {', '.join(DTYPES)}; received {dtype!r}"
        )
    try:
        spec = NetworkSpec.from_dict(spec_dict)
    except (SpecError, TypeError) as e:
        raise WeightsFileError(f"{where} holds an invalid network spec: {e}") from None
    return spec, _check_tensors(spec, tensors, where), dtype


def _parse_npz(raw: bytes, where: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    if not raw.startswith((b"PK", b"\x93NUMPY")):  # neither a zip archive nor a .npy array
        raise WeightsFileError(
            f"{where} is not a readable .npz archive (a NumPy zip file): it {_looks_like(raw)}"
        )
    try:
        z = np.load(io.BytesIO(raw), allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise WeightsFileError(f"{where} holds a single .npy array, not a weights archive")
        with z:
            contents = {key: z[key] for key in z.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise WeightsFileError(f"{where} is not a readable .npz archive: {e}") from None
    for key in ("format", "version", "spec"):
        if key not in contents:
            raise WeightsFileError(
                f"{where} is not a Backprop Playground weights file: the entry {key!r} is missing"
            )
    fmt, version, spec = (contents.pop(k) for k in ("format", "version", "spec"))
    fmt = str(fmt) if fmt.shape == () and fmt.dtype.kind == "U" else repr(fmt)
    version = int(version) if version.shape == () and version.dtype.kind in "iu" else version
    if spec.shape != () or spec.dtype.kind != "U":
        raise WeightsFileError(f"{where}: the entry 'spec' must be a JSON string")
    try:
        spec_dict = json.loads(str(spec))
    except (ValueError, RecursionError) as e:
        why = "nested too deeply" if isinstance(e, RecursionError) else e
        raise WeightsFileError(f"{where}: the entry 'spec' is not valid JSON: {why}") from None
    return fmt, version, spec_dict, contents


def _parse_json(raw: bytes, where: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise WeightsFileError(f"{where} is not valid JSON: {e}") from None
    except RecursionError:
        raise WeightsFileError(
            f"{where} is not a weights file: its JSON is nested too deeply"
        ) from None
    if not isinstance(doc, dict):
        raise WeightsFileError(
            f"{where} is not a Backprop Playground weights file: expected a JSON object, "
            f"received {type(doc).__name__}"
        )
    if doc.get("format") != WEIGHTS_FORMAT:
        raise WeightsFileError(
            f"{where} is not a Backprop Playground weights file: expected format "
            f"{WEIGHTS_FORMAT!r}, received {doc.get('format')!r}"
        )
    for key in ("version", "spec", "tensors"):
        if key not in doc:
            raise WeightsFileError(f"{where}: the entry {key!r} is missing")
    if not isinstance(doc["tensors"], dict):
        raise WeightsFileError(f"{where}: 'tensors' must be an object of name -> nested lists")
    tensors = dict(doc["tensors"])
    if "dtype" in doc:  # read() takes it from among the tensors, as from the .npz
        tensors["dtype"] = doc["dtype"]
    return doc["format"], doc["version"], doc["spec"], tensors


def _looks_like(raw: bytes) -> str:
    """What a file that is not an archive seems to hold, for the message."""
    if not raw:
        return "is empty"
    try:
        raw[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "holds other binary data"
    return "holds text"


def _check_tensors(spec: NetworkSpec, found: dict[str, Any], where: str) -> dict[str, np.ndarray]:
    """Every tensor the spec needs, with its shape, as finite float64; nothing else."""
    sizes = spec.layer_sizes
    expected = expected_tensors(spec)  # what each layer of the spec declares
    tensors = {}
    for key, shape in expected.items():
        if key not in found:
            raise WeightsFileError(f"{where} is missing tensor {key!r} (expected shape {shape})")
        try:
            value = np.asarray(found[key])
            if value.dtype.kind not in "fiu" or value.dtype == np.bool_:
                raise TypeError(value.dtype)
            value = value.astype(np.float64)
        except (TypeError, ValueError):
            raise WeightsFileError(
                f"Tensor {key!r} in {where} is not an array of numbers"
            ) from None
        if value.shape != shape:
            raise WeightsFileError(
                f"Tensor {key!r} in {where} has shape {value.shape}, expected {shape} for the "
                f"layer sizes {sizes} of its spec"
            )
        if not np.all(np.isfinite(value)):
            raise WeightsFileError(f"Tensor {key!r} in {where} contains NaN or Inf")
        tensors[key] = value
    extra = sorted(set(found) - set(expected))
    if extra:
        raise WeightsFileError(
            f"{where} has unexpected entries {extra}; its spec has {len(sizes) - 1} layers"
        )
    return tensors


def _write_atomic(path: str | os.PathLike[str], write) -> None:
    """Write through a temporary file beside the target, then `os.replace` it.

    A symbolic link is written through (its target is replaced, the link stays), and
    the file gets the mode an ordinary `open()` would give it: the existing file's
    mode, or 0o666 less the umask for a new file (mkstemp alone would leave 0o600).
    The mode is set by path (`os.chmod`): Windows has no `os.fchmod`.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: the classic read-and-restore
    os.umask(mask)
    return mask


def _suffix(path: str | os.PathLike[str]) -> str:
    try:
        os.fspath(path)
    except TypeError:
        raise WeightsFileError(f"Expected a file path; received {type(path).__name__}") from None
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise WeightsFileError(
            f"Could not interpret weights file suffix {suffix or '(none)'!r} of {_name(path)}: "
            f"expected one of {', '.join(SUFFIXES)}"
        )
    return suffix


def _name(path: str | os.PathLike[str]) -> str:
    return f"'{os.fspath(path)}'"


__all__ = [
    "SUFFIXES",
    "WEIGHTS_FORMAT",
    "WEIGHTS_VERSION",
    "load",
    "load_into",
    "read",
    "read_with_dtype",
    "save",
]
