"""Whatever the bytes, CSV import gives a Dataset or a DatasetError naming a line."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasets import Dataset, DatasetError, loads_csv

CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-12, 12).map(str),
    st.sampled_from(["", " ", "x1", "nan", "1e400", "1_0", '"', '"3"', "#", "0x10", "1,5", "١٢"]),
    st.text(max_size=4),
)
ROW = st.lists(CELLS, min_size=0, max_size=5)
SEPARATORS = st.sampled_from([",", ";", "\t", " ", ", "])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@st.composite
def near_csv(draw):
    sep = draw(SEPARATORS)
    end = draw(ENDINGS)
    rows = draw(st.lists(ROW, max_size=8))
    text = end.join(sep.join(r) for r in rows)
    prefix = draw(st.sampled_from(["", "\ufeff", "a,b,c" + end, "# c" + end]))
    return prefix + text + draw(st.sampled_from(["", end]))


def _check(data, **kwargs):
    try:
        ds = loads_csv(data, **kwargs)
    except DatasetError as exc:
        message = str(exc)
        assert re.match(r"line \d+[:,]", message), message
        return None
    assert isinstance(ds, Dataset)
    assert ds.n_samples >= 2 and ds.input_dim >= 1
    return ds


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data):
    _check(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    near_csv(),
    st.sampled_from([None, "classification", "regression"]),
    st.booleans(),
)
def test_random_near_valid_text(text, task, standardize):
    _check(text, task=task, standardize=standardize)
    _check(text.encode("utf-8", "surrogatepass"), task=task, standardize=standardize)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=4).map(
            lambda r: r[:2]
        ),
        min_size=2,
        max_size=20,
    ),
    st.booleans(),
)
def test_valid_numbers_always_load(rows, standardize):
    text = "".join(",".join(map(repr, r)) + "\n" for r in rows)
    ds = _check(text, standardize=standardize)
    assert ds is not None and ds.n_samples == len(rows)
    for d, (lo, hi) in enumerate(ds.bounds):
        assert lo < ds.X[:, d].min() <= ds.X[:, d].max() < hi
