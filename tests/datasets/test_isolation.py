"""datasets depends on NumPy and the standard library only: no Qt, no engine."""

import subprocess
import sys
import textwrap


def test_import_loads_no_gui_or_engine_module(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        import datasets
        ds = datasets.make("spirals", n_samples=50)
        datasets.save_csv(ds, {str(tmp_path / "s.csv")!r})
        datasets.load_csv({str(tmp_path / "s.csv")!r})
        datasets.train_test_split(ds)
        roots = {{name.split(".")[0] for name in sys.modules}}
        print(sorted(roots & {{"PySide6", "shiboken6", "pyqtgraph", "playground", "engine"}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
