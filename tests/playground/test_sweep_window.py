"""The sweep window (`sweepPanel`): Training > Sweep…, a run, its table and plots, a trial."""

from PySide6.QtWidgets import QWidget

from playground.document.project import read_project
from playground.document.sweep.trial import run_trial
from playground.gui.sweep_menu import setup_of
from tests.playground.gui_support import close_window, make_window

WAIT_MS = 60_000


def small_form(panel, *, lr="0.01,0.1", batch="8", epochs="3"):
    for name, (check, edit) in panel.param_rows.items():
        check.setChecked(name in ("lr", "batch_size", "epochs"))
        edit.setText({"lr": lr, "batch_size": batch, "epochs": epochs}.get(name, edit.text()))
    panel.strategy.setCurrentText("grid")
    panel.workers.setValue(2)


def run_panel(qtbot, panel):
    with qtbot.waitSignal(panel.finished, timeout=WAIT_MS):
        assert panel.start()


def test_the_training_menu_opens_the_sweep_window(window, qtbot):
    window.sweep_action.trigger()
    panel = window.findChild(QWidget, "sweepPanel")
    assert panel is window.sweep_panel and panel.isVisible()


def test_a_sweep_fills_the_table_and_a_trial_opens_with_its_numbers(window, qtbot):
    panel = window.sweep_panel
    small_form(panel, batch="8,16")
    run_panel(qtbot, panel)
    assert panel.table.rowCount() == 4 and panel.progress.value() == 4
    assert panel.plots.heatmap_params() == ("lr", "batch_size")
    assert panel.plots.heat.isVisibleTo(panel.plots)
    panel.table.sortItems(5)  # the test loss column: sorting keeps rows whole
    row = panel.row_of(0)
    assert row["test_loss"] == min(r["test_loss"] for r in panel.rows)
    panel._open_row(0, 0)
    config = window.session.config
    assert (config.lr, config.batch_size, config.epochs) == (
        row["params"]["lr"], row["params"]["batch_size"], 3,
    )  # fmt: skip
    # the main window now describes exactly this trial: training it gives the row's numbers
    again = run_trial(setup_of(window), 99, {})
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert again[key] == row[key], key


def test_a_bad_range_is_named_and_nothing_starts(window):
    panel = window.sweep_panel
    small_form(panel, lr="log:0:1")
    assert not panel.start()
    assert "--param lr" in panel.message.text() and not panel.is_running()


def test_cancel_keeps_the_finished_trials(window, qtbot):
    panel = window.sweep_panel
    # 200 epochs: trials of one shape train together (a batch of 32 takes about what one
    # trial takes alone), and 500 two-epoch trials could all end before the cancel lands
    small_form(panel, lr="log:0.001:0.1", epochs="200")
    panel.strategy.setCurrentText("random")
    panel.trials.setValue(500)
    with qtbot.waitSignal(panel.finished, timeout=WAIT_MS):
        panel.start()
        qtbot.waitUntil(lambda: len(panel.rows) >= 1, timeout=WAIT_MS)
        panel.cancel()
    assert 1 <= len(panel.rows) < 500 and panel.table.rowCount() == len(panel.rows)
    assert panel.start_button.isEnabled()


def table_cells(panel) -> list[list[str | None]]:
    table = panel.table
    items = [
        [table.item(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())
    ]
    return [[None if item is None else item.text() for item in row] for row in items]


def test_a_saved_project_keeps_the_sweep_and_a_kept_trial_opens(window, qtbot, tmp_path):
    panel = window.sweep_panel
    small_form(panel, batch="8,16")
    panel.grid_points.setValue(4)
    run_panel(qtbot, panel)
    path = str(tmp_path / "swept.playground.json")
    assert window.files.save_to(path)
    assert read_project(path).sweep["rows"] == panel.rows
    second = make_window(qtbot, tmp_path, name="second.ini")
    try:
        kept = second.sweep_panel
        assert kept.rows == [] and kept.state() is None
        assert second.files.open_path(path)
        assert not kept.is_running() and kept.rows == panel.rows
        assert table_cells(kept) == table_cells(panel)
        assert kept.definition() == panel.definition()
        assert kept.grid_points.value() == 4 and kept.strategy.currentText() == "grid"
        assert kept.plots.heatmap_params() == ("lr", "batch_size")
        row = kept.row_of(2)
        kept._open_row(2, 0)
        config = second.session.config
        assert (config.lr, config.batch_size, config.epochs) == (
            row["params"]["lr"], row["params"]["batch_size"], 3,
        )  # fmt: skip
        assert kept.state() == panel.state()  # saving again keeps the same sweep
    finally:
        close_window(second)


def test_opening_a_project_without_a_sweep_clears_the_panel(window, qtbot, tmp_path):
    path = str(tmp_path / "plain.playground.json")
    assert window.files.save_to(path)
    panel = window.sweep_panel
    small_form(panel)
    run_panel(qtbot, panel)
    assert window.files.open_path(path, confirm=False)
    assert panel.rows == [] and panel.table.rowCount() == 0 and panel.state() is None
