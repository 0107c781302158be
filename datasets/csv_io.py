"""CSV import and export (DESIGN.md "CSV data").

A file is numeric columns, an optional header row (every cell a name, none a
number), and the target in the last column. Cells are separated by commas,
semicolons, tabs or runs of spaces (decided from the first row); blank lines
and lines starting with '#' are skipped; a UTF-8 byte-order mark is allowed.
Integer targets with 2 to 10 distinct values mean classification (labels mapped
to 0..K-1 in sorted order), anything else regression; `task=` overrides that.
Every refusal is a DatasetError naming the line; nothing else escapes except
OSError for a path that cannot be read.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from datasets.dataset import MAX_CLASSES, TASKS, Dataset, data_bounds
from datasets.errors import DatasetError
from datasets.scaling import column_scaling
from datasets.validation import check_choice

MAX_ROWS = 1_000_000
MAX_BYTES = 512 * 2**20
MAX_ABS = 1e150  # larger magnitudes overflow variances and plot ranges
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def load_csv(
    path: str | os.PathLike, task: str | None = None, standardize: bool = False
) -> Dataset:
    """Read a CSV file into a Dataset named after the file (see the module docstring).

    `standardize=True` rescales each input column to zero mean and unit variance
    over ALL rows (a constant column is only centred); the means and scales used
    are kept in `params["mean"]` and `params["scale"]`. The app does not use it:
    it trains on the raw rows with a scaler fitted on the training split inside
    the network (`NetworkSpec.input_scaling`), so exported models take raw rows.
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise DatasetError(f"Expected a file path; received {type(path).__name__}") from None
    if os.path.exists(path) and not (os.path.isfile(path) or os.path.isdir(path)):
        # a FIFO or device would block for ever (a directory is an OSError, as before)
        raise DatasetError(f"{path!r} is not a regular file; expected a CSV file")
    size = os.path.getsize(path)
    if size <= MAX_BYTES:  # a device or pipe may say 0 and give more: check what was read too
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        size = len(data)
    if size > MAX_BYTES:
        raise DatasetError(
            f"line 1: the file is {size:,} bytes or more; expected at most {MAX_BYTES:,} bytes"
        )
    return loads_csv(data, name=Path(path).stem, task=task, standardize=standardize, path=path)


def loads_csv(
    data: bytes | str,
    name: str = "data",
    task: str | None = None,
    standardize: bool = False,
    path: str | None = None,
) -> Dataset:
    """Parse CSV content (bytes or text) like `load_csv` does a file."""
    if task is not None:
        check_choice("task", task, TASKS)
    if not isinstance(standardize, bool):
        raise DatasetError(
            f"Received an invalid value for `standardize`, expected True or False. "
            f"Received: standardize={standardize!r}"
        )
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise DatasetError(f"Expected CSV bytes or text; received {type(data).__name__}")
    header, lines, table = _parse(_decode(data))
    X, target = table[:, :-1], table[:, -1]
    params: dict[str, Any] = {"standardize": standardize}
    if path is not None:
        params["path"] = str(path)
    if standardize:
        mean, scale = column_scaling(X)
        X = (X - mean) / scale
        params.update(mean=mean.tolist(), scale=scale.tolist())
    d = X.shape[1]
    names = header or [""] * (d + 1)
    feature_names = tuple(s or f"x{i + 1}" for i, s in enumerate(names[:-1]))
    common = dict(
        X=X,
        name=name,
        bounds=data_bounds(X),
        params=params,
        feature_names=feature_names,
        target_name=names[-1] or "y",
    )
    if _is_classification(target, task, lines):
        labels = np.unique(target)
        y = np.searchsorted(labels, target)
        return Dataset(
            y=y,
            task="classification",
            n_classes=len(labels),
            class_labels=tuple(int(v) for v in labels),
            **common,
        )
    return Dataset(y=target, task="regression", n_classes=0, **common)


def _decode(data: bytes) -> str:
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise DatasetError(
            f"line {line}: the file contains NUL bytes; expected CSV "
            f"text (this looks like a binary file, or UTF-16 text: save it as UTF-8)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DatasetError(
            f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 text; expected a UTF-8 "
            f"CSV file (is this a binary file?)"
        ) from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row that is not blank, a comment or only separators."""
    lines = _LINE_BREAK.split(text)
    first = next((s for s in lines if s.strip() and not s.lstrip().startswith("#")), "")
    delimiter = next((c for c in "\t;," if c in first), None)
    if delimiter is None or '"' not in text:  # no quoting: split lines directly (fast)
        for i, line in enumerate(lines, start=1):
            content = line.strip() if delimiter is None else line.replace(delimiter, "").strip()
            if content and not content.startswith("#"):
                yield i, line.split(delimiter)
        return
    source = ("" if s.lstrip().startswith("#") else s for s in lines)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DatasetError(f"line {start}: cannot split the row into cells ({exc})") from None
        if any(c.strip() for c in cells):
            yield start, cells
        start = reader.line_num + 1


def _number(cell: str) -> float | None:
    cell = cell.strip()
    if not cell or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _parse(text: str) -> tuple[list[str] | None, list[int], np.ndarray]:
    """Header names (or None), each data row's line number, and the values."""
    header: list[str] | None = None
    first_line, last_line, ncols = 0, 0, 0
    lines: list[int] = []
    values: list[list[float]] = []
    for line, cells in _rows(text):
        last_line = line
        if not ncols:
            first_line, ncols = line, len(cells)
            if ncols < 2:
                raise DatasetError(
                    f"line {line}: found 1 column; expected at least 2 (inputs, then the target)"
                )
            if all(_number(c) is None for c in cells):
                header = [c.strip() for c in cells]
                continue
        if len(cells) != ncols:
            raise DatasetError(
                f"line {line}: found {len(cells)} columns; expected {ncols} as on line {first_line}"
            )
        if len(values) >= MAX_ROWS:
            raise DatasetError(f"line {line}: more than {MAX_ROWS:,} data rows; expected fewer")
        try:
            if "_" in "".join(cells):  # float() accepts 1_000; a CSV number does not
                raise ValueError
            row = [float(c) for c in cells]
        except ValueError:
            row = [_cell(c, line, j, line == first_line) for j, c in enumerate(cells, 1)]
        values.append(row)
        lines.append(line)
    if not ncols:
        raise DatasetError(
            "line 1: the file is empty; expected an optional header row then at least 2 data rows"
        )
    if len(values) < 2:
        raise DatasetError(
            f"line {last_line + 1}: the file ends after {len(values)} data "
            f"row{'s' * (len(values) != 1)}; expected at least 2"
        )
    table = np.array(values, dtype=np.float64)
    bad = ~np.isfinite(table)
    bad[~bad] = np.abs(table[~bad]) > MAX_ABS
    if bad.any():
        i, j = np.argwhere(bad)[0]
        written = next(cells[j] for line, cells in _rows(text) if line == lines[i])
        _cell(written, lines[i], int(j) + 1, False)  # quotes the cell as the file has it
    return header, lines, table


def _cell(cell: str, line: int, column: int, first: bool) -> float:
    cell = cell.strip()
    v = _number(cell)
    where = f"line {line}, column {column}"
    if v is None:
        shown = "an empty cell" if not cell else f"{cell[:40]!r}"
        hint = " (a header row must have a name, not a number, in every column)" if first else ""
        raise DatasetError(f"{where}: {shown} is not a number; expected numeric cells{hint}")
    if not math.isfinite(v):
        raise DatasetError(
            f"{where}: {cell[:40]!r} is not a finite number; expected finite numbers only "
            f"(fill in or remove missing values)"
        )
    if abs(v) > MAX_ABS:
        raise DatasetError(f"{where}: {cell[:40]!r} is too large; expected |value| <= {MAX_ABS:g}")
    return v


def _is_classification(target: np.ndarray, task: str | None, lines: list[int]) -> bool:
    integral = target == np.floor(target)
    distinct = np.unique(target)
    if task is None:
        return bool(integral.all()) and 2 <= len(distinct) <= MAX_CLASSES
    if task == "regression":
        return False
    if not integral.all():
        i = int(np.argmin(integral))
        raise DatasetError(
            f"line {lines[i]}: target {float(target[i])!r} is not an integer; classification needs "
            f"integer class labels"
        )
    if len(distinct) < 2:
        raise DatasetError(
            f"line {lines[-1]}: every target is {distinct[0]:g}; classification needs at "
            f"least 2 classes"
        )
    if len(distinct) > MAX_CLASSES:
        seen: set[float] = set()
        for line, v in zip(lines, target, strict=True):
            seen.add(float(v))
            if len(seen) > MAX_CLASSES:
                raise DatasetError(
                    f"line {line}: target {v:g} is class number {MAX_CLASSES + 1}; "
                    f"classification allows at most {MAX_CLASSES} classes"
                )
    return True


def save_csv(ds: Dataset, path: str | os.PathLike) -> None:
    """Write a header row and one row per example; atomic (temporary file, then os.replace).

    Floats are written at full precision, so `load_csv` reads back the same values;
    classification targets are written as the original class labels.
    """
    if not isinstance(ds, Dataset):
        raise DatasetError(f"save_csv expects a Dataset; received {type(ds).__name__}")
    try:
        path = os.fspath(path)
    except TypeError:
        raise DatasetError(f"Expected a file path; received {type(path).__name__}") from None
    if ds.task == "classification":
        targets = [str(ds.class_labels[k]) for k in ds.y]
    else:
        targets = [repr(float(v)) for v in ds.y]
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{Path(path).name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([*ds.feature_names, ds.target_name])
            for row, target in zip(ds.X.tolist(), targets, strict=True):
                writer.writerow([*map(repr, row), target])
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
