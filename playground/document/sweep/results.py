"""Result rows as DESIGN.md fixes them: columns, CSV/JSON files and the summary."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

STATES = ("complete", "pruned", "diverged", "failed")


def metric_of(rows: list[dict[str, Any]]) -> str:
    """ "accuracy" or "r2": the metric the rows carry (classification unless told otherwise)."""
    return next((r["metric"] for r in rows if r.get("metric")), "accuracy")


def columns(param_names: list[str], metric: str) -> list[str]:
    return [
        "trial", "state", *param_names, "train_loss", "test_loss",
        f"train_{metric}", f"test_{metric}", "epochs", "seconds", "message",
    ]  # fmt: skip


def flat(row: dict[str, Any], param_names: list[str], metric: str) -> dict[str, Any]:
    """One row as the table's columns (parameters spread out, missing numbers None)."""
    out = {c: row.get(c) for c in columns(param_names, metric)}
    out.update({n: row.get("params", {}).get(n) for n in param_names})
    out["message"] = row.get("message", "")
    return out


def objective(row: dict[str, Any]) -> float | None:
    """What the sweep minimises: the test loss, or the training loss without a test set."""
    value = row.get("test_loss")
    return row.get("train_loss") if value is None else value


def best(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    done = [r for r in rows if r["state"] == "complete" and objective(r) is not None]
    return min(done, key=lambda r: (objective(r), r["trial"])) if done else None


def summary(rows, param_names, seconds: float) -> dict[str, Any]:
    metric = metric_of(rows)
    top = best(rows)
    out: dict[str, Any] = {"trials": len(rows)}
    out.update({s: sum(r["state"] == s for r in rows) for s in STATES})
    out["best"] = None if top is None else flat(top, param_names, metric)
    out["seconds"] = round(seconds, 3)
    return out


def write(path: str | Path, rows, param_names) -> None:
    """One row per trial: CSV, or JSON (a list of objects), by the file's suffix."""
    path = Path(path)
    metric = metric_of(rows)
    table = [flat(r, param_names, metric) for r in rows]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns(param_names, metric))
        writer.writeheader()
        for row in table:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
