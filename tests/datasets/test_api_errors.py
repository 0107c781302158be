"""The datasets API refuses wrong paths and files with DatasetError, never a raw error."""

from __future__ import annotations

import os

import pytest

import datasets
from datasets import DatasetError


def test_save_csv_to_something_that_is_not_a_path():
    ds = datasets.make("xor", n_samples=20)
    with pytest.raises(DatasetError, match="file path"):
        datasets.save_csv(ds, 3)


def test_load_csv_refuses_a_fifo_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match="not a regular file"):
        datasets.load_csv(fifo)
