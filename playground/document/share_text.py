"""Lesson links: a whole state, minus the trained weights, as one short text. Qt-free.

"Copy lesson link" puts the data recipe, the network, every training setting,
the seed and the speed on the clipboard as

    bpp1.<base64url of the zlib-compressed JSON>

and File > Open from Text (or `playground open --text TEXT`) restores it. The
JSON is the dict a project file holds (playground/document/project.py) without
its `format` and the entries that make projects big (`dataset`, `state`,
`runs`, `sweep`), and it is read back by the same code (`project.from_dict`,
migrations of older project versions included), so a text and a project never
disagree about what a state is. Trained weights travel as projects; an imported
CSV cannot travel at all (the text would need the file), while painted points
travel as themselves while the text stays under MAX_TEXT_CHARS (a few
thousand points).

`bpp1` is the version of this encoding. Its compressor starts from a preset
dictionary (zlib's `zdict`: the default session's JSON and the common names),
which makes the default session's text 36 characters long; the dictionary
is part of version 1 and never changes (a new one needs `bpp2.`). Whitespace and
line breaks in a pasted text are ignored; anything else that is not such a text
raises ShareTextError naming the problem.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from datasets.dataset import Dataset
from engine.data import Data
from engine.migrations import register_format
from engine.trainer import Trainer
from playground.document import project as projects
from playground.document.project import Project, ProjectError

PREFIX = "bpp"
SHARE_VERSION = 1
NOT_SHARED = ("format", "dataset", "state", "runs", "sweep")  # what only a project carries
MAX_TEXT_CHARS = 100_000  # one command-line argument holds it (Linux: 128 KiB)
MAX_JSON_BYTES = 1 << 20  # unpacked: above what MAX_TEXT_CHARS can hold; no bomb gets past
WHERE = "The lesson link"
_HEAD = re.compile(r"([A-Za-z]+)(\d{1,9})\.")  # a version of 9 digits at most
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")

# Version 1's preset dictionary: FROZEN (texts already shared depend on every byte).
_VOCABULARY = (
    "xor circles gaussians blobs moons checkerboard sine cubic step abs sinc plane "
    "gaussian_bumps painted classification regression linear relu leaky_relu elu sigmoid "
    "softplus gelu swish he_uniform he_normal xavier_normal lecun_normal small_uniform "
    "zeros sgd momentum nesterov adagrad rmsprop adamw mse mae huber ce exponential cosine "
    "warmup_cosine plateau float32 float64 max x1^2 x2^2 x1*x2 sin(x1) sin(x2) "
    '"dtype":"float64","points":[[0.'
)
_DEFAULT_STATE = {
    "version": 1,
    "title": "",
    "explanation": "",
    "data": {
        "source": "spirals",
        "params": {"n_samples": 500, "noise": 0.0, "seed": 0, "arms": 2, "turns": 1.75},
        "test_ratio": 0.3,
        "path": None,
        "task": None,
        "standardize": False,
    },
    "network": {
        "version": 3,
        "input_dim": 2,
        "features": ["x1", "x2"],
        "hidden": [
            {
                "units": 8,
                "activation": "tanh",
                "init": "xavier_uniform",
                "dropout": None,
                "kind": "dense",
                "batch_norm": False,
                "residual": False,
            }
        ]
        * 2,
        "task": "classification",
        "n_classes": 2,
        "loss": "bce",
        "output_init": "xavier_uniform",
    },
    "training": {
        "optimizer": "adam",
        "lr": 0.01,
        "momentum": 0.9,
        "beta1": 0.9,
        "beta2": 0.999,
        "rho": 0.99,
        "eps": None,
        "batch_size": 16,
        "l1": 0.0,
        "l2": 0.0,
        "dropout": 0.0,
        "clip_norm": 0.0,
        "epochs": 1000000000,
        "patience": 0,
        "restore_best": True,
        "schedule": "constant",
        "schedule_step": 10,
        "schedule_gamma": 0.1,
        "schedule_epochs": 0,
        "min_lr": 0.0,
        "warmup_epochs": 0,
        "plateau_patience": 10,
        "seed": 0,
    },
    "speed": 3000.0,  # the window's default speed, as project_speed gives it
}
DICTIONARY = (_VOCABULARY + json.dumps(_DEFAULT_STATE, separators=(",", ":"))).encode("ascii")


class ShareTextError(ProjectError):
    """A text that is not a lesson link this version can open, or a state that cannot
    become one; the message names the problem and is meant for the user."""


SHARE = register_format("share", "lesson link", SHARE_VERSION, ShareTextError)


def encode(project: Project) -> str:
    """The lesson link of `project` (its weights, runs and sweep are left out).

    ShareTextError when the state cannot travel as text: imported CSV data, or
    painted points too many for MAX_TEXT_CHARS.
    """
    if project.data.source == "csv":
        raise ShareTextError(
            "An imported CSV cannot travel in a lesson link: the link would need the file "
            "itself. Save a project instead (File > Save Project): it stores the data."
        )
    bare = project.replace(dataset=None, state=None, runs=(), sweep=None)
    doc = {k: v for k, v in bare.to_dict().items() if k not in NOT_SHARED}
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    packer = zlib.compressobj(9, zdict=DICTIONARY)
    packed = packer.compress(raw.encode("utf-8")) + packer.flush()
    body = base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")
    text = f"{PREFIX}{SHARE_VERSION}.{body}"
    if len(text) > MAX_TEXT_CHARS:
        n_points = len(project.data.params.get("points", ()))
        what = f"{n_points} painted points" if n_points else "This state"
        raise ShareTextError(
            f"{what} would make a lesson link of {len(text):,} characters; a link holds "
            f"at most {MAX_TEXT_CHARS:,}. Save a project instead: it keeps any data."
        )
    return text


def decode(text: str) -> Project:
    """The project a lesson link describes (no weights: `state` is None).

    ShareTextError names what is wrong: not a lesson link, a newer version,
    damaged base64 or compressed data, too large when unpacked, not JSON, or a
    state that the project validation refuses.
    """
    doc = _unpack(_payload(text))
    carried = [k for k in NOT_SHARED if k != "format" and doc.get(k) is not None]
    if carried:
        raise ShareTextError(
            f"{WHERE} is damaged: a lesson link carries no weights or data, but it has "
            f"`{carried[0]}`. Trained weights travel as projects."
        )
    full = {**doc, "format": projects.PROJECT_FORMAT, "dataset": None, "state": None}
    with _as_share_error():
        return projects.from_dict(full, WHERE)


def open_text(text: str) -> tuple[Project, Dataset, Data, Trainer]:
    """The project of a lesson link with its dataset, data and a fresh Trainer, all
    checked before anything changes (as `project.open_project` does for a file)."""
    project = decode(text)
    with _as_share_error():
        return (project, *projects.prepare(project, WHERE.lower()))


@contextmanager
def _as_share_error() -> Iterator[None]:
    """The project code's refusals (ProjectError) as ShareTextError: one type for callers."""
    try:
        yield
    except ShareTextError:
        raise
    except ProjectError as exc:
        raise ShareTextError(str(exc)) from None


def _payload(text: Any) -> bytes:
    """The compressed bytes of `text`; whitespace anywhere in it is ignored."""
    if not isinstance(text, str):
        raise ShareTextError(f"{WHERE} must be text; received {type(text).__name__}")
    compact = "".join(text.split()) if len(text) <= 4 * MAX_TEXT_CHARS else text
    if len(compact) > MAX_TEXT_CHARS:
        raise ShareTextError(
            f"{WHERE} is {len(compact):,} characters long; a lesson link has at most "
            f"{MAX_TEXT_CHARS:,}"
        )
    expected = f"expected text starting with '{PREFIX}{SHARE_VERSION}.'"
    if not compact:
        raise ShareTextError(f"{WHERE} is empty: {expected}")
    head = _HEAD.match(compact)
    if head is None or head.group(1) != PREFIX:
        shown = compact if len(compact) <= 24 else compact[:24] + "…"
        raise ShareTextError(
            f"This is not a Backprop Playground lesson link: {expected}; received {shown!r}"
        )
    SHARE.check(int(head.group(2)), WHERE)  # a newer (or a damaged) version is refused
    body = compact[head.end() :]
    bad = _BASE64URL.fullmatch(body) is None
    if bad or len(body) % 4 == 1:
        reason = (
            "characters outside A-Z a-z 0-9 - _" if bad else "its length is impossible: cut short?"
        )
        raise ShareTextError(f"{WHERE} is damaged: its text is not base64url ({reason})")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ShareTextError(f"{WHERE} is damaged: its text is not base64url ({exc})") from None


def _unpack(packed: bytes) -> dict[str, Any]:
    """The JSON object in `packed`, refusing more than MAX_JSON_BYTES once unpacked."""
    unpacker = zlib.decompressobj(zdict=DICTIONARY)
    try:
        raw = unpacker.decompress(packed, MAX_JSON_BYTES + 1)
    except zlib.error as exc:
        raise ShareTextError(
            f"{WHERE} is damaged: its data does not unpack (zlib: {exc}); copy it again"
        ) from None
    if len(raw) > MAX_JSON_BYTES:
        raise ShareTextError(
            f"{WHERE} unpacks to more than {MAX_JSON_BYTES // 1024} KiB, the most a lesson "
            "link holds; it was not made by Backprop Playground"
        )
    if not unpacker.eof:
        raise ShareTextError(f"{WHERE} is damaged: its data is cut short; copy all of it")
    if unpacker.unused_data:
        raise ShareTextError(f"{WHERE} is damaged: extra data follows its end")
    with _as_share_error():
        doc = projects.parse_json(raw, WHERE)
    if not isinstance(doc, dict):
        raise ShareTextError(
            f"{WHERE} is damaged: expected a JSON object of settings; received {type(doc).__name__}"
        )
    return doc


__all__ = [
    "MAX_JSON_BYTES",
    "MAX_TEXT_CHARS",
    "PREFIX",
    "SHARE_VERSION",
    "ShareTextError",
    "decode",
    "encode",
    "open_text",
]
