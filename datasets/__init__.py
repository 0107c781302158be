"""Toy datasets and CSV import for the playground. Depends on NumPy only.

ds = datasets.make("spirals", n_samples=500, noise=0.1, seed=0)
ds = datasets.load_csv("points.csv")
train, test = datasets.train_test_split(ds, test_ratio=0.3, seed=0)
"""

from datasets import classification, regression  # noqa: F401  (they register the generators)
from datasets.csv_io import load_csv, loads_csv, save_csv
from datasets.dataset import Dataset
from datasets.errors import DatasetError
from datasets.registry import DatasetInfo, available, info, make, names
from datasets.split import train_test_split

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "available",
    "info",
    "load_csv",
    "loads_csv",
    "make",
    "names",
    "save_csv",
    "train_test_split",
]
