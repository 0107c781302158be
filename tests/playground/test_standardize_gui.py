"""The app's 'standardise' box and the warnings shown after importing a CSV (issue 11)."""

from __future__ import annotations

from playground.document.session import default_data_choice
from playground.document.training_data import fit_input_scaling
from tests.playground.gui_support import wait_snapshot
from tests.playground.test_standardize_travels import write_wild_csv


def test_ticking_standardise_after_an_import_applies_at_once(qtbot, window, tmp_path):
    path = tmp_path / "wild.csv"
    write_wild_csv(path)
    picker = window.picker
    assert not picker.standardize.isChecked()
    assert picker.import_csv(str(path))
    wait_snapshot(qtbot, window, lambda s: s.spec.input_dim == 6)
    assert window.spec.input_scaling is None
    qtbot.waitUntil(window.banner.isVisible)
    assert window.banner.kind == "warning"
    assert "very different scales" in window.banner.message()

    picker.standardize.click()  # no new import: the network gets the scaler right away
    snap = wait_snapshot(qtbot, window, lambda s: s.spec.input_scaling is not None)
    choice = window.session.data
    assert choice.standardize and window.picker.choice.standardize
    expected = fit_input_scaling(window.dataset, choice.test_ratio, choice.seed)
    assert snap.spec.input_scaling == expected == window.spec.input_scaling
    assert window.dataset.X.max() > 1000  # the data itself stays raw
    assert not window.banner.isVisible()  # standardised: nothing left to warn about

    picker.standardize.click()
    wait_snapshot(qtbot, window, lambda s: s.spec.input_scaling is None)
    assert not window.session.data.standardize
    assert "very different scales" in window.banner.message()


def test_switching_to_a_generator_clears_the_csv_warning(qtbot, window, tmp_path):
    path = tmp_path / "wild.csv"
    write_wild_csv(path)
    assert window.picker.import_csv(str(path))
    qtbot.waitUntil(window.banner.isVisible)
    assert window.picker.apply(default_data_choice("circles"))
    wait_snapshot(qtbot, window, lambda s: s.spec.input_dim == 2)
    assert not window.banner.isVisible()
