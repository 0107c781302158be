"""A sweep kept in a project file (its optional `sweep` entry): definition and result rows.

    "sweep": {"params": ["lr=log:0.0001:1", ...],        # NAME=SPEC, as `--param` takes
              "strategy": "grid", "trials": 20, "workers": 2, "seed": 0,
              "grid_points": 3, "pruner": "none", "scheduler": null | "tcp://...",
              "setup": null | {...TrialSetup without its data...},   # the trials' fixed part
              "rows": [...results rows, at most MAX_ROWS...]}

The rows are results.py's rows as they are (a trial's per-epoch `curve` keeps its
integer epochs), so a reopened sweep shows the same table and plots and a trial
opens with exactly its settings. The setup's data is the project's own data, so it
is not stored twice. `read` checks an entry and raises ValueError naming the problem.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from playground.document.errors import InputError
from playground.document.sweep.params import parse_param
from playground.document.sweep.results import STATES
from playground.document.sweep.study import STRATEGIES
from playground.document.sweep.trial import PRUNERS, TrialSetup

MAX_ROWS = 10_000  # one row per trial; a longer sweep keeps its first MAX_ROWS trials
SETUP_KEYS = tuple(f.name for f in dataclasses.fields(TrialSetup) if f.name != "given")
NUMBERS = ("trials", "workers", "seed", "grid_points")


def entry(
    params: list[str],
    options: dict[str, Any],
    setup: TrialSetup | None,
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """The project entry of a sweep (as `read` gives it): `params` as NAME=SPEC texts,
    `options` the rest; rows past MAX_ROWS are left out."""
    out: dict[str, Any] = {"params": list(params)}
    out.update({k: options.get(k) for k in ("strategy", *NUMBERS, "pruner", "scheduler")})
    out["setup"] = None if setup is None else _setup_dict(setup)
    out["rows"] = [dict(r) for r in rows[:MAX_ROWS]]
    return out


def entry_json(saved: dict[str, Any]) -> dict[str, Any]:
    """The entry as JSON holds it (a curve's epochs become text keys)."""
    return {**saved, "rows": [_row_json(r) for r in saved["rows"]]}


def setup_of(saved: dict[str, Any]) -> TrialSetup | None:
    """The TrialSetup the saved rows were trained with (None: never run)."""
    if saved["setup"] is None:
        return None
    values = dict(saved["setup"])
    if values.get("features") is not None:
        values["features"] = tuple(values["features"])
    return TrialSetup(**values)


def read(doc: Any) -> dict[str, Any] | None:
    """A checked `sweep` entry (rows as results.py holds them); ValueError naming the problem."""
    if doc is None:
        return None
    _need(isinstance(doc, dict), "`sweep` must be an object")
    missing = [k for k in ("params", "strategy", "rows") if k not in doc]
    _need(not missing, f"`sweep` lacks the entries {missing}")
    params = doc["params"]
    _need(
        isinstance(params, list) and all(isinstance(p, str) for p in params),
        "`sweep.params` must be a list of NAME=SPEC texts",
    )
    for text in params:
        try:
            parse_param(text)
        except InputError as exc:
            raise ValueError(f"`sweep.params`: {exc}") from None
    _need(doc["strategy"] in STRATEGIES, f"`sweep.strategy` must be one of {STRATEGIES}")
    _need(doc.get("pruner", "none") in PRUNERS, f"`sweep.pruner` must be one of {PRUNERS}")
    for key in NUMBERS:
        value = doc.get(key)
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        _need(ok and (value is None or value >= 0), f"`sweep.{key}` must be a whole number")
    scheduler = doc.get("scheduler")
    _need(scheduler is None or isinstance(scheduler, str), "`sweep.scheduler` must be text")
    out = dict(doc)
    out["setup"] = _read_setup(doc.get("setup"))
    rows = doc["rows"]
    _need(isinstance(rows, list), "`sweep.rows` must be a list of result rows")
    _need(
        len(rows) <= MAX_ROWS, f"`sweep.rows` holds {len(rows)} rows; at most {MAX_ROWS} are read"
    )
    out["rows"] = [_read_row(r, i) for i, r in enumerate(rows)]
    return out


def _need(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(problem)


def _setup_dict(setup: TrialSetup) -> dict[str, Any]:
    out = {k: getattr(setup, k) for k in SETUP_KEYS}
    out["features"] = None if setup.features is None else list(setup.features)
    out["settings"] = dict(setup.settings)
    return out


def _read_setup(doc: Any) -> dict[str, Any] | None:
    if doc is None:
        return None
    _need(isinstance(doc, dict), "`sweep.setup` must be an object or null")
    unknown = sorted(set(doc) - set(SETUP_KEYS))
    _need(not unknown, f"`sweep.setup` has unknown entries {unknown}")
    _need(isinstance(doc.get("layers", ""), str), "`sweep.setup.layers` must be text")
    _need(isinstance(doc.get("settings", {}), dict), "`sweep.setup.settings` must be an object")
    features = doc.get("features")
    _need(
        features is None
        or (isinstance(features, list) and all(isinstance(f, str) for f in features)),
        "`sweep.setup.features` must be a list of names or null",
    )
    return dict(doc)


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "curve" in out:
        out["curve"] = {str(k): v for k, v in out["curve"].items()}
    return out


def _read_row(row: Any, at: int) -> dict[str, Any]:
    where = f"`sweep.rows[{at}]`"
    _need(isinstance(row, dict), f"{where} must be an object")
    trial = row.get("trial")
    _need(
        isinstance(trial, int) and not isinstance(trial, bool) and trial >= 0,
        f"{where}.trial must be a whole number; received {trial!r}",
    )
    _need(row.get("state") in STATES, f"{where}.state must be one of {STATES}")
    _need(isinstance(row.get("params", {}), dict), f"{where}.params must be an object")
    _need(isinstance(row.get("message", ""), str), f"{where}.message must be text")
    for key, value in row.items():
        if key.endswith(("_loss", "_accuracy", "_r2")) or key in ("seconds", "epochs"):
            ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
            _need(ok and (value is None or math.isfinite(value)), f"{where}.{key} must be a number")
    out = dict(row)
    curve = row.get("curve", {})
    _need(isinstance(curve, dict), f"{where}.curve must be an object of epoch: value")
    try:
        out["curve"] = {int(k): float(v) for k, v in curve.items()}
    except (TypeError, ValueError):
        raise ValueError(f"{where}.curve must map whole epochs to numbers") from None
    if "curve" not in row:
        del out["curve"]
    return out
