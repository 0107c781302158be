"""CSV import and export: good files of each kind, every refusal with its line."""

import os

import numpy as np
import pytest

import datasets
from datasets import DatasetError, csv_io, load_csv, save_csv


def _write(tmp_path, content, name="points.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_classification_with_header(tmp_path):
    path = _write(tmp_path, "height,weight,kind\n1.5,2,5\n3,4.25,7\n-1,0,5\n2,2,9\n\n\n")
    ds = load_csv(path)
    assert ds.task == "classification" and ds.n_classes == 3 and ds.name == "points"
    assert ds.feature_names == ("height", "weight") and ds.target_name == "kind"
    assert ds.class_labels == (5, 7, 9)
    np.testing.assert_array_equal(ds.y, [0, 1, 0, 2])
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4.25], [-1, 0], [2, 2]])
    assert ds.y.dtype == np.int64 and ds.X.dtype == np.float64
    assert ds.params == {"standardize": False, "path": str(path)}


def test_regression_without_header(tmp_path):
    ds = load_csv(_write(tmp_path, "0.5,1.25\n-0.5,0.75\n0.0,0.1\n"))
    assert ds.task == "regression" and ds.n_classes == 0
    assert ds.feature_names == ("x1",) and ds.target_name == "y"
    np.testing.assert_array_equal(ds.y, [1.25, 0.75, 0.1])


def test_integer_targets_with_many_values_are_regression(tmp_path):
    rows = "".join(f"{i},{i * 3}\n" for i in range(11))
    assert load_csv(_write(tmp_path, rows)).task == "regression"
    assert load_csv(_write(tmp_path, rows[: rows.index("10,")])).task == "classification"


def test_one_distinct_integer_target_is_regression(tmp_path):
    assert load_csv(_write(tmp_path, "1,2,4\n3,4,4\n")).task == "regression"


def test_whole_floats_count_as_integer_labels(tmp_path):
    ds = load_csv(_write(tmp_path, "1,2,0.0\n3,4,1.0\n5,6,1.0\n"))
    assert ds.task == "classification" and ds.class_labels == (0, 1)


def test_task_override(tmp_path):
    path = _write(tmp_path, "a,b\n1,0\n2,1\n3,1\n")
    assert load_csv(path).task == "classification"
    ds = load_csv(path, task="regression")
    assert ds.task == "regression" and ds.y.tolist() == [0.0, 1.0, 1.0]
    reg = _write(tmp_path, "a,b\n" + "".join(f"{i},{i}\n" for i in range(12)), "r.csv")
    assert load_csv(reg).task == "regression"
    with pytest.raises(DatasetError, match=r"^line 12: target 10 is class number 11"):
        load_csv(reg, task="classification")


@pytest.mark.parametrize(
    "content",
    [
        "x;y;t\n1.5;2;0.25\n3;4;0.5\n",
        "x\ty\tt\n1.5\t2\t0.25\n3\t4\t0.5\n",
        "# written by numpy.savetxt\n1.5 2   0.25\n 3 4 0.5 \n",
        "\ufeffx,y,t\r\n1.5, 2, 0.25\r\n3,4,0.5\r\n",
        '"x","y","t"\n1.5,"2",0.25\n\n3,4,0.5\n',
        "x,y,t\r1.5,2,0.25\r3,4,0.5",
    ],
)
def test_delimiters_bom_quotes_and_line_ends(tmp_path, content):
    ds = load_csv(_write(tmp_path, content))
    np.testing.assert_array_equal(ds.X, [[1.5, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ds.y, [0.25, 0.5])
    assert ds.task == "regression"


def test_values_are_kept_as_they_are_unless_standardized(tmp_path):
    path = _write(tmp_path, "a,b,c,t\n10,5,1,0\n20,5,2,1\n30,5,6,0\n40,5,3,1\n")
    raw = load_csv(path)
    np.testing.assert_array_equal(raw.X[:, 0], [10, 20, 30, 40])
    lo, hi = raw.bounds[0]
    assert lo < 10 and hi > 40 and hi - lo < 40
    assert raw.bounds[1][0] < 5 < raw.bounds[1][1]
    std = load_csv(path, standardize=True)
    np.testing.assert_allclose(std.X[:, [0, 2]].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.X[:, [0, 2]].std(axis=0), 1.0)
    np.testing.assert_array_equal(std.X[:, 1], 0.0)  # constant column: centred only
    thin = load_csv(_write(tmp_path, "0.1,0\n0.1,1\n0.1,0\n", "c.csv"), standardize=True)
    np.testing.assert_array_equal(thin.X, 0.0)
    assert std.params["mean"] == [25.0, 5.0, 3.0] and std.params["scale"][1] == 1.0
    np.testing.assert_allclose(
        (raw.X - std.params["mean"]) / std.params["scale"], std.X, rtol=0, atol=1e-15
    )
    for d, (lo, hi) in enumerate(std.bounds):
        assert lo < std.X[:, d].min() and std.X[:, d].max() < hi


def test_a_column_of_subnormal_numbers_standardizes_to_finite_values(tmp_path):
    # found by test_csv_fuzz: the standard deviation of [0, 5e-324] rounds to 0
    tiny = load_csv(_write(tmp_path, "0,0\n5e-324,1\n", "tiny.csv"), standardize=True)
    assert np.isfinite(tiny.X).all() and tiny.X[1, 0] > tiny.X[0, 0]
    assert all(np.isfinite(b).all() for b in tiny.bounds)


BAD = [
    ("1,2,3\n4,5\n", 2, "found 2 columns; expected 3"),
    ("a,b,c\n1,2,3\n\n4,5,6,7\n", 4, "found 4 columns"),
    ("1,2,3\n4,abc,6\n", 2, "column 2: 'abc' is not a number"),
    ("1,2,3\n4,,6\n", 2, "empty cell"),
    ("1,2,3\n4,1_0,6\n", 2, "'1_0' is not a number"),
    ("x,y,z\n1,2,3\n4,nan,6\n", 3, "'nan' is not a finite number"),
    ("1,2,3\n4,5,-inf\n", 2, "'-inf' is not a finite number"),
    # the cell as the file writes it, not as Python prints the float
    ("x,y,z\n1,2,3\n4,NaN,6\n", 3, "column 2: 'NaN' is not a finite number"),
    ("1;2\n3; Infinity\n", 2, "column 2: 'Infinity' is not a finite number"),
    ('a,b\n"1",2\n3,1e400\n', 3, "column 2: '1e400' is not a finite number"),
    ("1,2,3\n4,5,1e200\n", 2, "too large"),
    ("x,1,z\n1,2,3\n4,5,6\n", 1, "a header row must have a name"),
    ("x,y,z\n1,2,3\n", 3, "ends after 1 data row; expected at least 2"),
    ("x,y,z\n\n", 2, "ends after 0 data rows"),
    ("1\n2\n3\n", 1, "found 1 column; expected at least 2"),
    ("\n\n1\n2\n", 3, "found 1 column"),
    ("", 1, "the file is empty"),
    ("   \n\n# only a comment\n", 1, "the file is empty"),
    ('"a,b\n1,2\n3,4\n', 1, "cannot split the row into cells"),
    (b"1,2,3\n4,5,6\n\x00\x01\x02", 3, "NUL bytes"),
    ("1,2\n3,4\n".encode("utf-16"), 1, "NUL bytes"),
    (b"1,2,3\n4,5,6\n7,8,\xff\n", 3, "not UTF-8"),
]


@pytest.mark.parametrize(("content", "line", "reason"), BAD)
def test_bad_files_name_the_line_and_the_reason(tmp_path, content, line, reason):
    with pytest.raises(DatasetError) as info:
        load_csv(_write(tmp_path, content))
    message = str(info.value)
    assert message.startswith(f"line {line}:") or message.startswith(f"line {line},")
    assert reason in message


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("a,b\n1,0\n2,1.5\n3,1\n", 3, "target 1.5 is not an integer"),
        ("a,b\n1,2\n2,2\n", 3, "every target is 2; classification needs at least 2 classes"),
    ],
)
def test_bad_classification_targets(tmp_path, content, line, reason):
    with pytest.raises(DatasetError, match=f"^line {line}: {reason}"):
        load_csv(_write(tmp_path, content), task="classification")


def test_more_than_a_million_rows_is_refused(tmp_path):
    path = _write(tmp_path, "x,t\n" + "0,1\n" * (csv_io.MAX_ROWS + 1))
    with pytest.raises(DatasetError, match=r"^line 1000002: more than 1,000,000 data rows"):
        load_csv(path)


def test_a_file_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_BYTES", 10)
    with pytest.raises(DatasetError, match=r"^line 1: the file is 12 bytes or more"):
        load_csv(_write(tmp_path, "1,2\n3,4\n5,6\n"))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"task": "clustering"}, "task"), ({"standardize": 1}, "standardize")],
)
def test_bad_options_are_refused(tmp_path, kwargs, fragment):
    with pytest.raises(DatasetError, match=fragment):
        load_csv(_write(tmp_path, "1,2\n3,4\n"), **kwargs)


def test_unreadable_paths_raise_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(IsADirectoryError):
        load_csv(tmp_path)
    with pytest.raises(DatasetError, match="file path"):
        load_csv(42)


@pytest.mark.parametrize("name", ["spirals", "gaussian_bumps", "sinc"])
def test_save_then_load_gives_the_same_data(tmp_path, name):
    ds = datasets.make(name, n_samples=50, noise=0.1, seed=3)
    path = tmp_path / "out.csv"
    save_csv(ds, path)
    back = load_csv(path)
    np.testing.assert_array_equal(back.X, ds.X)
    np.testing.assert_array_equal(back.y, ds.y)
    assert (back.task, back.n_classes, back.feature_names) == (
        ds.task,
        ds.n_classes,
        ds.feature_names,
    )
    assert path.read_text().splitlines()[0] == ",".join([*ds.feature_names, ds.target_name])


def test_save_writes_the_original_class_labels(tmp_path):
    src = _write(tmp_path, "x,label\n0.5,-3\n0.25,10\n1,-3\n", "in.csv")
    ds = load_csv(src)
    save_csv(ds, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text() == "x,label\n0.5,-3\n0.25,10\n1.0,-3\n"


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.csv"
    path.write_text("old contents\n")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(csv_io.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        save_csv(datasets.make("xor", n_samples=20), path)
    assert path.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["keep.csv"]


def test_save_refuses_what_is_not_a_dataset(tmp_path):
    with pytest.raises(DatasetError, match="expects a Dataset"):
        save_csv(np.zeros((2, 2)), tmp_path / "x.csv")


def test_a_device_that_never_ends_is_refused_unread():
    with pytest.raises(DatasetError, match="'/dev/zero' is not a regular file"):
        load_csv("/dev/zero")  # reports size 0, never ends


def test_loads_csv_takes_text_or_bytes_only():
    assert datasets.loads_csv("1,2\n3,4\n").n_samples == 2
    assert datasets.loads_csv(bytearray(b"1,2\n3,4\n")).n_samples == 2
    with pytest.raises(DatasetError, match="CSV bytes or text"):
        datasets.loads_csv(None)


@pytest.mark.parametrize(
    "content", ["0,0,1\n5e-324,0,2\n0,0,3\n", "1e150,-1e150,0\n-1e150,1e150,1\n"]
)
def test_bounds_contain_thin_and_huge_columns(tmp_path, content):
    ds = load_csv(_write(tmp_path, content))
    for d, (lo, hi) in enumerate(ds.bounds):
        assert lo < ds.X[:, d].min() and ds.X[:, d].max() < hi
